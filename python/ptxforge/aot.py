"""Ahead-of-time kernels: compiling them to files, and loading those files again.

``ptxforge compile`` (cli.py) calls :func:`compile_kernel` once per kernel: every
signature of the kernel goes into one module per architecture (each signature
an entry of its own), written as a cubin, or a fatbin when several
architectures are asked for, with a C header ``NAME.h`` declaring each entry.

:func:`load_module` reads such a file back with the signatures its header
declares and gives kernels that launch like JIT ones (``k[grid, block](...)``)
with no compile step: nothing of LLVM runs in a process that only loads.
"""

import os
import re

from . import _core
from ._serialize import device_memory_held
from .dispatcher import Dispatcher, _Compiled, check_cc
from .errors import CompileError

__all__ = ["load_module", "AotModule", "AotKernel"]

# One line per signature in a generated header (compiler/AotHeader.cpp writes it).
_HEADER_LINE = re.compile(r"/\* ptxforge-kernel: (\S+) (\S+) (\S+) (.*?) \*/")

_ARCH = re.compile(r"^(?:sm_|compute_)?(\d+)(\d)$|^(\d+)\.(\d+)$")


def parse_arch(text):
    """(major, minor) of 'sm_90', 'sm_120', '90' or '9.0'; ValueError for text that is none of
    these or a capability ptxforge does not compile for."""
    m = _ARCH.match(text.strip())
    if not m:
        raise ValueError(f"bad architecture '{text}': write sm_XY, e.g. sm_90 or sm_80")
    major, minor = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return check_cc((int(major), int(minor)))


def arch_name(cc):
    return f"sm_{cc[0]}{cc[1]}"


# -- compiling -------------------------------------------------------------------------


class ModuleBuild:
    """One kernel's AOT module: its signatures compiled for each architecture."""

    def __init__(self, name, entries, per_arch, header_kernels):
        self.name = name
        self.entries = entries          # [(entry name, types)]
        self.per_arch = per_arch        # {(major, minor): _core.ModuleArtifacts}
        self.header_kernels = header_kernels  # [(artifacts, param names)] for aot_header

    @property
    def archs(self):
        return list(self.per_arch)

    def fatbin(self):
        """The cubins of every architecture, and the PTX of the highest one for the
        driver's JIT on newer GPUs (as nvcc's default does)."""
        entries = []
        for cc, mod in sorted(self.per_arch.items()):
            entries.append(("cubin", cc[0] * 10 + cc[1], mod.cubin))
        top = max(self.per_arch)
        entries.append(("ptx", top[0] * 10 + top[1], self.per_arch[top].ptx.encode()))
        return _core.write_fatbin(entries)

    def header(self, about):
        return _core.aot_header(self.name, self.header_kernels, about)


def compile_kernel(dispatcher, signatures, archs, stage, keep_ir=False, options=None):
    """Compiles every signature of `dispatcher` into one module per architecture.

    `signatures` is a list of type tuples; `archs` a list of (major, minor);
    `stage` 'typed', 'ptx' or 'cubin'; `options` overrides the kernel's own
    (fastmath, lineinfo, opt_level). Raises CompileError naming the kernel's source.
    """
    name = dispatcher.__name__
    if not (name.isascii() and name.isidentifier()):
        raise CompileError(f"kernel '{name}' cannot be compiled ahead of time: its name must be an ASCII "
                           "identifier, since it names the PTX entry and the C declaration")
    several = len(signatures) > 1
    entries = [(_core.mangled_entry_name(name, list(types), several), types) for types in signatures]
    if len({e for e, _ in entries}) != len(entries):
        raise CompileError(f"kernel '{name}' has the same signature twice")
    fa = dispatcher._function_ast()
    from ._source import resolve_globals

    globals_ = resolve_globals(dispatcher.py_func, dispatcher._source.names, dispatcher._source)
    opts = dict(dispatcher.options)
    opts.update(options or {})
    if opts.get("debug"):
        raise CompileError(f"kernel '{name}' is in debug mode (debug=True or PTXFORGE_DEBUG), which cannot be "
                           "compiled ahead of time: its checks report through a record that the JIT loader sets up")
    held = device_memory_held(globals_, through_device_functions=True)
    if held:
        raise CompileError(f"kernel '{name}' uses the device memory of {', '.join(held)} by address, which "
                           "cannot be compiled ahead of time: the address means nothing in the process that "
                           "loads the module; pass the array as an argument instead")
    requests = [(fa, list(types), globals_, entry) for entry, types in entries]
    per_arch = {}
    for cc in archs:
        per_arch[cc] = _core.compile_module(
            requests, cc[0], cc[1], fastmath=opts["fastmath"], fma=opts["fma"], lineinfo=opts["lineinfo"],
            opt_level=opts["opt_level"], max_registers=opts["max_registers"], stage=stage, keep_ir=keep_ir,
            max_threads=opts["max_threads"], min_blocks=opts["min_blocks"], link=list(opts.get("link", ())),
            max_cluster_rank=opts.get("max_cluster_rank", 0))
    first = per_arch[archs[0]]
    params = list(dispatcher._param_names())
    header_kernels = [(k, params) for k in first.kernels]
    return ModuleBuild(name, entries, per_arch, header_kernels)


# -- loading ---------------------------------------------------------------------------


def read_header(path):
    """[(kernel, entry, cooperative, signature)] that a generated header declares."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    found = []
    for m in _HEADER_LINE.finditer(text):
        kernel, entry, flags, signature = m.groups()
        found.append((kernel, entry, flags == "cooperative", signature))
    if not found:
        raise ValueError(f"{path} declares no ptxforge kernel (no '/* ptxforge-kernel: ... */' lines); "
                         "pass the header that `ptxforge compile` wrote beside the module")
    return found


def _header_beside(path):
    """NAME.h for NAME.cubin, NAME.fatbin, NAME.ptx or NAME.sm_90.cubin."""
    folder, base = os.path.split(path)
    stem = base.split(".")[0]
    return os.path.join(folder, stem + ".h")


def load_module(path, signatures=None, header=None, device=None):
    """Loads a cubin, fatbin or PTX file that ``ptxforge compile`` wrote.

    The kernels' signatures come from the header beside it (``NAME.h`` for
    ``NAME.fatbin``), from `header`, or from `signatures`: a dict
    ``{entry: "void(float32, float32[::1])"}``. Returns an :class:`AotModule`
    whose kernels launch as JIT kernels do, ``mod.saxpy[blocks, threads](...)``,
    with no compilation. Loading needs a GPU; reading the file and header does not
    (they are checked before the driver is asked).
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        image = f.read()
    kind = _core.image_kind(image)
    if kind == "unknown":
        raise ValueError(f"{path} is not a cubin, fatbin or PTX file ({len(image)} bytes); "
                         "load what `ptxforge compile` wrote")
    if signatures is not None:
        declared = []
        for entry, sig in dict(signatures).items():
            declared.append((entry, entry, False, sig))
    else:
        header = header or _header_beside(path)
        if not os.path.exists(header):
            raise FileNotFoundError(f"{path} has no header beside it ({header} is missing): pass header= or "
                                    "signatures={entry: signature}")
        declared = read_header(header)
    return AotModule(path, image, declared, device)


class AotModule:
    """A module file and its kernels: ``mod.<kernel>`` dispatches over every signature
    of that kernel; ``mod.entries[<entry>]`` is one signature's kernel."""

    def __init__(self, path, image, declared, device=None):
        self.path = path
        self.image = image
        self.kind = _core.image_kind(image)
        self.archs = _core.describe_archs(image)
        if device is not None:
            _core.select_device(device)
        kernels = {}
        for kernel, entry, cooperative, signature in declared:
            kernels.setdefault(kernel, []).append((entry, cooperative, signature))
        self.kernels = {name: AotKernel(name, self, entries) for name, entries in kernels.items()}
        self.entries = {}
        for kernel, entry, cooperative, signature in declared:
            self.entries[entry] = AotKernel(entry, self, [(entry, cooperative, signature)])

    def __getattr__(self, name):
        kernels = self.__dict__.get("kernels", {})
        if name in kernels:
            return kernels[name]
        raise AttributeError(f"{self.__dict__.get('path', 'the module')} has no kernel '{name}'; "
                             f"it has {', '.join(kernels) or 'none'}")

    def __repr__(self):
        return f"<ptxforge AOT module {self.path} ({self.kind}: {self.archs}): {', '.join(self.kernels)}>"


def _array_parts(t):
    """(dtype, ndim, layout) of an array type's spelling, or None for anything else."""
    m = re.fullmatch(r"(.+)\[(.*)\]", t)
    if not m or t.startswith(("Tuple(", "Record(")):
        return None
    dims = [d.strip() for d in m.group(2).split(",")] if m.group(2).strip() else []
    layout = "A"
    if dims and dims[-1] == "::1":
        layout = "C"
    elif len(dims) > 1 and dims[0] == "::1":
        layout = "F"
    return m.group(1), len(dims), layout


def _tuple_items(t):
    """The element spellings of 'Tuple(a, b)', or None."""
    if not (t.startswith("Tuple(") and t.endswith(")")):
        return None
    items, depth, start, body = [], 0, 0, t[6:-1]
    for i, ch in enumerate(body):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(body[start:i].strip())
            start = i + 1
    if body.strip():
        items.append(body[start:].strip())
    return items


_INTS = {f"{s}int{b}" for s in ("", "u") for b in (8, 16, 32, 64)}
_FLOATS = {"float16", "float32", "float64", "bfloat16"}
_COMPLEX = {"complex64", "complex128"}


def _conversion(arg, param):
    """0 for an exact match, 1 for a conversion numba would make, None when `arg` cannot
    be passed as `param`."""
    if arg == param:
        return 0
    if arg == "int":
        return 1 if param in _INTS | _FLOATS | _COMPLEX else None
    if arg == "float":
        return 1 if param in _FLOATS | _COMPLEX else None
    if arg == "complex":
        return 1 if param in _COMPLEX else None
    if arg in _INTS | _FLOATS | {"bool"}:
        return 1 if param in _INTS | _FLOATS | _COMPLEX | ({"bool"} if arg == "bool" else set()) else None
    a, p = _array_parts(arg), _array_parts(param)
    if a and p:
        if a[:2] != p[:2]:
            return None
        return 1 if p[2] == "A" else None  # a contiguous array may go where any layout is taken
    ta, tp = _tuple_items(arg), _tuple_items(param)
    if ta is not None and tp is not None and len(ta) == len(tp):
        costs = [_conversion(x, y) for x, y in zip(ta, tp)]
        return None if None in costs else sum(costs)
    return None


class AotKernel(Dispatcher):
    """A kernel of a loaded AOT module: ``kernel[blocks, threads](...)`` picks the
    signature that the arguments fit (exact matches first) and launches its entry."""

    _compiles = False

    def __init__(self, name, module, entries):
        # Not Dispatcher.__init__: there is no Python function, nothing to compile.
        import threading

        self.__name__ = self.__qualname__ = name
        self.py_func = None
        self.module = module
        self.options = dict(fastmath=False, fma=True, lineinfo=False, max_registers=0, opt_level=3, max_threads=0,
                            min_blocks=0, link=(), debug=False)  # what was compiled in; the launch path reads debug
        self._lock = threading.RLock()
        self._overloads = {}
        self._compiling = {}
        self._fast = None
        self._use_cache = False
        self._source = self._ast = None
        self._entries = []  # [(entry, cooperative, types)]
        for entry, cooperative, signature in entries:
            ret, params = _core.parse_signature(signature)
            self._entries.append((entry, cooperative, tuple(params)))
        self._declared = []  # launches pick among the entries (_pick), not by the dispatcher's binding
        self._bound = {}
        self._carveout = None
        self._specialized = False
        self.specializations = {}

    @property
    def signatures(self):
        """The argument types of each compiled entry."""
        return [types for _, _, types in self._entries]

    def _param_names(self):
        return ()

    def _pick(self, types):
        best = None
        for entry, cooperative, params in self._entries:
            if len(params) != len(types):
                continue
            costs = [_conversion(a, p) for a, p in zip(types, params)]
            if None in costs:
                continue
            if best is None or sum(costs) < best[0]:
                best = (sum(costs), entry, cooperative, params)
        if best is None:
            compiled_for = "; ".join("(" + ", ".join(p) + ")" for _, _, p in self._entries)
            raise TypeError(f"AOT kernel '{self.__name__}' was not compiled for arguments "
                            f"({', '.join(types)}); {self.module.path} has it for: {compiled_for}")
        return best[1:]

    def _compile(self, types, cc, stage, keep_ir=False, facts=None):
        # An AOT kernel is the general one, whatever a launch knows (facts).
        key = (types, cc)
        with self._lock:
            compiled = self._overloads.get(key)
            if compiled is None:
                entry, cooperative, params = self._pick(types)
                image = self.module.image
                if not _core.image_runs_on(image, cc[0] * 10 + cc[1]):
                    raise _core.CudaSupportError(
                        f"{self.module.path} has code for {self.module.archs}, none of which runs on this "
                        f"GPU ({arch_name(cc)}); compile it with --arch {arch_name(cc)}")
                sig = "void(" + ", ".join(params) + ")"
                artifacts = _core.aot_artifacts(entry, sig, image, cooperative)
                compiled = _Compiled(artifacts, 2)
                self._overloads[key] = compiled
            return compiled

    def compile(self, sig):
        raise TypeError(f"AOT kernel '{self.__name__}' is already compiled; it cannot compile for {sig}")

    def _no_source(self, *args, **kwargs):
        raise TypeError(f"AOT kernel '{self.__name__}' has no Python source to inspect; "
                        f"inspect the kernel before compiling it, or read {self.module.path} with cuobjdump")

    inspect_types = inspect_llvm = inspect_ptx = inspect_asm = inspect_sass = _no_source

    def __reduce__(self):
        raise TypeError(f"AOT kernel '{self.__name__}' cannot be pickled; pass the module's path and load it "
                        "with pf.load_module in the other process")

    def __repr__(self):
        return f"<ptxforge AOT kernel {self.__name__} from {self.module.path}>"
