"""Zero-copy interop, both ways: CuPy and numba-cuda through __cuda_array_interface__,
torch through DLPack. Checked by pointer equality and by results.

Every test here is marked ``gpu``; each skips when its peer library is not importable.
"""

import numpy as np
import pytest

import ptxforge as pf

pytestmark = pytest.mark.gpu


@pf.kernel
def add_index(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = x[i] + i


@pf.kernel
def axpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


@pf.kernel
def scale2d(a):
    i, j = pf.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        a[i, j] = a[i, j] * 2 + i * 100 + j


def _cupy():
    cp = pytest.importorskip("cupy")
    try:
        cp.cuda.runtime.getDeviceCount()
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"CuPy cannot use the GPU: {e}")
    return cp


def _torch():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch has no CUDA")
    return torch


def test_cai_export_and_import_protocol_fields(pf_target):
    d = pf.to_device(np.arange(12, dtype=np.float32).reshape(3, 4))
    cai = d.__cuda_array_interface__
    assert cai["version"] == 3 and cai["shape"] == (3, 4) and cai["typestr"] == "<f4"
    assert cai["strides"] is None and cai["data"] == (d._ptr, False) and cai["stream"] is None
    v = d[:, ::2]
    assert v.__cuda_array_interface__["strides"] == (16, 8)
    assert pf.as_cuda_array(v)._ptr == v._ptr
    assert pf.is_cuda_array(d) and not pf.is_cuda_array(np.zeros(3))
    # DLPack names where the memory is: a GPU's, or the host's on the CPU target.
    assert d.__dlpack_device__() == ((1, 0) if pf_target == "cpu" else (2, pf.get_current_device().id))


def test_dlpack_round_trip_within_ptxforge():
    d = pf.to_device(np.arange(20, dtype=np.int32))
    e = pf.from_dlpack(d[::2])
    assert e._ptr == d._ptr and e.strides == (8,) and e.shape == (10,)
    np.testing.assert_array_equal(e.copy_to_host(), np.arange(0, 20, 2))


@pytest.mark.gpu_only("CuPy interop (GPU memory)")
def test_cupy_arrays_in_kernels(rng):
    cp = _cupy()
    n = 10_001
    x = cp.asarray(rng.standard_normal(n).astype(np.float32))
    y = cp.asarray(rng.standard_normal(n).astype(np.float32))
    out = cp.empty_like(x)
    for a in (2.0, 0.5):  # the second launch is read by the C++ fast path
        axpy[(n + 255) // 256, 256](a, x, y, out)
        cp.testing.assert_allclose(out, cp.float32(a) * x + y, rtol=1e-6, atol=1e-6)
    assert len(axpy._fast) >= 1 and pf._core.fast_key(2.0, x, y, out) is not None, "not on the C++ fast path"
    base = cp.asarray(rng.standard_normal((40, 30)))
    before = base.copy()
    scale2d[(3, 4), (16, 8)](base[::2, 1:])  # strided, layout A
    expected = cp.asnumpy(before)
    i, j = np.indices(expected[::2, 1:].shape)
    expected[::2, 1:] = expected[::2, 1:] * 2 + i * 100 + j
    np.testing.assert_allclose(cp.asnumpy(base), expected, rtol=1e-15)


@pytest.mark.gpu_only("CuPy interop (GPU memory)")
def test_cupy_pointer_equality_both_ways():
    cp = _cupy()
    c = cp.arange(100, dtype=cp.float64)
    d = pf.as_cuda_array(c)
    assert d._ptr == c.data.ptr and d.shape == c.shape
    add_index[1, 128](d)
    cp.testing.assert_array_equal(c, cp.arange(100) * 2.0)

    mine = pf.to_device(np.arange(50, dtype=np.int64))
    theirs = cp.asarray(mine)
    assert theirs.data.ptr == mine._ptr
    theirs += 1
    np.testing.assert_array_equal(mine.copy_to_host(), np.arange(50) + 1)
    via_dlpack = cp.from_dlpack(mine)
    assert via_dlpack.data.ptr == mine._ptr


@pytest.mark.gpu_only("CuPy interop (GPU memory)")
def test_cupy_stream_is_honoured():
    cp = _cupy()
    s = cp.cuda.Stream(non_blocking=True)
    with s:
        x = cp.zeros(1 << 20, dtype=cp.float32)
        x += 1  # queued on s; the interface names s, so the launch waits for it
        assert x.__cuda_array_interface__.get("stream") in (None, s.ptr)
        add_index[(1 << 20) // 256, 256](x)
    pf.synchronize()
    s.synchronize()
    cp.testing.assert_array_equal(x, 1 + cp.arange(1 << 20, dtype=cp.float32))


@pytest.mark.gpu_only("torch interop (CUDA tensors)")
def test_torch_tensors_in_kernels(rng):
    torch = _torch()
    n = 5000
    x = torch.randn(n, device="cuda")
    y = torch.randn(n, device="cuda")
    out = torch.empty_like(x)
    for a in (3.0, -1.0):
        axpy[(n + 127) // 128, 128](a, x, y, out)
        torch.testing.assert_close(out, a * x + y)
    assert len(axpy._fast) >= 1 and pf._core.fast_key(2.0, x, y, out) is not None, "not on the C++ fast path"
    t = torch.zeros((30, 40), dtype=torch.float64, device="cuda")
    scale2d[(3, 4), (16, 8)](t.T)  # a transposed view: strides honoured
    i, j = np.indices((40, 30))
    np.testing.assert_allclose(t.T.cpu().numpy(), i * 100 + j)
    g = torch.ones(64, device="cuda", requires_grad=True)
    with torch.no_grad():
        add_index[1, 64](g.detach())
    torch.testing.assert_close(g.detach(), 1 + torch.arange(64, device="cuda", dtype=torch.float32))


@pytest.mark.gpu_only("torch interop (CUDA tensors)")
def test_torch_pointer_equality_both_ways():
    torch = _torch()
    t = torch.arange(100, dtype=torch.int64, device="cuda")
    d = pf.from_dlpack(t)
    assert d._ptr == t.data_ptr() and d.shape == (100,) and d.dtype == np.int64
    add_index[1, 128](d)
    assert torch.equal(t, torch.arange(100, device="cuda") * 2)

    mine = pf.to_device(np.arange(60, dtype=np.float32).reshape(6, 10))
    theirs = torch.from_dlpack(mine)
    assert theirs.data_ptr() == mine._ptr and tuple(theirs.shape) == (6, 10)
    theirs.mul_(2)
    np.testing.assert_array_equal(mine.copy_to_host(), np.arange(60, dtype=np.float32).reshape(6, 10) * 2)
    view = torch.from_dlpack(mine[:, 1::3])
    assert view.data_ptr() == mine._ptr + 4 and view.stride() == (10, 3)


@pytest.mark.gpu_only("numba-cuda device arrays (GPU memory)")
def test_numba_device_arrays_in_kernels_and_back():
    np.row_stack = getattr(np, "row_stack", np.vstack)  # numba 0.68 with numpy 2.5
    numba_cuda = pytest.importorskip("numba.cuda")
    if not numba_cuda.is_available():
        pytest.skip("numba-cuda sees no GPU")
    nd = numba_cuda.to_device(np.arange(64, dtype=np.float32))
    add_index[1, 64](nd)
    np.testing.assert_array_equal(nd.copy_to_host(), np.arange(64) * 2)
    mine = pf.to_device(np.ones(16, np.int32))
    theirs = numba_cuda.as_cuda_array(mine)
    assert theirs.__cuda_array_interface__["data"][0] == mine._ptr
    np.testing.assert_array_equal(theirs.copy_to_host(), 1)
