"""vectorize, guvectorize and Reduce (numba-cuda's cuda.vectorize, cuda.guvectorize, cuda.Reduce).

Without a GPU: signatures, option and argument errors, the generated kernels
compile (their PTX assembles), and errors in the user's function point at the
user's line. The tests marked ``gpu`` compare results with numpy.
"""

import numpy as np
import pytest

import ptxforge as pf
from ptxforge.ufuncs import GUFunc, UFunc, _Signature


def add(a, b):
    return a + b


def test_signatures_in_every_spelling():
    s = _Signature("float32(float32, float32)")
    assert s.text == "float32(float32, float32)" and s.ret == np.float32
    s = _Signature("f8(f8)")
    assert s.params == [(np.dtype(np.float64), 0)]
    s = _Signature("void(float32[:, :], float32[:, :])")
    assert s.ret is None and s.params == [(np.dtype(np.float32), 2)] * 2
    s = _Signature(("float64[:]", "float64[:]", "float64[:]"))  # argument types only
    assert s.ret is None and len(s.params) == 3


def test_vectorize_makes_a_ufunc():
    uf = pf.vectorize(["int32(int32, int32)", "float32(float32, float32)"])(add)
    assert isinstance(uf, UFunc)
    assert uf.__name__ == "add" and uf.nin == 2
    ptx = uf._kernel((False, False)).inspect_ptx("void(float32[::1], float32[::1], float32[::1], int64)")
    assert "add.rn.f32" in ptx or "add.f32" in ptx
    ptx = uf._kernel((True, False)).inspect_ptx("void(int32[::1], int32[::1], int32[::1], int64)")
    assert "add.s32" in ptx


def test_vectorize_needs_signatures_and_known_options():
    with pytest.raises(TypeError, match="need"):
        pf.vectorize(add)
    with pytest.raises(KeyError, match="Unrecognized options"):
        pf.vectorize(["float32(float32, float32)"], nonexistent=2)
    with pytest.warns(RuntimeWarning, match="nopython kwarg for cuda target is redundant"):
        pf.vectorize(["float32(float32, float32)"], target="cuda", nopython=True)(add)
    with pytest.raises(TypeError, match="must all take 2 numbers"):
        pf.vectorize(["float32(float32, float32)", "float32(float32)"])(add)


def test_vectorize_picks_a_signature_or_says_why():
    uf = pf.vectorize(["int32(int32, int32)", "float64(float64, float64)"])(add)
    with pytest.raises(TypeError, match="no loop for inputs \\(complex128, complex128\\)"):
        uf(np.zeros(3, np.complex128), np.zeros(3, np.complex128))


def test_user_errors_point_at_the_users_line(make_module):
    mod = make_module("""
        def bad(a, b):
            return a + undefined_name
        """)
    uf = pf.vectorize(["float32(float32, float32)"])(mod.bad)
    with pytest.raises(pf.CompileError, match=r"pf_kernels_\d+\.py:2:\d+: error: .*undefined_name"):
        uf._kernel((False, False)).inspect_ptx("void(float32[::1], float32[::1], float32[::1], int64)")


def test_guvectorize_checks_its_declaration():
    def f(x, y):
        pass

    g = pf.guvectorize(["void(float32[:], float32[:])"], "(x)->(x)", target="cuda")(f)
    assert isinstance(g, GUFunc) and g.__name__ == "f"
    with pytest.raises(TypeError, match="nopython flag must be True"):
        pf.guvectorize(["void(float32[:], float32[:])"], "(x)->(x)", nopython=False)(f)
    with pytest.raises(TypeError, match="The following target options are not supported: 'what1'"):
        pf.guvectorize(["void(float32[:], float32[:])"], "(x)->(x)", what1=True)(f)
    with pytest.raises(TypeError, match="guvectorized functions cannot return values.*specifies int32 return type"):
        pf.guvectorize(["int32(int32[:], int32[:])"], "(m)->(m)")(f)
    with pytest.raises(ValueError, match="layout"):
        pf.guvectorize(["void(float32[:], float32[:])"], "(x)(x)")(f)


def test_guvectorize_argument_counts():
    def f(x, y, z):
        pass

    g = pf.guvectorize(["void(int32[:], int32[:], int32[:])"], "(m),(m)->(m)")(f)
    arr = np.arange(5)
    with pytest.raises(TypeError, match="gufunc accepts 2 positional arguments .*or 3 positional arguments"
                                        ".*Got 1 positional argument\\."):
        g(arr)
    with pytest.raises(TypeError, match="Got 4 positional arguments\\."):
        g(arr, arr, arr, arr)
    with pytest.raises(ValueError, match="cannot specify argument 'out' as both positional and keyword"):
        g(arr, arr, arr, out=arr)


def test_guvectorize_kernel_compiles():
    g = pf.guvectorize(["void(float32[:, :], float32[:, :], float32[:, :])"], "(m,n),(n,p)->(m,p)")(matmulcore)
    ptx = g._kernel.inspect_ptx("void(float32[:, :, ::1], float32[:, :, ::1], float32[:, :, ::1], int64)")
    assert "fma.rn.f32" in ptx or "mul.rn.f32" in ptx or "mul.f32" in ptx


def test_reduce_kernel_compiles_from_a_lambda():
    r = pf.Reduce(lambda a, b: a + b)
    ptx = r._kernel(np.dtype(np.float64)).inspect_ptx("void(float64[::1], float64[::1], int64)")
    assert "bar.sync" in ptx and "add.f64" in ptx or "add.rn.f64" in ptx
    assert pf.reduce is pf.Reduce


def test_reduce_lambda_errors_point_at_its_line():
    r = pf.Reduce(lambda a, b: a + nowhere)  # noqa: F821
    with pytest.raises(pf.CompileError, match=r"test_ufuncs\.py:\d+:\d+: error: .*nowhere"):
        r._kernel(np.dtype(np.float32)).inspect_ptx("void(float32[::1], float32[::1], int64)")


# --- on the GPU ----------------------------------------------------------------------------------

SIGS = ["int32(int32, int32)", "float32(float32, float32)", "float64(float64, float64)"]


@pytest.mark.gpu
def test_vectorize_1d_nd_and_dtypes():
    uf = pf.vectorize(SIGS)(add)
    for dtype in (np.float64, np.float32, np.int32):
        data = (np.random.random(100001) * 100).astype(dtype)
        got = uf(data, data)
        assert got.dtype == dtype
        np.testing.assert_allclose(got, data + data)
    for nd in range(1, 5):
        data = np.random.random((4,) * nd).astype(np.float32)
        other = np.asfortranarray(data.T)
        np.testing.assert_allclose(uf(data, other), data + other)


@pytest.mark.gpu
def test_vectorize_scalars_broadcast_and_out():
    uf = pf.vectorize(["float64(float64, float64)"])(add)
    assert uf(1.25, 2.5) == 3.75
    a = np.random.randn(100, 3, 1)
    b = a.transpose(2, 1, 0)
    np.testing.assert_allclose(uf(a, b), a + b)
    x = np.arange(10.0)
    np.testing.assert_allclose(uf(x, 1.0), x + 1.0)
    out = np.empty_like(x)
    assert uf(x, x, out=out) is out
    np.testing.assert_allclose(out, 2 * x)
    uf(x, x, out)
    np.testing.assert_allclose(out, 2 * x)
    np.testing.assert_allclose(uf((1.0, 2.0), (3.0, 4.0)), [4.0, 6.0])


@pytest.mark.gpu
def test_vectorize_device_arrays_and_streams():
    uf = pf.vectorize(SIGS)(add)
    x = np.arange(1000, dtype=np.int32).reshape(10, 100)
    dx = pf.to_device(x)
    got = uf(x, dx)
    assert isinstance(got, pf.DeviceNDArray)
    np.testing.assert_array_equal(got.copy_to_host(), 2 * x)
    uf(dx, dx, out=dx)
    np.testing.assert_array_equal(dx.copy_to_host(), 2 * x)
    stream = pf.stream()
    d = pf.to_device(np.arange(5000, dtype=np.float32), stream)
    res = uf(d, d, stream=stream).copy_to_host(stream=stream)
    stream.synchronize()
    np.testing.assert_allclose(res, 2 * np.arange(5000, dtype=np.float32))


@pytest.mark.gpu
def test_vectorize_reduce_complex_and_device_calls(make_module):
    uf = pf.vectorize(SIGS)(add)
    for n in (1, 8, 100, 1025):
        x = np.arange(n, dtype=np.int32)
        got = uf.reduce(x)
        assert got == x.sum() and got.dtype == np.int32
    comp = pf.vectorize(["complex128(complex128)"])(lambda a: a * a + 1.0)
    z = np.arange(5, dtype=np.complex128) * (1 + 1j)
    np.testing.assert_allclose(comp(z), z * z + 1.0)
    mod = make_module("""
        import ptxforge as pf

        @pf.jit("float32(float32, float32, float32)", device=True)
        def inner(x, y, z):
            return x ** y / z

        def outer(x, y, z):
            return inner(x, y, z)
        """)
    uf3 = pf.vectorize(["float32(float32, float32, float32)"])(mod.outer)
    X, Y, Z = (np.random.random_sample(100).astype(np.float32) + 0.1 for _ in range(3))
    np.testing.assert_allclose(uf3(X, Y, Z), X ** Y / Z, rtol=1e-5)


def matmulcore(A, B, C):
    m, n = A.shape
    n, p = B.shape
    for i in range(m):
        for j in range(p):
            C[i, j] = 0
            for k in range(n):
                C[i, j] += A[i, k] * B[k, j]


@pytest.mark.gpu
def test_guvectorize_matmul_broadcast_and_streams():
    g = pf.guvectorize(["void(float32[:, :], float32[:, :], float32[:, :])",
                        "void(float64[:, :], float64[:, :], float64[:, :])"], "(m,n),(n,p)->(m,p)")(matmulcore)
    A = np.arange(1001 * 8, dtype=np.float32).reshape(1001, 2, 4)
    B = np.arange(1001 * 20, dtype=np.float32).reshape(1001, 4, 5)
    np.testing.assert_allclose(g(A, B), np.matmul(A, B), rtol=1e-6)
    np.testing.assert_allclose(g(A.reshape(7, 143, 2, 4), B.reshape(7, 143, 4, 5)),
                               np.matmul(A, B).reshape(7, 143, 2, 5), rtol=1e-6)
    X, Y = np.random.randn(10, 3, 3), np.random.randn(3, 3)
    np.testing.assert_allclose(g(X, Y), np.matmul(X, Y))
    stream = pf.stream()
    dA, dB = pf.to_device(A, stream), pf.to_device(B, stream)
    dC = pf.device_array((1001, 2, 5), np.float32, stream=stream)
    assert g(dA, dB, out=dC, stream=stream) is dC
    C = dC.copy_to_host(stream=stream)
    stream.synchronize()
    np.testing.assert_allclose(C, np.matmul(A, B), rtol=1e-6)


def sum_row(inp, out):
    tmp = 0
    for i in range(inp.shape[0]):
        tmp += inp[i]
    out[0] = tmp


def saxpy(a, x, y, out):
    for i in range(out.shape[0]):
        out[i] = a * x[i] + y[i]


def copy_and_double(A, B, C):
    for i in range(B.size):
        B[i] = A[i]
        C[i] = A[i] * 2


@pytest.mark.gpu
def test_guvectorize_scalars_and_several_outputs():
    rows = pf.guvectorize(["void(int32[:], int32[:])"], "(n)->()")(sum_row)
    inp = np.arange(300, dtype=np.int32).reshape(100, 3)
    np.testing.assert_array_equal(rows(inp), inp.sum(axis=1))
    dev_out = pf.device_array(100, np.int32)
    rows(pf.to_device(inp), out=dev_out)
    np.testing.assert_array_equal(dev_out.copy_to_host(), inp.sum(axis=1))
    sx = pf.guvectorize(["void(float32, float32[:], float32[:], float32[:])"], "(),(t),(t)->(t)")(saxpy)
    X = np.arange(10, dtype=np.float32).reshape(5, 2)
    np.testing.assert_array_equal(sx(np.float32(2), X, X), 2 * X + X)
    A = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(sx(A, X, X), A[:, None] * X + X)
    np.testing.assert_array_equal(sx(np.int64(2), X, X), 2 * X + X)  # cast to the declared float32
    two = pf.guvectorize(["void(int32[:], int32[:], float64[:])"], "(x)->(x),(x)")(copy_and_double)
    a = np.arange(10, dtype=np.int32) + 1
    b, c = two(a)
    np.testing.assert_array_equal(b, a)
    np.testing.assert_array_equal(c, 2.0 * a)
    assert c.dtype == np.float64


@pytest.mark.gpu
def test_reduce_sums_products_and_maxima():
    total = pf.Reduce(lambda a, b: a + b)
    for n in (1, 15, 256, 257, 1025, 34567, 1049600):
        A = np.arange(n, dtype=np.float64) + 1
        assert total(A) == A.sum()
    assert total(np.zeros(0)) == 0
    assert total(pf.to_device(np.zeros(0))) == 0
    A = np.arange(10, dtype=np.float64) + 1
    assert total(A, init=3) == A.sum() + 3
    np.testing.assert_allclose(pf.reduce(lambda a, b: a * b)(np.arange(64.0) + 1, init=1), np.prod(np.arange(64.0) + 1))
    assert pf.Reduce(lambda a, b: max(a, b))(np.arange(3717.0) + 1, init=0) == 3717.0
    res = pf.to_device(np.zeros(1))
    assert total(A, res=res) is None
    assert res.copy_to_host()[0] == A.sum()
    ints = np.arange(100000, dtype=np.int32) % 7
    assert total(ints) == ints.sum()


def test_a_device_function_can_be_the_scalar_function(make_module):
    mod = make_module("""
        import ptxforge as pf

        @pf.jit(device=True)
        def mul(a, b):
            return a * b
        """)
    uf = pf.vectorize(["float64(float64, float64)"])(mod.mul)
    ptx = uf._kernel((False, False)).inspect_ptx("void(float64[::1], float64[::1], float64[::1], int64)")
    assert "mul.f64" in ptx or "mul.rn.f64" in ptx
    r = pf.Reduce(mod.mul)
    assert "bar.sync" in r._kernel(np.dtype(np.int32)).inspect_ptx("void(int32[::1], int32[::1], int64)")


class Foreign:  # another library's device array: only the CUDA array interface
    def __init__(self, arr):
        self._arr = arr
        self.__cuda_array_interface__ = arr.__cuda_array_interface__


@pytest.mark.gpu
def test_ufuncs_take_foreign_device_arrays_in_and_out():
    @pf.vectorize(["f8(f8, f8)"])
    def vadd(a, b):
        return a + b

    @pf.guvectorize(["(f8, f8, f8[:])"], "(),()->()")
    def gadd(inp, val, out):
        out[0] = inp + val

    h = np.random.default_rng(1).random(10)
    np.testing.assert_array_equal(vadd(Foreign(pf.to_device(h)), 6).copy_to_host(), h + 6)
    out = Foreign(pf.device_array(h.shape))
    np.testing.assert_array_equal(vadd(h, 6, out=out).copy_to_host(), h + 6)
    np.testing.assert_array_equal(gadd(Foreign(pf.to_device(h)), np.float64(7)).copy_to_host(), h + 7)
    returned = gadd(h, np.float64(7), out=out)
    assert returned.__cuda_array_interface__["data"][0] == out._arr.__cuda_array_interface__["data"][0]
    np.testing.assert_array_equal(out._arr.copy_to_host(), h + 7)
