"""Python semantics on the GPU: // and % on negatives, loops, compares, indexing, math.

Each kernel's result is checked against the same computation done by Python
or numpy on the host. Every test here is marked ``gpu``.
"""

import math

import numpy as np
import pytest

import ptxforge as pf

pytestmark = pytest.mark.gpu


def run1d(kernel, n, *args, threads=128):
    kernel[(n + threads - 1) // threads, threads](*args)


@pf.kernel
def floordiv_mod(a, b, q, r):
    i = pf.grid(1)
    if i < a.size:
        q[i] = a[i] // b[i]
        r[i] = a[i] % b[i]


@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_int_floordiv_mod_negative(rng, dtype):
    n = 4000
    a = rng.integers(-1000, 1000, n).astype(dtype)
    b = rng.integers(1, 20, n).astype(dtype) * rng.choice(np.array([-1, 1], dtype), n)
    q, r = rng.integers(-5, 5, n).astype(dtype), rng.integers(-5, 5, n).astype(dtype)
    run1d(floordiv_mod, n, a, b, q, r)
    np.testing.assert_array_equal(q, [int(x) // int(y) for x, y in zip(a, b)])
    np.testing.assert_array_equal(r, [int(x) % int(y) for x, y in zip(a, b)])


def test_float_floordiv_mod_negative(rng):
    n = 4000
    a = rng.uniform(-100, 100, n)
    b = rng.uniform(0.5, 10, n) * rng.choice([-1.0, 1.0], n)
    q, r = rng.standard_normal(n), rng.standard_normal(n)
    run1d(floordiv_mod, n, a, b, q, r)
    np.testing.assert_array_equal(q, [float(x) // float(y) for x, y in zip(a, b)])
    np.testing.assert_allclose(r, [float(x) % float(y) for x, y in zip(a, b)], rtol=1e-12, atol=1e-12)
    assert np.all((r == 0) | (np.sign(r) == np.sign(b))), "a float % takes the sign of the divisor"


def test_float32_floordiv_mod_negative(rng):
    n = 2000
    a = rng.uniform(-100, 100, n).astype(np.float32)
    b = (rng.uniform(0.5, 10, n) * rng.choice([-1.0, 1.0], n)).astype(np.float32)
    q, r = rng.standard_normal(n).astype(np.float32), rng.standard_normal(n).astype(np.float32)
    run1d(floordiv_mod, n, a, b, q, r)
    expected = np.floor_divide(a, b)
    # Off by one is tolerated only where a / b is within rounding of an integer.
    ratio = a.astype(np.float64) / b
    edge = np.abs(ratio - np.round(ratio)) < 1e-5 * np.maximum(np.abs(ratio), 1)
    np.testing.assert_array_equal(q[~edge], expected[~edge])
    assert np.all(np.abs(q[edge] - expected[edge]) <= 1)
    np.testing.assert_allclose(r, np.mod(a, b), rtol=1e-5, atol=1e-5)


@pf.kernel
def literal_divmod(v, out):
    # Runtime operands with literal divisors, then literals only.
    out[0] = v[0] // 2
    out[1] = v[0] % 2
    out[2] = v[0] // -2
    out[3] = v[0] % -2
    out[4] = v[1] // 3.0
    out[5] = v[1] % 3.0
    out[6] = -7 // 2
    out[7] = -7 % 2
    out[8] = 7 % -2
    out[9] = -7.5 // 2
    out[10] = -7.5 % 2
    out[11] = 7 // -2.0


def test_literal_floordiv_mod():
    for a, b in ((-7, -7.5), (7, 7.5), (-1, -0.25)):
        v = np.array([a, b], np.float64)
        out = np.full(12, 99.0)
        literal_divmod[1, 1](v, out)
        expected = [a // 2, a % 2, a // -2, a % -2, b // 3.0, b % 3.0, -7 // 2, -7 % 2, 7 % -2, -7.5 // 2,
                    -7.5 % 2, 7 // -2.0]
        np.testing.assert_array_equal(out, expected)


@pf.kernel
def loops(seeds, steps, found, total):
    i = pf.grid(1)
    if i < seeds.size:
        n = seeds[i]
        s = 0
        while n != 1:
            if n % 2 == 0:
                n //= 2
            else:
                n = 3 * n + 1
            s += 1
            if s >= 200:
                break
        steps[i] = s
        m = seeds[i] % 97 + 3
        for j in range(m):
            if (j * j) % m == 1 and j > 1:
                found[i] = j
                break
        else:
            found[i] = -1
        t = 0
        k = 0
        while k < m:
            k += 1
            if k % 3 == 0:
                continue
            if k > 50:
                break
            t += k
        else:
            t = -t
        total[i] = t


def loops_reference(seed):
    n, s = seed, 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        s += 1
        if s >= 200:
            break
    m = seed % 97 + 3
    for j in range(m):
        if (j * j) % m == 1 and j > 1:
            found = j
            break
    else:
        found = -1
    t = k = 0
    while k < m:
        k += 1
        if k % 3 == 0:
            continue
        if k > 50:
            break
        t += k
    else:
        t = -t
    return s, found, t


def test_loops_break_continue_else(rng):
    n = 3000
    seeds = rng.integers(1, 100_000, n, dtype=np.int64)
    steps, found, total = (rng.integers(-9, 9, n, dtype=np.int64) for _ in range(3))
    run1d(loops, n, seeds, steps, found, total)
    expected = np.array([loops_reference(int(s)) for s in seeds])
    np.testing.assert_array_equal(steps, expected[:, 0])
    np.testing.assert_array_equal(found, expected[:, 1])
    np.testing.assert_array_equal(total, expected[:, 2])


@pf.kernel
def negative_ranges(out):
    i = pf.grid(1)
    if i == 0:
        c = 0
        for k in range(out.size - 1, -1, -1):
            out[k] = c
            c += 1
        s = 0
        for k in range(10, 0, -3):
            s = s * 100 + k
        out[0] = s


def test_negative_step_ranges(rng):
    out = rng.integers(-9, 9, 20, dtype=np.int64)
    negative_ranges[1, 32](out)
    expected = list(range(19, -1, -1))
    expected[0] = 10070401
    np.testing.assert_array_equal(out, expected)


@pf.kernel
def chained(lo, x, hi, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = lo[i] < x[i] <= hi[i] != 5
        if 0 <= i < x.size - 1 > 2:
            out[i] = out[i] and True


def test_chained_compares(rng):
    n = 5000
    lo, x, hi = (rng.integers(0, 10, n) for _ in range(3))
    out = rng.random(n) < 0.5
    run1d(chained, n, lo, x, hi, out)
    np.testing.assert_array_equal(out, (lo < x) & (x <= hi) & (hi != 5))


@pf.kernel
def bool_logic(a, b, out):
    i = pf.grid(1)
    if i < a.size:
        p = a[i] > 0
        q = not (b[i] > 0)
        out[i] = (p and q) or (not p and b[i] == 0) or (p != q and a[i] > 5)


def test_boolean_logic(rng):
    n = 3000
    a, b = rng.integers(-9, 9, n), rng.integers(-2, 3, n)
    out = rng.random(n) < 0.5
    run1d(bool_logic, n, a, b, out)
    p, q = a > 0, ~(b > 0)
    np.testing.assert_array_equal(out, (p & q) | (~p & (b == 0)) | ((p != q) & (a > 5)))


@pf.kernel
def negative_index(x, out):
    i = pf.grid(1)
    if i == 0:
        out[0] = x[-1]
        out[1] = x[-x.size]
        out[-1] = x[1]


def test_negative_indices_wrap(rng):
    x = rng.standard_normal(17)
    out = rng.standard_normal(3)
    negative_index[1, 1](x, out)
    np.testing.assert_array_equal(out, [x[-1], x[0], x[1]])


@pf.kernel
def tuples(x, out):
    i = pf.grid(1)
    if i < x.size:
        a, b = x[i], i
        a, b = b, a
        t = (a, b, 3)
        out[i] = t[0] * 10 + t[1] + t[2]


def test_tuples_and_swaps(rng):
    x = rng.integers(-100, 100, 500)
    out = rng.integers(-5, 5, 500)
    run1d(tuples, 500, x, out)
    np.testing.assert_array_equal(out, np.arange(500) * 10 + x + 3)


UNARY = ["sqrt", "sin", "cos", "tan", "exp", "log", "log10", "log2", "log1p", "expm1", "tanh", "sinh", "cosh",
         "asin", "acos", "atan", "asinh", "atanh", "floor", "ceil", "trunc", "fabs", "erf", "erfc"]
DOMAIN = {"sqrt": (0, 50), "log": (0.01, 50), "log10": (0.01, 50), "log2": (0.01, 50), "log1p": (-0.9, 50),
          "asin": (-1, 1), "acos": (-1, 1), "atanh": (-0.99, 0.99), "exp": (-20, 20), "expm1": (-5, 5),
          "sinh": (-10, 10), "cosh": (-10, 10)}


@pf.kernel
def all_math(x, out):
    i = pf.grid(1)
    if i < x.shape[1]:
        out[0, i] = math.sqrt(x[0, i])
        out[1, i] = math.sin(x[1, i])
        out[2, i] = math.cos(x[2, i])
        out[3, i] = math.tan(x[3, i])
        out[4, i] = math.exp(x[4, i])
        out[5, i] = math.log(x[5, i])
        out[6, i] = math.log10(x[6, i])
        out[7, i] = math.log2(x[7, i])
        out[8, i] = math.log1p(x[8, i])
        out[9, i] = math.expm1(x[9, i])
        out[10, i] = math.tanh(x[10, i])
        out[11, i] = math.sinh(x[11, i])
        out[12, i] = math.cosh(x[12, i])
        out[13, i] = math.asin(x[13, i])
        out[14, i] = math.acos(x[14, i])
        out[15, i] = math.atan(x[15, i])
        out[16, i] = math.asinh(x[16, i])
        out[17, i] = math.atanh(x[17, i])
        out[18, i] = math.floor(x[18, i])
        out[19, i] = math.ceil(x[19, i])
        out[20, i] = math.trunc(x[20, i])
        out[21, i] = math.fabs(x[21, i])
        out[22, i] = math.erf(x[22, i])
        out[23, i] = math.erfc(x[23, i])


@pytest.mark.parametrize("dtype,rtol,atol", [(np.float32, 2e-6, 1e-6), (np.float64, 1e-14, 1e-15)])
def test_math_functions(rng, dtype, rtol, atol):
    n = 1000
    x = np.empty((len(UNARY), n), dtype)
    for row, name in enumerate(UNARY):
        lo, hi = DOMAIN.get(name, (-3, 3))
        x[row] = rng.uniform(lo, hi, n)
    out = rng.standard_normal(x.shape).astype(dtype)
    run1d(all_math, n, x, out)
    for row, name in enumerate(UNARY):
        ref = np.array([getattr(math, name)(float(v)) for v in x[row]], np.float64).astype(dtype)
        # float32 libdevice functions are within a few ulp.
        scale = np.maximum(np.abs(ref), 1.0) if name in ("sin", "cos", "tan") else np.abs(ref)
        err = np.abs(out[row].astype(np.float64) - ref) - atol
        assert np.all(err <= 4 * rtol * scale), f"math.{name}: worst {np.max(err / np.maximum(scale, 1e-30))}"


@pf.kernel
def binary_math(x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[0, i] = math.atan2(x[i], y[i])
        out[1, i] = math.pow(abs(x[i]), y[i])
        out[2, i] = math.hypot(x[i], y[i])
        out[3, i] = math.copysign(x[i], y[i])
        out[4, i] = math.fmod(x[i], y[i])
        out[5, i] = abs(x[i]) ** y[i]
        out[6, i] = min(x[i], y[i]) + max(x[i], y[i])


def test_binary_math(rng):
    n = 1000
    x, y = rng.uniform(-3, 3, n).astype(np.float32), rng.uniform(0.25, 3, n).astype(np.float32)
    y *= rng.choice(np.array([-1, 1], np.float32), n)
    out = rng.standard_normal((7, n)).astype(np.float32)
    run1d(binary_math, n, x, y, out)
    xd, yd = x.astype(np.float64), y.astype(np.float64)
    ref = [np.arctan2(xd, yd), np.abs(xd) ** yd, np.hypot(xd, yd), np.copysign(xd, yd), np.fmod(xd, yd),
           np.abs(xd) ** yd, xd + yd]
    for row, expected in enumerate(ref):
        np.testing.assert_allclose(out[row], expected, rtol=2e-5, atol=2e-6, err_msg=f"row {row}")


@pf.kernel
def sqrt_f32(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = math.sqrt(x[i]) * 2.0


def test_float32_math_stays_float32(rng):
    x = rng.uniform(0, 100, 999).astype(np.float32)
    expected = np.sqrt(x) * np.float32(2.0)
    run1d(sqrt_f32, x.size, x)
    np.testing.assert_array_equal(x, expected)  # sqrt.rn.f32 and a float32 multiply are exact ops
