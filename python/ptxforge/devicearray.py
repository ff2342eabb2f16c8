"""Device arrays with numba-cuda's API, and zero-copy interop both ways.

A DeviceNDArray is a view (pointer, shape, byte strides, dtype) of memory it
keeps alive through ``_owner``: a ``_core.DeviceMemory`` for arrays made
here, or whatever object lent the memory (a CuPy array, a DLPack holder).
Kernel launches take device arrays without copies; the launch fast path reads
each array's ``_pf`` bytes (its signature key with its launch facts, the bytes
it spans and its ABI cells), made once.

Memory is freed when the last view of it is garbage-collected, stream-ordered
on the legacy default stream (see docs/runtime.md): kernels queued earlier on
it or on any blocking stream finish first, so dropping an array right after a
launch is safe and never waits.

When the default target is the CPU, or there is no CUDA GPU, new device arrays
live in host memory (``_core.HostAllocation``) and copies are plain memcpy:
the CPU target's kernels use them in place (see docs/cpu.md).
"""

import functools
import operator
import struct

import numpy as np

from . import _core, _target
from ._args import is_bfloat16

# Dtype codes of the launch fast path (FastLaunch.cpp's kItemsize order).
DTYPE_CODES = {name: i for i, name in enumerate(
    ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
     "float16", "float32", "float64", "complex64", "complex128", "bfloat16"])}


@functools.cache
def bfloat16_dtype():
    """The numpy dtype of bfloat16 arrays: ml_dtypes' bfloat16 where it is installed, else a
    uint16 tagged as bfloat16 (its host copies then hold the raw bits)."""
    try:
        import ml_dtypes
    except ImportError:
        return np.dtype(np.uint16, metadata={"ptxforge": "bfloat16"})
    return np.dtype(ml_dtypes.bfloat16)


def _as_dtype(dtype):
    """np.dtype(dtype), with "bfloat16" and pf.bfloat16 giving bfloat16_dtype()."""
    if str(dtype) == "bfloat16" and not isinstance(dtype, np.dtype):
        return bfloat16_dtype()
    return np.dtype(dtype)


def dtype_code(dtype):
    """The fast path's code for a numpy or torch dtype object, -1 when kernels do not take it."""
    name = str(dtype)
    if isinstance(dtype, np.dtype) and is_bfloat16(dtype):
        name = "bfloat16"
    elif name.startswith("torch."):
        name = name[6:]
    elif isinstance(dtype, np.dtype) and not dtype.isnative:
        return -1
    return DTYPE_CODES.get(name, -1)


def _stream_handle(stream):
    if stream is None or (isinstance(stream, int) and stream == 0):
        return 0
    if isinstance(stream, int):
        return stream
    h = getattr(stream, "handle", None)
    if h is not None:
        return int(getattr(h, "value", h) or 0)
    raise TypeError(f"cannot use {stream!r} as a stream")


def _contiguous_strides(shape, itemsize, order):
    strides, step = [0] * len(shape), itemsize
    for d in (range(len(shape) - 1, -1, -1) if order == "C" else range(len(shape))):
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


def _layout(shape, strides, itemsize):
    if strides == _contiguous_strides(shape, itemsize, "C"):
        return "C"
    if strides == _contiguous_strides(shape, itemsize, "F"):
        return "F"
    return "A"


def _extent(shape, strides, itemsize):
    """(lowest byte offset, bytes spanned) of a strided view; (0, 0) when empty."""
    if any(s == 0 for s in shape):
        return 0, 0
    lo = sum(st * (n - 1) for n, st in zip(shape, strides) if st < 0)
    hi = sum(st * (n - 1) for n, st in zip(shape, strides) if st > 0)
    return lo, hi - lo + itemsize


def _allocate(nbytes, stream):
    """Device memory of `nbytes`, or host memory standing for it (see _target.host_memory)."""
    if _target.host_memory():
        return _core.HostAllocation(nbytes)
    return _core.DeviceMemory(nbytes, _stream_handle(stream))


def _is_host_owner(owner):
    """Memory a view of `owner` lives in is host memory: ours, or a numpy array where no GPU exists."""
    if isinstance(owner, DeviceNDArray):  # a view made from another device array: its memory
        return owner._host
    return isinstance(owner, _core.HostAllocation) or (isinstance(owner, np.ndarray) and not _target.gpu_available())


# Copies by where the memory is: (to a buffer, from a buffer, between addresses).
def _copy_out(host, dst, src, nbytes, stream):
    if host:
        _core.host_copy_out(dst, src, nbytes)
    else:
        _core.copy_dtoh(dst, src, nbytes, stream)


def _copy_in(host, dst, src, nbytes, stream):
    if host:
        _core.host_copy_in(dst, src, nbytes)
    else:
        _core.copy_htod(dst, src, nbytes, stream)


def _sync(host, stream):
    if stream and not host:
        _core.stream_synchronize(stream)


class MemoryView:
    """Device memory from a point inside an allocation on (numba's MemoryPointer view):
    ``ptr`` and ``device_pointer`` are that point; ``owner`` holds the allocation alive."""

    __slots__ = ("owner", "ptr")

    def __init__(self, owner, ptr):
        self.owner = owner
        self.ptr = ptr

    @property
    def device_pointer(self):
        return self.ptr

    @property
    def device_pointer_value(self):
        return self.ptr

    def __repr__(self):
        return f"<ptxforge device memory at 0x{self.ptr:x} in {self.owner!r}>"


class DeviceNDArray:
    """An n-d array in device memory (numba-cuda's DeviceNDArray), or in host memory
    standing for it on the CPU target."""

    __slots__ = ("shape", "strides", "dtype", "size", "ndim", "stream", "_ptr", "_owner", "_pf", "_host",
                 "__weakref__")

    __cuda_memory__ = True

    def __init__(self, shape, strides, dtype, stream=0, gpu_data=None, ptr=None, host=None):
        self.shape = tuple(int(s) for s in shape)
        self.dtype = _as_dtype(dtype)
        self.strides = (_contiguous_strides(self.shape, self.dtype.itemsize, "C") if strides is None
                        else tuple(int(s) for s in strides))
        self.ndim = len(self.shape)
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.stream = stream
        if gpu_data is None:
            lo, span = _extent(self.shape, self.strides, self.dtype.itemsize)
            gpu_data = _allocate(max(span, 1), stream)
            ptr = gpu_data.ptr - lo
        self._owner = gpu_data
        self._host = _is_host_owner(gpu_data) if host is None else bool(host)
        self._ptr = int(ptr if ptr is not None else gpu_data.ptr)
        self._pf = self._pack()

    def _pack(self):
        code = dtype_code(self.dtype)
        if code < 0 or self.ndim > 16:
            return b""
        layout = _layout(self.shape, self.strides, self.dtype.itemsize)
        ptr = self._ptr & 0xFFFFFFFFFFFFFFFF
        facts, lo, hi = _core.array_facts(ptr, self.shape, self.strides, self.dtype.itemsize, layout)
        cells = [ptr, *self.shape] + (list(self.strides) if layout == "A" else [])
        # FastLaunch.cpp reads this: 5 key bytes and 3 of padding, the span, the cells.
        # 'A': device memory, for the GPU target's fast path; 'H': host memory, for the CPU target's.
        return struct.pack(f"<cBBcB3xQQ{len(cells)}Q", b"H" if self._host else b"A", code, self.ndim,
                           layout.encode(), facts, lo, hi,
                           *[c & 0xFFFFFFFFFFFFFFFF for c in cells])

    def _view(self, shape, strides, ptr):
        return DeviceNDArray(shape, strides, self.dtype, self.stream, self._owner, ptr, self._host)

    # -- properties ----------------------------------------------------------------

    @property
    def nbytes(self):
        return self.size * self.dtype.itemsize

    @property
    def alloc_size(self):
        """The bytes of memory this array spans (numba-cuda's alloc_size): from its first to
        its last element, whatever the strides."""
        return _extent(self.shape, self.strides, self.dtype.itemsize)[1] if self.size else 0

    @property
    def device_ctypes_pointer(self):
        import ctypes

        return ctypes.c_void_p(self._ptr)

    @property
    def gpu_data(self):
        """The memory this array lives in (numba's MemoryPointer): its owner (the allocation,
        or the object whose memory it views), or for an array that starts inside its owner's
        memory (a slice), a view of it there. ``.device_pointer`` is the array's first byte."""
        owner = self._owner
        base = getattr(owner, "ptr", None)
        if base is None or base == self._ptr:
            return owner
        return MemoryView(owner, self._ptr)

    @property
    def T(self):
        return self.transpose()

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d device array")
        return self.shape[0]

    def __repr__(self):
        return f"<ptxforge DeviceNDArray shape={self.shape} dtype={self.dtype} at {self._ptr:#x}>"

    def is_c_contiguous(self):
        return self.strides == _contiguous_strides(self.shape, self.dtype.itemsize, "C")

    def is_f_contiguous(self):
        return self.strides == _contiguous_strides(self.shape, self.dtype.itemsize, "F")

    @property
    def flags(self):
        return {"C_CONTIGUOUS": self.is_c_contiguous(), "F_CONTIGUOUS": self.is_f_contiguous()}

    # -- interop -------------------------------------------------------------------

    @property
    def __cuda_array_interface__(self):
        handle = _stream_handle(self.stream)
        cai = {"shape": self.shape,
               "strides": None if self.is_c_contiguous() else self.strides,
               "data": (self._ptr if self.size else 0, False), "typestr": self.dtype.str, "version": 3,
               "stream": handle or None}
        if self.dtype.names is not None:
            cai["descr"] = self.dtype.descr  # a structured dtype's fields
        return cai

    def __dlpack_device__(self):
        if self._host:
            return (1, 0)
        owner = self._owner
        return (2, owner.device if isinstance(owner, _core.DeviceMemory) else _core.current_device())

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        if copy:
            raise BufferError("a copy through DLPack is not supported; copy the array first")
        if dl_device is not None and tuple(dl_device) != self.__dlpack_device__():
            raise BufferError(f"this array is on {self.__dlpack_device__()}, not {tuple(dl_device)}")
        mine = _stream_handle(self.stream)
        # The consumer's stream waits for ours; 1 and 2 (the default streams)
        # are ordered with the legacy stream already, -1 asks for nothing.
        if not self._host and stream is not None and stream not in (-1, 1, 2) and stream != mine:
            _core.stream_wait_stream(int(stream), mine)
        versioned = max_version is not None and tuple(max_version) >= (1, 0)
        return _core.dlpack_export(self._ptr, self.shape, self.strides, self.dtype.kind, self.dtype.itemsize,
                                   -1 if self._host else self.__dlpack_device__()[1], self, versioned)

    # -- copies --------------------------------------------------------------------

    def _span(self):
        return _extent(self.shape, self.strides, self.dtype.itemsize)

    def copy_to_host(self, ary=None, stream=0):
        """Copies to `ary` (a new numpy array when None) and returns it; asynchronous on a
        non-default `stream` for contiguous arrays (pass pinned memory)."""
        handle = _stream_handle(stream)
        if ary is None:
            order = "F" if self.is_f_contiguous() and not self.is_c_contiguous() else "C"
            ary = np.empty(self.shape, self.dtype, order=order)
        elif ary.shape != self.shape or ary.dtype != self.dtype:
            raise ValueError(f"copy_to_host into an array of {ary.shape} {ary.dtype}, "
                             f"not {self.shape} {self.dtype}")
        if self.size == 0:
            return ary
        if self.strides == ary.strides and (self.is_c_contiguous() or self.is_f_contiguous()):
            _copy_out(self._host, ary, self._ptr, self.nbytes, handle)
            return ary
        lo, span = self._span()  # strided: bring the extent over and pick the elements on the host
        staging = np.empty(span, np.uint8)
        _copy_out(self._host, staging, self._ptr + lo, span, handle)
        _sync(self._host, handle)
        ary[...] = np.lib.stride_tricks.as_strided(staging[-lo:].view(self.dtype) if lo else staging.view(self.dtype),
                                                   self.shape, self.strides)
        return ary

    def copy_to_device(self, ary, stream=0):
        """Copies a host array (or another device array) of the same shape into this one."""
        handle = _stream_handle(stream)
        if _is_device(ary):
            src = as_cuda_array(ary)
            if src.shape != self.shape:
                raise ValueError(f"copy_to_device of shape {src.shape} into {self.shape}")
            if src._host == self._host and src.strides == self.strides and (self.is_c_contiguous() or
                                                                             self.is_f_contiguous()):
                if self._host:
                    _core.host_copy(self._ptr, src._ptr, self.nbytes)
                else:
                    _core.copy_dtod(self._ptr, src._ptr, self.nbytes, handle)
                return
            ary = src.copy_to_host()
        host = np.asarray(ary, dtype=self.dtype)
        host = np.broadcast_to(host, self.shape) if host.shape != self.shape else host
        if self.size == 0:
            return
        if self.is_c_contiguous() or self.is_f_contiguous():
            order = "C" if self.is_c_contiguous() else "F"
            host = np.asarray(host, order=order)
            if host.strides != self.strides:
                host = host.copy(order=order)
            _copy_in(self._host, self._ptr, host, self.nbytes, handle)
            return
        lo, span = self._span()  # strided: read, modify and write back the extent
        staging = np.empty(span, np.uint8)
        _copy_out(self._host, staging, self._ptr + lo, span, handle)
        _sync(self._host, handle)
        view = np.lib.stride_tricks.as_strided(staging[-lo:].view(self.dtype) if lo else staging.view(self.dtype),
                                               self.shape, self.strides, writeable=True)
        view[...] = host
        _copy_in(self._host, self._ptr + lo, staging, span, 0)

    def copy_to_host_async(self, ary, stream):
        return self.copy_to_host(ary, stream)

    def to_host(self, stream=0):
        return self.copy_to_host(stream=stream)

    def bind(self, stream=0):
        return DeviceNDArray(self.shape, self.strides, self.dtype, stream, self._owner, self._ptr, self._host)

    # -- views ---------------------------------------------------------------------

    def __getitem__(self, index):
        shape, strides, offset = _index(self.shape, self.strides, index)
        if not shape:
            host = np.empty((), self.dtype)
            _copy_out(self._host, host, self._ptr + offset, self.dtype.itemsize, _stream_handle(self.stream))
            return host[()]
        return self._view(shape, strides, self._ptr + offset)

    def __setitem__(self, index, value):
        shape, strides, offset = _index(self.shape, self.strides, index)
        self._view(shape, strides, self._ptr + offset).copy_to_device(value, stream=self.stream)

    def reshape(self, *newshape, order="C"):
        if len(newshape) == 1 and isinstance(newshape[0], (tuple, list)):
            newshape = tuple(newshape[0])
        newshape = list(int(n) for n in newshape)
        if newshape.count(-1) > 1:
            raise ValueError("only one dimension of a reshape can be -1")
        if -1 in newshape:
            known = int(np.prod([n for n in newshape if n != -1], dtype=np.int64))
            newshape[newshape.index(-1)] = self.size // known if known else 0
        newshape = tuple(newshape)
        if int(np.prod(newshape, dtype=np.int64)) != self.size:
            raise ValueError(f"cannot reshape a device array of size {self.size} into {newshape}")
        if newshape == self.shape:
            return self
        if order not in "CF" or not (self.is_c_contiguous() if order == "C" else self.is_f_contiguous()):
            raise NotImplementedError("reshape needs an array contiguous in the order asked for")
        return self._view(newshape, _contiguous_strides(newshape, self.dtype.itemsize, order), self._ptr)

    def ravel(self, order="C"):
        return self.reshape(self.size, order=order)

    def transpose(self, axes=None):
        """numba-cuda's transpose: a 2-d array's transpose is a new C-contiguous array (a copy, not
        a view, so its strides are numba's whatever the source's layout); other ranks (which numba
        refuses) give a view with the axes permuted."""
        axes = tuple(reversed(range(self.ndim))) if axes is None else tuple(axes)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"invalid axes list {axes!r}")
        if axes == tuple(range(self.ndim)):
            return self
        view = self._view(tuple(self.shape[a] for a in axes), tuple(self.strides[a] for a in axes), self._ptr)
        if self.ndim != 2:
            return view
        out = DeviceNDArray(view.shape, None, self.dtype, self.stream)
        if out.size:
            out.copy_to_device(view.copy_to_host(np.empty(view.shape, self.dtype), stream=self.stream),
                               stream=self.stream)
        return out

    def view(self, dtype):
        dtype = _as_dtype(dtype)
        if dtype.itemsize != self.dtype.itemsize:
            raise NotImplementedError("view() with a different item size")
        return DeviceNDArray(self.shape, self.strides, dtype, self.stream, self._owner, self._ptr, self._host)

    def copy_to_device_async(self, ary, stream):
        self.copy_to_device(ary, stream)

    def _host_ndarray(self):
        """A numpy view of a host-memory array's memory (no copy; the array must stay alive)."""
        import ctypes

        lo, span = self._span()
        raw = (ctypes.c_char * max(span, 1)).from_address(self._ptr + lo)
        flat = np.frombuffer(raw, np.uint8)
        return np.ndarray(self.shape, self.dtype, buffer=flat, offset=-lo, strides=self.strides)


def _index(shape, strides, index):
    """(shape, strides, byte offset) of basic indexing: ints, slices, Ellipsis, None."""
    if not isinstance(index, tuple):
        index = (index,)
    if any(i is Ellipsis for i in index):
        at = next(k for k, i in enumerate(index) if i is Ellipsis)
        fill = len(shape) - (len(index) - 1 - sum(i is None for i in index))
        index = index[:at] + (slice(None),) * fill + index[at + 1:]
    out_shape, out_strides, offset, d = [], [], 0, 0
    for i in index:
        if i is None:
            out_shape.append(1)
            out_strides.append(0)
            continue
        if d >= len(shape):
            raise IndexError(f"too many indices for a device array of {len(shape)} dimensions")
        if isinstance(i, slice):
            start, stop, step = i.indices(shape[d])
            n = len(range(start, stop, step))
            offset += start * strides[d] if n else 0
            out_shape.append(n)
            out_strides.append(strides[d] * step)
        else:
            k = operator.index(i)
            if not -shape[d] <= k < shape[d]:
                raise IndexError(f"index {k} is out of bounds for axis {d} with size {shape[d]}")
            offset += (k % shape[d]) * strides[d]
        d += 1
    out_shape.extend(shape[d:])
    out_strides.extend(strides[d:])
    return tuple(out_shape), tuple(out_strides), offset


# -- making arrays ----------------------------------------------------------------------


def device_array(shape, dtype=np.float64, strides=None, order="C", stream=0):
    """An uninitialised array in device memory."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    dtype = _as_dtype(dtype)
    if strides is None:
        strides = _contiguous_strides(shape, dtype.itemsize, "F" if order == "F" else "C")
    return DeviceNDArray(shape, strides, dtype, stream)


def _like(ary):
    """(strides, order) of a new contiguous array like `ary`: its own order where it is
    contiguous, else its axes in the order of their strides (smallest innermost), as numba
    lays it out (numpy's empty_like, but with signed strides); C for objects without flags."""
    flags = getattr(ary, "flags", None)
    if flags is None or not hasattr(ary, "strides"):
        return None, "C"
    order = "F" if flags["F_CONTIGUOUS"] and not flags["C_CONTIGUOUS"] else "C"
    if flags["C_CONTIGUOUS"] or flags["F_CONTIGUOUS"] or len(ary.shape) <= 1:
        return None, order
    strides, step = [0] * len(ary.shape), ary.dtype.itemsize
    for axis in sorted(range(len(ary.shape)), key=lambda d: ary.strides[d]):
        strides[axis] = step
        step *= ary.shape[axis]
    return tuple(strides), order


def device_array_like(ary, stream=0):
    """An uninitialised device array of `ary`'s shape and dtype, laid out as numba-cuda lays
    it out: `ary`'s order where it is contiguous, its axes' stride order where it is a view."""
    strides, order = _like(ary)
    return device_array(ary.shape, ary.dtype, strides=strides, order=order, stream=stream)


def to_device(obj, stream=0, copy=True, to=None):
    """Copies a host array to the device (numba-cuda's cuda.to_device); with `to`, into it."""
    if to is not None:
        to.copy_to_device(obj, stream=stream)
        return to
    if _is_device(obj):
        src = as_cuda_array(obj)
        if not copy:
            return src
        strides, order = _like(src)  # a copy of a view keeps its axes' order
        out = device_array(src.shape, src.dtype, strides=strides, order=order, stream=stream)
        out.copy_to_device(src, stream=stream)
        return out
    host = np.asarray(obj)
    order = "F" if host.flags.f_contiguous and not host.flags.c_contiguous else "C"
    out = device_array(host.shape, host.dtype, order=order, stream=stream)
    if copy:
        out.copy_to_device(host, stream=stream)
    return out


def pinned_array(shape, dtype=np.float64, strides=None, order="C"):
    """A numpy array in page-locked host memory (fast and asynchronous copies)."""
    return _host_array(shape, dtype, strides, order, mapped=False, portable=True, wc=False)


class MappedNDArray(np.ndarray):
    """A numpy array in mapped page-locked memory that kernels read and write in place."""

    @property
    def __cuda_array_interface__(self):
        mem = self._pf_memory()
        offset = self.__array_interface__["data"][0] - mem.ptr
        return {"shape": self.shape, "strides": None if self.flags.c_contiguous else self.strides,
                "data": (mem.device_ptr + offset, False), "typestr": self.dtype.str, "version": 3,
                "stream": _stream_handle(getattr(self, "_pf_stream", 0)) or None}

    def _pf_memory(self):
        base = self
        while isinstance(base, np.ndarray):
            base = base.base
        return base.obj if isinstance(base, memoryview) else base


class ManagedNDArray(MappedNDArray):
    """A numpy array in managed memory (numba-cuda's ManagedNDArray): the host and kernels use
    the same address; synchronize before the host reads what a kernel wrote."""


def mapped_array(shape, dtype=np.float64, strides=None, order="C", stream=0, portable=False, wc=False):
    """A host array mapped into the device's address space (cuMemHostAlloc with DEVICEMAP)."""
    arr = _host_array(shape, dtype, strides, order, mapped=True, portable=portable, wc=wc)
    arr._pf_stream = stream
    return arr


def managed_array(shape, dtype=np.float64, strides=None, order="C", stream=0, attach_global=True):
    """A numpy array in managed memory (cuMemAllocManaged), which kernels take in place."""
    shape, strides, dtype = _shape_strides(shape, dtype, strides, order)
    lo, span = _extent(shape, strides, dtype.itemsize)
    if _target.host_memory():  # no GPU: plain host memory, which CPU kernels use in place
        mem = _core.HostAllocation(max(span, 1))
    else:
        mem = _core.ManagedMemory(max(span, 1), bool(attach_global))
    arr = np.ndarray(shape, dtype, buffer=np.frombuffer(mem, np.uint8), offset=-lo, strides=strides)
    arr = arr.view(ManagedNDArray)
    arr._pf_stream = stream
    return arr


def _shape_strides(shape, dtype, strides, order):
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    dtype = _as_dtype(dtype)
    if strides is None:
        strides = _contiguous_strides(shape, dtype.itemsize, "F" if order == "F" else "C")
    return shape, tuple(strides), dtype


def _host_array(shape, dtype, strides, order, mapped, portable, wc):
    shape, strides, dtype = _shape_strides(shape, dtype, strides, order)
    lo, span = _extent(shape, strides, dtype.itemsize)
    if _target.host_memory():  # no GPU to pin or map for: plain host memory, which CPU kernels use in place
        mem = _core.HostAllocation(max(span, 1))
    else:
        mem = _core.HostMemory(max(span, 1), mapped, bool(portable) or not mapped, bool(wc))
    flat = np.frombuffer(mem, np.uint8)
    arr = np.ndarray(shape, dtype, buffer=flat, offset=-lo, strides=strides)
    return arr.view(MappedNDArray) if mapped else arr


def pinned_array_like(ary):
    """A pinned host array of `ary`'s shape and dtype, laid out as numba-cuda lays it out."""
    strides, order = _like(ary)
    return pinned_array(ary.shape, ary.dtype, strides, order)


def mapped_array_like(ary, stream=0, portable=False, wc=False):
    """A mapped host array of `ary`'s shape and dtype, laid out as numba-cuda lays it out."""
    strides, order = _like(ary)
    return mapped_array(ary.shape, ary.dtype, strides, order, stream, portable, wc)


# -- foreign arrays ---------------------------------------------------------------------


def _is_device(obj):
    return isinstance(obj, DeviceNDArray) or hasattr(obj, "__cuda_array_interface__")


def is_cuda_array(obj):
    """True for objects with __cuda_array_interface__ (numba-cuda's cuda.is_cuda_array)."""
    return hasattr(obj, "__cuda_array_interface__")


def cai_stream(cai):
    """The stream handle a v3 __cuda_array_interface__ asks its consumer to order after, or None."""
    stream = cai.get("stream")
    if stream is None:
        return None
    # 0 is disallowed by the protocol; a producer that sends it means the default stream.
    return int(stream) or None


def cai_dtype(cai, obj=None):
    """The dtype a __cuda_array_interface__ describes: its 'descr' for a structured one.

    The interface has no typestr for bfloat16: CuPy gives ml_dtypes' bfloat16 as '|V2'
    (numba-cuda reads the type from DLPack instead). An unnamed 2-byte void whose
    producer `obj` says, by its .dtype, that it holds bfloat16 is that bfloat16."""
    typestr = cai["typestr"]
    descr = cai.get("descr")
    dtype = np.dtype(typestr)
    if descr and dtype.kind == "V" and (len(descr) > 1 or descr[0][0]):
        from numpy.lib.format import descr_to_dtype

        return descr_to_dtype(descr)
    if dtype.kind == "V" and dtype.itemsize == 2 and obj is not None:
        own = getattr(obj, "dtype", None)
        if isinstance(own, np.dtype) and own.itemsize == 2 and is_bfloat16(own):
            return own
    return dtype


def as_cuda_array(obj, sync=True):
    """A DeviceNDArray over `obj`'s memory (no copy), from __cuda_array_interface__ or DLPack.

    With `sync`, work queued on the producer's stream (the interface's 'stream') is
    ordered before later work on the legacy default stream, on the device."""
    if isinstance(obj, DeviceNDArray):
        return obj
    if hasattr(obj, "__cuda_array_interface__"):
        owner = obj
        if isinstance(obj, MappedNDArray) and isinstance(obj._pf_memory(), _core.HostAllocation):
            owner = obj._pf_memory()  # host memory standing for mapped memory
        return from_cuda_array_interface(obj.__cuda_array_interface__, owner=owner, sync=sync)
    if hasattr(obj, "__dlpack__"):
        return from_dlpack(obj)
    raise TypeError(f"{type(obj).__name__} has neither __cuda_array_interface__ nor __dlpack__")


def from_cuda_array_interface(desc, owner=None, sync=True):
    """A DeviceNDArray over the memory a ``__cuda_array_interface__`` dict describes (no
    copy), as numba-cuda's function of that name. `owner` is kept alive as long as the
    array. With `sync`, work queued on the interface's 'stream' is ordered before later
    work on the legacy default stream, on the device. A masked array (a 'mask' entry) is
    refused, as numba-cuda refuses it."""
    if desc.get("mask") is not None:
        raise NotImplementedError("Masked arrays are not supported")
    dtype = cai_dtype(desc, owner)
    ptr = int(desc["data"][0] or 0)
    producer = cai_stream(desc)
    if sync and producer not in (None, 1, 2) and _target.gpu_available():
        _core.stream_wait_stream(0, producer)
    # Where there is no GPU, every array is in host memory; for the CPU target beside a GPU,
    # the driver says where a foreign pointer is (ours there are host memory, CuPy's are not).
    host = True if not _target.gpu_available() else None
    if host is None and _target.host_memory() and ptr:
        host = _core.host_readable(ptr) or None
    if owner is None:
        owner = _CaiOwner(desc)
    return DeviceNDArray(desc["shape"], desc.get("strides"), dtype, 0, owner, ptr, host)


class _CaiOwner:
    """What a DeviceNDArray made from a bare interface dict holds: the dict (nothing owns the
    memory there; its producer must keep it alive)."""

    __slots__ = ("desc", "__weakref__")

    def __init__(self, desc):
        self.desc = desc


def from_dlpack(obj, stream=0):
    """A DeviceNDArray sharing the memory of a DLPack producer (torch, JAX, CuPy, ...)."""
    handle = _stream_handle(stream)
    consumer = handle or 1  # DLPack names the legacy default stream 1
    if hasattr(obj, "__dlpack__"):
        try:
            capsule = obj.__dlpack__(stream=consumer, max_version=(1, 0))
        except TypeError:
            capsule = obj.__dlpack__(stream=consumer)
    else:
        capsule = obj  # a capsule already
    holder, ptr, shape, strides, dtype, (device_type, _) = _core.dlpack_import(capsule)
    if device_type == 1 and _target.host_memory():  # host memory, where device arrays are host memory too
        return DeviceNDArray(shape, strides, dtype, stream, holder, ptr, host=True)
    if device_type not in (2, 3):
        raise BufferError(f"DLPack device type {device_type} is not CUDA memory; "
                          "use numpy for host arrays")
    return DeviceNDArray(shape, strides, dtype, stream, holder, ptr)  # "bfloat16" included
