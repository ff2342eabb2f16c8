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


class LaunchConfigurationError(ValueError):
    """A launch the kernel or the device cannot take, caught before it is made: a
    zero dimension, a block larger than the kernel allows, too much shared memory,
    or a kernel called without ``kernel[blocks, threads]``. The message names the
    limit and, in brackets, the driver's error for it (``[CUDA_ERROR_INVALID_VALUE]``).
    While ``cuda.core`` is imported (numba-cuda imports it), the class raised is also
    a subclass of cuda.core's ``CUDAError``, which numba-cuda raises for these launches."""


class MissingLaunchConfigurationError(LaunchConfigurationError, TypeError):
    """A kernel called as a function, without ``kernel[blocks, threads]``: a ValueError as
    in numba, and a TypeError as ptxforge raised before."""


class KernelReturnError(CompileError, TypeError):
    """A kernel returns a value: kernels have void return type (numba-cuda raises a
    TypeError for this). Write results into an array argument, or compile the function
    as a device function."""


_launch_error_classes = {}


def launch_error_class():
    """LaunchConfigurationError, or while cuda.core is loaded a subclass of it and of
    cuda.core's CUDAError (made once per CUDAError class)."""
    import sys

    base = getattr(sys.modules.get("cuda.core._utils.cuda_utils"), "CUDAError", None)
    if not isinstance(base, type) or not issubclass(base, Exception):
        return LaunchConfigurationError
    cls = _launch_error_classes.get(base)
    if cls is None:
        cls = _launch_error_classes[base] = type("LaunchConfigurationError", (LaunchConfigurationError, base),
                                                 {"__module__": __name__, "__doc__": LaunchConfigurationError.__doc__})
    return cls


_compile_error_classes = {}


def compile_error_class(name="CompileError"):
    """The class the compiler raises for an error named `name` ("CompileError", "LinkError").
    While numba is imported, a CompileError is also numba's TypingError (numba-cuda raises
    that where ptxforge raises CompileError, so numba code catches it); ptxforge itself
    never imports numba."""
    import sys

    cls = globals()[name]
    if name != "CompileError":
        return cls
    bases = []
    for module in ("numba.cuda.core.errors", "numba.core.errors"):
        typing_error = getattr(sys.modules.get(module), "TypingError", None)
        if isinstance(typing_error, type) and issubclass(typing_error, Exception) and \
                not any(issubclass(b, typing_error) for b in bases):
            bases.append(typing_error)
    if not bases:
        return cls
    key = tuple(bases)
    made = _compile_error_classes.get(key)
    if made is None:
        namespace = {"__module__": __name__, "__doc__": CompileError.__doc__, "__init__": _init_as_numba_error}
        try:
            made = type("CompileError", (CompileError, *bases), namespace)
        except TypeError:  # no consistent order of the bases: numba's first alone
            made = type("CompileError", (CompileError, bases[0]), namespace)
        _compile_error_classes[key] = made
    return made


def _init_as_numba_error(self, rendered, filename="", lineno=0, col=0, msg=""):
    """CompileError's fields, and numba's (msg, loc), without numba's __init__, which would
    colour the message with terminal escapes."""
    Exception.__init__(self, rendered)
    self.filename, self.lineno, self.col = filename, lineno, col
    self.msg = msg or rendered
    self.loc = None


def adopt_numba_runtime_bases():
    """While numba-cuda is imported, make ptxforge's runtime errors also numba's: the
    pybind11 class ``_core.CudaDriverError`` (and so ``CudaOutOfMemoryError``) gets numba's
    ``numba.cuda.cudadrv.error.CudaDriverError`` as a second base, so numba code that catches
    numba's class catches ptxforge's. Done in place, once; ptxforge never imports numba.
    ``CudaSupportError`` stays a RuntimeError: numba's is an ImportError, whose instance
    layout Python cannot mix with RuntimeError's."""
    import sys

    numba_error = getattr(sys.modules.get("numba.cuda.cudadrv.error"), "CudaDriverError", None)
    if not isinstance(numba_error, type) or not issubclass(numba_error, Exception):
        return
    from . import _core

    ours = _core.CudaDriverError
    if issubclass(ours, numba_error):
        return
    try:
        ours.__bases__ = (*ours.__bases__, numba_error)
    except TypeError:  # a layout Python cannot combine: leave ours as it is
        pass
