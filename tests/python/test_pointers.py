"""numba's CPointer types (`float32*`) in declared signatures: p[i] reads and writes the
i-th number after the address, with C's arithmetic (no wraparound)."""

import re

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


def test_pointers_pass_to_declared_device_functions(assert_ptx_assembles):
    # a float16* / float32* argument of a declare_device function (the compiler crashed on it)
    for t in ("float16", "float32"):
        add = pf.declare_device(f"add_{t}", f"{t}({t}*, {t}*)")

        def k(arr, p, q):
            arr[0] = add(p, q)

        ptx = pf.jit(f"void({t}[::1], {t}*, {t}*)")(k).inspect_ptx(f"void({t}[::1], {t}*, {t}*)")
        assert re.search(rf"\.extern \.func +\(\.param \.b32 func_retval0\) add_{t}", ptx)
        assert ptx.count(".param .b64 add_") == 3  # numba's ABI: the result's address, then the two pointers
        assert_ptx_assembles(ptx)


class FFI:  # cffi's FFI, as kernels recognise it: by its class's module and name (cffi not needed)
    pass


FFI.__module__ = "cffi.api"
ffi = FFI()


def through_ffi(out, x):
    out[0] = pf.carray(ffi.from_buffer(x), 4)[3]


def local_through_ffi(out):
    a = pf.local.array(2, pf.float32)
    a[0] = 1.5
    a[1] = 2.5
    out[0] = pf.carray(ffi.from_buffer(a), 2)[1]


def test_ffi_from_buffer_is_the_arrays_first_element_address():
    import numpy as np

    x = np.arange(4, dtype=np.float32)
    out = np.zeros(1, np.float32)
    pf.jit(target="cpu")(through_ffi)[1, 1](out, x)
    assert out[0] == 3.0
    pf.jit(target="cpu")(local_through_ffi)[1, 1](out)
    assert out[0] == 2.5
    typed = pf.jit(through_ffi).inspect_types("void(float32[::1], float32[::1])")
    assert "float32*" in typed


def test_ffi_from_buffer_takes_arrays_of_numbers(make_module):
    with pytest.raises(pf.CompileError, match=r"ffi.from_buffer\(\) takes an array of numbers"):
        pf.jit(lambda out: ffi.from_buffer(3)).inspect_ptx("void(float32[::1])")
