"""Recursive device functions, namedtuple arguments, `*` spreading and run-time tuple indices."""

from collections import namedtuple

import numpy as np
import ptxforge as pf
import pytest


@pf.jit("int64(int64)", device=True)
def fib_declared(n):
    if n < 2:
        return n
    return fib_declared(n - 1) + fib_declared(n - 2)


@pf.jit(device=True)
def fib_inferred(n):
    if n < 2:
        return n
    return fib_inferred(n - 1) + fib_inferred(n - 2)


@pf.jit("int64(int64)", device=True)
def is_even(n):
    return True if n == 0 else is_odd(n - 1)


@pf.jit("int64(int64)", device=True)
def is_odd(n):
    return False if n == 0 else is_even(n - 1)


@pf.jit(device=True)
def collatz_steps(n):
    if n == 1:
        return 0
    if n % 2 == 0:
        return 1 + steps_of_half(n)
    return 1 + collatz_steps(3 * n + 1)


@pf.jit(device=True)
def steps_of_half(n):
    return collatz_steps(n // 2)


@pf.jit(device=True)
def runaway(x):
    return runaway(x)


@pf.kernel
def recursive(out, x):
    i = pf.grid(1)
    if i < x.size:
        out[i, 0] = fib_declared(x[i])
        out[i, 1] = fib_inferred(x[i])
        out[i, 2] = is_even(x[i])
        out[i, 3] = collatz_steps(x[i] + 1)


Particle = namedtuple("Particle", ["mass", "velocity"])


@pf.jit(device=True)
def momentum(p):
    return p.mass * p.velocity


@pf.jit(device=True)
def weighted(a, b, c):
    return a + 2 * b + 3 * c


@pf.kernel
def tuples(out, p, t, k):
    out[0] = momentum(p) + p[0]
    out[1] = weighted(*t)
    first, *rest = t
    out[2] = first + len(rest) + rest[-1]
    spread = (*rest, 10.0, *t)
    out[3] = spread[4] + len(spread)
    out[4] = t[k]


RECURSIVE_SIG = "void(int64[:, ::1], int64[::1])"
TUPLES_SIG = "void(float64[::1], NamedTuple(Particle, mass=float64, velocity=float64), UniTuple(float64, 3), int64)"


def test_recursive_functions_are_typed():
    typed = recursive.inspect_types(RECURSIVE_SIG)
    assert "device function fib_declared(n: int64) -> int64" in typed
    assert "device function fib_inferred(n: int64) -> int64" in typed
    assert "device function is_odd(n: int64) -> int64" in typed
    assert "device function steps_of_half(n: int64) -> int" in typed  # 0 and 1 + ...: a Python int
    assert ".entry recursive" in recursive.inspect_ptx(RECURSIVE_SIG)


def test_runaway_recursion_is_an_error():
    @pf.kernel
    def k(out):
        out[0] = runaway(1)

    with pytest.raises(pf.CompileError, match="cannot type infer runaway recursion"):
        k.inspect_types("void(int64[::1])")


def test_namedtuple_fields_spread_and_run_time_index():
    typed = tuples.inspect_types(TUPLES_SIG)
    assert "(p.mass : float64)" in typed
    assert "(weighted(*t) : float64)" in typed
    assert "rest: Tuple(float64, float64)" in typed
    assert "spread: Tuple(float64, float64, float, float64, float64, float64)" in typed
    assert ".entry tuples" in tuples.inspect_ptx(TUPLES_SIG)


def test_namedtuple_argument_types_name_the_fields():
    from ptxforge._args import describe

    types, values, _ = describe((Particle(2.0, 3), (1, 2)), ["p", "t"])
    assert types == ("NamedTuple(Particle, mass=float, velocity=int)", "Tuple(int, int)")
    assert pf._core.check_type(types[0]) == types[0]


def test_tuple_errors():
    @pf.kernel
    def mixed(out, t, k):
        out[0] = t[k]

    with pytest.raises(pf.CompileError, match="elements all have one type"):
        mixed.inspect_types("void(float64[::1], Tuple(int64, float64), int64)")

    @pf.kernel
    def too_short(out, t):
        a, b, *c, d = t

    with pytest.raises(pf.CompileError, match="cannot unpack a tuple of 2 values into 3 names and a"):
        too_short.inspect_types("void(float64[::1], UniTuple(float64, 2))")

    @pf.kernel
    def star_array(out):
        out[0] = max(*out)

    with pytest.raises(pf.CompileError, match="spreads a tuple in a kernel, not float64"):
        star_array.inspect_types("void(float64[::1])")

    @pf.kernel
    def no_field(out, p):
        out[0] = p.speed

    with pytest.raises(pf.CompileError, match="namedtuple Particle has no field 'speed'"):
        no_field.inspect_types("void(float64[::1], NamedTuple(Particle, mass=float64, velocity=float64))")


@pytest.mark.gpu
def test_recursion_on_the_gpu():
    x = np.array([0, 1, 5, 10, 12], np.int64)
    out = np.zeros((x.size, 4), np.int64)
    recursive[1, 32](out, x)

    def fib(n):
        return n if n < 2 else fib(n - 1) + fib(n - 2)

    def steps(n):
        return 0 if n == 1 else 1 + steps(n // 2 if n % 2 == 0 else 3 * n + 1)

    expected = [[fib(n), fib(n), int(n % 2 == 0), steps(n + 1)] for n in x]
    np.testing.assert_array_equal(out, expected)


@pytest.mark.gpu
def test_tuples_on_the_gpu():
    out = np.zeros(5)
    tuples[1, 1](out, Particle(2.0, 3.0), (1.0, 2.0, 4.0), -1)
    np.testing.assert_array_equal(out, [8.0, 1 + 4 + 12, 1 + 2 + 4.0, 2.0 + 6, 4.0])


def test_range_of_a_spread_tuple():
    @pf.kernel
    def k(out, bounds):
        for i in range(*bounds):
            out[i] = i

    assert ".entry k" in k.inspect_ptx("void(int64[::1], UniTuple(int64, 3))")
