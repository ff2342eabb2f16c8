"""Corpus: builtins (min max abs round int float bool range len) and the math module."""

import math

import numpy as np

from corpus import Case

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda

N = 64


def _vec(f):
    return np.vectorize(f, otypes=[np.float64])


@cuda.jit
def min_max_abs(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i, 0] = min(a[i], b[i])
        out[i, 1] = max(a[i], b[i], 0)
        out[i, 2] = abs(a[i] - b[i])
        out[i, 3] = min(abs(a[i]), 5)


def ref_min_max_abs(a, b, out):
    out[:, 0] = np.minimum(a, b)
    out[:, 1] = np.maximum(np.maximum(a, b), 0)
    out[:, 2] = np.abs(a - b)
    out[:, 3] = np.minimum(np.abs(a), 5)


@cuda.jit
def min_max_float(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i, 0] = max(x[i], 0.25)
        out[i, 1] = min(x[i], -x[i], 1.5)
        out[i, 2] = abs(x[i])


def ref_min_max_float(x, out):
    out[:, 0] = np.maximum(x, np.float32(0.25))
    out[:, 1] = np.minimum(np.minimum(x, -x), np.float32(1.5))
    out[:, 2] = np.abs(x)


@cuda.jit
def abs_int8_wraps(a, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i] = abs(a[i])


@cuda.jit
def round_builtin(x, out_i, out_f):
    i = cuda.grid(1)
    if i < x.size:
        out_i[i] = round(x[i])  # an int, halves to even
        out_f[i] = round(x[i], 2)


def ref_round(x, out_i, out_f):
    out_i[:] = np.rint(x).astype(np.int64)
    out_f[:] = [round(float(v), 2) for v in x]


def _round_args(rng):
    x = rng.uniform(-20, 20, N)
    x[:8] = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 0.0]
    return x, np.zeros(N, np.int64), np.zeros(N)


@cuda.jit
def int_float_bool_builtins(x, n, out_i, out_f, out_b):
    i = cuda.grid(1)
    if i < x.size:
        out_i[i] = int(x[i]) + int(n[i] > 2)
        out_f[i] = float(n[i]) / 4
        out_b[i, 0] = bool(x[i])
        out_b[i, 1] = bool(n[i])


def ref_int_float_bool(x, n, out_i, out_f, out_b):
    out_i[:] = np.trunc(x).astype(np.int64) + (n > 2)
    out_f[:] = n / 4
    out_b[:, 0] = x != 0
    out_b[:, 1] = n != 0


@cuda.jit
def range_len_builtins(a, out):
    i = cuda.grid(1)
    if i < len(out):
        s = 0
        for j in range(len(a)):
            s += a[j] * (j % (i + 1))
        out[i] = s + len(range(i, 20, 3))


def ref_range_len(a, out):
    for i in range(len(out)):
        out[i] = sum(int(a[j]) * (j % (i + 1)) for j in range(len(a))) + len(range(i, 20, 3))


@cuda.jit
def math_any_real(x, out):
    i = cuda.grid(1)
    if i < x.size:
        v = x[i]
        out[i, 0] = math.exp(v)
        out[i, 1] = math.expm1(v)
        out[i, 2] = math.sin(v)
        out[i, 3] = math.cos(v)
        out[i, 4] = math.tan(v)
        out[i, 5] = math.atan(v)
        out[i, 6] = math.sinh(v)
        out[i, 7] = math.cosh(v)
        out[i, 8] = math.tanh(v)
        out[i, 9] = math.asinh(v)
        out[i, 10] = math.erf(v)
        out[i, 11] = math.erfc(v)
        out[i, 12] = math.fabs(v)


def ref_math_any(x, out):
    fs = [np.exp, np.expm1, np.sin, np.cos, np.tan, np.arctan, np.sinh, np.cosh, np.tanh, np.arcsinh,
          _vec(math.erf), _vec(math.erfc), np.fabs]
    for k, f in enumerate(fs):
        out[:, k] = f(x)


@cuda.jit
def math_positive(x, out):
    i = cuda.grid(1)
    if i < x.size:
        v = x[i]
        out[i, 0] = math.sqrt(v)
        out[i, 1] = math.log(v)
        out[i, 2] = math.log1p(v)
        out[i, 3] = math.log2(v)
        out[i, 4] = math.log10(v)
        out[i, 5] = math.gamma(v)
        out[i, 6] = math.lgamma(v)
        out[i, 7] = math.acosh(v + 1.0)


def ref_math_positive(x, out):
    fs = [np.sqrt, np.log, np.log1p, np.log2, np.log10, _vec(math.gamma), _vec(math.lgamma),
          lambda v: np.arccosh(v + 1.0)]
    for k, f in enumerate(fs):
        out[:, k] = f(x)


@cuda.jit
def math_unit_interval(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i, 0] = math.asin(x[i])
        out[i, 1] = math.acos(x[i])
        out[i, 2] = math.atanh(x[i])


def ref_math_unit(x, out):
    out[:, 0], out[:, 1], out[:, 2] = np.arcsin(x), np.arccos(x), np.arctanh(x)


@cuda.jit
def math_float32(x, out):
    i = cuda.grid(1)
    if i < x.size:
        v = x[i]
        out[i, 0] = math.sqrt(v) * 2.0
        out[i, 1] = math.exp(v)
        out[i, 2] = math.log(v)
        out[i, 3] = math.sin(v) + math.cos(v)
        out[i, 4] = math.tanh(v)
        out[i, 5] = math.pow(v, 1.5)


def ref_math_float32(x, out):
    x = x.astype(np.float64)
    out[:, 0], out[:, 1], out[:, 2] = np.sqrt(x) * 2.0, np.exp(x), np.log(x)
    out[:, 3], out[:, 4], out[:, 5] = np.sin(x) + np.cos(x), np.tanh(x), x**1.5


@cuda.jit
def math_binary(x, y, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i, 0] = math.pow(abs(x[i]), y[i])
        out[i, 1] = math.atan2(x[i], y[i])
        out[i, 2] = math.hypot(x[i], y[i])
        out[i, 3] = math.copysign(x[i], y[i])
        out[i, 4] = math.fmod(x[i], y[i])


def ref_math_binary(x, y, out):
    out[:, 0] = np.abs(x) ** y
    out[:, 1], out[:, 2] = np.arctan2(x, y), np.hypot(x, y)
    out[:, 3], out[:, 4] = np.copysign(x, y), np.fmod(x, y)


@cuda.jit
def math_rounding(x, out_i, out_f):
    i = cuda.grid(1)
    if i < x.size:
        out_i[i, 0] = math.floor(x[i])  # int64, as in Python
        out_i[i, 1] = math.ceil(x[i])
        out_i[i, 2] = math.trunc(x[i])
        out_f[i] = math.floor(x[i]) / 2


def ref_math_rounding(x, out_i, out_f):
    out_i[:, 0], out_i[:, 1], out_i[:, 2] = np.floor(x), np.ceil(x), np.trunc(x)
    out_f[:] = np.floor(x) / 2


@cuda.jit
def math_predicates(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i, 0] = math.isnan(x[i])
        out[i, 1] = math.isinf(x[i])
        out[i, 2] = math.isfinite(x[i])


def ref_math_predicates(x, out):
    out[:, 0], out[:, 1], out[:, 2] = np.isnan(x), np.isinf(x), np.isfinite(x)


def _special_values(rng):
    x = rng.standard_normal(N)
    x[::5] = np.nan
    x[1::7] = np.inf
    x[2::9] = -np.inf
    return x, np.zeros((N, 3), np.bool_)


@cuda.jit
def math_constants(out):
    if cuda.grid(1) == 0:
        out[0] = math.pi
        out[1] = math.e
        out[2] = math.tau
        out[3] = -math.inf
        out[4] = math.pi * 2.0 - math.tau


CASES = [
    Case(min_max_abs, launch=(2, 32),
         args=lambda rng: (rng.integers(-20, 20, N).astype(np.int32), rng.integers(-20, 20, N).astype(np.int32),
                           np.zeros((N, 4), np.int32)),
         reference=ref_min_max_abs, outputs=(2,)),
    Case(min_max_float, launch=(2, 32),
         args=lambda rng: (rng.uniform(-3, 3, N).astype(np.float32), np.zeros((N, 3), np.float32)),
         reference=ref_min_max_float, outputs=(1,)),
    Case(abs_int8_wraps, launch=(2, 32),
         args=lambda rng: (np.concatenate([[-128, 127, 0, -1], rng.integers(-128, 128, N - 4)]).astype(np.int8),
                           np.zeros(N, np.int8)),
         reference=lambda a, out: out.__setitem__(..., np.abs(a)), outputs=(1,)),
    Case(round_builtin, launch=(2, 32), args=_round_args, reference=ref_round, outputs=(1, 2), rtol=1e-15),
    Case(int_float_bool_builtins, launch=(2, 32),
         args=lambda rng: (np.concatenate([[0.0, -0.0, 2.7, -2.7], rng.uniform(-9, 9, N - 4)]),
                           rng.integers(-5, 6, N), np.zeros(N, np.int64), np.zeros(N), np.zeros((N, 2), np.bool_)),
         reference=ref_int_float_bool, outputs=(2, 3, 4)),
    Case(range_len_builtins, launch=(1, 32),
         args=lambda rng: (rng.integers(-5, 6, 17).astype(np.int32), np.zeros(32, np.int64)),
         reference=ref_range_len, outputs=(1,)),
    Case(math_any_real, launch=(2, 32), rtol=1e-13, atol=1e-15,
         args=lambda rng: (rng.uniform(-3, 3, N), np.zeros((N, 13))), reference=ref_math_any, outputs=(1,)),
    Case(math_positive, launch=(2, 32), rtol=1e-12, atol=1e-15,
         args=lambda rng: (rng.uniform(0.1, 6, N), np.zeros((N, 8))), reference=ref_math_positive, outputs=(1,)),
    Case(math_unit_interval, launch=(2, 32), rtol=1e-13, atol=1e-15,
         args=lambda rng: (rng.uniform(-0.95, 0.95, N), np.zeros((N, 3))), reference=ref_math_unit, outputs=(1,)),
    Case(math_float32, launch=(2, 32), rtol=2e-6, atol=1e-6,
         args=lambda rng: (rng.uniform(0.1, 4, N).astype(np.float32), np.zeros((N, 6), np.float32)),
         reference=ref_math_float32, outputs=(1,),
         numba_differs="numba computes math.sqrt(float32) * 2.0 in float64"),
    Case(math_binary, launch=(2, 32), rtol=1e-13, atol=1e-15,
         args=lambda rng: (rng.uniform(-4, 4, N), rng.uniform(0.2, 3, N) * rng.choice([-1.0, 1.0], N),
                           np.zeros((N, 5))),
         reference=ref_math_binary, outputs=(2,)),
    Case(math_rounding, launch=(2, 32),
         args=lambda rng: (np.concatenate([[-0.5, 0.5, -2.0, 2.0], rng.uniform(-9, 9, N - 4)]),
                           np.zeros((N, 3), np.int64), np.zeros(N)),
         reference=ref_math_rounding, outputs=(1, 2)),
    Case(math_predicates, launch=(2, 32), args=_special_values, reference=ref_math_predicates, outputs=(1,)),
    Case(math_constants, launch=(1, 1), args=lambda rng: (np.zeros(5),),
         reference=lambda out: out.__setitem__(..., [math.pi, math.e, math.tau, -math.inf, math.pi * 2 - math.tau]),
         outputs=(0,)),
]
