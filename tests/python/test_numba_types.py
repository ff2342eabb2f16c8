"""numba's type objects as values, and declared signatures binding launches (issue 11, parts 1 and 2).

numba is not needed: its type objects are recognised by their class's module and
name, so stand-ins with numba's module and class names test the recognition. Where
numba is installed, the real objects and numba's own casting table are checked too.
The GPU tests compare against numpy and CPython.
"""

import importlib.util
import types as pytypes

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _signatures
from ptxforge._overloads import SignatureDict
from ptxforge._typeobjects import signature_parts, signature_string, type_name

HAS_NUMBA = importlib.util.find_spec("numba") is not None


# -- stand-ins for numba's type classes --------------------------------------------------


def _numba_class(module, name, **attrs):
    cls = type(name, (), {"__module__": module, "__repr__": lambda self: f"<{name}>"})
    for k, v in attrs.items():
        setattr(cls, k, v)
    return cls


class _Scalar:
    def __init__(self, cls, name):
        self.obj = _numba_class("numba.core.types.scalars", cls)()
        self.obj.name = name


Integer = lambda n: _Scalar("Integer", n).obj  # noqa: E731
Float = lambda n: _Scalar("Float", n).obj  # noqa: E731


def Array(dtype, ndim, layout):
    a = _numba_class("numba.core.types.npytypes", "Array")()
    a.dtype, a.ndim, a.layout = dtype, ndim, layout
    return a


def Signature(ret, *args):
    s = _numba_class("numba.core.typing.templates", "Signature")()
    s.return_type, s.args = ret, tuple(args)
    return s


nb_int32, nb_int64, nb_float64 = Integer("int32"), Integer("int64"), Float("float64")
nb_void = _numba_class("numba.core.types.misc", "NoneType")()
nb_bool = _numba_class("numba.core.types.scalars", "Boolean")()
nb_bf16 = _numba_class("numba.cuda.types.ext_types", "Bfloat16")()


def test_numba_type_objects_are_read_by_class_module_and_name():
    assert type_name(nb_int32) == "int32"
    assert type_name(nb_bool) == "bool"
    assert type_name(nb_bf16) == "bfloat16"
    assert type_name(Array(Float("float32"), 2, "C")) == "float32[:, ::1]"
    assert type_name(Array(Float("float32"), 2, "F")) == "float32[::1, :]"
    assert type_name(Array(nb_int64, 1, "A")) == "int64[:]"
    assert signature_parts(Signature(nb_void, Array(nb_int32, 1, "C"), nb_float64)) == \
        ("void", ["int32[::1]", "float64"])
    assert signature_parts((Array(nb_int32, 1, "C"), nb_int64)) == (None, ["int32[::1]", "int64"])
    assert signature_string(Signature(nb_int32, nb_int32, nb_float64)) == "int32(int32, float64)"
    with pytest.raises(TypeError, match="a signature is a string"):
        signature_parts(object())


def test_ptxforge_type_objects_make_signatures_and_cast_on_the_host():
    sig = pf.void(pf.int32[::1], pf.float64)
    assert signature_parts(sig) == ("void", ["int32[::1]", "float64"])
    assert str(pf.float32[:, ::1]) == "float32[:, ::1]" and str(pf.f8[::1, :]) == "float64[::1, :]"
    assert pf.i4 is pf.int32 and pf.f8 is pf.float64 and pf.byte is pf.uint8 and pf.b1 is pf.boolean
    assert pf.float32(1.5) == np.float32(1.5) and type(pf.float32(1.5)) is np.float32
    assert type(pf.int16(7)) is np.int16
    assert signature_parts([pf.int32, "float32[::1]", np.float64]) == (None, ["int32", "float32[::1]", "float64"])
    with pytest.raises(TypeError, match="converts one value"):
        pf.int32(1, 2)


def test_signature_dict_finds_keys_by_any_spelling():
    d = SignatureDict({("float32[::1]", "int"): 1})
    assert d[(pf.float32[::1], pf.int64)] == 1  # a Python int is numba's int64
    assert (Array(Float("float32"), 1, "C"), nb_int64) in d
    assert d.get((pf.float32[::1], pf.int32)) is None


def add_kernel(r, x, y):
    r[0] = x + y


def clz_kernel(out, x):
    out[0] = pf.clz(x)


def types_as_values(out, x):
    loc = pf.local.array(4, np_float32)
    sh = pf.shared.array(32, dtype=nb_int32)
    named = pf.local.array(2, "int16")
    sh[0] = nb_int32(x)
    loc[0] = float64_t(x)
    named[0] = 3
    out[0] = sh[0] + nb_int32(loc[0]) + named[0]


np_float32 = np.dtype(np.float32)
float64_t = nb_float64


def test_numba_types_as_casts_and_dtypes_in_kernels():
    k = pf.jit(Signature(nb_void, Array(nb_int32, 1, "C"), nb_float64))(types_as_values)
    text = k.inspect_types(k.signatures[0])
    assert "(nb_int32(x) : int32)" in text and "(float64_t(x) : float64)" in text
    assert "loc: float32[::1]" in text and "sh: int32[::1]" in text and "named: int16[::1]" in text
    k.inspect_ptx(k.signatures[0])  # assembles (conftest)


def record_dtype_as_value(a):
    tmp = pf.local.array(2, REC)
    tmp[0] = a[0]
    a[1].x = tmp[0].x + 1


REC = pf.from_dtype(np.dtype([("x", np.int32), ("y", np.float64)], align=True))


def test_record_type_objects_in_signatures_and_as_dtypes():
    k = pf.jit((REC[::1],))(record_dtype_as_value)
    assert k.signatures == [(str(REC) + "[::1]",)]
    assert "tmp: Record(" in k.inspect_types(k.signatures[0])
    k.inspect_ptx(k.signatures[0])


# -- which declared signature a launch binds to -------------------------------------------


@pytest.mark.parametrize("actual,formal,kind", [
    ("int", "int64", _signatures.EXACT), ("int32", "int64", _signatures.PROMOTE),
    ("int64", "int32", _signatures.UNSAFE), ("int32", "float64", _signatures.SAFE),
    ("int64", "float64", _signatures.SAFE), ("float", "float32", _signatures.UNSAFE),
    ("float32", "complex64", _signatures.SAFE), ("complex", "float64", None),
    ("bool", "int32", _signatures.SAFE), ("uint8", "int16", _signatures.SAFE),
    ("float32[::1]", "float32[:]", _signatures.SAFE), ("float32[:]", "float32[::1]", None),
    ("float32[::1]", "float64[::1]", None), ("Tuple(int32, int32)", "Tuple(int64, int64)", _signatures.PROMOTE),
])
def test_conversion_kinds_follow_numba(actual, formal, kind):
    assert _signatures.conversion(_signatures.parse(actual), _signatures.parse(formal)) == kind


@pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed")
def test_conversion_table_is_numbas():
    from numba.core import types as nt
    from numba.core.typeconv.rules import default_type_manager as tm

    names = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
             "float32", "float64", "complex64", "complex128"]
    for a in names:
        for b in names:
            theirs = tm.check_compatible(getattr(nt, "boolean" if a == "bool" else a),
                                         getattr(nt, "boolean" if b == "bool" else b))
            ours = _signatures.conversion(_signatures.parse(a), _signatures.parse(b))
            assert ours == (None if theirs is None else int(theirs)), (a, b)


def test_binding_picks_the_best_and_reports_ties_and_misses():
    k = pf.jit(["(int64[::1], int64, int64)", "(float64[::1], float64, float64)"])(add_kernel)
    assert not k.specialized
    assert k._bind(("int64[::1]", "int", "int")) == ("int64[::1]", "int64", "int64")
    assert k._bind(("float64[::1]", "int32", "float")) == ("float64[::1]", "float64", "float64")
    with pytest.raises(TypeError, match="No matching definition for argument type") as e:
        k._bind(("complex128[::1]", "complex", "complex"))
    assert "(int64[::1], int64, int64)" in str(e.value)
    amb = pf.jit(["(float64[::1], float32, float64)", "(float64[::1], float64, float32)",
                  "(float64[::1], int64, int64)"])(add_kernel)
    with pytest.raises(TypeError, match=r"Ambiguous overloading for <function add_kernel [^>]*> "
                                        r"\(Array\(float64, 1, 'C', False, aligned=True\), float64, float64\):\n"
                                        r"\(Array\(float64, 1, 'C', False, aligned=True\), float32, float64\) -> none\n"
                                        r"\(Array\(float64, 1, 'C', False, aligned=True\), float64, float32\) -> none") as e:
        amb._bind(("float64[::1]", "float", "float"))
    assert "int64" not in str(e.value)


def test_declared_int32_signature_compiles_32_bit_intrinsics():
    k = pf.jit("void(int32[::1], int32)")(clz_kernel)
    assert k.specialized and k.signatures == [("int32[::1]", "int32")]
    ptx = k.inspect_ptx(k.signatures[0])
    assert "clz.b32" in ptx and "clz.b64" not in ptx


def test_a_float_is_refused_for_an_int_parameter():
    k = pf.jit("(int32[::1], int32, int32)")(add_kernel)
    with pytest.raises(TypeError, match="argument 2 is float64, but the signature it binds to takes int32: "
                                        "pass an integer"):
        k._bind(("int32[::1]", "float", "float"))
    assert k._bind(("int32[::1]", "int", "bool")) == ("int32[::1]", "int32", "int32")


def test_signatures_with_a_trailing_comma_parse():
    k = pf.jit("void(int64,)")(lambda_like)
    assert k.signatures == [("int64",)]


def lambda_like(x):
    pass


def test_numba_signature_objects_on_device_functions_and_declare_device():
    dev = pf.jit(Signature(nb_int32, nb_int32, nb_int32), device=True)(device_add)
    assert dev._pf_signatures == ["int32(int32, int32)"]
    ext = pf.declare_device("ext_fn", Signature(nb_float64, nb_float64))
    k = pf.jit("void(int32[::1], float64[::1])")(uses_device_functions)
    assert "device function device_add(a: int32, b: int32) -> int32" in k.inspect_types(k.signatures[0])
    assert ext.sig == "float64(float64)"


def device_add(a, b):
    return a + b


dev_add = pf.jit(Signature(nb_int32, nb_int32, nb_int32), device=True)(device_add)


def uses_device_functions(out, f):
    out[0] = dev_add(out[0], 2)


def test_numba_namespaces_hold_types_only():
    k = pf.jit("void(float64[::1], int32)")(uses_numba_namespaces)
    text = k.inspect_types(k.signatures[0])
    assert "float32" in text and "int16" in text
    k.inspect_ptx(k.signatures[0])
    bad = pf.jit(uses_numba_namespace_wrongly)
    with pytest.raises(pf.CompileError, match="numba"):
        bad.inspect_ptx("void(float64[::1])")


numba = pytypes.ModuleType("numba")
numba.types = pytypes.ModuleType("numba.types")
numba.cuda = pf


def uses_numba_namespaces(out, n):
    t = numba.cuda.local.array(2, numba.types.int16)
    t[0] = n
    out[numba.cuda.grid(1)] = numba.float32(out[0]) + numba.types.float32(t[0])


def uses_numba_namespace_wrongly(out):
    out[0] = numba.syncthreads()


def test_launch_configuration_errors_are_value_errors_and_cuda_core_errors(monkeypatch):
    import sys

    from ptxforge.errors import LaunchConfigurationError, MissingLaunchConfigurationError, launch_error_class

    # As if cuda.core were not loaded (numba-cuda, imported by other tests, loads it).
    monkeypatch.delitem(sys.modules, "cuda.core._utils.cuda_utils", raising=False)
    assert launch_error_class() is LaunchConfigurationError and issubclass(LaunchConfigurationError, ValueError)
    assert pf.LaunchConfigurationError is LaunchConfigurationError
    fake = pytypes.ModuleType("cuda.core._utils.cuda_utils")
    fake.CUDAError = type("CUDAError", (Exception,), {})
    sys.modules[fake.__name__] = fake
    try:
        cls = launch_error_class()
        assert issubclass(cls, fake.CUDAError) and issubclass(cls, LaunchConfigurationError)
        assert launch_error_class() is cls
    finally:
        del sys.modules[fake.__name__]  # monkeypatch puts back a real one
    k = pf.jit(add_kernel)
    with pytest.raises(ValueError, match="the launch configuration was not specified") as e:
        k(np.zeros(1), 1, 2)
    assert isinstance(e.value, (TypeError, MissingLaunchConfigurationError))


@pytest.mark.gpu
def test_a_block_past_the_launch_bounds_is_a_launch_configuration_error():
    k = pf.jit(launch_bounds=128)(lambda_like)
    k[1, 128](1)
    with pytest.raises(pf.LaunchConfigurationError, match=r"\[CUDA_ERROR_INVALID_VALUE\]"):
        k[1, 256](1)


# -- on the GPU: results against numpy and CPython ------------------------------------------


def simple_brev(out, x):
    out[0] = pf.brev(x)


def simple_popc(out, x):
    out[0] = pf.popc(x)


def wrap_add(out, x, y):
    out[0] = x + y


@pytest.mark.gpu
def test_declared_signatures_bind_launches_on_the_gpu():
    clz = pf.jit("void(int32[::1], int32)")(clz_kernel)
    out = np.zeros(1, np.int32)
    clz[1, 1](out, 0x00100000)
    assert out[0] == 11  # 32-bit clz, as numba (43 on 64 bits)
    clz[1, 1](out, 0xFFFFFFFF)  # a Python int wider than int32 is truncated, as numba's ctypes does
    assert out[0] == 0
    clz[1, 1](out, 0)
    assert out[0] == 32
    assert len(clz.overloads) == 1

    brev = pf.jit("void(uint32[::1], uint32)")(simple_brev)
    u = np.zeros(1, np.uint32)
    brev[1, 1](u, 0x000030F0)
    assert u[0] == 0x0F0C0000
    popc = pf.jit("void(int32[::1], uint64)")(simple_popc)
    popc[1, 1](out, np.uint64(0xFFFFFFFFFFFFFFFF))
    assert out[0] == 64
    popc[1, 1](out, 2**64 - 1)  # a Python int past int64 is numba's uint64
    assert out[0] == 64

    add = pf.jit("void(uint64[::1], uint64, uint64)")(wrap_add)
    r = np.zeros(1, np.uint64)
    add[1, 1](r, 2**64 - 1, 2)
    assert r[0] == np.uint64(1)  # uint64 wraparound, as numpy


@pytest.mark.gpu
def test_declared_signature_launches_stay_on_the_fast_path():
    k = pf.jit(["(float64[::1], float64, float64)", "(int64[::1], int64, int64)"])(add_kernel)
    r = pf.to_device(np.zeros(1, np.float64))
    k[1, 1](r, 1, 2.5)  # a Python int converted to float64
    k[1, 1](r, 2, 0.5)  # the same key: served in C++ with the conversion plan
    assert r.copy_to_host()[0] == 2.5
    assert len(k._fast_table()) == 1
    ri = pf.to_device(np.zeros(1, np.int64))
    k[1, 1](ri, 2**40, 3)
    assert ri.copy_to_host()[0] == 2**40 + 3
    with pytest.raises(TypeError, match="No matching definition"):
        k[1, 1](pf.to_device(np.zeros(1, np.complex128)), 1j, 1j)
    f = pf.jit("(int32[::1], int32, int32)")(add_kernel)
    with pytest.raises(TypeError, match="pass an integer"):
        f[1, 1](np.zeros(1, np.int32), 12.3, 45.6)  # numba refuses floats for int parameters too


@pytest.mark.gpu
def test_same_type_class_picks_the_closest_signature():
    f = pf.jit(["(float64[::1], float32, float32)", "(float64[::1], float64, float64)"])(add_kernel)
    r = np.zeros(1, dtype=np.float64)
    f[1, 1](r, np.float32(1), np.float32(2**-25))
    assert r[0] == 1.0  # float32 arithmetic
    f[1, 1](r, 1, 2**-25)
    assert r[0] == 1.0000000298023224  # float64 arithmetic


def as_values_kernel(out, x):
    t = pf.local.array(1, "float32")
    t[0] = x
    out[0] = nb_int32(t[0] * 2)


@pytest.mark.gpu
def test_type_objects_as_values_on_the_gpu():
    k = pf.jit(pf.void(pf.int32[::1], pf.float64))(as_values_kernel)
    out = np.zeros(1, np.int32)
    k[1, 1](out, 3.75)
    assert out[0] == int(np.float32(3.75) * 2)


def bad_dtype_kernel(x):
    tmp = pf.local.array(10, dtype="int33")
    tmp[0] = x[0]


def test_compile_errors_are_numbas_typing_errors_while_numba_is_imported():
    import sys

    class NumbaError(Exception):  # numba's: the message is the first argument
        def __init__(self, msg, loc=None, highlighting=True):
            self.msg, self.loc = msg, loc
            super().__init__(msg)

    fake = pytypes.ModuleType("numba.cuda.core.errors")
    fake.TypingError = type("TypingError", (NumbaError,), {})
    saved = sys.modules.get(fake.__name__)
    sys.modules[fake.__name__] = fake
    try:
        with pytest.raises(fake.TypingError) as e:
            pf.jit("void(int32[::1])")(bad_dtype_kernel)
    finally:
        if saved is None:
            del sys.modules[fake.__name__]
        else:
            sys.modules[fake.__name__] = saved
    assert isinstance(e.value, pf.CompileError) and str(e.value).startswith(bad_dtype_kernel.__code__.co_filename)
    assert e.value.loc is None and "Invalid NumPy dtype specified: 'int33'" in e.value.msg
    assert e.value.lineno == bad_dtype_kernel.__code__.co_firstlineno + 1 and "int33" in str(e.value)
    with pytest.raises(pf.CompileError) as plain:
        pf.jit("void(int32[::1])")(bad_dtype_kernel)
    assert not isinstance(plain.value, fake.TypingError)


def test_device_functions_refuse_launches_and_sass_and_give_their_ptx():
    dev = pf.jit(device=True)(device_add)
    with pytest.raises(RuntimeError, match="Cannot compile a device function as a kernel"):
        dev[1, 1]
    with pytest.raises(RuntimeError, match="Cannot inspect SASS of a device function"):
        dev.inspect_sass((pf.int32, pf.int32))
    ptx = dev.inspect_asm((nb_int32, nb_int32))
    assert ".func" in ptx and "device_add" in ptx


def test_numbas_compile_gives_ptx_and_refuses_ltoir():
    ptx, ret = pf.compile(device_add, (pf.int32, pf.int32))
    assert ret == "int32" and ".func" in ptx
    ptx, ret = pf.compile(lambda_like, "void(int64)", device=False, abi="numba")
    assert ".entry" in ptx
    with pytest.raises(NotImplementedError, match="C ABI is not supported for kernels"):  # compile's default ABI
        pf.compile(lambda_like, "void(int64)", device=False)
    with pytest.raises(NotImplementedError, match="LTO-IR"):
        pf.compile(device_add, (pf.int32, pf.int32), output="ltoir")
    ptx, _ = pf.compile_for_current_device(device_add, (pf.int32, pf.int32))
    assert ".func" in ptx
