"""Nested functions, lambdas and closures in kernels and device functions (docs/language.md,
"Nested functions and closures"): lifted into device functions, constants frozen, other
captured variables passed in, nonlocal handed back, numba's errors for escaping closures."""

import numpy as np
import pytest

import ptxforge as pf
from ptxforge.errors import CompileError

_GLOBAL = 123


@pf.jit(device=True)
def consumer(func, *args):
    return func(*args)


@pytest.mark.gpu
def test_nested_functions_capture_constants_arguments_and_nonlocals():
    @pf.jit
    def k(out, x):
        y = 10

        def callinner(z):
            return y + z + _GLOBAL

        def addx(v):
            return v + x

        n = 1000

        def clo(t):
            nonlocal n
            n = t

        clo(x)
        out[0] = consumer(callinner, 6)
        out[1] = addx(5)
        out[2] = n
        out[3] = consumer(lambda a, b: a * b, 6, 7)

    out = np.zeros(4, np.int64)
    k[1, 1](out, 3)
    assert out.tolist() == [139, 8, 3, 42]


@pytest.mark.gpu
def test_nested_function_defaults_keywords_and_inner_closures():
    @pf.jit
    def k(out):
        t = 12

        def inner(a, b, c, d1=123, d2=456):
            z = 4
            return d1 + d2 + z + t + a + b + c

        def outer():
            def deepest():
                return t * 2

            return deepest() + 1

        out[0] = inner(1, 2, 5, 91, 53)
        out[1] = consumer(inner, 1, 2, 3)
        out[2] = inner(1, 2, 4, d2=0)
        out[3] = outer()

    out = np.zeros(4, np.int64)
    k[1, 1](out)
    assert out.tolist() == [91 + 53 + 4 + 12 + 8, 123 + 456 + 4 + 12 + 6, 123 + 4 + 12 + 7, 25]


def test_a_closure_over_a_computed_value_cannot_escape():
    def k(out, x):
        z = x * 2

        def inner(v):
            return v + z

        out[0] = consumer(inner, 1)

    with pytest.raises(CompileError, match="Cannot capture the non-constant value associated with variable 'z'") \
            as e:
        pf.compile_ptx(k, "void(int64[::1], int64)")
    assert e.value.lineno > 0 and e.value.col > 0 and "test_closures.py" in e.value.filename


def test_a_closure_over_a_variable_assigned_twice_cannot_escape():
    def k(out, c):
        if c:
            x = 3

            def inner(y):
                return y + x

            out[0] = consumer(inner, 1)
        else:
            x = 6

            def inner(y):
                return y + x

            out[0] = consumer(inner, 2)

    with pytest.raises(CompileError, match="Cannot capture a constant value for variable 'x'"):
        pf.compile_ptx(k, "void(int64[::1], int64)")


@pytest.mark.gpu
def test_device_function_with_star_args():
    @pf.jit(device=True)
    def count(first, *rest):
        return first + 10 * len(rest)

    @pf.jit(device=True)
    def add3(*v):
        return v[0] + v[1] + v[2]

    @pf.jit
    def k(out):
        out[0] = count(1)
        out[1] = count(1, 2, 3)
        out[2] = add3(1, 2, 3)
        out[3] = consumer(add3, 4, 5, 6)

    out = np.zeros(4, np.int64)
    k[1, 1](out)
    assert out.tolist() == [1, 21, 6, 15]


def test_a_kernel_cannot_take_star_args():
    def k(*args):
        pass

    with pytest.raises(CompileError, match=r"'\*args' is not supported in a kernel's parameters"):
        pf.compile_ptx(k, "void(int64)")


def test_a_kernel_with_closures_pickles_by_value():
    import pickle

    def factory(offset):
        def k(out, x):
            def add(v):
                return v + x + offset

            out[0] = consumer(lambda v: v * 2, add(1))

        return pf.jit(k)

    k = factory(100)
    again = pickle.loads(pickle.dumps(k))
    assert again.inspect_ptx("void(int64[::1], int64)") == k.inspect_ptx("void(int64[::1], int64)")
