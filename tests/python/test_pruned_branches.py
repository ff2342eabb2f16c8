"""Branches known when compiled are pruned before names are split into variables, as numba's
dead-branch pruning runs before its typing: `if y is None: y = 0.5` gives y a new value of
another type, since the other path never runs."""

import numpy as np
import pytest

import ptxforge as pf

FLAG = True


@pf.jit(device=True)
def with_default(x, y=None):
    if y is None:
        y = 0.5
    return x + y


@pf.jit(device=True)
def first_of_tuple(a, b=None):
    if FLAG is True:  # a global known when compiled: b is rebound to its first element
        b = b[0]
    return b


@pf.jit(device=True)
def unless_none(x, scale):
    if scale is not None:
        x = x * scale
    return x


@pf.kernel(target="cpu")
def uses_them(out, x):
    out[0] = with_default(x[0])
    out[1] = with_default(x[0], 2.0)
    out[2] = first_of_tuple(1, (x[1], 5))
    out[3] = unless_none(x[0], None)
    out[4] = unless_none(x[0], 3.0)


def test_a_none_argument_and_a_global_flag_prune_the_branch_before_names_split():
    out = np.zeros(5)
    uses_them[1, 1](out, np.array([1.0, 7.0]))
    np.testing.assert_array_equal(out, [1.5, 3.0, 7.0, 1.0, 3.0])


def test_a_test_known_only_from_data_still_keeps_one_type():
    def k(out, flag):
        y = None
        if flag:
            y = 0.5
        out[0] = y

    with pytest.raises(pf.CompileError, match="'y'"):
        pf.jit(k).inspect_ptx("void(float64[::1], bool)")


@pf.jit(device=True)
def reassigned_first(y):
    y = 1.0
    if y is None:  # y is a float here, whatever the argument: the test is decided only once typed
        y = 2.0
    return y


def test_a_parameter_reassigned_before_the_test_is_not_its_argument():
    def k(out):
        out[0] = reassigned_first(None)

    out = np.zeros(1)
    pf.jit(target="cpu")(k)[1, 1](out)
    assert out[0] == 1.0
