"""The host side of a launch, on any machine: ptxforge's launch paths timed against a fake driver.

    python3 bench/launch_host_path.py [--launches N] [--runs R] [--profile]

Runs itself under build/<dir>/fakecuda/libcuda.so.1 (tests/fakecuda/FakeCuda.cpp: a
libcuda.so.1 whose cuLaunchKernel records the launch and returns), so every
figure is what ptxforge's own code costs per launch: Python's call, the
configuration, reading the arguments, the key, packing and the runtime's checks,
without the driver's ~3-4 µs (bench/launch_overhead.py measures those on a GPU).
The first rows are references: an empty Python loop and a call of a C function
taking four arguments, which any Python launch pays. Figures are nanoseconds
per launch, median of R runs of N launches. --profile adds cProfile's view of
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
    """The folder of the fake libcuda.so.1 beside the staged package (build/<dir>/python)."""
    import importlib.util

    spec = importlib.util.find_spec("ptxforge")
    if spec is None or not spec.origin:
        return None
    build = os.path.dirname(os.path.dirname(os.path.dirname(spec.origin)))
    folder = os.path.join(build, "fakecuda")
    return folder if os.path.exists(os.path.join(folder, "libcuda.so.1")) else None


def per_launch(fn, launches, runs):
    figures = []
    for r in range(runs + 1):
        t0 = time.perf_counter()
        fn(launches)
        if r:
            figures.append((time.perf_counter() - t0) / launches * 1e9)
    return statistics.median(figures), min(figures)


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

    def loop_empty(n):
        for _ in range(n):
            pass

    def loop_c_call(n, f=max, a=1, b=2, c=3, d=4):
        for _ in range(n):
            f(a, b, c, d)

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

    yield "Python loop, empty (reference)", loop_empty
    yield "Python loop, max(a, b, c, d) (reference)", loop_c_call
    yield "ptxforge, device arrays, launch = kernel[1, 32]", bound
    yield "ptxforge, device arrays, kernel[1, 32] each time", config_each_time
    yield "ptxforge, device arrays, kernel[1, 32, stream]", with_stream
    yield "ptxforge, array + float + int + bool", scalar_args
    yield "ptxforge, declared signature (converted)", declared_args


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if os.environ.get("PTXFORGE_FAKE_DRIVER") != "1":
        folder = fake_driver_dir()
        if folder is None:
            sys.exit("no fake driver: build the tree (build/<dir>/fakecuda/libcuda.so.1) and put its "
                     "build/<dir>/python on PYTHONPATH")
        env = dict(os.environ, PTXFORGE_FAKE_DRIVER="1",
                   LD_LIBRARY_PATH=folder + os.pathsep + os.environ.get("LD_LIBRARY_PATH", ""))
        sys.exit(subprocess.call([sys.executable, *sys.argv], env=env))

    import ptxforge as pf

    assert pf.get_current_device().name.decode().startswith("ptxforge fake"), "not the fake driver"
    print(f"host cost per launch under the fake driver (no GPU work), ns; median and best of {args.runs} "
          f"runs of {args.launches} launches; Python {sys.version.split()[0]}")
    rows = list(cases())
    width = max(len(name) for name, _ in rows)
    print(f"{'launch path':<{width}}  {'median ns':>9}  {'best ns':>8}")
    for name, fn in rows:
        median, best = per_launch(fn, args.launches, args.runs)
        print(f"{name:<{width}}  {median:9.1f}  {best:8.1f}")
    if args.profile:
        import cProfile
        import pstats

        for name, fn in rows[2:]:
            print(f"\n== {name}")
            prof = cProfile.Profile()
            prof.runcall(fn, 20_000)
            pstats.Stats(prof).sort_stats("tottime").print_stats(8)


if __name__ == "__main__":
    main()
