"""The kernel benchmark suite: ptxforge beside nvcc, numba-cuda, CuPy and torch.

    python3 bench/kernels.py [--quick] [--only saxpy,copy] [--out DIR]
    python3 bench/kernels.py --plot DIR/kernels.json      # the PNGs, from a run's data

Ten kernels (bench/_suite_kernels.py, written once against the name ``cuda``) run as
  ptxforge     the file with ``cuda`` bound to ptxforge, on ptxforge device arrays;
  numba-cuda   the same file with ``cuda`` bound to numba.cuda, on numba device arrays;
  nvcc         bench/kernels.cu compiled by ``nvcc -O3 -arch=sm_XX`` into
               bench/kernels_main.cu's program, which times itself alike;
  CuPy         bench/kernels.cu through cupy.RawModule (NVRTC);
  torch        torch's own operation where there is one.
Three figures per implementation (milliseconds):
  device       CUDA events around 20 back-to-back launches, median of 7 batches, per launch;
  call         one launch and a synchronisation, host wall clock, median of 20;
  transfer     host (numpy) inputs in, one launch, outputs back, median of 5: for ptxforge
               and numba-cuda the numpy arrays are passed to the kernel, which copies them.
Every ptxforge result is checked against numpy in the same run (the run fails otherwise);
the others are checked too and marked. The table goes to stdout and DIR/kernels.md, the
data to DIR/kernels.json and, where matplotlib imports, plots to DIR/kernels_*.png.
DIR is $OUT/kernels when $OUT is set (tools/gpu-check), else build/bench. Needs a GPU;
--quick runs smaller sizes. The full run takes about two minutes on an H100.
"""

import argparse
import datetime
import gc
import importlib.util
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMPLS = ["ptxforge", "numba-cuda", "nvcc", "CuPy", "torch"]
BATCHES, PER_BATCH, CALLS, TRANSFERS = 7, 20, 20, 5
REDUCE_GRID = 1024  # blocks of the grid-stride kernels (256 threads each)
RATE, VOL, SOFT2 = 0.02, 0.3, 0.01

# name: (full size, quick size, what the size is, work per launch (size) -> (amount, unit))
KERNELS = {
    "saxpy": (1 << 27, 1 << 25, "n", lambda n: (12 * n, "GB/s")),
    "copy": (1 << 27, 1 << 25, "n", lambda n: (8 * n, "GB/s")),
    "tree_sum": (1 << 27, 1 << 25, "n", lambda n: (4 * n, "GB/s")),
    "warp_sum": (1 << 27, 1 << 25, "n", lambda n: (4 * n, "GB/s")),
    "matmul": (4096, 2048, "n x n", lambda n: (2 * n**3, "GFLOP/s")),
    "stencil": (8192, 4096, "n x n", lambda n: (8 * n * n, "GB/s")),
    "histogram": (1 << 28, 1 << 26, "bytes", lambda n: (n, "GB/s")),
    "softmax": (32768, 8192, "rows x 1024", lambda n: (8 * n * 1024, "GB/s")),
    "black_scholes": (1 << 24, 1 << 22, "options", lambda n: (20 * n, "GB/s")),
    "nbody": (32768, 16384, "bodies", lambda n: (20 * n * n, "GFLOP/s")),
}


def median(values):
    return statistics.median(values)


# -- the kernels' data, launches and numpy references ------------------------------------


def arg_shapes(name, n):
    """([(shape, dtype)] of the inputs, [(shape, dtype)] of the outputs), in argument order."""
    f32 = np.float32
    vec, sq = ((n,), f32), ((n, n), f32)
    return {
        "saxpy": ([vec, vec], [vec]),
        "copy": ([vec], [vec]),
        "tree_sum": ([vec], [((1,), f32)]),
        "warp_sum": ([vec], [((1,), f32)]),
        "matmul": ([sq, sq], [sq]),
        "stencil": ([sq], [sq]),
        "histogram": ([((n,), np.uint8)], [((256,), np.uint32)]),
        "softmax": ([((n, 1024), f32)], [((n, 1024), f32)]),
        "black_scholes": ([vec, vec, vec], [vec, vec]),
        "nbody": ([((4, n), f32)], [((3, n), f32)]),
    }[name]


def make_inputs(name, n, rng):
    """(inputs, outputs) as numpy arrays, in the kernel's argument order (scalars apart)."""
    f32 = np.float32
    ins, outs = arg_shapes(name, n)
    outputs = [np.zeros(shape, dtype) for shape, dtype in outs]
    if name == "matmul":
        return [rng.random(shape, f32) - f32(0.5) for shape, _ in ins], outputs
    if name == "histogram":
        return [rng.integers(0, 256, n, dtype=np.uint8)], outputs
    if name == "softmax":
        return [rng.standard_normal(ins[0][0], f32)], outputs
    if name == "black_scholes":
        return [f32(5) + f32(25) * rng.random(n, f32), f32(1) + f32(99) * rng.random(n, f32),
                f32(0.25) + f32(9.75) * rng.random(n, f32)], outputs
    if name == "nbody":
        pos = rng.random((4, n), f32)
        pos[3] = f32(1) / n
        return [pos], outputs
    return [rng.random(shape, f32) for shape, _ in ins], outputs


def launch_config(name, n):
    """(grid, block) of every implementation's launch."""
    if name in ("tree_sum", "warp_sum", "histogram"):
        return (REDUCE_GRID,), (256,)
    if name == "matmul":
        return (n // 16, n // 16), (16, 16)
    if name == "stencil":
        return ((n + 31) // 32, (n + 7) // 8), (32, 8)
    if name == "softmax":
        return (n,), (256,)
    return ((n + 255) // 256,), (256,)


def scalars_before(name):
    return [2.5] if name == "saxpy" else []


def scalars_after(name):
    return [RATE, VOL] if name == "black_scholes" else [SOFT2] if name == "nbody" else []


def reference(name, inputs, sample):
    """numpy's outputs (float64 arithmetic), or for nbody the rows `sample`."""
    x = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in inputs]
    if name == "saxpy":
        return [2.5 * x[0] + x[1]]
    if name == "copy":
        return [inputs[0]]
    if name in ("tree_sum", "warp_sum"):
        return [np.array([x[0].sum()])]
    if name == "matmul":
        return [x[0] @ x[1]]
    if name == "stencil":
        a, out = x[0], np.zeros_like(x[0])
        c = a[1:-1, 1:-1]
        out[1:-1, 1:-1] = c + 0.2 * (a[:-2, 1:-1] + a[2:, 1:-1] + a[1:-1, :-2] + a[1:-1, 2:] - 4 * c)
        return [out]
    if name == "histogram":
        return [np.bincount(inputs[0], minlength=256)]
    if name == "softmax":
        e = np.exp(x[0] - x[0].max(axis=1, keepdims=True))
        return [e / e.sum(axis=1, keepdims=True)]
    if name == "black_scholes":
        from math import erf

        s, k, t = x
        d1 = (np.log(s / k) + (RATE + 0.5 * VOL * VOL) * t) / (VOL * np.sqrt(t))
        d2 = d1 - VOL * np.sqrt(t)
        cnd = np.vectorize(lambda d: 0.5 * (1 + erf(d / math.sqrt(2))))
        disc = np.exp(-RATE * t)
        idx = sample
        return [s[idx] * cnd(d1[idx]) - k[idx] * disc[idx] * cnd(d2[idx]),
                k[idx] * disc[idx] * cnd(-d2[idx]) - s[idx] * cnd(-d1[idx])]
    if name == "nbody":
        pos = x[0]
        d = pos[:3, None, :] - pos[:3, sample, None]  # (3, samples, n)
        r2 = (d * d).sum(axis=0) + SOFT2
        return [(pos[3][None, :] * r2**-1.5 * d).sum(axis=2)]
    raise KeyError(name)


TOLERANCE = {"tree_sum": 1e-3, "warp_sum": 1e-3, "matmul": 1e-3, "softmax": 1e-4, "black_scholes": 1e-3,
             "nbody": 1e-3}


def check(name, got, want, sample):
    """None when `got` agrees with numpy's `want`, else a description."""
    if name in ("black_scholes",):
        got = [g[sample] for g in got]
    if name == "nbody":
        got = [got[0][:, sample]]
    for k, (g, w) in enumerate(zip(got, want)):
        g = np.asarray(g, dtype=np.float64)
        w = np.asarray(w, dtype=np.float64)
        if name == "histogram" or name == "copy":
            ok = np.array_equal(g, w)
        else:
            rtol = TOLERANCE.get(name, 1e-5)
            ok = np.allclose(g, w, rtol=rtol, atol=rtol * max(1.0, float(np.abs(w).max())) * 1e-2)
        if not ok:
            worst = float(np.max(np.abs(g - w)))
            return f"output {k} differs from numpy (largest difference {worst:.3g})"
    return None


# -- implementations ------------------------------------------------------------------------


def load_suite(module):
    """bench/_suite_kernels.py with ``cuda`` bound to `module`."""
    name = f"suite_{module.__name__.replace('.', '_')}"
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, "_suite_kernels.py"))
    suite = importlib.util.module_from_spec(spec)
    suite.cuda = module
    sys.modules[name] = suite
    spec.loader.exec_module(suite)
    return suite


class Timer:
    """Events on the legacy default stream, where every implementation here launches."""

    def __init__(self, pf):
        self.pf = pf
        self.start, self.stop = pf.event(), pf.event()

    def device(self, launch):
        launch()
        self.pf.synchronize()
        batches = []
        for _ in range(BATCHES):
            self.start.record()
            for _ in range(PER_BATCH):
                launch()
            self.stop.record()
            self.stop.synchronize()
            batches.append(self.pf.event_elapsed_time(self.start, self.stop) / PER_BATCH)
        return median(batches)

    def call(self, launch, sync):
        times = []
        for _ in range(CALLS):
            t0 = time.perf_counter()
            launch()
            sync()
            times.append((time.perf_counter() - t0) * 1e3)
        return median(times)

    @staticmethod
    def transfer(run):
        times = []
        for _ in range(TRANSFERS):
            t0 = time.perf_counter()
            run()
            times.append((time.perf_counter() - t0) * 1e3)
        return median(times)


def run_dsl(impl, suite, to_device, sync, name, n, inputs, outputs, timer):
    """ptxforge or numba-cuda: the same kernel source, its own device arrays."""
    kernel = getattr(suite, name)
    grid, block = launch_config(name, n)
    d_in = [to_device(a) for a in inputs]
    d_out = [to_device(a) for a in outputs]
    args = scalars_before(name) + d_in + d_out + scalars_after(name)
    config = kernel[grid, block]
    zero = name in ("tree_sum", "warp_sum", "histogram")  # accumulating outputs start from zero

    def launch():
        config(*args)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's performance warnings
        device = timer.device(launch)
        call = timer.call(launch, sync)
        for d, a in zip(d_out, outputs):
            d.copy_to_device(a)  # a clean run for the check
        launch()
        sync()
        result = [d.copy_to_host() for d in d_out]
        host_out = [a.copy() for a in outputs]

        def transfer():
            if zero:
                for a in host_out:
                    a[...] = 0
            config(*(scalars_before(name) + inputs + host_out + scalars_after(name)))
            sync()

        moved = timer.transfer(transfer)
    return {"device_ms": device, "call_ms": call, "transfer_ms": moved}, result


def run_cupy(cp, module, name, n, inputs, outputs, timer):
    function = module.get_function(name)
    grid, block = launch_config(name, n)
    d_in = [cp.asarray(a) for a in inputs]
    d_out = [cp.asarray(a) for a in outputs]
    f32, i32 = np.float32, np.int32
    sizes = {"matmul": [i32(n)], "stencil": [i32(n), i32(n)], "softmax": [i32(1024)]}
    tail = sizes.get(name, [i32(inputs[0].size)])
    if name == "nbody":
        tail = [f32(SOFT2), i32(n)]
    if name == "black_scholes":
        tail = [f32(RATE), f32(VOL), i32(n)]
    head = [f32(2.5)] if name == "saxpy" else []

    def launch(d_in=d_in, d_out=d_out):
        function(grid, block, tuple(head + d_in + d_out + tail))

    device = timer.device(launch)
    call = timer.call(launch, cp.cuda.runtime.deviceSynchronize)
    for d in d_out:
        d.fill(0)
    launch()
    result = [cp.asnumpy(d) for d in d_out]

    def transfer():
        ins = [cp.asarray(a) for a in inputs]
        outs = [cp.zeros(a.shape, a.dtype) for a in outputs]
        launch(ins, outs)
        [cp.asnumpy(o) for o in outs]

    moved = timer.transfer(transfer)
    return {"device_ms": device, "call_ms": call, "transfer_ms": moved}, result


def torch_op(torch, name):
    """torch's own operation for the kernel, (device inputs, device outputs) -> the result, or None."""
    if name == "saxpy":
        return lambda i, o: torch.add(i[1], i[0], alpha=2.5, out=o[0])
    if name == "copy":
        return lambda i, o: o[0].copy_(i[0])
    if name in ("tree_sum", "warp_sum"):
        return lambda i, o: torch.sum(i[0], dim=0, keepdim=True, out=o[0])
    if name == "matmul":
        return lambda i, o: torch.matmul(i[0], i[1], out=o[0])
    if name == "histogram":
        return lambda i, o: torch.bincount(i[0], minlength=256)
    if name == "softmax":
        return lambda i, o: torch.softmax(i[0], dim=1)
    return None


def run_torch(torch, name, n, inputs, outputs, timer):
    op = torch_op(torch, name)
    if op is None:
        return None, None
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 matmul, as the others
    as_torch = [torch.from_numpy(a if a.dtype != np.uint32 else a.astype(np.int64)) for a in inputs]
    d_in = [t.cuda() for t in as_torch]
    d_out = [torch.from_numpy(a if a.dtype != np.uint32 else a.astype(np.int64)).cuda() for a in outputs]

    def launch():
        return op(d_in, d_out)

    device = timer.device(launch)
    call = timer.call(launch, torch.cuda.synchronize)
    result = [launch().cpu().numpy()]

    def transfer():
        ins = [t.cuda() for t in as_torch]
        outs = [torch.empty_like(t) for t in d_out]
        op(ins, outs)
        [t.cpu() for t in outs]

    moved = timer.transfer(transfer)
    return {"device_ms": device, "call_ms": call, "transfer_ms": moved}, result


def build_nvcc_runner(workdir, cc):
    nvcc = shutil.which("nvcc") or os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "nvcc")
    if not os.access(nvcc, os.X_OK):
        return None, "no nvcc"
    exe = os.path.join(workdir, "kernels_main")
    proc = subprocess.run([nvcc, "-O3", f"-arch=sm_{cc[0]}{cc[1]}", "-o", exe, os.path.join(HERE, "kernels_main.cu")],
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        return None, "nvcc failed: " + proc.stderr[-500:]
    return exe, None


def run_nvcc(exe, plan):
    """{kernel: figures} from one run of the nvcc-built program over the plan."""
    proc = subprocess.run([exe] + [f"{name}:{n}" for name, n in plan], capture_output=True, text=True, timeout=600, check=False)
    figures = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            row = json.loads(line)
            figures[row.pop("kernel")] = row
    if proc.returncode:
        print(f"nvcc program failed ({proc.returncode}): {proc.stderr[-500:]}")
    return figures


# -- the run ----------------------------------------------------------------------------------


def versions(pf, peers):
    out = {"ptxforge": pf.__version__, "python": platform.python_version(), "numpy": np.__version__}
    for label, module in peers.items():
        if module is not None:
            out[label] = getattr(module, "__version__", "?")
    import importlib.metadata as md

    try:
        out["numba-cuda"] = md.version("numba-cuda")
    except md.PackageNotFoundError:
        out["numba-cuda"] = "not installed"
    nvcc = shutil.which("nvcc")
    if nvcc:
        text = subprocess.run([nvcc, "--version"], capture_output=True, text=True, check=False).stdout
        out["nvcc"] = text.strip().splitlines()[-1] if text else "?"
    try:
        out["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                       text=True, check=False).stdout.strip()
    except OSError:
        pass
    return out


def machine():
    try:
        text = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],
                              capture_output=True, text=True, check=False).stdout.strip().splitlines()[0]
        name, driver = [s.strip() for s in text.split(",")]
    except (OSError, IndexError, ValueError):
        name, driver = "?", "?"
    return {"device": name, "driver": driver,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def import_peer(name):
    try:
        if name == "numba":
            if not hasattr(np, "row_stack"):
                np.row_stack = np.vstack  # numba 0.68 still calls it; numpy 2.5 removed it
            from numba import cuda

            return cuda if cuda.is_available() else None
        return __import__(name)
    except (ImportError, OSError, RuntimeError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about a third of the time)")
    parser.add_argument("--only", help="comma-separated kernels")
    parser.add_argument("--out", help="output folder")
    parser.add_argument("--plot", metavar="JSON", help="only draw the plots of a run's kernels.json")
    args = parser.parse_args()
    if args.plot:
        with open(args.plot) as f:
            data = json.load(f)
        print("\n".join(plot(data, os.path.dirname(os.path.abspath(args.plot)))) or "matplotlib is not installed")
        return 0

    import ptxforge as pf

    if not pf.is_available():
        print(f"no GPU: {pf._core.unavailable_reason()}; the kernel suite needs one")
        return 0
    out_dir = args.out or (os.path.join(os.environ["OUT"], "kernels") if os.environ.get("OUT")
                           else os.path.join(ROOT, "build", "bench"))
    os.makedirs(out_dir, exist_ok=True)
    names = args.only.split(",") if args.only else list(KERNELS)
    plan = [(name, KERNELS[name][1 if args.quick else 0]) for name in names]
    started = time.perf_counter()

    numba_cuda, cp, torch = import_peer("numba"), import_peer("cupy"), import_peer("torch")
    if torch is not None and not torch.cuda.is_available():
        torch = None
    cc = pf.get_current_device().compute_capability
    results = {"machine": machine(), "versions": versions(pf, {"cupy": cp, "torch": torch}),
               "command": "python3 bench/kernels.py" + (" --quick" if args.quick else ""), "kernels": {}}

    # nvcc's program runs first, alone on the GPU.
    nvcc_figures, nvcc_note = {}, None
    with tempfile.TemporaryDirectory(prefix="pf-kernels-") as work:
        exe, nvcc_note = build_nvcc_runner(work, cc)
        if exe:
            nvcc_figures = run_nvcc(exe, plan)
    suites = {"ptxforge": load_suite(pf)}
    if numba_cuda is not None:
        suites["numba-cuda"] = load_suite(numba_cuda)
    module = None
    if cp is not None:
        with open(os.path.join(HERE, "kernels.cu")) as f:
            module = cp.RawModule(code=f.read(), options=("-std=c++17",))

    timer = Timer(pf)
    rng = np.random.default_rng(12)
    failures = []
    for name, n in plan:
        inputs, outputs = make_inputs(name, n, rng)
        sample = np.sort(rng.choice(n, size=64 if name == "nbody" else 512, replace=False)) \
            if name in ("nbody", "black_scholes") else None
        want = reference(name, inputs, sample)
        row = {"size": n, "impls": {}}
        if name in nvcc_figures:
            row["impls"]["nvcc"] = dict(nvcc_figures[name], check="not checked")
        for impl in ["ptxforge", "numba-cuda", "CuPy", "torch"]:
            try:
                if impl == "ptxforge":
                    figures, got = run_dsl(impl, suites[impl], pf.to_device, pf.synchronize, name, n, inputs,
                                           outputs, timer)
                elif impl == "numba-cuda" and impl in suites:
                    figures, got = run_dsl(impl, suites[impl], numba_cuda.to_device, numba_cuda.synchronize, name,
                                           n, inputs, outputs, timer)
                elif impl == "CuPy" and module is not None:
                    figures, got = run_cupy(cp, module, name, n, inputs, outputs, timer)
                elif impl == "torch" and torch is not None:
                    figures, got = run_torch(torch, name, n, inputs, outputs, timer)
                else:
                    continue
            except Exception as e:  # a peer failing must not stop the suite
                if impl == "ptxforge":
                    raise
                row["impls"][impl] = {"error": f"{type(e).__name__}: {str(e)[:200]}"}
                continue
            if figures is None:
                continue
            bad = check(name, got, want, sample)
            figures["check"] = bad or "ok"
            if bad and impl == "ptxforge":
                failures.append(f"{name}: {bad}")
            row["impls"][impl] = figures
        if "ptxforge" in suites:
            spec = suites["ptxforge"]
            row["specializations"] = [s for v in getattr(spec, name).launch_specializations.values() for s in v]
        results["kernels"][name] = row
        del inputs, outputs, want
        gc.collect()
        if torch is not None:
            torch.cuda.empty_cache()
        if cp is not None:
            cp.get_default_memory_pool().free_all_blocks()
        print(f"  {name}: done ({time.perf_counter() - started:.0f} s)", flush=True)

    results["seconds"] = round(time.perf_counter() - started, 1)
    if nvcc_note:
        results["nvcc_note"] = nvcc_note
    table = render(results)
    print(table)
    with open(os.path.join(out_dir, "kernels.json"), "w") as f:
        json.dump(results, f, indent=1)
    with open(os.path.join(out_dir, "kernels.md"), "w") as f:
        f.write(table + "\n")
    drawn = plot(results, out_dir)
    print("plots: " + (", ".join(drawn) if drawn else
                       f"matplotlib is not installed; draw them elsewhere with "
                       f"python3 bench/kernels.py --plot {os.path.join(out_dir, 'kernels.json')}"))
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


def render(results):
    """The markdown table of a run."""
    m, v = results["machine"], results["versions"]
    lines = [(f"{m['device']}, driver {m['driver']}, {m['date']}, commit {v.get('commit', '?')}; "
              f"`{results['command']}` ({results.get('seconds', '?')} s)"),
             "versions: " + ", ".join(f"{k} {val}" for k, val in v.items() if k != "commit"), "",
             "| kernel | implementation | device ms | rate | x nvcc | x torch | call ms | with transfers ms | check |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, row in results["kernels"].items():
        _, _, what, work = KERNELS[name]
        amount, unit = work(row["size"])
        impls = row["impls"]
        base = impls.get("nvcc", {}).get("device_ms")
        ref_torch = impls.get("torch", {}).get("device_ms")
        label = f"{name} ({row['size']} {what})"
        for impl in IMPLS:
            f = impls.get(impl)
            if f is None:
                continue
            if "error" in f:
                lines.append(f"| {label} | {impl} | failed: {f['error']} | | | | | | |")
                continue
            d = f["device_ms"]
            rate = f"{amount / (d * 1e-3) / 1e9:,.0f} {unit}"
            x_nvcc = f"{base / d:.2f}" if base else ""
            x_torch = f"{ref_torch / d:.2f}" if ref_torch else ""
            lines.append(f"| {label} | {impl} | {d:.4f} | {rate} | {x_nvcc} | {x_torch} | {f['call_ms']:.3f} | "
                         f"{f['transfer_ms']:.1f} | {f['check']} |")
            label = ""
    lines.append("")
    lines.append("x nvcc, x torch: the other's device time over this one's (above 1: faster). "
                 "ptxforge's launch-time specialisations per kernel:")
    for name, row in results["kernels"].items():
        lines.append(f"- {name}: " + ("; ".join(f"`{s}`" for s in row.get("specializations", [])) or "general"))
    return "\n".join(lines)


def plot(results, out_dir):
    """PNG plots of a run; [] where matplotlib is missing."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    names = list(results["kernels"])
    drawn = []
    fig, ax = plt.subplots(figsize=(12, 4.5))
    width = 0.16
    for k, impl in enumerate(IMPLS):
        speeds = []
        for name in names:
            impls = results["kernels"][name]["impls"]
            base, f = impls.get("nvcc", {}).get("device_ms"), impls.get(impl, {})
            speeds.append(base / f["device_ms"] if base and "device_ms" in f else 0)
        ax.bar([i + (k - 2) * width for i in range(len(names))], speeds, width, label=impl)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_xticks(range(len(names)), names, rotation=20)
    ax.set_ylabel("speed relative to nvcc (device time)")
    ax.set_title(f"{results['machine']['device']}, {results['machine']['date']}")
    ax.legend()
    fig.tight_layout()
    path = os.path.join(out_dir, "kernels_device.png")
    fig.savefig(path, dpi=110)
    drawn.append(path)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, key, title in ((axes[0], "call_ms", "one call, launch included (ms)"),
                           (axes[1], "transfer_ms", "with host transfers (ms)")):
        for k, impl in enumerate(IMPLS):
            vals = [results["kernels"][n]["impls"].get(impl, {}).get(key, 0) for n in names]
            ax.bar([i + (k - 2) * width for i in range(len(names))], vals, width, label=impl)
        ax.set_yscale("log")
        ax.set_xticks(range(len(names)), names, rotation=30, fontsize=8)
        ax.set_title(title)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(out_dir, "kernels_host.png")
    fig.savefig(path, dpi=110)
    drawn.append(path)
    plt.close("all")
    return drawn


if __name__ == "__main__":
    sys.exit(main())
