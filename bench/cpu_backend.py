"""The CPU target against numba-cuda's simulator and numpy, on the same data.

    python3 bench/cpu_backend.py [--n N] [--m M] [--runs R] [--sim-runs S] [--sim-python PY] [--no-sim]

Two kernels (bench/_cpu_kernels.py, one source for both): a shared-memory
reduction (block sums of N float32 values, 128 threads a block, the block sums
then added on the host) and the tiled matmul of two M x M float32 matrices
(16 x 16 tiles). Each runs three ways:

- ptxforge's CPU target (``target="cpu"``), after one warm-up launch that
  compiles it; the figure is the best of R launches;
- numba-cuda's simulator (NUMBA_ENABLE_CUDASIM=1), in a child Python (--sim-python,
  by default /work/venvs/numba/bin/python where it exists, else this Python),
  best of S (default 1: it compiles nothing, and one run takes seconds);
- numpy (``x.sum()``, ``a @ b``) as the reference, best of R.

Every result is checked against numpy's before any figure is printed. Needs no
GPU: the simulator and the CPU target both run on this machine's CPU.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def best(fn, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def run_kernels(data, runs):
    """{name: (seconds, result)} for both kernels on the backend _cpu_kernels imports."""
    import _cpu_kernels as k

    x, a, b = data["x"], data["a"], data["b"]
    blocks = (x.size + k.TPB - 1) // k.TPB
    m = a.shape[0]
    grid = ((m + k.TILE - 1) // k.TILE, (m + k.TILE - 1) // k.TILE)

    def reduce():
        sums = np.zeros(blocks, np.float32)
        k.block_sums[blocks, k.TPB](x, sums)
        return np.float32(sums.sum(dtype=np.float64))

    def mm():
        c = np.zeros((m, m), np.float32)
        k.matmul[grid, (k.TILE, k.TILE)](a, b, c)
        return c

    return {"reduction": best(reduce, runs), "matmul": best(mm, runs)}


def child(path, out, runs):
    data = dict(np.load(path))
    results = run_kernels(data, runs)
    np.savez(out, reduction=results["reduction"][1], matmul=results["matmul"][1])
    print(json.dumps({name: r[0] for name, r in results.items()}))


def simulator(python, path, runs):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "sim.npz")
        env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1", "PF_BENCH_BACKEND": "numba"}
        done = subprocess.run([python, os.path.abspath(__file__), "--child", path, out, str(runs)],
                              capture_output=True, text=True, env=env)
        if done.returncode != 0:
            raise SystemExit(f"the simulator's run failed:\n{done.stderr}")
        times = json.loads(done.stdout.strip().splitlines()[-1])
        got = np.load(out)
        return {name: (times[name], got[name]) for name in times}


def check(name, who, got, want):
    if not np.allclose(got, want, rtol=1e-3, atol=1e-3):
        raise SystemExit(f"{name} on {who} differs from numpy: {got!r} vs {want!r}")


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        return child(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1 << 14, help="elements the reduction sums")
    p.add_argument("--m", type=int, default=128, help="the matmul's matrices are m x m")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--sim-runs", type=int, default=1, help="the simulator's runs (it takes seconds each)")
    default_sim = "/work/venvs/numba/bin/python"
    p.add_argument("--sim-python", default=default_sim if os.path.exists(default_sim) else sys.executable)
    p.add_argument("--no-sim", action="store_true", help="leave the simulator out")
    args = p.parse_args()

    rng = np.random.default_rng(0)
    data = {"x": rng.random(args.n, dtype=np.float32),
            "a": rng.random((args.m, args.m), dtype=np.float32),
            "b": rng.random((args.m, args.m), dtype=np.float32)}
    reference = {"reduction": best(lambda: np.float32(data["x"].sum(dtype=np.float64)), args.runs),
                 "matmul": best(lambda: data["a"] @ data["b"], args.runs)}

    import ptxforge

    start = time.perf_counter()
    run_kernels(data, 1)  # the warm-up: compiles both kernels
    compile_s = time.perf_counter() - start
    ours = run_kernels(data, args.runs)
    print(f"ptxforge {ptxforge.__version__}, {ptxforge._core.cpu_workers()} CPU workers, "
          f"{os.cpu_count()} cores; first run (compiling both kernels) {compile_s * 1e3:.0f} ms", flush=True)
    if not args.no_sim:
        print(f"the simulator ({args.sim_python}) runs now: seconds to minutes", flush=True)
    sim = None
    if not args.no_sim:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "data.npz")
            np.savez(path, **data)
            sim = simulator(args.sim_python, path, args.sim_runs)

    for name in ("reduction", "matmul"):
        check(name, "the CPU target", ours[name][1], reference[name][1])
        if sim:
            check(name, "the simulator", sim[name][1], reference[name][1])

    print(f"reduction: n = {args.n}; matmul: {args.m} x {args.m}; milliseconds, best of {args.runs} runs "
          f"({args.sim_runs} for the simulator)")
    print(f"{'kernel':<10} {'cpu target':>11} {'simulator':>11} {'numpy':>9} {'sim / cpu':>10} {'cpu / numpy':>12}")
    for name in ("reduction", "matmul"):
        cpu_s, np_s = ours[name][0], reference[name][0]
        sim_s = sim[name][0] if sim else float("nan")
        print(f"{name:<10} {cpu_s * 1e3:>11.3f} {sim_s * 1e3:>11.1f} {np_s * 1e3:>9.3f} "
              f"{sim_s / cpu_s:>9.0f}x {cpu_s / np_s:>11.1f}x")


if __name__ == "__main__":
    main()
