"""numba's CPointer types (`float32*`) in declared signatures: p[i] reads and writes the
i-th number after the address, with C's arithmetic (no wraparound)."""

import pytest

import ptxforge as pf
from ptxforge import _core


def axpy(r, a, x, y, n):
    i = pf.grid(1)
    if i < n:
        r[i] = a * x[i] + y[i]
        r[i] += 1


SIG = "void(int32*, int32, int32*, int32*, uint32)"


def test_pointer_types_parse_and_print():
    assert _core.check_type("float32*") == "float32*"
    assert _core.parse_signature(SIG) == ("void", ["int32*", "int32", "int32*", "int32*", "uint32"])
    with pytest.raises(ValueError, match="a pointer points at numbers"):
        _core.check_type("Record(x[type=int32;offset=0];4;False)*")


def test_indexing_loads_and_stores_through_the_address():
    typed = pf.jit(SIG)(axpy).inspect_types(SIG)
    assert "(r[i] : int32) = ((a * (x[i] : int32) : int32) + (y[i] : int32) : int32)" in typed
    assert "(r[i] : int32) += 1" in typed
    ptx, _ = pf.compile_ptx(axpy, SIG)
    assert ".param .u64 axpy_param_0" in ptx and ptx.count("ld.global.u32") == 2  # x[i] and y[i]


def test_a_negative_index_does_not_wrap(make_module):
    mod = make_module("""
        def back(p, out):
            out[0] = p[-1]
    """)
    ptx, _ = pf.compile_ptx(mod.back, "void(float64*, float64[::1])")
    assert "ld.global.f64" in ptx and "[%rd" in ptx and "+-8]" in ptx  # the number before the address


def test_wrong_uses_are_compile_errors(make_module):
    mod = make_module("""
        def two(p):
            p[0, 1] = 1

        def sliced(p, out):
            out[0] = p[1:2][0]
    """)
    with pytest.raises(pf.CompileError, match="a pointer takes one integer index"):
        pf.compile_ptx(mod.two, "void(int32*)")
    with pytest.raises(pf.CompileError, match="a pointer takes one integer index"):
        pf.compile_ptx(mod.sliced, "void(int32*, int32[::1])")
