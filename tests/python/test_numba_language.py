"""Language behaviour taken from numba-cuda where it differs from CPython's."""

import math

import numpy as np
import pytest

import ptxforge as pf


@pf.kernel
def two_arg_minmax(a, b, out):
    i = pf.grid(1)
    if i < a.size:
        out[i, 0] = max(a[i], b[i])
        out[i, 1] = min(a[i], b[i])
        out[i, 2] = max(a[i], b[i], 0.5)  # three: Python's rule, the first NaN stays
        out[i, 3] = min(a[i], 2)  # an int among them: Python's rule


@pytest.mark.parametrize("left, right, bits", [("float32", "float32", 32), ("float32", "float64", 64),
                                               ("float64", "float32", 64), ("float64", "float64", 64)])
def test_two_float_minmax_are_one_instruction(left, right, bits):
    ptx = two_arg_minmax.inspect_ptx(f"void({left}[::1], {right}[::1], float64[:, ::1])")
    assert f"max.f{bits}" in ptx and f"min.f{bits}" in ptx


@pytest.mark.gpu
def test_two_float_minmax_ignore_nan():
    nan = math.nan
    a = np.array([nan, 1.0, nan, 3.0, -0.0], np.float32)
    b = np.array([1.0, nan, nan, 2.0, 7.0], np.float64)
    out = np.zeros((a.size, 4))
    two_arg_minmax[1, 32](a, b, out)
    np.testing.assert_array_equal(out[:, 0], np.fmax(a, b))
    np.testing.assert_array_equal(out[:, 1], np.fmin(a, b))
    np.testing.assert_array_equal(out[:, 2], [max(x, y, 0.5) for x, y in zip(a.astype(np.float64), b)])
    np.testing.assert_array_equal(out[:, 3], [min(x, 2) for x in a.astype(np.float64)])


@pf.kernel
def unary_math(r, x):
    r[0] = math.cos(x)
    r[1] = math.sin(x)
    r[2] = math.tan(x)
    r[3] = math.exp(x)
    r[4] = math.log(x)
    r[5] = math.log2(x)
    r[6] = math.log10(x)
    r[7] = math.tanh(x)
    r[8] = math.pow(x, x)


def test_fastmath_float32_functions_are_numbas_approximations():
    # numba-cuda's fastmath: cos/sin/tan/exp/log/log2/log10/pow of float32 are libdevice's
    # __nv_fast_* and tanh is tanh.approx.f32 (sm_75 and up); float64 and precise builds are not.
    sig = "void(float32[::1], float32)"
    fast = pf.jit(unary_math.py_func, fastmath=True).inspect_ptx(sig)
    precise = unary_math.inspect_ptx(sig)
    for ins in ("cos.approx.ftz.f32 ", "sin.approx.ftz.f32 ", "lg2.approx.ftz.f32 ", "tanh.approx.f32 ",
                "div.approx.ftz.f32 ", "0f3F317218", "0f3E9A209B"):
        assert ins in fast, ins
    for ins in ("cos.approx", "sin.approx", "lg2.approx.ftz.f32 ", "tanh.approx"):
        assert ins not in precise, ins
    double = pf.jit(unary_math.py_func, fastmath=True).inspect_ptx("void(float64[::1], float64)")
    assert "cos.approx" not in double and "tanh.approx" not in double
    older = pf.compile_ptx(unary_math.py_func, sig, cc=(7, 0), fastmath=True)[0]
    assert "tanh.approx" not in older  # sm_70 has no tanh.approx: libdevice's tanhf


@pytest.mark.gpu
def test_fastmath_float32_functions_are_close():
    fast = pf.jit(unary_math.py_func, fastmath=True)
    r = np.zeros(9, np.float32)
    x = 0.7
    fast[1, 1](r, np.float32(x))
    expect = [math.cos(x), math.sin(x), math.tan(x), math.exp(x), math.log(x), math.log2(x), math.log10(x),
              math.tanh(x), math.pow(x, x)]
    np.testing.assert_allclose(r, expect, rtol=1e-3)


@pf.jit(device=True)
def scaled(x, factor=2, offset=-0.5, bias=None):
    if bias is None:  # pruned when compiled: `x + bias` is never typed for None
        return x * factor + offset
    return x * factor + offset + bias


@pf.kernel
def defaults_and_keywords(out, x):
    out[0] = scaled(x)
    out[1] = scaled(x, 3)
    out[2] = scaled(x, offset=1.0)
    out[3] = scaled(offset=0.0, x=x, factor=10)
    out[4] = scaled(x, bias=100)
    nothing = None
    other = nothing
    if x == other:  # a number never equals None
        out[5] = 1.0
    else:
        out[5] = 2.0


@pf.kernel
def pruned(a, t, out):
    # numba's semantic constants: branches that cannot run for these types are not compiled
    if a.ndim == 2:
        out[0] = a.shape[1]
    else:
        out[0] = -a.shape[0]
    if len(t) == 3:
        out[1] = t[2]
    elif not len(t) > 1:
        out[1] = -100
    else:
        out[1] = t[1]


@pytest.mark.gpu
def test_device_function_defaults_keywords_and_none():
    out = np.zeros(6)
    defaults_and_keywords[1, 1](out, 1.5)
    np.testing.assert_array_equal(out, [2.5, 4.0, 4.0, 15.0, 102.5, 2.0])


@pytest.mark.gpu
def test_constant_branches_are_pruned():
    out = np.zeros(2)
    pruned[1, 1](np.zeros((2, 7)), (1, 2, 3), out)
    np.testing.assert_array_equal(out, [7, 3])
    pruned[1, 1](np.zeros(5), (1, 2), out)
    np.testing.assert_array_equal(out, [-5, 2])
    pruned[1, 1](np.zeros(4), (9,), out)
    np.testing.assert_array_equal(out, [-4, -100])


def test_pruned_branches_are_not_typed(make_module):
    # a.shape[1] of a 1-d array and t[2] of a pair are errors where they could run
    assert "st.global" in pruned.inspect_ptx("void(float64[::1], UniTuple(int64, 2), float64[::1])")
    mod = make_module("import ptxforge as pf\n\n@pf.kernel\ndef k(a, n, out):\n"
                      "    if a.ndim == n:\n        out[0] = a.shape[1]\n")
    with pytest.raises(pf.CompileError, match="out of range|index 1"):
        mod.k.inspect_ptx("void(float64[::1], int64, float64[::1])")  # n is known only at run time


@pytest.mark.parametrize("source, message", [
    ("def f(x, y=len):\n    return x", "default parameter value in a kernel must be a literal"),
    ("def f(x, y=1):\n    return x + y\n\n@pf.kernel\ndef k(o):\n    o[0] = f(1, z=2)", "has no parameter 'z'"),
    ("def f(x, y=1):\n    return x + y\n\n@pf.kernel\ndef k(o):\n    o[0] = f(1, 2, y=2)",
     "got two values for parameter 'y'"),
    ("def f(x, y=1):\n    return x + y\n\n@pf.kernel\ndef k(o):\n    o[0] = f(y=2)", "missing a value for parameter 'x'"),
])
def test_default_and_keyword_errors(make_module, source, message):
    text = "import ptxforge as pf\n\n@pf.jit(device=True)\n" + source + "\n"
    if "def k" not in text:
        text += "\n@pf.kernel\ndef k(o):\n    o[0] = f(1)\n"
    mod = make_module(text)
    with pytest.raises(pf.CompileError, match=message) as info:
        mod.k.inspect_ptx("void(float64[::1])")
    assert ".py:" in str(info.value)  # file, line and column


def _divide(r, x, y):
    r[0] = x / y


@pytest.mark.gpu
def test_fastmath_float32_division_is_not_checked_in_debug_mode():
    r = np.zeros(1, np.float32)
    with pytest.raises(ZeroDivisionError):
        pf.jit(debug=True, opt=False)(_divide)[1, 1](r, np.float32(1.0), np.float32(0.0))
    pf.jit(debug=True, opt=False, fastmath=True)(_divide)[1, 1](r, np.float32(1.0), np.float32(0.0))
    assert r[0] == np.inf


# --- numba forms met in numba-cuda's own tests (test_array, test_ssa, test_compiler, test_dispatcher) ---

@pf.kernel
def reshaped(arr, newshape, got):
    y = arr.reshape(newshape)
    for i in range(y.shape[0]):
        for j in range(y.shape[1]):
            got[i, j] = y[i, j]


@pf.kernel
def reshaped_by_extents(arr, got):
    y = np.reshape(arr, (2, -1))  # the function form, with the extent numpy infers
    z = arr.reshape(2, 3)
    for i in range(2):
        for j in range(3):
            got[i, j] = y[i, j] + 10 * z[i, j]


@pytest.mark.gpu
def test_reshape_is_a_c_ordered_view():
    a = np.arange(12.0)
    for shape in ((3, 4), (3, -1), (-1, 6), (12, 1)):
        got = np.zeros(a.reshape(shape).shape)
        reshaped[1, 1](a, shape, got)
        np.testing.assert_array_equal(got, a.reshape(shape))
    got = np.zeros((2, 3))
    reshaped_by_extents[1, 1](np.arange(6.0), got)
    np.testing.assert_array_equal(got, 11 * np.arange(6.0).reshape(2, 3))


def test_reshape_refuses_strided_arrays_and_non_integers():
    @pf.kernel
    def strided(a, out):
        out[0] = a.reshape(4)[0]

    with pytest.raises(pf.CompileError, match=r"needs a C-contiguous array.*\.copy\(\) it first"):
        strided.inspect_ptx("void(float32[:, :], float32[::1])")

    @pf.kernel
    def floats(a, out):
        out[0] = a.reshape(2.0, 2)[0, 0]

    with pytest.raises(pf.CompileError, match="shape must be integers, not float"):
        floats.inspect_ptx("void(float32[::1], float32[::1])")


@pf.kernel
def local_of_the_arrays_dtype(ary):
    lm = pf.local.array(10, dtype=ary.dtype)
    for j in range(10):
        lm[j] = j + 0.5
    for j in range(10):
        ary[j] = lm[j]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int16])
def test_array_dtype_is_a_dtype_in_kernels(dtype):
    a = np.zeros(10, dtype)
    local_of_the_arrays_dtype[1, 1](a)
    np.testing.assert_array_equal(a, (np.arange(10) + 0.5).astype(dtype))


@pf.kernel
def bool_identity(pred, out):
    out[0] = 1 if pred is True else 0
    out[1] = 1 if pred is not False else 0


@pytest.mark.gpu
@pytest.mark.parametrize("pred", [True, False])
def test_is_between_bools_is_equality(pred):
    out = np.zeros(2, np.int32)
    bool_identity[1, 1](pred, out)
    assert list(out) == [int(pred is True), int(pred is not False)]


def test_is_between_numbers_stays_an_error():
    @pf.kernel
    def numbers(x, out):
        out[0] = x is 3  # noqa: F632

    with pytest.raises(pf.CompileError, match="'is' is only supported against None and between bools"):
        numbers.inspect_ptx("void(int64, int64[::1])")


UNSET_FLAG = None


@pf.kernel
def none_global(b, out):
    if UNSET_FLAG:
        out[0] = b[0]
    if UNSET_FLAG is None:
        out[1] = b[1]


@pytest.mark.gpu
def test_a_none_global_is_none():
    b = np.array([5.0, 6.0], np.float32)
    out = np.zeros(2, np.float32)
    none_global[1, 1](b, out)
    assert list(out) == [0.0, 6.0]


def test_a_kernel_returning_a_value_is_a_type_error():
    def f(x, y):
        return x[0] + y[0]

    with pytest.raises(TypeError, match="must have void return type") as info:
        pf.compile_ptx(f, (pf.uint32[::1], pf.uint32[::1]))
    assert isinstance(info.value, pf.CompileError) and info.value.lineno > 0


# numba's SSA: a name bound to values of two kinds that no read sees together
# (numba-cuda's test_ssa: issue 3931 and 5493).
@pf.kernel
def rebinds_to_other_kinds(res, arr, B, m, n):
    for i in range(1):
        arr = arr.reshape(3 * 2)
        arr = arr.reshape(3, 2)
    for i in range(arr.shape[0]):
        for j in range(arr.shape[1]):
            res[i, j] = arr[i, j]
    for t in range(1, m):
        for idx in range(n):
            t = B
            if idx == n - 1:
                res[0, 0] += t[0]


@pytest.mark.gpu
def test_a_name_rebound_to_another_kind_where_the_values_never_meet():
    arr = np.arange(6.0).reshape(3, 2)
    res = np.zeros((3, 2))
    B = np.array([10.0])
    rebinds_to_other_kinds[1, 1](res, arr, B, 3, 2)
    expect = arr.copy()
    expect[0, 0] += 2 * B[0]  # the outer loop runs twice, the inner's last step adds once each
    np.testing.assert_array_equal(res, expect)


def _float_of(x):
    return float(x)


@pytest.mark.parametrize("arg, returned", [("float16", "float16"), ("float32", "float32"), ("float64", "float64"),
                                           ("int32", "float64"), ("uint8", "float64"), ("bool", "float64")])
def test_float_keeps_a_floats_type_as_numba(arg, returned):
    # numba: float(x) of a float is x's own type; of an integer or bool, float64
    ptx, ret = pf.compile_ptx(_float_of, (getattr(pf, arg if arg != "bool" else "boolean"),), device=True)
    assert str(ret) == returned
    if returned == "float32":
        assert "st.param.f32" in ptx and "cvt.f64" not in ptx


@pf.kernel
def _float_of_float32_in_arithmetic(x, out):
    out[0] = float(x[0]) * 3.0  # float32 * Python float: float32 arithmetic, as numba
    out[1] = float(x[0]) + np.float64(0.0)


def test_float_of_float32_computes_in_float32():
    ptx = _float_of_float32_in_arithmetic.inspect_ptx("void(float32[::1], float64[::1])")
    assert "mul.f32" in ptx or "mul.rn.f32" in ptx
