"""numba-cuda's pointer types and its generated half-precision bindings under ptxforge (issue 11).

numba's CPointer types (``types.CPointer(int32)``) map to ptxforge's ``int32*``; a
launch passes an address as an integer. numba-cuda's generated bindings of CUDA's
headers (numba.cuda._internal.cuda_bf16) declare device functions over struct types of
their own: the declarations stand, and a kernel calling one is the error. Their
functions (``__hadd``, ``htrunc`` ...) are ptxforge's bf16 functions of the same name.
numba is not needed: stand-ins carry numba's module and class names.
"""

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _signatures
from ptxforge._typeobjects import signature_string, type_name


def _numba_class(module, name, bases=()):
    return type(name, bases or (object,), {"__module__": module, "__str__": lambda self: self.name})


Integer = _numba_class("numba.core.types.scalars", "Integer")
Bfloat16 = _numba_class("numba.cuda.types.ext_types", "Bfloat16")
Type = _numba_class("numba.core.types.abstract", "Type")


class CPointer(_numba_class("numba.core.types.misc", "CPointer")):
    def __init__(self, dtype, addrspace=None):
        self.dtype, self.addrspace = dtype, addrspace
        self.name = f"{dtype}*"


def _scalar(cls, name):
    t = cls()
    t.name = name
    return t


def Signature(ret, *args):
    s = _numba_class("numba.core.typing.templates", "Signature")()
    s.return_type, s.args = ret, tuple(args)
    s.name = f"{ret}({', '.join(str(a) for a in args)})"
    return s


# An opaque struct of numba's generated bindings: a class of their own module, derived from numba's Type.
Opaque = type("_type_class_unnamed1405307", (Type,), {"__module__": "numba.cuda._internal.cuda_bf16"})
nb_int32, nb_bf16 = _scalar(Integer, "int32"), _scalar(Bfloat16, "__nv_bfloat16")
opaque = _scalar(Opaque, "unnamed1405307")


def test_numba_pointer_types_are_ptxforge_pointers():
    assert type_name(CPointer(nb_int32)) == "int32*"
    assert type_name(CPointer(nb_bf16)) == "bfloat16*"
    assert signature_string(Signature(nb_int32, CPointer(nb_bf16), CPointer(nb_int32))) == \
        "int32(bfloat16*, int32*)"
    for bad in (CPointer(CPointer(nb_int32)), CPointer(opaque), opaque):
        with pytest.raises(TypeError, match="no ptxforge equivalent"):
            type_name(bad)
    with pytest.raises(TypeError, match="address space 3"):
        type_name(CPointer(nb_int32, addrspace=3))
    # numba's CPointer of ptxforge's own type objects (numba.cuda's names rebound to ptxforge's)
    assert signature_string(Signature(CPointer(pf.int32), CPointer(pf.float16))) == "int32*(float16*)"
    with pytest.raises(TypeError, match="no ptxforge equivalent"):
        type_name(CPointer(pf.void))


def test_an_integer_binds_to_a_pointer_parameter():
    assert _signatures.select("k", ("int", "int"), [("int32*", "int32")]) == ("int32*", "int32")
    assert _signatures.select("k", ("int",), [("int64",), ("int32*",)]) == ("int64",)  # exact wins
    with pytest.raises(TypeError, match="No matching definition"):
        _signatures.select("k", ("float",), [("int32*",)])
    with pytest.raises(TypeError, match="No matching definition"):
        _signatures.select("k", ("float32[::1]",), [("float32*",)])


def call_opaque(out):
    out[0] = opaque_ctor(out[0])


def test_declarations_over_types_ptxforge_lacks_fail_when_called(make_module):
    decl = pf.declare_device("_ZN13__nv_bfloat16C1ERK17__nv_bfloat16_raw_nbst",
                             Signature(nb_int32, CPointer(nb_bf16), CPointer(opaque)))
    with pytest.raises(TypeError):  # a string signature naming an unknown type is still refused at once
        pf.declare_device("f", "int32(unnamed1405307*)")
    mod = make_module("""
        def kernel(out):
            out[0] = decl(1)
    """)
    mod.decl = decl
    with pytest.raises(pf.CompileError, match=r"'decl'(:| is) (it is )?the declared device function "
                                              r"'_ZN13__nv_bfloat16C1ERK17__nv_bfloat16_raw_nbst', "
                                              r"whose signature has numba's type unnamed1405307\*"):
        pf.compile_ptx(mod.kernel, "void(int32[::1])")


def _binding(name):
    """A function as numba-cuda's generated bf16 bindings define it (``def __hadd(): pass``)."""
    def f():
        pass
    f.__name__ = f.__qualname__ = name
    f.__module__ = "numba.cuda._internal.cuda_bf16"
    return f


@pytest.mark.gpu
def test_numba_bf16_bindings_are_ptxforge_bf16_functions(make_module):
    mod = make_module("""
        import ptxforge as pf

        def kernel(out, x):
            a = pf.bfloat16(x)
            out[0] = pf.float32(hadd(a, a))
            out[1] = pf.float32(htrunc(hneg(a)))
            out[2] = bfloat162float(float2bfloat16_rn(x))
    """)
    for name in ("__hadd", "htrunc", "__hneg", "__bfloat162float", "__float2bfloat16_rn"):
        setattr(mod, name.lstrip("_"), _binding(name))
    ptx, _ = pf.compile_ptx(mod.kernel, "void(float32[::1], float32)")
    assert "add.bf16" in ptx and "neg.bf16" in ptx and "cvt.rzi.bf16.bf16" in ptx
    out = np.zeros(3, np.float32)
    pf.jit(mod.kernel)[1, 1](out, np.float32(1.75))
    assert out.tolist() == [3.5, -1.0, 1.75]


def test_a_binding_ptxforge_lacks_is_a_compile_error(make_module):
    mod = make_module("""
        def kernel(out):
            out[0] = h2div(out[0])
    """)
    mod.h2div = _binding("__h2div")
    with pytest.raises(pf.CompileError, match=r"numba-cuda's binding of CUDA's __h2div, which ptxforge's bf16 "
                                              r"namespace lacks"):
        pf.compile_ptx(mod.kernel, "void(float32[::1])")


@pytest.mark.gpu
def test_pointer_arguments_are_addresses():
    @pf.jit(Signature(_scalar(_numba_class("numba.core.types.misc", "NoneType"), "none"),
                      CPointer(nb_int32), nb_int32, CPointer(nb_int32), _scalar(Integer, "uint32")))
    def axpy(r, a, x, n):
        i = pf.grid(1)
        if i < n:
            r[i] = a * x[i] + 1

    x = pf.to_device(np.arange(10, dtype=np.int32))
    r = pf.device_array_like(x)
    axpy[1, 32](r.__cuda_array_interface__["data"][0], 5, x.__cuda_array_interface__["data"][0], 10)
    assert r.copy_to_host().tolist() == [5 * i + 1 for i in range(10)]


def float_strings(out):
    out[0] = float("nan")
    out[1] = pf.float32(" -Infinity ")
    out[2] = np.float64("1.5e3")
    out[3] = pf.bfloat16(float("+inf"))


@pytest.mark.gpu
def test_float_of_a_string_literal_is_the_number_it_spells():
    out = np.zeros(4, np.float64)
    pf.jit(float_strings)[1, 1](out)
    assert np.isnan(out[0]) and out[1:].tolist() == [-np.inf, 1500.0, np.inf]
    typed = pf.jit(float_strings).inspect_types("void(float64[::1])")
    assert "(pf.bfloat16((float('+inf') : float64)) : bfloat16)" in typed


def test_float_of_a_string_that_is_no_number_is_python_s_error(make_module):
    mod = make_module("""
        def kernel(out):
            out[0] = float("1.5x")
    """)
    with pytest.raises(pf.CompileError, match=r"could not convert string to float: '1.5x'") as e:
        pf.compile_ptx(mod.kernel, "void(float64[::1])")
    assert ":2:20:" in str(e.value)


def test_is_bfloat16_supported_follows_the_device():
    if pf.is_available() or pf._target.default() == "cpu":
        assert pf.is_bfloat16_supported() == (pf.get_current_device().compute_capability >= (8, 0))


# -- device functions declared without a return type (numba infers it) ---------------------


def add(x, y):
    return x + y


def call_add(r, x, y):
    r[0] = add_device(x, y)


add_device = None


def _with_device(sigs):
    global add_device
    add_device = pf.jit(sigs, device=True)(add)
    return pf.jit(call_add)


def test_a_device_signature_without_return_type_infers_it():
    k = _with_device(["(int64, int64)", "(float64, float64)"])
    typed = k.inspect_types("void(int64[::1], int64, int64)")
    assert "add(x: int64, y: int64) -> int64" in typed
    typed = k.inspect_types("void(float64[::1], float32, float64)")
    assert "add(x: float64, y: float64) -> float64" in typed
    with pytest.raises(pf.CompileError, match=r"Invalid use of type\(device function 'add'\) with parameters "
                                              r"\(complex128, complex128\): it is declared for \(int64, int64\), "
                                              r"\(float64, float64\)"):
        k.inspect_types("void(complex128[::1], complex, complex)")


@pytest.mark.gpu
def test_python_numbers_bind_device_signatures_as_numba_types_them():
    k = _with_device(["(float32, float32)", "(float64, float64)"])
    r = np.zeros(1, np.float64)
    k[1, 1](r, np.float32(1), np.float32(2**-25))
    assert r[0] == 1.0  # float32 arithmetic
    k[1, 1](r, 1, 2**-25)  # int64 and float64: the float64 signature, as in numba
    assert r[0] == 1.0000000298023224
    k = _with_device(["(int64, int64)"])
    r = np.zeros(1, np.int64)
    k[1, 1](r, 1.5, 2.5)  # unsafe conversions, as numba's device functions take them
    assert r[0] == 3


# -- float16 <-> integer casts, as numba-cuda makes them ------------------------------------


def to_int8(x):
    return np.int8(x)


def to_uint32(x):
    return np.uint32(x)


def to_float16(x):
    return np.float16(x) * np.float16(0.5)


def test_float16_integer_casts_are_single_cvts():
    for f, sig, want in [(to_int8, "(float16,)", "cvt.rni.s8.f16"), (to_uint32, "(float16,)", "cvt.rni.u32.f16"),
                         (to_float16, "(int8,)", "cvt.rn.f16.s8"), (to_float16, "(uint64,)", "cvt.rn.f16.u64"),
                         (to_float16, "(int16,)", "cvt.rn.f16.s16")]:
        ptx, _ = pf.compile_ptx(f, sig, device=True)
        assert want in ptx, (f.__name__, sig)


def half_to_ints(out8, out32, h, n):
    for i in range(h.size):
        out8[i] = np.int8(h[i])
        out32[i] = int(h[i])
        n[i] = np.float16(np.int8(i - 3))


@pytest.mark.gpu
def test_float16_to_integers_round_to_nearest_even_and_saturate():
    h = np.array([2.5, 2.7, -2.5, 3.5, 300.0, -300.0, np.nan, 0.4], np.float16)
    out8, out32 = np.zeros(8, np.int8), np.zeros(8, np.int32)
    back = np.zeros(8, np.float16)
    pf.jit(half_to_ints)[1, 1](out8, out32, h, back)
    assert out8.tolist() == [2, 3, -2, 4, 127, -128, 0, 0]
    assert out32.tolist() == [2, 3, -2, 4, 300, -300, 0, 0]
    assert back.tolist() == [float(i - 3) for i in range(8)]


# -- numba's looser binding of integer arrays; literal bools prune branches ------------------


def test_an_integer_array_binds_to_its_other_signedness():
    assert _signatures.select("k", ("uint32[:, ::1]",), [("int32[:, :]",)]) == ("int32[:, :]",)
    assert _signatures.select("k", ("uint32[::1]",), [("int32[::1]",), ("uint32[::1]",)]) == ("uint32[::1]",)
    for bad in ("int64[:, ::1]", "float32[:, ::1]", "uint32[::1]"):
        with pytest.raises(TypeError, match="No matching definition"):
            _signatures.select("k", (bad,), [("int32[:, :]",)])


def sub_one(ary):
    ary[pf.threadIdx.x, pf.threadIdx.y] -= 1


@pytest.mark.gpu
def test_a_uint32_array_launches_an_int32_signature():
    ary = np.arange(32, dtype=np.uint32).reshape(4, 8) + 1
    pf.jit("void(int32[:, :])")(sub_one)[1, (4, 8)](ary)
    assert ary.tolist() == np.arange(32).reshape(4, 8).tolist()


def test_a_literal_bool_argument_prunes_the_callee_s_branches(make_module):
    mod = make_module("""
        import ptxforge as pf

        @pf.jit(device=True)
        def add_at(ary, y, wrap):
            at = (pf.threadIdx.x, pf.uint64(y))
            if wrap:
                at = (at[0] % ary.shape[0], at[1] % ary.shape[1])  # uint64 % int64 is float64
            pf.atomic.add(ary, at, 1.0)

        def kernel(ary):
            add_at(ary, pf.threadIdx.y, False)
    """)
    ptx, _ = pf.compile_ptx(mod.kernel, "void(float64[:, :])")
    assert "atom.global.add.f64" in ptx


# -- numba-cuda's vector types ----------------------------------------------------------------


def vectors(out):
    a = pf.float64x4(1.0, 3.0, 5.0, 7.0)
    s = pf.short2(10, 11.7)  # numbers convert to the element type
    f = pf.float3(pf.float2(1, 2), 3)  # vectors of the same element type fill in order
    out[0] = a.x + a.y + a.z + a.w
    out[1] = s.x
    out[2] = s.y
    out[3] = f.x * 100 + f.y * 10 + f.z
    out[4] = pf.int8x1(pf.char1(-3)).x


@pytest.mark.gpu
def test_vector_types_construct_and_read_out():
    out = np.zeros(5, np.float64)
    pf.jit(vectors)[1, 1](out)
    assert out.tolist() == [16.0, 10.0, 11.0, 123.0, -3.0]
    typed = pf.jit(vectors).inspect_types("void(float64[::1])")
    assert "NamedTuple(float32x3, x=float32, y=float32, z=float32)" in typed
    assert pf.double4 is pf.float64x4 and pf.uchar2 is pf.uint8x2 and pf.long3 is pf.int64x3


def test_vector_constructors_check_their_elements(make_module):
    mod = make_module("""
        import ptxforge as pf

        def few(out):
            out[0] = pf.float32x3(1.0, 2.0).x

        def other(out):
            out[0] = pf.float32x2(pf.int32x2(1, 2)).x
    """)
    with pytest.raises(pf.CompileError, match=r"float32x3\(\) needs 3 elements in all, got 2"):
        pf.compile_ptx(mod.few, "void(float32[::1])")
    with pytest.raises(pf.CompileError, match=r"float32x2\(\) takes numbers and float32 vectors, not "
                                              r"NamedTuple\(int32x2"):
        pf.compile_ptx(mod.other, "void(float32[::1])")


def test_numba_vector_type_stubs_are_ptxforge_s(make_module):
    stub = type("float32x2", (), {"__module__": "numba.cuda.stubs"})  # numba-cuda's user-facing object
    mod = make_module("""
        def kernel(out):
            v = vec(out[0], 2.0)
            out[1] = v.y
    """)
    mod.vec = stub
    typed = pf.jit(mod.kernel).inspect_types("void(float32[::1])")
    assert "NamedTuple(float32x2, x=float32, y=float32)" in typed


# -- locals assigned once from an integer literal are constants --------------------------------


def smem_from_local(ary):
    N = 100
    D = -1
    sm = pf.shared.array(N, pf.int32)
    loc = pf.local.array((2, 3), pf.int32)
    t = (5, 6, 7)
    i = pf.grid(1)
    if i == 0:
        for j in range(N):
            sm[j] = j
    pf.syncthreads()
    loc[1, 2] = t[D]
    ary[i] = sm[i] + loc[1, 2]


@pytest.mark.gpu
def test_a_local_assigned_once_from_a_literal_is_a_constant():
    ary = np.zeros(100, np.int32)
    pf.jit("void(int32[::1])")(smem_from_local)[1, 100](ary)
    assert ary.tolist() == [j + 7 for j in range(100)]


def test_a_local_assigned_twice_is_not_a_constant(make_module):
    mod = make_module("""
        import ptxforge as pf

        def kernel(ary):
            N = 10
            if ary[0] > 0:
                N = 20
            sm = pf.shared.array(N, pf.int32)
            ary[0] = sm[0]
    """)
    with pytest.raises(pf.CompileError, match=r"shape must be a constant integer"):
        pf.compile_ptx(mod.kernel, "void(int32[::1])")
