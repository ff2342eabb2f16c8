"""round() with Python's halves-to-even, and `for` loops over arrays, enumerate() and zip()."""

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

    with pytest.raises(pf.CompileError, match="runs over range\\(...\\), an array, a tuple, enumerate\\(...\\) or zip\\(...\\), not over float32"):
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


WEIGHTS = (0.5, 2, 4.0)


@pf.kernel
def walks(x, y, m, out):
    # enumerate with and without a start, zip of arrays of two lengths, and the two nested
    for i, v in enumerate(x):
        out[0, i] = i * 1000 + v
    for i, v in enumerate(x, 10):
        out[1, i - 10] = i
    k = 0
    for a, b in zip(x, y):  # stops at the shorter
        out[2, k] = a - b
        k += 1
    out[3, 0] = k
    for i, (a, b) in enumerate(zip(x, y)):
        out[4, i] = i + a * b
    for (i, a), b in zip(enumerate(x), range(5, 100, 3)):
        out[5, i] = a + b
    for i, row in enumerate(m):  # rows of a 2-d array are views
        for j, e in enumerate(row):
            out[6, i * m.shape[1] + j] = e
    for i, w in enumerate(WEIGHTS):  # a tuple's elements, joined to float64
        out[7, i] = w
    for r, t in zip(range(3), WEIGHTS):
        out[8, r] = r + t
    else:
        out[3, 1] = -1.0


def test_enumerate_zip_types_and_ptx():
    sig = "void(int32[::1], float32[:], float64[:, ::1], float64[:, ::1])"
    typed = walks.inspect_types(sig)
    assert "enumerate(Tuple(int64, int32))" in typed
    assert "zip(Tuple(int32, float32))" in typed
    assert "row: float64[::1]" in typed
    assert "w: float64" in typed
    assert "st.global.f64" in walks.inspect_ptx(sig)


@pytest.mark.parametrize("source, message", [
    ("for i in enumerate(x[0]):\n        x[0] = i", "enumerate\\(\\) in a kernel runs over range"),
    ("for i in zip():\n        pass", "zip\\(\\) in a kernel takes one or more iterables"),
    ("e = enumerate(x)", "cannot store enumerate\\(Tuple\\(int64, float32\\)\\) in variable 'e'"),
    ("for a, b in x:\n        pass", "must be a single name"),
    ("for i, v in enumerate(x, 1.5):\n        pass", "enumerate\\(\\)'s start"),
])
def test_enumerate_zip_errors(make_module, source, message):
    mod = make_module(f"import ptxforge as pf\n\n@pf.kernel\ndef bad(x):\n    {source}\n")
    with pytest.raises(pf.CompileError, match=message) as info:
        mod.bad.inspect_ptx("void(float32[::1])")
    assert ":5:" in str(info.value)


@pytest.mark.gpu
def test_enumerate_zip_match_python(rng):
    x = rng.integers(-50, 50, 11).astype(np.int32)
    y = rng.standard_normal(16).astype(np.float32)[::2]  # a strided view of 8
    m = rng.standard_normal((3, 5))
    out = np.zeros((9, 16))
    walks[1, 1](x, y, m, out)
    expected = np.zeros_like(out)
    walks.py_func(x, y, m, expected)  # Python's own enumerate and zip
    np.testing.assert_allclose(out, expected, rtol=1e-6)
