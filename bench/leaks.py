"""Leaks: what 10^4 compiles do to the process's RSS, and (with a GPU) what 10^5 launches do to
device memory and RSS.

    python3 bench/leaks.py [--compiles N] [--launches N]

Compiles: one kernel compiled N times (10^4) to PTX through pf.compile_ptx (the whole
pipeline: typing, lowering, LLVM's optimisation and PTX emission; no cache), and N/10 times
under a new signature each (a new Dispatcher, cache=False, each compiled to a cubin). RSS is
read after a warm-up of 200 compiles and then every N/10; a leak shows as steady growth.

Launches (skipped without a GPU): a kernel on a device array launched N times (10^5, the
fast path) and on a numpy array N/10 times (each copied in and out); free device memory and
RSS before and after. tests/python/test_gpu_faults.py asserts the same on the GPU machine.
"""

import argparse
import sys

import numpy as np

import ptxforge as pf


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def scale(x, n, a):
    i = pf.grid(1)
    if i < n:
        x[i] = x[i] * a + 1.0


def add_one(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] += 1.0


def compiles(n):
    for _ in range(200):
        pf.compile_ptx(scale, "void(float32[::1], int32, float32)")
    start = rss_mib()
    marks = []
    for i in range(n):
        pf.compile_ptx(scale, "void(float32[::1], int32, float32)")
        if (i + 1) % (n // 10) == 0:
            marks.append(rss_mib())
    print(f"compile_ptx x {n}: RSS {start:.1f} MiB after warm-up, then every {n // 10}: "
          + " ".join(f"{m:.1f}" for m in marks) + f" (growth {marks[-1] - start:+.1f} MiB)")
    m = n // 10
    types = ["float32", "float64", "int32", "int64", "uint32", "uint64", "int16", "float16"]
    start = rss_mib()
    for i in range(m):
        k = pf.kernel(scale, cache=False)
        k.compile(f"void({types[i % len(types)]}[::1], int32, float64)")
    print(f"new kernel + cubin x {m}: RSS {start:.1f} -> {rss_mib():.1f} MiB ({rss_mib() - start:+.1f})")


def launches(n):
    if not pf.is_available():
        print("launches: skipped, no GPU:", pf._core.unavailable_reason())
        return
    k = pf.kernel(add_one)
    d = pf.to_device(np.zeros(1 << 16, np.float32))
    h = np.zeros(1 << 16, np.float32)
    for _ in range(100):
        k[256, 256](d)
        k[256, 256](h)
    pf.synchronize()
    free0, rss0 = pf.current_context().get_memory_info()[0], rss_mib()
    for _ in range(n):
        k[256, 256](d)
    for _ in range(n // 10):
        k[256, 256](h)
    pf.synchronize()
    free1, rss1 = pf.current_context().get_memory_info()[0], rss_mib()
    ok = d.copy_to_host()[0] == 100 + n and h[0] == 100 + n // 10
    print(f"launches: {n} on a device array, {n // 10} on a numpy array: free device memory "
          f"{free0 / 2**20:.1f} -> {free1 / 2**20:.1f} MiB ({(free1 - free0) / 2**20:+.1f}), "
          f"RSS {rss0:.1f} -> {rss1:.1f} MiB ({rss1 - rss0:+.1f}); results {'right' if ok else 'WRONG'}")
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--compiles", type=int, default=10_000)
    p.add_argument("--launches", type=int, default=100_000)
    args = p.parse_args()
    if args.compiles:
        compiles(args.compiles)
    if args.launches and launches(args.launches) is False:
        sys.exit(1)


if __name__ == "__main__":
    main()
