"""saxpy: out = a * x + y, one thread per element."""

import numpy as np

import ptxforge as pf


@pf.kernel("void(float32, float32[::1], float32[::1], float32[::1])")
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


def main():
    rng = np.random.default_rng()
    n = 1_000_003
    x = rng.standard_normal(n, dtype=np.float32)
    y = rng.standard_normal(n, dtype=np.float32)
    out = np.full(n, np.nan, dtype=np.float32)
    threads = 256
    saxpy[(n + threads - 1) // threads, threads](np.float32(2.5), x, y, out)
    # The kernel fuses a*x+y into one FMA, rounded once: compare with the exact
    # (float64) value, not with numpy's float32 a*x rounded before the add.
    np.testing.assert_allclose(out, 2.5 * x.astype(np.float64) + y, rtol=2e-7)
    print(f"saxpy: {n} elements ok")


if __name__ == "__main__":
    main()
