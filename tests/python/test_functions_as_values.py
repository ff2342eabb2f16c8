"""Functions as values: device functions, intrinsics, operator.* and dtypes passed to device functions.

A device function given a function (a device function, pf.atomic.add,
operator.add, pow), a dtype or a constant shape is specialised on it, as
numba does; declared device signatures convert the arguments.
"""

import operator

import numpy as np
import ptxforge as pf
import pytest


@pf.jit(device=True)
def apply(f, a, i, v):
    return f(a, i, v)


@pf.jit(device=True)
def combine(op, a, b):
    return op(a, b)


@pf.jit(device=True)
def as_is(v):
    return v


@pf.jit(device=True)
def as_uint64(v):
    return pf.uint64(v)


@pf.kernel
def uses_function_values(acc, x, out):
    i = pf.grid(1)
    if i < x.size:
        apply(pf.atomic.add, acc, 0, x[i])
        out[i] = combine(operator.add, x[i], 1.0) + combine(pow, x[i], 2) + combine(operator.truediv, 1, 4)


@pf.jit(device=True)
def histogram_block(out, keys, n, dtype, update, cast):
    # numba's atomic tests pass the shape, the dtype, the atomic and a cast down like this.
    tid = pf.threadIdx.x
    counts = pf.shared.array(n, dtype)
    if tid < n:
        counts[tid] = 0
    pf.syncthreads()
    update(counts, cast(keys[tid] % n), 1)
    pf.syncthreads()
    if tid < n:
        out[tid] = counts[tid]


@pf.kernel
def histogram(out, keys):
    histogram_block(out, keys, 16, pf.uint32, pf.atomic.add, as_is)


@pf.jit(device=True)
def fill_2d(out, shape, dtype):
    tile = pf.shared.array(shape, dtype)
    tx, ty = pf.threadIdx.x, pf.threadIdx.y
    tile[tx, ty] = tx * 10 + ty
    pf.syncthreads()
    out[tx, ty] = tile[tx, ty]


SHAPE = (4, 8)


@pf.kernel
def tile_from_tuple(out):
    fill_2d(out, (4, 8), pf.int32)


@pf.kernel
def tile_from_global(out):
    fill_2d(out, SHAPE, pf.int32)


@pf.jit("int32(int32, int32, int32, int32)", device=True)
def rgba(r, g, b, a):
    return ((r & 0xFF) << 16) | ((g & 0xFF) << 8) | (b & 0xFF) | ((a & 0xFF) << 24)


@pf.kernel
def packs(x, channels):
    x[0] = rgba(channels[0], channels[1], channels[2], channels[3])


OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod,
             operator.pow, operator.iadd, operator.imul, operator.itruediv]


def _binary_kernel(op):
    @pf.kernel
    def k(a, b):
        i = 0
        a[i] = op(a[i], b[i])

    return k


def test_a_device_function_is_specialised_on_the_function_it_is_given():
    sig = "void(float32[::1], float32[::1], float32[::1])"
    typed = uses_function_values.inspect_types(sig)
    assert "device function apply(f: ptxforge.atomic.add, a: float32[::1], i: int, v: float32)" in typed
    assert "device function combine(op: operator.add, a: float32, b: float) -> float32" in typed
    assert "device function combine(op: builtins.pow, a: float32, b: int) -> float32" in typed
    ptx = uses_function_values.inspect_ptx(sig)
    assert "atom.global.add.f32" in ptx or "red.global.add.f32" in ptx


def test_shape_dtype_atomic_and_cast_passed_down_to_a_shared_array():
    typed = histogram.inspect_types("void(uint32[::1], int64[::1])")
    assert "dtype: class(uint32), update: ptxforge.atomic.add, cast: device function as_is" in typed
    ptx = histogram.inspect_ptx("void(uint32[::1], int64[::1])")
    assert ".shared .align 16 .b8" in ptx and "[64]" in ptx  # 16 uint32 counters
    assert "atom.shared.add.u32" in ptx or "red.shared.add.u32" in ptx


@pytest.mark.parametrize("kernel", [tile_from_tuple, tile_from_global])
def test_a_constant_tuple_shape_passed_down(kernel):
    ptx = kernel.inspect_ptx("void(int32[:, ::1])")
    assert "[128]" in ptx  # a 4 x 8 int32 tile


def test_the_retry_on_constants_reports_the_first_error_when_both_fail():
    @pf.jit(device=True)
    def needs_constant(n):
        scratch = pf.local.array(n, pf.float32)
        scratch[0] = 1.0
        return scratch[0] + undefined_name  # noqa: F821

    @pf.kernel
    def caller(out):
        out[0] = needs_constant(4)

    with pytest.raises(pf.CompileError, match="shape must be a constant"):
        caller.inspect_types("void(float32[::1])")


@pytest.mark.parametrize("op", OPERATORS, ids=[op.__name__ for op in OPERATORS])
def test_operator_module_functions_type_as_their_operators(op):
    ptx = _binary_kernel(op).inspect_ptx("void(float64[::1], float64[::1])")
    assert ".entry k" in ptx


def test_operator_comparisons_unary_and_truth():
    @pf.kernel
    def k(x, out):
        out[0] = operator.lt(x[0], x[1])
        out[1] = operator.eq(x[0], 2)
        out[2] = operator.neg(x[0]) > 0
        out[3] = operator.truth(x[1])
        out[4] = operator.not_(x[1])
        out[5] = operator.abs(x[0]) == 1

    typed = k.inspect_types("void(int32[::1], bool[::1])")
    assert "(operator.lt((x[0] : int32), (x[1] : int32)) : bool)" in typed
    assert "(operator.neg((x[0] : int32)) : int32)" in typed


def test_declared_device_signature_converts_the_arguments():
    typed = packs.inspect_types("void(int32[::1], float32[::1])")
    assert "device function rgba(r: int32, g: int32, b: int32, a: int32) -> int32" in typed
    assert "rgba(r: float32" not in typed


def test_no_declared_signature_fits():
    @pf.jit("int32(int32)", device=True)
    def one(v):
        return v

    @pf.kernel
    def k(out, a):
        out[0] = one(a)

    with pytest.raises(pf.CompileError, match=r"Invalid use of type\(device function 'one'\) with parameters \(float32\[::1\]\): it is declared for int32\(int32\)"):
        k.inspect_types("void(int32[::1], float32[::1])")


def test_a_function_value_cannot_be_stored_in_a_variable():
    @pf.kernel
    def k(out):
        f = operator.add
        out[0] = f(1, 2)

    with pytest.raises(pf.CompileError, match="cannot store operator.add in variable 'f'"):
        k.inspect_types("void(int64[::1])")


def test_pow_with_a_modulus_is_an_error():
    @pf.kernel
    def k(out):
        out[0] = pow(2, 10, 7)

    with pytest.raises(pf.CompileError, match=r"pow\(\) with a modulus is not supported"):
        k.inspect_types("void(int64[::1])")


@pytest.mark.gpu
def test_function_values_on_the_gpu():
    x = np.arange(1, 9, dtype=np.float32)
    acc = np.zeros(1, np.float32)
    out = np.zeros_like(x)
    uses_function_values[1, 32](acc, x, out)
    assert acc[0] == x.sum()
    np.testing.assert_allclose(out, (x + 1) + x ** 2 + 0.25, rtol=1e-6)


@pytest.mark.gpu
def test_histogram_through_a_passed_atomic_on_the_gpu():
    keys = np.arange(64) * 7
    out = np.zeros(16, np.uint32)
    histogram[1, 64](out, keys)
    np.testing.assert_array_equal(out, np.bincount(keys % 16, minlength=16))


@pytest.mark.gpu
@pytest.mark.parametrize("kernel", [tile_from_tuple, tile_from_global])
def test_tuple_shape_on_the_gpu(kernel):
    out = np.zeros((4, 8), np.int32)
    kernel[1, (4, 8)](out)
    np.testing.assert_array_equal(out, np.arange(4)[:, None] * 10 + np.arange(8)[None, :])


@pytest.mark.gpu
@pytest.mark.parametrize("op", OPERATORS, ids=[op.__name__ for op in OPERATORS])
def test_operator_module_on_the_gpu(op):
    a, b = np.array([7.5]), np.array([2.0])
    res = a.copy()
    _binary_kernel(op)[1, 1](res, b)
    np.testing.assert_allclose(res, op(a.copy(), b))


@pytest.mark.gpu
def test_declared_signature_casts_on_the_gpu():
    x = np.zeros(1, np.int32)
    packs[1, 1](x, np.array([1.0, 2.0, 3.0, 4.0], np.float32))
    assert x[0] == 0x04010203


@pf.jit(device=True)
def twice(v):
    return v * 2


@pf.jit(device=True)
def thrice(v):
    return v * 3


@pf.jit(device=True)
def call_it(fn, v):
    return fn(v)


def _calling(fn):
    def k(out, x):
        out[0] = call_it(fn, x[0])
    return k


def test_function_values_of_successive_compiles_are_their_own():
    # A function value's type was interned by the address of the compile's reference to the
    # function; the next compile's reference, at the freed address, got the dead one's type:
    # the other function (it failed at the second compile), and a dangling pointer.
    for i in range(200):
        fn, name = (twice, "twice") if i % 2 else (thrice, "thrice")
        typed = pf.jit(_calling(fn)).inspect_types("void(int64[::1], int64[::1])")
        assert f"call_it(fn: device function {name}, v: int64)" in typed, (i, typed)
