"""Corpus: arithmetic with Python's // and %, **, bit operations and shifts, comparisons,
and/or/not, ternaries, unary operators, augmented assignment."""

import numpy as np

from corpus import Case

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda

N = 64


@cuda.jit
def floordiv_mod(a, b, q, r):
    i = cuda.grid(1)
    if i < a.size:
        q[i] = a[i] // b[i]
        r[i] = a[i] % b[i]


def ref_floordiv_mod(a, b, q, r):
    q[:] = np.floor_divide(a, b)
    r[:] = np.mod(a, b)


def _nonzero(rng, dtype, lo, hi):
    v = rng.integers(lo, hi, N).astype(dtype)
    v[v == 0] = 3
    return v


@cuda.jit
def true_division(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i] = a[i] / b[i]  # int / int is float64


@cuda.jit
def add_sub_mul_neg(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i, 0] = a[i] + b[i]
        out[i, 1] = a[i] - b[i]
        out[i, 2] = a[i] * b[i]
        out[i, 3] = -a[i]
        out[i, 4] = +b[i]


def ref_add_sub_mul_neg(a, b, out):
    out[:, 0], out[:, 1], out[:, 2], out[:, 3], out[:, 4] = a + b, a - b, a * b, -a, b


@cuda.jit
def powers(x, n, out_f, out_i):
    i = cuda.grid(1)
    if i < x.size:
        out_f[i, 0] = x[i] ** 2.5
        out_f[i, 1] = x[i] ** n[i]  # float ** int
        out_f[i, 2] = 2.0 ** -x[i]
        out_i[i] = n[i] ** 3 + 2 ** n[i]  # int ** non-negative int is an int


def ref_powers(x, n, out_f, out_i):
    out_f[:, 0] = x**2.5
    out_f[:, 1] = x ** n.astype(np.float64)
    out_f[:, 2] = 2.0**-x
    out_i[:] = n**3 + 2**n


@cuda.jit
def bitwise(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i, 0] = a[i] & b[i]
        out[i, 1] = a[i] | b[i]
        out[i, 2] = a[i] ^ b[i]
        out[i, 3] = ~a[i]
        out[i, 4] = (a[i] & 0xFF) | (b[i] << 8 & 0xFF00)


def ref_bitwise(a, b, out):
    out[:, 0], out[:, 1], out[:, 2], out[:, 3] = a & b, a | b, a ^ b, ~a
    out[:, 4] = (a & 0xFF) | (b << 8 & 0xFF00)


@cuda.jit
def shifts_uint32(a, s, left, right):
    i = cuda.grid(1)
    if i < a.size:
        left[i] = a[i] << s[i]  # wraps at 32 bits when stored
        right[i] = a[i] >> s[i]


def ref_shifts(a, s, left, right):
    left[:] = a << s
    right[:] = a >> s


@cuda.jit
def shifts_int64_negative(a, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i, 0] = a[i] >> 3  # arithmetic: rounds toward minus infinity
        out[i, 1] = a[i] << 60  # wraps at 64 bits
        out[i, 2] = (a[i] << 4) >> 2


def ref_shifts_int64(a, out):
    out[:, 0] = a >> 3
    out[:, 1] = a << 60
    out[:, 2] = (a << 4) >> 2


@cuda.jit
def shift_wrap_int8(a, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i] = (a[i] << 3) >> 1  # int8 << weak int stays int8 and wraps


@cuda.jit
def int32_overflow_sign(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i] = (a[i] + b[i]) < 0


def ref_int32_overflow_sign(a, b, out):
    with np.errstate(over="ignore"):
        out[:] = (a + b) < 0


@cuda.jit
def comparisons(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i, 0] = a[i] < b[i]
        out[i, 1] = a[i] <= b[i]
        out[i, 2] = a[i] > b[i]
        out[i, 3] = a[i] >= b[i]
        out[i, 4] = a[i] == b[i]
        out[i, 5] = a[i] != b[i]


def ref_comparisons(a, b, out):
    out[:, 0], out[:, 1], out[:, 2] = a < b, a <= b, a > b
    out[:, 3], out[:, 4], out[:, 5] = a >= b, a == b, a != b


def _cmp_args(rng):
    a = rng.integers(-3, 4, N).astype(np.float64)
    b = rng.integers(-3, 4, N).astype(np.float64)
    a[::7] = np.nan
    return a, b, np.zeros((N, 6), np.bool_)


@cuda.jit
def chained_comparisons(a, lo, hi, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i, 0] = lo < a[i] <= hi
        out[i, 1] = a[i] < 0 < hi != a[i]
        out[i, 2] = a[0] == a[i] == a[a.size - 1]


def ref_chained(a, lo, hi, out):
    out[:, 0] = (lo < a) & (a <= hi)
    out[:, 1] = (a < 0) & (0 < hi) & (hi != a)
    out[:, 2] = (a[0] == a) & (a == a[-1])


@cuda.jit(device=True)
def bump(counts, i):
    counts[i] += 1
    return True


@cuda.jit
def short_circuit(a, counts, out):
    i = cuda.grid(1)
    if i < a.size:
        # bump() runs only where the left operand does not decide
        x = a[i] > 0 or bump(counts, i)
        y = a[i] > 5 and bump(counts, i)
        out[i] = x and not y


def ref_short_circuit(a, counts, out):
    counts += (a <= 0).astype(counts.dtype) + (a > 5).astype(counts.dtype)
    out[:] = ~(a > 5)


@cuda.jit
def and_or_operands(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i, 0] = a[i] and b[i]  # the deciding operand, not a bool
        out[i, 1] = a[i] or b[i]
        out[i, 2] = not a[i]


def ref_and_or_operands(a, b, out):
    out[:, 0] = np.where(a != 0, b, a)
    out[:, 1] = np.where(a != 0, a, b)
    out[:, 2] = a == 0


@cuda.jit
def ternary_unary(x, out):
    i = cuda.grid(1)
    if i < x.size:
        v = x[i]
        out[i, 0] = v if v > 0 else -v
        out[i, 1] = -v if not v > 1 else +v * 2
        out[i, 2] = 1 if v > 2 else (2 if v > 0 else 3)


def ref_ternary_unary(x, out):
    out[:, 0] = np.where(x > 0, x, -x)
    out[:, 1] = np.where(~(x > 1), -x, x * 2)
    out[:, 2] = np.where(x > 2, 1, np.where(x > 0, 2, 3))


@cuda.jit
def augmented_scalars(a, out):
    i = cuda.grid(1)
    if i < a.size:
        s = a[i]
        s += 7
        s -= 2
        s *= 3
        s //= 2
        s %= 1000
        s **= 2
        s <<= 2
        s >>= 1
        s |= 1
        s &= 0xFFFF
        s ^= 0x55
        out[i] = s


def ref_augmented_scalars(a, out):
    s = a.copy()
    s += 7
    s -= 2
    s *= 3
    s //= 2
    s %= 1000
    s **= 2
    s <<= 2
    s >>= 1
    s |= 1
    s &= 0xFFFF
    s ^= 0x55
    out[:] = s


@cuda.jit
def augmented_elements(a, m, x):
    i = cuda.grid(1)
    if i < a.size:
        a[i] += 5
        a[i] *= 3
        a[i] -= i
        a[i] //= 2
        a[i] %= 7
        m[i, i % 3] += 1.5
        m[i, 0] *= 2.0
        x[i] /= 4.0
        x[i] -= 1.0


def ref_augmented_elements(a, m, x):
    idx = np.arange(a.size)
    a[:] = (((a + 5) * 3 - idx) // 2) % 7
    m[idx, idx % 3] += 1.5
    m[:, 0] *= 2.0
    x[:] = x / 4.0 - 1.0


CASES = [
    Case(floordiv_mod, name="floordiv_mod_int64", launch=(2, 32),
         args=lambda rng: (rng.integers(-100, 100, N), _nonzero(rng, np.int64, -9, 10),
                           np.zeros(N, np.int64), np.zeros(N, np.int64)),
         reference=ref_floordiv_mod, outputs=(2, 3)),
    Case(floordiv_mod, name="floordiv_mod_int32", launch=(2, 32),
         args=lambda rng: (rng.integers(-100, 100, N).astype(np.int32), _nonzero(rng, np.int32, -9, 10),
                           np.zeros(N, np.int32), np.zeros(N, np.int32)),
         reference=ref_floordiv_mod, outputs=(2, 3)),
    Case(floordiv_mod, name="floordiv_mod_int8", launch=(2, 32),
         args=lambda rng: (rng.integers(-100, 100, N).astype(np.int8), _nonzero(rng, np.int8, -9, 10),
                           np.zeros(N, np.int8), np.zeros(N, np.int8)),
         reference=ref_floordiv_mod, outputs=(2, 3)),
    Case(floordiv_mod, name="floordiv_mod_float64", launch=(2, 32),
         args=lambda rng: (rng.uniform(-10, 10, N), rng.uniform(0.5, 3, N) * rng.choice([-1.0, 1.0], N),
                           np.zeros(N), np.zeros(N)),
         reference=ref_floordiv_mod, outputs=(2, 3), rtol=1e-12, atol=1e-12),
    Case(floordiv_mod, name="floordiv_mod_float32", launch=(2, 32),
         args=lambda rng: (rng.uniform(-10, 10, N).astype(np.float32),
                           (rng.uniform(0.5, 3, N) * rng.choice([-1.0, 1.0], N)).astype(np.float32),
                           np.zeros(N, np.float32), np.zeros(N, np.float32)),
         reference=ref_floordiv_mod, outputs=(2, 3), rtol=1e-5, atol=1e-5),
    Case(true_division, launch=(2, 32),
         args=lambda rng: (rng.integers(-50, 50, N).astype(np.int32), _nonzero(rng, np.int32, -7, 8), np.zeros(N)),
         reference=lambda a, b, out: out.__setitem__(..., a / b), outputs=(2,)),
    Case(add_sub_mul_neg, launch=(2, 32), rtol=1e-6,
         args=lambda rng: (rng.standard_normal(N).astype(np.float32), rng.standard_normal(N).astype(np.float32),
                           np.zeros((N, 5), np.float32)),
         reference=ref_add_sub_mul_neg, outputs=(2,)),
    Case(powers, launch=(2, 32), rtol=1e-13,
         args=lambda rng: (rng.uniform(0.1, 3, N), rng.integers(0, 9, N), np.zeros((N, 3)), np.zeros(N, np.int64)),
         reference=ref_powers, outputs=(2, 3)),
    Case(bitwise, launch=(2, 32),
         args=lambda rng: (rng.integers(-2**31, 2**31, N).astype(np.int32),
                           rng.integers(-2**31, 2**31, N).astype(np.int32), np.zeros((N, 5), np.int32)),
         reference=ref_bitwise, outputs=(2,)),
    Case(shifts_uint32, launch=(2, 32),
         args=lambda rng: (rng.integers(0, 2**32, N, dtype=np.uint32), rng.integers(0, 32, N).astype(np.uint32),
                           np.zeros(N, np.uint32), np.zeros(N, np.uint32)),
         reference=ref_shifts, outputs=(2, 3)),
    Case(shifts_int64_negative, launch=(2, 32),
         args=lambda rng: (rng.integers(-2**40, 2**40, N), np.zeros((N, 3), np.int64)),
         reference=ref_shifts_int64, outputs=(1,)),
    Case(shift_wrap_int8, launch=(2, 32),
         args=lambda rng: (rng.integers(-128, 128, N).astype(np.int8), np.zeros(N, np.int8)),
         reference=lambda a, out: out.__setitem__(..., (a << 3) >> 1), outputs=(1,),
         numba_differs="numba widens int8 << 3 to int64, so the shift does not wrap"),
    Case(int32_overflow_sign, launch=(2, 32),
         args=lambda rng: (rng.integers(2**30, 2**31, N).astype(np.int32),
                           rng.integers(2**30, 2**31, N).astype(np.int32), np.zeros(N, np.bool_)),
         reference=ref_int32_overflow_sign, outputs=(2,),
         numba_differs="numba widens int32 + int32 to int64, so the sum does not overflow"),
    Case(comparisons, launch=(2, 32), args=_cmp_args, reference=ref_comparisons, outputs=(2,)),
    Case(chained_comparisons, launch=(2, 32),
         args=lambda rng: (rng.integers(-5, 6, N).astype(np.int32), -2, 3, np.zeros((N, 3), np.bool_)),
         reference=ref_chained, outputs=(3,)),
    Case(short_circuit, launch=(2, 32),
         args=lambda rng: (rng.integers(-5, 10, N), np.zeros(N, np.int32), np.zeros(N, np.bool_)),
         reference=ref_short_circuit, outputs=(1, 2)),
    Case(and_or_operands, launch=(2, 32),
         args=lambda rng: (rng.integers(-2, 3, N), rng.integers(-9, 10, N), np.zeros((N, 3), np.int64)),
         reference=ref_and_or_operands, outputs=(2,)),
    Case(ternary_unary, launch=(2, 32),
         args=lambda rng: (rng.uniform(-3, 3, N), np.zeros((N, 3))),
         reference=ref_ternary_unary, outputs=(1,)),
    Case(augmented_scalars, launch=(2, 32),
         args=lambda rng: (rng.integers(-1000, 1000, N), np.zeros(N, np.int64)),
         reference=ref_augmented_scalars, outputs=(1,)),
    Case(augmented_elements, launch=(2, 32),
         args=lambda rng: (rng.integers(-50, 50, N).astype(np.int32), rng.standard_normal((N, 3)),
                           rng.standard_normal(N).astype(np.float32)),
         reference=ref_augmented_elements, outputs=(0, 1, 2)),
]
