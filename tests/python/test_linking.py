"""declare_device and link=: device functions defined in PTX, cubins, fatbins, objects,
libraries, LTO-IR and CUDA C (through NVRTC), linked with nvJitLink.

Everything up to the cubin is checked here; the gpu tests run the kernels.
The cubin, fatbin, object, library and LTO-IR inputs are made with nvcc from
data/linked.cu (those tests skip without nvcc).
"""

import os
import pathlib
import shutil
import subprocess

import numpy as np
import ptxforge as pf
import pytest

DATA = pathlib.Path(__file__).parent / "data"
LINKED_CU = DATA / "linked.cu"
LINKED_PTX = DATA / "linked.ptx"

triple = pf.declare_device("triple", "int32(int32)")
first_plus_last = pf.declare_device("first_plus_last", "float32(float32[::1])")

TIMES2 = pf.CUSource('extern "C" __device__ int times2(int *out, int a) { *out = 2 * a; return 0; }', "times2.cu")
TIMES4 = pf.CUSource("""
extern "C" __device__ int times2(int *out, int a);
extern "C" __device__ int times4(int *out, int a) { int t; times2(&t, a); *out = 2 * t; return 0; }
""", "times4.cu")
times2 = pf.declare_device("times2", "int32(int32)", link=TIMES2)
times4 = pf.declare_device("times4", "int32(int32)", link=[TIMES2, TIMES4])
add2_c = pf.declare_device("add2", "int32(int32, int32)", abi="c",
                           link=pf.CUSource('extern "C" __device__ int add2(int a, int b) { return a + b; }'))
consume_c = pf.declare_device("consume", "void(int32)", abi="c",
                              link=pf.CUSource('extern "C" __device__ void consume(int a) {'
                                               ' asm volatile("" : : "r"(a) : "memory"); }'))

SIG = "void(int32[::1], int32[::1])"


@pf.jit(device=True)
def via_device_function(v):
    return times2(v)


@pf.kernel(link=[str(LINKED_PTX)])
def uses_ptx(r, x):
    i = pf.grid(1)
    if i < r.size:
        r[i] = triple(x[i])


@pf.kernel
def uses_sources(r, x):
    i = pf.grid(1)
    if i < r.size:
        r[i] = via_device_function(x[i]) + times2(x[i] + i) + times4(x[i])


@pf.kernel
def uses_c_abi(r, x):
    i = pf.grid(1)
    if i < r.size:
        consume_c(x[i])
        r[i] = add2_c(x[i], i)


@pf.kernel(link=[str(LINKED_PTX)])
def passes_an_array(out, x):
    out[0] = first_plus_last(x)


def cubin_of(kernel, sig):
    compiled = kernel._compile(tuple(pf._core.parse_signature(sig)[1]), (9, 0), "cubin")
    return compiled.artifacts


@pytest.fixture(scope="module")
def nvcc_outputs(tmp_path_factory):
    """data/linked.cu as a cubin, a fatbin, an object, a library and LTO-IR, made by nvcc."""
    nvcc = shutil.which("nvcc") or ("/usr/local/cuda/bin/nvcc" if os.path.exists("/usr/local/cuda/bin/nvcc") else None)
    if nvcc is None:
        pytest.skip("nvcc not found: the cubin, fatbin, object, library and LTO-IR inputs cannot be made")
    d = tmp_path_factory.mktemp("linked")
    out = {}
    for name, args in {"cubin": ["-arch=sm_90", "-cubin", "-dc"], "fatbin": ["-arch=sm_90", "-fatbin", "-dc"],
                       "o": ["-arch=sm_90", "-dc"], "ltoir": ["-arch=sm_90", "-dlto", "-ltoir", "-dc"],
                       "lto.fatbin": ["-arch=lto_90", "-fatbin", "-dc"]}.items():
        path = d / f"linked.{name}"
        subprocess.run([nvcc, *args, str(LINKED_CU), "-o", str(path)], check=True, capture_output=True)
        out[name] = path
    library = d / "liblinked.a"
    subprocess.run(["ar", "rcs", str(library), str(out["o"])], check=True)
    out["a"] = library
    out["lto fatbin"] = out.pop("lto.fatbin")  # LTO-IR inside a fatbin: linked with -lto once nvJitLink asks
    return out


def test_declare_device_keeps_name_and_signature():
    assert triple.name == "triple" and triple.sig == "int32(int32)"
    with pytest.raises(TypeError, match="Return type"):
        pf.declare_device("f", "(float32[:],)")
    with pytest.raises(NotImplementedError, match="abi"):
        pf.declare_device("f", "int32(int32)", abi="fortran")
    with pytest.raises(TypeError, match="call it from a kernel"):
        triple(1)


def test_cusource_takes_a_text_stream_read_when_linked():
    import io

    stream = io.StringIO()
    src = pf.CUSource(stream, "streamed.cu")
    stream.write('extern "C" __device__ int twice(int a) { return 2 * a; }')
    assert "twice" in src.source  # read as it is now, not when the CUSource was made
    f = pf.declare_device("twice", "int32(int32)", abi="c", link=src)
    assert f._link_items == [("cu", "streamed.cu", src.source)]
    with pytest.raises(TypeError, match="text stream"):
        pf.CUSource(42)


def test_a_declared_call_uses_numbas_abi():
    artifacts = cubin_of(uses_ptx, SIG)
    assert ".extern .func  (.param .b32 func_retval0) triple" in artifacts.ptx
    assert artifacts.assembler == "nvJitLink" and artifacts.cubin
    assert "declared device function triple(int32) -> int32" in artifacts.typed


def test_an_array_argument_is_passed_as_numbas_array_model():
    artifacts = cubin_of(passes_an_array, "void(float32[::1], float32[::1])")
    decl = artifacts.ptx[artifacts.ptx.index(".extern .func"):]
    decl = decl[: decl.index(";")]
    # out pointer, meminfo, parent, nitems, itemsize, data, shape, stride
    assert decl.count(".param .b64") == 8, decl
    assert artifacts.cubin


def test_cuda_sources_compile_with_nvrtc_and_link_once_each():
    artifacts = cubin_of(uses_sources, SIG)
    assert artifacts.cubin and not artifacts.warnings
    assert artifacts.ptx.count(".extern .func") == 2  # times2 and times4, though times2 is called twice


def test_c_abi_calls_return_the_value_directly():
    artifacts = cubin_of(uses_c_abi, SIG)
    assert ".extern .func  (.param .b32 func_retval0) add2" in artifacts.ptx
    assert ".extern .func consume" in artifacts.ptx
    assert artifacts.cubin


@pytest.mark.parametrize("kind", ["cubin", "fatbin", "o", "a", "ltoir", "lto fatbin"])
def test_compiled_inputs_link(nvcc_outputs, kind):
    @pf.kernel(link=[str(nvcc_outputs[kind])])
    def k(r, x):
        r[0] = triple(x[0])

    assert cubin_of(k, SIG).cubin


def test_nvrtc_warnings_become_python_warnings(tmp_path):
    source = tmp_path / "warn.cu"
    source.write_text('extern "C" __device__ int triple(int *out, int a) { int unused; *out = 3 * a; return 0; }\n')

    @pf.kernel(link=[str(source)])
    def k(r, x):
        r[0] = triple(x[0])

    with pytest.warns(UserWarning, match="NVRTC log messages for warn.cu:(.|\n)*declared but never referenced"):
        cubin_of(k, SIG)


def test_nvrtc_errors_are_link_errors(tmp_path):
    source = tmp_path / "broken.cu"
    source.write_text('extern "C" __device__ int triple(int *out, int a) { SYNTAX ERROR }\n')

    @pf.kernel(link=[str(source)])
    def k(r, x):
        r[0] = triple(x[0])

    with pytest.raises(pf.LinkError) as info:
        cubin_of(k, SIG)
    text = str(info.value)
    assert "NVRTC_ERROR_COMPILATION" in text and 'identifier "SYNTAX" is undefined' in text
    assert 'in the compilation of "broken.cu"' in text
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, pf.CompileError)


def test_an_undefined_function_is_a_link_error():
    missing = pf.declare_device("not_defined_anywhere", "int32(int32)")

    @pf.kernel(link=[str(LINKED_PTX)])
    def k(r, x):
        r[0] = missing(x[0])

    with pytest.raises(pf.LinkError, match="not_defined_anywhere"):
        cubin_of(k, SIG)


@pytest.mark.parametrize("path,message", [
    ("header.cuh", "Don't know how to link file with extension .cuh"),
    ("data", "Don't know how to link file with no extension"),
    ("nonexistent.a", "nonexistent.a not found"),
])
def test_bad_link_entries_fail_at_decoration(path, message):
    with pytest.raises(pf.LinkError, match=message):
        @pf.kernel(link=[path])
        def k():
            pass


def test_link_is_not_for_device_functions():
    with pytest.raises(ValueError, match="not on a device function"):
        @pf.jit(device=True, link=[str(LINKED_PTX)])
        def f():
            pass


def test_ptx_stage_leaves_the_call_to_the_linker():
    ptx = uses_ptx.inspect_ptx(SIG)  # conftest assembles it with ptxas -c: the call stays unresolved
    assert "call.uni" in ptx and "triple" in ptx


@pytest.mark.gpu
@pytest.mark.gpu_only("runs code linked for the GPU (PTX, CUDA C++, cubins)")
def test_linked_ptx_runs():
    x = np.arange(10, dtype=np.int32)
    r = np.zeros_like(x)
    uses_ptx[1, 32](r, x)
    np.testing.assert_array_equal(r, 3 * x)


@pytest.mark.gpu
@pytest.mark.gpu_only("runs code linked for the GPU (PTX, CUDA C++, cubins)")
def test_linked_cuda_sources_run():
    x = np.arange(10, dtype=np.int32)
    r = np.zeros_like(x)
    uses_sources[1, 32](r, x)
    np.testing.assert_array_equal(r, 2 * x + 2 * (x + np.arange(10)) + 4 * x)


@pytest.mark.gpu
@pytest.mark.gpu_only("runs code linked for the GPU (PTX, CUDA C++, cubins)")
def test_c_abi_runs():
    x = np.arange(10, dtype=np.int32)
    r = np.zeros_like(x)
    uses_c_abi[1, 32](r, x)
    np.testing.assert_array_equal(r, x + np.arange(10))


@pytest.mark.gpu
@pytest.mark.gpu_only("runs code linked for the GPU (PTX, CUDA C++, cubins)")
def test_array_argument_runs():
    out = np.zeros(1, np.float32)
    passes_an_array[1, 1](out, np.array([1.5, 2.0, 4.25], np.float32))
    assert out[0] == 5.75


@pytest.mark.gpu
@pytest.mark.gpu_only("runs code linked for the GPU (PTX, CUDA C++, cubins)")
@pytest.mark.parametrize("kind", ["cubin", "fatbin", "o", "a", "ltoir", "lto fatbin"])
def test_compiled_inputs_run(nvcc_outputs, kind):
    @pf.kernel(link=[str(nvcc_outputs[kind])])
    def k(r, x):
        r[0] = triple(x[0])

    r = np.zeros(1, np.int32)
    k[1, 1](r, np.array([14], np.int32))
    assert r[0] == 42


def _cache_outcome(func, sig=SIG, **options):
    before = pf.cache.stats()
    pf.kernel(**options)(func).compile(sig)
    after = pf.cache.stats()
    return "hit" if after["hits"] > before["hits"] else "miss"


def test_the_disk_cache_keys_linked_files(cache_dir, tmp_path):
    source = tmp_path / "times.cu"
    source.write_text('extern "C" __device__ int triple(int *out, int a) { *out = 3 * a; return 0; }\n')

    def k(r, x):
        r[0] = triple(x[0])

    assert _cache_outcome(k, link=[str(source)]) == "miss"
    assert _cache_outcome(k, link=[str(source)]) == "hit"
    source.write_text('extern "C" __device__ int triple(int *out, int a) { *out = a + a + a; return 0; }\n')
    os.utime(source, (1, 1))  # a new file: its size and time differ
    assert _cache_outcome(k, link=[str(source)]) == "miss"
    assert _cache_outcome(k, link=[str(LINKED_PTX)]) == "miss"


def test_debug_kernels_are_not_cached(cache_dir):
    def k(r, x):
        r[0] = x[0]

    assert _cache_outcome(k) == "miss"
    before = pf.cache.stats()
    pf.kernel(debug=True)(k).compile(SIG)
    pf.kernel(debug=True)(k).compile(SIG)
    after = pf.cache.stats()
    assert after["hits"] == before["hits"] and after["misses"] == before["misses"]


def test_a_kernel_with_a_signature_links_at_decoration(tmp_path):
    source = tmp_path / "broken.cu"
    source.write_text('extern "C" __device__ int triple(int *out, int a) { SYNTAX ERROR }\n')
    with pytest.raises(pf.LinkError, match="NVRTC_ERROR_COMPILATION"):
        @pf.kernel("void(int32[::1], int32[::1])", link=[str(source)])
        def k(r, x):
            r[0] = triple(x[0])


CURAND_CU = pf.CUSource("""
#include <curand_kernel.h>

extern "C" __device__ int random_number(unsigned int *out, unsigned long long seed) {
  curandStateXORWOW_t state;
  curand_init(seed, 1, 0, &state);
  *out = curand(&state);
  return 0;
}
""")
random_number = pf.declare_device("random_number", "int32(uint64)", link=[CURAND_CU])


def draws_one(x, seed):
    x[0] = random_number(seed)


def test_cuda_sources_include_the_toolkits_cccl_headers():
    # curand_kernel.h includes <cuda/std/type_traits>, which CUDA 13 keeps in include/cccl
    assert cubin_of(pf.kernel(draws_one), "void(uint32[::1], int64)").cubin


@pytest.mark.gpu
@pytest.mark.gpu_only("runs code linked for the GPU (PTX, CUDA C++, cubins)")
def test_curand_from_a_cuda_source_runs():
    x = np.zeros(1, dtype=np.uint32)
    pf.kernel(draws_one)[1, 1](x, 1)
    assert x[0] == 323845807  # curand's XORWOW, seed 1, sequence 1 (numba-cuda's test_include_cuda_header)
