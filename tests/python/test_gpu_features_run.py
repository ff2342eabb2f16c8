"""GPU execution features on the GPU: every example kernel, atomics' return values and NaN rules,
warp and bit intrinsics against Python, dynamic shared memory, cooperative launches and launch
validation (the context stays usable after a refused launch). Every test here is marked ``gpu``.
"""

import importlib.util
import math
import pathlib

import numpy as np
import pytest

import ptxforge as pf

pytestmark = pytest.mark.gpu

FULL = 0xFFFFFFFF
EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"
GPU_EXAMPLES = ["shared_reduction", "warp_reduction", "scans", "tiled_matmul", "histogram", "bitonic_sort",
                "float_atomics_cas", "stream_compaction", "grid_sync"]


@pytest.mark.parametrize("name", GPU_EXAMPLES)
def test_example(name):
    spec = importlib.util.spec_from_file_location(f"pf_example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main()  # each example checks its own result against numpy


# -- atomics ----------------------------------------------------------------------------


@pf.kernel
def int_atomics(a, old):
    old[0] = pf.atomic.add(a, 0, 5)
    old[1] = pf.atomic.sub(a, 1, 5)
    old[2] = pf.atomic.max(a, 2, 5)
    old[3] = pf.atomic.min(a, 3, 5)
    old[4] = pf.atomic.exch(a, 4, 5)
    old[5] = pf.atomic.and_(a, 5, 6)
    old[6] = pf.atomic.or_(a, 6, 6)
    old[7] = pf.atomic.xor(a, 7, 6)
    old[8] = pf.atomic.cas(a, 8, 9, 1)  # matches: swapped
    old[9] = pf.atomic.cas(a, 9, 0, 1)  # does not match: unchanged


@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint32, np.uint64])
def test_integer_atomics_return_the_old_value(dtype):
    start = np.array([10, 10, 3, 3, 3, 12, 12, 12, 9, 9], dtype)
    a = start.copy()
    old = np.zeros(10, dtype)
    int_atomics[1, 1](a, old)
    np.testing.assert_array_equal(old, start)
    np.testing.assert_array_equal(a, np.array([15, 5, 5, 3, 5, 12 & 6, 12 | 6, 12 ^ 6, 1, 9], dtype))


@pf.kernel
def inc_dec(a, limit, old_inc, old_dec):
    i = pf.grid(1)
    if i < a.size:
        old_inc[i] = pf.atomic.inc(a, i, limit[i])
        old_dec[i] = pf.atomic.dec(a, i + a.size // 2 if i < a.size // 2 else i - a.size // 2, limit[i])


@pytest.mark.parametrize("dtype", [np.uint32, np.uint64])
def test_inc_dec_wrap_like_cuda(dtype):
    # One thread per element pair, so each element sees exactly one inc and one dec.
    start = np.array([0, 4, 5, 9, 0, 3, 5, 7], dtype)
    limit = np.array([5, 5, 5, 5, 5, 5, 5, 5], dtype)
    a = start.copy()
    old_inc = np.zeros_like(a)
    old_dec = np.zeros_like(a)
    inc_dec[1, a.size](a, limit, old_inc, old_dec)

    def inc(v, n):
        return 0 if v >= n else v + 1

    def dec(v, n):
        return n if v == 0 or v > n else v - 1

    # Element j gets inc from thread j and dec from thread (j + 4) % 8; both orders are atomic,
    # so check the two possible results.
    for j in range(a.size):
        v, n = int(start[j]), int(limit[j])
        assert int(a[j]) in (dec(inc(v, n), n), inc(dec(v, n), n))


@pf.kernel
def float_minmax(a, vals, old):
    for j in range(vals.size):
        old[0, j] = pf.atomic.max(a, (0, j), vals[j])
        old[1, j] = pf.atomic.min(a, (1, j), vals[j])
        old[2, j] = pf.atomic.nanmax(a, (2, j), vals[j])
        old[3, j] = pf.atomic.nanmin(a, (3, j), vals[j])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_max_min_nan_rules(dtype):
    nan = np.nan
    # Stored value, new value per column: (1, 2), (2, 1), (nan, 1), (1, nan).
    stored = np.array([1, 2, nan, 1], dtype)
    vals = np.array([2, 1, 1, nan], dtype)
    a = np.tile(stored, (4, 1))
    old = np.zeros((4, 4), dtype)
    float_minmax[1, 1](a, vals, old)
    np.testing.assert_array_equal(old, np.tile(stored, (4, 1)))
    # max/min: any NaN leaves the element; nanmax/nanmin replace a stored NaN, ignore a NaN value.
    np.testing.assert_array_equal(a[0], np.array([2, 2, nan, 1], dtype))
    np.testing.assert_array_equal(a[1], np.array([1, 1, nan, 1], dtype))
    np.testing.assert_array_equal(a[2], np.array([2, 2, 1, 1], dtype))
    np.testing.assert_array_equal(a[3], np.array([1, 1, 1, 1], dtype))


@pf.kernel
def float_add_sub(a, x):
    i = pf.grid(1)
    if i < x.size:
        pf.atomic.add(a, 0, x[i])
        pf.atomic.sub(a, 1, x[i])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_add_sub(dtype):
    x = np.ones(512, dtype)
    a = np.zeros(2, dtype)
    float_add_sub[4, 128](a, x)
    np.testing.assert_array_equal(a, np.array([512, -512], dtype))


# -- warp and bit intrinsics ------------------------------------------------------------


@pf.kernel
def warp_ops(x, out):
    lane = pf.laneid
    v = x[pf.threadIdx.x]
    out[0, lane] = pf.shfl_sync(FULL, v, 31 - lane)
    out[1, lane] = pf.shfl_up_sync(FULL, v, 3)
    out[2, lane] = pf.shfl_down_sync(FULL, v, 3)
    out[3, lane] = pf.shfl_xor_sync(FULL, v, 5)
    out[4, lane] = pf.ballot_sync(FULL, v % 3 == 0)
    out[5, lane] = pf.all_sync(FULL, v >= 0)
    out[6, lane] = pf.any_sync(FULL, v == 7)
    out[7, lane] = pf.eq_sync(FULL, v < 100)
    out[8, lane] = pf.match_any_sync(FULL, v % 4)
    m, same = pf.match_all_sync(FULL, v // 1000)
    out[9, lane] = m
    out[10, lane] = same
    out[11, lane] = pf.activemask()
    out[12, lane] = pf.lanemask_lt()


def test_warp_intrinsics_match_python():
    x = np.arange(32, dtype=np.int64) * 1_000_000_007 % 97  # int64: shuffled as two halves
    out = np.zeros((13, 32), np.int64)
    warp_ops[1, 32](x, out)
    lanes = range(32)
    assert list(out[0]) == [x[31 - i] for i in lanes]
    assert list(out[1]) == [x[i - 3] if i >= 3 else x[i] for i in lanes]
    assert list(out[2]) == [x[i + 3] if i + 3 < 32 else x[i] for i in lanes]
    assert list(out[3]) == [x[i ^ 5] for i in lanes]
    ballot = sum(1 << i for i in lanes if x[i] % 3 == 0)
    assert set(out[4] & 0xFFFFFFFF) == {ballot}
    assert set(out[5]) == {1} and set(out[6]) == {int(7 in x)} and set(out[7]) == {1}
    for i in lanes:
        assert out[8, i] & 0xFFFFFFFF == sum(1 << j for j in lanes if x[j] % 4 == x[i] % 4)
    assert set(out[9] & 0xFFFFFFFF) == {FULL} and set(out[10]) == {1}
    assert set(out[11]) == {FULL}
    assert list(out[12]) == [(1 << i) - 1 for i in lanes]


@pf.kernel
def bit_ops(u, out):
    i = pf.grid(1)
    if i < u.size:
        out[0, i] = pf.popc(u[i])
        out[1, i] = pf.brev(u[i])
        out[2, i] = pf.clz(u[i])
        out[3, i] = pf.ffs(u[i])


def test_bit_intrinsics_match_python(rng):
    u = np.concatenate([[0, 1, 0x80000000, FULL], rng.integers(0, 2**32, 200)]).astype(np.uint32)
    out = np.zeros((4, u.size), np.uint32)
    bit_ops[1, 256](u, out)
    for i, v in enumerate(int(x) for x in u):
        assert out[0, i] == bin(v).count("1")
        assert out[1, i] == int(f"{v:032b}"[::-1], 2)
        assert out[2, i] == 32 - v.bit_length()
        assert out[3, i] == ((v & -v).bit_length() if v else 0)


@pf.kernel
def float_ops(x, out):
    i = pf.grid(1)
    if i < x.size:
        out[0, i] = pf.fma(x[i], 2.0, 1.0)
        out[1, i] = pf.cbrt(x[i])
        out[2, i] = pf.selp(x[i] > 0, x[i], -x[i])


def test_fma_cbrt_selp(rng):
    x = rng.standard_normal(300)
    out = np.zeros((3, x.size))
    float_ops[2, 256](x, out)
    np.testing.assert_array_equal(out[0], x * 2 + 1)
    np.testing.assert_allclose(out[1], np.cbrt(x), rtol=1e-15)
    np.testing.assert_array_equal(out[2], np.abs(x))


@pf.kernel
def block_votes(x, out):
    t = pf.threadIdx.x
    out[0] = pf.syncthreads_count(x[t] > 0)
    out[1] = pf.syncthreads_and(x[t] > -1000)
    out[2] = pf.syncthreads_or(x[t] > 1000)
    t0 = pf.clock64()
    pf.nanosleep(1000)
    if t == 0:
        out[3] = pf.clock64() - t0 > 0


def test_block_votes(rng):
    x = rng.integers(-100, 100, 256).astype(np.int32)
    out = np.zeros(4, np.int32)
    block_votes[1, 256](x, out)
    assert list(out) == [int((x > 0).sum()), 1, 0, 1]


# -- dynamic shared memory --------------------------------------------------------------


@pf.kernel
def reverse_block(x, out, n):
    buf = pf.shared.array(0, pf.float32)
    t = pf.threadIdx.x
    buf[t] = x[t]
    pf.syncthreads()
    out[t] = buf[buf.size - 1 - t]
    if t == 0:
        n[0] = buf.size


def test_dynamic_shared_memory_is_sized_by_the_launch():
    x = np.arange(128, dtype=np.float32)
    out = np.zeros_like(x)
    n = np.zeros(1, np.int64)
    reverse_block[1, 128, 0, 128 * 4](x, out, n)
    assert n[0] == 128
    np.testing.assert_array_equal(out, x[::-1])


# -- cooperative launch and launch validation -------------------------------------------


@pf.kernel
def grid_barrier(a):
    pf.cg.this_grid().sync()
    a[pf.grid(1)] = 1


def test_cooperative_grid_too_large_is_refused_then_the_context_works():
    big = 1 << 20  # far more blocks than can be resident
    with pytest.raises(ValueError, match=r"all its blocks must be resident at once.*at most \d+"):
        grid_barrier[big, 1024](np.zeros(1, np.int8))  # refused before it runs
    a = np.zeros(64 * 128, np.int8)
    grid_barrier[64, 128](a)
    assert a.all()


@pf.kernel
def fill(a):
    i = pf.grid(1)
    if i < a.size:
        a[i] = 7


def test_launch_validation_names_the_limit_and_the_context_stays_usable():
    a = np.zeros(1024, np.int32)
    with pytest.raises(ValueError, match=r"block of 2048 threads .* limit of 1024 threads per block"):
        fill[1, 2048](a)
    with pytest.raises(ValueError, match=r"dynamic shared memory of 1000000 bytes exceeds .* limit"):
        fill[1, 32, 0, 1_000_000](a)
    with pytest.raises(ValueError, match=r"grid dimension y = 70000 exceeds the device's limit of 65535"):
        fill[(1, 70000), 32](a)
    with pytest.raises(ValueError, match=r"a grid or block dimension is 0"):
        fill[0, 32](a)
    with pytest.raises(ValueError):
        fill[-1, 32](a)
    fill[4, 256](a)
    assert (a == 7).all()


@pf.kernel(max_registers=32)
def capped(x, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = math.sin(x[i]) * math.exp(x[i]) / (1.0 + x[i] * x[i])


def test_max_registers_caps_the_kernel(rng):
    x = rng.standard_normal(1000)
    out = np.zeros_like(x)
    capped[4, 256](x, out)
    np.testing.assert_allclose(out, np.sin(x) * np.exp(x) / (1 + x * x), rtol=1e-12)
    assert capped.get_regs_per_thread("void(float64[::1], float64[::1])") <= 32
