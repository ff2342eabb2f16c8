"""Compile errors point at the Python source; bad launches and arguments raise Python errors.

A CompileError reads ``file:line:col: error: message``, then the source line
indented by four spaces, then a caret line with ``^`` under the column and
``~`` along the rest of the offending span.
"""

import re

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core
from ptxforge._args import describe

SIG = "void(float32[::1])"


def compile_error(func, sig=SIG):
    with pytest.raises(pf.CompileError) as info:
        pf.compile_ptx(func, sig)
    return info.value


def check_error(err, path, source, line_part, token, msg_part, span=None):
    """`err` points at the first occurrence of `token` on the first line of `source` holding
    `line_part`; its message holds `msg_part`; the underline covers `span` when given."""
    lines = source.splitlines()
    lineno = next(n for n, text in enumerate(lines, 1) if line_part in text)
    text = lines[lineno - 1]
    col = text.index(token, text.index(line_part) if token in line_part else 0) + 1
    assert (err.filename, err.lineno, err.col) == (str(path), lineno, col), str(err)
    assert msg_part in err.msg, err.msg
    rendered = str(err).splitlines()
    assert rendered[0] == f"{path}:{lineno}:{col}: error: {err.msg}"
    assert rendered[1] == "    " + text
    caret = rendered[2]
    assert re.fullmatch(r"    [ \t]*\^~*", caret), repr(caret)
    at = caret.index("^")
    assert len(text[: at - 4]) == col - 1
    assert rendered[1][at:].startswith(token), (rendered[1], caret)
    if span is not None:
        assert len(caret) - at == len(span), (rendered[1], caret)
        assert rendered[1][at:].startswith(span)


# (name, body of `def k(x):` at module level, line part, token, message part, whole span)
CASES = [
    ("undefined", "    x[0] = foo + 1.0\n", "foo", "foo", "name 'foo' is not defined", "foo"),
    ("try", "    try:\n        x[0] = 1.0\n    except Exception:\n        pass\n", "try:", "try",
     "try/except is not supported", None),
    ("list", "    a = [1, 2]\n", "[1, 2]", "[", "lists are not supported", "[1, 2]"),
    ("dict", "    a = {1: 2}\n", "{1: 2}", "{", "dicts are not supported", "{1: 2}"),
    ("set", "    a = {1, 2}\n", "{1, 2}", "{", "sets are not supported", "{1, 2}"),
    ("escaping closure", "    z = x[0]\n    g = lambda v: v + z\n    t = (g,)\n", "t = (g,)", "g",
     "Cannot capture the non-constant value associated with variable 'z'", None),
    ("nonlocal and value", "    n = 1\n    def g():\n        nonlocal n\n        n = 2\n        return 3\n"
     "    x[0] = g()\n", "def g", "def", "assigns a nonlocal variable and returns a value", None),
    ("builtin", "    open(x[0])\n", "open", "open", "the Python builtin 'open'", "open"),
    ("conflict", "    v = 1\n    if x[0] > 0:\n        v = x\n    x[0] = v\n", "v = x", "x", "variable 'v' holds int but is assigned float32[::1]", "x"),
    ("return value", "    return x[0]\n", "return", "x[0]", "a kernel cannot return a value", "x[0]"),
    ("string", "    s = 'abc'\n", "'abc'", "'abc'", "strings have no device representation", "'abc'"),
    ("list comp", "    s = [i for i in range(3)]\n", "[i for", "[", "list comprehensions are not supported", None),
    ("bad attr", "    x[0] = x.nonexistent\n", "nonexistent", "x.non", "'nonexistent' is not supported", None),
    ("float index", "    x[0.5] = 1.0\n", "0.5", "0.5", "an array index must be an integer", "0.5"),
    ("range float", "    for i in range(1.5):\n        x[0] = i\n", "range", "1.5", "must be an integer", "1.5"),
    ("import", "    import os\n", "import os", "import", "import inside a kernel is not supported", "import os"),
    ("grid arg", "    i = pf.grid(4)\n", "grid", "4", "grid() takes a constant 1, 2 or 3", "4"),
    ("bitwise float", "    x[0] = x[0] << 1\n", "<<", "x[0] <<", "operator '<<' needs integers", "x[0] << 1"),
    ("elif", "    if x[0] > 0:\n        pass\n    elif zz > 1:\n        pass\n", "elif", "zz",
     "name 'zz' is not defined", "zz"),
    ("while", "    while x[0] < qq:\n        x[0] += 1.0\n", "while", "qq", "name 'qq' is not defined", "qq"),
    ("chained", "    if 0 < x[0] < ww:\n        pass\n", "if 0", "ww", "name 'ww' is not defined", "ww"),
    ("ternary", "    x[0] = 1.0 if x[0] > 0 else ee\n", "else", "ee", "name 'ee' is not defined", "ee"),
    ("aug", "    x[0] += rr\n", "+=", "rr", "name 'rr' is not defined", "rr"),
    ("kwargs", "    x[0] = min(a=1, b=2)\n", "min", "a=1", "takes no keyword arguments", "a=1"),
    ("tuple index", "    t = (1, 2)\n    x[0] = t[5]\n", "t[5]", "5", "tuple index 5 is out of range", "5"),
    ("unpack", "    a, b = (1, 2, 3)\n", "a, b", "(1, 2, 3)", "cannot unpack a tuple of 3 values into 2 names", "(1, 2, 3)"),
]


@pytest.mark.parametrize("name,body,line_part,token,msg_part,span", CASES, ids=[c[0] for c in CASES])
def test_error_points_at_source(make_module, name, body, line_part, token, msg_part, span):
    source = "import ptxforge as pf\n\n\ndef k(x):\n" + body
    mod = make_module(source)
    err = compile_error(mod.k)
    check_error(err, mod.__file__, source, line_part, token, msg_part, span)


def test_conflict_has_note(make_module):
    source = "def k(x):\n    v = 1\n    if x[0] > 0:\n        v = x\n    x[0] = v\n"
    mod = make_module(source)
    text = str(compile_error(mod.k))
    assert f"{mod.__file__}:2:5: note: 'v' first gets its type here" in text.splitlines()


def test_error_inside_decorated_kernel(make_module):
    source = ('import ptxforge as pf\n\n\n@pf.kernel(\n    fastmath=True,\n)\ndef k(x):\n'
              '    i = pf.grid(1)\n    x[i] = undefined_name\n')
    mod = make_module(source)
    with pytest.raises(pf.CompileError) as info:
        mod.k.inspect_ptx(SIG)
    check_error(info.value, mod.__file__, source, "undefined_name", "undefined_name", "not defined")


def test_error_in_method_and_nested_functions(make_module):
    source = (
        "import ptxforge as pf\n"
        "\n"
        "class Kernels:\n"
        "    @staticmethod\n"
        "    def method(x):\n"
        "        x[0] = in_method\n"
        "\n"
        "    def factory(self):\n"
        "        def inner(x):\n"
        "            if x[0] > 0:\n"
        "                x[0] = [1]\n"
        "        return inner\n"
        "\n"
        "def outer():\n"
        "    def level1():\n"
        "        def level2(x):\n"
        "            for i in range(3):\n"
        "                x[i] = x[i] + in_level2\n"
        "        return level2\n"
        "    return level1()\n"
    )
    mod = make_module(source)
    path = mod.__file__
    check_error(compile_error(mod.Kernels.method), path, source, "in_method", "in_method", "not defined")
    check_error(compile_error(mod.Kernels().factory()), path, source, "[1]", "[1]", "lists", "[1]")
    check_error(compile_error(mod.outer()), path, source, "in_level2", "in_level2", "not defined", "in_level2")


def test_error_in_tab_indented_code(make_module):
    source = "class K:\n\tdef k(x):\n\t\tif x[0] > 0:\n\t\t\tx[0] = tabbed\n"
    mod = make_module(source)
    err = compile_error(mod.K.k)
    check_error(err, mod.__file__, source, "tabbed", "tabbed", "not defined", "tabbed")
    assert str(err).splitlines()[2] == "    \t\t\t       ^~~~~~"


def test_error_column_counts_characters(make_module):
    source = "def k(x):\n    größe = 1.5\n    x[0] = größe * nope\n"
    mod = make_module(source)
    err = compile_error(mod.k)
    check_error(err, mod.__file__, source, "nope", "nope", "not defined", "nope")
    assert err.col == 20


def test_error_in_multiline_expression(make_module):
    source = "def k(x):\n    x[0] = (x[0] +\n            2.0 *\n            missing)\n"
    mod = make_module(source)
    check_error(compile_error(mod.k), mod.__file__, source, "missing", "missing", "not defined", "missing")


def test_compile_error_attributes():
    def k(x):
        x[0] = not_defined_anywhere  # noqa: F821

    err = compile_error(k)
    assert isinstance(err, Exception)
    assert err.filename == __file__
    assert err.lineno == k.__code__.co_firstlineno + 1
    assert err.col == 16
    assert err.msg == "NameError: name 'not_defined_anywhere' is not defined"


def test_error_at_first_inspection_not_decoration():
    @pf.kernel
    def k(x):
        x[0] = missing_at_decoration  # noqa: F821

    with pytest.raises(pf.CompileError, match="missing_at_decoration"):
        k.inspect_types(SIG)


def test_math_constants():
    """math.pi and friends are Python floats: weak, so float32 work stays float32."""
    import math

    def k(x):
        x[0] = x[0] * math.pi + math.e - math.tau
        if x[0] == math.inf or x[0] != x[0] or math.nan == 0.0:
            x[0] = 0.0

    ptx, _ = pf.compile_ptx(k, SIG)
    assert ".f64" not in ptx


def test_range_zero_step_is_an_error():
    def k(x):
        for i in range(0, 10, 0):
            x[0] = i

    err = compile_error(k, "void(int64[::1])")
    assert "range() step must not be zero" in str(err)


# -- launch configuration and arguments (no driver needed) ---------------------------------


@pf.kernel
def add_one(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] += 1


def test_call_without_launch_config():
    with pytest.raises(TypeError, match=r"needs a launch configuration: add_one\[blocks, threads\]"):
        add_one(np.ones(4, np.float32))


@pytest.mark.parametrize("config,exc,match", [
    (5, TypeError, "launch as kernel"),
    ((1,), ValueError, "2 to 4 parts"),
    ((1, 2, 0, 0, 9), ValueError, "2 to 4 parts"),
    (((1, 2, 3, 4), 1), ValueError, "the grid must have 1 to 3 dimensions"),
    ((1, ()), ValueError, "the block must have 1 to 3 dimensions"),
    ((-1, 32), ValueError, "negative"),
    ((1, (32, -2)), ValueError, "negative"),
    ((1, 1.5), TypeError, "the block must be an int"),
    ((1.0, 32), TypeError, "the grid must be an int"),
    (("4", 32), TypeError, "the grid must be an int"),
    (("12", 32), TypeError, "the grid must be an int"),
    ((None, 32), TypeError, "the grid must be an int"),
    ((1, 32, "stream"), TypeError, "stream"),
])
def test_bad_launch_config(config, exc, match):
    with pytest.raises(exc, match=match):
        add_one[config]


def test_launch_config_accepts_numpy_ints():
    launcher = add_one[np.int64(4), (np.int32(32), 2)]
    assert launcher.griddim == (4, 1, 1) and launcher.blockdim == (32, 2, 1)


def test_unsupported_argument_types():
    with pytest.raises(TypeError, match=r"argument 1 \('x'\) is a list"):
        describe(([1.0, 2.0],), ("x",))
    with pytest.raises(TypeError, match=r"argument 2 \('y'\) is a dict"):
        describe((1, {}), ("x", "y"))
    with pytest.raises(TypeError, match=r"argument 1 \('x'\) has dtype float128"):
        describe((np.zeros(3, np.longdouble),), ("x",))
    with pytest.raises(TypeError, match=r"argument 1 \('x'\) is a str"):
        describe(("abc",), ("x",))
    with pytest.raises(OverflowError, match=r"argument 1 \('n'\)"):
        describe((2**70,), ("n",))


def test_scalar_argument_types():
    types, values, transfers = describe((3, 2.5, True, np.float32(1.5), np.int16(-2), (1, 2.0)), "abcdef")
    assert types == ("int", "float", "bool", "float32", "int16", "Tuple(int, float)")
    assert values == (3, 2.5, True, 1.5, -2, (1, 2.0))
    assert transfers == []


@pytest.mark.skipif(pf.is_available() or pf._target.default() == "cpu",
                    reason="a CUDA GPU is available, or PTXFORGE_TARGET=cpu: launching works")
def test_launch_without_gpu_raises_cuda_support_error():
    with pytest.raises(pf.CudaSupportError, match="libcuda") as info:
        add_one[1, 32](np.ones(4, np.float32))
    assert isinstance(info.value, RuntimeError)
    assert "libcuda" in _core.unavailable_reason()
