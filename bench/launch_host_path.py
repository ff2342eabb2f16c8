"""The host side of a launch, on any machine: ptxforge's launch paths timed against a fake driver.

    python3 bench/launch_host_path.py [--launches N] [--runs R] [--profile]

Runs itself under build/<dir>/fakecuda/libcuda.so.1 (tests/fakecuda/FakeCuda.cpp: a
libcuda.so.1 whose cuLaunchKernel records the launch and returns), so every
figure is what ptxforge's own code costs per launch: Python's call, the
configuration, reading the arguments, the key, packing and the runtime's checks,
without the driver's ~3-4 µs (bench/launch_overhead.py measures those on a GPU).
The first row is the empty Python loop around the launches. Figures are
nanoseconds per launch: each path runs N launches once per round, in rounds
interleaved so that a busy spell of a shared machine lands on all of them; the
table gives the median and best round of R. --profile adds cProfile's view of
the Python parts.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def fake_driver_dir():
    """The folder of the fake libcuda.so.1: $PTXFORGE_FAKECUDA, else the one beside the staged
    package (build/<dir>/python), else build/*/fakecuda of this checkout. (Any build's fake
    driver serves any ptxforge: PYTHONPATH=<another build>/python measures that one.)"""
    import glob
    import importlib.util

    candidates = [os.environ.get("PTXFORGE_FAKECUDA", "")]
    spec = importlib.util.find_spec("ptxforge")
    if spec is not None and spec.origin:
        candidates.append(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(spec.origin))), "fakecuda"))
    candidates += sorted(glob.glob(os.path.join(os.path.dirname(HERE), "build", "*", "fakecuda")))
    return next((c for c in candidates if c and os.path.exists(os.path.join(c, "libcuda.so.1"))), None)


def build_fake_driver():
    """The fake driver built here with g++ (the GPU machine's build has no tests), or None."""
    import shutil
    import tempfile

    gxx = shutil.which("g++")
    include = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "include")
    if gxx is None or not os.path.exists(os.path.join(include, "cuda.h")):
        return None
    folder = tempfile.mkdtemp(prefix="pf-fakecuda-")
    source = os.path.join(os.path.dirname(HERE), "tests", "fakecuda", "FakeCuda.cpp")
    subprocess.run([gxx, "-O2", "-std=c++17", "-shared", "-fPIC", "-fvisibility=hidden", f"-I{include}", source,
                    "-Wl,-soname,libcuda.so.1", "-o", os.path.join(folder, "libcuda.so.1")], check=True)
    return folder


def per_launch(fn, launches):
    t0 = time.perf_counter()
    fn(launches)
    return (time.perf_counter() - t0) / launches * 1e9


_KEEP = []


def cases():
    import numpy as np
    import ptxforge as pf

    @pf.kernel
    def empty4(a, b, c, d):
        pass

    @pf.kernel
    def scalars(a, x, n, flag):
        pass

    @pf.kernel("void(float32[:], float32, int32)")
    def declared(a, x, n):
        pass

    arrays = [pf.device_array(1024, np.float32) for _ in range(4)]
    a0, a1, a2, a3 = arrays
    launch = empty4[1, 32]
    launch(*arrays)
    empty4[1, 32](*arrays)
    scalars[1, 32](a0, 2.0, 7, True)
    declared[1, 32](a0, 2.0, 7)
    stream = pf.stream()
    empty4[1, 32, stream](*arrays)
    assert len(empty4._fast) >= 1, "the fast path did not take the launch"
    _KEEP.extend([empty4, scalars, declared])  # (older builds' configurations did not keep their kernels)

    def loop_empty(n):
        for _ in range(n):
            pass

    def bound(n, launch=launch):
        for _ in range(n):
            launch(a0, a1, a2, a3)

    def config_each_time(n, k=empty4):
        for _ in range(n):
            k[1, 32](a0, a1, a2, a3)

    def with_stream(n, k=empty4, s=stream):
        for _ in range(n):
            k[1, 32, s](a0, a1, a2, a3)

    def scalar_args(n, launch=scalars[1, 32]):
        for _ in range(n):
            launch(a0, 2.0, 7, True)

    def declared_args(n, launch=declared[1, 32]):
        for _ in range(n):
            launch(a0, 2.0, 7)

    x32, n32, yes = np.float32(2.0), np.int32(7), np.bool_(True)
    scalars[1, 32](a0, x32, n32, yes)

    def numpy_scalar_args(n, launch=scalars[1, 32]):
        for _ in range(n):
            launch(a0, x32, n32, yes)

    yield "Python loop, empty (reference)", loop_empty
    yield "ptxforge, device arrays, launch = kernel[1, 32]", bound
    yield "ptxforge, device arrays, kernel[1, 32] each time", config_each_time
    yield "ptxforge, device arrays, kernel[1, 32, stream]", with_stream
    yield "ptxforge, array + float + int + bool", scalar_args
    yield "ptxforge, declared signature (converted)", declared_args
    yield "ptxforge, array + np.float32 + np.int32 + np.bool_", numpy_scalar_args


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if os.environ.get("PTXFORGE_FAKE_DRIVER") != "1":
        import shutil

        built = None
        folder = fake_driver_dir()
        if folder is None:
            folder = built = build_fake_driver()
        if folder is None:
            print("skipped: no fake driver (build/<dir>/fakecuda/libcuda.so.1), and no g++ and cuda.h to build one")
            return
        env = dict(os.environ, PTXFORGE_FAKE_DRIVER="1",
                   LD_LIBRARY_PATH=folder + os.pathsep + os.environ.get("LD_LIBRARY_PATH", ""))
        rc = subprocess.call([sys.executable, *sys.argv], env=env)
        if built:
            shutil.rmtree(built, ignore_errors=True)
        sys.exit(rc)

    import ptxforge as pf

    assert pf.get_current_device().name.decode().startswith("ptxforge fake"), "not the fake driver"
    print(f"host cost per launch under the fake driver (no GPU work), ns; {args.runs} interleaved rounds "
          f"of {args.launches} launches per path; Python {sys.version.split()[0]}")
    rows = list(cases())
    for _, fn in rows:  # warm-up
        per_launch(fn, 1000)
    figures = [[] for _ in rows]
    for _ in range(args.runs):
        for i, (_, fn) in enumerate(rows):
            figures[i].append(per_launch(fn, args.launches))
    width = max(len(name) for name, _ in rows)
    print(f"{'launch path':<{width}}  {'median ns':>9}  {'best ns':>8}")
    for (name, _), values in zip(rows, figures):
        print(f"{name:<{width}}  {statistics.median(values):9.1f}  {min(values):8.1f}")
    if args.profile:
        import cProfile
        import pstats

        for name, fn in rows[1:]:
            print(f"\n== {name}")
            prof = cProfile.Profile()
            prof.runcall(fn, 20_000)
            pstats.Stats(prof).sort_stats("tottime").print_stats(8)


if __name__ == "__main__":
    main()
