"""numba's view of a kernel's compiled signatures: ``kernel.overloads``, dicts keyed by
signature, ``kernel.forall(n)``.

Keys are tuples of ptxforge's type texts (``("float32[::1]", "int")``); lookups
also take numba's spellings (a tuple of numba type objects, a signature object,
``int64`` for a launch with a Python int), so numba code reading
``kernel.get_regs_per_thread()[sig.args]`` finds its entry.
"""

import operator

from . import _core
from ._signatures import equivalent_keys
from ._typeobjects import signature_parts, type_name


def signature_key(sig):
    """A signature given any way (string, signature object, tuple of types) as a tuple of type texts."""
    if isinstance(sig, str):
        _, params = _core.parse_signature(sig)
        return tuple(params)
    _, params = signature_parts(sig)
    return tuple(_core.check_type(type_name(p)) for p in params)


class SignatureDict(dict):
    """A dict keyed by signatures that also finds entries by numba's spelling of them."""

    def _find(self, key):
        if dict.__contains__(self, key):
            return key
        try:
            types = signature_key(key)
        except (TypeError, ValueError):
            return None
        for k in equivalent_keys(types):
            if dict.__contains__(self, k):
                return k
        return None

    def __getitem__(self, key):
        found = self._find(key)
        if found is None:
            raise KeyError(key)
        return dict.__getitem__(self, found)

    def __contains__(self, key):
        return self._find(key) is not None

    def get(self, key, default=None):
        found = self._find(key)
        return default if found is None else dict.__getitem__(self, found)


class Overload:
    """One compiled signature of a kernel (numba's ``_Kernel``): its code and resources."""

    launch_config_sensitive = False

    def __init__(self, dispatcher, types, compiled):
        self._dispatcher = dispatcher
        self.argument_types = types
        self._compiled = compiled

    @property
    def artifacts(self):
        return self._compiled.artifacts

    @property
    def entry_name(self):
        return self.artifacts.entry_name

    @property
    def cooperative(self):
        """True when the kernel takes its grid group or calls a cooperative declared function
        (it is then launched cooperatively, as numba launches it). Known once lowered: a
        signature compiled only as far as typing is lowered now."""
        compiled = self._dispatcher._compile(self.argument_types, self._dispatcher._target_cc(), "ptx")
        return bool(compiled.artifacts.cooperative)

    def _resources(self):
        return self._dispatcher._compile(self.argument_types, self._dispatcher._target_cc(), "cubin") \
            .artifacts.resources()

    @property
    def regs_per_thread(self):
        return self._resources().get("registers")

    @property
    def shared_mem_per_block(self):
        return self._resources().get("shared_bytes")

    @property
    def local_mem_per_thread(self):
        return self._resources().get("local_bytes")

    @property
    def const_mem_size(self):
        return self._resources().get("const_bytes")

    @property
    def max_threads_per_block(self):
        return self._dispatcher._loaded(self.argument_types).max_threads_per_block

    def max_cooperative_grid_blocks(self, blockdim, dynsmemsize=0):
        """How many blocks of `blockdim` threads can be resident at once on the current device
        (the largest grid a cooperative launch of this kernel may have)."""
        dims = blockdim if isinstance(blockdim, (tuple, list)) else (blockdim,)
        threads = 1
        for d in dims:
            threads *= operator.index(d)
        kernel = self._dispatcher._loaded(self.argument_types)
        return kernel.max_active_blocks(threads, int(dynsmemsize)) * \
            _core.device_info(_core.current_device())["multiprocessors"]

    def inspect_asm(self, cc=None):
        return self._dispatcher.inspect_asm(self.argument_types)

    def inspect_llvm(self):
        return self._dispatcher.inspect_llvm(self.argument_types)

    def inspect_sass(self):
        return self._dispatcher.inspect_sass(self.argument_types)

    def __repr__(self):
        return f"<ptxforge overload {self.entry_name}({', '.join(self.argument_types)})>"


class ForAll:
    """``kernel.forall(ntasks)``: a launch of one thread per task, 1-d (numba's ForAll)."""

    def __init__(self, dispatcher, ntasks, tpb=0, stream=0, sharedmem=0):
        ntasks = operator.index(ntasks)
        if ntasks < 0:
            raise ValueError(f"Can't create ForAll with negative task count: {ntasks}")
        self.dispatcher = dispatcher
        self.ntasks = ntasks
        self.thread_per_block = operator.index(tpb)
        self.stream = stream
        self.sharedmem = operator.index(sharedmem)

    def __call__(self, *args):
        if self.ntasks == 0:
            return None
        tpb = self.thread_per_block
        if tpb == 0 and self.dispatcher._runs_on() == "cpu":
            # The CPU target runs a block's threads one after another on one worker (as
            # fibers where the kernel synchronises): no occupancy to weigh, and 256 is
            # within every kernel's launch bounds that a GPU launch of it would accept.
            tpb = min(256, self.dispatcher.options["max_threads"] or 256)
        if tpb == 0:
            # The block size the occupancy calculator suggests for this signature.
            types = self.dispatcher._bind_types(args)
            tpb = self.dispatcher._loaded(types).suggested_block_size(self.sharedmem, 1024)
        griddim = (self.ntasks + tpb - 1) // tpb
        return self.dispatcher[griddim, tpb, self.stream, self.sharedmem](*args)
