"""Host cost of one kernel launch from Python, side by side with the C++ floor and peers.

    python3 bench/launch_overhead.py [--launches N] [--runs R]

Every figure is microseconds per launch of an empty kernel taking four arrays
(grid 1, block 32): N launches are queued between two synchronisations and
the time between them divided by N; the median over R runs is one round's
figure (after one warm-up run). Every path is measured in each of several
interleaved rounds; the table gives the median and best round and the
median ratio to the same round's C++ floor. The kernel does nothing, so the figure is the host's cost
of a launch, not the GPU's. The C++ floor (bench/launch_floor.cpp) is built
here with g++ and calls cuLaunchKernel directly; peers are measured where
they import. Needs a GPU.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

EMPTY4_PTX = """
.version 7.0
.target sm_70
.address_size 64
.visible .entry empty4(.param .u64 a, .param .u64 b, .param .u64 c, .param .u64 d)
{
    ret;
}
"""
EMPTY4_CUDA = 'extern "C" __global__ void empty4(float *a, float *b, float *c, float *d) {}'
N_ELEMS = 1024


def per_launch(launch, sync, launches, runs):
    """Median microseconds per launch over `runs` batches of `launches` launches."""
    figures = []
    for r in range(runs + 1):
        sync()
        t0 = time.perf_counter()
        for _ in range(launches):
            launch()
        sync()
        if r:
            figures.append((time.perf_counter() - t0) / launches * 1e6)
    return statistics.median(figures)


def cpp_floor(launches, runs):
    gxx = shutil.which("g++")
    if gxx is None:
        raise RuntimeError("no g++")
    cuda_home = os.environ.get("CUDA_HOME", "/usr/local/cuda")
    with tempfile.TemporaryDirectory(prefix="pf-floor-") as d:
        exe = os.path.join(d, "launch_floor")
        subprocess.run([gxx, "-O2", "-std=c++17", f"-I{cuda_home}/include", os.path.join(HERE, "launch_floor.cpp"),
                        "-ldl", "-o", exe], check=True, capture_output=True)
        ptx = os.path.join(d, "empty4.ptx")
        with open(ptx, "w") as f:
            f.write(EMPTY4_PTX)
        image = ptx
        ptxas = shutil.which("ptxas") or os.path.join(cuda_home, "bin", "ptxas")
        if os.access(ptxas, os.X_OK):
            import ptxforge as pf

            cc = pf.get_current_device().compute_capability
            image = os.path.join(d, "empty4.cubin")
            subprocess.run([ptxas, f"-arch=sm_{cc[0]}{cc[1]}", ptx, "-o", image], check=True)
        out = subprocess.run([exe, image, "empty4", str(launches), str(runs)], check=True, capture_output=True,
                             text=True)
        return float(out.stdout.strip())


def ptxforge_cases(launches, runs):
    import ptxforge as pf

    @pf.kernel
    def empty4(a, b, c, d):
        pass

    arrays = [pf.device_array(N_ELEMS, np.float32) for _ in range(4)]
    launch = empty4[1, 32]
    yield "ptxforge, device arrays", per_launch(lambda: launch(*arrays), pf.synchronize, launches, runs)
    yield ("ptxforge, device arrays, kernel[1, 32] each time",
           per_launch(lambda: empty4[1, 32](*arrays), pf.synchronize, launches, runs))

    @pf.kernel("void(float32[:], float32[:], float32[:], float32[:])")
    def declared4(a, b, c, d):
        pass

    declared = declared4[1, 32]  # C arrays for A parameters: converted on the fast path
    yield "ptxforge, device arrays, declared signature", per_launch(lambda: declared(*arrays), pf.synchronize,
                                                                    launches, runs)
    try:
        import cupy as cp

        c = [cp.zeros(N_ELEMS, cp.float32) for _ in range(4)]
        yield "ptxforge, CuPy arrays", per_launch(lambda: empty4[1, 32](*c), pf.synchronize, launches, runs)
    except ImportError as e:
        yield "ptxforge, CuPy arrays", f"skipped ({e})"
    try:
        import torch

        t = [torch.zeros(N_ELEMS, device="cuda") for _ in range(4)]
        yield "ptxforge, torch tensors", per_launch(lambda: empty4[1, 32](*t), pf.synchronize, launches, runs)
    except ImportError as e:
        yield "ptxforge, torch tensors", f"skipped ({e})"


def cupy_raw(launches, runs):
    import cupy as cp

    k = cp.RawKernel(EMPTY4_CUDA, "empty4")
    args = tuple(cp.zeros(N_ELEMS, cp.float32) for _ in range(4))
    return per_launch(lambda: k((1,), (32,), args), cp.cuda.Device().synchronize, launches, runs)


def torch_mul(launches, runs):
    import torch

    x = torch.zeros(N_ELEMS, device="cuda")
    y = torch.empty_like(x)
    return per_launch(lambda: torch.mul(x, 2.0, out=y), torch.cuda.synchronize, launches, runs)


def numba_cases(launches, runs):
    np.row_stack = getattr(np, "row_stack", np.vstack)  # numba 0.68 with numpy 2.5
    from numba import cuda

    @cuda.jit
    def empty4(a, b, c, d):
        pass

    arrays = [cuda.device_array(N_ELEMS, np.float32) for _ in range(4)]
    yield "numba-cuda, device arrays", per_launch(lambda: empty4[1, 32](*arrays), cuda.synchronize, launches, runs)
    try:
        import cupy as cp

        c = [cp.zeros(N_ELEMS, cp.float32) for _ in range(4)]
        yield "numba-cuda, CuPy arrays", per_launch(lambda: empty4[1, 32](*c), cuda.synchronize,
                                                    max(launches // 10, 100), runs)
    except ImportError as e:
        yield "numba-cuda, CuPy arrays", f"skipped ({e})"


def one_round(n, r):
    """Every launch path measured once: [(name, µs per launch or a reason it was skipped)]."""
    rows = []

    def measure(name, fn):
        try:
            rows.append((name, fn()))
        except Exception as e:  # noqa: BLE001  (a peer missing or broken is reported, not fatal)
            rows.append((name, f"skipped ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})"))

    measure("C++ cuLaunchKernel floor", lambda: cpp_floor(n, r))
    try:
        rows.extend(ptxforge_cases(n, r))
    except Exception as e:  # noqa: BLE001
        rows.append(("ptxforge", f"failed ({type(e).__name__}: {e})"))
    measure("CuPy RawKernel", lambda: cupy_raw(n, r))
    measure("torch mul (elementwise op)", lambda: torch_mul(n, r))
    try:
        rows.extend(numba_cases(n, r))
    except Exception as e:  # noqa: BLE001
        rows.append(("numba-cuda", f"skipped ({type(e).__name__}: {e})"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--launches", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=9,
                        help="measure every path this many times, interleaved, so that a slow spell of "
                             "the machine lands on all of them")
    args = parser.parse_args()
    n, r = args.launches, args.runs

    import ptxforge as pf

    if not pf.is_available():
        print(f"no GPU: {pf._core.unavailable_reason()}")
        return
    print(f"{pf.get_current_device().name.decode()}; empty kernel of 4 arrays, grid 1, block 32; "
          f"{n} launches between two synchronisations, median of {r} runs, in each of {args.rounds} "
          "interleaved rounds")
    rounds = [one_round(n, r) for _ in range(args.rounds)]
    names = [name for name, _ in rounds[0]]
    width = max(len(name) for name in names)
    print(f"{'launch path':<{width}}  {'median µs':>9}  {'best µs':>8}  {'x floor':>7}  rounds")
    for i, name in enumerate(names):
        values = [rnd[i][1] for rnd in rounds]
        if not all(isinstance(v, float) for v in values):
            print(f"{name:<{width}}  {next(v for v in values if not isinstance(v, float))}")
            continue
        floors = [rnd[0][1] for rnd in rounds]
        ratio = statistics.median(v / f for v, f in zip(values, floors) if isinstance(f, float))
        each = " ".join(f"{v:.2f}" for v in values)
        print(f"{name:<{width}}  {statistics.median(values):9.2f}  {min(values):8.2f}  {ratio:7.2f}  {each}")


if __name__ == "__main__":
    main()
