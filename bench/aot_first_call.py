"""The first call in a fresh process: a kernel compiled ahead of time against the JIT.

    python3 bench/aot_first_call.py [--runs N]

saxpy on 2^20 float32 numpy arrays, the same kernel both ways. AOT: `ptxforge
compile --arch <this GPU>` writes saxpy.cubin and saxpy.h once (outside the
timing); each fresh process then imports ptxforge, calls pf.load_module and
launches: no compilation, and LLVM is never initialised (the child checks).
JIT: each fresh process decorates the kernel and launches, compiling on the
way (the driver's start-up runs meanwhile, on another thread). Figures are the
median over N processes of the wall time from before `import numpy` to the
end of the first launch's synchronisation; the floor is the driver's own
cuInit and primary context. Needs a GPU.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

from _child import last_float, run_python

KERNEL = '''
import ptxforge as pf


@pf.kernel("void(float32, float32[::1], float32[::1], float32[::1])")
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]
'''

FLOOR = """
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
"""

AOT = """
    import time
    t0 = time.perf_counter()
    import numpy as np
    import ptxforge as pf
    from ptxforge import _core

    mod = pf.load_module({cubin!r})
    n = 1 << 20
    x = np.ones(n, np.float32); y = np.ones(n, np.float32); out = np.empty(n, np.float32)
    mod.saxpy[n // 256, 256](np.float32(2.0), x, y, out)
    t1 = time.perf_counter()
    assert out[0] == 3.0 and out[-1] == 3.0
    assert not _core.compiler_initialized(), "loading an AOT module initialised LLVM"
    print((t1 - t0) * 1e3)
"""

JIT = """
    import time
    t0 = time.perf_counter()
    import numpy as np
    import ptxforge as pf
    {kernel}
    n = 1 << 20
    x = np.ones(n, np.float32); y = np.ones(n, np.float32); out = np.empty(n, np.float32)
    saxpy[n // 256, 256](np.float32(2.0), x, y, out)
    t1 = time.perf_counter()
    assert out[0] == 3.0 and out[-1] == 3.0
    print((t1 - t0) * 1e3)
"""


def measure(code, runs):
    times, why = [], ""
    for _ in range(runs):
        t, why = last_float(run_python(code))
        if t is None:
            break
        times.append(t)
    return times, why


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pf-aot-bench-") as d:
        src = os.path.join(d, "saxpy_kernel.py")
        with open(src, "w") as f:
            f.write(KERNEL)
        subprocess.run([sys.executable, "-m", "ptxforge", "compile", src, "--emit", "cubin", "-q", "-o", d],
                       check=True)
        children = {
            "driver floor (cuInit + primary context)": FLOOR,
            "AOT: pf.load_module(saxpy.cubin) + first launch": AOT.format(cubin=os.path.join(d, "saxpy.cubin")),
            "JIT: @pf.kernel + compile + first launch": JIT.format(
                kernel=textwrap.indent(KERNEL, "    ").lstrip()),
        }
        print(f"{'fresh process, first call of saxpy (2^20 float32)':52} {'median ms':>10} {'min':>8} {'max':>8}")
        medians = {}
        for name, code in children.items():
            times, why = measure(code, args.runs)
            if not times:
                print(f"{name:52} {'-':>10}   ({why})")
                continue
            medians[name] = statistics.median(times)
            print(f"{name:52} {medians[name]:10.1f} {min(times):8.1f} {max(times):8.1f}")
        aot, jit = (medians.get(k) for k in list(children)[1:])
        if aot and jit:
            print(f"AOT saves {jit - aot:.1f} ms of the JIT's first call ({aot / jit:.0%} of it remains)")


if __name__ == "__main__":
    main()
