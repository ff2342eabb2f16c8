"""round(x, ndigits) as CPython rounds it (issue 11, part 1).

compiler/LowerRound.cpp rounds the exact product x * 10**n (kept as a rounded
value and its FMA error term) for |n| <= 22, and uses CPython's two-step
fallback beyond. `_device_round` below is that algorithm step for step in
Python, so that it is checked against CPython's round here, without a GPU; the
GPU tests check the device against CPython and numba-cuda's own cases.
"""

import math
import random
from fractions import Fraction

import numpy as np
import pytest

import ptxforge as pf

TWO53 = 2.0**53


def _round_exact(hi, lo):
    """The integer nearest hi + lo (hi the rounding of the sum), ties to even on the exact value."""
    z = float(round(hi))  # Python's round of a float is rint: halves to even
    if abs(hi) >= 2.0**52:  # no halves there (and z + 0.5 would round back to z)
        return z
    if hi == z + 0.5 and lo > 0:
        z += 1.0
    if hi == z - 0.5 and lo < 0:
        z -= 1.0
    return z


def _device_round(v, n):
    if math.isnan(v) or math.isinf(v) or v == 0.0:
        return v
    if abs(n) <= 22:
        p = 10.0 ** abs(n)  # exact
        if n >= 0:
            hi = v * p
            if math.isinf(hi) or abs(hi) >= TWO53:
                return v
            lo = float(Fraction(v) * Fraction(p) - Fraction(hi))  # the FMA's error term, exact
            return _round_exact(hi, lo) / p
        q = v / p
        if abs(q) >= TWO53:
            return v
        r = float(Fraction(v) - Fraction(q) * Fraction(p))  # fma(-q, p, v), exact
        return _round_exact(q, r) * p
    far = min(abs(n), 400)
    if n >= 0:
        pow1 = 10.0 ** (far - 22)
        y = v * pow1 * 1e22
        return v if (math.isinf(y) or abs(y) >= TWO53) else round(y) / 1e22 / pow1
    pow1 = 10.0**far if far <= 308 else math.inf
    if math.isinf(pow1):
        return math.copysign(0.0, v)
    y = v / pow1
    return v if abs(y) >= TWO53 else float(round(y)) * pow1


def test_the_algorithm_is_cpythons_round():
    rnd = random.Random(11)
    cases = [(0.3425, 3), (0.5425, 3), (2.675, 2), (0.125, 2), (-0.5, 0), (1.5, 0), (2.5, 0), (25.0, -1),
             (35.0, -1), (1.7976931348623157e308, 12), (-1.7976931348623157e308, 300), (1e-320, 320),
             (0.12345678987654321 * 10e-15, 23), (123456.789, -22), (5e-324, 0)]
    for _ in range(20000):
        n = rnd.randint(-8, 16)
        mantissa = rnd.choice([rnd.random(), rnd.randint(0, 10**6) / 10 ** rnd.randint(0, 8) + 0.5 * 10.0**-n])
        cases.append((rnd.choice([1, -1]) * mantissa * 10.0 ** rnd.randint(-6, 6), n))
        f32 = float(np.float32(rnd.uniform(-100, 100)))
        cases.append((f32, rnd.randint(-3, 8)))
    for v, n in cases:
        got, want = _device_round(v, n), round(v, n)
        if abs(n) <= 22:
            assert got == want, (v, n, got, want)  # exact for every n numba's tests use
        else:
            assert got == want or abs(got - want) <= 2 * math.ulp(want), (v, n, got, want)


@pf.kernel
def round_to(out, x, n):
    out[0] = round(x, n)


@pf.kernel
def round_whole(out, x):
    out[0] = round(x)


def test_round_to_ptx_uses_an_fma_error_term_and_assembles():
    for sig in ("void(float32[::1], float32, int32)", "void(float64[::1], float64, int64)",
                "void(float16[::1], float16, int32)", "void(int64[::1], int64, int32)"):
        ptx = round_to.inspect_ptx(sig)  # ptxas checks it (conftest)
        if "int64[" not in sig:
            assert "fma.rn.f64" in ptx and "cvt.rni.f64.f64" in ptx, sig
    assert "cvt.rni" in round_whole.inspect_ptx("void(int64[::1], float16)")
    typed = round_to.inspect_types("void(float32[::1], float32, int32)")
    assert "(round(x, n) : float32)" in typed


@pytest.mark.gpu
def test_round_to_matches_cpython_on_the_gpu():
    f4 = pf.jit("void(float32[:], float32, int32)")(round_to.py_func)
    f8 = pf.jit("void(float64[:], float64, int32)")(round_to.py_func)
    a4, a8 = np.zeros(1, np.float32), np.zeros(1, np.float64)
    f4[1, 1](a4, 0.3425, 3)  # numba-cuda's halfway cases
    assert a4[0] == np.float32(round(0.3425, 3))
    f8[1, 1](a8, 0.5425, 3)
    assert a8[0] == round(0.5425, 3) == 0.542
    f4[1, 1](a4, np.finfo(np.float32).max, 300)  # overflow: the value itself, never nan
    assert a4[0] == np.finfo(np.float32).max
    f8[1, 1](a8, np.finfo(np.float64).max, 12)
    assert a8[0] == np.finfo(np.float64).max
    for v in (np.inf, -np.inf):
        f8[1, 1](a8, v, 2)
        assert a8[0] == v
    f8[1, 1](a8, np.nan, 2)
    assert np.isnan(a8[0])
    rng = np.random.default_rng(123)
    for v in rng.random(16):
        for n in (-5, -1, 0, 1, 2, 3, 5, 13, 23):
            f8[1, 1](a8, v, n)
            assert a8[0] == round(float(v), n) or (n > 22 and abs(a8[0] - round(float(v), n)) <= 2 * math.ulp(a8[0]))
            f4[1, 1](a4, v, n)
            assert a4[0] == np.float32(_device_round(float(np.float32(v)), n)), (v, n)
