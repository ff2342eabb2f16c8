"""Cold compile time of every kernel in examples/, each in a fresh process.

    python3 bench/compile_examples.py [--runs N] [--ptx-dir DIR] [EXAMPLE.py ...]

A child process imports numpy and ptxforge, imports the example (its
decorator parses and type-checks the kernels, as `ptxforge compile` does),
and then times the compilation of one kernel to a cubin: typing, lowering,
O3, PTX and the assembler, with the process's one-time costs (opening
nvJitLink, reading libdevice, LLVM's target) inside the figure, since a
fresh process pays them. The disk cache is off in the child. Each figure is
the median over N fresh processes (and the fastest, since this machine is
shared); the stage columns are the median run's. With --ptx-dir the PTX of
each kernel is written there, to compare the generated code before and after
a change (diff -r).
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
print(json.dumps({"ms": ms, "stages": artifacts.timings, "ptx": artifacts.ptx,
                  "assembler": artifacts.assembler, "signature": artifacts.signature}))
"""

LIST = r"""
import json, os, runpy, sys
from ptxforge.dispatcher import Dispatcher
path = sys.argv[1]
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
scope = runpy.run_path(path, run_name="__ptxforge_compile__")
print(json.dumps([[n, len(d.signatures)] for n, d in scope.items() if isinstance(d, Dispatcher)]))
"""


def child_env():
    env = dict(os.environ, PTXFORGE_CACHE="0")
    return env


def run(code, *args):
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=child_env())
    if proc.returncode:
        raise RuntimeError(f"child failed for {args}: {proc.stderr.strip().splitlines()[-1:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ptx-dir", help="write each kernel's PTX here")
    parser.add_argument("examples", nargs="*")
    args = parser.parse_args()
    files = args.examples or sorted(glob.glob(os.path.join(ROOT, "examples", "*.py")))
    stages = ["typing", "lowering", "optimizing", "ptx", "cubin"]
    print(f"cold compile to cubin, fresh process each, median of {args.runs} (ms)")
    print(f"{'example':20} {'kernel':22} {'median':>7} {'fastest':>7}  "
          + " ".join(f"{s[:6]:>6}" for s in stages) + f" {'PTX B':>7}")
    worst = {}
    for path in files:
        example = os.path.basename(path)
        for name, count in run(LIST, path):
            for index in range(count):
                results = [run(CHILD, path, name, str(index)) for _ in range(args.runs)]
                results.sort(key=lambda r: r["ms"])
                mid = results[len(results) // 2]
                med = statistics.median(r["ms"] for r in results)
                worst[example] = max(worst.get(example, 0.0), med)
                print(f"{example:20} {name:22} {med:7.1f} {results[0]['ms']:7.1f}  "
                      + " ".join(f"{mid['stages'][s]:6.1f}" for s in stages) + f" {len(mid['ptx']):7d}")
                if args.ptx_dir:
                    os.makedirs(args.ptx_dir, exist_ok=True)
                    with open(os.path.join(args.ptx_dir, f"{name}_{index}.ptx"), "w") as f:
                        f.write(mid["ptx"])
    slowest = max(worst, key=worst.get)
    print(f"slowest kernel: {worst[slowest]:.1f} ms ({slowest}); assembler {mid['assembler']}")


if __name__ == "__main__":
    main()
