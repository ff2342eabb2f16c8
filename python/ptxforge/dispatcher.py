"""The kernel object: ``@kernel``, ``kernel[grid, block](...)``, inspection.

A Dispatcher compiles its function once per argument-type signature and
keeps, per signature, the compiled artifacts and the module loaded on each
device.
"""

import functools
import itertools
import operator
import threading
import warnings
import weakref

from . import _core
from . import cache as _cache
from ._args import describe, register_interop_types, upload
from ._debug import check_launch, debug_default
from ._source import parsed_function, resolve_globals
from .external import link_items

_DEFAULT_CC = (9, 0)


def _dim3(value, what):
    if not isinstance(value, (tuple, list)):
        value = (value,)
    try:
        dims = tuple(operator.index(v) for v in value)  # ints only: no floats, no strings
    except TypeError:
        raise TypeError(f"{what} must be an int or a tuple of up to 3 ints, not {value!r}") from None
    if not 1 <= len(dims) <= 3:
        raise ValueError(f"{what} must have 1 to 3 dimensions, got {len(dims)}")
    if any(d < 0 for d in dims):
        raise ValueError(f"{what} {dims} has a negative dimension")
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


_STAGES = {"typed": 0, "ptx": 1, "cubin": 2}


class _Compiled:
    """One signature's artifacts, how far they went, and the module loaded per device."""

    __slots__ = ("artifacts", "stage", "loaded")

    def __init__(self, artifacts, stage):
        self.artifacts = artifacts
        self.stage = stage
        self.loaded = {}

    def stage_name(self):
        return next(name for name, rank in _STAGES.items() if rank == self.stage)


def _launch_bounds(bounds):
    """numba's launch_bounds: max threads per block, or (max threads, min blocks per SM[, cluster])."""
    if bounds is None:
        return 0, 0
    if isinstance(bounds, int):
        bounds = (bounds,)
    bounds = tuple(operator.index(b) for b in bounds)
    if not 1 <= len(bounds) <= 3 or any(b <= 0 for b in bounds):
        raise ValueError(f"launch_bounds takes 1 to 3 positive ints, got {bounds!r}")
    return bounds[0], (bounds[1] if len(bounds) > 1 else 0)


class Dispatcher:
    """A Python function compiled to a CUDA kernel per argument-type signature."""

    _pf_kernel = True
    _compiles = True  # False for AOT kernels (aot.AotKernel), which load what was compiled before

    def __init__(self, pyfunc, signatures=(), fastmath=False, fma=True, lineinfo=False,
                 max_registers=0, opt=True, launch_bounds=None, cache=None, link=(), debug=None):
        functools.update_wrapper(self, pyfunc)
        self.py_func = pyfunc
        self._use_cache = cache is not False  # on unless cache=False (or PTXFORGE_CACHE=0)
        max_threads, min_blocks = _launch_bounds(launch_bounds)
        # debug=None follows PTXFORGE_DEBUG; the debug mode is documented in docs/runtime.md.
        debug = debug_default() if debug is None else bool(debug)
        self.options = dict(fastmath=bool(fastmath), fma=bool(fma), lineinfo=bool(lineinfo),
                            max_registers=int(max_registers or 0), opt_level=3 if opt else 0,
                            max_threads=max_threads, min_blocks=min_blocks, link=link_items(link), debug=debug)
        self._source = None
        self._ast = None
        self._lock = threading.RLock()
        self._overloads = {}  # (types, cc) -> _Compiled
        self._compiling = {}  # (types, cc) -> the lock its compilation holds
        self._fast = None  # _core.FastTable: fast-path key -> loaded function
        self.signatures = []
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
        if isinstance(sig, str):
            ret, params = _core.parse_signature(sig)
            if ret not in ("void", "none"):
                raise TypeError(f"a kernel returns void, not {ret} (signature '{sig}')")
            return tuple(params)
        return tuple(_core.check_type(str(t)) for t in sig)

    def _check_signature(self, sig):
        types = self._types_of_signature(sig)
        # Errors surface at decoration, as in numba; a kernel that links files is
        # assembled and linked there too, so that its link errors do.
        self._compile(types, self._target_cc() if self.options["link"] else _DEFAULT_CC,
                      "cubin" if self.options["link"] else "typed")
        self.signatures.append(types)

    def _compile(self, types, cc, stage, keep_ir=False):
        key = (types, cc)
        compiled = self._overloads.get(key)
        if compiled is not None and compiled.stage >= _STAGES[stage] and (not keep_ir or compiled.artifacts.llvm_opt):
            return compiled
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
                globals_ = resolve_globals(self.py_func, self._source.names)
                cache_dir, cache_bytes = _cache.settings(self._use_cache)
                artifacts = _core.compile(fa, list(types), globals_, cc[0], cc[1], stage=stage, keep_ir=keep_ir,
                                          cache_dir=cache_dir, cache_bytes=cache_bytes, **self.options)
                _issue_warnings(artifacts)
                new = _Compiled(artifacts, _STAGES[stage])
                if compiled is not None:
                    new.loaded = compiled.loaded
                compiled = self._overloads[key] = new
            return compiled

    def compile(self, sig):
        """Compiles for `sig` (a signature string or a tuple of types) to a cubin for the
        current device (sm_90 when there is none); returns the PTX entry name."""
        types = self._types_of_signature(sig)
        return self._compile(types, self._target_cc(), "cubin").artifacts.entry_name

    @staticmethod
    def _target_cc():
        if _core.is_available():
            return _core.compute_capability(_core.current_device())
        return _DEFAULT_CC

    # -- launching -----------------------------------------------------------------

    # kernel[grid, block, stream, shared]: a configuration seen before is answered
    # in C++ (FastLaunch.cpp); others come to _configure.
    __getitem__ = _core.dispatcher_getitem

    def _configure(self, config):
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
        table = self._fast_table()
        bound = table.bind(griddim, blockdim, stream, shared, stream_object)
        if all(type(c) is int or (type(c) is tuple and all(type(d) is int for d in c))
               for i, c in enumerate(config) if i != 2):
            table.remember_config(config, bound)
        # The configuration returned keeps the kernel alive, so that pf.kernel(f)[g, b](...)
        # works in one expression; the remembered one must not (the table belongs to the kernel).
        return table.bind(griddim, blockdim, stream, shared, stream_object, owner=self)

    def _fast_table(self):
        if self._fast is None:
            with self._lock:
                if self._fast is None:
                    self._fast = _core.FastTable(functools.partial(_launch_miss, weakref.ref(self)))
        return self._fast

    def __call__(self, *args, **kwargs):
        raise TypeError(f"kernel '{self.__name__}' needs a launch configuration: "
                        f"{self.__name__}[blocks, threads](...)")

    def _launch(self, griddim, blockdim, stream, shared, args, key=None):
        """The Python launch path: types the arguments, compiles and loads on a miss,
        copies numpy arrays in and back. Returns the LoadedKernel used."""
        device = _core.current_device()
        # The driver starts on a background thread (cuInit, then the primary
        # context). Typing the arguments touches no device; the compile (or the
        # disk cache's load) needs only cuInit's answer, the compute capability,
        # and runs while the context is being made. Host arrays are copied in after.
        _core.start_init(device)
        keep = []
        types, values, transfers = describe(args, self._param_names(), stream, keep)
        if self._compiles:  # an AOT kernel (aot.AotKernel) has no source and compiles nothing
            self._function_ast()  # the source is read and parsed while cuInit runs
        cc = _core.compute_capability(device)
        compiled = self._compile(types, cc, "cubin")
        if self._compiles and not compiled.artifacts.from_cache:
            _note_run_time_compile()
        values = upload(values, transfers)
        kernel = compiled.loaded.get(device)
        if kernel is None:
            with self._lock:
                kernel = compiled.loaded.get(device)
                if kernel is None:
                    kernel = _core.LoadedKernel(compiled.artifacts, device)
                    compiled.loaded[device] = kernel
        read_only = kernel.launch(griddim, blockdim, shared, stream, values)
        if self.options["debug"]:  # waits, then raises what the kernel reported
            check_launch(kernel, stream)
        if transfers:
            _core.synchronize()
            for t in transfers:  # an array the kernel never writes needs no copy back
                if t.buffer.ptr not in read_only:
                    t.copy_back()
        elif key is not None and not self.options["debug"]:  # debug launches are checked here, never fast
            self._fast_table().insert(key, kernel)
        del keep  # DLPack imports are released after the launch is queued
        return kernel

    # -- inspection ----------------------------------------------------------------

    def _entries(self, signature, stage, keep_ir=False):
        """{types: _Compiled} for one signature, or for every compiled and declared one."""
        cc = self._target_cc()
        if signature is not None:
            types = self._types_of_signature(signature)
            return {types: self._compile(types, cc, stage, keep_ir)}
        with self._lock:
            keys = list(self._overloads)
        keys += [(types, cc) for types in self.signatures if (types, cc) not in keys]
        entries = {}
        for types, key_cc in keys:
            entries.setdefault(types, self._compile(types, key_cc, stage, keep_ir))
        return entries

    def _inspect(self, signature, stage, attr):
        entries = self._entries(signature, stage, keep_ir=attr.startswith("llvm"))
        result = {types: getattr(c.artifacts, attr) for types, c in entries.items()}
        if signature is not None:
            return next(iter(result.values()))
        return result

    def inspect_types(self, signature=None):
        """The typed source per signature (a dict), or for one signature (a str): each
        source line with its variables' types, then the typed tree."""
        from .inspection import typed_source

        entries = self._entries(signature, "typed")
        result = {types: typed_source(self.py_func, c.artifacts) for types, c in entries.items()}
        return next(iter(result.values())) if signature is not None else result

    def inspect_llvm(self, signature=None, optimized=True):
        """The LLVM IR after optimisation (or before, with optimized=False) per signature
        (a dict), or for one signature (a str)."""
        return self._inspect(signature, "ptx", "llvm_opt" if optimized else "llvm")

    def inspect_ptx(self, signature=None):
        """The PTX per signature (a dict), or for one signature (a str)."""
        return self._inspect(signature, "ptx", "ptx")

    inspect_asm = inspect_ptx

    def inspect_sass(self, signature=None):
        """The SASS per signature (a dict), or for one signature (a str), through NVIDIA's
        nvdisasm (pip install nvidia-cuda-nvdisasm); with lineinfo=True each run of
        instructions is headed by its Python file and line."""
        from .inspection import sass

        result = {t: sass(c.artifacts.cubin) for t, c in self._entries(signature, "cubin").items()}
        return next(iter(result.values())) if signature is not None else result

    def resources(self, signature=None, block_size=256, dynamic_shared=0):
        """Registers, static shared, local and constant memory, max threads per block
        and the theoretical occupancy at `block_size` threads: the driver's on a GPU,
        computed from the cubin and the architecture's limits without one. A dict per
        signature, or one dict for a given signature."""
        from .inspection import resources

        cc = self._target_cc()
        result = {}
        for types, c in self._entries(signature, "cubin").items():
            loaded = None
            if _core.is_available():
                device = _core.current_device()
                loaded = c.loaded.get(device)
                if loaded is None:
                    with self._lock:
                        loaded = c.loaded.setdefault(device, _core.LoadedKernel(c.artifacts, device))
            result[types] = resources(c.artifacts, cc, block_size, dynamic_shared, loaded)
        return next(iter(result.values())) if signature is not None else result

    def get_regs_per_thread(self, signature=None):
        """Registers per thread, read from the cubin: per signature (a dict) or for one."""
        result = {t: c.artifacts.resources().get("registers") for t, c in self._entries(signature, "cubin").items()}
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

    @property
    def overloads(self):
        """{signature: entry name} of what has been compiled."""
        return {types: c.artifacts.entry_name for (types, _), c in self._overloads.items()}

    def __repr__(self):
        return f"<ptxforge kernel {self.__name__}>"


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


def _launch_miss(dispatcher_ref, griddim, blockdim, stream_object, shared, args, key):
    """What the C++ fast path calls when it cannot launch by itself: an argument it
    does not read (numpy arrays, other interop objects), or a key not seen yet."""
    register_interop_types()
    dispatcher = dispatcher_ref()
    dispatcher._launch(tuple(griddim), tuple(blockdim), _stream_handle(stream_object), shared, args, key)


def kernel(func_or_sig=None, *, device=False, fastmath=False, fma=True, lineinfo=False,
           max_registers=None, opt=True, debug=None, cache=None, link=None, inline=None,
           launch_bounds=None):
    """Compiles a Python function as a CUDA kernel (numba-cuda's ``cuda.jit``).

    Use bare (``@kernel``), with options (``@kernel(fastmath=True)``), or with
    signatures for eager type checking (``@kernel("void(float32[::1])")``).
    Compiled kernels are kept in the disk cache (ptxforge.cache) unless
    ``cache=False``; numba's ``cache=True`` is the default here.
    """
    if link and device:
        raise ValueError("link= belongs on a kernel or on declare_device, not on a device function: "
                         "the kernels that call it link the files")
    options = dict(fastmath=fastmath, fma=fma, lineinfo=lineinfo, max_registers=max_registers, opt=opt,
                   launch_bounds=launch_bounds, link=link, debug=debug)

    def wrap(func, signatures=()):
        if device:
            from .devicefunc import DeviceFunction

            return DeviceFunction(func, options, signatures)
        return Dispatcher(func, signatures, cache=cache, **options)

    if callable(func_or_sig) and not isinstance(func_or_sig, (str, list, tuple)):
        return wrap(func_or_sig)
    sigs = ()
    if func_or_sig is not None:
        sigs = func_or_sig if isinstance(func_or_sig, list) else [func_or_sig]
    return lambda func: wrap(func, sigs)


jit = kernel


def compile_ptx(pyfunc, sig, device=False, cc=None, fastmath=False, lineinfo=False, debug=None,
                opt=True, fma=True, max_registers=None, launch_bounds=None):
    """Compiles `pyfunc` for `sig` to PTX with no GPU needed: returns ``(ptx, return_type)``.

    A kernel (the default) returns ``"void"``; with ``device=True`` the function
    becomes a ``.visible .func`` whose return type is inferred (or checked
    against the signature's) and returned as its numba spelling. `cc` defaults
    to (9, 0). The PTX symbol is named after the function.
    """
    pyfunc = getattr(pyfunc, "py_func", pyfunc)  # a kernel or device function object
    d = Dispatcher(pyfunc, (), fastmath=fastmath, fma=fma, lineinfo=lineinfo,
                   max_registers=max_registers, opt=opt, launch_bounds=launch_bounds, debug=debug)
    declared = None
    if isinstance(sig, str):
        declared, params = _core.parse_signature(sig)
        types = tuple(params)
    else:
        types = tuple(_core.check_type(str(t)) for t in sig)
    if not device and declared not in (None, "void", "none"):
        raise TypeError(f"a kernel returns void, not {declared} (signature '{sig}'); "
                        "pass device=True for a device function")
    cc = tuple(cc or _DEFAULT_CC)
    fa = d._function_ast()
    artifacts = _core.compile(fa, list(types), resolve_globals(pyfunc, d._source.names), cc[0], cc[1],
                              stage="ptx", device=bool(device), **d.options)
    _issue_warnings(artifacts)
    returned = artifacts.return_type
    if device and declared not in (None, "void", "none", returned):
        raise TypeError(f"{pyfunc.__name__} returns {returned}, but the signature says {declared}")
    return artifacts.ptx, returned


def compile_ptx_for_current_device(pyfunc, sig, **options):
    """``compile_ptx`` for the current device's compute capability (sm_90 without a GPU), as
    numba-cuda's function of that name; `options` are compile_ptx's."""
    if "cc" in options:
        raise TypeError("compile_ptx_for_current_device() takes the current device's cc; use compile_ptx for another")
    return compile_ptx(pyfunc, sig, cc=Dispatcher._target_cc(), **options)
