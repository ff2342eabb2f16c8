"""Exceptions raised by ptxforge."""


class CompileError(Exception):
    """A kernel could not be compiled.

    ``str(err)`` reads ``file:line:col: error: message``, then the source line
    with a caret under the column. The parts are also attributes: ``filename``,
    ``lineno``, ``col`` (1-based, in characters) and ``msg``.
    """

    def __init__(self, rendered, filename="", lineno=0, col=0, msg=""):
        super().__init__(rendered)
        self.filename = filename
        self.lineno = lineno
        self.col = col
        self.msg = msg or rendered


class LinkError(CompileError, RuntimeError):
    """A file given to ``link=`` (of a kernel or of ``declare_device``) could not be
    linked: it is missing, has an extension ptxforge cannot link, does not compile
    (CUDA C, through NVRTC), or nvJitLink rejects it. The message says which."""
