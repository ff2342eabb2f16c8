"""Cold compile time of every kernel in examples/, each in a fresh process.

    python3 bench/compile_examples.py [--runs N] [--baseline PYTHONPATH] [--ptx-dir DIR] [EXAMPLE.py ...]

A child process imports numpy and ptxforge, imports the example (its
decorator parses and type-checks the kernels, as `ptxforge compile` does),
and then times the compilation of one kernel for sm_90, with the process's
one-time costs inside the figure since a fresh process pays them. The disk
cache is off in the child. Two figures per kernel:

- to PTX: ptxforge's own compiler (typing, lowering, O3, PTX emission),
  the wall time of the compile less the assembler's part;
- to cubin: the whole compile, NVIDIA's assembler included (a ptxas
  process, or nvJitLink, as the compiler chooses).

Each is the median over N fresh processes. With --baseline, another build of
the package (its staged python/ folder) is measured the same way, its runs
interleaved with these so that both see the same machine load, and the PTX
of both is compared. With --ptx-dir each kernel's PTX is written there.
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

CHILD = r"""
import json, os, runpy, sys, time
import numpy
import ptxforge
from ptxforge.dispatcher import Dispatcher
path, name, index = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
scope = runpy.run_path(path, run_name="__ptxforge_compile__")
d = scope[name]
types = d.signatures[index]
t = time.perf_counter()
artifacts = d._compile(types, (9, 0), "cubin").artifacts
ms = (time.perf_counter() - t) * 1e3
print(json.dumps({"ms": ms, "ptx_ms": ms - artifacts.timings["cubin"], "ptx": artifacts.ptx,
                  "assembler": artifacts.assembler}))
"""

LIST = r"""
import json, os, runpy, sys
from ptxforge.dispatcher import Dispatcher
path = sys.argv[1]
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
scope = runpy.run_path(path, run_name="__ptxforge_compile__")
print(json.dumps([[n, len(d.signatures)] for n, d in scope.items() if isinstance(d, Dispatcher)]))
"""


def run(code, args, pythonpath=None):
    env = dict(os.environ, PTXFORGE_CACHE="0", OPENBLAS_NUM_THREADS="1")
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env)
    if proc.returncode:
        raise RuntimeError(f"child failed for {args}: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", help="PYTHONPATH of another build to compare with")
    parser.add_argument("--ptx-dir", help="write each kernel's PTX here")
    parser.add_argument("examples", nargs="*")
    args = parser.parse_args()
    files = args.examples or sorted(glob.glob(os.path.join(ROOT, "examples", "*.py")))
    builds = [("now", None)] + ([("base", args.baseline)] if args.baseline else [])
    print(f"cold compile for sm_90 in a fresh process, median of {args.runs} (ms); to PTX: ptxforge's compiler; "
          "to cubin: with the assembler")
    head = f"{'example':20} {'kernel':22}"
    if args.baseline:
        head += f" {'to PTX before':>13} {'after':>6} {'to cubin before':>15} {'after':>6}  PTX"
    else:
        head += f" {'to PTX':>7} {'to cubin':>9} {'PTX bytes':>10}"
    print(head)
    worst = {name: 0.0 for name, _ in builds}
    assemblers = set()
    for path in files:
        example = os.path.basename(path)
        for name, count in run(LIST, [path]):
            for index in range(count):
                results = {b: [] for b, _ in builds}
                for _ in range(args.runs):  # interleaved, so that both builds meet the same load
                    for b, pythonpath in builds:
                        results[b].append(run(CHILD, [path, name, str(index)], pythonpath))
                med = {b: (statistics.median(r["ptx_ms"] for r in rs), statistics.median(r["ms"] for r in rs))
                       for b, rs in results.items()}
                for b in worst:
                    worst[b] = max(worst[b], med[b][0])
                assemblers.update(r["assembler"] for r in results["now"])
                ptx = results["now"][0]["ptx"]
                line = f"{example:20} {name:22}"
                if args.baseline:
                    same = "same" if ptx == results["base"][0]["ptx"] else "differs"
                    line += (f" {med['base'][0]:13.1f} {med['now'][0]:6.1f} {med['base'][1]:15.1f} "
                             f"{med['now'][1]:6.1f}  {same}")
                else:
                    line += f" {med['now'][0]:7.1f} {med['now'][1]:9.1f} {len(ptx):10d}"
                print(line, flush=True)
                if args.ptx_dir:
                    os.makedirs(args.ptx_dir, exist_ok=True)
                    with open(os.path.join(args.ptx_dir, f"{name}_{index}.ptx"), "w") as f:
                        f.write(ptx)
    print(f"slowest to PTX: {worst['now']:.1f} ms" + (f" (before: {worst['base']:.1f} ms)" if args.baseline else "")
          + f"; assembler: {', '.join(sorted(assemblers))}")


if __name__ == "__main__":
    main()
