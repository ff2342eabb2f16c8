"""Compile time of kernels at the edges of size, the cases that once grew as n**2 or n**3.

    python3 bench/compile_edges.py

No GPU needed. Prints, per case and size, the compile_ptx time and the stage
that took longest. Issue 10's fuzz run found a 2000-element tuple literal
(26 s then) and a Tuple(1000 x float64) parameter (45 s, n**3): LLVM's IPSCCP
on tuples built as one LLVM value. They are now built in memory element by
element; tuples passed through device functions still are single values.
"""

import importlib.util
import os
import sys
import tempfile
import time

import ptxforge as pf


def load(source):
    path = os.path.join(tempfile.mkdtemp(prefix="pf-edges-"), "edges.py")
    with open(path, "w") as f:
        f.write("import ptxforge as pf\n\n@pf.jit(device=True)\ndef first(t):\n    return t[0] + t[-1]\n\n"
                + source)
    spec = importlib.util.spec_from_file_location("edges", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def tuple_sig(n):
    return f"void(float64[::1], Tuple({', '.join(['float64'] * n)}))"


CASES = [
    ("tuple parameter, t[0] + t[-1]", "def k(x, t):\n    x[0] = t[0] + t[-1]\n", tuple_sig, (100, 250, 540)),
    ("tuple parameter, for v in t", "def k(x, t):\n    s = 0.0\n    for v in t:\n        s += v\n    x[0] = s\n",
     tuple_sig, (100, 250, 540)),
    ("tuple literal of array elements", "def k(x):\n    t = (ELTS,)\n    x[0] = t[3] + t[-1]\n",
     lambda n: "void(float64[::1])", (500, 1000, 2000)),
    ("tuple literal through a device function", "def k(x):\n    t = (ELTS,)\n    x[0] = first(t)\n",
     lambda n: "void(float64[::1])", (100, 250)),
    ("chain of 'and'", "def k(x):\n    x[0] = CHAIN\n", lambda n: "void(float64[::1])", (250, 1000, 4000)),
]


def main():
    print(f"{'case':42} {'n':>6} {'ms':>9}  slowest stage")
    for name, template, sig, sizes in CASES:
        for n in sizes:
            src = template.replace("ELTS", ", ".join(f"x[{i}]" for i in range(n)))
            src = src.replace("CHAIN", " and ".join(f"x[{i % 9}] > {i}" for i in range(n)))
            k = load(src).k
            d = pf.kernel(k)
            start = time.perf_counter()
            artifacts = d._compile(d._types_of_signature(sig(n)), (9, 0), "ptx").artifacts
            ms = (time.perf_counter() - start) * 1e3
            stage, stage_ms = max(artifacts.timings.items(), key=lambda kv: kv[1])
            print(f"{name:42} {n:>6} {ms:>9.1f}  {stage} {stage_ms:.0f} ms", flush=True)


if __name__ == "__main__":
    sys.exit(main())
