"""A 2-d kernel: C = A + B * alpha over a grid of 2-d blocks, with .shape."""

import numpy as np

import ptxforge as pf


@pf.kernel("void(float64[:, ::1], float64[:, ::1], float64, float64[:, ::1])")
def matrix_add(a, b, alpha, c):
    i, j = pf.grid(2)
    rows, cols = c.shape
    if i < rows and j < cols:
        c[i, j] = a[i, j] + b[i, j] * alpha


def main():
    rng = np.random.default_rng()
    a = rng.standard_normal((1000, 777))
    b = rng.standard_normal((1000, 777))
    c = np.full_like(a, np.nan)
    block = (16, 16)
    grid = ((a.shape[0] + 15) // 16, (a.shape[1] + 15) // 16)
    matrix_add[grid, block](a, b, 0.5, c)
    np.testing.assert_allclose(c, a + b * 0.5, rtol=1e-15)
    print(f"matrix_add: {c.shape} ok")


if __name__ == "__main__":
    main()
