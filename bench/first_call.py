"""The cold first call: a fresh process importing, compiling, loading and launching saxpy.

    python3 bench/first_call.py [--runs N]

Each figure is the median over N fresh processes of the wall time from just
before the import to the end of the first launch's synchronisation, with
numpy arrays of 2^20 float32 (copied in and out by each library). The floor
is the CUDA driver's own start-up in a fresh process (cuInit and the primary
context, through ctypes). Needs a GPU; numba-cuda is measured when installed.
"""

import argparse
import statistics

from _child import last_float, run_python

CHILDREN = {
    "driver floor (cuInit + primary context)": """
        import time
        t0 = time.perf_counter()
        import ctypes
        cu = ctypes.CDLL("libcuda.so.1")
        assert cu.cuInit(0) == 0
        dev, ctx = ctypes.c_int(), ctypes.c_void_p()
        assert cu.cuDeviceGet(ctypes.byref(dev), 0) == 0
        assert cu.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev) == 0
        assert cu.cuCtxSetCurrent(ctx) == 0
        assert cu.cuCtxSynchronize() == 0
        print((time.perf_counter() - t0) * 1e3)
        """,
    "ptxforge": """
        import time
        t0 = time.perf_counter()
        import numpy as np
        import ptxforge as pf

        @pf.kernel
        def saxpy(a, x, y, out):
            i = pf.grid(1)
            if i < x.size:
                out[i] = a * x[i] + y[i]

        n = 1 << 20
        x = np.ones(n, np.float32); y = np.ones(n, np.float32); out = np.empty(n, np.float32)
        saxpy[n // 256, 256](np.float32(2.0), x, y, out)
        t1 = time.perf_counter()
        assert out[0] == 3.0 and out[-1] == 3.0
        print((t1 - t0) * 1e3)
        """,
    "numba-cuda": """
        import time
        t0 = time.perf_counter()
        import numpy as np
        if not hasattr(np, "row_stack"):
            np.row_stack = np.vstack
        from numba import cuda

        @cuda.jit
        def saxpy(a, x, y, out):
            i = cuda.grid(1)
            if i < x.size:
                out[i] = a * x[i] + y[i]

        n = 1 << 20
        x = np.ones(n, np.float32); y = np.ones(n, np.float32); out = np.empty(n, np.float32)
        saxpy[n // 256, 256](np.float32(2.0), x, y, out)
        t1 = time.perf_counter()
        assert out[0] == 3.0 and out[-1] == 3.0
        print((t1 - t0) * 1e3)
        """,
}


PHASES = """
    import time
    t0 = time.perf_counter()
    import numpy as np
    t1 = time.perf_counter()
    import ptxforge as pf
    t2 = time.perf_counter()

    @pf.kernel
    def saxpy(a, x, y, out):
        i = pf.grid(1)
        if i < x.size:
            out[i] = a * x[i] + y[i]

    n = 1 << 20
    x = np.ones(n, np.float32); y = np.ones(n, np.float32); out = np.empty(n, np.float32)
    t3 = time.perf_counter()
    saxpy[n // 256, 256](np.float32(2.0), x, y, out)
    t4 = time.perf_counter()
    saxpy[n // 256, 256](np.float32(2.0), x, y, out)
    t5 = time.perf_counter()
    (artifacts,) = [c.artifacts for c in saxpy._overloads.values()]
    stages = ", ".join(f"{k} {v:.1f}" for k, v in artifacts.timings.items())
    print(f"import numpy {1e3 * (t1 - t0):.1f}; import ptxforge {1e3 * (t2 - t1):.1f}; "
          f"first launch + copies + sync {1e3 * (t4 - t3):.1f} (compile stages, ms: {stages}; "
          f"assembler {artifacts.assembler}); second launch + copies + sync {1e3 * (t5 - t4):.1f}")
    print(0)
    """


def run_child(code):
    return last_float(run_python(code))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'fresh process: import + compile + load + launch + sync':58} {'median ms':>10} {'min':>8} {'max':>8}")
    for name, code in CHILDREN.items():
        times, why = [], ""
        for _ in range(args.runs):
            t, why = run_child(code)
            if t is None:
                break
            times.append(t)
        if not times:
            print(f"{name:58} {'-':>10}   ({why})")
            continue
        print(f"{name:58} {statistics.median(times):10.1f} {min(times):8.1f} {max(times):8.1f}")
    out = run_python(PHASES)
    lines = out.stdout.strip().splitlines()
    print("ptxforge phases (ms):", lines[0] if out.returncode == 0 and lines else out.stderr.strip()[-300:])


if __name__ == "__main__":
    main()
