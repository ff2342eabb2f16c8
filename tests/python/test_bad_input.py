"""Bad input at every edge a user reaches without a GPU: each is one clear Python exception
(asserted by type and message), never a crash or an exception from the internals. Errors
about a kernel's source name its file, line and column. The launch-time edges that need a
device (zero grids, read-only numpy arrays written, faults) are in test_gpu_faults.py."""

import math

import numpy as np
import pytest

import ptxforge as pf

KERNEL = """
def k(x, n):
    i = pf.grid(1)
    if i < n:
        x[i] = 1.0
"""


@pytest.fixture
def k(make_module):
    return make_module("import ptxforge as pf\n" + KERNEL).k


# -- argument counts and types: CompileErrors at the def line, with its file -------------------------

@pytest.mark.parametrize("sig,given", [("void(float32[::1])", 1), ("void(float32[::1], int32, int32)", 3),
                                       ("void()", 0)])
def test_wrong_argument_count_names_the_def(k, sig, given):
    with pytest.raises(pf.CompileError) as info:
        pf.compile_ptx(k, sig)
    e = info.value
    assert e.filename.endswith(".py") and (e.lineno, e.col) == (3, 1), str(e)
    assert f"'k' takes 2 argument(s) but {given} were given" in e.msg


def test_wrong_argument_type_names_the_line_and_column(k):
    with pytest.raises(pf.CompileError) as info:
        pf.compile_ptx(k, "void(float32, int32)")  # a scalar where the kernel indexes an array
    e = info.value
    assert e.filename.endswith(".py") and (e.lineno, e.col) == (6, 9), str(e)
    assert str(e).startswith(f"{e.filename}:6:9: error: float32 cannot be indexed")


# -- signature strings that do not parse, and unsupported dtypes: ValueErrors with the column -----

@pytest.mark.parametrize("sig,message", [
    ("void(float32[::1], int32", "expected ')' at column 25"),
    ("void(flaot32[::1], int32)", "unknown type 'flaot32' at column 6"),
    ("float32[::1], int32)", "expected '(' at column 13"),
    ("", "expected '(' at column 1"),
    ("void(float32[:::1], int32)", "expected ']' at column 15"),
    ("void(float32[::1], int32)(", "unexpected text after the signature at column 26"),
    ("void(float128[::1], int32)", "unknown type 'float128' at column 6"),
    ("void(object[::1], int32)", "unknown type 'object' at column 6"),
])
def test_signature_that_does_not_parse(k, sig, message):
    with pytest.raises(ValueError) as info:
        pf.compile_ptx(k, sig)
    assert message in str(info.value) and repr(sig)[1:-1] in str(info.value)
    with pytest.raises(ValueError, match="at column"):
        pf.kernel(sig)(k)  # at decoration, as numba does


@pytest.mark.parametrize("sig", [3, 2.5, object()])
def test_signature_of_the_wrong_type(k, sig):
    with pytest.raises(TypeError, match="a signature is a string"):
        pf.kernel(sig)(k)


@pytest.mark.parametrize("value", [3, "void(float32[::1])", None, np.zeros(3)])
def test_kernel_of_something_not_a_function(value):
    with pytest.raises(TypeError, match=r"ptxforge.kernel compiles Python functions \(def ...\), not"):
        pf.kernel()(value)
    with pytest.raises(TypeError, match="compiles Python functions"):
        pf.kernel(device=True)(value)


# -- kernels whose source cannot be read ----------------------------------------------------------

def test_source_built_with_exec():
    namespace = {}
    exec("def f(x):\n    x[0] = 1\n", namespace)
    with pytest.raises(pf.CompileError, match=r"(?s)cannot read the source of 'f'.*built from a string with exec\(\)"):
        pf.compile_ptx(namespace["f"], "void(float32[::1])")


def test_source_of_a_builtin():
    with pytest.raises(pf.CompileError, match="cannot read the source of 'len'"):
        pf.compile_ptx(len, "void(float32[::1])")


def test_a_lambda_compiles_as_numba_allows(make_module):
    mod = make_module("import ptxforge as pf\n\nf = lambda x: None\n")
    ptx, returned = pf.compile_ptx(mod.f, "void(float32[::1])")
    assert ".entry" in ptx and returned == "void"


def test_source_file_deleted_after_import(make_module, tmp_path):
    mod = make_module("import ptxforge as pf\n" + KERNEL, name="pf_deleted_source")
    (tmp_path / "pf_deleted_source.py").unlink()
    import linecache
    linecache.clearcache()
    with pytest.raises(pf.CompileError, match="cannot read the source"):
        pf.compile_ptx(mod.k, "void(float32[::1], int32)")


# -- launch configurations: sizes that are NaN, inf, huge, or not ints --------------------------

@pytest.mark.parametrize("config,exc,message", [
    ((math.nan, 32), TypeError, "the grid must be an int or a tuple of up to 3 ints, not nan"),
    ((math.inf, 32), TypeError, "the grid must be an int or a tuple of up to 3 ints, not inf"),
    ((np.float64("nan"), 32), TypeError, "the grid must be an int"),
    ((1, -math.inf), TypeError, "the block must be an int"),
    ((1, (32, math.nan)), TypeError, "the block must be an int"),
    ((2**40, 32), ValueError, "the grid (1099511627776,) has a dimension above 2**31 - 1"),
    ((1, (32, 2**31)), ValueError, "the block (32, 2147483648) has a dimension above 2**31 - 1"),
    ((2**64, 32), ValueError, "has a dimension above 2**31 - 1"),
    ((1, 32, 0, 2**40), ValueError, "dynamic shared memory of 1099511627776 bytes is more than any GPU has"),
    ((1, 32, 0, -1), ValueError, "dynamic shared memory of -1 bytes is negative"),
    ((1, 32, 0, 1.5), TypeError, ""),
])
def test_launch_configuration_sizes(k, config, exc, message):
    kern = pf.kernel(k)
    with pytest.raises(exc) as info:
        kern[config]
    assert message in str(info.value)
    assert "incompatible function arguments" not in str(info.value)
