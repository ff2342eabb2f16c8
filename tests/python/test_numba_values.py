"""numba's value forms that kernels use: libdevice's precise square roots (hypotf as numba
has it), the .real/.imag views of complex arrays, isinstance() and tuple(), numba's
carray/farray over pointers, and bfloat16 arrays that __cuda_array_interface__ gives as '|V2'."""

import math

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import devicearray


def hyp(a, b, out):
    i = pf.grid(1)
    if i < out.size:
        out[i] = math.hypot(a[i], b[i])


HYP_SIG = "void(float32[::1], float32[::1], float32[::1])"


def test_libdevice_square_roots_are_precise_unless_fastmath():
    # LLVM 19's NVVMReflect answers only __CUDA_FTZ and __CUDA_ARCH; libdevice's hypotf,
    # sqrtf and normf also ask __CUDA_PREC_SQRT, which NVVM answers 1 (0 with fastmath).
    ptx, _ = pf.compile_ptx(hyp, HYP_SIG)
    assert "sqrt.rn.f32" in ptx and "sqrt.approx" not in ptx
    fast, _ = pf.compile_ptx(hyp, HYP_SIG, fastmath=True)
    assert "sqrt.approx" in fast and "sqrt.rn.f32" not in fast


@pytest.mark.gpu
def test_hypot_float32_matches_numpy():
    a = np.linspace(0, 1, 50).astype(np.float32)  # numba-cuda's test_math_hypot: index 35 was 1 ulp off
    b = np.linspace(-3, 7, 50).astype(np.float32)
    out = np.empty_like(a)
    pf.jit(HYP_SIG)(hyp)[1, 64](a, b, out)
    # libdevice's hypotf is within 3 ulp (CUDA's math documentation), not correctly rounded:
    # on the H200 2 of these 50 were 1 ulp off numpy's.
    np.testing.assert_array_max_ulp(out, np.hypot(a, b), maxulp=3)
    out2 = np.empty_like(a)
    pf.jit(HYP_SIG)(hyp)[1, 64](a, a, out2)
    np.testing.assert_allclose(out2, np.hypot(a, a), rtol=1e-7, atol=0)


def parts(v, w):
    i = pf.grid(1)
    if i < v.size:
        pf.atomic.add(v.real, i, 1)
        pf.atomic.add(v.imag, i, 2)
        w.real[i] = v.imag[i]
        w.imag[i] += v.real[i]


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_real_and_imag_views_take_atomics_stores_and_loads(dtype):
    v = (np.arange(8) + 1j * np.arange(8, 16)).astype(dtype)
    w = (np.arange(8) * (1 - 1j)).astype(dtype)
    expect_v = v + (1 + 2j)
    expect_w = expect_v.imag + 1j * (w.imag + expect_v.real)
    pf.jit(parts)[1, 8](v, w)
    np.testing.assert_array_equal(v, expect_v)
    np.testing.assert_array_equal(w, expect_w)


@pytest.mark.gpu
def test_views_of_strided_and_2d_complex_arrays(make_module):
    mod = make_module("""
        import ptxforge as pf

        def swap(m):
            i, j = pf.grid(2)
            if i < m.shape[0] and j < m.shape[1]:
                re = m.real
                im = m.imag
                t = re[i, j]
                re[i, j] = im[i, j]
                im[i, j] = t
    """)
    base = (np.arange(24) + 1j * np.arange(100, 124)).reshape(4, 6)
    m = base[:, ::2]  # strided: the views keep the byte strides
    expect = base.copy()
    expect[:, ::2] = m.imag + 1j * m.real
    pf.jit(mod.swap)[(1, 1), (4, 3)](m)
    np.testing.assert_array_equal(base, expect)


def test_views_are_float_arrays_of_any_layout_and_real_arrays_have_real_only(make_module):
    mod = make_module("""
        def r(a, out):
            out[0] = a.real[0]

        def bad(a, out):
            out[0] = a.imag[0]
    """)
    typed = pf.jit(mod.r).inspect_types("void(complex64[::1], float32[::1])")
    assert "float32[:]" in typed  # numba's Array(float32, 1, 'A')
    ptx, _ = pf.compile_ptx(mod.r, "void(float64[::1], float64[::1])")  # a real array's .real is itself
    assert "ld.global.f64" in ptx
    with pytest.raises(pf.CompileError, match=r"\.real and \.imag views of complex arrays, and \.real of real") as e:
        pf.compile_ptx(mod.bad, "void(float64[::1], float64[::1])")
    assert ":5:14:" in str(e.value)


def classify(out, x, y, z):
    out[0] = isinstance(x, pf.float32)
    out[1] = isinstance(x, (pf.int32, pf.float64))
    out[2] = isinstance(y, int)
    out[3] = isinstance(y, float)
    out[4] = isinstance(x, (int, float))
    out[5] = isinstance(z, pf.float32)  # an array is no scalar type
    t = tuple((y, x))
    out[6] = t[0] + len(tuple())
    if isinstance(x, pf.bfloat16):
        out[7] = 1.0
    else:
        out[7] = 2.0


@pytest.mark.gpu
def test_isinstance_is_decided_from_types_and_tuple_passes_tuples():
    out = np.full(8, -1.0)
    pf.jit(classify)[1, 1](out, np.float32(1.5), 7, np.zeros(1, np.float32))
    np.testing.assert_array_equal(out, [1, 0, 1, 0, 1, 0, 7, 2])
    out = np.full(8, -1.0)
    pf.jit(classify)[1, 1](out, 2.5, 7.5, np.zeros(1, np.float32))  # float64 and a float
    np.testing.assert_array_equal(out, [0, 1, 0, 1, 1, 0, 7.5, 2])


def test_isinstance_folds_to_a_constant_and_bad_uses_are_errors(make_module):
    mod = make_module("""
        def k(out, x):
            if isinstance(x, int):
                out[0] = 1
            else:
                out[0] = 2

        def bad(out, x):
            out[0] = isinstance(x, out)

        def badtuple(out, n):
            t = tuple(out)
    """)
    ptx, _ = pf.compile_ptx(mod.k, "void(int32[::1], int64)")
    assert "st.global.u32" in ptx and "setp" not in ptx  # no test left: the branch is decided
    with pytest.raises(pf.CompileError, match="isinstance\\(\\) in a kernel takes a scalar type") as e:
        pf.compile_ptx(mod.bad, "void(int32[::1], int64)")
    assert ":8:28:" in str(e.value)
    with pytest.raises(pf.CompileError, match="tuple\\(\\) in a kernel takes a tuple, not int32"):
        pf.compile_ptx(mod.badtuple, "void(int32[::1], int64)")


def views(p, n):
    a = pf.carray(p, (2, n), dtype=pf.float32)
    f = pf.farray(p, (2, n))
    one = pf.carray(p, n)
    a[1, 0] += 1.5  # C order: offset n
    f[1, 0] += 10.0  # Fortran order: offset 1
    one[n - 1] += 100.0


@pytest.mark.gpu
def test_carray_and_farray_view_a_pointer_in_c_and_fortran_order():
    d = pf.to_device(np.zeros(6, np.float32))
    pf.jit("void(float32*, int64)")(views)[1, 1](d.device_ctypes_pointer.value, 3)
    np.testing.assert_array_equal(d.copy_to_host(), [0, 10, 100, 1.5, 0, 0])


def test_carray_types_and_errors(make_module):
    typed = pf.jit("void(float32*, int64)")(views).inspect_types("void(float32*, int64)")
    assert "float32[:, ::1]" in typed and "float32[::1, :]" in typed
    mod = make_module("""
        import ptxforge as pf

        def wrong_dtype(p):
            a = pf.carray(p, 4, dtype=pf.float64)

        def not_pointer(a):
            b = pf.carray(a, 4)

        def bad_shape(p):
            b = pf.farray(p, 1.5)
    """)
    with pytest.raises(pf.CompileError, match="mismatching dtype 'float64' for pointer type 'float32\\*'"):
        pf.compile_ptx(mod.wrong_dtype, "void(float32*)")
    with pytest.raises(pf.CompileError, match="carray\\(\\) needs a pointer"):
        pf.compile_ptx(mod.not_pointer, "void(float32[::1])")
    with pytest.raises(pf.CompileError, match="shape is an integer or a non-empty tuple of integers"):
        pf.compile_ptx(mod.bad_shape, "void(float32*)")


class _VoidTypestrArray:
    """A producer (as CuPy with ml_dtypes' bfloat16) whose interface says '|V2' and whose .dtype is bfloat16."""

    def __init__(self, d):
        self._d = d
        self.dtype = d.dtype
        self.__cuda_array_interface__ = dict(d.__cuda_array_interface__, typestr="|V2")


def bf16_axpy(x, y, out):
    i = pf.grid(1)
    if i < out.size:
        out[i] = 2 * x[i] + 4 * y[i] + pf.bfloat16(3.0)


@pytest.mark.gpu
def test_a_void2_interface_array_whose_dtype_is_bfloat16_binds_as_bfloat16():
    bf16 = devicearray.bfloat16_dtype()
    host = np.array([1, 2, 3, 4, 5], np.float32)
    bits = (host.view(np.uint32) >> 16).astype(np.uint16)  # exact in bfloat16
    x = pf.to_device(bits.view(bf16))
    out = pf.device_array(5, bf16)
    k = pf.jit(bf16_axpy)
    k[1, 32](_VoidTypestrArray(x), np.arange(5), _VoidTypestrArray(out))
    assert list(k.signatures)[0][0] == "bfloat16[::1]"
    got = (out.copy_to_host().view(np.uint16).astype(np.uint32) << 16).view(np.float32)
    np.testing.assert_array_equal(got, 2 * host + 4 * np.arange(5) + 3)


def test_a_void2_interface_without_a_bfloat16_dtype_is_still_refused():
    class Plain:
        dtype = np.dtype("V2")
        __cuda_array_interface__ = {"shape": (2,), "typestr": "|V2", "data": (0, False), "version": 3}

    with pytest.raises(TypeError, match="has dtype \\|V2, which kernels do not support"):
        pf.jit(bf16_axpy)[1, 1](Plain(), np.arange(2), Plain())


CONST3D = np.arange(125, dtype=np.complex64).reshape(5, 5, 5) * (1 + 2j)


def const3d(a):
    c = pf.const.array_like(CONST3D)
    i = pf.threadIdx.x
    j = pf.threadIdx.y
    k = pf.threadIdx.z
    a[i, j, k] = c[i, j, k]


def test_a_complex_element_of_const_memory_is_one_vector_load():
    # The address-space inference before InferAlignment proves the element's 8-byte alignment.
    ptx, _ = pf.compile_ptx(const3d, "void(complex64[:, :, :])")
    assert "ld.const.v2.f32" in ptx and "ld.const.f32" not in ptx


@pytest.mark.gpu
def test_complex_const_array_copies_exactly():
    a = np.zeros_like(CONST3D, order="F")
    pf.jit("void(complex64[:, :, :])")(const3d)[1, (5, 5, 5)](a)
    np.testing.assert_array_equal(a, CONST3D)
