"""numba-cuda's cuda.fp16 namespace (pf.fp16), and the names it shares with pf.bf16.

Every function of both namespaces compiles and assembles; the native sm_90
instructions appear where numba-cuda emits them; on the GPU the results match
numpy's float16 arithmetic (one rounding per operation) and the rounding
modes of the conversions.
"""

import math

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core


def _arity(name):
    base = name.lstrip("_")
    if base.startswith("hfma"):
        return 3
    binary = ("hadd", "hsub", "hmul", "hdiv", "hmax", "hmin", "heq", "hne", "hlt", "hle", "hgt", "hge")
    return 2 if base.startswith(binary) and base != "hneg" else 1


def _call(ns, name):
    base = name.lstrip("_")
    if base.endswith(("as_half", "as_bfloat16")) and "2" not in base:
        return f"pf.{ns}.{name}(bits[0])"
    return f"pf.{ns}.{name}({', '.join(['x[0]', 'x[1]', 'x[2]'][:_arity(name)])})"


@pytest.mark.parametrize("ns", ["fp16", "bf16"])
def test_every_function_compiles_and_assembles(ns, make_module):
    names = [p.split(".")[-1] for p in _core.builtin_paths(f"ptxforge.{ns}.")]
    names = [n for n in names if n not in ("__half", "bfloat16")]
    assert len(names) > 100
    body = "\n".join(f"    out[{i}] = {_call(ns, n)}" for i, n in enumerate(names))
    mod = make_module(f"import ptxforge as pf\n\n@pf.kernel\ndef every(x, bits, out):\n{body}\n")
    ptx = mod.every.inspect_ptx("void(float32[::1], int16[::1], float64[::1])")  # conftest assembles it
    assert ptx.count("cvt.rz") >= 10
    for n in names:  # each is a marker in the Python namespace too
        assert getattr(getattr(pf, ns), n)._pf_path == f"ptxforge.{ns}.{n}"


@pf.kernel
def arithmetic(r, b, a, c, d):
    r[0] = pf.fp16.hadd(a, c)
    r[1] = pf.fp16.habs(a)
    r[2] = pf.fp16.hfma(a, c, d)
    b[0] = pf.fp16.hlt(a, c)
    b[1] = pf.fp16.__hneu(a, c)
    r[3] = pf.fp16.hmax(a, c)
    r[4] = pf.fp16.__hmax_nan(a, c)
    r[5] = pf.fp16.hfloor(a)
    r[6] = pf.fp16.__float2half_rz(pf.float32(d))
    r[7] = pf.fp16.hsub(a, c) / pf.fp16.hneg(d)
    r[8] = abs(c)


ARITH_SIG = "void(f2[:], b1[:], f2, f2, f2)"


def test_native_f16_instructions():
    ptx = arithmetic.inspect_ptx(ARITH_SIG)
    for instruction in ("add.f16", "abs.f16", "fma.rn.f16", "setp.lt.f16", "setp.neu.f16", "max.f16",
                        "max.NaN.f16", "cvt.rmi.f16.f16", "cvt.rz.f16.f32", "neg.f16", "sub.f16"):
        assert instruction in ptx, instruction


def test_result_types(make_module):
    mod = make_module("""
        import math
        import ptxforge as pf

        @pf.kernel
        def k(x, out):
            a = pf.fp16.hlt(x[0], x[1])
            b = pf.fp16.__hisinf(x[0])
            c = pf.fp16.__half2int_rd(x[0])
            d = pf.fp16.__half2char_rz(x[0])
            e = pf.fp16.__half_as_ushort(x[0])
            f = pf.fp16.__half2float(x[0])
            g = math.sin(x[0])
            h = math.floor(x[0])
            i = math.atan(x[0])
            j = pf.fp16.hadd(2, 0.5)
            out[0] = a + b + c + d + e + f + g + h + i + j
    """)
    typed = mod.k.inspect_types("void(float16[::1], float64[::1])")
    for line in ("a: bool", "b: int32", "c: int32", "d: int8", "e: uint16", "f: float32", "g: float16",
                 "h: float16", "i: float32", "j: float16"):
        assert line in typed, line


def test_wrong_calls_are_compile_errors(make_module):
    mod = make_module("""
        import ptxforge as pf

        @pf.kernel
        def two(x):
            x[0] = pf.fp16.hadd(x[0])

        @pf.kernel
        def bits(x):
            x[0] = pf.fp16.__short_as_half(x[0])

        @pf.kernel
        def unknown(x):
            x[0] = pf.fp16.hneu(x[0], x[1])
    """)
    with pytest.raises(pf.CompileError, match=r"fp16.hadd\(\) takes 2 argument\(s\), got 1"):
        mod.two.inspect_types("void(float16[::1])")
    with pytest.raises(pf.CompileError, match=r"takes the bits as an integer, not float16"):
        mod.bits.inspect_types("void(float16[::1])")
    with pytest.raises(pf.CompileError, match=r"'hneu' is not something kernels can use from ptxforge.fp16"):
        mod.unknown.inspect_types("void(float16[::1])")


def test_bf16_conversions_need_sm90_below_it(make_module):
    mod = make_module("""
        import ptxforge as pf

        def k(x, out):
            out[0] = pf.bf16.int2bfloat16_rz(x[0])
    """)
    with pytest.raises(pf.CompileError, match="needs a GPU of compute capability 9.0"):
        pf.compile_ptx(mod.k, "void(int32[::1], bfloat16[::1])", cc=(8, 0))
    pf.compile_ptx(mod.k, "void(int32[::1], bfloat16[::1])", cc=(9, 0))


# -- on the GPU ---------------------------------------------------------------------------


@pf.kernel
def binary(x, y, out, cmp):
    i = pf.grid(1)
    if i < x.size:
        a, b = x[i], y[i]
        out[i, 0] = pf.fp16.hadd(a, b)
        out[i, 1] = pf.fp16.__hsub_rn(a, b)
        out[i, 2] = pf.fp16.hmul(a, b)
        out[i, 3] = pf.fp16.hdiv(a, b)
        out[i, 4] = pf.fp16.hmax(a, b)
        out[i, 5] = pf.fp16.hmin(a, b)
        out[i, 6] = pf.fp16.__hadd_sat(a, b)
        out[i, 7] = pf.fp16.__hfma_relu(a, b, a)
        out[i, 8] = pf.fp16.hneg(pf.fp16.habs(a))
        cmp[i, 0] = pf.fp16.heq(a, b)
        cmp[i, 1] = pf.fp16.hne(a, b)
        cmp[i, 2] = pf.fp16.__hneu(a, b)
        cmp[i, 3] = pf.fp16.hlt(a, b)
        cmp[i, 4] = pf.fp16.__hgeu(a, b)
        cmp[i, 5] = pf.fp16.__hisnan(a)


@pytest.mark.gpu
def test_arithmetic_matches_numpy_float16(rng):
    n = 512
    x = rng.uniform(-4, 4, n).astype(np.float16)
    y = rng.uniform(0.25, 4, n).astype(np.float16)
    x[:4] = [np.nan, np.inf, -0.0, 0.5]
    y[:4] = [1.0, np.nan, 0.0, np.nan]
    out = np.zeros((n, 9), np.float16)
    cmp = np.zeros((n, 6), np.bool_)
    binary[4, 128](x, y, out, cmp)
    with np.errstate(all="ignore"):
        s = x + y
        want = np.stack([s, x - y, x * y, x / y, np.fmax(x, y), np.fmin(x, y),
                         np.where(s > 0, np.minimum(s, np.float16(1)), np.float16(0)),
                         (x.astype(np.float64) * y + x).astype(np.float16),
                         -np.abs(x)], axis=1)
        want[:, 7] = np.where(np.isnan(want[:, 7]) | (want[:, 7] >= 0), want[:, 7], 0)
        np.testing.assert_array_equal(out, want)
        np.testing.assert_array_equal(cmp, np.stack([x == y, (x != y) & ~np.isnan(x) & ~np.isnan(y), x != y, x < y,
                                                     ~(x < y), np.isnan(x)], axis=1))


@pf.kernel
def unary(x, out):
    i = pf.grid(1)
    if i < x.size:
        a = x[i]
        out[i, 0] = pf.fp16.hsin(a)
        out[i, 1] = pf.fp16.hcos(a)
        out[i, 2] = pf.fp16.hexp(a)
        out[i, 3] = pf.fp16.hexp2(a)
        out[i, 4] = pf.fp16.hexp10(a)
        out[i, 5] = pf.fp16.hlog(a)
        out[i, 6] = pf.fp16.hlog2(a)
        out[i, 7] = pf.fp16.hlog10(a)
        out[i, 8] = pf.fp16.hsqrt(a)
        out[i, 9] = pf.fp16.hrsqrt(a)
        out[i, 10] = pf.fp16.hrcp(a)
        out[i, 11] = pf.fp16.htanh(a)
        out[i, 12] = pf.fp16.htrunc(a * 3)
        out[i, 13] = pf.fp16.hceil(a * 3)
        out[i, 14] = pf.fp16.hfloor(a * 3)
        out[i, 15] = pf.fp16.hrint(a * 3)
        out[i, 16] = math.sin(a)          # numba-cuda maps math.* of a float16 onto fp16.h*
        out[i, 17] = math.floor(a * 3)


@pytest.mark.gpu
def test_math_functions_match_numpy_float16(rng):
    x = rng.uniform(0.1, 4, 1000).astype(np.float16)
    out = np.zeros((x.size, 18), np.float16)
    unary[8, 128](x, out)
    f = x.astype(np.float32)
    t = (x * np.float16(3)).astype(np.float32)
    want = np.stack([np.sin(f), np.cos(f), np.exp(f), np.exp2(f), 10 ** f, np.log(f), np.log2(f), np.log10(f),
                     np.sqrt(f), 1 / np.sqrt(f), 1 / f, np.tanh(f), np.trunc(t), np.ceil(t), np.floor(t),
                     np.rint(t), np.sin(f), np.floor(t)], axis=1).astype(np.float16)
    np.testing.assert_allclose(out.astype(np.float32), want.astype(np.float32), rtol=2 ** -10)
    np.testing.assert_array_equal(out[:, 12:16], want[:, 12:16])  # exact
    np.testing.assert_array_equal(out[:, 8], want[:, 8])  # sqrt is correctly rounded


def _directed(x, mode):
    """float64 values rounded to float16 toward zero, down or up."""
    h = x.astype(np.float16)
    with np.errstate(all="ignore"):
        wide = h.astype(np.float64)
        if mode == "rz":
            fix = np.abs(wide) > np.abs(x)
            return np.where(fix, np.nextafter(h, np.float16(0)), h)
        if mode == "rd":
            return np.where(wide > x, np.nextafter(h, np.float16(-np.inf)), h)
        return np.where(wide < x, np.nextafter(h, np.float16(np.inf)), h)


@pf.kernel
def conversions(f, i, out, ints):
    k = pf.grid(1)
    if k < f.size:
        out[k, 0] = pf.fp16.__float2half_rz(f[k])
        out[k, 1] = pf.fp16.__float2half_rd(f[k])
        out[k, 2] = pf.fp16.__float2half_ru(f[k])
        out[k, 3] = pf.fp16.__int2half_rz(i[k])
        out[k, 4] = pf.fp16.__int2half_ru(i[k])
        h = pf.fp16.__float2half(f[k])
        ints[k, 0] = pf.fp16.__half2int_rn(h)
        ints[k, 1] = pf.fp16.__half2int_rd(h)
        ints[k, 2] = pf.fp16.__half2int_ru(h)
        ints[k, 3] = pf.fp16.__half2char_rz(h)
        ints[k, 4] = pf.fp16.__half2uchar_rz(h)
        ints[k, 5] = pf.fp16.__half_as_short(h)


@pytest.mark.gpu
def test_conversions_round_as_named(rng):
    n = 1000
    f = rng.uniform(-300, 300, n).astype(np.float32)
    f[:3] = [70000.0, -70000.0, np.nan]
    i = rng.integers(-100000, 100000, n).astype(np.int32)
    out = np.zeros((n, 5), np.float16)
    ints = np.zeros((n, 6), np.int32)
    conversions[8, 128](f, i, out, ints)
    f64 = f.astype(np.float64)
    i64 = i.astype(np.float64)
    want = np.stack([_directed(f64, "rz"), _directed(f64, "rd"), _directed(f64, "ru"), _directed(i64, "rz"),
                     _directed(i64, "ru")], axis=1)
    np.testing.assert_array_equal(out, want)
    h = f.astype(np.float16).astype(np.float64)
    with np.errstate(invalid="ignore"):
        def sat(v, lo, hi):
            return np.where(np.isnan(v), 0, np.clip(np.nan_to_num(v, posinf=hi, neginf=lo), lo, hi))
        big = 2.0 ** 31
        wanti = np.stack([sat(np.rint(h), -big, big - 1), sat(np.floor(h), -big, big - 1),
                          sat(np.ceil(h), -big, big - 1), sat(np.trunc(h), -128, 127), sat(np.trunc(h), 0, 255),
                          f.astype(np.float16).view(np.int16)], axis=1).astype(np.int64)
    np.testing.assert_array_equal(ints[:, :5], wanti[:, :5])
    real = ~np.isnan(f)  # a NaN's bits: the GPU's canonical NaN, not numpy's
    np.testing.assert_array_equal(ints[real, 5], wanti[real, 5])


@pf.kernel
def bf16_new_names(x, out, ints):
    k = pf.grid(1)
    if k < x.size:
        a = pf.bf16.float2bfloat16_rz(x[k])
        out[k, 0] = pf.bf16.bfloat162float(a)
        out[k, 1] = pf.bf16.bfloat16_to_float32(pf.bf16.float32_to_bfloat16_ru(x[k]))
        out[k, 2] = pf.bf16.bfloat162float(pf.bf16.hadd_sat(a, a))
        ints[k, 0] = pf.bf16.bfloat16_to_int32_rd(a)
        ints[k, 1] = pf.bf16.bfloat162short_ru(a)
        ints[k, 2] = pf.bf16.hisinf(pf.bf16.hdiv(a, 0.0))


@pytest.mark.gpu
def test_bf16_shares_the_conversions(rng):
    x = rng.uniform(-100, 100, 500).astype(np.float32)
    out = np.zeros((500, 3), np.float32)
    ints = np.zeros((500, 3), np.int32)
    bf16_new_names[4, 128](x, out, ints)
    bits = x.view(np.uint32)
    rz = (bits & 0xFFFF0000).view(np.float32)  # truncating the low 16 bits rounds toward zero
    up = np.where((bits & 0xFFFF) != 0, np.where(x > 0, (rz.view(np.uint32) + 0x10000).view(np.float32), rz), rz)
    np.testing.assert_array_equal(out[:, 0], rz)
    np.testing.assert_array_equal(out[:, 1], up)
    np.testing.assert_array_equal(out[:, 2], np.where(rz > 0, np.minimum(rz * 2, 1), 0))
    np.testing.assert_array_equal(ints[:, 0], np.floor(rz))
    np.testing.assert_array_equal(ints[:, 1], np.ceil(rz))
    np.testing.assert_array_equal(ints[:, 2], np.sign(rz))  # a / 0 is +-inf, or NaN for 0
