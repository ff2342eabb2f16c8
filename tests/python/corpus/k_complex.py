"""Corpus: complex64 and complex128: weak literals, complex(re, im), .real .imag .conjugate() abs(),
+ - * / ** == !=, complex arrays (2-d, strided views), scalar arguments, device functions and tuples,
cuda.local.array of complex, and the cmath functions in both precisions."""

import cmath

import numpy as np

from corpus import Case, Strided

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda

N = 64
PART = {np.complex64: np.float32, np.complex128: np.float64}
# complex64 work is float32 work: about 1e-5 relative; complex128 is checked near its precision
TOL = {np.complex64: dict(rtol=1e-5, atol=1e-5), np.complex128: dict(rtol=1e-12, atol=1e-12)}
# transcendental results (moduli up to ~20): a part much smaller than the modulus carries the
# modulus's float32 rounding, so complex64's absolute tolerance is wider there
TRANS = {np.complex64: dict(rtol=1e-5, atol=5e-5), np.complex128: dict(rtol=1e-12, atol=1e-12)}


def cplx(rng, dtype, n=N, scale=1.0):
    """Random complex numbers of `dtype`, both parts nonzero (no branch cut is hit exactly)."""
    return (rng.standard_normal(n) * scale + 1j * rng.standard_normal(n) * scale).astype(dtype)


@cuda.jit
def complex_weak_literal(z, out_c, out_im):
    i = cuda.grid(1)
    if i < z.size:
        out_c[i] = z[i] * 2j + 1  # complex64 * 2j stays complex64 (exact either way)
        out_im[i] = ((z[i] + 0.1j) - z[i]).imag  # 0.1j is rounded to complex64's float32 parts


def ref_complex_weak_literal(z, out_c, out_im):
    out_c[:] = z * np.complex64(2j) + np.complex64(1)
    out_im[:] = ((z + np.complex64(0.1j)) - z).imag.astype(np.float64)


@cuda.jit
def complex_construct_parts(re, im, z, out_c, out_f):
    i = cuda.grid(1)
    if i < z.size:
        w = complex(re[i], im[i])  # complex128, as in numba
        out_c[i, 0] = w
        out_c[i, 1] = z[i].conjugate()
        out_c[i, 2] = -z[i] + (+w)
        out_f[i, 0] = z[i].real
        out_f[i, 1] = z[i].imag
        out_f[i, 2] = abs(z[i])
        out_f[i, 3] = re[i].conjugate() + w.real  # .conjugate() of a real number is itself


def ref_complex_construct_parts(re, im, z, out_c, out_f):
    w = re.astype(np.float64) + 1j * im.astype(np.float64)
    out_c[:, 0] = w
    out_c[:, 1] = np.conj(z)
    out_c[:, 2] = -z.astype(np.complex128) + w
    out_f[:, 0] = z.real
    out_f[:, 1] = z.imag
    out_f[:, 2] = np.abs(z)
    out_f[:, 3] = re.astype(np.float64) * 2


@cuda.jit
def complex_arith(a, b, out, eq):
    i = cuda.grid(1)
    if i < a.size:
        x = a[i]
        y = b[i]
        out[i, 0] = x + y
        out[i, 1] = x - y
        out[i, 2] = x * y
        out[i, 3] = x / y
        c = x
        c *= y
        c -= x
        out[i, 4] = c
        out[i, 5] = x * x.real - y.imag  # complex with real operands of the part type
        eq[i, 0] = x == y
        eq[i, 1] = x != y
        eq[i, 2] = x.imag == 0 and x == x.real  # a complex equals a real when its imaginary part is 0


def arith_args(dtype):
    def args(rng):
        a, b = cplx(rng, dtype), cplx(rng, dtype)
        b[::4] = a[::4]  # some equal pairs for == and !=
        a[1::8] = a[1::8].real  # some purely real values
        return a, b, np.zeros((N, 6), dtype), np.zeros((N, 3), np.bool_)
    return args


def ref_complex_arith(a, b, out, eq):
    out[:, 0] = a + b
    out[:, 1] = a - b
    out[:, 2] = a * b
    out[:, 3] = a / b
    out[:, 4] = a * b - a
    out[:, 5] = a * a.real - b.imag
    eq[:, 0] = a == b
    eq[:, 1] = a != b
    eq[:, 2] = (a.imag == 0) & (a == a.real)


@cuda.jit
def complex_pow(z, w, n, out):
    i = cuda.grid(1)
    if i < z.size:
        x = z[i]
        out[i, 0] = x ** 2  # constant integer exponents multiply
        out[i, 1] = x ** 3
        out[i, 2] = x ** -2
        out[i, 3] = x ** 0.5  # other constants and non-constant exponents: the polar formula
        out[i, 4] = x ** w[i]
        out[i, 5] = x ** n[i]
        out[i, 6] = x ** (1.5 - 0.5j)


def pow_args(dtype):
    def args(rng):
        z = (rng.uniform(0.5, 2.0, N) * np.exp(1j * rng.uniform(-3, 3, N))).astype(dtype)
        w = (rng.uniform(-1.5, 1.5, N) + 1j * rng.uniform(-0.5, 0.5, N)).astype(dtype)
        return z, w, rng.integers(-4, 5, N).astype(np.int32), np.zeros((N, 7), dtype)
    return args


def ref_complex_pow(z, w, n, out):
    zs = [complex(v) for v in z]  # CPython's complex power in double precision
    for k, e in enumerate((2, 3, -2, 0.5)):
        out[:, k] = [v ** e for v in zs]
    out[:, 4] = [v ** complex(e) for v, e in zip(zs, w)]
    out[:, 5] = [v ** int(e) for v, e in zip(zs, n)]
    out[:, 6] = [v ** (1.5 - 0.5j) for v in zs]


@cuda.jit
def complex_2d_views(a, out):
    i, j = cuda.grid(2)
    v = a[1:, ::2]  # a strided view of a complex array, built in the kernel
    if i < v.shape[0] and j < v.shape[1]:
        out[i, j] = v[i, j] * 2j + v[i, j].conjugate()  # exact in both precisions


def ref_complex_2d_views(a, out):
    v = a[1:, ::2]
    out[:] = v * a.dtype.type(2j) + np.conj(v)


@cuda.jit
def complex_scalar_args(z, c64, c128, out64, out128):
    i = cuda.grid(1)
    if i < z.size:
        out64[i] = z[i] * c64 + c64.conjugate()  # complex64 throughout
        out128[i] = z[i] * c128 - c64  # complex64 with complex128 is complex128


C64 = np.complex64(0.75 - 1.25j)
C128 = np.complex128(-0.3 + 2.1j)


def ref_complex_scalar_args(z, c64, c128, out64, out128):
    out64[:] = z * c64 + np.conj(c64)
    out128[:] = z.astype(np.complex128) * c128 - np.complex128(c64)


@cuda.jit(device=True)
def mul_and_conj(z, w):
    return z * w, (z - w).conjugate()


@cuda.jit(device=True)
def from_parts(re, im):
    return complex(re, im)


@cuda.jit
def complex_device_fn_tuple(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        p, q = mul_and_conj(a[i], b[i])
        pair = (p, q)
        out[i, 0] = pair[0]
        out[i, 1] = pair[1] + abs(q)
        out[i, 2] = from_parts(a[i].imag, b[i].real)


def ref_complex_device_fn_tuple(a, b, out):
    q = np.conj(a - b)
    out[:, 0] = a * b
    out[:, 1] = q + np.abs(q)
    out[:, 2] = a.imag + 1j * b.real


@cuda.jit
def complex_local_array(z, out64, out128):
    i = cuda.grid(1)
    if i < z.size:
        acc = cuda.local.array(4, np.complex64)
        wide = cuda.local.array(4, np.complex128)
        for k in range(4):
            acc[k] = z[i] * np.complex64(k + 1j)
            wide[k] = acc[k] * acc[k]
        s = acc[0]
        t = wide[0]
        for k in range(1, 4):
            s += acc[k]
            t += wide[k]
        out64[i] = s
        out128[i] = t


def ref_complex_local_array(z, out64, out128):
    acc = [z * np.complex64(k + 1j) for k in range(4)]
    out64[:] = sum(acc[1:], acc[0])
    wide = [(a * a).astype(np.complex128) for a in acc]
    out128[:] = sum(wide[1:], wide[0])


@cuda.jit
def cmath_functions(z, s, out, parts, rect, flags):
    i = cuda.grid(1)
    if i < z.size:
        x = z[i]
        out[0, i] = cmath.sqrt(x)
        out[1, i] = cmath.exp(x)
        out[2, i] = cmath.log(x)
        out[3, i] = cmath.log10(x)
        out[4, i] = cmath.sin(x)
        out[5, i] = cmath.cos(x)
        out[6, i] = cmath.tan(x)
        out[7, i] = cmath.asin(x)
        out[8, i] = cmath.acos(x)
        out[9, i] = cmath.atan(x)
        out[10, i] = cmath.sinh(x)
        out[11, i] = cmath.cosh(x)
        out[12, i] = cmath.tanh(x)
        out[13, i] = cmath.asinh(x)
        out[14, i] = cmath.acosh(x)
        out[15, i] = cmath.atanh(x)
        r, phi = cmath.polar(x)
        parts[0, i] = cmath.phase(x)
        parts[1, i] = r
        parts[2, i] = phi
        rect[i] = cmath.rect(r, phi)
        flags[0, i] = cmath.isnan(s[i])
        flags[1, i] = cmath.isinf(s[i])
        flags[2, i] = cmath.isfinite(s[i])


CMATH = [cmath.sqrt, cmath.exp, cmath.log, cmath.log10, cmath.sin, cmath.cos, cmath.tan, cmath.asin,
         cmath.acos, cmath.atan, cmath.sinh, cmath.cosh, cmath.tanh, cmath.asinh, cmath.acosh, cmath.atanh]
SPECIAL = [complex(np.nan, 0), complex(0, np.nan), complex(np.inf, 1), complex(1, -np.inf),
           complex(np.inf, np.nan), 0j, 1 + 1j, complex(-1e30, 1e-30)]


def cmath_args(dtype):
    def args(rng):
        z = cplx(rng, dtype)
        s = np.resize(np.array(SPECIAL), N).astype(dtype)
        return (z, s, np.zeros((len(CMATH), N), dtype), np.zeros((3, N), PART[dtype]), np.zeros(N, dtype),
                np.zeros((3, N), np.bool_))
    return args


def ref_cmath_functions(z, s, out, parts, rect, flags):
    zs = [complex(v) for v in z]  # CPython's cmath in double precision
    for k, f in enumerate(CMATH):
        out[k] = [f(v) for v in zs]
    parts[0] = [cmath.phase(v) for v in zs]
    parts[1] = [abs(v) for v in zs]
    parts[2] = parts[0]
    rect[:] = [cmath.rect(*cmath.polar(v)) for v in zs]
    flags[0] = [cmath.isnan(complex(v)) for v in s]
    flags[1] = [cmath.isinf(complex(v)) for v in s]
    flags[2] = [cmath.isfinite(complex(v)) for v in s]


@cuda.jit
def cmath_log_base_constants(z, out):
    i = cuda.grid(1)
    if i < z.size:
        out[i, 0] = cmath.log(z[i], 2.0)
        out[i, 1] = z[i] * cmath.exp(1j * cmath.pi / 2)  # a quarter turn
        out[i, 2] = cmath.sqrt(-z[i].real * z[i].real - 1.0)  # a real argument's complex root
        out[i, 3] = cmath.tau + cmath.e * z[i]


def ref_cmath_log_base_constants(z, out):
    zs = [complex(v) for v in z]
    out[:, 0] = [cmath.log(v, 2.0) for v in zs]
    out[:, 1] = [v * cmath.exp(1j * cmath.pi / 2) for v in zs]
    out[:, 2] = [cmath.sqrt(-v.real * v.real - 1.0) for v in zs]
    out[:, 3] = [cmath.tau + cmath.e * v for v in zs]


def _name(dtype):
    return "c64" if dtype is np.complex64 else "c128"


CASES = [
    Case(complex_weak_literal, launch=(2, 32),
         args=lambda rng: (cplx(rng, np.complex64, scale=50.0), np.zeros(N, np.complex64), np.zeros(N)),
         reference=ref_complex_weak_literal, outputs=(1, 2),
         numba_differs="numba computes complex64 + 0.1j in complex128"),
    *(Case(complex_construct_parts, name=f"complex_construct_parts_{_name(t)}", launch=(2, 32), rtol=1e-6,
           args=lambda rng, t=t: (rng.standard_normal(N).astype(PART[t]), rng.standard_normal(N).astype(PART[t]),
                                  cplx(rng, t), np.zeros((N, 3), t), np.zeros((N, 4), PART[t])),
           reference=ref_complex_construct_parts, outputs=(3, 4)) for t in (np.complex64, np.complex128)),
    *(Case(complex_arith, name=f"complex_arith_{_name(t)}", launch=(2, 32), **TOL[t],
           args=arith_args(t), reference=ref_complex_arith, outputs=(2, 3)) for t in (np.complex64, np.complex128)),
    *(Case(complex_pow, name=f"complex_pow_{_name(t)}", launch=(2, 32), **TRANS[t],
           args=pow_args(t), reference=ref_complex_pow, outputs=(3,)) for t in (np.complex64, np.complex128)),
    Case(complex_2d_views, launch=((1, 2), (16, 4)),
         args=lambda rng: (cplx(rng, np.complex128, 80).reshape(8, 10), np.zeros((7, 5), np.complex128)),
         reference=ref_complex_2d_views, outputs=(1,)),
    Case(complex_2d_views, name="complex_2d_views_strided_arg", launch=((1, 2), (16, 4)),
         args=lambda rng: (Strided(cplx(rng, np.complex64, 120).reshape(10, 12), np.s_[::2, 1::2]),
                           np.zeros((4, 3), np.complex64)),
         reference=ref_complex_2d_views, outputs=(1,)),
    Case(complex_scalar_args, launch=(2, 32), **TOL[np.complex64],
         args=lambda rng: (cplx(rng, np.complex64), C64, C128, np.zeros(N, np.complex64), np.zeros(N, np.complex128)),
         reference=ref_complex_scalar_args, outputs=(3, 4)),
    Case(complex_device_fn_tuple, launch=(2, 32), **TOL[np.complex128],
         args=lambda rng: (cplx(rng, np.complex128), cplx(rng, np.complex128), np.zeros((N, 3), np.complex128)),
         reference=ref_complex_device_fn_tuple, outputs=(2,)),
    Case(complex_local_array, launch=(2, 32), **TOL[np.complex64],
         args=lambda rng: (cplx(rng, np.complex64), np.zeros(N, np.complex64), np.zeros(N, np.complex128)),
         reference=ref_complex_local_array, outputs=(1, 2)),
    *(Case(cmath_functions, name=f"cmath_functions_{_name(t)}", launch=(2, 32), **TRANS[t],
           args=cmath_args(t), reference=ref_cmath_functions, outputs=(2, 3, 4, 5))
      for t in (np.complex64, np.complex128)),
    *(Case(cmath_log_base_constants, name=f"cmath_log_base_constants_{_name(t)}", launch=(2, 32), **TRANS[t],
           args=lambda rng, t=t: (cplx(rng, t), np.zeros((N, 4), t)),
           reference=ref_cmath_log_base_constants, outputs=(1,)) for t in (np.complex64, np.complex128)),
]
