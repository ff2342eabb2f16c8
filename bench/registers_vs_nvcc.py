"""Registers per thread: ptxforge against nvcc for the same kernels (no GPU needed).

Compiles the 16x16 shared-tile matmul (examples/tiled_matmul.py) and the shared-memory tree
reduction (examples/shared_reduction.py) with ptxforge for sm_90, and the same algorithms written
in CUDA C with ``nvcc -arch=sm_90 --resource-usage -cubin``, and prints registers, shared memory
and spills side by side.

    python3 bench/registers_vs_nvcc.py
"""

import importlib.util
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import ptxforge as pf

ROOT = pathlib.Path(__file__).resolve().parents[1]

CUDA_SOURCE = r"""
#define TPB 16
extern "C" __global__ void matmul(const float *A, long long a0, long long a1,
                                  const float *B, long long b0, long long b1,
                                  float *C, long long c0, long long c1) {
    __shared__ float sA[TPB][TPB];
    __shared__ float sB[TPB][TPB];
    long long col = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    long long row = (long long)blockIdx.y * blockDim.y + threadIdx.y;
    int tx = threadIdx.x, ty = threadIdx.y;
    float acc = 0.0f;
    for (long long t = 0; t < (a1 + TPB - 1) / TPB; ++t) {
        long long k = t * TPB;
        sA[ty][tx] = (row < a0 && k + tx < a1) ? A[row * a1 + k + tx] : 0.0f;
        sB[ty][tx] = (k + ty < b0 && col < b1) ? B[(k + ty) * b1 + col] : 0.0f;
        __syncthreads();
        for (int j = 0; j < TPB; ++j)
            acc += sA[ty][j] * sB[j][tx];
        __syncthreads();
    }
    if (row < c0 && col < c1)
        C[row * c1 + col] = acc;
}

#define RTPB 256
extern "C" __global__ void block_sums(const float *x, long long n, float *partial, long long np,
                                      float *total, long long nt) {
    __shared__ float buf[RTPB];
    int tid = threadIdx.x;
    float acc = 0.0f;
    for (long long i = (long long)blockIdx.x * blockDim.x + tid; i < n; i += (long long)blockDim.x * gridDim.x)
        acc += x[i];
    buf[tid] = acc;
    __syncthreads();
    for (int s = RTPB / 2; s > 0; s /= 2) {
        if (tid < s)
            buf[tid] += buf[tid + s];
        __syncthreads();
    }
    if (tid == 0) {
        partial[blockIdx.x] = buf[0];
        atomicAdd(total, buf[0]);
    }
}
"""


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ptxforge_usage():
    kernels = {"matmul": load_example("tiled_matmul").matmul, "block_sums": load_example("shared_reduction").block_sums}
    usage = {}
    for name, dispatcher in kernels.items():
        sig = dispatcher.signatures[0]
        compiled = dispatcher._compile(sig, (9, 0), "cubin")
        usage[name] = compiled.artifacts.resources()
    return usage


def nvcc_usage():
    nvcc = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
    if not os.access(nvcc, os.X_OK):
        sys.exit("nvcc not found: install the CUDA toolkit or put nvcc on PATH")
    with tempfile.TemporaryDirectory() as d:
        src = pathlib.Path(d) / "kernels.cu"
        src.write_text(CUDA_SOURCE)
        proc = subprocess.run([nvcc, "-arch=sm_90", "-O3", "--resource-usage", "-cubin", str(src),
                               "-o", str(pathlib.Path(d) / "kernels.cubin")], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"nvcc failed:\n{proc.stderr}")
    usage, current = {}, None
    for line in (proc.stdout + proc.stderr).splitlines():
        m = re.search(r"Function properties for (\w+)|Compiling entry function '(\w+)'", line)
        if m:
            current = m.group(1) or m.group(2)
            usage.setdefault(current, {})
        m = re.search(r"Used (\d+) registers", line)
        if m and current:
            usage[current]["registers"] = int(m.group(1))
            s = re.search(r"(\d+) bytes smem", line)
            usage[current]["shared_bytes"] = int(s.group(1)) if s else 0
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores", line)
        if m and current:
            usage[current]["local_bytes"] = int(m.group(1))
    return usage, proc.stdout + proc.stderr


def main():
    ours = ptxforge_usage()
    theirs, log = nvcc_usage()
    print(f"ptxforge {pf.__version__} ({pf._core.compiler_version()}) vs nvcc -arch=sm_90 -O3, sm_90\n")
    print(f"| kernel | ptxforge registers | nvcc registers | ptxforge shared B | nvcc shared B | "
          f"ptxforge local B | nvcc local B |")
    print("|---|---|---|---|---|---|---|")
    for name in ("matmul", "block_sums"):
        o, t = ours.get(name, {}), theirs.get(name, {})
        print(f"| {name} | {o.get('registers', '?')} | {t.get('registers', '?')} | {o.get('shared_bytes', '?')} | "
              f"{t.get('shared_bytes', '?')} | {o.get('local_bytes', '?')} | {t.get('local_bytes', '?')} |")
    if not theirs:
        print("\n(could not read nvcc's resource report:)\n" + log)


if __name__ == "__main__":
    main()
