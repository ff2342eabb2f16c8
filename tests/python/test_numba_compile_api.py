"""numba-cuda's compile API: compile_ptx / compile / compile_all with abi and abi_info,
their return types, and the LinkableCode classes link= takes. No GPU needed."""

import io
import re

import pytest

import ptxforge as pf
from ptxforge.dispatcher import ReturnType


def add(x, y):
    return x + y


def axpy(r, x, y):
    i = pf.grid(1)
    if i < r.size:
        r[i] = x[i] + y[i]


def test_compile_all_returns_a_list_headed_by_the_ptx():
    codes, resty = pf.compile_all(axpy, (pf.float32[:], pf.float32[:], pf.float32[:]), device=False, abi="numba",
                                  output="ptx")
    assert isinstance(codes, list) and len(codes) == 1
    assert ".visible .entry" in codes[0] and "func_retval" not in codes[0]
    assert resty == pf.void and resty == "void"
    codes, resty = pf.compile_all(add, pf.int32(pf.int32, pf.int32), output="ptx")
    assert re.search(r"\.visible\s+\.func\s+\(\.param\s+\.b32\s+func_retval0\)\s+add\(", codes[0])
    assert resty == pf.int32 and resty != pf.float32 and resty == "int32"


def test_outputs_ptxforge_does_not_make_are_refused():
    with pytest.raises(NotImplementedError, match="Unsupported output type: illegal"):
        pf.compile(add, "int32(int32, int32)", output="illegal")
    with pytest.raises(NotImplementedError, match="Unsupported output type: illegal"):
        pf.compile_all(add, "int32(int32, int32)", output="illegal")
    with pytest.raises(NotImplementedError, match="does not emit LTO-IR"):
        pf.compile_all(add, "int32(int32, int32)")  # numba's default output is LTO-IR


def test_abi_is_checked_as_numba_checks_it():
    with pytest.raises(NotImplementedError, match="The C ABI is not supported for kernels"):
        pf.compile_ptx(add, (pf.int32, pf.int32), abi="c")
    with pytest.raises(NotImplementedError, match="The C ABI is not supported for kernels"):
        pf.compile_all(add, (pf.int32, pf.int32), abi="c", device=False, output="ptx")
    with pytest.raises(NotImplementedError, match="Unsupported ABI: fastcall"):
        pf.compile_ptx(add, (pf.int32, pf.int32), abi="fastcall")


def test_abi_name_names_the_symbol():
    ptx, _ = pf.compile_ptx(add, pf.int32(pf.int32, pf.int32), device=True, abi="c",
                            abi_info={"abi_name": "_Z4funcii"})
    assert re.search(r"\.visible\s+\.func\s+\(\.param\s+\.b32\s+func_retval0\)\s+_Z4funcii\(", ptx), ptx
    assert "add_param_0" in ptx  # the parameters keep their names
    assert not re.search(r"(?<![\w$])add(?![\w$])", ptx)
    ptx, _ = pf.compile_ptx(lambda x: x, pf.int32(pf.int32), device=True, abi="c", abi_info={"abi_name": "blah"})
    assert re.search(r"\.func\s+\(\.param\s+\.b32\s+func_retval0\)\s+blah\(", ptx), ptx
    with pytest.raises(ValueError, match="PTX identifier"):
        pf.compile_ptx(add, pf.int32(pf.int32, pf.int32), device=True, abi_info={"abi_name": "not a name"})


def test_return_types_equal_type_objects_of_their_name():
    assert ReturnType("void") == pf.void and ReturnType("float32") == pf.float32
    assert ReturnType("float32") != pf.float64 and ReturnType("float32") != "float64"
    assert hash(ReturnType("int32")) == hash("int32")
    assert {ReturnType("int32"): 1}["int32"] == 1


def test_linkable_code_classes(tmp_path):
    assert issubclass(pf.CUSource, pf.LinkableCode)
    ptx_file = tmp_path / "lib.ptx"
    ptx_file.write_text("// nothing\n")
    code = pf.LinkableCode.from_path(ptx_file)
    assert isinstance(code, pf.PTXSource) and code.kind == "ptx" and code.name == "lib" and code.data == "// nothing\n"
    assert pf.LinkableCode.from_path_or_obj(code) is code
    (tmp_path / "x.cubin").write_bytes(b"\x7fELF")
    assert isinstance(pf.LinkableCode.from_path(tmp_path / "x.cubin"), pf.Cubin)
    with pytest.raises(ValueError, match="extension .txt"):
        pf.LinkableCode.from_path(tmp_path / "x.txt")
    # in-memory code reaches the linker as a file of its kind, named by its content
    from ptxforge.external import link_items

    (kind, path), = link_items(pf.PTXSource("// ptx\n", "mine"))
    assert kind == "file" and path.endswith(".ptx") and open(path).read() == "// ptx\n"
    assert link_items([pf.PTXSource("// ptx\n")]) == [("file", path)]
    (kind, path), = link_items(pf.LTOIR(b"\x01\x02"))
    assert path.endswith(".ltoir") and open(path, "rb").read() == b"\x01\x02"
    assert link_items(pf.CUSource(io.StringIO("int x;"), "s.cu")) == [("cu", "s.cu", "int x;")]


def half_ops(r, x, y):
    r[0] = x * y + x
    r[1] = -x


def test_lto_ptx_is_the_one_module_of_a_kernel_and_its_device_functions():
    # numba's inspect_lto_ptx: the PTX after link-time optimisation. A kernel and the
    # device functions it calls are one module here, so it is the kernel's PTX, with
    # the device function inlined into it and its f16 instructions native.
    scale = pf.jit(device=True)(lambda v: v * v)

    def caller(r, x):
        r[0] = scale(x)

    sig = "void(float16[::1], float16, float16)"
    k = pf.jit(sig)(half_ops)
    ptx = k.inspect_lto_ptx((pf.float16[::1], pf.float16, pf.float16))
    assert ptx == k.inspect_ptx((pf.float16[::1], pf.float16, pf.float16))
    assert "neg.f16" in ptx and ("fma.rn.f16" in ptx or "mul.f16" in ptx)
    assert isinstance(k.inspect_lto_ptx(), dict) and list(k.inspect_lto_ptx()) == list(k.inspect_ptx())
    c = pf.jit("void(float32[::1], float32)")(caller)
    lto = c.inspect_lto_ptx("void(float32[::1], float32)")
    assert ".func" not in lto.split(".entry")[0] and "mul.f32" in lto  # inlined: no call
    assert "mul.f32" in scale.inspect_lto_ptx("float32(float32)")


def test_void_return_type_is_an_instance_of_numbas_none_type_when_numba_is_loaded(monkeypatch):
    import abc
    import sys
    import types

    class NoneType(metaclass=abc.ABCMeta):  # stands in for numba.core.types.NoneType
        pass

    fake = types.ModuleType("numba.core.types")
    fake.NoneType = NoneType
    monkeypatch.setitem(sys.modules, "numba.core.types", fake)
    _, resty = pf.compile_ptx(axpy, (pf.float32[:], pf.float32[:], pf.float32[:]))
    assert isinstance(resty, NoneType) and resty == pf.void and resty == "void"
    _, resty = pf.compile_ptx(add, pf.int32(pf.int32, pf.int32), device=True)
    assert not isinstance(resty, NoneType) and resty == "int32"


def test_compile_ptx_imports_no_numba():
    import subprocess
    import sys

    code = ("import sys, ptxforge as pf\n"
            "def k(a):\n    a[0] = 1\n"
            "_, r = pf.compile_ptx(k, (pf.int32[:],))\n"
            "assert r == 'void', r\n"
            "print(sorted(m for m in sys.modules if m == 'numba' or m.startswith('numba.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
