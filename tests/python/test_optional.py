"""numba's Optional values: a device function that returns a value on some paths and None on
others (or falls off its end) returns OptionalType(T); callers test `r is None` at run time and
use it where a T goes (its value; a None's is 0, as numba's unchecked cast)."""

import numpy as np
import pytest

import ptxforge as pf


@pf.jit(device=True)
def positive_double(x):
    if x > 0:
        return x * 2
    return None


@pf.jit(device=True)
def above_one(x):
    if x > 1:
        return x + 1          # falls off its end otherwise: None


@pf.jit(device=True)
def passes_through(r):
    if r is None:
        return -5
    return r


@pf.kernel
def use_optionals(out, x):
    i = pf.grid(1)
    if i < x.size:
        r = positive_double(x[i])
        if r is None:
            out[i, 0] = 99
        else:
            out[i, 0] = r
        s = above_one(x[i])
        out[i, 1] = -1 if s is None else s + 10
        out[i, 2] = 1 if s else 0
        out[i, 3] = passes_through(s)
        out[i, 4] = s != None  # noqa: E711  (numba code writes this too)


SIG = "void(int64[:, ::1], int64[::1])"


@pytest.mark.gpu
def test_optional_results_are_tested_at_run_time():
    x = np.array([-1, 0, 1, 2, 5], np.int64)
    out = np.zeros((5, 5), np.int64)
    use_optionals[1, 32](out, x)
    def py(v):
        r = positive_double.py_func(v)
        s = above_one.py_func(v)
        t = passes_through.py_func(s)
        return [99 if r is None else r, -1 if s is None else s + 10, 1 if s else 0, t, s is not None]
    np.testing.assert_array_equal(out, [py(int(v)) for v in x])


def test_types_and_no_compile_time_guess():
    typed = use_optionals.inspect_types(SIG)
    assert "r: OptionalType(int64)" in typed and "s: OptionalType(int64)" in typed
    _, ret = pf.compile_ptx(above_one.py_func, "(int64,)", device=True)
    assert ret == "OptionalType(int64)"

    def always(x):            # every path returns: no Optional
        if x > 0:
            return x
        else:
            return -x

    assert pf.compile_ptx(always, "(int64,)", device=True)[1] == "int64"

    def forever(x):
        while True:
            if x > 3:
                return x
            x += 1

    assert pf.compile_ptx(forever, "(int64,)", device=True)[1] == "int64"


def test_a_declared_return_type_cannot_be_none():
    def f(x):
        if x > 0:
            return x

    with pytest.raises(TypeError, match=r"returns OptionalType\(int64\), but the signature says int64"):
        pf.compile_ptx(f, "int64(int64)", device=True)



@pf.jit("OptionalType(int64)(int64)", device=True)
def _declared_maybe(x):
    if x > 0:
        return x
    return None


@pytest.mark.gpu
def test_signatures_name_optional_types():
    @pf.kernel
    def k(out, x):
        r = _declared_maybe(x[0])
        out[0] = -1 if r is None else r

    out = np.zeros(1, np.int64)
    for v, want in ((7, 7), (-2, -1)):
        k[1, 1](out, np.array([v], np.int64))
        assert out[0] == want
    assert pf.compile_ptx(_declared_maybe.py_func, "OptionalType(int64)(int64)", device=True)[1] == \
        "OptionalType(int64)"
