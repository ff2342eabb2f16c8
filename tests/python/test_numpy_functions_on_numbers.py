"""numpy ufuncs called on numbers inside kernels (np.sin(x), np.add(a, b), np.maximum ...),
with numpy's result types, checked against numpy on the GPU."""

import warnings

import numpy as np
import pytest

import ptxforge as pf

UNARY = ["sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
         "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt", "fabs", "floor", "ceil", "trunc",
         "rint", "isnan", "isinf", "isfinite", "signbit", "deg2rad", "radians", "rad2deg", "degrees", "negative",
         "positive", "absolute", "abs", "square", "reciprocal", "sign", "conjugate", "logical_not"]
BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "remainder", "mod", "power",
          "arctan2", "hypot", "copysign", "nextafter", "equal", "not_equal", "less", "less_equal", "greater",
          "greater_equal", "logical_and", "logical_or", "logical_xor", "maximum", "minimum", "fmax", "fmin",
          "logaddexp", "logaddexp2", "fmod"]
INT_BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift", "add", "floor_divide",
              "remainder", "power", "maximum", "minimum", "fmod", "greater"]
INT_UNARY = ["invert", "bitwise_not", "negative", "absolute", "square", "reciprocal", "sign", "floor", "sqrt"]


def _module(make_module, names, arity):
    lines = ["import numpy as np", "import ptxforge as pf", "", "@pf.kernel", "def k(x, y, out):",
             "    i = pf.grid(1)", "    if i < x.size:"]
    for j, n in enumerate(names):
        args = "x[i]" if arity == 1 else "x[i], y[i]"
        lines.append(f"        out[i, {j}] = np.{n}({args})")
    return make_module("\n".join(lines) + "\n")


@pytest.mark.parametrize("dtype, names, arity", [
    ("float32", UNARY, 1), ("float64", UNARY, 1), ("float32", BINARY, 2), ("float64", BINARY, 2),
    ("int32", INT_UNARY, 1), ("int64", INT_BINARY, 2), ("uint16", INT_BINARY, 2),
])
def test_ufuncs_compile(dtype, names, arity, make_module):
    mod = _module(make_module, names, arity)
    mod.k.inspect_ptx(f"void({dtype}[::1], {dtype}[::1], float64[:, ::1])")


def test_numpy_result_types(make_module):
    mod = make_module("""
        import numpy as np
        import ptxforge as pf
        from numpy import sin

        @pf.kernel
        def k(f, i, h, s, out):
            out[0] = np.sin(f[0]) + sin(i[0]) + np.floor(i[0]) + np.absolute(i[0]) + np.maximum(f[0], i[0])
            out[1] = np.sqrt(h[0]) + np.add(f[0], 2.0) + np.divide(i[0], i[0]) + np.sign(f[0]) + np.equal(f[0], 1)
            out[2] = np.logaddexp(f[0], f[0]) + np.reciprocal(i[0]) + np.invert(i[0] > 0) + np.sqrt(s[0])
    """)
    typed = mod.k.inspect_types("void(float32[::1], int32[::1], float16[::1], uint16[::1], float64[::1])")
    for frag in ["(np.sin((f[0] : float32)) : float32)", "(sin((i[0] : int32)) : float64)",
                 "(np.floor((i[0] : int32)) : float64)", "(np.absolute((i[0] : int32)) : int32)",
                 "(np.maximum((f[0] : float32), (i[0] : int32)) : float64)", "(np.sqrt((h[0] : float16)) : float16)",
                 "(np.add((f[0] : float32), 2.0) : float32)", "(np.divide((i[0] : int32), (i[0] : int32)) : float64)",
                 "(np.equal((f[0] : float32), 1) : bool)", "(np.logaddexp((f[0] : float32), (f[0] : float32)) : float32)",
                 "(np.reciprocal((i[0] : int32)) : int32)",
                 "(np.sqrt((s[0] : uint16)) : float32)"]:  # numpy's loop for 16-bit ints
        assert frag in typed, frag


def test_arrays_are_not_ufunc_arguments(make_module):
    mod = make_module("""
        import numpy as np
        import ptxforge as pf

        @pf.kernel
        def k(x):
            x[0] = np.add(x, 1)

        @pf.kernel
        def m(x):
            x[0] = np.sin(x)
    """)
    with pytest.raises(pf.CompileError, match="works on numbers, not on whole arrays"):
        mod.k.inspect_types("void(float32[::1])")
    with pytest.raises(pf.CompileError, match=r"numpy.sin\(\)'s argument must be a number or bool, not float32"):
        mod.m.inspect_types("void(float32[::1])")


# -- on the GPU -----------------------------------------------------------------------------


def _check(make_module, names, arity, x, y):
    mod = _module(make_module, names, arity)
    out = np.zeros((x.size, len(names)))
    mod.k[(x.size + 127) // 128, 128](x, y, out)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for j, n in enumerate(names):
            want = getattr(np, n)(*((x,) if arity == 1 else (x, y))).astype(np.float64)
            if x.dtype.kind == "f":
                rtol = 1e-6 if x.dtype == np.float32 else 1e-14
                np.testing.assert_allclose(out[:, j], want, rtol=rtol, atol=rtol, err_msg=n)
            else:
                np.testing.assert_array_equal(out[:, j], want, err_msg=n)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_ufuncs_match_numpy(dtype, rng, make_module):
    x = rng.uniform(-0.9, 0.9, 300).astype(dtype)
    y = rng.uniform(0.1, 3, 300).astype(dtype) * rng.choice([-1, 1], 300).astype(dtype)
    x[:4] = [np.nan, np.inf, -0.0, 0.5]
    y[:4] = [1.0, np.nan, 2.0, 0.5]
    unary = [n for n in UNARY if n not in ("arccosh",)]  # arccosh needs x >= 1
    _check(make_module, unary, 1, x, y)
    _check(make_module, ["arccosh"], 1, np.abs(x) + 1, y)
    _check(make_module, BINARY, 2, x, y)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.int64, np.uint16])
def test_integer_ufuncs_match_numpy(dtype, rng, make_module):
    x = rng.integers(1 if dtype == np.uint16 else -50, 50, 300).astype(dtype)
    y = rng.integers(1, 7, 300).astype(dtype)
    _check(make_module, INT_BINARY, 2, x, y)
    signed = np.int32 if dtype == np.int64 else dtype
    _check(make_module, INT_UNARY, 1, x.astype(signed), y.astype(signed))
