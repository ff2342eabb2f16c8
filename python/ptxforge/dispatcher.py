"""The kernel object: ``@kernel``, ``kernel[grid, block](...)``, inspection.

A Dispatcher compiles its function once per argument-type signature and set
of launch facts (what a launch proved about its arrays: alignment, sizes,
disjointness, the block's coarsening; docs/performance.md) and keeps, per
compilation, the artifacts and the module loaded on each device. Inspection
shows the general kernel, right for every launch, unless a specialisation is
named. A kernel runs on its own target (``target="cpu"``) or on the default
one (ptxforge._target); the CPU target's compilations are kept under the key
"cpu" where the GPU's are kept under the compute capability. The CPU target
compiles the general kernel only: launch facts are the GPU's specialisation.
"""

import collections
import functools
import inspect
import itertools
import operator
import sys
import threading
import warnings
import weakref

from . import _core, _target
from . import errors as _errors
from . import cache as _cache
from ._args import copy_back, describe, refuse_read_only, register_interop_types, upload
from ._debug import check_cpu_launch, check_launch, debug_default
from ._overloads import ForAll, Overload, SignatureDict, signature_key
from ._signatures import select as _select_signature
from ._source import parsed_function, resolve_globals
from ._typeobjects import signature_parts, type_name
from .errors import MissingLaunchConfigurationError
from .external import link_items

_DEFAULT_CC = (9, 0)


_MAX_DIM = 2**31 - 1


def _dim3(value, what):
    """A grid or block (`what`: "the grid" or "the block") as three ints. Messages start as
    numba's (griddim/blockdim ...) and go on to say what to write."""
    numba_name = "griddim" if what == "the grid" else "blockdim"
    items = list(value) if isinstance(value, (tuple, list)) else [value]
    try:
        dims = tuple(operator.index(v) for v in items)  # ints only: no floats, no strings
    except TypeError:
        raise TypeError(f"{numba_name} must be a sequence of integers, got {items!r}: "
                        f"{what} must be an int or a tuple of up to 3 ints, not {value!r}") from None
    if not 1 <= len(dims) <= 3:
        raise ValueError(f"{numba_name} must be a sequence of 1, 2 or 3 integers, got {items!r}: "
                         f"{what} must have 1 to 3 dimensions, got {len(dims)}")
    if any(d < 0 for d in dims):
        raise ValueError(f"{what} {dims} has a negative dimension")
    if any(d > _MAX_DIM for d in dims):
        raise ValueError(f"{what} {dims} has a dimension above 2**31 - 1, which no GPU allows "
                         "(a grid's x is at most 2**31 - 1, its y and z 65535; a block has at most 1024 threads)")
    return dims + (1,) * (3 - len(dims))


def _stream_handle(stream):
    """The CUstream of a launch's stream: 0 (the legacy default), an int, one of our
    Streams, numba's (``handle.value``), CuPy's (``ptr``) or torch's (``cuda_stream``)."""
    if stream is None or (isinstance(stream, int) and stream == 0):
        return 0
    if isinstance(stream, int):
        return stream
    for attr in ("handle", "ptr", "cuda_stream"):
        h = getattr(stream, attr, None)
        if h is not None:
            return int(getattr(h, "value", h) or 0)
    raise TypeError(f"cannot use {stream!r} as a stream")


# For the CPU target, "ptx" is optimised IR and host assembly, "cubin" machine code in the JIT.
_STAGES = {"typed": 0, "ptx": 1, "cubin": 2}
_CPU = "cpu"  # the CPU target's key where the GPU's is its compute capability


class _Compiled:
    """One signature's artifacts, how far they went, and the module loaded per device."""

    __slots__ = ("artifacts", "stage", "loaded")

    def __init__(self, artifacts, stage):
        self.artifacts = artifacts
        self.stage = stage
        self.loaded = {}

    def stage_name(self):
        return next(name for name, rank in _STAGES.items() if rank == self.stage)


_MAX_THREADS_PER_BLOCK = 1024
_MAX_REGISTERS = 255


def _launch_bounds(bounds):
    """numba's launch_bounds: max threads per block, or (max threads, min blocks per SM[, cluster])."""
    if bounds is None:
        return 0, 0, 0
    if isinstance(bounds, int):
        bounds = (bounds,)
    try:
        bounds = tuple(operator.index(b) for b in bounds)
    except TypeError:
        raise TypeError(f"launch_bounds takes 1 to 3 positive ints, got {bounds!r}") from None
    if not 1 <= len(bounds) <= 3 or any(b <= 0 for b in bounds):
        raise ValueError(f"Got {len(bounds)} launch bounds: {bounds!r}; launch_bounds takes 1 to 3 positive ints "
                         "(max threads per block, min blocks per multiprocessor, max blocks per cluster)")
    if bounds[0] > _MAX_THREADS_PER_BLOCK:
        raise ValueError(f"launch_bounds: a block has at most {_MAX_THREADS_PER_BLOCK} threads, got {bounds[0]}")
    if any(b >= 2**31 for b in bounds[1:]):
        raise ValueError(f"launch_bounds: {bounds[1:]} are not below 2**31")
    return bounds[0], (bounds[1] if len(bounds) > 1 else 0), (bounds[2] if len(bounds) > 2 else 0)


def _max_registers(n):
    """numba's max_registers: None or 0 for no cap, else 1 to 255 registers per thread."""
    if n is None:
        return 0
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"max_registers takes an int (registers per thread), got {n!r}") from None
    if not 0 <= n <= _MAX_REGISTERS:
        raise ValueError(f"max_registers must be 1 to {_MAX_REGISTERS} (a thread has at most {_MAX_REGISTERS} "
                         f"registers), or 0 or None for no cap; got {n}")
    return n


class _Extensions(list):
    """numba's kernel.extensions: a list that, when changed, drops the fast path's keys, so
    that every later launch runs the extensions (on the Python path)."""

    def __init__(self, owner):
        super().__init__()
        self._owner = weakref.ref(owner)

    def _changed(self):
        owner = self._owner()
        if owner is not None:
            owner._fast = None


def _changes_extensions(name):
    method = getattr(list, name)

    def changed(self, *args):
        result = method(self, *args)
        self._changed()
        return self if name == "__iadd__" else result

    changed.__name__ = name
    return changed


for _name in ("append", "extend", "insert", "remove", "pop", "clear", "sort", "reverse", "__setitem__",
              "__delitem__", "__iadd__"):
    setattr(_Extensions, _name, _changes_extensions(_name))


class Dispatcher:
    """A Python function compiled to a CUDA kernel per argument-type signature.

    Declared with signatures, it is compiled for those and no others, and a
    launch's arguments are converted to the one they bind to (numba's rules,
    _signatures.py); otherwise every new argument-type signature compiles.
    """

    _pf_kernel = True
    target = None  # the kernel's own target; None: the default one
    _compiles = True  # False for AOT kernels (aot.AotKernel), which load what was compiled before
    _extensions = ()  # numba's argument handlers (a list per kernel made by kernel(); none for AOT kernels)

    def __init__(self, pyfunc, signatures=(), fastmath=False, fma=True, lineinfo=False,
                 max_registers=0, opt=True, launch_bounds=None, cache=None, link=(), debug=None,
                 specialized=False, shared_memory_carveout=None, target=None):
        functools.update_wrapper(self, pyfunc)
        self.py_func = pyfunc
        self.target = None if target is None else _target.parse(target)  # None: the default target
        self._use_cache = cache is not False  # on unless cache=False (or PTXFORGE_CACHE=0)
        max_threads, min_blocks, max_cluster_rank = _launch_bounds(launch_bounds)
        # debug=None follows PTXFORGE_DEBUG; the debug mode is documented in docs/runtime.md.
        debug = debug_default() if debug is None else bool(debug)
        self.options = dict(fastmath=bool(fastmath), fma=bool(fma), lineinfo=bool(lineinfo),
                            max_registers=_max_registers(max_registers), opt_level=3 if opt else 0,
                            max_threads=max_threads, min_blocks=min_blocks, max_cluster_rank=max_cluster_rank,
                            link=link_items(link), debug=debug)
        self._carveout = _carveout(shared_memory_carveout)
        self._source = None
        self._ast = None
        self._lock = threading.RLock()
        self._overloads = {}  # (types, cc, facts) -> _Compiled; facts None: the general kernel
        self._compiling = {}  # (types, cc, facts) -> the lock its compilation holds
        self._fast = None  # _core.FastTable: fast-path key -> loaded function
        self._declared = []  # the declared signatures, in order: launches bind to these alone
        self._bound = {}  # a launch's argument types -> the declared signature they bind to
        self._specialized = bool(specialized)
        self.specializations = {}  # (cc, types) -> the Dispatcher specialize() made
        self._extensions = _Extensions(self)
        for sig in signatures:
            self._check_signature(sig)

    # -- source and compilation ----------------------------------------------------

    def _function_ast(self):
        if self._ast is None:
            self._source, self._ast = parsed_function(self.py_func)
        return self._ast

    def _param_names(self):
        code = self.py_func.__code__
        return code.co_varnames[: code.co_argcount]

    def _types_of_signature(self, sig):
        """The argument types of a signature given as a string, a signature object (ours or
        numba's: ``void(int32[::1], float64)``) or a tuple of types."""
        if isinstance(sig, str):
            ret, params = _core.parse_signature(sig)
        else:
            ret, params = signature_parts(sig)
            params = [_core.check_type(p) for p in params]
        if ret not in (None, "void", "none"):
            raise TypeError(f"CUDA kernel must have void return type: a kernel returns void, not {ret} "
                            f"(signature '{sig}')")
        return tuple(params)

    def _check_signature(self, sig):
        types = self._types_of_signature(sig)
        # Errors surface at decoration, as in numba; a kernel that links files is
        # assembled and linked there too, so that its link errors do.
        self._compile(types, self._target_cc() if self.options["link"] else _DEFAULT_CC,
                      "cubin" if self.options["link"] else "typed")
        if types not in self._declared:
            self._declared.append(types)

    def _compile(self, types, cc, stage, keep_ir=False, facts=None):
        key = (types, cc, facts)
        compiled = self._overloads.get(key)
        if compiled is not None and compiled.stage >= _STAGES[stage] and (not keep_ir or compiled.artifacts.llvm_opt):
            return compiled
        _errors.adopt_numba_runtime_bases()  # numba imported since: our runtime errors are numba's too
        # One compilation per signature: threads that want the same one wait for it;
        # other signatures of this kernel compile meanwhile (the GIL is released).
        with self._lock:
            key_lock = self._compiling.get(key)
            if key_lock is None:
                key_lock = self._compiling[key] = threading.RLock()
        with key_lock:
            compiled = self._overloads.get(key)
            if compiled is None or compiled.stage < _STAGES[stage] or (keep_ir and not compiled.artifacts.llvm_opt):
                if compiled is not None:  # never lose what an earlier compile kept
                    stage = max(stage, compiled.stage_name(), key=_STAGES.get)
                    keep_ir = keep_ir or bool(compiled.artifacts.llvm_opt)
                fa = self._function_ast()
                globals_ = resolve_globals(self.py_func, self._source.names, self._source)
                cache_dir, cache_bytes = _cache.settings(self._use_cache)
                on_cpu = cc == _CPU
                major, minor = _DEFAULT_CC if on_cpu else cc
                artifacts = _core.compile(fa, list(types), globals_, major, minor, stage=stage, keep_ir=keep_ir,
                                          cache_dir=cache_dir, cache_bytes=cache_bytes,
                                          facts=None if on_cpu else facts, target="cpu" if on_cpu else "gpu",
                                          **self.options)
                _issue_warnings(artifacts)
                new = _Compiled(artifacts, _STAGES[stage])
                if compiled is not None:
                    new.loaded = compiled.loaded
                compiled = self._overloads[key] = new
            return compiled

    def _launch_facts(self, types, values, blockdim, cc, griddim=(1, 1, 1)):
        """The facts a launch specialises for ((bits per parameter, disjoint, coarsen)), or
        None for the general kernel. Coarsening is asked for whenever the block (and, for
        more than one logical block per physical one, the grid) allows it; the compiler
        applies it, or a part of it, where the kernel allows it (artifacts.coarsen)."""
        if self.options["debug"]:  # reports name the thread and line: the general kernel
            return None
        bits, disjoint, coarsen = _core.launch_facts(list(types), values, blockdim, griddim)
        # The compiler coarsens only kernels whose threads touch only their own
        # elements (KernelFacts: every store indexed by the thread's global
        # index), on launches whose arrays are disjoint; any other kernel
        # compiles with artifacts.coarsen == 1 for these facts.
        if not disjoint:
            coarsen = 1
        elif coarsen > 4:
            # Logical blocks per physical one (a large grid) serve only a kernel that coarsens:
            # one already compiled for these facts at 4 and found not coarsenable is reused
            # rather than compiled again for the grid's other factor (the fast path's key
            # accepts it: artifacts.coarsen 1 divides any).
            seen = self._overloads.get((tuple(types), cc, (tuple(bits), True, 4)))
            if seen is not None and not seen.artifacts.coarsenable:
                coarsen = 4
        if not any(bits) and not disjoint and coarsen == 1:
            return None
        return (tuple(bits), bool(disjoint), int(coarsen))

    def compile(self, sig):
        """Compiles for `sig` (a signature string or a tuple of types) to a cubin for the
        current device (sm_90 when there is none); returns the PTX entry name."""
        types = self._types_of_signature(sig)
        return self._compile(types, self._target_cc(), "cubin").artifacts.entry_name

    @staticmethod
    def _target_cc():
        from ._config import config

        forced = config.FORCE_CUDA_CC
        if forced is not None:
            return forced
        if _core.is_available():
            return _core.compute_capability(_core.current_device())
        return _DEFAULT_CC

    def _runs_on(self):
        """The target a launch runs on now: the kernel's own, else the default."""
        return self.target or _target.default()

    def _bind(self, types):
        """The signature a launch with argument types `types` runs: itself, or for a kernel
        with declared signatures the declared one they bind to (TypeError when none)."""
        if not self._declared:
            return types
        bound = self._bound.get(types)
        if bound is None:
            bound = self._bound[types] = _select_signature(self.__name__, types, self._declared, self.py_func)
        return bound

    def _bind_types(self, args):
        """The signature a launch with `args` would run (type objects stand for themselves)."""
        types = []
        for i, a in enumerate(args):
            if isinstance(a, str) or getattr(a, "_pf_type_name", None) is not None or \
                    type(a).__module__.startswith(("numba.core.types", "numba.cuda.types")):
                types.append(_core.check_type(type_name(a)))
            else:
                types.append(describe((a,), self._param_names()[i:i + 1])[0][0])
        return self._bind(tuple(types))

    def _loaded(self, types):
        """The general kernel for `types` compiled and loaded where launches run now (the
        current device, or the CPU target)."""
        if self._runs_on() == "cpu":
            return self._load(self._compile(types, _CPU, "cubin"), -1, _CPU)
        device = _core.current_device()
        return self._load(self._compile(types, _core.compute_capability(device), "cubin"), device)

    def _load(self, compiled, device, where=None):
        """`compiled` loaded on `device`, kept under `where` (the device, or "cpu" for the
        CPU target, whose code is in the JIT already), once."""
        where = device if where is None else where
        kernel = compiled.loaded.get(where)
        if kernel is None:
            with self._lock:
                kernel = compiled.loaded.get(where)
                if kernel is None:
                    kernel = _core.LoadedKernel(compiled.artifacts, device)
                    if self._carveout is not None and where != _CPU:  # the GPU's L1/shared split
                        kernel.set_shared_carveout(self._carveout)
                    compiled.loaded[where] = kernel
        return kernel

    # -- launching -----------------------------------------------------------------

    # kernel[grid, block, stream, shared]: a configuration seen before is answered
    # in C++ (FastLaunch.cpp); others come to _configure.
    __getitem__ = _core.dispatcher_getitem

    def _configure(self, config):
        if self._runs_on() != "cpu":
            _core.start_init(_core.current_device())  # a launch is coming: start the driver now
        if not isinstance(config, tuple):
            raise TypeError("launch as kernel[blocks, threads](...) or kernel[blocks, threads, stream, shared_bytes](...)")
        if not 2 <= len(config) <= 4:
            raise ValueError(f"a launch configuration has 2 to 4 parts, got {len(config)}")
        griddim = _dim3(config[0], "the grid")
        blockdim = _dim3(config[1], "the block")
        stream_object = config[2] if len(config) > 2 else 0
        stream = _stream_handle(stream_object)
        shared = operator.index(config[3]) if len(config) > 3 else 0
        if shared < 0:
            raise ValueError(f"dynamic shared memory of {shared} bytes is negative")
        if shared > _MAX_DIM:
            raise ValueError(f"dynamic shared memory of {shared} bytes is more than any GPU has "
                             "(at most 227 KiB a block)")
        table = self._fast_table()
        # The configuration returned keeps the kernel alive, so that pf.kernel(f)[g, b](...)
        # works in one expression; the table remembers its shape alone, and the next
        # kernel[...] equal to it is answered in C++ with a new configuration.
        bound = table.bind(griddim, blockdim, stream, shared, stream_object, owner=self)
        if all(type(c) is int or (type(c) is tuple and all(type(d) is int for d in c))
               for i, c in enumerate(config) if i != 2):
            table.remember_config(config, bound)
        return bound

    def configure(self, griddim, blockdim, stream=0, sharedmem=0):
        """numba's spelling of kernel[griddim, blockdim, stream, sharedmem]."""
        return self[griddim, blockdim, stream, sharedmem]

    def forall(self, ntasks, tpb=0, stream=0, sharedmem=0):
        """A 1-d launch of `ntasks` threads (the kernel checks its index against the size):
        ``kernel.forall(n)(args)``. The block size is `tpb`, or the occupancy calculator's
        suggestion for this kernel when 0."""
        return ForAll(self, ntasks, tpb=tpb, stream=stream, sharedmem=sharedmem)

    def _fast_table(self):
        if self._fast is None:
            with self._lock:
                if self._fast is None:
                    mode = _TABLE_MODES[self.target]
                    self._fast = _core.FastTable(functools.partial(_launch_miss, weakref.ref(self)), mode)
        return self._fast

    def __call__(self, *args, **kwargs):
        raise MissingLaunchConfigurationError(f"kernel '{self.__name__}' needs a launch configuration: "
                                              f"{self.__name__}[blocks, threads](...) (the launch configuration "
                                              "was not specified)")

    def _launch(self, griddim, blockdim, stream, shared, args, key=None, configuration=None):
        """The Python launch path: types the arguments, compiles and loads on a miss,
        copies numpy arrays in and back, runs `configuration`'s pre-launch callbacks
        (numba's) just before the launch. Returns the LoadedKernel used."""
        retr = ()
        if self._extensions:  # numba's argument handlers: never the fast path's key
            key = None
            args, retr = self._prepare_args(args, stream)
        if self._runs_on() == "cpu":
            kernel = self._launch_cpu(griddim, blockdim, shared, args, key, configuration)
        else:
            kernel = self._launch_gpu(griddim, blockdim, stream, shared, args, key, configuration)
        for after in retr:
            after()
        return kernel

    def _launch_gpu(self, griddim, blockdim, stream, shared, args, key, configuration):
        device = _core.current_device()
        # The driver starts on a background thread (cuInit, then the primary
        # context). Typing the arguments touches no device; the compile (or the
        # disk cache's load) needs only cuInit's answer, the compute capability,
        # and runs while the context is being made. Host arrays are copied in after.
        _core.start_init(device)
        keep = []
        types, values, transfers = describe(args, self._param_names(), stream, keep)
        types = self._bind(types)
        if self._compiles:  # an AOT kernel (aot.AotKernel) has no source and compiles nothing
            self._function_ast()  # the source is read and parsed while cuInit runs
        cc = _core.compute_capability(device)
        facts = self._launch_facts(types, values, blockdim, cc, griddim) if self._compiles else None
        compiled = self._compile(types, cc, "cubin", facts=facts)
        if self._compiles and not compiled.artifacts.from_cache:
            _note_run_time_compile()
        values = upload(values, transfers)
        kernel = self._load(compiled, device)
        self._pre_launch(configuration, types, compiled)
        read_only = kernel.launch(griddim, blockdim, shared, stream, values)
        if self.options["debug"]:  # waits, then raises what the kernel reported
            check_launch(kernel, stream)
        if transfers:
            _core.synchronize()
            copy_back(transfers, read_only, self.__name__)  # not the arrays the kernel never writes
        elif key is not None and not self.options["debug"]:  # debug launches are checked here, never fast
            # A declared signature's launch converts on the fast path too (FastLaunch.cpp).
            self._fast_table().insert(key, kernel)
        del keep  # DLPack imports are released after the launch is queued
        return kernel

    @property
    def extensions(self):
        """numba's argument handlers: objects with ``prepare_args(ty, val, stream=, retr=)``,
        which each launch calls for every argument, the last extension first, and which
        return ``(ty, val)``: `val` replaces the argument (an object of their own becomes an
        array, a host array becomes ``pf.In(a)`` ...); callables appended to `retr` run after
        the launch. `ty` is None here (ptxforge types the value the extensions return). A
        kernel with extensions launches on the Python path."""
        return self._extensions

    def _prepare_args(self, args, stream):
        """`args` as the extensions give them, and their after-launch work (`retr`)."""
        retr = []
        prepared = []
        for value in args:
            ty = None
            for extension in reversed(self._extensions):
                ty, value = extension.prepare_args(ty, value, stream=stream, retr=retr)
            prepared.append(value)
        return tuple(prepared), retr

    def _pre_launch(self, configuration, types, compiled):
        """numba's pre-launch callbacks of `configuration`, called with (kernel, configuration)."""
        callbacks = configuration.pre_launch_callbacks if configuration is not None else ()
        if callbacks:
            from ._overloads import Overload

            overload = Overload(self, types, compiled)
            for callback in list(callbacks):
                callback(overload, configuration)

    def _launch_cpu(self, griddim, blockdim, shared, args, key=None, configuration=None):
        """A launch on the CPU target: synchronous, on host memory (numpy arrays in place)."""
        if not self._compiles:
            raise _core.CudaSupportError(f"kernel '{self.__name__}' was compiled ahead of time for the GPU; "
                                         "the CPU target compiles kernels from their source")
        keep = []
        types, values, transfers = describe(args, self._param_names(), 0, keep, host=True)
        types = self._bind(types)
        compiled = self._compile(types, _CPU, "cubin")
        # The parameter each staged array is: a read-only numpy array the kernel may write
        # is left unchanged, and a ValueError once the others are copied back (as on the GPU).
        param_of = {id(v[0]): i for i, v in enumerate(values) if type(v) is tuple and v and
                    any(v[0] is t for t in transfers)}
        values = upload(values, transfers)
        kernel = self._load(compiled, -1, _CPU)  # the CPU target's code is in the JIT already
        self._pre_launch(configuration, types, compiled)
        if self.options["debug"]:  # raises what the kernel reported
            check_cpu_launch(kernel, lambda: kernel.launch(griddim, blockdim, shared, 0, values))
        else:
            kernel.launch(griddim, blockdim, shared, 0, values)
        written, refused = compiled.artifacts.written, []
        for t in transfers:
            i = param_of.get(id(t))
            # a numpy array's flags (a GPU device array staged for the CPU target has numba's dict of them)
            flags = getattr(t.host, "flags", None)
            read_only = flags is not None and not (flags.get("WRITEABLE", True) if isinstance(flags, dict)
                                                   else flags.writeable)
            if read_only and (i is None or i >= len(written) or written[i]):
                refused.append(t.where)
            else:
                t.copy_back()
        refuse_read_only(refused, self.__name__)
        if not transfers and key is not None and not self.options["debug"]:
            self._fast_table().insert(key, kernel)
        del keep
        return kernel

    # -- numba's dispatcher API ----------------------------------------------------

    @property
    def specialized(self):
        """True for a kernel declared with one signature (not a list) or made by specialize()."""
        return self._specialized

    def specialize(self, *args):
        """A kernel compiled for these arguments' types (or these types) alone, made once per
        types and device generation."""
        if self._specialized:
            raise RuntimeError("Dispatcher already specialized: this kernel was declared with one signature "
                               "or made by specialize(), so it has no other signatures to specialize")
        types = self._bind_types(args)
        key = (self._target_cc(), types)
        with self._lock:
            found = self.specializations.get(key)
            if found is None:
                found = Dispatcher(self.py_func, [types], specialized=True, cache=self._use_cache, target=self.target)
                found.options = dict(self.options)
                found._carveout = self._carveout
                self.specializations[key] = found
        return found

    @property
    def signatures(self):
        """The signatures compiled so far (declared ones first), as tuples of argument types."""
        with self._lock:
            keys = list(self._declared)
            for t, _, _ in self._overloads:  # one entry per signature, whatever the targets compiled for
                if t not in keys:
                    keys.append(t)
        return keys

    @property
    def overloads(self):
        """{signature: Overload} of what has been compiled (numba's kernel.overloads); an
        Overload tells its resources and code."""
        with self._lock:
            compiled = {}
            for (t, _, facts), c in self._overloads.items():  # the general kernel, else a specialisation
                if facts is None or t not in compiled:
                    compiled[t] = c
        return SignatureDict((t, Overload(self, t, compiled[t])) for t in self.signatures)

    def _per_signature(self, signature, value):
        """value(types) for one signature, or a dict over every compiled one (for a specialized
        kernel with no signature given, its one value)."""
        if signature is not None:
            return value(signature_key(signature))
        if self._specialized:
            return value(self.signatures[0])
        return SignatureDict((t, value(t)) for t in self.signatures)

    def _resource(self, signature, name):
        return self._per_signature(signature, lambda t: self._compile(t, self._target_cc(), "cubin")
                                   .artifacts.resources().get(name))

    def get_regs_per_thread(self, signature=None, specialization=None):
        """Registers per thread, read from the cubin: for one signature, or a dict per signature;
        of the general kernel, or of a launch-time specialisation named as in
        .launch_specializations."""
        if specialization is None:
            return self._resource(signature, "registers")
        result = SignatureDict((t, c.artifacts.resources().get("registers"))
                               for t, c in self._entries(signature, "cubin", specialization=specialization).items())
        return next(iter(result.values())) if signature is not None else result

    def get_shared_mem_per_block(self, signature=None):
        """Static shared memory per block in bytes, per signature."""
        return self._resource(signature, "shared_bytes")

    def get_local_mem_per_thread(self, signature=None):
        """Local memory per thread in bytes, per signature."""
        return self._resource(signature, "local_bytes")

    def get_const_mem_size(self, signature=None):
        """Constant memory the kernel's module uses, in bytes, per signature."""
        return self._resource(signature, "const_bytes")

    def get_max_threads_per_block(self, signature=None):
        """The largest block this kernel can be launched with on the current device, per signature."""
        return self._per_signature(signature, lambda t: self._loaded(t).max_threads_per_block)

    # -- inspection ----------------------------------------------------------------

    def _inspected_target(self, target):
        """Inspection looks at `target`, else the kernel's own target, else the GPU."""
        return _target.parse(target) if target is not None else (self.target or "gpu")

    def _entries(self, signature, stage, keep_ir=False, specialization=None, target="gpu"):
        """{types: _Compiled} for one signature, or for every compiled and declared one, on
        `target`: the general kernels, or the ones specialised as `specialization` spells it
        (the GPU's alone: the CPU target compiles the general kernel only)."""
        cc = _CPU if target == "cpu" else self._target_cc()
        if specialization is not None:
            with self._lock:
                keys = [k for k, c in self._overloads.items()
                        if k[1] != _CPU and k[2] is not None and c.artifacts.specialization == specialization]
            if signature is not None:
                wanted = self._types_of_signature(signature)
                keys = [k for k in keys if k[0] == wanted]
            if not keys or cc == _CPU:
                where = " on the CPU target, which compiles the general kernel only" if cc == _CPU else ""
                raise KeyError(f"no launch has compiled kernel '{self.__name__}' specialised as "
                               f"{specialization!r}{where}; see its .launch_specializations")
            return {types: self._compile(types, key_cc, stage, keep_ir, facts) for types, key_cc, facts in keys}
        if signature is not None:
            types = self._types_of_signature(signature)
            return {types: self._compile(types, cc, stage, keep_ir)}
        with self._lock:
            keys = list(dict.fromkeys((types, key_cc) for types, key_cc, _ in self._overloads
                                      if (key_cc == _CPU) == (cc == _CPU)))
        keys += [(types, cc) for types in self._declared if (types, cc) not in keys]
        entries = SignatureDict()
        for types, key_cc in keys:
            entries.setdefault(types, self._compile(types, key_cc, stage, keep_ir))
        return entries

    @property
    def launch_specializations(self):
        """{types: [spelling, ...]}: the launch-time specialisations compiled so far, each
        spelt as inspect_*(specialization=...) takes it (``specializations`` is numba's:
        the kernels specialize() made)."""
        out = {}
        with self._lock:
            for (types, _, facts), c in self._overloads.items():
                if facts is not None:
                    out.setdefault(types, []).append(c.artifacts.specialization)
        return out

    def _inspect(self, signature, stage, attr, specialization=None, target="gpu"):
        entries = self._entries(signature, stage, keep_ir=attr.startswith("llvm"), specialization=specialization,
                                target=target)
        result = SignatureDict((types, getattr(c.artifacts, attr)) for types, c in entries.items())
        if attr.startswith("llvm"):  # numba's arrays with alignment= spelt as llvmlite prints them
            import re

            result = SignatureDict((t, re.sub(r'([@%])(_cudapy_(?:smem_\d+|lmem))\b', r'\1"\2"', text))
                                   for t, text in result.items())
        if signature is not None:
            return next(iter(result.values()))
        return result

    def inspect_types(self, signature=None, file=None):
        """The typed source per signature (a dict), or for one signature (a str): each
        source line with its variables' types, then the typed tree. With ``file=``
        (numba's form), each is written there instead, headed by the kernel's name and
        argument types."""
        from .inspection import typed_source

        if hasattr(signature, "write") and file is None:
            signature, file = None, signature
        entries = self._entries(signature, "typed")
        result = SignatureDict((types, typed_source(self.py_func, c.artifacts)) for types, c in entries.items())
        if file is None:
            return next(iter(result.values())) if signature is not None else result
        for types, text in result.items():
            print(f"{self.__name__} ({', '.join(types)})", file=file)
            print("-" * 80, file=file)
            print(text, file=file)
            print("=" * 80, file=file)
        return None

        entries = self._entries(signature, "typed")
        result = {types: typed_source(self.py_func, c.artifacts) for types, c in entries.items()}
        return next(iter(result.values())) if signature is not None else result

    def inspect_llvm(self, signature=None, optimized=True, specialization=None, target=None):
        """The LLVM IR after optimisation (or before, with optimized=False) per signature
        (a dict), or for one signature (a str); of the general kernel, or of a launch-time
        specialisation named as in .specializations; for `target` ("gpu" or "cpu"), else
        the kernel's own target, else the GPU."""
        return self._inspect(signature, "ptx", "llvm_opt" if optimized else "llvm", specialization,
                             self._inspected_target(target))

    def inspect_ptx(self, signature=None, specialization=None):
        """The PTX per signature (a dict), or for one signature (a str); of the general
        kernel, or of a launch-time specialisation named as in .specializations."""
        return self._inspect(signature, "ptx", "ptx", specialization)

    def inspect_lto_ptx(self, signature=None):
        """numba's name for the PTX after link-time optimisation: a kernel and the device
        functions it calls are one module here, optimised together, so it is the kernel's
        PTX (inspect_ptx's); files given by link= are linked after it, into the cubin."""
        return self.inspect_ptx(signature)

    def inspect_asm(self, signature=None, specialization=None, target=None):
        """The assembly per signature (a dict), or for one signature (a str): PTX for the
        GPU (of the general kernel, or of a launch-time specialisation), this machine's own
        for the CPU target (`target`, else the kernel's, else the GPU)."""
        target = self._inspected_target(target)
        return self._inspect(signature, "ptx", "host_assembly" if target == "cpu" else "ptx", specialization, target)

    def inspect_sass(self, signature=None, specialization=None):
        """The SASS per signature (a dict), or for one signature (a str), through NVIDIA's
        nvdisasm (pip install nvidia-cuda-nvdisasm); with lineinfo=True each run of
        instructions is headed by its Python file and line. Of the general kernel, or of a
        launch-time specialisation named as in .specializations."""
        from .inspection import sass

        result = SignatureDict((t, sass(c.artifacts.cubin))
                               for t, c in self._entries(signature, "cubin", specialization=specialization).items())
        return next(iter(result.values())) if signature is not None else result

    def resources(self, signature=None, block_size=256, dynamic_shared=0):
        """Registers, static shared, local and constant memory, max threads per block
        and the theoretical occupancy at `block_size` threads: the driver's on a GPU,
        computed from the cubin and the architecture's limits without one. A dict per
        signature, or one dict for a given signature."""
        from .inspection import resources

        cc = self._target_cc()
        result = SignatureDict()
        for types, c in self._entries(signature, "cubin").items():
            loaded = None
            if _core.is_available():
                device = _core.current_device()
                loaded = c.loaded.get(device)
                if loaded is None:
                    with self._lock:
                        loaded = c.loaded.setdefault(device, _core.LoadedKernel(c.artifacts, device))
            result[types] = resources(c.artifacts, cc, block_size, dynamic_shared, loaded)
        if signature is not None:
            return next(iter(result.values()))
        return result

    def inspect(self, signature=None, block_size=256, stages=None):
        """One report of every stage for `signature` (default: each declared or compiled
        one): typed source, resources and occupancy, the stages per Python line, LLVM IR,
        PTX and SASS (docs/inspection.md). `stages` picks parts of it."""
        from .inspection import report

        sigs = [signature] if signature is not None else list(self._entries(None, "typed"))
        return "".join(report(self, s, self._target_cc(), block_size, stages) for s in sigs)
    # -- travelling to other processes (ptxforge/_serialize.py) -------------------

    def __reduce__(self):
        from ._serialize import reduce_kernel

        return reduce_kernel(self)

    @classmethod
    def _rebuild(cls, pyfunc, signatures, options, use_cache):
        """A kernel object for `pyfunc` with the options and signatures of one that travelled."""
        d = cls(pyfunc, (), cache=use_cache)
        d.options = dict(options)
        for types in signatures:
            d._check_signature(types)
        return d

    def __repr__(self):
        on = f" target={self.target}" if self.target else ""
        return f"<ptxforge kernel {self.__name__}{on}>"


def _carveout(value):
    """numba's shared_memory_carveout as a percentage of the unified L1/shared memory (-1: the
    driver's default), or None when not given."""
    if value is None:
        return None
    named = {"maxl1": 0, "maxshared": 100, "default": -1}
    if isinstance(value, str):
        if value.lower() not in named:
            raise ValueError(f"Invalid carveout value: {value!r}; use 'MaxL1', 'MaxShared', 'default' "
                             "or a percentage from -1 to 100")
        return named[value.lower()]
    value = operator.index(value)
    if not -1 <= value <= 100:
        raise ValueError(f"Carveout value must be between -1 and 100, got {value}")
    return value


def _issue_warnings(artifacts):
    """Issues the compiler's warnings about the user's code (print() of too many values, ...)."""
    for text in artifacts.warnings:
        warnings.warn(text, UserWarning, stacklevel=4)


_run_time_compiles = itertools.count(1)


def _note_run_time_compile():
    """A process that compiles a second kernel at run time will likely compile more: nvJitLink
    (0.3 ms a kernel on the GPU machine, against 17 ms for a ptxas process) is warmed on a
    background thread from then on. Until then, and in processes that compile one kernel,
    ptxas assembles and nvJitLink's costly start-up is never paid."""
    if next(_run_time_compiles) == 2:
        _core.warm_assembler()


# A kernel's target -> its FastTable's mode (FastLaunch.cpp): the default target, the GPU, the CPU.
_TABLE_MODES = {None: 0, "gpu": 1, "cpu": 2}


def _launch_miss(dispatcher_ref, griddim, blockdim, stream_object, shared, args, key, configuration=None):
    """What the C++ fast path calls when it cannot launch by itself: an argument it
    does not read (numpy arrays, other interop objects), a key not seen yet, or a
    `configuration` with numba's pre-launch callbacks to run."""
    dispatcher = dispatcher_ref()
    if dispatcher is None:  # only the table lives on (never through kernel[...], which keeps its kernel)
        raise ReferenceError("the kernel of this launch configuration no longer exists")
    if register_interop_types() and key is None and configuration is None:  # the first launch of the process
        key = _core.fast_key(*args, block=blockdim, mode=_TABLE_MODES[getattr(dispatcher, "target", None)])
    dispatcher._launch(tuple(griddim), tuple(blockdim), _stream_handle(stream_object), shared, args, key,
                       configuration)


def _reduce_launch(configuration, kernel, callbacks):
    """pickle's reduction of ``kernel[griddim, blockdim, stream, sharedmem]``: the kernel and
    the configuration, rebuilt where unpickled. Callbacks do not travel (numba refuses them too)."""
    import pickle

    if callbacks:
        raise pickle.PicklingError("Cannot pickle configured launches with pre-launch callbacks")
    stream = configuration.stream
    if stream not in (0, None):
        raise pickle.PicklingError("Cannot pickle a launch configuration on a stream: a stream belongs to its "
                                   "process; pickle the kernel and configure it where it runs")
    return _rebuild_launch, (kernel, configuration.griddim, configuration.blockdim, configuration.sharedmem)


def _rebuild_launch(kernel, griddim, blockdim, sharedmem):
    return kernel[griddim, blockdim, 0, sharedmem]


def kernel(func_or_sig=None, *, device=False, fastmath=False, fma=True, lineinfo=False,
           max_registers=None, opt=True, debug=None, cache=None, link=None, inline=None,
           launch_bounds=None, lto=None, forceinline=False, shared_memory_carveout=None, boundscheck=None,
           target=None, extensions=None, _dbg_optnone=False):
    """Compiles a Python function as a CUDA kernel (numba-cuda's ``cuda.jit``).

    Use bare (``@kernel``), with options (``@kernel(fastmath=True)``), or with
    signatures (``@kernel("void(float32[::1])")``, ``@kernel(void(float32[::1]))``
    or a list of them): the kernel is then compiled for those alone, at
    decoration, and each launch's arguments are converted to the signature they
    bind to, as in numba. Compiled kernels are kept in the disk cache
    (ptxforge.cache) unless ``cache=False``; numba's ``cache=True`` is the
    default here. numba's ``lto`` is accepted: LLVM sees the whole kernel at once
    (every device function is in its module), so there is nothing left to
    link-time optimise. On a device function, ``forceinline=True`` and
    ``inline="always"`` (or True) mark it alwaysinline, ``inline="never"`` (or
    False) noinline; otherwise LLVM's inliner decides.
    ``target="cpu"`` runs it on the CPU with CUDA's semantics (docs/cpu.md);
    without a target it runs on the default one (``PTXFORGE_TARGET``, else the GPU).
    ``extensions`` are numba's argument handlers (see :attr:`Dispatcher.extensions`).
    numba's ``_dbg_optnone=True`` compiles the function unoptimised (``opt=False``) and,
    a device function, never inlined unless ``forceinline=True``.
    """
    if _dbg_optnone:
        opt = False
        inline = inline if forceinline or inline is not None else "never"
    if boundscheck:
        raise NotImplementedError("bounds checking is not supported for CUDA (boundscheck=True)")
    if lto is not None and not isinstance(lto, bool):
        raise TypeError(f"lto must be True, False or None, not {lto!r}")
    if link and device:
        raise ValueError("link= belongs on a kernel or on declare_device, not on a device function: "
                         "the kernels that call it link the files")
    options = dict(fastmath=fastmath, fma=fma, lineinfo=lineinfo, max_registers=max_registers, opt=opt,
                   launch_bounds=launch_bounds, link=link, debug=debug)

    def wrap(func, signatures=(), specialized=False):
        if not inspect.isfunction(func) and inspect.isfunction(getattr(func, "py_func", None)) and \
                (getattr(func, "_pf_kernel", False) or getattr(func, "_pf_device_function", False)):
            func = func.py_func  # jit of a jitted function: its Python function again, with these options
        if not inspect.isfunction(func):
            raise TypeError(f"ptxforge.kernel compiles Python functions (def ...), not {type(func).__name__} "
                            f"{func!r}")
        if device:
            from .devicefunc import DeviceFunction

            callee = DeviceFunction(func, options, signatures)
            callee._pf_inlining = _inlining(inline, forceinline)
            return callee
        made = Dispatcher(func, signatures, cache=cache, specialized=specialized,
                          shared_memory_carveout=shared_memory_carveout, target=target, **options)
        if extensions:
            made.extensions.extend(extensions)
        made._pf_inlining = _inlining(inline, forceinline)  # where another kernel calls it
        return made

    if target is not None:
        _target.parse(target)  # a bad target fails at decoration

    _carveout(shared_memory_carveout)  # a bad value fails here, with or without signatures
    if callable(func_or_sig) and not isinstance(func_or_sig, (str, list, tuple)) and \
            not getattr(func_or_sig, "_pf_signature", False):
        return wrap(func_or_sig)
    if func_or_sig is None:
        return wrap
    # One signature makes a specialized kernel; a list, a kernel with several (numba's rule).
    if isinstance(func_or_sig, list):
        return lambda func: wrap(func, func_or_sig)
    return lambda func: wrap(func, [func_or_sig], specialized=True)


jit = kernel


def _inlining(inline, forceinline):
    """numba's inline= and forceinline= of a device function, as the compiler takes them:
    "always" (alwaysinline), "never" (noinline) or "" (LLVM's inliner decides). A cost-model
    callable works on numba's own IR, which ptxforge has not: LLVM's inliner decides."""
    if forceinline or inline is True or inline == "always":
        return "always"
    if inline is False or inline == "never":
        return "never"
    if inline is None or callable(inline):
        return ""
    raise ValueError(f"inline must be 'always', 'never', True, False or a cost-model function, not {inline!r}")


def check_cc(cc):
    """`cc` as a (major, minor) tuple of ints, or ValueError/TypeError naming what is supported."""
    if isinstance(cc, (str, bytes)) or not hasattr(cc, "__len__") or len(cc) != 2:
        raise ValueError(f"cc must be a (major, minor) pair such as (9, 0), got {cc!r}")
    try:
        major, minor = (operator.index(c) for c in cc)
    except TypeError:
        raise TypeError(f"cc must be a pair of ints such as (9, 0), got {cc!r}") from None
    bound = 1 << 62  # the check takes 64-bit ints; anything past that is nonsense all the same
    why = _core.capability_error(max(-bound, min(major, bound)), max(-bound, min(minor, bound)))
    if why:
        raise ValueError(why)
    return (major, minor)


class ReturnType(str):
    """The return type ``compile_ptx`` and its kin give: ptxforge's type text (``"float32"``,
    ``"void"``), which also equals the type objects of that name: ptxforge's
    (``pf.float32``, ``pf.void``) and numba's (``numba.float32``; numba's ``void`` is its
    ``none``), as numba's return types do."""

    __slots__ = ()

    def __eq__(self, other):
        if isinstance(other, str):
            return str.__eq__(self, other)
        name = getattr(other, "_pf_type_name", None)
        if name is None:
            from ._typeobjects import is_numba_type

            if not is_numba_type(other):
                return NotImplemented
            name = str(other)
        name = "void" if name == "none" else name
        return str.__eq__(self, name)

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = str.__hash__


class _VoidReturnType(ReturnType):
    """The ``"void"`` return type; with numba loaded it is also an instance of numba's
    ``types.NoneType`` (registered as a virtual subclass; ptxforge never imports numba)."""

    __slots__ = ()


def _return_type(name):
    if name not in ("void", "none"):
        return ReturnType(name)
    numba_types = sys.modules.get("numba.core.types")
    none_class = getattr(numba_types, "NoneType", None)
    register = getattr(none_class, "register", None)  # numba's type classes are ABCs
    if callable(register) and not issubclass(_VoidReturnType, none_class):
        try:
            register(_VoidReturnType)
        except TypeError:  # not an ABC after all: void stays plain text
            pass
    return _VoidReturnType("void")


def _check_abi(abi, device):
    if abi not in ("numba", "c"):
        raise NotImplementedError(f"Unsupported ABI: {abi}")
    if abi == "c" and not device:
        raise NotImplementedError("The C ABI is not supported for kernels")


def compile_ptx(pyfunc, sig, device=False, cc=None, fastmath=False, lineinfo=False, debug=None,
                opt=True, fma=True, max_registers=None, launch_bounds=None, launch_facts=None, abi="numba",
                abi_info=None):
    """Compiles `pyfunc` for `sig` to PTX with no GPU needed: returns ``(ptx, return_type)``.

    A kernel (the default) returns ``"void"``; with ``device=True`` the function
    becomes a ``.visible .func`` whose return type is inferred (or checked
    against the signature's) and returned as its numba spelling. `cc` defaults
    to ``pf.config.CUDA_DEFAULT_PTX_CC``, (9, 0); for 10.0 and newer the PTX is written for sm_90, which those GPUs
    run (assembled for their own arch). The PTX symbol is named after the function.

    `launch_facts` compiles the kernel a launch would specialise for these facts
    instead of the general one (docs/performance.md): a string of comma-separated
    words, each true of every array argument: ``aligned``, ``bounded`` or ``small``
    (which also bound the Python int arguments), ``disjoint`` and ``coarsen=N``
    (such a kernel runs N logical threads per physical thread along x: launch it
    with block.x divided by N).

    `abi` is numba-cuda's: ``"numba"`` or ``"c"`` (only for device functions); ptxforge's
    device functions return their value directly either way. ``abi_info={"abi_name":
    name}`` names the PTX symbol `name`. The return type is a :class:`ReturnType`: the
    type's text, equal to the type objects of that name.
    """
    compiled = _compile_alone(pyfunc, sig, device=device, cc=cc, fastmath=fastmath, lineinfo=lineinfo, debug=debug,
                              opt=opt, fma=fma, max_registers=max_registers, launch_bounds=launch_bounds,
                              launch_facts=launch_facts, abi=abi, abi_info=abi_info)
    return compiled.ptx, compiled.return_type


class _Alone(collections.namedtuple("_Alone", "ptx return_type artifacts arg_types")):
    """One function compiled on its own (compile_ptx's work): its PTX, return type, the
    compiler's artifacts and the argument types."""


def _compile_alone(pyfunc, sig, device=False, cc=None, fastmath=False, lineinfo=False, debug=None, opt=True, fma=True,
                   max_registers=None, launch_bounds=None, launch_facts=None, abi="numba", abi_info=None,
                   keep_ir=False):
    _check_abi(abi, device)
    pyfunc = getattr(pyfunc, "py_func", pyfunc)  # a kernel or device function object
    d = Dispatcher(pyfunc, (), fastmath=fastmath, fma=fma, lineinfo=lineinfo,
                   max_registers=max_registers, opt=opt, launch_bounds=launch_bounds, debug=debug)
    declared = None
    if isinstance(sig, str):
        declared, params = _core.parse_signature(sig)
        types = tuple(params)
    else:
        declared, params = signature_parts(sig)
        types = tuple(_core.check_type(p) for p in params)
    if not device and declared not in (None, "void", "none"):
        raise TypeError(f"a kernel returns void, not {declared} (signature '{sig}'); "
                        "pass device=True for a device function")
    if cc is None:
        from ._config import config

        cc = config.CUDA_DEFAULT_PTX_CC
    cc, suffix = _arch_suffix(cc)
    cc = check_cc(cc)
    fa = d._function_ast()
    artifacts = _core.compile(fa, list(types), resolve_globals(pyfunc, d._source.names, d._source), cc[0], cc[1],
                              stage="ptx", device=bool(device), facts=launch_facts, keep_ir=keep_ir,
                              **d.options)
    _issue_warnings(artifacts)
    returned = artifacts.return_type
    weak = {"int": "int64", "float": "float64", "complex": "complex128"}  # Python's numbers, as compiled
    if device and declared not in (None, "void", "none", returned, weak.get(returned)):
        raise TypeError(f"{pyfunc.__name__} returns {returned}, but the signature says {declared}")
    ptx = artifacts.ptx
    if suffix:
        ptx = _retarget(ptx, cc, suffix)
    name = (abi_info or {}).get("abi_name")
    if name is not None:
        ptx = _rename_symbol(ptx, artifacts.entry_name, name)
    return _Alone(ptx, _return_type(returned), artifacts, types)


# The PTX ISA that first has each arch-specific ('a') and family-specific ('f') target.
_SUFFIXED_ISA = {(9, 0, "a"): (8, 0), (10, 0, "a"): (8, 6), (10, 1, "a"): (8, 6), (10, 3, "a"): (8, 8),
                 (11, 0, "a"): (9, 0), (12, 0, "a"): (8, 7), (12, 1, "a"): (8, 8), (10, 0, "f"): (8, 8),
                 (10, 1, "f"): (8, 8), (10, 3, "f"): (8, 8), (11, 0, "f"): (9, 0), (12, 0, "f"): (8, 8),
                 (12, 1, "f"): (8, 8)}


def _arch_suffix(cc):
    """numba's ``cc=(9, 0, "a")``: ((major, minor), suffix); suffix is '' for a plain pair."""
    if isinstance(cc, tuple) and len(cc) == 3 and isinstance(cc[2], str):
        key = tuple(cc)
        if key not in _SUFFIXED_ISA:
            known = ", ".join(f"({a}, {b}, {c!r})" for a, b, c in _SUFFIXED_ISA)
            raise ValueError(f"cc={cc!r} is not an arch- or family-specific target PTX has; known: {known}")
        return cc[:2], cc[2]
    return cc, ""


def _retarget(ptx, cc, suffix):
    """PTX written for `cc` as PTX for its arch-specific ('a') or family-specific ('f')
    variant: the same code (a superset target runs everything the plain one does) under
    ``.target sm_XYa`` and at least the PTX ISA that target needs."""
    import re

    major, minor = _SUFFIXED_ISA[(*cc, suffix)]

    def version(m):
        have = (int(m.group(1)), int(m.group(2)))
        return ".version %d.%d" % max(have, (major, minor))

    ptx = re.sub(r"^\.version (\d+)\.(\d+)", version, ptx, count=1, flags=re.M)
    return re.sub(r"^\.target sm_\d+", f".target sm_{cc[0]}{cc[1]}{suffix}", ptx, count=1, flags=re.M)


def _rename_symbol(ptx, old, new):
    """`ptx` with the function `old` named `new` (``abi_info={"abi_name": new}``)."""
    import re

    if not isinstance(new, str) or not re.fullmatch(r"[A-Za-z_$%][\w$]*", new):
        raise ValueError(f"abi_info's abi_name must be a PTX identifier, not {new!r}")
    return re.sub(r"(?<![\w$%.])" + re.escape(old) + r"(?![\w$])", new, ptx)


def compile(pyfunc, sig, debug=None, lineinfo=False, device=True, fastmath=False, cc=None, opt=True, abi="c",
            abi_info=None, output="ptx", forceinline=False, launch_bounds=None):
    """numba-cuda's ``cuda.compile``: as :func:`compile_ptx` (``device=True`` by default, as
    numba's), for ``output="ptx"``; returns ``(ptx, return_type)``. ptxforge emits PTX, not
    LTO-IR: ``output="ltoir"`` is refused, saying so."""
    if forceinline and output != "ltoir":
        raise ValueError("Can only designate forced inlining in LTO-IR (output='ltoir'); in PTX, a device "
                         "function is inlined where its callers are compiled")
    _check_output(output, "compile")
    return compile_ptx(pyfunc, sig, device=device, cc=cc, fastmath=fastmath, lineinfo=lineinfo, debug=debug,
                       opt=opt is not False, launch_bounds=launch_bounds, abi=abi, abi_info=abi_info)


def _check_output(output, what):
    if output not in ("ptx", "ltoir"):
        raise NotImplementedError(f"Unsupported output type: {output}")
    if output == "ltoir":
        raise NotImplementedError(f"{what}(output='ltoir'): ptxforge compiles to PTX (output='ptx'); "
                                  "it does not emit LTO-IR")


def compile_all(pyfunc, sig, debug=None, lineinfo=False, device=True, fastmath=False, cc=None, opt=None, abi="c",
                abi_info=None, output="ltoir", forceinline=False, launch_bounds=None):
    """numba-cuda's ``cuda.compile_all``: as :func:`compile`, but returns ``([code, ...],
    return_type)``, a list whose first entry is the function's PTX. ptxforge emits PTX:
    pass ``output="ptx"`` (numba's default, ``"ltoir"``, is refused, saying so). The files
    that declared device functions link are linked by nvJitLink when a kernel is
    assembled; they are not added to the list."""
    _check_output(output, "compile_all")
    ptx, returned = compile(pyfunc, sig, debug=debug, lineinfo=lineinfo, device=device, fastmath=fastmath, cc=cc,
                            opt=opt, abi=abi, abi_info=abi_info, output=output, forceinline=forceinline,
                            launch_bounds=launch_bounds)
    return [ptx], returned


def compile_for_current_device(pyfunc, sig, debug=None, lineinfo=False, device=True, fastmath=False, opt=True,
                               abi="c", abi_info=None, output="ptx", forceinline=False, launch_bounds=None):
    """numba-cuda's ``cuda.compile_for_current_device``: :func:`compile` for the current
    GPU's compute capability (sm_90 where there is none)."""
    cc = _core.compute_capability(_core.current_device()) if _core.is_available() else None
    return compile(pyfunc, sig, debug=debug, lineinfo=lineinfo, device=device, fastmath=fastmath, cc=cc, opt=opt,
                   abi=abi, abi_info=abi_info, output=output, forceinline=forceinline, launch_bounds=launch_bounds)
def compile_ptx_for_current_device(pyfunc, sig, **options):
    """``compile_ptx`` for the current device's compute capability (sm_90 without a GPU), as
    numba-cuda's function of that name; `options` are compile_ptx's."""
    if "cc" in options:
        raise TypeError("compile_ptx_for_current_device() takes the current device's cc; use compile_ptx for another")
    return compile_ptx(pyfunc, sig, cc=Dispatcher._target_cc(), **options)
