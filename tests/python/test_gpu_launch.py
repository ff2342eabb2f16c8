"""Launching kernels on a GPU: arrays of every layout and dtype, scalars, launch checks.

Every test here is marked ``gpu`` and skips where there is no CUDA GPU.
"""

import numpy as np
import pytest

import ptxforge as pf

pytestmark = pytest.mark.gpu


def blocks_for(n, threads):
    return (n + threads - 1) // threads


@pf.kernel
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


@pytest.mark.parametrize("n", [1, 1000, 100_003])
def test_saxpy(rng, n):
    x = rng.standard_normal(n).astype(np.float32)
    y = rng.standard_normal(n).astype(np.float32)
    out = rng.standard_normal(n).astype(np.float32)
    a = float(rng.uniform(0.5, 3.0))
    saxpy[blocks_for(n, 256), 256](a, x, y, out)
    np.testing.assert_allclose(out, np.float32(a) * x + y, rtol=1e-6, atol=1e-6)


def test_saxpy_float64_and_repeat(rng):
    n = 4097
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    out = np.empty_like(x)
    for a in (2.0, -0.5):
        saxpy[blocks_for(n, 128), 128](a, x, y, out)
        np.testing.assert_allclose(out, a * x + y, rtol=1e-14, atol=1e-14)
    assert ("float", "float64[::1]", "float64[::1]", "float64[::1]") in saxpy.overloads


@pf.kernel
def scale2d(a, out):
    i, j = pf.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        out[i, j] = a[i, j] * 2.0 + i * 10 - j


@pf.kernel
def inplace2d(a):
    i, j = pf.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        a[i, j] = a[i, j] * 3.0 + i - 2 * j


def launch2d(kernel, shape, *args):
    kernel[(blocks_for(shape[0], 16), blocks_for(shape[1], 8)), (16, 8)](*args)


def expected2d(a):
    i, j = np.indices(a.shape)
    return a * 2.0 + i * 10 - j


@pytest.mark.parametrize("order", ["C", "F"])
def test_2d_contiguous(rng, order):
    a = np.asarray(rng.standard_normal((37, 53)), dtype=np.float32, order=order)
    out = np.asarray(rng.standard_normal(a.shape), dtype=np.float32, order=order)
    launch2d(scale2d, a.shape, a, out)
    np.testing.assert_allclose(out, expected2d(a), rtol=1e-6, atol=1e-5)
    layout = "[:, ::1]" if order == "C" else "[::1, :]"
    assert ("float32" + layout, "float32" + layout) in scale2d.overloads


def test_2d_mixed_layouts(rng):
    a = np.asfortranarray(rng.standard_normal((20, 30)))
    out = rng.standard_normal((20, 30))
    launch2d(scale2d, a.shape, a, out)
    np.testing.assert_allclose(out, expected2d(a), rtol=1e-14, atol=1e-12)


def test_2d_non_contiguous_view(rng):
    base = rng.standard_normal((41, 29)).astype(np.float32)
    before = base.copy()
    view = base[::2, 1:]
    assert not view.flags.c_contiguous and not view.flags.f_contiguous
    launch2d(inplace2d, view.shape, view)
    i, j = np.indices(view.shape)
    np.testing.assert_allclose(view, before[::2, 1:] * 3.0 + i - 2 * j, rtol=1e-6, atol=1e-5)
    untouched = np.ones(base.shape, bool)
    untouched[::2, 1:] = False
    np.testing.assert_array_equal(base[untouched], before[untouched])


def test_2d_transposed_and_negative_stride_views(rng):
    base = rng.standard_normal((24, 18))
    for view in (base.T, base[::-1, ::3]):
        out = rng.standard_normal(view.shape)
        launch2d(scale2d, view.shape, view, out)
        np.testing.assert_allclose(out, expected2d(view), rtol=1e-14, atol=1e-12)


@pf.kernel
def strided1d(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = x[i] * 2 + 1


def test_1d_strided_view(rng):
    base = rng.integers(-1000, 1000, 301).astype(np.int32)
    before = base.copy()
    strided1d[4, 32](base[1::3])
    np.testing.assert_array_equal(base[1::3], before[1::3] * 2 + 1)
    mask = np.ones(base.size, bool)
    mask[1::3] = False
    np.testing.assert_array_equal(base[mask], before[mask])


@pf.kernel
def mixed(a32, b64, f64, flags, out):
    i = pf.grid(1)
    if i < out.size:
        if flags[i]:
            out[i] = a32[i] + b64[i] * f64[i]
        else:
            out[i] = a32[i] - f64[i]


@pf.kernel
def compare(x, y, gt):
    i = pf.grid(1)
    if i < x.size:
        gt[i] = x[i] > y[i]


def test_int_float_bool_arrays(rng):
    n = 5000
    a32 = rng.integers(-2**31, 2**31 - 1, n, dtype=np.int32)
    b64 = rng.integers(-2**40, 2**40, n, dtype=np.int64)
    f64 = rng.uniform(-4, 4, n)
    flags = rng.random(n) < 0.5
    out = rng.standard_normal(n)
    mixed[blocks_for(n, 128), 128](a32, b64, f64, flags, out)
    # a32 + b64 * f64 may be one fma: within an ulp or two of the terms' size, not of the
    # (possibly cancelled) result's
    want = np.where(flags, a32 + b64 * f64, a32 - f64)
    scale = np.where(flags, np.abs(a32) + np.abs(b64 * f64), np.abs(a32) + np.abs(f64))
    assert np.all(np.abs(out - want) <= 1e-15 * scale), np.max(np.abs(out - want) / scale)

    x, y = rng.integers(-50, 50, n, dtype=np.int64), rng.integers(-50, 50, n, dtype=np.int64)
    gt = rng.random(n) < 0.5
    compare[blocks_for(n, 128), 128](x, y, gt)
    np.testing.assert_array_equal(gt, x > y)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
                                   np.uint64, np.float16, np.float32, np.float64])
def test_dtypes_roundtrip(rng, dtype):
    n = 777
    if np.dtype(dtype).kind == "f":
        x = rng.uniform(-100, 100, n).astype(dtype)
    else:
        info = np.iinfo(dtype)
        x = rng.integers(max(info.min, -1000), min(info.max, 1000) // 2, n).astype(dtype)
    expected = (x * 2 + 1).astype(dtype)
    strided1d[blocks_for(n, 64), 64](x)
    if np.dtype(dtype).kind == "f":
        np.testing.assert_allclose(x, expected, rtol=1e-3 if dtype == np.float16 else 1e-6)
    else:
        np.testing.assert_array_equal(x, expected)


@pf.kernel
def scalars(n, flag, f, out):
    i = pf.grid(1)
    if i < out.size:
        if flag:
            out[i] = i * n + f
        else:
            out[i] = -1.0


def test_scalar_arguments(rng):
    out = rng.standard_normal(300)
    n = 2**40 + 3  # needs 64 bits
    f = float(rng.uniform(-1, 1))
    scalars[3, 128](n, True, f, out)
    np.testing.assert_allclose(out, np.arange(300) * float(n) + f, rtol=1e-15)
    scalars[3, 128](n, False, f, out)
    np.testing.assert_array_equal(out, -1.0)
    scalars[3, 128](np.int32(-7), np.bool_(True), np.float64(0.1), out)
    np.testing.assert_allclose(out, np.arange(300) * -7 + 0.1, rtol=1e-15)


@pf.kernel
def weak_float(a, x32, out64):
    i = pf.grid(1)
    if i < x32.size:
        x32[i] = x32[i] * a
    if i == 0:
        out64[0] = a


def test_python_float_keeps_double_precision_where_stored_as_float64(rng):
    x = rng.standard_normal(100).astype(np.float32)
    before = x.copy()
    out = rng.standard_normal(1)
    weak_float[1, 128](0.1, x, out)
    assert out[0] == 0.1
    np.testing.assert_allclose(x, before * np.float32(0.1), rtol=1e-6)


def test_block_too_large_then_context_still_works(rng):
    x = rng.integers(-100, 100, 4096).astype(np.int32)
    before = x.copy()
    with pytest.raises(ValueError, match=r"block of 2048 threads.*limit of \d+ threads per block"):
        strided1d[2, 2048](x)
    np.testing.assert_array_equal(x, before)
    with pytest.raises(ValueError, match="1024|limit"):
        strided1d[1, (1024, 2)](x)
    with pytest.raises(ValueError, match="0"):
        strided1d[0, 32](x)
    strided1d[blocks_for(x.size, 1024), 1024](x)
    np.testing.assert_array_equal(x, before * 2 + 1)


def test_wrong_argument_count_and_types(rng):
    x = rng.standard_normal(10).astype(np.float32)
    with pytest.raises(TypeError, match=r"argument 1 \('x'\) is a list"):
        strided1d[1, 32]([1.0, 2.0])
    with pytest.raises(pf.CompileError, match="takes 1 argument"):
        strided1d[1, 32](x, x)


@pf.kernel
def shifts(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = x[i] << 1


def test_typing_error_at_first_launch_is_compile_error(rng):
    ints = rng.integers(1, 100, 50).astype(np.int64)
    shifts[1, 64](ints.copy())
    floats = rng.standard_normal(50).astype(np.float32)
    with pytest.raises(pf.CompileError) as info:
        shifts[1, 64](floats)
    err = info.value
    assert err.filename == __file__
    assert "operator '<<' needs integers" in err.msg
    assert str(err).startswith(f"{__file__}:{err.lineno}:{err.col}: error: ")
    out = ints.copy()
    shifts[1, 64](out)  # the int64 overload still works
    np.testing.assert_array_equal(out, ints << 1)


@pf.kernel
def grid_stride(x, total):
    start = pf.grid(1)
    for i in range(start, x.size, pf.gridsize(1)):
        x[i] = x[i] + total


def test_grid_stride_loop(rng):
    x = rng.standard_normal(100_000)
    before = x.copy()
    grid_stride[7, 64](x, 2.5)
    np.testing.assert_allclose(x, before + 2.5)


@pf.kernel
def wide_index(errors, last):
    # numba's idiom for the global index: int64 like grid(1), so that it does
    # not wrap past 2**31 threads (numba issue 9229).
    i = pf.blockIdx.x * pf.blockDim.x + pf.threadIdx.x
    if i != pf.grid(1) or pf.blockDim.x * pf.gridDim.x != pf.gridsize(1):
        pf.atomic.add(errors, 0, 1)
    if i == pf.gridsize(1) - 1:
        last[0] = i


def test_global_index_idiom_does_not_wrap_past_2_31_threads():
    blocks, threads = 22121216, 256  # 5663031296 threads, more than 2**32
    errors = np.zeros(1, np.int64)
    last = np.zeros(1, np.int64)
    wide_index[blocks, threads](errors, last)
    assert errors[0] == 0
    assert last[0] == blocks * threads - 1


@pytest.mark.gpu_only("the device's compute capability and a cubin's registers")
def test_device_info_and_compile_for_device():
    cc = pf._core.compute_capability(pf._core.current_device())
    assert cc >= (7, 0)
    assert strided1d.compile("void(float32[::1])") == "strided1d"
    regs = strided1d.get_regs_per_thread("void(float32[::1])")
    assert isinstance(regs, int) and 0 < regs <= 255


def _add_one(a):
    i = pf.grid(1)
    if i < a.size:
        a[i] += 1


def test_a_kernel_made_and_launched_in_one_expression():
    import gc

    a = np.zeros(10, np.int32)
    pf.kernel(_add_one)[1, 32](a)  # numba users write cuda.jit(f)[b, t](...)
    launch = pf.kernel(_add_one)[1, 32]  # the configuration keeps its kernel alive
    gc.collect()
    launch(a)
    np.testing.assert_array_equal(a, 2)
