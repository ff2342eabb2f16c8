"""The process exits cleanly while ptxforge's background work is under way.

The assembler's warm-up thread and the driver's start-up thread may still run
when the interpreter exits; so may a daemon thread in the middle of a compile.
Each script below is run many times in fresh processes: every run must exit
with status 0 and print nothing on stderr (glibc's "double free or corruption"
and "munmap_chunk(): invalid pointer" were the symptoms).
"""

import os
import subprocess
import sys
import textwrap

import pytest

RUNS = 12

KERNEL = """
import ptxforge as pf

@pf.kernel
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]
"""

SCRIPTS = {
    # The report's one-liner: warm-up thread racing the exit.
    "warm_assembler": "import ptxforge as pf; pf._core.warm_assembler()",
    # Without the Python hook, the C++ library's own exit handler must be enough.
    "warm_assembler_no_python_hook": (
        "import atexit, ptxforge as pf\n"
        "atexit.unregister(pf._core.join_background_work)\n"
        "pf._core.warm_assembler()\n"),
    "driver_and_assembler": "import ptxforge as pf; pf._core.start_init(0); pf._core.warm_assembler()",
    # Compile to a cubin, then exit at once.
    "compile_then_exit": KERNEL + (
        "pf._core.warm_assembler()\n"
        "saxpy.get_regs_per_thread('void(float32, float32[::1], float32[::1], float32[::1])')\n"),
    # A launch: on a machine without a GPU it raises CudaSupportError, then the process exits.
    "launch_then_exit": KERNEL + (
        "import numpy as np\n"
        "x = np.ones(64, np.float32)\n"
        "try:\n"
        "    saxpy[1, 64](2.0, x, x, x)\n"
        "except pf.CudaSupportError:\n"
        "    pass\n"),
    # A daemon thread compiling in a loop when the main thread ends.
    "daemon_thread_compiling": KERNEL + (
        "import threading\n"
        "sig = 'void(float32, float32[::1], float32[::1], float32[::1])'\n"
        "def loop():\n"
        "    while True:\n"
        "        pf.compile_ptx(saxpy.py_func, sig, fastmath=True)\n"
        "        pf.compile_ptx(saxpy.py_func, sig)\n"
        "threading.Thread(target=loop, daemon=True).start()\n"
        "import time; time.sleep(0.05)\n"),
}


def _run_many(path, runs):
    env = dict(os.environ)
    procs = [subprocess.Popen([sys.executable, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=env) for _ in range(runs)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        results.append((p.returncode, err))
    return results


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_exit_is_clean(name, tmp_path):
    path = tmp_path / f"{name}.py"  # kernels need a source file
    path.write_text(SCRIPTS[name])
    results = _run_many(path, RUNS)
    bad = [(rc, err) for rc, err in results if rc != 0 or err.strip()]
    assert not bad, (f"{len(bad)} of {RUNS} runs of {name!r} did not exit cleanly; first: "
                     f"exit status {bad[0][0]}, stderr:\n{bad[0][1]}")


def test_calls_after_the_exit_hook_raise(tmp_path):
    """After the exit hook, a late call (a daemon thread's) raises instead of racing the exit."""
    script = textwrap.dedent("""
        import ptxforge as pf
        pf._core.join_background_work()
        def k(x):
            x[0] = 1
        try:
            pf.compile_ptx(k, "void(int32[::1])")
        except RuntimeError as e:
            print(e)
    """)
    path = tmp_path / "late.py"
    path.write_text(script)
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "the interpreter is exiting" in proc.stdout
