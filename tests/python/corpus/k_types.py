"""Corpus: scalar types, numpy scalar casts, int and float, weak literals."""

import numpy as np

from corpus import Case

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda

N = 64
INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def ints(rng, dtype, n=N):
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)


@cuda.jit
def int_wrap(a, b, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = a[i] * b[i] + a[i] - b[i]


def ref_int_wrap(a, b, out):
    with np.errstate(over="ignore"):
        out[:] = a * b + a - b


@cuda.jit
def bool_xor(a, b, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = (a[i] and not b[i]) or (b[i] and not a[i])


@cuda.jit
def half_arith(a, b, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = a[i] * b[i] + a[i] - b[i]


@cuda.jit
def mixed_float_widths(a32, b64, out32, out64):
    i = cuda.grid(1)
    if i < a32.size:
        out64[i] = a32[i] + b64[i]  # float32 + float64 is float64
        out32[i] = a32[i] + np.float32(b64[i])


def ref_mixed_float_widths(a32, b64, out32, out64):
    out64[:] = a32.astype(np.float64) + b64
    out32[:] = a32 + b64.astype(np.float32)


@cuda.jit
def numpy_scalar_casts(x, n, out_i64, out_f32, out_u8, out_i16):
    i = cuda.grid(1)
    if i < x.size:
        out_i64[i] = np.int64(x[i] * 3.5)  # truncates toward zero
        out_f32[i] = np.float32(x[i]) * np.float32(3.0)
        out_u8[i] = np.uint8(n[i])  # wraps modulo 256
        out_i16[i] = np.int16(np.int32(x[i] * 1000.0))


def ref_numpy_scalar_casts(x, n, out_i64, out_f32, out_u8, out_i16):
    out_i64[:] = np.trunc(x * 3.5).astype(np.int64)
    out_f32[:] = x.astype(np.float32) * np.float32(3.0)
    out_u8[:] = n.astype(np.uint8)
    out_i16[:] = np.trunc(x * 1000.0).astype(np.int32).astype(np.int16)


@cuda.jit
def cuda_scalar_casts(x, out_i32, out_f32):
    i = cuda.grid(1)
    if i < x.size:
        out_i32[i] = cuda.int32(x[i] * 100.0)
        out_f32[i] = cuda.float32(x[i])


def ref_cuda_scalar_casts(x, out_i32, out_f32):
    out_i32[:] = np.trunc(x * 100.0).astype(np.int32)
    out_f32[:] = x.astype(np.float32)


@cuda.jit
def int_is_int64_float_is_float64(out_i, out_f):
    i = cuda.grid(1)
    if i < out_i.size:
        big = 3000000000  # does not fit int32
        out_i[i] = (i + 1) * big
        out_f[i] = float(i) / 3.0


def ref_int_is_int64(out_i, out_f):
    out_i[:] = (np.arange(out_i.size, dtype=np.int64) + 1) * 3000000000
    out_f[:] = np.arange(out_f.size, dtype=np.float64) / 3.0


@cuda.jit
def weak_float_literal(x, out64):
    i = cuda.grid(1)
    if i < x.size:
        out64[i] = (x[i] + 0.1) - x[i]  # float32 throughout with weak literals


def ref_weak_float_literal(x, out64):
    out64[:] = ((x + np.float32(0.1)) - x).astype(np.float64)


@cuda.jit
def weak_int_literal(a, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i] = (a[i] + 100) // 2  # int8 + weak int stays int8 and wraps


def ref_weak_int_literal(a, out):
    with np.errstate(over="ignore"):
        out[:] = (a + np.int8(100)) // np.int8(2)


@cuda.jit
def uint32_div_mod(a, b, q, r):
    i = cuda.grid(1)
    if i < a.size:
        q[i] = a[i] // b[i]
        r[i] = a[i] % b[i]


def ref_div_mod(a, b, q, r):
    q[:] = a // b
    r[:] = a % b


@cuda.jit
def bool_to_number(a, out_i, out_f):
    i = cuda.grid(1)
    if i < a.size:
        out_i[i] = int(a[i]) + int(a[i]) * 2
        out_f[i] = float(a[i]) * 0.5


def ref_bool_to_number(a, out_i, out_f):
    out_i[:] = a.astype(np.int64) * 3
    out_f[:] = a.astype(np.float64) * 0.5


def _f(dtype, lo=-4.0, hi=4.0, n=N):
    return lambda rng: rng.uniform(lo, hi, n).astype(dtype)


@cuda.jit
def bfloat16_arith(a, b, out):
    i = cuda.grid(1)
    if i < out.size:
        x = cuda.bf16.bfloat16(a[i])
        y = cuda.bf16.bfloat16(b[i])
        out[i] = cuda.bf16.bfloat16_to_float32(cuda.bf16.hadd(cuda.bf16.hmul(x, y), x))


def round_bf16(f):
    """float32 values rounded to bfloat16 (nearest even), as float32."""
    u = np.asarray(f, np.float32).view(np.uint32).astype(np.uint64)
    return (((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16).astype(np.uint32).view(np.float32)


def ref_bfloat16_arith(a, b, out):
    x, y = round_bf16(a), round_bf16(b)
    out[:] = round_bf16(round_bf16(x * y) + x)  # __hmul and __hadd each round


CASES = [
    *(Case(int_wrap, name=f"int_wrap_{t}", launch=(2, 32),
           args=lambda rng, t=t: (ints(rng, t), ints(rng, t), np.zeros(N, t)),
           reference=ref_int_wrap, outputs=(2,)) for t in INTS),
    Case(bool_xor, launch=(2, 32),
         args=lambda rng: (rng.random(N) < 0.5, rng.random(N) < 0.5, np.zeros(N, np.bool_)),
         reference=lambda a, b, out: out.__setitem__(..., a ^ b), outputs=(2,)),
    Case(bfloat16_arith, launch=(2, 32), rtol=2 ** -7,
         args=lambda rng: (rng.uniform(-4, 4, N).astype(np.float32), rng.uniform(-4, 4, N).astype(np.float32),
                           np.zeros(N, np.float64)),
         reference=ref_bfloat16_arith, outputs=(2,)),
    Case(half_arith, launch=(2, 32), rtol=4e-3, atol=4e-3,
         args=lambda rng: (rng.uniform(-4, 4, N).astype(np.float16), rng.uniform(-4, 4, N).astype(np.float16),
                           np.zeros(N, np.float16)),
         reference=lambda a, b, out: out.__setitem__(..., a * b + a - b), outputs=(2,)),
    Case(mixed_float_widths, launch=(2, 32),
         args=lambda rng: (rng.standard_normal(N).astype(np.float32), rng.standard_normal(N),
                           np.zeros(N, np.float32), np.zeros(N)),
         reference=ref_mixed_float_widths, outputs=(2, 3)),
    Case(numpy_scalar_casts, launch=(2, 32),
         args=lambda rng: (rng.uniform(-20, 20, N), rng.integers(-1000, 1000, N),
                           np.zeros(N, np.int64), np.zeros(N, np.float32), np.zeros(N, np.uint8),
                           np.zeros(N, np.int16)),
         reference=ref_numpy_scalar_casts, outputs=(2, 3, 4, 5)),
    Case(cuda_scalar_casts, launch=(2, 32),
         args=lambda rng: (rng.uniform(-20, 20, N), np.zeros(N, np.int32), np.zeros(N, np.float32)),
         reference=ref_cuda_scalar_casts, outputs=(1, 2)),
    Case(int_is_int64_float_is_float64, launch=(2, 32),
         args=lambda rng: (np.zeros(N, np.int64), np.zeros(N)),
         reference=ref_int_is_int64, outputs=(0, 1)),
    Case(weak_float_literal, launch=(2, 32),
         args=lambda rng: (rng.uniform(1, 100, N).astype(np.float32), np.zeros(N)),
         reference=ref_weak_float_literal, outputs=(1,),
         numba_differs="numba computes float32 + 0.1 in float64"),
    Case(weak_int_literal, launch=(2, 32),
         args=lambda rng: (ints(rng, np.int8), np.zeros(N, np.int8)),
         reference=ref_weak_int_literal, outputs=(1,),
         numba_differs="numba widens int8 + 100 to int64, so it never wraps"),
    Case(uint32_div_mod, launch=(2, 32),
         args=lambda rng: (ints(rng, np.uint32), rng.integers(1, 2**32, N, dtype=np.uint32),
                           np.zeros(N, np.uint32), np.zeros(N, np.uint32)),
         reference=ref_div_mod, outputs=(2, 3)),
    Case(bool_to_number, launch=(2, 32),
         args=lambda rng: (rng.random(N) < 0.5, np.zeros(N, np.int64), np.zeros(N)),
         reference=ref_bool_to_number, outputs=(1, 2)),
]
