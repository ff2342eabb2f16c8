"""numba-cuda's kernels over the dtypes and memory declarations of its tests
test_alignment, test_array_alignment, test_datetime and test_const_string:
aligned record arrays bound to declared signatures, local and shared arrays
with ``alignment=``, datetime64/timedelta64 arrays and scalars, and constant
strings stored into ``|S``/``<U`` arrays and record fields."""

import numpy as np
import pytest

import ptxforge as pf

ALIGNED = np.dtype([("a", "int32"), ("b", "float64")], align=True)


@pytest.mark.gpu
def test_declared_record_array_binds_a_contiguous_recarray():
    """A declared `Record(...)[:]` takes a C-contiguous record array (safe: C to any layout)."""

    @pf.jit((pf.from_dtype(ALIGNED)[:],))
    def copy_field(a):
        i = pf.grid(1)
        if i < a.size:
            a[i].a = a[i].b

    rec = np.recarray(3, dtype=ALIGNED)
    rec.a = 0
    rec.b = [123.0, 246.0, 369.0]
    copy_field[1, 3](rec)
    assert rec.a.tolist() == [123, 246, 369]
    assert len(copy_field.signatures) == 1


def _aligned_kernel(which, shape, dtype, alignment):
    @pf.jit
    def k(out):
        i = pf.grid(1)
        if which == 0:
            arr = pf.local.array(shape=shape, dtype=dtype, alignment=alignment)
        else:
            arr = pf.shared.array(shape=shape, dtype=dtype, alignment=alignment)
        if i == 0:
            out[0] = arr.ctypes.data

    return k


@pytest.mark.gpu
@pytest.mark.parametrize("which", [0, 1], ids=["local", "shared"])
@pytest.mark.parametrize("alignment", [None, 16, 64, 256])
def test_array_alignment_in_the_ir_and_the_address(which, alignment):
    """alignment= sets the alloca's / shared global's alignment (numba's names, quoted as
    llvmlite prints them), and the address the kernel sees (a.ctypes.data) is aligned."""
    import re

    k = _aligned_kernel(which, (2, 3), ALIGNED, alignment)
    out = np.zeros(1, np.uint64)
    k[1, 1](out)
    ir = k.inspect_llvm(k.signatures[0])
    lmem = re.findall(r'^\s*%"_cudapy_lmem".*?align (\d+)', ir, re.M)
    smem = re.findall(r'^@"_cudapy_smem_\d+".*?align (\d+)', ir, re.M)
    if which == 0:
        assert lmem == ([] if alignment is None else [str(alignment)])
    else:
        assert smem == [str(alignment or 16)]
    assert out[0] != 0 and out[0] % (alignment or 8) == 0


@pytest.mark.parametrize("which", [0, 1], ids=["local", "shared"])
@pytest.mark.parametrize("alignment, words", [(-1, "positive"), (0, "positive"), (3, "a power of 2"),
                                               (33, "a power of 2"), (4, "a multiple of 8"),
                                               (8192, "at most 4096")])
def test_bad_integer_alignment_is_a_value_error(which, alignment, words):
    k = _aligned_kernel(which, 4, np.uint8, alignment)
    with pytest.raises(ValueError, match="Alignment must be " + words) as info:
        pf.compile_ptx(k.py_func, "void(uint64[::1])")
    assert isinstance(info.value, pf.CompileError) and info.value.lineno > 0


@pytest.mark.parametrize("which", [0, 1], ids=["local", "shared"])
@pytest.mark.parametrize("alignment", ["1", "foo", 1.0, 1.5])
def test_non_integer_alignment_requires_a_literal(which, alignment):
    k = _aligned_kernel(which, 4, np.uint8, alignment)
    with pytest.raises(pf.CompileError, match="RequireLiteralValue:.*alignment must be a constant integer") as info:
        pf.compile_ptx(k.py_func, "void(uint64[::1])")
    assert not isinstance(info.value, ValueError)


DAYS = np.arange("2005-02", "2006-02", dtype="datetime64[D]")


@pytest.mark.gpu
def test_datetime_difference_units_and_nat():
    """datetime - datetime is a timedelta (in the finer unit when the units differ); a store
    into a finer unit scales; NaT in either operand gives NaT, as numpy."""

    @pf.jit
    def diff(start, end, later, delta, hours, mixed):
        for i in range(pf.grid(1), delta.size, pf.gridsize(1)):
            delta[i] = end[i] - start[i]
            hours[i] = end[i] - start[i]
            mixed[i] = later[i] - start[i]

    start = DAYS.copy()
    end = start + np.random.default_rng(1).integers(0, 10000, start.size)
    later = end.astype("datetime64[h]") + 5
    start[3] = np.datetime64("NaT")
    delta = np.zeros_like(start, dtype="timedelta64[D]")
    hours = np.zeros_like(start, dtype="timedelta64[h]")
    mixed = np.zeros_like(start, dtype="timedelta64[h]")
    diff[1, 32](start, end, later, delta, hours, mixed)
    np.testing.assert_array_equal(delta, end - start)
    np.testing.assert_array_equal(hours, (end - start).astype("timedelta64[h]"))
    np.testing.assert_array_equal(mixed, later - start)
    assert np.isnat(delta[3]) and np.isnat(hours[3]) and np.isnat(mixed[3])


@pytest.mark.gpu
def test_datetime_scalars_compare_and_shift():
    """np.datetime64/np.timedelta64 arguments; == and < as numpy, NaT equal to nothing."""

    @pf.jit
    def k(dates, target, delta, matches, before, shifted):
        for i in range(pf.grid(1), matches.size, pf.gridsize(1)):
            matches[i] = dates[i] == target
            before[i] = dates[i] < target
            shifted[i] = dates[i] - delta

    dates = DAYS.copy()
    dates[0] = np.datetime64("NaT")
    target, delta = dates[5], dates[6] - dates[5]
    matches, before = np.zeros(dates.size, bool), np.zeros(dates.size, bool)
    shifted = np.zeros_like(dates)
    k[1, 32](dates, target, delta, matches, before, shifted)
    assert matches.nonzero()[0].tolist() == [5]
    np.testing.assert_array_equal(before, dates < target)
    np.testing.assert_array_equal(shifted, dates - delta)
    nat = np.zeros(1, bool)

    @pf.jit
    def nat_is_unequal(x, out):
        out[0] = x != x and not (x == x)

    nat_is_unequal[1, 1](np.datetime64("NaT", "D"), nat)
    assert nat[0]


@pytest.mark.gpu
def test_datetime_ufuncs():
    diff = pf.vectorize(["timedelta64[D](datetime64[D], datetime64[D])"])(lambda a, b: b - a)

    @pf.guvectorize(["void(datetime64[D], datetime64[D], timedelta64[D][:])"], "(),()->()")
    def gdiff(a, b, out):
        out[0] = b - a

    end = DAYS + 17
    np.testing.assert_array_equal(diff(DAYS, end), end - DAYS)
    np.testing.assert_array_equal(gdiff(DAYS, end), end - DAYS)


@pytest.mark.gpu
def test_constant_strings_into_string_arrays():
    """As numpy stores them: the first n characters, zero-padded; U is UCS-4 (non-ASCII too)."""

    @pf.jit
    def fill(u, s):
        i = pf.grid(1)
        if i < u.size - 1:
            u[i] = "XYZ"
            s[i] = b"XYZ"
        if i == 0:
            u[u.size - 1] = "héllo, wörld"  # truncated to 5 characters
            s[s.size - 1] = b"too long for it"

    u = np.full(5, "old!!", dtype="<U5")
    s = np.full(5, b"old!!", dtype="S5")
    fill[1, 8](u, s)
    assert u.tolist() == ["XYZ"] * 4 + ["héllo"]
    assert s.tolist() == [b"XYZ"] * 4 + [b"too l"]
    assert u.view(np.uint32)[3] == 0  # padded with zeros, not left as it was


@pytest.mark.gpu
def test_constant_strings_into_record_fields():
    dt = np.dtype([("x", np.int32), ("y", "<U12"), ("z", "S4")])

    @pf.jit
    def f(a):
        a[0]["x"] = 1
        a[0]["y"] = "ABC"
        a[1].y = "XYZ"
        a[1]["z"] = b"abcdef"

    a = np.zeros(2, dt)
    f[1, 1](a)
    np.testing.assert_array_equal(a, np.asarray([(1, "ABC", b""), (0, "XYZ", b"abcd")], dtype=dt))


def test_string_dtype_names():
    from ptxforge import _args

    assert _args._dtype_name(np.dtype("<U12"), "a") == "U12"
    assert _args._dtype_name(np.dtype("S3"), "a") == "S3"
    assert pf._core.check_type("U12[::1]") == "U12[::1]"


def _kernel_error(make_module, body, signature, words):
    """Compiling `k(a, out)` with `body` for `signature` is a CompileError matching `words`."""
    mod = make_module(f"""
import ptxforge as pf

@pf.jit
def k(a, out):
    {body}
""")
    with pytest.raises(pf.CompileError, match=words):
        pf.compile_ptx(mod.k.py_func, signature)


@pytest.mark.parametrize("signature, body, words", [
    ("void(datetime64[D], int64[::1])", "out[0] = a + a",
     "operator '\\+' is not defined for datetime64\\[D\\] and datetime64\\[D\\]"),
    ("void(datetime64[D], int64[::1])", "out[0] = a - 1", "operator '-' is not defined for datetime64\\[D\\] and int"),
    ("void(datetime64[D], int64[::1])", "out[0] = a < 3", "cannot compare datetime64\\[D\\] with int"),
    ("void(datetime64[D], int64[::1])", "out[0] = -a", "operator '-' is not defined for datetime64\\[D\\]"),
    ("void(U4[::1], U4[::1])", "out[0] = a[0]", "can only be assigned a constant string"),
    ("void(U4[::1], U4[::1])", "a[0] = b'x'", "cannot store a bytes constant in a unicode string \\(U4\\)"),
    ("void(U4[::1], U4[::1])", "x = b'abc'", "bytes are not supported in kernels, except assigned"),
    ("void(U4[::1], U4[::1])", "for s in a:\n        out[0] = 1", "cannot store U4 in variable 's'"),
])
def test_datetime_and_string_operations_numpy_lacks_are_compile_errors(make_module, signature, body, words):
    _kernel_error(make_module, body, signature, words)


def test_strings_datetimes_and_alignment_compile_to_ptx():
    """The GPU's code for each (conftest feeds it to ptxas -arch=sm_90)."""

    def k(names, recs, dates, delta, out):
        i = pf.grid(1)
        names[i] = "héllo"
        recs[i]["tag"] = b"AB"
        delta[i] = dates[i] - dates[0]
        loc = pf.local.array(4, np.float64, alignment=64)
        buf = pf.shared.array(8, np.uint8, alignment=128)
        out[i] = loc.ctypes.data + buf.ctypes.data + (dates[i] < dates[0])

    rec = pf.from_dtype(np.dtype([("x", "f4"), ("tag", "S4")]))
    ptx, _ = pf.compile_ptx(k, ("U8[::1]", rec[::1], "datetime64[D][::1]",
                                "timedelta64[h][::1]", "uint64[::1]"))
    assert ".align 128" in ptx and "_cudapy_smem_1" in ptx
