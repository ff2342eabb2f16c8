"""Warp-shuffle reductions: a sum (float32 and float64, whose shuffles go as two halves) and an int max."""

import numpy as np

import ptxforge as pf

FULL = 0xFFFFFFFF


@pf.kernel("void(float32[::1], float32[::1])")
def warp_sum32(x, total):
    i = pf.grid(1)
    v = x[i] if i < x.size else pf.float32(0)
    offset = 16
    while offset > 0:
        v += pf.shfl_down_sync(FULL, v, offset)
        offset //= 2
    if pf.laneid == 0:
        pf.atomic.add(total, 0, v)


@pf.kernel("void(float64[::1], float64[::1])")
def warp_sum64(x, total):
    i = pf.grid(1)
    v = x[i] if i < x.size else 0.0
    offset = 16
    while offset > 0:
        v += pf.shfl_down_sync(FULL, v, offset)
        offset //= 2
    if pf.laneid == 0:
        pf.atomic.add(total, 0, v)


@pf.kernel("void(int64[::1], int64[::1])")
def warp_max(x, best):
    i = pf.grid(1)
    v = x[i] if i < x.size else -(2**62)
    mask = 1
    while mask < 32:  # butterfly: every lane ends with the warp's maximum
        v = max(v, pf.shfl_xor_sync(FULL, v, mask))
        mask *= 2
    if pf.laneid == 0:
        pf.atomic.max(best, 0, v)


def main():
    rng = np.random.default_rng(2)
    n = 100_000
    x32 = rng.standard_normal(n).astype(np.float32)
    total32 = np.zeros(1, np.float32)
    warp_sum32[(n + 255) // 256, 256](x32, total32)
    np.testing.assert_allclose(total32[0], x32.sum(dtype=np.float64), rtol=1e-4, atol=1e-2)
    # Integers as float64: every partial sum is exact, so the result is too.
    x64 = rng.integers(-1000, 1000, n).astype(np.float64)
    total64 = np.zeros(1, np.float64)
    warp_sum64[(n + 255) // 256, 256](x64, total64)
    assert total64[0] == x64.sum(), (total64[0], x64.sum())
    xi = rng.integers(-(2**40), 2**40, n).astype(np.int64)
    best = np.full(1, -(2**63), np.int64)
    warp_max[(n + 127) // 128, 128](xi, best)
    assert best[0] == xi.max()
    print(f"warp-shuffle reductions of {n} values: float32, float64 and int64 max ok")


if __name__ == "__main__":
    main()
