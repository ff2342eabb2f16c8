"""Compile speed, import time and library size, side by side with numba-cuda where installed.

    python3 bench/compile_and_import.py [--repeat N]

Prints one table. Figures: warm compile_ptx of saxpy (median of N after a
warm-up), the first compile_ptx in a fresh process, `import ptxforge` in a
fresh process (median of N), a kernel read from the disk cache (in a warm
process, and the first one in a fresh process: the key, reading and checking
the entry), the stripped size of libptxforge.so; and the same for numba-cuda
when it can be imported.
"""

import argparse
import os
import statistics

from _child import last_float, run_python
import time

SAXPY_SIG = "void(float32, float32[::1], float32[::1], float32[::1])"


def fresh(code):
    """The float that `code`, run in a fresh interpreter, prints last."""
    value, why = last_float(run_python(code))
    if value is None:
        raise RuntimeError(f"benchmark child failed: {why}")
    return value


def median_ms(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def ptxforge_figures(repeat):
    import ptxforge as pf

    def saxpy(a, x, y, out):
        i = pf.grid(1)
        if i < x.size:
            out[i] = a * x[i] + y[i]

    rows = {}
    rows["compile_ptx saxpy, warm (ms)"] = median_ms(lambda: pf.compile_ptx(saxpy, SAXPY_SIG), repeat)
    rows["compile_ptx saxpy, first in process (ms)"] = statistics.median(fresh(f"""
        import time, ptxforge as pf
        def saxpy(a, x, y, out):
            i = pf.grid(1)
            if i < x.size:
                out[i] = a * x[i] + y[i]
        t = time.perf_counter()
        pf.compile_ptx(saxpy, "{SAXPY_SIG}")
        print((time.perf_counter() - t) * 1e3)
        """) for _ in range(3))
    rows["import (ms)"] = statistics.median(fresh("""
        import time
        t = time.perf_counter()
        import ptxforge
        print((time.perf_counter() - t) * 1e3)
        """) for _ in range(repeat))
    rows.update(cache_figures(repeat))
    lib = os.path.join(os.path.dirname(pf.__file__), "libptxforge.so")
    rows["libptxforge.so size (MB)"] = os.path.getsize(lib) / 1e6
    return rows


def cache_figures(repeat):
    """A kernel object's first compile answered by the disk cache, warm process and fresh."""
    import tempfile

    import ptxforge as pf

    def saxpy(a, x, y, out):
        i = pf.grid(1)
        if i < x.size:
            out[i] = a * x[i] + y[i]

    rows = {}
    with tempfile.TemporaryDirectory() as cache:
        saved = os.environ.get("PTXFORGE_CACHE_DIR")
        os.environ["PTXFORGE_CACHE_DIR"] = cache
        try:
            pf.kernel(saxpy).compile(SAXPY_SIG)  # fills the cache
            rows["disk cache load, warm process (ms)"] = median_ms(lambda: pf.kernel(saxpy).compile(SAXPY_SIG),
                                                                   repeat)
            rows["disk cache load, first in process (ms)"] = statistics.median(fresh(f"""
                import time, ptxforge as pf
                @pf.kernel
                def saxpy(a, x, y, out):
                    i = pf.grid(1)
                    if i < x.size:
                        out[i] = a * x[i] + y[i]
                saxpy._function_ast()  # the source is read and parsed once per function either way
                t = time.perf_counter()
                saxpy.compile("{SAXPY_SIG}")
                print((time.perf_counter() - t) * 1e3)
                assert pf.cache.stats()["hits"] == 1
                """) for _ in range(3))
        finally:
            if saved is None:
                os.environ.pop("PTXFORGE_CACHE_DIR")
            else:
                os.environ["PTXFORGE_CACHE_DIR"] = saved
    return rows


NUMBA_PRELUDE = """
import numpy as np
if not hasattr(np, "row_stack"):
    np.row_stack = np.vstack  # numba 0.68 with numpy 2.5
"""


def numba_figures(repeat):
    try:
        exec(NUMBA_PRELUDE, {})
        import numpy as np

        if not hasattr(np, "row_stack"):
            np.row_stack = np.vstack
        from numba import cuda
    except Exception as exc:  # not installed here
        return None, f"numba-cuda not importable: {type(exc).__name__}: {exc}"

    def saxpy(a, x, y, out):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = a * x[i] + y[i]

    rows = {}
    rows["compile_ptx saxpy, warm (ms)"] = median_ms(lambda: cuda.compile_ptx(saxpy, SAXPY_SIG, cc=(9, 0)),
                                                     max(3, repeat // 5))
    rows["compile_ptx saxpy, first in process (ms)"] = fresh(NUMBA_PRELUDE + f"""
import time
from numba import cuda
def saxpy(a, x, y, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]
t = time.perf_counter()
cuda.compile_ptx(saxpy, "{SAXPY_SIG}", cc=(9, 0))
print((time.perf_counter() - t) * 1e3)
""")
    rows["import (ms)"] = statistics.median(fresh("""
import time
t = time.perf_counter()
import numpy as np
if not hasattr(np, "row_stack"):
    np.row_stack = np.vstack
from numba import cuda
print((time.perf_counter() - t) * 1e3)
""") for _ in range(5))
    return rows, ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    ours = ptxforge_figures(args.repeat)
    theirs, why = numba_figures(args.repeat)
    print(f"{'figure':44} {'ptxforge':>12} {'numba-cuda':>12}")
    for key, value in ours.items():
        other = theirs.get(key) if theirs else None
        print(f"{key:44} {value:12.2f} {('%12.2f' % other) if other is not None else '%12s' % '-'}")
    if why:
        print(f"({why})")


if __name__ == "__main__":
    main()
