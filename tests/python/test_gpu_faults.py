"""Faults, bad launches and leaks on the GPU (all gpu-marked; tools/gpu-check runs them).

A fault poisons the process's CUDA context (a sticky error), so each faulting program runs in a
child process of its own and reports back on stdout. What must hold:

- an out-of-bounds write and a trap raise a Python exception that names the kernel; every
  later CUDA call raises too, saying that the context is unusable and to restart the process;
  arrays copied back before the fault are intact, and the faulting launch's numpy array is left
  as it was; the process then exits cleanly (exit 0, no abort);
- a kernel that runs too long: synchronize(timeout=...) raises TimeoutError naming it, and the
  context stays usable (the kernel finishes, its result is right);
- zero-sized grids and blocks, missing arguments and read-only numpy arrays written by a kernel
  are clear exceptions, and the GPU stays usable;
- 10^5 launches leave free device memory where it was.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ptxforge as pf


def run_child(tmp_path, source):
    program = tmp_path / "fault.py"
    program.write_text(textwrap.dedent(source).lstrip("\n"))
    done = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PTXFORGE_CACHE_DIR": str(tmp_path / "cache")})
    report = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return done, report


CHILD_PRELUDE = """
    import numpy as np
    import ptxforge as pf

    @pf.kernel
    def fill(x):
        i = pf.grid(1)
        if i < x.size:
            x[i] = i

    def attempt(tag, f):
        try:
            f()
            print(tag, "no exception", flush=True)
        except Exception as e:
            text = " | ".join([str(e)] + list(getattr(e, "__notes__", ())))
            print(tag, type(e).__name__ + ": " + text.replace("\\n", " | "), flush=True)

    kept = np.zeros(64, np.float32)
    fill[1, 64](kept)                      # copied back before the fault
"""

CHILD_AFTER = """
    print("KEPT", "intact" if (kept == np.arange(64)).all() else "CHANGED", flush=True)
    print("VICTIM", "unchanged" if (victim == 7).all() else "CHANGED", flush=True)
    attempt("AFTER", lambda: fill[1, 64](np.zeros(64, np.float32)))
    attempt("AFTER_SYNC", pf.synchronize)
    print("END done", flush=True)
"""


def check_fault(done, report, kernel, code):
    assert done.returncode == 0, done.stderr[-3000:]  # a poisoned context does not crash the exit
    assert "Aborted" not in done.stderr and "Segmentation" not in done.stderr, done.stderr[-3000:]
    assert report.get("END") == "done", done.stdout
    assert report["KEPT"] == "intact" and report["VICTIM"] == "unchanged", done.stdout
    for tag in ("AFTER", "AFTER_SYNC"):  # every later call: the sticky error, naming the kernel
        line = report[tag]
        assert line.startswith("CudaDriverError: ") and code in line, line
        assert f"raised by kernel '{kernel}'" in line and "context is now unusable: restart the process" in line, line


@pytest.mark.gpu
@pytest.mark.gpu_only("a device fault and the CUDA context it loses")
def test_out_of_bounds_write_names_the_kernel_and_says_the_context_is_lost(tmp_path):
    done, report = run_child(tmp_path, CHILD_PRELUDE + """
    @pf.kernel
    def wild(x):
        x[pf.grid(1) + 2**40] = 1.0        # 4 TiB past the array: an illegal address

    victim = np.full(64, 7, np.float32)
    attempt("FAULT", lambda: wild[1, 32](victim))
    """ + CHILD_AFTER)
    line = report["FAULT"]
    assert line.startswith("CudaDriverError: ") and "CUDA_ERROR_ILLEGAL_ADDRESS" in line, done.stdout
    assert "raised by kernel 'wild'" in line and "restart the process" in line, line
    check_fault(done, report, "wild", "CUDA_ERROR_ILLEGAL_ADDRESS")


@pytest.mark.gpu
@pytest.mark.gpu_only("a device trap and the CUDA context it loses")
def test_trap_names_the_kernel_and_says_the_context_is_lost(tmp_path):
    # The debug mode's index check traps the whole kernel.
    done, report = run_child(tmp_path, CHILD_PRELUDE + """
    @pf.kernel(debug=True)
    def trapping(x):
        i = pf.grid(1)
        x[i + 64] = 1.0

    victim = np.full(64, 7, np.float32)
    attempt("FAULT", lambda: trapping[1, 32](victim))
    """ + CHILD_AFTER)
    line = report["FAULT"]
    assert line.startswith("IndexError: ") and "In function 'trapping'" in line, done.stdout
    assert "index 64 is out of bounds for axis 0 with size 64 in x[i + 64]" in line, line
    assert "CUDA context unusable" in line, line
    check_fault(done, report, "trapping", "CUDA_ERROR_")


SPIN = """
@pf.kernel
def spin(out, cycles):
    start = pf.clock64()
    while pf.clock64() - start < cycles:
        pass
    out[0] = 1
"""


@pytest.mark.gpu
@pytest.mark.gpu_only("the CPU target's launches are synchronous: nothing left to time out")
def test_a_kernel_that_runs_too_long_is_a_timeout_naming_it(make_module):
    spin = make_module("import ptxforge as pf\n" + SPIN).spin
    out = pf.to_device(np.zeros(1, np.int32))
    spin[1, 1](out, 4_000_000_000)  # about 2 s at the H200's clocks
    with pytest.raises(TimeoutError) as info:
        pf.synchronize(timeout=0.2)
    message = str(info.value)
    assert "the device's work did not finish within 0.2 s" in message
    assert "the last kernel launched on device 0 is 'spin'" in message and "cannot be stopped" in message
    pf.synchronize()  # the kernel ends; the context is fine
    assert out.copy_to_host()[0] == 1

    stream = pf.stream()
    out2 = pf.to_device(np.zeros(1, np.int32), stream=stream)
    spin[1, 1, stream](out2, 4_000_000_000)
    with pytest.raises(TimeoutError, match=r"the work on .* did not finish within 0.1 s.*'spin'"):
        stream.synchronize(timeout=0.1)
    stream.synchronize(timeout=60)
    assert out2.copy_to_host(stream=stream)[0] == 1
    with pytest.raises(ValueError, match="timeout must be a number of seconds >= 0"):
        pf.synchronize(timeout=float("nan"))


@pytest.mark.gpu
@pytest.mark.parametrize("config", [(0, 32), (1, 0), ((4, 0), 32), (1, (32, 0))])
def test_zero_sized_grids_and_blocks(config, make_module):
    fill = make_module(CHILD_PRELUDE.split("def attempt")[0]).fill
    for x in (np.zeros(64, np.float32), pf.to_device(np.zeros(64, np.float32))):
        with pytest.raises(ValueError, match="a grid or block dimension is 0"):
            fill[config](x)
    x = np.zeros(64, np.float32)
    fill[1, 64](x)  # the GPU is still usable
    assert (x == np.arange(64)).all()


@pytest.mark.gpu
def test_wrong_argument_count_at_launch(make_module):
    fill = make_module(CHILD_PRELUDE.split("def attempt")[0]).fill
    with pytest.raises(pf.CompileError, match=r"'fill' takes 1 argument\(s\) but 2 were given") as info:
        fill[1, 32](np.zeros(4), np.zeros(4))
    assert info.value.lineno == 5 and info.value.filename.endswith(".py")  # the def line
    with pytest.raises(TypeError, match=r"argument 1 \('x'\) is a list"):
        fill[1, 32]([1.0, 2.0])


@pytest.mark.gpu
def test_read_only_numpy_arrays(make_module):
    mod = make_module("""
        import ptxforge as pf

        @pf.kernel
        def copy(out, x):
            i = pf.grid(1)
            if i < out.size:
                out[i] = x[i]

        @pf.kernel
        def bump(x, out):
            i = pf.grid(1)
            if i < x.size:
                x[i] += 1.0
                out[i] = 5.0
    """)
    x = np.arange(8, dtype=np.float32)
    x.setflags(write=False)
    out = np.zeros(8, np.float32)
    mod.copy[1, 8](out, x)  # read, never written: fine
    assert (out == np.arange(8)).all()
    out = np.zeros(8, np.float32)
    with pytest.raises(ValueError) as info:
        mod.bump[1, 8](x, out)
    assert "kernel 'bump' may write argument 1 ('x'), a read-only numpy array (writeable=False)" in str(info.value)
    assert (x == np.arange(8)).all()  # left as it was
    assert (out == 5.0).all()         # the writable one was copied back


@pytest.mark.gpu
@pytest.mark.gpu_only("the GPU's free device memory")
def test_launches_leave_device_memory_where_it_was(make_module):
    fill = make_module("""
        import ptxforge as pf

        @pf.kernel
        def add_one(x):
            i = pf.grid(1)
            if i < x.size:
                x[i] += 1.0
    """).add_one
    d = pf.to_device(np.zeros(1 << 16, np.float32))
    h = np.zeros(1 << 16, np.float32)
    for _ in range(100):  # warm: module loaded, pools and launch tables filled
        fill[256, 256](d)
        fill[256, 256](h)
    pf.synchronize()
    free_before = pf.current_context().get_memory_info()[0]
    for _ in range(100_000):
        fill[256, 256](d)
    for _ in range(10_000):  # each copies in, allocating and freeing device memory
        fill[256, 256](h)
    pf.synchronize()
    free_after = pf.current_context().get_memory_info()[0]
    assert d.copy_to_host()[0] == 100_100 and h[0] == 10_100
    assert free_before - free_after < 4 << 20, (free_before, free_after)
