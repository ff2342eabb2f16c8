"""Device arrays (numba-cuda's API): copies, views, reshapes, pinned and mapped memory,
launches without copies, and memory freed when arrays go away.

Every test here is marked ``gpu`` and skips where there is no CUDA GPU.
"""

import gc

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core

pytestmark = pytest.mark.gpu


@pf.kernel
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


@pf.kernel
def add_index(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = x[i] + i


@pf.kernel
def scale2d(a):
    i, j = pf.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        a[i, j] = a[i, j] * 2 + i * 100 + j


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint16, np.int32, np.int64, np.float16, np.float32,
                                   np.float64])
def test_round_trip_and_attributes(rng, dtype):
    a = (rng.standard_normal((33, 17)) * 50).astype(dtype)
    d = pf.to_device(a)
    assert isinstance(d, pf.DeviceNDArray)
    assert d.shape == a.shape and d.dtype == a.dtype and d.strides == a.strides
    assert d.size == a.size and d.ndim == 2 and len(d) == 33 and d.nbytes == a.nbytes
    np.testing.assert_array_equal(d.copy_to_host(), a)
    out = np.zeros_like(a)
    assert d.copy_to_host(out) is out
    np.testing.assert_array_equal(out, a)


def test_fortran_order_and_device_array_like(rng):
    a = np.asfortranarray(rng.standard_normal((20, 30)))
    d = pf.to_device(a)
    assert d.is_f_contiguous() and not d.is_c_contiguous()
    np.testing.assert_array_equal(d.copy_to_host(), a)
    e = pf.device_array_like(a)
    assert e.shape == a.shape and e.strides == a.strides
    f = pf.device_array((4, 5), np.int16, order="F")
    assert f.strides == (2, 8)


def test_device_array_like_keeps_the_layout_of_views():
    c, f = pf.device_array((10, 12)), pf.device_array((10, 12), order="F")
    # numba-cuda's expectations (its tests/cudapy/test_array.py), for views of each order.
    assert pf.device_array_like(c[::2, ::2]).strides == (48, 8)
    assert pf.device_array_like(f[::2, ::2]).strides == (8, 40)
    assert pf.device_array_like(f[::2, ::2].T).strides == (40, 8)
    # A 2-d transpose is a new C array, as numba's (its tests/cudapy/test_transpose.py and
    # test_array.py's test_array_like_2d_view_transpose_device), so its like is C as well.
    t = c[::2, ::2].T
    assert t.shape == (6, 5) and t.strides == (40, 8) and t.is_c_contiguous()
    like = pf.device_array_like(t)
    assert like.shape == (6, 5) and like.strides == (40, 8) and like.is_c_contiguous()
    assert pf.device_array_like(np.zeros((10, 12))[::2, ::2].T).strides == (8, 48)  # numpy views keep theirs
    # Usable as any array of that layout, and to_device of a device view keeps the order.
    like.copy_to_device(np.zeros((6, 5)))
    scale2d[1, (8, 8)](like)
    want = np.add.outer(np.arange(6) * 100, np.arange(5)).astype(np.float64)
    np.testing.assert_array_equal(like.copy_to_host(), want)
    host = np.arange(120.0).reshape(10, 12)
    copy = pf.to_device(pf.to_device(host)[::2, ::2].T)
    assert copy.strides == (40, 8)
    np.testing.assert_array_equal(copy.copy_to_host(), host[::2, ::2].T)
    f_view = pf.to_device(np.asfortranarray(host))[::3, 1::2]
    assert pf.to_device(f_view).strides == (8, 32)  # a view's copy keeps its axes' order


def test_transpose_is_numbas():
    host = np.arange(120, dtype=np.int64).reshape(10, 12)
    d = pf.to_device(host)
    t = d[::2, ::2].T  # a copy, C-contiguous, as numba's
    assert (t.shape, t.strides) == ((6, 5), (40, 8))
    np.testing.assert_array_equal(t.copy_to_host(), host[::2, ::2].T)
    t[0, 0] = -1  # not a view of d
    assert d[0, 0] == 0
    assert d.transpose((0, 1)) is d
    with pytest.raises(ValueError):
        d.transpose((0, 0))
    b = pf.to_device(np.arange(24.0).reshape(2, 3, 4))
    v = b.transpose((2, 0, 1))  # other ranks: a view (numba refuses them)
    assert v.strides == (8, 96, 32)
    np.testing.assert_array_equal(v.copy_to_host(), np.arange(24.0).reshape(2, 3, 4).transpose(2, 0, 1))


def test_launch_on_device_arrays_needs_no_copies(rng):
    n = 100_003
    x, y = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    dx, dy, dout = pf.to_device(x), pf.to_device(y), pf.device_array(n, np.float32)
    for a in (2.0, 3.0):  # the second launch takes the C++ fast path
        saxpy[(n + 255) // 256, 256](a, dx, dy, dout)
        np.testing.assert_allclose(dout.copy_to_host(), np.float32(a) * x + y, rtol=1e-6, atol=1e-6)
    assert len(saxpy._fast) >= 1


def test_views_are_strided_and_shared(rng):
    base = rng.integers(-100, 100, 301).astype(np.int64)
    d = pf.to_device(base)
    view = d[1::3]
    assert view.shape == base[1::3].shape and view.strides == base[1::3].strides
    np.testing.assert_array_equal(view.copy_to_host(), base[1::3])
    add_index[2, 128](view)
    expected = base.copy()
    expected[1::3] += np.arange(expected[1::3].size)
    np.testing.assert_array_equal(d.copy_to_host(), expected)
    np.testing.assert_array_equal(d[::-1].copy_to_host(), expected[::-1])
    assert d[5] == expected[5] and d[-1] == expected[-1]


def test_2d_views_and_transpose(rng):
    base = rng.standard_normal((24, 18))
    d = pf.to_device(base)
    for index in [(slice(None, None, 2), slice(1, None)), (slice(3, 9), 4), (Ellipsis, slice(None, None, -3))]:
        np.testing.assert_array_equal(d[index].copy_to_host(), base[index])
    np.testing.assert_array_equal(d.T.copy_to_host(), base.T)
    v = d[::2, 1:]
    scale2d[(2, 3), (16, 8)](v)
    expected = base.copy()
    i, j = np.indices(expected[::2, 1:].shape)
    expected[::2, 1:] = expected[::2, 1:] * 2 + i * 100 + j
    np.testing.assert_allclose(d.copy_to_host(), expected, rtol=1e-15)


def test_setitem_and_copy_into_views(rng):
    d = pf.to_device(np.zeros((6, 8), np.float32))
    d[2:4] = 7
    d[:, 0] = np.arange(6, dtype=np.float32)
    d[5, 5:7] = np.array([1.5, 2.5], np.float32)
    expected = np.zeros((6, 8), np.float32)
    expected[2:4] = 7
    expected[:, 0] = np.arange(6)
    expected[5, 5:7] = [1.5, 2.5]
    np.testing.assert_array_equal(d.copy_to_host(), expected)
    other = pf.to_device(np.ones((6, 8), np.float32))
    d.copy_to_device(other)
    np.testing.assert_array_equal(d.copy_to_host(), 1)


def test_reshape_and_ravel(rng):
    a = rng.standard_normal(24)
    d = pf.to_device(a)
    r = d.reshape(4, 6)
    assert r.shape == (4, 6) and r._ptr == d._ptr
    np.testing.assert_array_equal(r.copy_to_host(), a.reshape(4, 6))
    np.testing.assert_array_equal(d.reshape((2, -1, 3)).copy_to_host(), a.reshape(2, -1, 3))
    np.testing.assert_array_equal(r.ravel().copy_to_host(), a)
    f = pf.to_device(np.asfortranarray(a.reshape(4, 6)))
    np.testing.assert_array_equal(f.reshape(6, 4, order="F").copy_to_host(), a.reshape(4, 6).reshape(6, 4, order="F"))
    with pytest.raises(ValueError):
        d.reshape(5, 5)
    with pytest.raises(NotImplementedError):
        r[:, ::2].reshape(12)


def test_numpy_auto_transfer_still_copies_back(rng):
    x = rng.standard_normal(1000)
    before = x.copy()
    add_index[4, 256](x)
    add_index[4, 256](x)  # never cached by the fast path: numpy arrays need their copies
    np.testing.assert_allclose(x, before + 2 * np.arange(1000))


def test_pinned_array_and_async_copies(rng):
    p = pf.pinned_array((1000,), np.float32)
    assert isinstance(p, np.ndarray) and p.shape == (1000,)
    p[:] = rng.standard_normal(1000).astype(np.float32)
    s = pf.stream()
    d = pf.to_device(p, stream=s)
    out = pf.pinned_array(1000, np.float32)
    d.copy_to_host(out, stream=s)
    s.synchronize()
    np.testing.assert_array_equal(out, p)


def test_mapped_array_is_written_in_place():
    m = pf.mapped_array(500, np.int64)
    m[:] = 0
    add_index[2, 256](m)
    pf.synchronize()
    np.testing.assert_array_equal(m, np.arange(500))
    assert m.__cuda_array_interface__["shape"] == (500,)


@pytest.mark.gpu_only("counts the driver's allocations")
def test_memory_is_freed_when_arrays_go_away():
    gc.collect()
    pf.synchronize()
    live = _core.live_allocations()
    arrays = [pf.device_array(1 << 16, np.float32) for _ in range(50)]
    views = [a[::2] for a in arrays]
    assert _core.live_allocations() == live + 50
    del arrays
    assert _core.live_allocations() == live + 50  # the views keep the memory
    x = views[0]
    add_index[128, 256](x)
    del views, x  # freed while the launch may still run: stream-ordered, so safe
    gc.collect()
    assert _core.live_allocations() == live
    pf.synchronize()


@pytest.mark.gpu_only("the device's memory limit")
def test_out_of_memory_says_how_much():
    total = pf.get_current_device().total_memory
    with pytest.raises(pf.CudaOutOfMemoryError, match=r"asked for \d+ bytes .* MiB free of \d+ MiB"):
        pf.device_array(2 * total, np.uint8)
    d = pf.to_device(np.arange(10))  # still usable
    np.testing.assert_array_equal(d.copy_to_host(), np.arange(10))


def test_gpu_data_is_numbas_memory_pointer():
    a = pf.to_device(np.arange(8, dtype=np.float32))
    assert int(a.gpu_data.device_pointer) == a.__cuda_array_interface__["data"][0]
    view = a[3:]
    assert int(view.gpu_data.device_pointer) == a.__cuda_array_interface__["data"][0] + 12
    assert view.gpu_data.owner is a.gpu_data
