"""Row sums and maxima: a loop per thread over one row, locals typed from their uses."""

import numpy as np

import ptxforge as pf


@pf.kernel("void(float32[:, ::1], float32[::1], float32[::1])")
def row_stats(m, sums, maxima):
    r = pf.grid(1)
    if r >= m.shape[0]:
        return
    s = 0.0  # a weak literal: s becomes float32 from the += below
    best = m[r, 0]
    for c in range(m.shape[1]):
        v = m[r, c]
        s += v
        if v > best:
            best = v
    sums[r] = s
    maxima[r] = best


def main():
    rng = np.random.default_rng()
    m = rng.standard_normal((4099, 300), dtype=np.float32)
    sums = np.full(m.shape[0], np.nan, np.float32)
    maxima = np.full(m.shape[0], np.nan, np.float32)
    row_stats[(m.shape[0] + 127) // 128, 128](m, sums, maxima)
    np.testing.assert_allclose(sums, m.sum(axis=1, dtype=np.float64), rtol=1e-4, atol=1e-3)
    np.testing.assert_array_equal(maxima, m.max(axis=1))
    print(f"row_stats: {m.shape} ok")


if __name__ == "__main__":
    main()
