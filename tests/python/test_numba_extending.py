"""numba's high-level extension API called from kernels (docs/numba.md, "numba's extension
API"): @overload (numba's and numba-cuda's), @register_jitable and @njit functions. Needs
numba (skipped without it: CI has none; tools/numba_compat.py runs numba-cuda's own tests)."""

import numpy as np
import pytest

import ptxforge as pf
from ptxforge.errors import CompileError

extending = pytest.importorskip("numba.core.extending")
numba = pytest.importorskip("numba")
types = pytest.importorskip("numba.core.types")


def scale(x):
    pass


@extending.overload(scale, target="generic")
def _scale_generic(x):
    def impl(x):
        x[0] *= 2

    return impl


@extending.overload(scale, target="cuda")
def _scale_cuda(x):  # numba-cuda's rule: the 'cuda' overload beats the 'generic' one
    def impl(x):
        x[0] *= 3

    return impl


def with_defaults(out, x, y=5, z=6):
    pass


@extending.overload(with_defaults)
def _with_defaults(out, x, y=5, z=6):
    def impl(out, x, y=5, z=6):
        out[0], out[1] = x + y, z

    return impl


@extending.register_jitable
def fma_plus_one(a, b):
    return a * b + 1


def literal_only(x):
    pass


@extending.overload(literal_only, target="cuda")
def _literal_only(x):
    if isinstance(x, types.IntegerLiteral):  # a constant argument, as numba types it
        v = x.literal_value

        def impl(x):
            return v * 100

        return impl


@numba.njit
def cpu_jitted(a):
    return a - 1


@pytest.mark.gpu
def test_overloads_register_jitable_and_njit_functions_run_in_kernels():
    @pf.jit
    def k(x, a, b, out):
        scale(x)
        with_defaults(out, a, z=b)
        out[2] = fma_plus_one(a, b)
        out[3] = literal_only(7)
        out[4] = cpu_jitted(a)

    x = np.ones(1, np.int32)
    out = np.zeros(5, np.int64)
    k[1, 1](x, 1, 2, out)
    assert x[0] == 3
    assert out.tolist() == [6, 2, 3, 700, 0]


def test_an_overload_that_declines_is_a_compile_error_at_the_call():
    def k(out, a):
        out[0] = literal_only(a)

    with pytest.raises(CompileError, match="No implementation of function 'literal_only' found") as e:
        pf.compile_ptx(k, "void(int64[::1], int64)")
    assert e.value.lineno > 0


def test_typing_and_implementation_signatures_must_agree():
    def mismatched(a, kw=None):
        pass

    @extending.overload(mismatched)
    def _ol(a, kw=None):
        def impl(a, kw=12):
            return a

        return impl

    def k(out, a):
        out[0] = mismatched(a, kw=a)

    with pytest.raises(CompileError, match="Typing and implementation arguments differ in keyword argument default"):
        pf.compile_ptx(k, "void(int64[::1], int64)")


def test_intrinsics_are_numba_internals():
    from numba.core.extending import intrinsic

    @intrinsic
    def ident(typingctx, x):
        raise AssertionError("ptxforge does not run numba's typing")

    def k(out, a):
        out[0] = ident(a)

    with pytest.raises(CompileError, match="typed by numba's low-level extension API"):
        pf.compile_ptx(k, "void(int64[::1], int64)")


@extending.overload_method(types.Array, "scaled_first")
def _scaled_first(arr, by=10):
    def impl(arr, by=10):
        return arr[0] * by

    return impl


@pytest.mark.gpu
def test_overload_method_on_arrays():
    @pf.jit
    def k(a, out):
        out[0] = a.scaled_first()
        out[1] = a.scaled_first(2)
        out[2] = a.scaled_first(by=3)

    out = np.zeros(3, np.int64)
    k[1, 1](np.array([7, 1]), out)
    assert out.tolist() == [70, 14, 21]


def test_kernels_naming_no_numba_method_keep_their_errors_and_cache_keys():
    # numba's method table (scaled_first above) joins only the kernels that name one of its
    # methods: an unknown attribute stays ptxforge's error, and a kernel's cache key is the
    # same whether numba is loaded or not (a spawned worker without numba finds the entry).
    @pf.jit
    def k(a, out):
        out[0] = a.nonexistent

    with pytest.raises(CompileError, match="'nonexistent' is not supported"):
        pf.compile_ptx(k, "void(float32[::1], float32[::1])")

    from ptxforge import _extending, _source

    def plain(a):
        a[0] = a.size

    def calls(a):
        a[0] = a.scaled_first()

    assert _extending.METHODS_GLOBAL not in _source.resolve_names(plain, ["a"])
    assert _extending.METHODS_GLOBAL in _source.resolve_names(calls, ["a"])
