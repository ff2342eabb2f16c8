"""Float atomics: built-in add/max/min, and new ones (multiply, max) built from atomic.cas loops."""

import numpy as np

import ptxforge as pf


@pf.kernel("void(float32[::1], float32[::1])")
def cas_multiply(x, prod):
    i = pf.grid(1)
    if i < x.size:
        old = prod[0]
        while True:
            assumed = old
            old = pf.atomic.cas(prod, 0, assumed, assumed * x[i])
            if old == assumed:  # the values here are positive and finite, so == matches the bits
                break


@pf.kernel("void(float64[::1], float64[::1])")
def cas_max(x, best):
    i = pf.grid(1)
    if i < x.size:
        v = x[i]
        old = best[0]
        while old < v:
            seen = pf.atomic.cas(best, 0, old, v)
            if seen == old:
                break
            old = seen


@pf.kernel("void(float32[::1], float64[::1], float32[::1], float32[::1])")
def builtin_float_atomics(x, total, hi, lo):
    i = pf.grid(1)
    if i < x.size:
        pf.atomic.add(total, 0, pf.float64(x[i]))
        pf.atomic.max(hi, 0, x[i])
        pf.atomic.min(lo, 0, x[i])


def main():
    rng = np.random.default_rng(7)
    n = 4096
    factors = rng.uniform(0.999, 1.001, n).astype(np.float32)
    prod = np.ones(1, np.float32)
    cas_multiply[(n + 255) // 256, 256](factors, prod)
    np.testing.assert_allclose(prod[0], np.prod(factors, dtype=np.float64), rtol=1e-4)

    x = rng.standard_normal(100_000)
    best = np.full(1, -np.inf)
    cas_max[(x.size + 255) // 256, 256](x, best)
    assert best[0] == x.max()

    xs = rng.integers(-50, 50, 100_000).astype(np.float32)  # small integers: every sum is exact
    total = np.zeros(1, np.float64)
    hi = np.full(1, -np.inf, np.float32)
    lo = np.full(1, np.inf, np.float32)
    builtin_float_atomics[(xs.size + 255) // 256, 256](xs, total, hi, lo)
    assert total[0] == xs.sum(dtype=np.float64) and hi[0] == xs.max() and lo[0] == xs.min()
    print("float atomics (cas multiply, cas max, add/max/min) ok")


if __name__ == "__main__":
    main()
