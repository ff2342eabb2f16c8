"""Ahead-of-time kernels: `ptxforge compile` writes cubins, fatbins, PTX and C headers
with no GPU; the header's structs are the kernel's parameters; `pf.load_module` reads
them back without initialising LLVM; the C++ example builds against the runtime alone."""

import os
import shutil
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core
from ptxforge.cli import main as cli

KERNELS = '''
import math
import ptxforge as pf

@pf.kernel(["void(float32, float32[::1], float32[::1], float32[::1])",
            "void(float64, float64[::1], float64[::1], float64[::1])"])
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < out.size:
        out[i] = a * x[i] + math.sqrt(y[i])

@pf.kernel("void(float32[:, :], Tuple(int64, float32), complex64, int8)")
def mixed(m, t, c, k):
    i, j = pf.grid(2)
    if i < m.shape[0] and j < m.shape[1]:
        m[i, j] = t[1] + c.real + k

@pf.kernel
def unsigned(x):
    x[0] = 1
'''

EM_CUDA = 190


@pytest.fixture
def kernels_file(tmp_path):
    path = tmp_path / "kernels.py"
    path.write_text(KERNELS)
    return path


def compile_cli(*args):
    return cli(["compile", *map(str, args)])


def test_two_arches_give_one_fatbin_and_a_header(kernels_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert compile_cli(kernels_file, "--arch", "sm_80", "--arch", "sm_90", "-o", out) == 0
    printed = capsys.readouterr()
    assert "no signature declared" in printed.err  # `unsigned` has none: skipped, said so
    names = sorted(os.listdir(out))
    assert names == ["mixed.fatbin", "mixed.h", "mixed.sm_80.ptx", "mixed.sm_90.ptx",
                     "saxpy.fatbin", "saxpy.h", "saxpy.sm_80.ptx", "saxpy.sm_90.ptx"]
    fatbin = (out / "saxpy.fatbin").read_bytes()
    assert _core.image_kind(fatbin) == "fatbin"
    entries = _core.read_fatbin(fatbin)
    assert [(k, a) for k, a, _, _ in entries] == [("cubin", 80), ("cubin", 90), ("ptx", 90)]
    for kind, arch, data, compressed in entries:
        assert not compressed
        if kind == "cubin":
            assert _core.cubin_arch(data) == arch
            assert sorted(_core.cubin_kernels(data)) == ["saxpy__f32_f32a1C_f32a1C_f32a1C",
                                                         "saxpy__f64_f64a1C_f64a1C_f64a1C"]
        else:
            assert b".target sm_90" in data
    assert _core.describe_archs(fatbin) == "sm_80, sm_90, compute_90"
    cuobjdump = shutil.which("cuobjdump")
    if cuobjdump:  # NVIDIA's own reader lists what we wrote
        listing = subprocess.run([cuobjdump, "-lelf", "-lptx", str(out / "saxpy.fatbin")],
                                 capture_output=True, text=True, check=True).stdout
        assert "sm_80.cubin" in listing and "sm_90.cubin" in listing and "sm_90.ptx" in listing


def test_one_arch_gives_a_cuda_elf_cubin(kernels_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert compile_cli(kernels_file, "--kernel", "saxpy", "--arch", "sm_90", "--emit", "cubin", "-o", out) == 0
    assert sorted(os.listdir(out)) == ["saxpy.cubin", "saxpy.h"]
    cubin = (out / "saxpy.cubin").read_bytes()
    assert cubin[:4] == b"\x7fELF"
    assert struct.unpack_from("<H", cubin, 18)[0] == EM_CUDA  # e_machine
    assert _core.cubin_arch(cubin) == 90
    # Each signature's parameters, as the cubin records them: (offset, size).
    assert _core.cubin_params(cubin, "saxpy__f64_f64a1C_f64a1C_f64a1C") == [(8 * i, 8) for i in range(7)]
    assert _core.cubin_params(cubin, "saxpy__f32_f32a1C_f32a1C_f32a1C") == [(0, 4)] + [(8 * i, 8)
                                                                                      for i in range(1, 7)]


def test_emit_ptx_for_each_arch_assembles(kernels_file, tmp_path, assert_ptx_assembles, capsys):
    out = tmp_path / "out"
    assert compile_cli(kernels_file, "--kernel", "mixed", "--arch", "sm_80", "--arch", "sm_90",
                       "--emit", "ptx", "-o", out) == 0
    assert sorted(os.listdir(out)) == ["mixed.h", "mixed.sm_80.ptx", "mixed.sm_90.ptx"]
    for arch in ("sm_80", "sm_90"):
        ptx = (out / f"mixed.{arch}.ptx").read_text()
        assert f".target {arch}" in ptx and ".visible .entry mixed(" in ptx
        assert_ptx_assembles(ptx)


@pytest.mark.parametrize("emit, marker", [("typed", "kernel saxpy("), ("llvm", "define void @saxpy__f32"),
                                          ("llvm-opt", "define void @saxpy__f64"), ("ptx", ".entry saxpy__f32")])
def test_emit_to_stdout(kernels_file, capsys, emit, marker):
    assert compile_cli(kernels_file, "--kernel", "saxpy", "--emit", emit, "--arch", "sm_90") == 0
    assert marker in capsys.readouterr().out


def test_sig_on_the_command_line_and_opt_level(kernels_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert compile_cli(kernels_file, "--kernel", "unsigned", "--sig", "void(int32[::1])", "--sig",
                       "void(uint8[:, ::1])", "-O1", "--arch", "sm_90", "--emit", "cubin", "-o", out) == 0
    header = (out / "unsigned.h").read_text()
    assert "void unsigned__i32a1C(ptxforge_array_int32_1d_C x);" in header
    assert "void unsigned__u8a2C(ptxforge_array_uint8_2d_C x);" in header


def test_command_line_mistakes_are_clear(kernels_file, tmp_path, capsys):
    assert compile_cli(kernels_file, "--arch", "sm90x", "-o", tmp_path) == 2
    assert "bad architecture 'sm90x'" in capsys.readouterr().err
    assert compile_cli(kernels_file, "--emit", "fatbin") == 2
    assert "--emit fatbin needs -o DIR" in capsys.readouterr().err
    assert compile_cli(kernels_file, "--sig", "void(float32[::1])", "-o", tmp_path) == 2
    assert "--sig applies to one kernel" in capsys.readouterr().err
    assert compile_cli(kernels_file, "--kernel", "nosuch", "-o", tmp_path) == 1
    assert "no kernel named 'nosuch' (it has saxpy, mixed, unsigned)" in capsys.readouterr().err


def test_header_declares_each_signature_with_the_compilers_structs(kernels_file, tmp_path, capsys):
    out = tmp_path / "out"
    assert compile_cli(kernels_file, "--arch", "sm_90", "-o", out) == 0
    header = (out / "mixed.h").read_text()
    assert "/* ptxforge-kernel: mixed mixed - void(float32[:, :], Tuple(int64, float32), complex64, int8) */" \
        in header
    assert "void mixed(ptxforge_array_float32_2d_A m, int64_t t_0, float t_1, ptxforge_complex64 c, int8_t k);" \
        in header
    assert "  int64_t strides[2]; /* in bytes */" in header
    saxpy = (out / "saxpy.h").read_text()
    assert ("void saxpy__f32_f32a1C_f32a1C_f32a1C(float a, ptxforge_array_float32_1d_C x, "
            "ptxforge_array_float32_1d_C y, ptxforge_array_float32_1d_C out);") in saxpy
    assert "strides" not in saxpy.split("typedef struct ptxforge_array_float32_1d_C")[1].split("}")[0]


def _compiler(name):
    found = shutil.which(name)
    if not found:
        pytest.skip(f"no {name}")
    return found


def test_header_is_c_and_its_structs_are_the_kernel_parameters(kernels_file, tmp_path, capsys):
    """Both headers compile as C; a C++ program lays out each declaration's parameters
    as a launch would (runtime/Aot.h's ArgBuffer) and checks them against the cubin's
    own parameter records, with no GPU."""
    cc, cxx = _compiler("cc"), _compiler("c++")
    out = tmp_path / "out"
    assert compile_cli(kernels_file, "--arch", "sm_90", "--emit", "cubin", "-o", out) == 0
    for h in ("saxpy.h", "mixed.h"):
        subprocess.run([cc, "-std=c99", "-Wall", "-Werror", "-fsyntax-only", "-x", "c", str(out / h)], check=True)
    program = tmp_path / "check.cpp"
    program.write_text(textwrap.dedent('''
        #include <ptxforge/runtime/Aot.h>
        #include "saxpy.h"
        #include "mixed.h"
        #include <cstdio>
        #include <fstream>
        #include <sstream>
        namespace pfr = ptxforge::runtime;
        template <class F> struct Layout;
        template <class... P> struct Layout<void(P...)> {
          static pfr::ArgBuffer of() { pfr::ArgBuffer b; (b.add(P{}), ...); return b; }
        };
        static std::string read(const char *path) {
          std::ifstream in(path, std::ios::binary); std::ostringstream s; s << in.rdbuf(); return s.str();
        }
        #define CHECK(file, entry) do { \\
            auto params = pfr::cubinParams(read(file), #entry); \\
            if (!params) { std::printf("no parameters for %s\\\\n", #entry); return 1; } \\
            pfr::checkArguments(#entry, *params, Layout<decltype(entry)>::of()); \\
            std::printf("%s: %zu parameters match\\\\n", #entry, params->size()); } while (0)
        int main(int, char **argv) {
          std::string dir = argv[1];
          CHECK((dir + "/saxpy.cubin").c_str(), saxpy__f32_f32a1C_f32a1C_f32a1C);
          CHECK((dir + "/saxpy.cubin").c_str(), saxpy__f64_f64a1C_f64a1C_f64a1C);
          CHECK((dir + "/mixed.cubin").c_str(), mixed);
          return 0;
        }
    '''))
    libdir = os.path.dirname(pf.__file__)
    exe = tmp_path / "check"
    subprocess.run([cxx, "-std=c++20", "-Wall", "-I", pf.include_dir(), "-I", str(out), str(program), "-o", str(exe),
                    "-L", libdir, "-lptxforge_runtime", f"-Wl,-rpath,{libdir}"], check=True)
    run = subprocess.run([str(exe), str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "mixed: 10 parameters match" in run.stdout  # m: 1 + 2 + 2, t: 2, c: 2, k: 1
    assert "saxpy__f64_f64a1C_f64a1C_f64a1C: 7 parameters match" in run.stdout


def _aot_files(kernels_file, tmp_path, *extra):
    out = tmp_path / "out"
    assert cli(["compile", str(kernels_file), "--kernel", "saxpy", "--arch", "sm_80", "--arch", "sm_90", "-q",
                "-o", str(out), *extra]) == 0
    return out


def test_load_module_reads_the_header_and_never_initialises_llvm(kernels_file, tmp_path):
    out = _aot_files(kernels_file, tmp_path)
    script = textwrap.dedent(f'''
        import ptxforge as pf
        from ptxforge import _core
        m = pf.load_module({str(out / "saxpy.fatbin")!r})
        k = m.saxpy
        print(sorted(m.entries))
        print(k._pick(("float", "float32[::1]", "float32[::1]", "float32[::1]"))[0])
        print(k._pick(("float64", "float64[::1]", "float64[::1]", "float64[:, :]"[:0] + "float64[::1]"))[0])
        compiled = k._compile(("float", "float32[::1]", "float32[::1]", "float32[::1]"), (9, 0), "cubin")
        print(compiled.artifacts.entry_name, len(compiled.artifacts.params), compiled.artifacts.signature)
        print("llvm initialised:", _core.compiler_initialized())
    ''')
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "['saxpy__f32_f32a1C_f32a1C_f32a1C', 'saxpy__f64_f64a1C_f64a1C_f64a1C']"
    assert lines[1] == "saxpy__f32_f32a1C_f32a1C_f32a1C"
    assert lines[2] == "saxpy__f64_f64a1C_f64a1C_f64a1C"
    assert lines[3] == ("saxpy__f32_f32a1C_f32a1C_f32a1C 4 (float32, float32[::1], float32[::1], "
                        "float32[::1])")
    assert lines[4] == "llvm initialised: False"


def test_load_module_says_what_is_wrong(kernels_file, tmp_path):
    out = _aot_files(kernels_file, tmp_path)
    m = pf.load_module(out / "saxpy.fatbin")
    assert "saxpy.fatbin (fatbin: sm_80, sm_90, compute_90): saxpy" in repr(m)
    with pytest.raises(TypeError, match=r"was not compiled for arguments \(int32\[::1\]\).*has it for: "
                                        r"\(float32, float32\[::1\]"):
        m.saxpy._pick(("int32[::1]",))
    with pytest.raises(TypeError, match="not compiled for arguments"):  # float32 data to a float64 kernel
        m.saxpy._pick(("float", "float64[::1]", "float32[::1]", "float64[::1]"))
    with pytest.raises(AttributeError, match="has no kernel 'nosuch'; it has saxpy"):
        m.nosuch
    with pytest.raises(TypeError, match="has no Python source to inspect"):
        m.saxpy.inspect_ptx()
    (tmp_path / "junk.cubin").write_bytes(b"not a module")
    with pytest.raises(ValueError, match="is not a cubin, fatbin or PTX file"):
        pf.load_module(tmp_path / "junk.cubin")
    os.rename(out / "saxpy.h", out / "elsewhere.h")
    with pytest.raises(FileNotFoundError, match="has no header beside it"):
        pf.load_module(out / "saxpy.fatbin")
    m = pf.load_module(out / "saxpy.fatbin", header=out / "elsewhere.h")
    assert list(m.kernels) == ["saxpy"]
    m = pf.load_module(out / "saxpy.fatbin",
                       signatures={"saxpy__f32_f32a1C_f32a1C_f32a1C": "void(float32, float32[::1], float32[::1], "
                                                                      "float32[::1])"})
    assert list(m.entries) == ["saxpy__f32_f32a1C_f32a1C_f32a1C"]


def test_cmake_package_builds_the_cpp_example_against_the_runtime_alone(tmp_path):
    """examples/aot_cpp against ptxforge.cmake_dir(): configured, built, its kernels compiled
    by `ptxforge compile`, and linked to libptxforge_runtime with no LLVM and no Python."""
    if not shutil.which("cmake") or not shutil.which("c++"):
        pytest.skip("cmake or a C++ compiler is missing")
    script = os.path.join(os.path.dirname(__file__), "..", "aot", "cpp_example.sh")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(pf.__file__)), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run(["bash", script, "package", pf.cmake_dir(), str(tmp_path / "work")],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "libptxforge_runtime.so" in run.stdout
    assert "built and linked as it should" in run.stdout or "aot_cpp: all results match" in run.stdout


@pytest.mark.gpu
@pytest.mark.gpu_only("loads a module compiled ahead of time for the GPU")
def test_load_module_launches_without_compiling(kernels_file, tmp_path):
    out = _aot_files(kernels_file, tmp_path)
    m = pf.load_module(out / "saxpy.fatbin")
    n = 1000
    for dtype in (np.float32, np.float64):
        x = np.arange(n, dtype=dtype)
        y = np.full(n, 4.0, dtype=dtype)
        res = np.zeros(n, dtype=dtype)
        m.saxpy[(n + 127) // 128, 128](3.0, x, y, res)
        np.testing.assert_allclose(res, 3.0 * x + 2.0)
    d = pf.to_device(np.ones(n, dtype=np.float32))
    m.entries["saxpy__f32_f32a1C_f32a1C_f32a1C"][4, 256](1.0, d, d, d)
    np.testing.assert_allclose(d.copy_to_host(), 2.0)


@pytest.mark.gpu
@pytest.mark.gpu_only("loads a module compiled ahead of time for the GPU")
def test_load_module_refuses_a_module_for_another_gpu(kernels_file, tmp_path):
    cc = _core.compute_capability(0)
    other = "sm_80" if cc[0] != 8 else "sm_90"
    out = tmp_path / "out"
    assert cli(["compile", str(kernels_file), "--kernel", "saxpy", "--arch", other, "--emit", "cubin", "-q",
                "-o", str(out)]) == 0
    m = pf.load_module(out / "saxpy.cubin")
    x = np.zeros(4, dtype=np.float32)
    with pytest.raises(pf.CudaSupportError, match=f"has code for {other}, none of which runs on this GPU"):
        m.saxpy[1, 4](1.0, x, x, x)


def test_debug_kernels_are_not_compiled_ahead_of_time(tmp_path, capsys):
    path = tmp_path / "dbg.py"
    path.write_text(textwrap.dedent('''
        import ptxforge as pf

        @pf.kernel("void(float32[::1])", debug=True)
        def checked(x):
            x[0] = 1.0
    '''))
    assert compile_cli(path, "--arch", "sm_90", "-o", tmp_path / "out") == 1
    assert "is in debug mode" in capsys.readouterr().err


def test_kernels_holding_device_memory_are_not_compiled_ahead_of_time(tmp_path, capsys):
    path = tmp_path / "captured.py"
    path.write_text(textwrap.dedent('''
        import ptxforge as pf

        class Foreign:  # device memory from another library, by its interface alone
            __cuda_array_interface__ = {"shape": (4,), "typestr": "<f4", "data": (0x7f0000000000, False),
                                        "version": 3, "strides": None}

        TABLE = Foreign()

        @pf.jit(device=True)
        def look(i):
            return TABLE[i]

        @pf.kernel("void(float32[::1])")
        def direct(x):
            x[0] = TABLE[1]

        @pf.kernel("void(float32[::1])")
        def through_a_device_function(x):
            x[0] = look(1)
    '''))
    for kernel, held in (("direct", "TABLE"), ("through_a_device_function", "look.TABLE")):
        assert compile_cli(path, "--kernel", kernel, "--arch", "sm_90", "-o", tmp_path / "out") == 1
        err = capsys.readouterr().err
        assert f"uses the device memory of {held} by address" in err, err
