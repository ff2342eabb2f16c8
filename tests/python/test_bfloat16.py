"""bfloat16: the type, its arithmetic and conversions, and bfloat16 arrays (torch, ml_dtypes, ours)."""

import math

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import devicearray

SIG = "void(bfloat16[::1], bfloat16[::1], bfloat16[::1], float32[::1])"


@pf.kernel
def arithmetic(x, y, out, f):
    i = pf.grid(1)
    if i < x.size:
        a = x[i] * 2.0 + y[i]                 # Python floats are weak: stays bfloat16
        b = pf.bfloat16(f[i]) / x[i]
        out[i] = a - b if a > b else -(a // 1.0) + a % 2.0 + abs(b)
        f[i] = pf.float32(a) + math.sqrt(pf.float32(abs(b)))   # in float32: math.sqrt of a bfloat16 rounds to one


@pf.kernel
def numba_spelling(x, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = pf.bf16.bfloat16(x[i]) * pf.bf16.bfloat16(3)   # numba-cuda's cuda.bf16.bfloat16


def test_types_and_native_instructions():
    typed = arithmetic.inspect_types(SIG)
    assert "a: bfloat16" in typed and "b: bfloat16" in typed
    ptx = arithmetic.inspect_ptx(SIG)
    for instruction in ("fma.rn.bf16", "setp.gt.bf16", "cvt.f32.bf16", "cvt.rn.bf16.f32"):
        assert instruction in ptx, instruction
    typed = arithmetic.inspect_types(SIG)
    assert "(math.sqrt((pf.float32((abs(b) : bfloat16)) : float32)) : float32)" in typed
    typed = numba_spelling.inspect_types("void(float32[::1], bfloat16[::1])")
    assert "(pf.bf16.bfloat16((x[i] : float32)) : bfloat16)" in typed


def test_mixing_with_float16_gives_float32(make_module):
    mod = make_module("""
        import ptxforge as pf

        @pf.kernel
        def mix(b, h, out):
            out[0] = b[0] + h[0]
    """)
    assert "((b[0] : bfloat16) + (h[0] : float16) : float32)" in mod.mix.inspect_types(
        "void(bfloat16[::1], float16[::1], float32[::1])")
    mod.mix.inspect_ptx("void(bfloat16[::1], float16[::1], float32[::1])")


def scale_by(x, s, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = x[i] * s


def test_bfloat16_scalar_parameter_is_two_bytes():
    ptx, _ = pf.compile_ptx(scale_by, "void(bfloat16[::1], bfloat16, bfloat16[::1])")
    assert "mul.bf16" in ptx  # native on sm_90
    assert ".param .align 2 .b8 scale_by_param_2[2]" in ptx  # after x's pointer and extent


def test_host_dtype_stands_in_for_bfloat16():
    dt = devicearray.bfloat16_dtype()
    assert pf._args._dtype_name(dt, "x") == "bfloat16"
    assert devicearray.dtype_code(dt) == 14


def to_bits(f):
    """float32 -> bfloat16 bits, rounding to nearest even (finite values)."""
    u = np.asarray(f, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def from_bits(b):
    return (np.asarray(b, np.uint16).astype(np.uint32) << 16).view(np.float32)


@pf.kernel
def widen(src, dst):
    i = pf.grid(1)
    if i < src.size:
        dst[i] = src[i]


@pytest.mark.gpu
def test_device_arrays_of_bfloat16(rng):
    xs = rng.uniform(0.5, 4, 300).astype(np.float32)
    out = pf.device_array(300, pf.bfloat16)
    numba_spelling[3, 128](xs, out)
    got = out.copy_to_host().view(np.uint16)
    np.testing.assert_array_equal(from_bits(got), from_bits(to_bits(from_bits(to_bits(xs)) * 3)))
    x = pf.device_array(300, "bfloat16")  # filled from raw bits, read back widened to float32
    x.copy_to_device(to_bits(xs).view(x.dtype))
    wide = np.zeros(300, np.float32)
    widen[3, 128](x, wide)
    np.testing.assert_array_equal(wide, from_bits(to_bits(xs)))


@pytest.mark.gpu
@pytest.mark.gpu_only("torch interop (CUDA tensors)")
def test_torch_bfloat16_tensors_match_float32_math(rng):
    torch = pytest.importorskip("torch")
    x = torch.tensor(rng.uniform(0.5, 4, 500), dtype=torch.bfloat16, device="cuda")
    y = torch.tensor(rng.uniform(-2, 2, 500), dtype=torch.bfloat16, device="cuda")
    f = torch.tensor(rng.uniform(-3, 3, 500), dtype=torch.float32, device="cuda")
    out = torch.zeros(500, dtype=torch.bfloat16, device="cuda")
    f0 = f.clone()
    for _ in range(2):  # the first launch types the tensors in Python, the second takes the fast path
        f.copy_(f0)
        arithmetic[4, 128](x, y, out, f)
    pf.synchronize()
    xf, yf = x.float().cpu().numpy(), y.float().cpu().numpy()
    a = from_bits(to_bits(from_bits(to_bits(xf * 2)) + yf))
    b = from_bits(to_bits(from_bits(to_bits(f0.cpu().numpy())) / xf))
    alt = from_bits(to_bits(-np.floor(a) + np.mod(a, 2.0) + np.abs(b)))
    want = np.where(a > b, from_bits(to_bits(a - b)), alt)
    np.testing.assert_allclose(out.float().cpu().numpy(), want, rtol=2 ** -7)
    np.testing.assert_allclose(f.cpu().numpy(), a + np.sqrt(np.abs(b)), rtol=1e-6)


@pf.kernel
def numba_bf16_functions(x, y, out, cmp, wide):
    i = pf.grid(1)
    if i < x.size:
        a = pf.bf16.bfloat16(x[i])
        b = pf.bf16.bfloat16(y[i])
        out[i, 0] = pf.bf16.hadd(a, b)
        out[i, 1] = pf.bf16.hmul(pf.bf16.hsub(a, b), pf.bf16.hdiv(a, b))
        out[i, 2] = pf.bf16.hfma(a, b, pf.bf16.hneg(pf.bf16.habs(a)))
        out[i, 3] = pf.bf16.hmax(a, b) - pf.bf16.hmin(a, b)
        out[i, 4] = pf.bf16.hsqrt(pf.bf16.habs(a))
        out[i, 5] = pf.bf16.hsin(a) + pf.bf16.hexp(pf.bf16.hneg(pf.bf16.habs(b)))
        out[i, 6] = pf.bf16.hfloor(a) + pf.bf16.hceil(b) + pf.bf16.htrunc(a) + pf.bf16.hrint(b)
        out[i, 7] = pf.bf16.hlog2(pf.bf16.habs(a) + 1.0)
        cmp[i, 0] = pf.bf16.hlt(a, b)
        cmp[i, 1] = pf.bf16.hge(a, b)
        cmp[i, 2] = pf.bf16.heq(a, a)
        wide[i] = pf.bf16.bfloat16_to_float32(a)


BF16_FUNCTIONS_SIG = "void(float32[::1], float32[::1], float32[:, ::1], bool[:, ::1], float32[::1])"


def test_numba_bf16_functions_type_and_compile():
    typed = numba_bf16_functions.inspect_types(BF16_FUNCTIONS_SIG)
    assert "(pf.bf16.hadd(a, b) : bfloat16)" in typed
    assert "(pf.bf16.hlt(a, b) : bool)" in typed
    assert "(pf.bf16.bfloat16_to_float32(a) : float32)" in typed
    ptx = numba_bf16_functions.inspect_ptx(BF16_FUNCTIONS_SIG)
    assert "add.bf16" in ptx or "add.rn.bf16" in ptx or "fma.rn.bf16" in ptx
    assert "max.bf16" in ptx and "min.bf16" in ptx


@pytest.mark.gpu
def test_numba_bf16_functions_match_float32_math(rng):
    n = 200
    x = rng.uniform(-4, 4, n).astype(np.float32)
    y = rng.uniform(0.5, 4, n).astype(np.float32)
    out = np.zeros((n, 8), np.float32)
    cmp = np.zeros((n, 3), np.bool_)
    wide = np.zeros(n, np.float32)
    numba_bf16_functions[2, 128](x, y, out, cmp, wide)
    a, b = from_bits(to_bits(x)), from_bits(to_bits(y))
    r = lambda v: from_bits(to_bits(v))  # noqa: E731 - one rounding to bfloat16
    want = np.stack([r(a + b), r(r(a - b) * r(a / b)), r(a * b - np.abs(a)), r(np.maximum(a, b) - np.minimum(a, b)),
                     r(np.sqrt(np.abs(a))), r(r(np.sin(a)) + r(np.exp(-np.abs(b)))),
                     r(r(r(np.floor(a) + np.ceil(b)) + np.trunc(a)) + np.rint(b)), r(np.log2(r(np.abs(a) + 1)))],
                    axis=1)
    np.testing.assert_allclose(out, want, rtol=2 ** -7, atol=2 ** -7)
    np.testing.assert_array_equal(cmp, np.stack([a < b, a >= b, a == a], axis=1))
    np.testing.assert_array_equal(wide, a)


# ml_dtypes' module and its bfloat16 scalar type, as kernels recognise them (by module and name)
ml_dtypes = __import__("types").ModuleType("ml_dtypes")
ml_dtypes.bfloat16 = type("bfloat16", (), {"__module__": "ml_dtypes"})


def test_ml_dtypes_bfloat16_in_a_kernel_is_a_bfloat16_cast():
    def k(x, out):
        out[0] = x[0] + ml_dtypes.bfloat16(3.0)

    typed = pf.jit(k).inspect_types("void(bfloat16[::1], bfloat16[::1])")
    assert "(pf.bfloat16(3.0) : bfloat16)" in typed or "ml_dtypes.bfloat16(3.0) : bfloat16)" in typed
