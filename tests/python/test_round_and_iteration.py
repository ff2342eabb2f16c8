"""round() with Python's halves-to-even, and `for` loops over arrays."""

import numpy as np
import pytest

import ptxforge as pf


@pf.kernel
def rounds(x, n, whole, digits):
    i = pf.grid(1)
    if i < x.size:
        whole[i] = round(x[i])
        digits[i] = round(x[i], n)


@pf.kernel
def sums(v, m, out):
    total = 0.0
    for e in v:
        total += e
    out[0] = total
    k = 0
    for row in m:  # rows of a 2-d array are views
        s = 0.0
        for e in row:
            s += e
        out[1 + k] = s
        k += 1
    for e in v:
        if e > 100.0:
            break
    else:
        out[1 + m.shape[0]] = -1.0


def test_types_and_ptx():
    typed = rounds.inspect_types("void(float64[::1], int64, int64[::1], float64[::1])")
    assert "(round((x[i] : float64)) : int64)" in typed
    ptx = rounds.inspect_ptx("void(float32[::1], int64, int64[::1], float32[::1])")
    assert "cvt.rni" in ptx
    typed = sums.inspect_types("void(float32[::1], float64[:, ::1], float64[::1])")
    assert "row: float64[::1]" in typed


def test_for_over_a_scalar_is_an_error():
    @pf.kernel
    def bad(x):
        for e in x[0]:
            x[0] = e

    with pytest.raises(pf.CompileError, match="runs over range\\(...\\), an array or a tuple, not over float32"):
        bad.inspect_ptx("void(float32[::1])")


@pytest.mark.gpu
def test_round_matches_python(rng):
    x = np.concatenate([rng.uniform(-50, 50, 1000), np.arange(-5.5, 6.0, 1.0), [2.675, 0.125, -0.5]])
    for n in (0, 1, 2, -1):
        whole = np.full(x.size, -999, np.int64)
        digits = np.full(x.size, np.nan)
        rounds[(x.size + 127) // 128, 128](x, n, whole, digits)
        np.testing.assert_array_equal(whole, [round(v) for v in x])
        np.testing.assert_allclose(digits, [round(v, n) for v in x], rtol=0, atol=10.0 ** -max(n, 0) * 1.01)


@pytest.mark.gpu
def test_iteration_matches_numpy(rng):
    v = rng.standard_normal(37, dtype=np.float32)
    m = rng.standard_normal((5, 9))
    out = np.full(1 + m.shape[0] + 1, np.nan)
    sums[1, 1](v, m, out)
    np.testing.assert_allclose(out[0], v.astype(np.float64).sum(), rtol=1e-5)
    np.testing.assert_allclose(out[1:-1], m.sum(axis=1), rtol=1e-12)
    assert out[-1] == -1.0
