"""The launch path on the host, end to end, with no GPU: each test runs a script in a
process whose libcuda.so.1 is the fake driver (tests/fakecuda/FakeCuda.cpp), which
records every cuLaunchKernel (grid, block, shared bytes, stream, parameters) and
runs nothing. So the C++ fast path (python/bindings/FastLaunch.cpp) is checked
against the Python path it stands in for: the same parameters, the same errors,
and taken when it should be.
"""

import glob
import json
import os
import subprocess
import sys
import textwrap

import ptxforge
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def fake_driver_dir():
    beside = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(ptxforge.__file__)))),
                          "fakecuda")
    for folder in [os.environ.get("PTXFORGE_FAKECUDA", ""), beside, *sorted(glob.glob(os.path.join(ROOT, "build", "*",
                                                                                                  "fakecuda")))]:
        if folder and os.path.exists(os.path.join(folder, "libcuda.so.1")):
            return folder
    # A build without the tests (the GPU machine's): built here, as bench/launch_host_path.py does.
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    try:
        from launch_host_path import build_fake_driver

        return build_fake_driver()
    except Exception:  # noqa: BLE001  (no g++ or cuda.h: the tests skip)
        return None
    finally:
        sys.path.pop(0)


FAKE = fake_driver_dir()
pytestmark = pytest.mark.skipif(FAKE is None, reason="no fake driver built (build/<dir>/fakecuda/libcuda.so.1)")

PRELUDE = """
import ctypes, json, sys, threading
import numpy as np
import ptxforge as pf
from ptxforge import _core, dispatcher

fake = ctypes.CDLL("libcuda.so.1")
assert pf.get_current_device().name.decode().startswith("ptxforge fake"), "not the fake driver"
fake.fakecuda_launches.restype = ctypes.c_long

def record(n):
    fake.fakecuda_record_params(n)

def last(n):
    fn = ctypes.c_uint64(); dims = (ctypes.c_uint * 6)(); shared = ctypes.c_uint(); stream = ctypes.c_uint64()
    params = (ctypes.c_uint64 * 64)()
    fake.fakecuda_last_launch(ctypes.byref(fn), dims, ctypes.byref(shared), ctypes.byref(stream), params)
    return dict(fn=fn.value, dims=list(dims), shared=shared.value, stream=stream.value, params=list(params[:n]))

python_launches = [0]
_slow = dispatcher.Dispatcher._launch
def _counted(self, *a, **k):
    python_launches[0] += 1
    return _slow(self, *a, **k)
dispatcher.Dispatcher._launch = _counted

def launches():
    return fake.fakecuda_launches()

out = {}
"""


def run(body):
    env = dict(os.environ, LD_LIBRARY_PATH=FAKE + os.pathsep + os.environ.get("LD_LIBRARY_PATH", ""))
    env.pop("PTXFORGE_DEBUG", None)
    script = PRELUDE + textwrap.dedent(body) + "\nprint('@@' + json.dumps(out))\n"
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("@@"))
    return json.loads(line[2:])


def test_device_arrays_take_the_fast_path_with_the_python_paths_parameters():
    out = run("""
        @pf.kernel
        def k(a, b, x, n, flag):
            pass

        a = pf.device_array(100, np.float32)
        b = pf.device_array((6, 8), np.int16)[:, ::2]
        record(8)
        k[3, 64, 0, 128](a, b, 2.5, -7, True)  # the Python path: compiles, launches, adds the key
        first = last(8)
        assert python_launches[0] == 1 and len(k._fast) == 1
        k[3, 64, 0, 128](a, b, 2.5, -7, True)
        launch = k[3, 64, 0, 128]
        for _ in range(5):
            launch(a, b, 2.5, -7, True)
        out["python"] = python_launches[0]
        out["driver"] = launches()
        out["same"] = last(8) == first
        out["first"] = first
        out["a"] = a.device_ctypes_pointer.value
        out["b"] = b.device_ctypes_pointer.value
    """)
    assert out["python"] == 1 and out["driver"] == 7 and out["same"]
    first = out["first"]
    assert first["dims"] == [3, 1, 1, 64, 1, 1] and first["shared"] == 128 and first["stream"] == 0
    # a: pointer, extent; b (2-d, A layout): pointer, extents, byte strides; then the scalars
    assert first["params"][:7] == [out["a"], 100, out["b"], 6, 4, 16, 4]


def test_declared_signatures_convert_on_the_fast_path_as_on_the_python_path():
    out = run("""
        import struct
        @pf.kernel("void(float32[:], float32, int32, float64, complex64, boolean)")
        def k(a, x, n, y, z, flag):
            pass

        a = pf.device_array(64, np.float32)   # a C array for an A parameter: strides derived
        record(9)
        args = (a, 2.5, 7, 3, 1.5, 1)
        k[1, 32](*args)
        first = last(9)
        k[1, 32](*args)
        out["python"] = python_launches[0]
        out["same"] = last(9) == first
        out["params"] = first["params"]
        out["a"] = a.device_ctypes_pointer.value
        out["f32"] = struct.unpack("<I", struct.pack("<f", 2.5))[0]
        out["c64"] = struct.unpack("<I", struct.pack("<f", 1.5))[0]
        out["f64"] = struct.unpack("<Q", struct.pack("<d", 3.0))[0]
    """)
    assert out["python"] == 1, "the second launch did not take the fast path"
    assert out["same"]
    p = out["params"]
    assert p[:3] == [out["a"], 64, 4]  # pointer, extent, derived stride
    assert p[3] & 0xFFFFFFFF == out["f32"] and p[4] & 0xFFFFFFFF == 7 and p[5] == out["f64"]
    assert p[6] & 0xFFFFFFFF == out["c64"] and p[7] & 0xFFFFFFFF == 0 and p[8] & 0xFF == 1


def test_launch_errors_on_the_fast_path_are_the_python_paths():
    out = run("""
        @pf.kernel
        def k(a):
            pass

        a = pf.device_array(16, np.float32)
        k[1, 33](a)  # blocks whose x is not a multiple of 4 share a key (coarsening allowed: none)
        errors = []
        for config in [(1, 2049), (1, (33, 32, 2)), (1, 33, 0, 1 << 20)]:
            try:
                k[config](a)
            except Exception as e:
                errors.append([type(e).__name__, isinstance(e, ValueError), str(e)])
        out["errors"] = errors
        out["python"] = python_launches[0]
        out["driver"] = launches()
    """)
    assert out["python"] == 1 and out["driver"] == 1, "a bad configuration reached the driver"
    names = [e[0] for e in out["errors"]]
    assert names == ["LaunchConfigurationError"] * 3 and all(e[1] for e in out["errors"])
    assert "2049 threads" in out["errors"][0][2] and "CUDA_ERROR_INVALID_VALUE" in out["errors"][0][2]
    assert "2112 threads" in out["errors"][1][2]
    assert "dynamic shared memory" in out["errors"][2][2]


def test_streams_and_threads_on_the_fast_path():
    out = run("""
        @pf.kernel
        def k(a):
            pass

        a = pf.device_array(16, np.float32)
        s = pf.stream()
        record(1)
        k[1, 32, s](a)
        k[1, 32, s](a)
        out["stream"] = last(1)["stream"]
        out["handle"] = int(getattr(s.handle, "value", s.handle))
        launch = k[2, 64]
        before = launches()
        def work():
            for _ in range(2000):
                launch(a)
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        out["threaded"] = launches() - before
        out["python"] = python_launches[0]
        out["dims"] = last(1)["dims"]
    """)
    assert out["stream"] == out["handle"] != 0
    assert out["threaded"] == 8000 and out["python"] == 1
    assert out["dims"] == [2, 1, 1, 64, 1, 1]


def test_numpy_arguments_still_take_the_python_path_and_copy_back():
    out = run("""
        @pf.kernel
        def k(a, x):
            pass

        h = np.arange(8, dtype=np.float32)
        record(3)
        k[1, 8](h, 1.0)
        k[1, 8](h, 1.0)
        out["python"] = python_launches[0]
        out["driver"] = launches()
        out["values"] = h.tolist()  # the fake device ran nothing: copied in and back unchanged
    """)
    assert out["python"] == 2 and out["driver"] == 2
    assert out["values"] == list(range(8))


def test_cupy_like_arrays_on_the_fast_path_wait_for_their_stream():
    out = run("""
        class Pointer:
            def __init__(self, ptr):
                self.ptr = ptr

        class Stream:
            ptr = 0

        class FakeCupy:  # what the fast path reads of a CuPy array, and the interface the Python path reads
            def __init__(self, base, n):
                self._base, self.shape, self.strides, self.dtype = base, (n,), (4,), np.dtype(np.float32)
                self.data = Pointer(base.device_ctypes_pointer.value)
                self.__cuda_array_interface__ = dict(shape=(n,), strides=None, typestr="<f4",
                                                     data=(self.data.ptr, False), version=3)

        current = Stream()
        from ptxforge._args import register_interop_types
        register_interop_types()
        _core.fast_register(cupy_type=FakeCupy, cupy_stream=lambda: current)

        @pf.kernel
        def k(a, b):
            pass

        base = pf.device_array(64, np.float32)
        x, y = FakeCupy(base, 64), FakeCupy(base[32:], 32)
        record(4)
        k[1, 32](x, y)
        first = last(4)
        k[1, 32](x, y)
        out["same"] = last(4) == first
        out["python"] = python_launches[0]
        waits = fake.fakecuda_stream_waits()
        current.ptr = 0x5000  # CuPy's current stream is one of its own: the launch waits for it, once
        k[1, 32](x, y)
        out["waits"] = [waits, fake.fakecuda_stream_waits()]
        out["params"] = first["params"]
        out["ptr"] = x.data.ptr
    """)
    assert out["python"] == 1 and out["same"]
    assert out["params"] == [out["ptr"], 64, out["ptr"] + 128, 32]
    assert out["waits"][1] == out["waits"][0] + 1


def test_numpy_scalars_take_the_fast_path_with_the_python_paths_parameters():
    out = run("""
        @pf.kernel
        def k(a, i8, u8, i16, u16, i32, u32, i64, u64, f16, f32, f64, c64, c128, b):
            pass

        a = pf.device_array(4, np.float32)
        args = (a, np.int8(-5), np.uint8(250), np.int16(-300), np.uint16(65000), np.int32(-7), np.uint32(4000000000),
                np.int64(-2**40), np.uint64(2**64 - 1), np.float16(1.5), np.float32(-2.25), np.float64(3.5),
                np.complex64(1 - 2j), np.complex128(3 + 4j), np.bool_(True))
        record(18)  # a: pointer and extent; one cell per scalar, two per complex
        k[1, 32](*args)
        first = last(18)
        k[1, 32](*args)
        out["python"] = python_launches[0]
        out["first"] = first["params"]
        out["fast"] = last(18)["params"]
        out["types"] = list(k.signatures[0])
        record(4)

        @pf.kernel("void(float32[::1], float32, int32)")  # exact numpy scalars convert on the fast path too
        def d(a, x, n):
            pass

        d[1, 32](a, np.float32(1.5), np.int32(-3))
        first = last(4)
        d[1, 32](a, np.float32(1.5), np.int32(-3))
        out["declared"] = [python_launches[0], first["params"], last(4)["params"]]
        d[1, 32](a, np.float64(1.5), np.int64(-3))  # converted by the Python path
        d[1, 32](a, np.float64(1.5), np.int64(-3))
        out["converted"] = [python_launches[0], last(4)["params"]]
    """)
    assert out["python"] == 1, "the second launch did not take the fast path"
    # typed as the Python path types them: each its own dtype, strong (np.float64 and np.complex128 too)
    assert out["types"][1:] == ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16",
                                "float32", "float64", "complex64", "complex128", "bool"]
    # each cell as the driver reads it: the parameter's own bytes
    sizes = [8, 8, 1, 1, 2, 2, 4, 4, 8, 8, 2, 4, 8, 4, 4, 8, 8, 1]
    masked = [[c & ((1 << (8 * n)) - 1) for c, n in zip(cells, sizes)] for cells in (out["first"], out["fast"])]
    assert masked[0] == masked[1]
    assert masked[1][2:5] == [0xFB, 250, (-300) & 0xFFFF]
    python, first, fast = out["declared"]
    mask = [2**64 - 1, 2**64 - 1, 2**32 - 1, 2**32 - 1]  # pointer, extent, float32, int32
    first, fast, converted = ([c & m for c, m in zip(cells, mask)] for cells in (first, fast, out["converted"][1]))
    assert python == 2 and first == fast and fast[3] == 2**32 - 3
    assert out["converted"][0] == 4 and converted == first
