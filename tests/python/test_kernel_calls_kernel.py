"""A kernel called from another kernel is a device function call there, as in numba-cuda.

numba-cuda compiles any ``@cuda.jit`` function that device code calls as a
device function (numba-cuda's own tests call ``@cuda.jit`` functions that
return values from kernels): its declared signatures convert the arguments,
it may return a value, and it stays a kernel that launches on its own.
"""

import pickle

import numpy as np
import pytest

import ptxforge as pf


@pf.jit
def add(x, y):
    return x + y


@pf.jit
def double_in_place(a, i):
    a[i] = a[i] * 2


@pf.jit("void(int32[::1], int32)")
def bits_at(out, v):
    # declared int32: a call with an int64 converts it, so clz counts 32 bits
    out[0] = pf.clz(v)


@pf.jit
def calls_kernels(a, out):
    i = pf.grid(1)
    if i < a.size:
        double_in_place(a, i)
        out[i] = add(a[i], 1)


@pf.jit
def calls_a_declared_kernel(out, v):
    bits_at(out, v)


@pf.jit(device=True)
def device_calls_kernel(x):
    return add(x, x)


@pf.jit
def through_a_device_function(out):
    out[0] = device_calls_kernel(out[0])


@pf.jit
def calls_itself_as_a_kernel(out):
    # the callee is this kernel's sibling, not itself: it calls add through calls_kernels
    calls_kernels(out, out)


def _ptx(kernel, sig):
    ptx = kernel.inspect_ptx(sig)
    assert ".entry" in ptx
    return ptx


def test_a_kernel_called_from_a_kernel_compiles_as_a_device_function():
    ptx = _ptx(calls_kernels, "void(float32[::1], float32[::1])")
    # One entry (the caller); the callees are inlined or .func, never launched.
    assert ptx.count(".entry") == 1
    assert "add.f32" in ptx or "fma.rn.f32" in ptx
    types = calls_kernels.inspect_types("void(float32[::1], float32[::1])")
    assert "add" in types and "double_in_place" in types


def test_declared_signatures_of_the_called_kernel_convert_the_arguments():
    # v is int64 in the caller; bits_at declares int32: clz on 32 bits.
    ptx = _ptx(calls_a_declared_kernel, "void(int32[::1], int64)")
    assert "clz.b32" in ptx and "clz.b64" not in ptx


def test_a_kernel_called_from_a_device_function_and_through_another_kernel():
    _ptx(through_a_device_function, "void(float64[::1])")
    ptx = _ptx(calls_itself_as_a_kernel, "void(float32[::1])")
    assert ptx.count(".entry") == 1


def test_the_called_kernel_still_launches_and_compiles_on_its_own():
    assert ".entry add" not in _ptx(calls_kernels, "void(float64[::1], float64[::1])")
    assert ".entry double_in_place" in _ptx(double_in_place, "void(float64[::1], int64)")


def test_a_kernel_calling_a_kernel_pickles_by_value(make_module):
    module = make_module("""
        import ptxforge as pf

        def build():
            @pf.jit
            def inner(x):
                return x * 3

            @pf.jit
            def outer(out):
                out[0] = inner(out[0])

            return outer
    """)
    again = pickle.loads(pickle.dumps(module.build()))
    assert "mul" in again.inspect_ptx("void(int32[::1])")


def test_a_wrong_call_of_a_kernel_is_reported_as_a_device_function_call(make_module):
    module = make_module("""
        import ptxforge as pf

        @pf.jit
        def inner(a, i):
            a[i] = 0

        @pf.jit
        def outer(a):
            inner(a)
    """)
    with pytest.raises(pf.CompileError) as info:
        module.outer.inspect_ptx("void(float32[::1])")
    err = info.value
    assert err.lineno == 4 and "'inner' takes" in err.msg  # at the callee, as for device functions
    assert "pf_kernels" in str(err) and ":9:5: note: in the call of 'inner' with (float32[::1]) here" in str(err)


@pytest.mark.gpu
def test_kernels_calling_kernels_on_the_gpu():
    a = np.arange(64, dtype=np.float32)
    out = np.zeros_like(a)
    calls_kernels[1, 64](a, out)
    np.testing.assert_array_equal(a, np.arange(64, dtype=np.float32) * 2)
    np.testing.assert_array_equal(out, a + 1)

    bits = np.zeros(1, dtype=np.int32)
    calls_a_declared_kernel[1, 1](bits, 0x00100000)
    assert bits[0] == 11  # numba's value: clz of the int32

    x = np.array([2.5])
    through_a_device_function[1, 1](x)
    assert x[0] == 5.0

    # the callee still launches as a kernel of its own
    v = np.array([1.0, 2.0])
    double_in_place[1, 1](v, 1)
    np.testing.assert_array_equal(v, [1.0, 4.0])

    down = np.zeros(5, dtype=np.int64)
    count_down[1, 1](down, 4)
    np.testing.assert_array_equal(down, [0, 1, 2, 3, 4])


def test_an_ahead_of_time_kernel_cannot_be_called_from_a_kernel():
    from ptxforge.aot import AotKernel

    loaded = AotKernel("loaded", None, [])  # as load_module makes them: no Python function

    @pf.jit
    def calls_loaded(a):
        loaded(a)

    with pytest.raises(pf.CompileError, match=r"ahead-of-time kernel 'loaded' \(it has no Python source"):
        calls_loaded.inspect_ptx("void(float32[::1])")


@pf.jit
def count_down(a, n):
    if n > 0:
        a[n] = n
        count_down(a, n - 1)  # the kernel itself, called as a device function: a recursive call


def test_a_kernel_calling_itself_recurses_as_a_device_function():
    import re

    ir = count_down.inspect_llvm("void(int64[::1], int64)", optimized=False)
    assert re.findall(r"define [^@]*@(\w+)\(", ir) == ["count_down", "count_down__1"]
    assert count_down.inspect_ptx("void(int64[::1], int64)").count(".entry") == 1
