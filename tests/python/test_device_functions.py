"""Device functions: @pf.jit(device=True) called from kernels and from each other."""

import math
import re

import numpy as np
import pytest

import ptxforge as pf


@pf.jit(device=True)
def square(v):
    return v * v


@pf.jit(device=True)
def norm2(a, b):
    return math.sqrt(square(a) + square(b))


@pf.jit(device=True)
def clamp_index(i, n):
    if i < 0:
        return 0
    if i >= n:
        return n - 1
    return i


@pf.jit(device=True)
def min_max(a, b):
    return (a, b) if a < b else (b, a)


@pf.jit(device=True)
def store_twice(out, i, v):
    out[i] = v
    out[i + out.size // 2] = v  # arrays pass by reference
    return


@pf.kernel
def uses_device_functions(x, y, out, lo, hi):
    i = pf.grid(1)
    if i < x.size:
        out[i] = norm2(x[i], y[clamp_index(i + 1, y.size)]) + square(2)
        lo[i], hi[i] = min_max(x[i], y[i])


@pf.kernel
def writes_through(out):
    i = pf.grid(1)
    if i < out.size // 2:
        store_twice(out, i, square(i))


@pf.jit(device=True)
def fact(n):
    if n <= 1:
        return 1
    return n * fact(n - 1)


@pf.jit(device=True)
def ping(n):
    return pong(n - 1) if n > 0 else 0


@pf.jit(device=True)
def pong(n):
    return ping(n - 1) if n > 0 else 1


SIG = "void(float32[::1], float32[::1], float32[::1], float32[::1], float32[::1])"


def test_specialised_per_signature_and_inlined():
    typed = uses_device_functions.inspect_types(SIG)
    assert "device function square(v: int) -> int" in typed
    assert "device function square(v: float32) -> float32" in typed
    assert "device function min_max(a: float32, b: float32) -> Tuple(float32, float32)" in typed
    ptx = uses_device_functions.inspect_ptx(SIG)
    assert "sqrt.rn.f32" in ptx and ".f64" not in ptx
    assert "call" not in ptx  # small functions are inlined by LLVM


def test_self_recursion_with_a_base_case_compiles():
    @pf.kernel
    def caller(out):
        out[0] = fact(out[0])

    typed = caller.inspect_types("void(int64[::1])")
    assert "device function fact(n: int64) -> int64" in typed
    assert ".entry caller" in caller.inspect_ptx("void(int64[::1])")  # LLVM turns this one into a loop


def test_recursion_whose_type_never_settles_is_an_error_at_the_call():
    # ping's only return is `pong(...) if ... else 0`: its type waits on itself.
    @pf.kernel
    def caller(out):
        out[0] = ping(5)

    with pytest.raises(pf.CompileError) as info:
        caller.inspect_ptx("void(int64[::1])")
    text = str(info.value)
    assert "cannot type infer runaway recursion" in text
    assert "note: in the call of" in text


def test_errors_inside_a_device_function_point_into_it():
    @pf.jit(device=True)
    def broken(v):
        return v + undefined_name  # noqa: F821

    @pf.kernel
    def caller(out):
        out[0] = broken(out[0])

    with pytest.raises(pf.CompileError) as info:
        caller.inspect_ptx("void(float32[::1])")
    err = info.value
    assert "name 'undefined_name' is not defined" in err.msg
    assert err.lineno == broken.py_func.__code__.co_firstlineno + 2
    assert "note: in the call of 'broken' with (float32) here" in str(err)


def test_device_functions_cannot_be_called_from_python_and_kernels_are_device_functions_in_kernels():
    with pytest.raises(TypeError, match="can only be called from a kernel"):
        square(3)

    @pf.kernel
    def calls_a_kernel(out):
        writes_through(out)  # as in numba-cuda: a device function call here (test_kernel_calls_kernel.py)

    ptx = calls_a_kernel.inspect_ptx("void(int64[::1])")
    assert ptx.count(".entry") == 1


def test_lineinfo_with_device_functions():
    # Each function lowered used to add the debug-info module flags again: invalid IR.
    ptx, _ = pf.compile_ptx(uses_device_functions, "void(float32[::1], float32[::1], float32[::1], "
                            "float32[::1], float32[::1])", lineinfo=True)
    assert ".loc" in ptx and ".file" in ptx


@pytest.mark.gpu
def test_results_match_numpy(rng):
    n = 10_001
    x = rng.standard_normal(n, dtype=np.float32)
    y = rng.standard_normal(n, dtype=np.float32)
    out, lo, hi = (np.full(n, np.nan, np.float32) for _ in range(3))
    uses_device_functions[(n + 127) // 128, 128](x, y, out, lo, hi)
    shifted = y[np.minimum(np.arange(n) + 1, n - 1)]
    expected = np.sqrt(x.astype(np.float64) ** 2 + shifted.astype(np.float64) ** 2) + 4
    np.testing.assert_allclose(out, expected, rtol=1e-6)
    np.testing.assert_array_equal(lo, np.minimum(x, y))
    np.testing.assert_array_equal(hi, np.maximum(x, y))

    out = np.full(2 * 1000, -1, np.int64)
    writes_through[8, 128](out)
    np.testing.assert_array_equal(out, np.tile(np.arange(1000) ** 2, 2))


@pf.jit(device=True)
def _first_column(a):
    return a[:, 0]


@pf.jit(device=True)
def _either(a, b, first):
    if first:
        return a
    return b


@pytest.mark.gpu
def test_a_device_function_returns_an_array_view():
    @pf.jit
    def k(a, b, c):
        s = _first_column(a)
        s[0] += 1.0
        t = _either(b, c, False)
        t[1] = 5.0

    a = np.array([[0.0], [1.0]], dtype=np.float32)
    b = np.zeros(3, np.float32)
    c = np.zeros(3, np.float32)
    k[1, 1](a, b, c)
    assert a.ravel().tolist() == [1.0, 1.0] and b.tolist() == [0, 0, 0] and c.tolist() == [0, 5, 0]
    ptx, _ = pf.compile_ptx(k.py_func, "void(float32[:, ::1], float32[::1], float32[::1])")  # ptxas checks it
    assert ".visible .entry" in ptx


def test_compile_device_and_inspect_as_numba():
    @pf.jit(device=True)
    def add_pair(x, y):
        return x + y

    args = (pf.int32, pf.int32)
    compiled = add_pair.compile_device(args)
    name = compiled.fndesc.mangled_name
    assert "add_pair" in name and compiled.return_type == pf.int32
    assert compiled.signature.args == args and str(compiled.signature) == "int32(int32, int32)"
    assert re.search(rf"define .*@{name}\(i32 .*, i32 .*\)", add_pair.inspect_llvm(args))
    assert f".func  (.param .b32 func_retval0) {name}(" in add_pair.inspect_asm(args)
    with pytest.raises(TypeError, match="returns int32, but the signature says float32"):
        add_pair.compile_device(args, pf.float32)


def test_declare_device_signature_has_numba_args_and_return_type():
    for sig in (pf.int32(pf.float32[:]), "int32(float32[:])"):
        f1 = pf.declare_device("f1", sig)
        assert f1.name == "f1" and f1.sig.args == (pf.float32[:],) and f1.sig.return_type == pf.int32
    assert pf.declare_device("g", "void(float64[:, ::1], int64)").sig.args == (pf.float64[:, ::1], pf.int64)
