"""The first launch in a fresh process, beside the driver's own floor and the peers.

    python3 bench/cold_start.py [--runs N]

One table from one run, each figure the median over N fresh processes (3 by
default; about 30 s of GPU time in all). Every row launches saxpy on three
numpy float32 arrays of 2^20 elements, copied in and out; the host arrays
exist before the clock starts. Columns: the imports (numpy and the library),
the first launch (from after the imports to the result back on the host:
driver start-up, compile or cache load, module load, copies, launch, sync),
and their total. Rows:

- C++ floor: cuInit and the primary context alone, from a small C++ program
  (the floor the goals are counted from); then the same program also loading
  the cubin, copying, launching and syncing (what no library can avoid);
- ptxforge with an empty disk cache, and with the cache that a previous
  process filled;
- numba-cuda without a cache, and with cache=True filled by a previous process;
- CuPy RawKernel (CUDA C through NVRTC) with an empty and with a filled cache.

A second table names the parts of ptxforge's first launch, measured by a
child that takes the launch path's steps one at a time (_launch in
python/ptxforge/dispatcher.py). Needs a GPU; rows whose library is missing
say so.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap

N = 1 << 20
SIG = "void(float32, float32[::1], float32[::1], float32[::1])"

FLOOR_CPP = r"""
#include <cuda.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#define LOAD(fn) auto p_##fn = reinterpret_cast<decltype(&::fn)>(dlsym(lib, #fn))
#define CHECK(call) do { CUresult r = (call); if (r != CUDA_SUCCESS) { std::fprintf(stderr, "%s: %d\n", #call, (int)r); std::exit(1); } } while (0)
static double ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}
int main(int argc, char **argv) {
  std::ifstream file(argv[1], std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string cubin = buffer.str();
  const long long n = 1 << 20;
  std::vector<float> x(n, 1.0f), y(n, 1.0f), out(n, 0.0f);
  auto t0 = std::chrono::steady_clock::now();
  void *lib = dlopen("libcuda.so.1", RTLD_NOW);
  if (!lib) { std::fprintf(stderr, "%s\n", dlerror()); return 1; }
  LOAD(cuInit); LOAD(cuDeviceGet); LOAD(cuDevicePrimaryCtxRetain); LOAD(cuCtxSetCurrent);
  LOAD(cuModuleLoadData); LOAD(cuModuleGetFunction); LOAD(cuMemAlloc_v2); LOAD(cuMemcpyHtoD_v2);
  LOAD(cuMemcpyDtoH_v2); LOAD(cuLaunchKernel); LOAD(cuCtxSynchronize);
  CUdevice dev;
  CUcontext ctx;
  CHECK(p_cuInit(0));
  CHECK(p_cuDeviceGet(&dev, 0));
  CHECK(p_cuDevicePrimaryCtxRetain(&ctx, dev));
  CHECK(p_cuCtxSetCurrent(ctx));
  CHECK(p_cuCtxSynchronize());
  auto t1 = std::chrono::steady_clock::now();
  CUmodule module;
  CUfunction fn;
  CHECK(p_cuModuleLoadData(&module, cubin.data()));
  CHECK(p_cuModuleGetFunction(&fn, module, argv[2]));
  CUdeviceptr dx, dy, dout;
  CHECK(p_cuMemAlloc_v2(&dx, n * 4));
  CHECK(p_cuMemAlloc_v2(&dy, n * 4));
  CHECK(p_cuMemAlloc_v2(&dout, n * 4));
  CHECK(p_cuMemcpyHtoD_v2(dx, x.data(), n * 4));
  CHECK(p_cuMemcpyHtoD_v2(dy, y.data(), n * 4));
  CHECK(p_cuMemcpyHtoD_v2(dout, out.data(), n * 4));
  float a = 2.0f;
  long long shape = n;
  void *params[] = {&a, &dx, &shape, &dy, &shape, &dout, &shape};
  CHECK(p_cuLaunchKernel(fn, n / 256, 1, 1, 256, 1, 1, 0, nullptr, params, nullptr));
  CHECK(p_cuCtxSynchronize());
  CHECK(p_cuMemcpyDtoH_v2(out.data(), dout, n * 4));
  auto t2 = std::chrono::steady_clock::now();
  if (out[0] != 3.0f || out[n - 1] != 3.0f) { std::fprintf(stderr, "wrong result\n"); return 1; }
  std::printf("{\"floor\": %.3f, \"first\": %.3f}\n", ms(t0, t1), ms(t0, t2));
}
"""

PTXFORGE = """
import json, time
t0 = time.perf_counter()
import numpy as np
import ptxforge as pf
t1 = time.perf_counter()
n = 1 << 20
x = np.ones(n, np.float32); y = np.ones(n, np.float32); out = np.zeros(n, np.float32)
t2 = time.perf_counter()

@pf.kernel
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]

saxpy[n // 256, 256](np.float32(2.0), x, y, out)
t3 = time.perf_counter()
assert out[0] == 3.0 and out[-1] == 3.0
(c,) = saxpy._overloads.values()
print(json.dumps({"import": (t1 - t0) * 1e3, "first": (t3 - t2) * 1e3, "from_cache": c.artifacts.from_cache,
                  "assembler": c.artifacts.assembler}))
"""

# The launch path's steps one at a time, each timed (dispatcher.Dispatcher._launch).
PTXFORGE_STEPS = """
import json, time
import numpy as np
import ptxforge as pf
from ptxforge import _core
from ptxforge._args import describe, upload
n = 1 << 20
x = np.ones(n, np.float32); y = np.ones(n, np.float32); out = np.zeros(n, np.float32)

@pf.kernel
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]

marks = [("start", time.perf_counter())]
def mark(name):
    marks.append((name, time.perf_counter()))
_core.start_init(0)
types, values, transfers = describe((np.float32(2.0), x, y, out), ("a", "x", "y", "out"))
mark("type the arguments (no device)")
cc = _core.compute_capability(0)
mark("wait for cuInit (the compute capability)")
compiled = saxpy._compile(types, cc, "cubin")
mark("load from the disk cache" if compiled.artifacts.from_cache else "compile (typing, LLVM, assembler)")
_core.memory_info()
mark("wait for the primary context")
values = upload(values, transfers)
mark("allocate and copy in (3 x 4 MiB)")
kernel = _core.LoadedKernel(compiled.artifacts, 0)
mark("load the module (cuModuleLoadData of the cubin)")
read_only = kernel.launch((n // 256, 1, 1), (256, 1, 1), 0, 0, values)
mark("first cuLaunchKernel (lazy function load)")
_core.synchronize()
mark("run and synchronise")
for t in transfers:
    if t.buffer.ptr not in read_only:
        t.copy_back()
mark(f"copy out ({sum(t.buffer.ptr not in read_only for t in transfers)} x 4 MiB: what the kernel writes)")
assert out[0] == 3.0 and out[-1] == 3.0
steps = [(name, (t - marks[i][1]) * 1e3) for i, (name, t) in enumerate(marks[1:])]
print(json.dumps({"steps": steps, "total": (marks[-1][1] - marks[0][1]) * 1e3,
                  "stages": compiled.artifacts.timings, "assembler": compiled.artifacts.assembler}))
"""

NUMBA = """
import json, time
t0 = time.perf_counter()
import numpy as np
if not hasattr(np, "row_stack"):
    np.row_stack = np.vstack  # numba 0.68 with numpy 2.5
from numba import cuda
t1 = time.perf_counter()
n = 1 << 20
x = np.ones(n, np.float32); y = np.ones(n, np.float32); out = np.zeros(n, np.float32)
t2 = time.perf_counter()

@cuda.jit(cache=CACHE)
def saxpy(a, x, y, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]

saxpy[n // 256, 256](np.float32(2.0), x, y, out)
t3 = time.perf_counter()
assert out[0] == 3.0 and out[-1] == 3.0
print(json.dumps({"import": (t1 - t0) * 1e3, "first": (t3 - t2) * 1e3}))
"""

CUPY = r"""
import json, time
t0 = time.perf_counter()
import numpy as np
import cupy as cp
t1 = time.perf_counter()
n = 1 << 20
x = np.ones(n, np.float32); y = np.ones(n, np.float32)
t2 = time.perf_counter()
source = '''
extern "C" __global__ void saxpy(float a, const float *x, const float *y, float *out, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = a * x[i] + y[i];
}'''
kernel = cp.RawKernel(source, "saxpy")
dx, dy = cp.asarray(x), cp.asarray(y)
dout = cp.empty_like(dx)
kernel((n // 256,), (256,), (np.float32(2.0), dx, dy, dout, np.int64(n)))
out = cp.asnumpy(dout)
t3 = time.perf_counter()
assert out[0] == 3.0 and out[-1] == 3.0
print(json.dumps({"import": (t1 - t0) * 1e3, "first": (t3 - t2) * 1e3}))
"""


class Child:
    """A script kept in its own folder (numba's cache=True writes next to it)."""

    def __init__(self, root, name, code):
        self.folder = os.path.join(root, name)
        os.makedirs(self.folder)
        self.path = os.path.join(self.folder, f"{name}.py")
        with open(self.path, "w") as f:
            f.write(textwrap.dedent(code))

    def run(self, env=None):
        proc = subprocess.run([sys.executable, self.path], capture_output=True, text=True,
                              env=dict(os.environ, **(env or {})), timeout=300)
        if proc.returncode:
            lines = proc.stderr.strip().splitlines()
            return None, lines[-1] if lines else f"exit status {proc.returncode}"
        return json.loads(proc.stdout.strip().splitlines()[-1]), ""


def median_of(runs, make_run):
    """(median import, median first launch, why) over `runs` calls of make_run() -> (dict, why)."""
    results = []
    for i in range(runs):
        r, why = make_run(i)
        if r is None:
            return None, why
        results.append(r)
    return {k: statistics.median(r[k] for r in results) for k in ("import", "first")}, ""


def build_floor(root):
    """The C++ program and a saxpy cubin made by ptxforge (its ABI: a, then pointer + length per array)."""
    import ptxforge as pf

    def saxpy(a, x, y, out):
        i = pf.grid(1)
        if i < x.size:
            out[i] = a * x[i] + y[i]

    d = pf.kernel(cache=False)(saxpy)
    d.compile(SIG)
    (compiled,) = d._overloads.values()
    cubin = os.path.join(root, "saxpy.cubin")
    with open(cubin, "wb") as f:
        f.write(compiled.artifacts.cubin)
    source = os.path.join(root, "floor.cpp")
    with open(source, "w") as f:
        f.write(FLOOR_CPP)
    include = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "include")
    exe = os.path.join(root, "floor")
    proc = subprocess.run(["g++", "-O2", "-std=c++17", f"-I{include}", source, "-ldl", "-o", exe],
                          capture_output=True, text=True)
    if proc.returncode:
        return None, proc.stderr.strip()[-200:]
    return [exe, cubin, compiled.artifacts.entry_name], ""


def run_floor(command):
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if proc.returncode:
        return None, proc.stderr.strip()[-200:] or f"exit status {proc.returncode}"
    return json.loads(proc.stdout), ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = tempfile.mkdtemp(prefix="pf-cold-start-")
    rows = []
    try:
        command, why = build_floor(root)
        floor = None
        if command:
            results = []
            for _ in range(args.runs):
                r, why = run_floor(command)
                if r is None:
                    break
                results.append(r)
            if results:
                floor = statistics.median(r["floor"] for r in results)
                rows.append(("C++: cuInit + primary context (the floor)", {"import": 0.0, "first": floor}, ""))
                rows.append(("C++: floor + load, copies, launch, sync",
                             {"import": 0.0, "first": statistics.median(r["first"] for r in results)}, ""))
        if floor is None:
            rows.append(("C++ floor", None, why))

        ours = Child(root, "ptxforge_child", PTXFORGE)
        cold = median_of(args.runs, lambda i: ours.run({"PTXFORGE_CACHE_DIR": os.path.join(root, f"cold{i}")}))
        rows.append(("ptxforge, empty disk cache", *cold))
        warm_dir = os.path.join(root, "warm")
        ours.run({"PTXFORGE_CACHE_DIR": warm_dir})  # fills the cache
        rows.append(("ptxforge, disk cache filled by a previous run",
                     *median_of(args.runs, lambda i: ours.run({"PTXFORGE_CACHE_DIR": warm_dir}))))

        numba_cold = Child(root, "numba_nocache", NUMBA.replace("CACHE", "False"))
        rows.append(("numba-cuda", *median_of(args.runs, lambda i: numba_cold.run())))
        numba_warm = Child(root, "numba_cache", NUMBA.replace("CACHE", "True"))
        first, why = numba_warm.run()
        rows.append(("numba-cuda, cache=True filled by a previous run",
                     *(median_of(args.runs, lambda i: numba_warm.run()) if first else (None, why))))

        cupy = Child(root, "cupy_child", CUPY)
        rows.append(("CuPy RawKernel, empty cache",
                     *median_of(args.runs, lambda i: cupy.run({"CUPY_CACHE_DIR": os.path.join(root, f"cupy{i}")}))))
        cupy_dir = os.path.join(root, "cupy_warm")
        first, why = cupy.run({"CUPY_CACHE_DIR": cupy_dir})
        rows.append(("CuPy RawKernel, cache filled by a previous run",
                     *(median_of(args.runs, lambda i: cupy.run({"CUPY_CACHE_DIR": cupy_dir})) if first
                       else (None, why))))

        print(f"fresh process: saxpy on 2^20 float32 numpy arrays, copied in and out; median of {args.runs} (ms)")
        print(f"{'':50} {'import':>8} {'first launch':>13} {'total':>8} {'first launch - floor':>21}")
        for name, r, why in rows:
            if r is None:
                print(f"{name:50} {'-':>8} {'-':>13} {'-':>8}   ({why})")
                continue
            over = f"{r['first'] - floor:+.1f}" if floor is not None else "-"
            print(f"{name:50} {r['import']:8.1f} {r['first']:13.1f} {r['import'] + r['first']:8.1f} {over:>21}")

        steps = Child(root, "ptxforge_steps", PTXFORGE_STEPS)
        for label, env in [("empty disk cache", {"PTXFORGE_CACHE_DIR": os.path.join(root, "steps_cold")}),
                           ("filled disk cache", {"PTXFORGE_CACHE_DIR": warm_dir})]:
            r, why = steps.run(env)
            print(f"\nptxforge's first launch, step by step, {label} (ms; one run):")
            if r is None:
                print(f"  ({why})")
                continue
            for name, t in r["steps"]:
                print(f"  {name:50} {t:8.2f}")
            print(f"  {'total':50} {r['total']:8.2f}")
            stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
            print(f"  (compile stages: {stages}; assembler {r['assembler']})")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
