"""Device functions defined outside Python: ``declare_device`` and ``link=``.

``pf.declare_device(name, "int32(int32)", link=[...])`` declares a function
that a linked file defines (PTX, a cubin, a fatbin, an object or library,
LTO-IR, or CUDA C that NVRTC compiles); kernels and device functions call it
like any device function. ``pf.CUSource(text)`` is CUDA C held in memory.
The files are linked with nvJitLink when the kernel is assembled; see
docs/language.md, "Linking CUDA code".
"""

import os

from . import _core

_LINKABLE = {".ptx", ".cubin", ".fatbin", ".o", ".a", ".ltoir", ".cu"}


class LinkableCode:
    """Code to link held in memory (numba-cuda's ``LinkableCode``): the base of
    :class:`PTXSource`, :class:`CUSource`, :class:`Cubin`, :class:`Fatbin`,
    :class:`Archive`, :class:`Object` and :class:`LTOIR`. ``data`` is the code (bytes, or
    text for PTX and CUDA C); ``name`` names it in messages. ``link=`` takes these beside
    paths; all but CUDA C reach nvJitLink as a file of the matching extension written to
    a private temporary folder."""

    kind = None  # the file extension, without the dot
    default_name = "<unnamed>"

    def __init__(self, data, name=None):
        self.data = data
        self.name = name or self.default_name

    def __repr__(self):
        return f"<{type(self).__name__} {self.name}>"

    @classmethod
    def from_path(cls, path):
        """The code in the file at `path`, as the LinkableCode class of its extension."""
        ext = os.path.splitext(os.fspath(path))[1]
        kind = _KINDS.get(ext)
        if kind is None:
            raise ValueError(f"Don't know how to link file with extension {ext or '(none)'}: {path} "
                             f"(link takes {', '.join(sorted(_LINKABLE))} files)")
        mode = "r" if ext in (".cu", ".ptx") else "rb"
        with open(path, mode) as f:
            data = f.read()
        return kind(data, name=os.path.splitext(os.path.basename(os.fspath(path)))[0])

    @classmethod
    def from_path_or_obj(cls, path_or_obj):
        """``from_path(path_or_obj)`` for a path; a LinkableCode as it is."""
        if isinstance(path_or_obj, (str, os.PathLike)):
            return cls.from_path(path_or_obj)
        return path_or_obj

    def _as_file(self):
        """A file holding the code, named by its content (written once per process)."""
        import hashlib
        import tempfile

        data = self.data.encode() if isinstance(self.data, str) else bytes(self.data)
        if not _temp_folder:
            _temp_folder.append(tempfile.mkdtemp(prefix="ptxforge-link-"))
        path = os.path.join(_temp_folder[0], f"{hashlib.sha256(data).hexdigest()[:24]}.{self.kind}")
        if not os.path.exists(path):
            with open(path + ".part", "wb") as f:
                f.write(data)
            os.replace(path + ".part", path)
        return path


_temp_folder = []


def _remove_temp_folder():
    import shutil

    for folder in _temp_folder:
        shutil.rmtree(folder, ignore_errors=True)


import atexit  # noqa: E402

atexit.register(_remove_temp_folder)


class PTXSource(LinkableCode):
    """PTX text in memory."""

    kind = "ptx"
    default_name = "<unnamed-ptx>"


class Cubin(LinkableCode):
    """A cubin in memory."""

    kind = "cubin"
    default_name = "<unnamed-cubin>"


class Fatbin(LinkableCode):
    """A fatbin in memory."""

    kind = "fatbin"
    default_name = "<unnamed-fatbin>"


class Archive(LinkableCode):
    """A library of objects (.a) in memory."""

    kind = "a"
    default_name = "<unnamed-archive>"


class Object(LinkableCode):
    """An object file in memory."""

    kind = "o"
    default_name = "<unnamed-object>"


class LTOIR(LinkableCode):
    """LTO-IR in memory."""

    kind = "ltoir"
    default_name = "<unnamed-ltoir>"


class CUSource(LinkableCode):
    """CUDA C source text to compile with NVRTC and link (numba-cuda's ``cuda.CUSource``).

    `source` is a str (or UTF-8 bytes), or a text stream such as ``io.StringIO`` (as
    numba-cuda accepts), whose whole content is read when a kernel or ``declare_device``
    is given the CUSource in ``link=``. `name` names it in NVRTC's messages; by default
    ``source_<n>.cu``.
    """

    kind = "cu"
    _count = 0

    def __init__(self, source, name=None):
        if isinstance(source, bytes):
            source = source.decode()
        if not isinstance(source, str) and not callable(getattr(source, "getvalue", None)):
            raise TypeError(f"CUSource takes the CUDA C source as a str or a text stream (io.StringIO), "
                            f"not {type(source).__name__}")
        if name is None:
            CUSource._count += 1
            name = f"source_{CUSource._count}.cu"
        self._source = source
        self.name = name

    @property
    def data(self):
        return self.source

    @property
    def source(self):
        """The CUDA C text: the stream's content as it is now, for a stream."""
        if isinstance(self._source, str):
            return self._source
        text = self._source.getvalue()
        if isinstance(text, bytes):
            text = text.decode()
        if not isinstance(text, str):
            raise TypeError(f"the stream of {self!r} holds {type(text).__name__}, not CUDA C text")
        return text


_KINDS = {".ptx": PTXSource, ".cu": CUSource, ".cubin": Cubin, ".fatbin": Fatbin, ".a": Archive, ".o": Object,
          ".ltoir": LTOIR}


def link_items(link, where="link"):
    """The compiler's form of a link list: [("file", path) | ("cu", name, source)].

    Checks what can be checked without compiling: each entry is a path or a
    LinkableCode (CUSource, PTXSource, Cubin ...), a path has an extension nvJitLink
    takes, and the file exists."""
    from .errors import LinkError

    if link is None:
        return []
    if isinstance(link, (str, os.PathLike, LinkableCode)):
        link = [link]
    items = []
    for entry in link:
        if isinstance(entry, CUSource):
            items.append(("cu", entry.name, entry.source))
            continue
        if isinstance(entry, LinkableCode):
            if entry.kind not in {k[1:] for k in _LINKABLE}:
                raise LinkError(f"Don't know how to link {entry!r}: its kind is {entry.kind!r}")
            items.append(("file", entry._as_file()))
            continue
        if not isinstance(entry, (str, os.PathLike)):
            raise TypeError(f"{where} takes paths and LinkableCode objects (CUSource, PTXSource, Cubin ...), "
                            f"not {entry!r}")
        path = os.fspath(entry)
        ext = os.path.splitext(path)[1]
        if not ext:
            raise LinkError(f"Don't know how to link file with no extension: {path} "
                            f"(link takes {', '.join(sorted(_LINKABLE))} files)")
        if ext not in _LINKABLE:
            raise LinkError(f"Don't know how to link file with extension {ext}: {path} "
                            f"(link takes {', '.join(sorted(_LINKABLE))} files)")
        if not os.path.isfile(path):
            raise LinkError(f"cannot link {path}: {path} not found")
        items.append(("file", os.path.abspath(path)))
    return items


def _signature_text(sig):
    """A signature as the compiler parses it: a string, or a signature object (ours or numba's)."""
    from ._typeobjects import signature_string

    return signature_string(sig, "declare_device's signature")


class DeclaredSignature(str):
    """A declared function's signature: its text (``"int32(float32[:])"``), with numba's
    ``args`` and ``return_type`` as type objects (``(float32[:],)`` and ``int32``)."""

    __slots__ = ("args", "return_type")

    @classmethod
    def of(cls, ret, params):
        from ._intrinsics import type_from_text

        self = cls(f"{ret}({', '.join(params)})")
        self.return_type = type_from_text(ret)
        self.args = tuple(type_from_text(p) for p in params)
        return self


class ExternalFunction:
    """A device function declared with ``declare_device``: kernels call it by name."""

    _pf_external = True

    def __init__(self, name, sig, link, abi, unusable=None, use_cooperative=False):
        self.name = name
        self.use_cooperative = bool(use_cooperative)
        self.sig = sig
        self.link = link
        self.abi = abi
        self._link_items = link_items(link, "declare_device's link")
        self._unusable = unusable  # why kernels cannot call it (a numba type ptxforge lacks), or None

    def _describe(self):
        if self._unusable is not None:
            return ("opaque", f"the declared device function '{self.name}', whose signature has {self._unusable}")
        return ("extfunc", self, self.name, self.sig, self.abi, self._link_items, self.use_cooperative)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"'{self.name}' is a declared device function; call it from a kernel or device function")

    def __repr__(self):
        return f"<ptxforge declared device function {self.name}{self.sig}>"


def _unusable_type(sig):
    """The text naming the first type of numba signature `sig` that ptxforge has no equivalent of."""
    from ._typeobjects import type_name

    for t in (sig.return_type, *sig.args):
        try:
            type_name(t)
        except TypeError:
            return f"numba's type {t} ({type(t).__name__}), which ptxforge has no equivalent of"
    return "a type ptxforge has no equivalent of"


def declare_device(name, sig, link=None, use_cooperative=False, abi="numba"):
    """Declares a device function defined in a linked file, as numba-cuda's ``cuda.declare_device``.

    `sig` gives the return type and the parameter types (``"int32(int32, float32[::1])"``).
    With ``abi="numba"`` (the default) the function is called as numba calls it,
    ``int name(ret *out, args...)``; with ``abi="c"`` as C does, ``ret name(args...)``.
    `link` lists the files that define it (and what they need), linked into every
    kernel that calls it. With `use_cooperative`, as in numba, the function may
    synchronize the grid: a kernel calling it is launched cooperatively.
    """
    if abi not in ("numba", "c"):
        raise NotImplementedError(f"unsupported ABI {abi!r}: declare_device takes abi='numba' or abi='c'")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"declare_device needs the function's C name, not {name!r}")
    try:
        text = _signature_text(sig)
    except TypeError as exc:
        from ._typeobjects import is_numba_signature

        if not is_numba_signature(sig) or "no ptxforge equivalent" not in str(exc):
            raise
        # numba's generated C++ bindings (numba.cuda._internal) declare functions over opaque
        # struct types of their own: the declaration stands, and a kernel calling it is the error.
        return ExternalFunction(name, str(sig), link, abi, unusable=_unusable_type(sig))
    if not text.lstrip().split("(", 1)[0].strip():
        raise TypeError(f"Return type missing in declare_device('{name}', {sig!r}): device declarations "
                        "need one, as in 'int32(int32)'")
    try:
        ret, params = _core.parse_signature(text)
    except ValueError as exc:
        raise TypeError(f"bad signature for declare_device('{name}', ...): {exc}") from None
    return ExternalFunction(name, DeclaredSignature.of(ret, params), link, abi, use_cooperative=use_cooperative)
