"""FP8 (pf.fp8, numba-cuda's cuda_fp8 bindings): every result against an oracle written here.

The oracle knows the formats only by their definitions: it lists the values of the 256 bytes
and picks the nearest (ties to the even byte), so it shares no code or method with the
compiler's bit arithmetic. The GPU run checks sm_90's cvt instructions the same way.
"""

import math

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import bfloat16, float16, float32, float64, int8, int16, int64, uint8, uint16, uint64
from ptxforge.errors import CompileError

fp8 = pf.fp8
NOSAT, SATFINITE = fp8.saturation_t.NOSAT, fp8.saturation_t.SATFINITE
E4M3, E5M2 = fp8.fp8_interpretation_t.E4M3, fp8.fp8_interpretation_t.E5M2
ZERO, POSINF = fp8.cudaRoundMode.cudaRoundZero, fp8.cudaRoundMode.cudaRoundPosInf

# ---------------------------------------------------------------------------------------------
# The oracle


def decode(fmt):
    """The value of each byte 0..255 of `fmt` ('e4m3', 'e5m2', 'e8m0'), NaN where it is one."""
    out = np.empty(256)
    for c in range(256):
        if fmt == "e8m0":
            out[c] = math.nan if c == 255 else 2.0 ** (c - 127)
            continue
        ebits, bias = (4, 7) if fmt == "e4m3" else (5, 15)
        mbits = 7 - ebits
        sign = -1.0 if c & 0x80 else 1.0
        e, m = (c >> mbits) & ((1 << ebits) - 1), c & ((1 << mbits) - 1)
        if fmt == "e4m3" and c & 0x7F == 0x7F or fmt == "e5m2" and e == 31 and m:
            out[c] = math.nan
        elif fmt == "e5m2" and e == 31:
            out[c] = sign * math.inf
        elif e == 0:
            out[c] = sign * m * 2.0 ** (1 - bias - mbits)
        else:
            out[c] = sign * (1 + m / 2 ** mbits) * 2.0 ** (e - bias)
    return out


MAX_CODE = {"e4m3": 0x7E, "e5m2": 0x7B}


def encode(x, fmt, sat):
    """The byte of e4m3/e5m2 nearest each float in `x` (ties to the even byte); past the largest
    finite, that one (sat) or inf (e5m2) / NaN (e4m3). NaN gives None."""
    values = decode(fmt)[: MAX_CODE[fmt] + 1]                 # the non-negative finite values, ascending
    ulp = values[-1] - values[-2]
    ladder = np.append(values, values[-1] + ulp)               # one more step: overflow
    out = []
    for v in np.asarray(x, dtype=np.float64):
        if math.isnan(v):
            out.append(None)
            continue
        a = abs(v)
        hi = int(np.searchsorted(ladder, a)) if a < ladder[-1] else len(ladder) - 1
        lo = max(hi - 1, 0)
        dl, dh = a - ladder[lo], ladder[hi] - a
        code = lo if dl < dh or (dl == dh and lo % 2 == 0) else hi
        if code == len(ladder) - 1:                               # rounded past the largest finite
            code = MAX_CODE[fmt] if sat else (0x7F if fmt == "e4m3" else 0x7C)
        out.append(code | (0x80 if math.copysign(1, v) < 0 else 0))
    return out


def encode_e8m0(x, sat, up):
    """The e8m0 byte of each number: 127 + its exponent rounded up (`up`) or down, at least 0;
    infinity and (rounding up) numbers past 2**127 give NaN (0xff), or 2**127 when saturating."""
    out = []
    for v in np.asarray(x, dtype=np.float64):
        if math.isnan(v):
            out.append(255)
            continue
        a = abs(v)
        if math.isinf(a):
            code = 255
        elif a == 0:
            code = 0
        else:
            m, e = math.frexp(a)                                 # a = m * 2**e, 0.5 <= m < 1
            k = (e if m > 0.5 else e - 1) if up else e - 1
            code = min(max(k + 127, 0), 255 if up else 254)     # toward zero, a finite stays finite
        out.append(254 if sat and code == 255 else code)
    return out


def probes():
    """float32 inputs: every fp8 value, the midpoints between neighbours and one float32 step
    either side of them, the edges of both ranges, specials and random numbers."""
    vals = set()
    for fmt in ("e4m3", "e5m2"):
        table = decode(fmt)
        finite = np.unique(np.abs(table[np.isfinite(table)]))
        mids = (finite[1:] + finite[:-1]) / 2
        for m in np.concatenate([finite, mids, [finite[-1] + (finite[-1] - finite[-2]) / 2]]):
            f = np.float32(m)
            vals.update([f, np.nextafter(f, np.float32(np.inf)), np.nextafter(f, np.float32(0))])
    rng = np.random.default_rng(8)
    vals.update(np.float32(v) for v in rng.standard_normal(200) * 2.0 ** rng.integers(-20, 20, 200))
    vals.update(np.float32(v) for v in [1e20, 3e38, np.inf, 1e-30, 1e-45, 0.0, 2.0 ** 127, 2.0 ** -127])
    pos = np.array(sorted(vals), dtype=np.float32)
    return np.concatenate([pos, -pos, np.array([np.nan], dtype=np.float32)])


# ---------------------------------------------------------------------------------------------
# Kernels


@pf.kernel
def storage_from_float(x, modes, out):
    i = pf.grid(1)
    if i < x.size:
        out[i, 0] = fp8.cvt_float_to_fp8(x[i], NOSAT, E4M3)
        out[i, 1] = fp8.cvt_float_to_fp8(x[i], SATFINITE, E4M3)
        out[i, 2] = fp8.cvt_float_to_fp8(x[i], NOSAT, E5M2)
        out[i, 3] = fp8.cvt_float_to_fp8(x[i], SATFINITE, E5M2)
        out[i, 4] = fp8.cvt_float_to_fp8(x[i], modes[0], modes[1])      # known only at run time
        out[i, 5] = fp8.cvt_float_to_e8m0(x[i], NOSAT, POSINF)
        out[i, 6] = fp8.cvt_float_to_e8m0(x[i], SATFINITE, POSINF)
        out[i, 7] = fp8.cvt_float_to_e8m0(x[i], NOSAT, ZERO)
        out[i, 8] = fp8.cvt_float_to_e8m0(x[i], SATFINITE, ZERO)


@pf.kernel
def storage_from_double(x, out):
    i = pf.grid(1)
    if i < x.size:
        out[i, 0] = fp8.cvt_double_to_fp8(x[i], NOSAT, E4M3)
        out[i, 1] = fp8.cvt_double_to_fp8(x[i], SATFINITE, E5M2)
        out[i, 2] = fp8.cvt_double_to_e8m0(x[i], SATFINITE, POSINF)
        out[i, 3] = fp8.cvt_double_to_e8m0(x[i], NOSAT, ZERO)


@pf.kernel
def round_trips(x, out):
    i = pf.grid(1)
    if i < x.size:
        a, b, c = fp8.fp8_e4m3(x[i]), fp8.fp8_e5m2(x[i]), fp8.fp8_e8m0(x[i])
        out[i, 0] = float32(a)
        out[i, 1] = float32(b)
        out[i, 2] = float32(c)
        out[i, 3] = float32(float16(a)) - float32(a)          # float16 holds e4m3 and e5m2 exactly
        out[i, 4] = float32(float64(b)) - float32(b)
        out[i, 5] = float32(bfloat16(c)) - float32(c)         # and bfloat16 e8m0
        out[i, 6] = float32(bool(a)) + 2 * float32(bool(b)) + 4 * float32(bool(c))


@pf.kernel
def to_integers(x, out):
    i = pf.grid(1)
    if i < x.size:
        b = fp8.fp8_e5m2(x[i])
        out[i, 0] = int8(b)
        out[i, 1] = uint8(b)
        out[i, 2] = int16(b)
        out[i, 3] = uint16(b)
        out[i, 4] = int64(b)
        out[i, 5] = int64(uint64(b) >> 1)     # uint64's top bit kept apart
        out[i, 6] = int64(fp8.fp8_e4m3(x[i]))
        out[i, 7] = int64(uint8(fp8.fp8_e8m0(x[i])))


@pf.kernel
def e8m0_bits(codes, out):
    i = pf.grid(1)
    if i < codes.size:
        raw = fp8.cvt_e8m0_to_bf16raw(codes[i])
        out[i, 0] = raw.x
        out[i, 1] = fp8.cvt_bfloat16raw_to_e8m0(raw, NOSAT, POSINF)
        out[i, 2] = fp8.cvt_bfloat16raw_to_fp8(raw, SATFINITE, E4M3)


@pf.kernel
def from_integers(v, out):
    i = pf.grid(1)
    if i < v.size:
        out[i, 0] = fp8.cvt_e8m0_to_bf16raw(uint8(127)).x >> 8    # 1.0: bfloat16 0x3f80
        out[i, 1] = fp8.cvt_float_to_e8m0(float32(fp8.fp8_e8m0(v[i])), 0, 1)   # its exponent byte
        out[i, 2] = fp8.cvt_float_to_e8m0(float32(fp8.fp8_e8m0(int16(v[i] % 30000))), 0, 1)
        out[i, 3] = fp8.cvt_float_to_fp8(float32(fp8.fp8_e4m3(v[i])), 1, 0)
        out[i, 4] = fp8.cvt_float_to_fp8(float32(fp8.fp8_e5m2(v[i])), 1, 1)


def _check(got, want, what):
    bad = [(i, g, w) for i, (g, w) in enumerate(zip(got, want)) if w is not None and g != w]
    assert not bad, f"{what}: {len(bad)} wrong, first (index, got, want): {bad[:5]}"


# ---------------------------------------------------------------------------------------------
# Tests


@pytest.mark.gpu
def test_float_to_storage_bytes_match_the_oracle():
    x = probes()
    out = np.zeros((x.size, 9), np.uint8)
    storage_from_float[(x.size + 127) // 128, 128](x, np.array([SATFINITE, E5M2], np.int64), out)
    for col, fmt, sat in ((0, "e4m3", False), (1, "e4m3", True), (2, "e5m2", False), (3, "e5m2", True),
                          (4, "e5m2", True)):
        want = encode(x, fmt, sat)
        _check(out[:, col], want, f"cvt_float_to_fp8 {fmt} sat={sat}")
        nan = [i for i, w in enumerate(want) if w is None]
        assert all(np.isnan(decode(fmt)[out[i, col]]) for i in nan)
    for col, sat, up in ((5, False, True), (6, True, True), (7, False, False), (8, True, False)):
        _check(out[:, col], encode_e8m0(x, sat, up), f"cvt_float_to_e8m0 sat={sat} up={up}")


@pytest.mark.gpu
def test_double_conversions_round_once_from_the_double():
    base = probes()
    base = base[np.isfinite(base)].astype(np.float64)
    # One double step off each midpoint: rounding through float32 first would make these ties.
    x = np.concatenate([base, np.nextafter(base, np.inf), np.nextafter(base, -np.inf), [1e300, -1e300, 2.0 ** -140]])
    out = np.zeros((x.size, 4), np.uint8)
    storage_from_double[(x.size + 127) // 128, 128](x, out)
    _check(out[:, 0], encode(x, "e4m3", False), "cvt_double_to_fp8 e4m3")
    _check(out[:, 1], encode(x, "e5m2", True), "cvt_double_to_fp8 e5m2 sat")
    _check(out[:, 2], encode_e8m0(x, True, True), "cvt_double_to_e8m0 up")
    _check(out[:, 3], encode_e8m0(x, False, False), "cvt_double_to_e8m0 zero")


@pytest.mark.gpu
def test_constructors_and_conversions_back():
    x = probes()
    out = np.zeros((x.size, 7), np.float32)
    round_trips[(x.size + 127) // 128, 128](x, out)
    for col, fmt in ((0, "e4m3"), (1, "e5m2")):
        codes = encode(x, fmt, True)                            # the constructors saturate
        want = np.array([np.nan if c is None else decode(fmt)[c] for c in codes], np.float32)
        np.testing.assert_array_equal(out[:, col], want, err_msg=fmt)
    e8 = np.array([decode("e8m0")[c] for c in encode_e8m0(x, True, True)], np.float32)
    np.testing.assert_array_equal(out[:, 2], e8)
    finite = np.isfinite(out[:, 0]) & np.isfinite(out[:, 1]) & np.isfinite(out[:, 2])
    assert not out[finite, 3:6].any()
    e4 = np.array(encode(x, "e4m3", True), dtype=object)
    e5 = np.array(encode(x, "e5m2", True), dtype=object)
    truth = [(c4 is None or c4 & 0x7F != 0) + 2 * (c5 is None or c5 & 0x7F != 0) + 4 for c4, c5 in zip(e4, e5)]
    np.testing.assert_array_equal(out[:, 6], np.array(truth, np.float32))


@pytest.mark.gpu
def test_integer_conversions_truncate_and_saturate():
    x = probes()
    out = np.zeros((x.size, 8), np.int64)
    to_integers[(x.size + 127) // 128, 128](x, out)

    def ints(values, lo, hi):
        return [0 if math.isnan(v) else int(min(max(math.trunc(v) if math.isfinite(v) else v, lo), hi))
                for v in values]

    e5 = [math.nan if c is None else decode("e5m2")[c] for c in encode(x, "e5m2", True)]
    e4 = [math.nan if c is None else decode("e4m3")[c] for c in encode(x, "e4m3", True)]
    e8 = [decode("e8m0")[c] for c in encode_e8m0(x, True, True)]
    for col, (lo, hi) in enumerate([(-128, 127), (0, 255), (-(2 ** 15), 2 ** 15 - 1), (0, 2 ** 16 - 1),
                                    (-(2 ** 63), 2 ** 63 - 1)]):
        np.testing.assert_array_equal(out[:, col], ints(e5, lo, hi), err_msg=f"column {col}")
    np.testing.assert_array_equal(out[:, 5], [v >> 1 for v in ints(e5, 0, 2 ** 64 - 1)])
    np.testing.assert_array_equal(out[:, 6], ints(e4, -(2 ** 63), 2 ** 63 - 1))
    np.testing.assert_array_equal(out[:, 7], ints(e8, 0, 255))


@pytest.mark.gpu
def test_e8m0_bytes_and_bfloat16_raw():
    codes = np.arange(256, dtype=np.uint8)
    out = np.zeros((256, 3), np.int64)
    e8m0_bits[2, 128](codes, out)
    want = [0x7FFF if c == 255 else 0x40 if c == 0 else c << 7 for c in range(256)]
    np.testing.assert_array_equal(out[:, 0], want)
    np.testing.assert_array_equal(out[:, 1], codes)      # back to the same byte
    values = decode("e8m0").astype(np.float32)
    _check(out[:, 2], encode(values, "e4m3", True), "cvt_bfloat16raw_to_fp8")


@pytest.mark.gpu
def test_integer_constructors():
    v = np.array([0, 1, 2, 3, 4, 5, 7, 8, 9, 1000, 2 ** 24 + 1, 2 ** 53 + 1, 2 ** 62 + 1, -(2 ** 63), -3, -1, 448,
                  464, 465, 480, 57344, 61439, 61440, 10 ** 18], np.int64)
    out = np.zeros((v.size, 5), np.uint8)
    from_integers[1, 32](v, out)
    assert (out[:, 0] == 0x3F).all()
    # e8m0 of an integer: 2**k with k the exponent of |v| rounded up (and 2**-127 for 0).
    want = [0 if n == 0 else 127 + (abs(int(n)) - 1).bit_length() for n in v]
    np.testing.assert_array_equal(out[:, 1], want)
    np.testing.assert_array_equal(out[:, 2], [0 if n % 30000 == 0 else 127 + (abs(int(n % 30000)) - 1).bit_length()
                                              for n in v])
    # e4m3 and e5m2 of an integer: of the float32 nearest it, as CUDA's constructors do.
    _check(out[:, 3], encode(v.astype(np.float32), "e4m3", True), "fp8_e4m3(int64)")
    _check(out[:, 4], encode(v.astype(np.float32), "e5m2", True), "fp8_e5m2(int64)")


def test_sm90_uses_the_cvt_instructions_and_older_targets_compute_it():
    sig = "void(float32[::1], int64[::1], uint8[:, ::1])"
    ptx, _ = pf.compile_ptx(storage_from_float.py_func, sig, cc=(9, 0))
    assert "cvt.rn.satfinite.e4m3x2.f32" in ptx and "cvt.rn.satfinite.e5m2x2.f32" in ptx
    ptx, _ = pf.compile_ptx(round_trips.py_func, "void(float32[::1], float32[:, ::1])", cc=(9, 0))
    assert "cvt.rn.f16x2.e4m3x2" in ptx and "cvt.rn.f16x2.e5m2x2" in ptx
    assert ptx.count("cvt.rn.f16x2.e4m3x2") == 1      # the same conversion is computed once
    old, _ = pf.compile_ptx(round_trips.py_func, "void(float32[::1], float32[:, ::1])", cc=(8, 0))
    assert "e4m3x2" not in old and "e5m2x2" not in old


def test_misuse_is_a_compile_error_at_the_line(make_module):
    mod = make_module("""
        import ptxforge as pf

        @pf.kernel
        def add(x, out):
            a = pf.fp8.fp8_e4m3(x[0])
            out[0] = a + a

        @pf.kernel
        def complex_of(x, out):
            out[0] = pf.complex64(pf.fp8.fp8_e5m2(x[0]))

        @pf.kernel
        def raw_of_float(x, out):
            out[0] = pf.fp8.cvt_bfloat16raw_to_fp8(x[0], 1, 0)

        @pf.kernel
        def arity(x, out):
            out[0] = pf.fp8.cvt_float_to_fp8(x[0], 1)
    """)
    sig = "void(float32[::1], float32[::1])"
    for kernel, line, text in ((mod.add, 6, "fp8_e4m3"), (mod.complex_of, 10, "convert it to a real type"),
                               (mod.raw_of_float, 14, "takes a bfloat16_raw"),
                               (mod.arity, 18, "takes 3 argument(s), got 2")):
        with pytest.raises(CompileError) as info:
            kernel.inspect_ptx(sig)
        message = str(info.value)
        assert f":{line}:" in message and text in message, message


def test_enums_are_cudas():
    assert (int(NOSAT), int(SATFINITE), int(E4M3), int(E5M2), int(ZERO), int(POSINF)) == (0, 1, 0, 1, 1, 2)
    typed = round_trips.inspect_types("void(float32[::1], float32[:, ::1])")
    assert "a: fp8_e4m3" in typed and "b: fp8_e5m2" in typed and "c: fp8_e8m0" in typed


@pf.jit(device=True)
def _doubled(v):
    return float32(v) * 2


@pf.jit(device=True)
def _e5m2_of(x):
    return fp8.fp8_e5m2(x)


@pytest.mark.gpu
def test_fp8_values_pass_to_and_from_device_functions():
    @pf.kernel
    def k(out):
        a = fp8.fp8_e4m3(out[1])
        pair = (a, _e5m2_of(out[1]))
        out[0] = _doubled(pair[0]) + float32(pair[1])

    out = np.array([0, 3.3, 0], np.float32)
    k[1, 1](out)
    assert out[0] == 3.25 * 2 + 3.5      # e4m3 and e5m2's nearest to 3.3


def _numba_stand_in(module, name, value=None):
    """An object as numba-cuda's generated cuda_fp8 bindings have it (numba is not needed)."""
    if value is None:
        def value():
            pass
    value.__module__, value.__name__, value.__qualname__ = module, name, name
    return value


@pytest.mark.gpu
def test_numba_cuda_fp8_bindings_are_ptxforges(make_module):
    import enum

    mod_name = "numba.cuda._internal.cuda_fp8"
    fp8_e4m3 = _numba_stand_in(mod_name, "fp8_e4m3", type("fp8_e4m3", (), {"_nbtype": None}))
    cvt = _numba_stand_in(mod_name, "cvt_float_to_e8m0")
    saturation_t = enum.IntEnum("saturation_t", [("NOSAT", 0), ("SATFINITE", 1)], module=mod_name)

    class FastEnumMetaclass(type):      # cuda-python's enums (cuda.bindings.runtime.cudaRoundMode)
        pass

    class FastEnum(int, metaclass=FastEnumMetaclass):
        pass

    class cudaRoundMode(FastEnum):
        pass

    cudaRoundMode.__members__ = {"cudaRoundZero": cudaRoundMode(1), "cudaRoundPosInf": cudaRoundMode(2)}
    cudaRoundMode.cudaRoundZero, cudaRoundMode.cudaRoundPosInf = cudaRoundMode.__members__.values()

    @pf.jit
    def k(out, x):
        out[0] = float32(fp8_e4m3(x[0]))
        out[1] = cvt(x[0], saturation_t.NOSAT, cudaRoundMode.cudaRoundPosInf)
        out[2] = cvt(x[0], saturation_t.NOSAT, cudaRoundMode.cudaRoundZero)

    out = np.zeros(3, np.float32)
    k[1, 1](out, np.array([300.0], np.float32))
    np.testing.assert_array_equal(out, [288.0, 127 + 9, 127 + 8])


@pf.jit("float32(fp8_e5m2)", device=True)
def _declared_float(v):
    return float32(v) + 1


@pytest.mark.gpu
def test_signatures_name_fp8_types():
    @pf.kernel
    def k(out):
        out[0] = _declared_float(fp8.fp8_e5m2(out[0]))

    out = np.array([3.3], np.float32)
    k[1, 1](out)
    assert out[0] == 4.5
