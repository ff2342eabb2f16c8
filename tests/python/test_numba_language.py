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
