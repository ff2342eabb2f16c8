"""The runtime's Python side that needs no GPU: view arithmetic of device arrays
(checked against numpy), the fast path's keys, DLPack capsules, launch
configurations remembered exactly, stream handles of peers.

Device arrays here wrap made-up addresses; nothing is dereferenced.
"""

import gc
import weakref

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core
from ptxforge._args import describe, register_interop_types
from ptxforge.devicearray import DeviceNDArray, _extent, _index, _like

FAKE = 0x7F0000000000


def fake(shape, dtype=np.float32, strides=None):
    return DeviceNDArray(shape, strides, dtype, 0, object(), FAKE)


INDEXES = [
    (slice(None, None, 2),), (slice(1, None, 3), 2), (Ellipsis, slice(None, None, -1)), (3, slice(2, 5)),
    (slice(None), None, slice(1, 2)), (slice(5, 1, -2), slice(None, None, 4)), (-1,), (slice(7, 7),),
]


@pytest.mark.parametrize("index", INDEXES)
def test_views_match_numpy(index):
    host = np.arange(8 * 9, dtype=np.float64).reshape(8, 9)
    shape, strides, offset = _index(host.shape, host.strides, index)
    expected = host[index]
    assert shape == expected.shape
    if expected.size:
        assert offset == expected.__array_interface__["data"][0] - host.__array_interface__["data"][0]
        assert strides == expected.strides or expected.size == 1
    lo, span = _extent(shape, strides, 8)
    if expected.size:
        view = np.lib.stride_tricks.as_strided(host.reshape(-1)[(offset + lo) // 8:].view(), shape, strides)
        assert view.size == expected.size and span >= 8


def numba_like_strides(shape, strides, itemsize, c_contiguous, f_contiguous):
    """numba-cuda's layout for device_array_like: contiguous arrays keep their order (None:
    the default strides of that order); others order their axes by signed stride, the smallest
    innermost."""
    if c_contiguous or f_contiguous or len(shape) <= 1:
        return None
    out, step = {}, itemsize
    for axis, _ in sorted(enumerate(strides), key=lambda pair: pair[1]):
        out[axis], step = step, step * shape[axis]
    return tuple(out[d] for d in range(len(shape)))


def _t(a):
    """A transposed view (a device array's .T is a C copy, as numba's: see test_transpose_is_numbas)."""
    return a.T if isinstance(a, np.ndarray) else a._view(a.shape[::-1], a.strides[::-1], a._ptr)


LIKE_VIEWS = [  # (the base array's order, the view)
    ("C", lambda a: a), ("C", _t), ("C", lambda a: a[::2, ::2]), ("C", lambda a: _t(a[::2, ::2])),
    ("C", lambda a: _t(a)[::2]), ("C", lambda a: a[:, :1]), ("C", lambda a: a[:1, ::2]),
    ("F", lambda a: a[::2, ::3]), ("F", lambda a: _t(a[::2, ::2])), ("C", lambda a: a[:, ::-2]),
    ("C", lambda a: a[::-1, ::2]), ("C", lambda a: _t(a[::3, 1::2])),
]


@pytest.mark.parametrize("view", range(len(LIKE_VIEWS)))
def test_array_like_layout_is_numbas(view):
    order, make = LIKE_VIEWS[view]
    host = make(np.zeros((10, 12), order=order))
    # The same view of a device array, whose flags come from its strides.
    dev = make(fake((10, 12), np.float64, strides=(96, 8) if order == "C" else (8, 80)))
    assert (dev.shape, dev.strides) == (host.shape, host.strides)
    want = numba_like_strides(host.shape, host.strides, 8, host.flags.c_contiguous, host.flags.f_contiguous)
    order = "F" if host.flags.f_contiguous and not host.flags.c_contiguous else "C"
    assert _like(host) == (want, order) == _like(dev)
    if want is not None and min(host.strides) > 0:
        assert want == np.empty_like(host).strides  # numpy's rule where strides are positive


def test_array_like_layout_in_three_dimensions_and_with_negative_strides():
    b = np.zeros((4, 5, 6))
    # What numba-cuda 0.30.4 gives (its simulator, which shares device_array_like's code).
    assert _like(b.transpose(2, 0, 1)[:, ::2]) == ((8, 240, 48), "C")
    assert _like(b.transpose(1, 2, 0)[:, ::2]) == ((24, 8, 120), "C")
    assert _like(np.zeros((10, 12))[::-1, ::2]) == ((8, 80), "C")  # numpy's empty_like gives (48, 8)
    assert _like(_t(fake((3, 4)))) == (None, "F") and _like(fake((3, 4))) == (None, "C")
    assert _like(object()) == (None, "C")  # no flags: C, as before


def test_index_errors():
    with pytest.raises(IndexError):
        _index((3,), (4,), (3,))
    with pytest.raises(IndexError):
        _index((3,), (4,), (0, 0))


def test_attributes_views_reshape_and_cai():
    d = fake((4, 6))
    assert (d.shape, d.strides, d.size, d.ndim, d.nbytes, len(d)) == ((4, 6), (24, 4), 24, 2, 96, 4)
    v = d[1:, ::2]
    assert v.shape == (3, 3) and v.strides == (24, 8) and v._ptr == FAKE + 24
    assert v.__cuda_array_interface__ == {"shape": (3, 3), "strides": (24, 8), "data": (FAKE + 24, False),
                                          "typestr": "<f4", "version": 3, "stream": None}
    assert d.reshape(3, -1).shape == (3, 8) and d.ravel().shape == (24,)
    assert _t(d).strides == (4, 24) and _t(d).is_f_contiguous()
    with pytest.raises(NotImplementedError):
        v.reshape(9)


def test_alloc_size_is_the_span_of_the_view():
    d = fake((10,), np.float64)
    assert d.alloc_size == 80 and d[::2].alloc_size == 72 and d[3:5].alloc_size == 16
    assert d[::-3].alloc_size == 80 and d[::-4].alloc_size == 72 and fake((0,)).alloc_size == 0
    assert _t(fake((4, 6)))[::2].alloc_size == 96 - 4  # from the first element to the last


def test_zero_size_arrays_give_a_null_pointer_in_their_interface():
    assert fake((0,)).__cuda_array_interface__["data"] == (0, False)
    assert fake((2, 0, 3)).__cuda_array_interface__["data"] == (0, False)


def test_from_cuda_array_interface():
    d = fake((2, 5), np.int64)
    face = d.__cuda_array_interface__
    back = pf.from_cuda_array_interface(face)
    assert back.shape == (2, 5) and back.strides == (40, 8) and back.dtype == np.int64 and back._ptr == FAKE
    face = dict(face, strides=(40, 8))
    assert pf.from_cuda_array_interface(face).is_c_contiguous()
    strided = pf.from_cuda_array_interface(d[:, ::2].__cuda_array_interface__)
    assert strided.shape == (2, 3) and strided.strides == (40, 16)
    owner = object()
    assert pf.from_cuda_array_interface(face, owner=owner).gpu_data is owner
    with pytest.raises(NotImplementedError, match="Masked arrays are not supported"):
        pf.from_cuda_array_interface(dict(face, mask=fake((2, 5), np.bool_)))


def test_fast_key_matches_python_types():
    register_interop_types()
    d = fake((10,))
    key = _core.fast_key(2.0, d, d[::2], _t(fake((3, 4))), 7, True)
    # Ends with: a bounded int ('j'), a bool, overlapping arrays ('o'), no coarsening, the device.
    assert key[:1] == b"f" and key[-5:-1] == b"jbo\x01"
    assert key[1:5] == b"A\x0a\x01C" and key[6:10] == b"A\x0a\x01A" and key[11:15] == b"A\x0a\x02F"
    assert (key[5], key[10], key[15]) == (7, 6, 7)  # d[::2] (stride 8): not aligned; d.T: strides (4, 16)
    # numpy scalars as the Python path types them: each its own type ('n', its code; np.float64
    # too), np.bool_ a bool; ml_dtypes' and other scalars take the Python path
    assert _core.fast_key(np.float32(1), np.float64(2), np.bool_(True), np.uint16(3))[:7] == b"n\x0an\x0bbn\x04"
    assert _core.fast_key(np.float32(1).view(np.dtype([("x", np.float32)]))) is None
    assert _core.fast_key(np.zeros(3)) is None  # numpy arrays need copies
    assert _core.fast_key(2**70) is None
    types, values, transfers = describe((d[::2], 3), "ab")
    assert types == ("float32[:]", "int") and values[0] == (FAKE, (5,), (8,)) and not transfers


def test_dlpack_capsules_round_trip_and_are_consumed_once():
    d = fake((5, 6), np.int16)[:, 1::2]
    for versioned in (False, True):
        capsule = _core.dlpack_export(d._ptr, d.shape, d.strides, "i", 2, 0, d, versioned)
        holder, ptr, shape, strides, dtype, device = _core.dlpack_import(capsule)
        assert (ptr, shape, strides, dtype, device) == (d._ptr, (5, 3), (12, 4), "int16", (2, 0))
        with pytest.raises(TypeError, match="consumed"):
            _core.dlpack_import(capsule)
        del holder
    capsule = _core.dlpack_export(FAKE, (3,), (1,), "b", 1, 0, None, False)
    del capsule  # never consumed: its destructor frees it


def test_launch_configurations_are_remembered_exactly():
    @pf.kernel
    def k(x):
        pass

    b = k[4, (32, 2)]  # the first is parsed in Python; later ones are answered in C++
    for c in (b, k[4, (32, 2)], k[4, (32, 2)]):
        assert type(c) is _core.BoundLaunch
        assert (c.griddim, c.blockdim, c.sharedmem, c.stream) == ((4, 1, 1), (32, 2, 1), 0, 0)
    assert k[(4,), 32].blockdim == (32, 1, 1) and k[4, 32, 0, 16].sharedmem == 16
    with pytest.raises(TypeError, match="the grid must be an int"):
        k[4.0, (32, 2)]
    with pytest.raises(TypeError, match="the block must be an int"):
        k[4, (32.0, 2)]
    assert k[np.int64(4), 64].griddim == (4, 1, 1)


def test_launch_configurations_keep_their_kernel_alive_and_no_longer():
    def make():
        @pf.kernel
        def k(x):
            pass

        k[1, 32]  # remembered: the next k[1, 32] is answered in C++
        return k[1, 32], weakref.ref(k)

    launch, ref = make()
    gc.collect()
    assert ref() is not None and ref().__name__ == "k"  # a launch missing later needs its kernel
    del launch
    gc.collect()
    assert ref() is None  # the table's remembered configurations do not keep it
    launch, ref = make()
    ref().launch = launch  # a cycle through the configuration is collected
    del launch
    gc.collect()
    assert ref() is None
    with pytest.raises(TypeError, match="positional arguments only"):
        make()[0](x=1)


def test_launch_configurations_leak_no_references():
    import sys

    @pf.kernel
    def k(x):
        pass

    class Stream:  # a peer's stream: its handle read from .ptr
        ptr = 0x1234

    s = Stream()
    k[2, 64, s]
    before = sys.getrefcount(k), sys.getrefcount(s), len(gc.get_objects())
    for _ in range(1000):
        b = k[2, 64, s]
        assert (b.griddim, b.stream) == ((2, 1, 1), s)
        del b
    gc.collect()
    assert (sys.getrefcount(k), sys.getrefcount(s)) == before[:2]
    assert len(gc.get_objects()) < before[2] + 100


def test_stream_handles_of_streams_and_peers():
    from ptxforge.dispatcher import _stream_handle

    class CupyLike:
        ptr = 0x1234

    class TorchLike:
        cuda_stream = 0x5678

    assert _stream_handle(0) == 0 and _stream_handle(None) == 0
    assert _stream_handle(pf.default_stream()) == 0 and _stream_handle(pf.external_stream(99)) == 99
    assert _stream_handle(CupyLike()) == 0x1234 and _stream_handle(TorchLike()) == 0x5678
    with pytest.raises(TypeError):
        _stream_handle("stream")
