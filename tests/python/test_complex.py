"""Complex numbers and cmath in kernels.

Compile-only tests (types, PTX shape, errors, argument keys) run anywhere;
the tests marked ``gpu`` run kernels and compare with numpy and cmath,
branch cuts (signed zeros on the cut) included.
"""

import cmath
import math

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core
from ptxforge._args import describe, register_interop_types
from ptxforge.devicearray import DeviceNDArray, dtype_code

CMATH_UNARY = ["sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan",
               "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"]


def _ops(ptx):
    """The opcodes of `ptx`, predicates stripped."""
    ops = []
    for line in ptx.splitlines():
        line = line.strip()
        if line.startswith("@"):
            line = line.split(None, 1)[1] if " " in line else ""
        if line and not line.startswith(("//", ".", "$", "{", "}", ")")):
            ops.append(line.split()[0].rstrip(";"))
    return ops


def _f64_ops(ptx):
    return [op for op in _ops(ptx) if ".f64" in op]


# -- typing (device functions report their return type) ---------------------------------


def weak_times(z):
    return z * 2j


def float_times_weak(x):
    return x * 1j


def add_one(z):
    return z + 1


def part_real(z):
    return z.real


def part_imag(z):
    return z.imag


def modulus(z):
    return abs(z)


def conj(z):
    return z.conjugate()


def ctor(x, y):
    return complex(x, y)


def cast64(x):
    return np.complex64(x)


def csqrt(x):
    return cmath.sqrt(x)


def cphase(z):
    return cmath.phase(z)


def cpolar(z):
    return cmath.polar(z)


def crect(r, phi):
    return cmath.rect(r, phi)


def cisnan(z):
    return cmath.isnan(z)


def promoted(z, w):
    return z * w


def literal_only():
    return 1j * 2


def infj():
    return cmath.infj + cmath.pi


@pytest.mark.parametrize("fn, sig, expected", [
    (weak_times, "(complex64)", "complex64"),           # NEP 50: the literal is weak
    (weak_times, "(complex128)", "complex128"),
    (float_times_weak, "(float32)", "complex64"),        # float32 with a Python complex
    (float_times_weak, "(float64)", "complex128"),
    (float_times_weak, "(int32)", "complex128"),
    (float_times_weak, "(float)", "complex"),            # Python numbers alone stay weak
    (add_one, "(complex64)", "complex64"),
    (part_real, "(complex64)", "float32"),
    (part_imag, "(complex128)", "float64"),
    (part_real, "(float32)", "float32"),
    (part_imag, "(int32)", "int32"),
    (modulus, "(complex64)", "float32"),
    (modulus, "(complex128)", "float64"),
    (conj, "(complex64)", "complex64"),
    (conj, "(float64)", "float64"),
    (ctor, "(float32, float32)", "complex128"),           # complex() is a Python complex, as in numba
    (cast64, "(float64)", "complex64"),
    (cast64, "(complex128)", "complex64"),
    (csqrt, "(float32)", "complex64"),
    (csqrt, "(complex128)", "complex128"),
    (csqrt, "(int64)", "complex128"),
    (csqrt, "(float)", "complex"),
    (cphase, "(complex64)", "float32"),
    (cpolar, "(complex64)", "Tuple(float32, float32)"),
    (crect, "(float32, float32)", "complex64"),
    (crect, "(float64, float32)", "complex128"),
    (cisnan, "(complex64)", "bool"),
    (promoted, "(complex64, float64)", "complex128"),     # NumPy: complex64 * float64 -> complex128
    (promoted, "(complex64, int16)", "complex64"),
    (promoted, "(complex64, complex128)", "complex128"),
    (literal_only, "()", "complex"),
    (infj, "()", "complex"),
])
def test_result_types(fn, sig, expected):
    _, returned = pf.compile_ptx(fn, sig, device=True)
    assert returned == expected


# -- PTX shape ----------------------------------------------------------------------------


def cmul_kernel(a, b, out, z):
    i = pf.grid(1)
    if i < out.size:
        out[i] = a[i] * b[i] + z * 2j


def test_complex64_stays_float32_and_takes_two_scalar_parameters():
    ptx, _ = pf.compile_ptx(cmul_kernel, "void(complex64[::1], complex64[::1], complex64[::1], complex64)")
    assert _f64_ops(ptx) == []
    ops = _ops(ptx)
    assert ops.count("ld.global.f32") == 4 and ops.count("st.global.f32") == 2
    params = [line for line in ptx.splitlines() if line.strip().startswith(".param")]
    assert sum(".f32" in p for p in params) == 2, params  # z: real and imaginary parts
    assert any("fma.rn.f32" in op for op in ops)


def caxpy(a, x, y, out):
    i = pf.grid(1)
    if i < out.size:
        out[i] = a * x[i] + y[i]


def test_python_complex_argument_is_weak():
    ptx, _ = pf.compile_ptx(caxpy, "void(complex, complex64[::1], complex64[::1], complex64[::1])")
    # Two float64 parameters, rounded once to float32; no float64 arithmetic.
    assert [op for op in _f64_ops(ptx) if not op.startswith(("ld.param", "cvt.rn.f32.f64"))] == []
    assert "fma.rn.f32" in _ops(ptx)


def all_cmath(z, out):
    i = pf.grid(1)
    if i < z.size:
        x = z[i]
        out[i, 0] = cmath.sqrt(x) + cmath.exp(x) + cmath.log(x) + cmath.log10(x)
        out[i, 1] = cmath.sin(x) + cmath.cos(x) + cmath.tan(x)
        out[i, 2] = cmath.asin(x) + cmath.acos(x) + cmath.atan(x)
        out[i, 3] = cmath.sinh(x) + cmath.cosh(x) + cmath.tanh(x)
        out[i, 4] = cmath.asinh(x) + cmath.acosh(x) + cmath.atanh(x)
        out[i, 5] = cmath.rect(abs(x), cmath.phase(x)) + cmath.polar(x)[0] + cmath.log(x, 2.0)
        ok = cmath.isfinite(x) and not (cmath.isnan(x) or cmath.isinf(x))
        out[i, 6] = x ** 3 + x ** z[0] + x / z[0] if ok else 0j


def real_trig(x, out):
    out[0] = math.sin(x[0]) + math.cos(x[1]) + math.tan(x[2])


def test_cmath_on_complex64_uses_float32_libdevice():
    ptx, _ = pf.compile_ptx(all_cmath, "void(complex64[::1], complex64[:, ::1])")
    # libdevice's float32 sin/cos reduce huge arguments in float64; nothing else may.
    baseline, _ = pf.compile_ptx(real_trig, "void(float32[::1], float32[::1])")
    assert set(_f64_ops(ptx)) <= set(_f64_ops(baseline)), "complex64 work must stay in float32"
    assert "sqrt.rn.f32" in _ops(ptx) and "div.rn.f32" in _ops(ptx)


def test_cmath_on_complex128_compiles():
    ptx, _ = pf.compile_ptx(all_cmath, "void(complex128[::1], complex128[:, :])")
    assert "ld.global.f64" in _ops(ptx)


def square(z, out):
    out[0] = z ** 2


def test_square_is_one_multiplication_not_pow():
    ptx, _ = pf.compile_ptx(square, "void(complex128, complex128[::1])")
    assert "call" not in " ".join(_ops(ptx)) and ".f64" in " ".join(_ops(ptx))


def test_complex_array_alignment_follows_numpy():
    ptx, _ = pf.compile_ptx(square, "void(complex64, complex64[::1])")
    # numpy aligns complex64 to 4 bytes: no 8-byte vector stores may be assumed.
    assert "st.global.v2.f32" not in _ops(ptx)


@pf.jit(device=True)
def cexp_device(z):
    return cmath.exp(z), math.sin(z.real)


def calls_device(z, out):
    out[0], out[1] = cexp_device(z[0])


def test_libdevice_is_linked_for_device_functions():
    # ptxas (run on every PTX made in a test) rejects unresolved __nv_* functions.
    ptx, _ = pf.compile_ptx(calls_device, "void(complex64[::1], complex64[::1])")
    assert ".extern" not in ptx


# -- errors ---------------------------------------------------------------------------------


def bad_math(z, out):
    out[0] = math.sqrt(z)


def bad_order(z, w, out):
    out[0] = z < w


def bad_store(z, out):
    out[0] = z


def bad_cast(z, out):
    out[0] = np.float32(z)


def bad_floordiv(z, w, out):
    out[0] = z // w


def bad_invert(z, out):
    out[0] = ~z


def bad_min(z, w, out):
    out[0] = min(z, w)


def bad_rect(z, out):
    out[0] = cmath.rect(z, 1.0)


def bad_attribute(z, out):
    out[0] = z.angle


@pytest.mark.parametrize("fn, sig, message", [
    (bad_math, "void(complex64, float32[::1])", "use cmath"),
    (bad_order, "void(complex64, complex64, bool[::1])", "complex numbers have no order"),
    (bad_store, "void(complex64, float32[::1])", "cannot store complex64 into an element of type float32"),
    (bad_cast, "void(complex64, float32[::1])", "take its .real"),
    (bad_floordiv, "void(complex64, complex64, complex64[::1])", "not defined for complex numbers"),
    (bad_invert, "void(complex64, complex64[::1])", "'~' needs an integer"),
    (bad_min, "void(complex64, complex64, complex64[::1])", "no order"),
    (bad_rect, "void(complex64, complex64[::1])", "real modulus"),
    (bad_attribute, "void(complex64, float32[::1])", ".real, .imag and .conjugate()"),
])
def test_errors(fn, sig, message):
    with pytest.raises(pf.CompileError) as info:
        pf.compile_ptx(fn, sig)
    assert message in info.value.msg
    assert info.value.lineno > 0


# -- arguments: the fast path and the Python path agree ---------------------------------------

FAKE = 0x7F0000000000


def test_argument_types_and_fast_keys():
    register_interop_types()
    d = DeviceNDArray((10,), None, np.complex64, 0, object(), FAKE)
    e = DeviceNDArray((3, 4), None, np.complex128, 0, object(), FAKE)
    assert dtype_code(np.dtype(np.complex64)) == 12 and dtype_code(np.dtype(np.complex128)) == 13
    key = _core.fast_key(1 + 2j, d, e[:, ::2])
    # Each array: 'A', dtype code, ndim, layout, launch facts (aligned, small and bounded: 7).
    assert key[:1] == b"c" and key[1:6] == b"A\x0c\x01C\x07" and key[6:11] == b"A\x0d\x02A\x07"
    types, values, _ = describe((1 + 2j, d, e[:, ::2], np.complex64(3 - 1j), np.complex128(1j)), "abcde")
    # np.complex128 subclasses Python's complex, but is a strong complex128 (NumPy 2, numba)
    assert types == ("complex", "complex64[::1]", "complex128[:, :]", "complex64", "complex128")
    assert values[0] == 1 + 2j and values[3] == 3 - 1j
    # numpy scalars as the Python path types them: each its own dtype
    assert _core.fast_key(np.complex64(1), np.complex128(2))[:4] == b"n\x0cn\x0d"


def test_dlpack_carries_complex_dtypes():
    capsule = _core.dlpack_export(FAKE, (4,), (16,), "c", 16, 0, None, False)
    _, _, shape, _, dtype, _ = _core.dlpack_import(capsule)
    assert (shape, dtype) == ((4,), "complex128")


ZG = 1.5 - 2j
TABLE = np.array([1 + 1j, 2 - 3j], dtype=np.complex64)


def use_globals(out):
    out[0] = ZG * TABLE[1]


def test_complex_globals_are_frozen():
    ptx, _ = pf.compile_ptx(use_globals, "void(complex128[::1])")
    assert ".global" in ptx or ".const" in ptx


# -- on the GPU -------------------------------------------------------------------------------


def _points(rng, n, dtype):
    """Random points in a box, plus the branch cuts approached from both sides (signed zeros)."""
    z = (rng.uniform(-3, 3, n) + 1j * rng.uniform(-3, 3, n)).astype(dtype)
    cuts = []
    for v in (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5):
        for s in (0.0, -0.0):
            cuts += [complex(v, s), complex(s, v)]
    cuts = np.array(cuts, dtype=dtype)
    # complex(v, -0.0) keeps the zero's sign through numpy
    return np.concatenate([z, cuts, np.array([0.3 + 0.4j, 1e-3 + 0j, -1e-3 + 0j], dtype=dtype)])


def _expected(name, z):
    f = getattr(cmath, name)
    return np.array([f(complex(v)) for v in z])


@pytest.fixture
def cmath_kernel(make_module):
    def make(name):
        m = make_module(f"""
            import cmath
            import ptxforge as pf

            @pf.kernel
            def k(z, out):
                i = pf.grid(1)
                if i < z.size:
                    out[i] = cmath.{name}(z[i])
        """)
        return m.k

    return make


@pytest.mark.gpu
@pytest.mark.parametrize("dtype, rtol", [(np.complex128, 1e-12), (np.complex64, 2e-5)])
@pytest.mark.parametrize("name", CMATH_UNARY)
def test_cmath_matches_python(rng, cmath_kernel, name, dtype, rtol):
    z = _points(rng, 500, dtype)
    out = np.zeros_like(z)
    cmath_kernel(name)[(z.size + 127) // 128, 128](z, out)
    want = _expected(name, z)
    scale = np.maximum(np.abs(want), 1.0)
    err = np.abs(out.astype(np.complex128) - want) / scale
    worst = int(np.argmax(err))
    assert err[worst] <= rtol * 8, f"cmath.{name}({z[worst]!r}) = {out[worst]!r}, want {want[worst]!r}"
    # The sign of each part on the cuts: compare with copysign, ignoring zeros' exact size.
    for got, w in zip(out[-27:], want[-27:]):
        for g, x in ((got.real, w.real), (got.imag, w.imag)):
            if abs(x) > 1e-6:
                assert math.copysign(1, g) == math.copysign(1, x), (name, got, w)


@pf.kernel
def polar_phase_rect(z, r, p, back, flags):
    i = pf.grid(1)
    if i < z.size:
        m, a = cmath.polar(z[i])
        r[i] = m
        p[i] = cmath.phase(z[i])
        back[i] = cmath.rect(m, a)
        flags[i, 0] = cmath.isnan(z[i])
        flags[i, 1] = cmath.isinf(z[i])
        flags[i, 2] = cmath.isfinite(z[i])


@pytest.mark.gpu
def test_polar_phase_rect_and_predicates(rng):
    z = _points(rng, 200, np.complex128)
    z = np.concatenate([z, [complex(math.nan, 1), complex(1, math.inf), complex(-math.inf, math.nan)]])
    r, p, back = np.zeros(z.size), np.zeros(z.size), np.zeros_like(z)
    flags = np.zeros((z.size, 3), dtype=np.bool_)
    polar_phase_rect[(z.size + 127) // 128, 128](z, r, p, back, flags)
    fin = np.isfinite(z)
    np.testing.assert_allclose(r[fin], np.abs(z[fin]), rtol=1e-14)
    np.testing.assert_allclose(p[fin], [cmath.phase(v) for v in z[fin]], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(back[fin], z[fin], rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(flags[:, 0], [cmath.isnan(v) for v in z])
    np.testing.assert_array_equal(flags[:, 1], [cmath.isinf(v) for v in z])
    np.testing.assert_array_equal(flags[:, 2], [cmath.isfinite(v) for v in z])


@pf.kernel
def arithmetic(a, b, out):
    i = pf.grid(1)
    if i < a.size:
        x = a[i]
        y = b[i]
        out[i, 0] = x + y
        out[i, 1] = x - y
        out[i, 2] = x * y
        out[i, 3] = x / y
        out[i, 4] = x ** 2
        out[i, 5] = -x
        out[i, 6] = x.conjugate()
        out[i, 7] = x ** y
        out[i, 8] = x * 2j + 1
        out[i, 9] = complex(x.real, y.imag)
        out[i, 10] = abs(x)
        out[i, 11] = x ** -3
        out[i, 12] = +x if x != y else 0j
        out[i, 13] = 1.0 if x else 2.0


@pytest.mark.gpu
@pytest.mark.parametrize("dtype, rtol", [(np.complex128, 1e-12), (np.complex64, 5e-5)])
def test_arithmetic_matches_numpy(rng, dtype, rtol):
    n = 1000
    a = (rng.uniform(-3, 3, n) + 1j * rng.uniform(-3, 3, n)).astype(dtype)
    b = (rng.uniform(-3, 3, n) + 1j * rng.uniform(-3, 3, n)).astype(dtype)
    # Smith's division where the naive formula would underflow or overflow in float32.
    a[:2] = [1 + 1j, 1e-20 + 2e-20j]
    b[:2] = [1e-30 + 1e-30j, 3e-20 - 1e-20j]
    zero = np.zeros(3, dtype=dtype)
    by_zero = np.array([1 - 1j, 0, 2j], dtype=dtype)
    quotient = np.zeros((3, 14), dtype=dtype)
    arithmetic[1, 32](by_zero, zero, quotient)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(quotient[:, 3], by_zero / zero)  # NumPy's infinities and NaNs
    out = np.zeros((n, 14), dtype=dtype)
    arithmetic[(n + 127) // 128, 128](a, b, out)
    with np.errstate(all="ignore"):
        want = np.stack([a + b, a - b, a * b, a / b, a * a, -a, np.conj(a), a ** b,
                         a * dtype(2j) + 1, a.real + 1j * b.imag, np.abs(a), a ** -3,
                         np.where(a != b, a, 0), np.where(a != 0, 1.0, 2.0)], axis=1).astype(dtype)
    # (1e-20+2e-20j) ** -3 overflows complex64: compare where numpy's result is finite,
    # and require an overflow (a non-finite part) where it is not.
    finite = np.isfinite(want)
    np.testing.assert_array_equal(np.isfinite(out), finite)
    scale = np.maximum(np.abs(want[finite]), 1.0)
    np.testing.assert_array_less(np.abs(out[finite] - want[finite]) / scale, rtol)


@pf.kernel
def scale_in_place(a, z):
    i = pf.grid(1)
    if i < a.size:
        a[i] *= z


@pytest.mark.gpu
@pytest.mark.parametrize("z", [2 - 1j, np.complex64(2 - 1j), np.complex128(2 - 1j)])
def test_scalar_arguments_and_augmented_assignment(z):
    a = (np.arange(10) + 1j * np.arange(10)).astype(np.complex64)
    want = a * np.complex64(2 - 1j)
    scale_in_place[1, 32](a, z)
    np.testing.assert_allclose(a, want, rtol=1e-6)
    d = pf.to_device((np.arange(10) * 1j).astype(np.complex64))
    scale_in_place[1, 32](d, z)
    scale_in_place[1, 32](d, z)  # the second launch takes the fast path
    np.testing.assert_allclose(d.copy_to_host(), (np.arange(10) * 1j) * (2 - 1j) ** 2, rtol=1e-6)


@pytest.mark.gpu
def test_views_and_layouts():
    base = (np.arange(24) - 1j * np.arange(24)).reshape(4, 6)
    d = pf.to_device(base)
    view = d[:, ::2]  # layout A
    scale_in_place_2d[1, (4, 3)](view, 1j)
    f = np.asfortranarray(base)
    scale_in_place_2d[1, (4, 6)](f, 1j)
    want = base.copy()
    want[:, ::2] *= 1j
    np.testing.assert_array_equal(d.copy_to_host(), want)
    np.testing.assert_array_equal(f, base * 1j)


@pf.kernel
def scale_in_place_2d(a, z):
    i, j = pf.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        a[i, j] *= z


@pf.jit(device=True)
def rotate(z, k):
    w = z
    for _ in range(k):
        w = w * 1j
    return w, abs(w)


@pf.kernel
def locals_and_memory(a, out, mags):
    i = pf.grid(1)
    buf = pf.local.array(4, np.complex128)
    tile = pf.shared.array(32, np.complex64)
    if i < a.size:
        tile[pf.threadIdx.x] = a[i]
        for k in range(4):
            buf[k], mag = rotate(a[i], k)
            mags[i] = mag
        pf.syncthreads()
        out[i] = buf[0] + buf[1] + buf[2] + buf[3] + tile[pf.threadIdx.x]


@pytest.mark.gpu
def test_locals_device_functions_local_and_shared_arrays():
    a = (np.arange(32) + 0.5j).astype(np.complex64)
    out = np.zeros_like(a)
    mags = np.zeros(32, dtype=np.float32)
    locals_and_memory[1, 32](a, out, mags)
    np.testing.assert_allclose(out, a * (1 + 1j - 1 - 1j) + a, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(mags, np.abs(a), rtol=1e-6)


@pf.kernel
def read_globals(out):
    out[0] = ZG * TABLE[1]
    out[1] = cmath.infj
    out[2] = cmath.pi


@pytest.mark.gpu
def test_globals_on_the_device():
    out = np.zeros(3, dtype=np.complex128)
    read_globals[1, 1](out)
    assert out[0] == ZG * complex(TABLE[1]) and out[1] == complex(0, math.inf) and out[2] == math.pi


@pytest.mark.gpu
def test_cuda_array_interface_and_dlpack_objects():
    class Cai:
        def __init__(self, d):
            self.__cuda_array_interface__ = d.__cuda_array_interface__
            self.keep = d

    d = pf.to_device(np.ones(8, dtype=np.complex128))
    scale_in_place[1, 32](Cai(d), 1 + 1j)
    scale_in_place[1, 32](pf.from_dlpack(d), 1 + 1j)
    np.testing.assert_array_equal(d.copy_to_host(), np.full(8, (1 + 1j) ** 2))
