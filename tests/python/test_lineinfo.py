"""lineinfo=True: line tables that point at the user's Python file and lines, with
optimisation kept on (numba-cuda#271), so that compute-sanitizer and Nsight Compute
show Python lines. Without a GPU: the SASS is the same instruction for instruction,
and the PTX's .file/.loc name the file and its lines. On a GPU: compute-sanitizer
reports an out-of-bounds write at the Python line that made it."""

import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

import ptxforge as pf
from ptxforge import inspection

SIG = "void(float32[::1], float32[::1])"


def _kernel(make_module, lineinfo):
    mod = make_module("""
        import math
        import ptxforge as pf

        @pf.jit(device=True)
        def squash(v):
            return v / (1.0 + math.fabs(v))

        def body(x, out):
            i = pf.grid(1)
            if i < x.size:
                out[i] = squash(x[i]) * 2.0
    """)
    return pf.kernel(lineinfo=lineinfo)(mod.body), mod


def _instructions(sass_text):
    return [ln.split("*/", 1)[1].strip() for ln in sass_text.splitlines() if re.match(r"\s*/\*[0-9a-f]{4,}\*/", ln)]


def test_lineinfo_keeps_the_optimised_code(make_module):
    with_lines, mod = _kernel(make_module, True)
    without, _ = _kernel(make_module, False)
    try:
        a, b = with_lines.inspect_sass(SIG), without.inspect_sass(SIG)
    except inspection.NvdisasmNotFound:
        pytest.skip("no nvdisasm")
    assert _instructions(a) == _instructions(b)  # the same code: no debug build
    assert f'//## File "{mod.__file__}", line 11' in a  # the store, at its Python line
    assert "//## File" not in b
    assert with_lines.get_regs_per_thread(SIG) == without.get_regs_per_thread(SIG)


def test_lineinfo_ptx_names_the_python_file_and_lines(make_module):
    k, mod = _kernel(make_module, True)
    ptx = k.inspect_ptx(SIG)
    files = re.findall(r'\.file\s+(\d+)\s+"([^"]+)"', ptx)
    assert [f for _, f in files] == [mod.__file__]
    lines = {int(m) for m in re.findall(r"\.loc\s+1\s+(\d+)\s+\d+", ptx)}
    assert {9, 10, 11} <= lines and 6 in lines  # the kernel's lines, and the inlined device function's
    assert ".debug_info" not in ptx or "DW_TAG_variable" not in ptx  # line tables, not a debug build


def _sanitizer():
    found = shutil.which("compute-sanitizer")
    for candidate in ("/usr/local/cuda/bin/compute-sanitizer", "/usr/local/cuda/compute-sanitizer/compute-sanitizer"):
        if not found and os.access(candidate, os.X_OK):
            found = candidate
    if not found:
        pytest.skip("compute-sanitizer not found (PATH, /usr/local/cuda/bin)")
    return found


OOB_SCRIPT = '''\
import numpy as np
import ptxforge as pf


@pf.kernel(lineinfo=True)
def write_past_the_end(out):
    i = pf.grid(1)
    out[i + 4096] = 1.0
OOB_LINE = 8

out = pf.device_array(256, np.float32)
try:
    write_past_the_end[1, 32](out)
    pf.synchronize()
except Exception as exc:  # the sanitizer stops the kernel; the driver reports it
    print("raised:", type(exc).__name__)
'''


@pytest.mark.gpu
@pytest.mark.gpu_only("compute-sanitizer watches a GPU kernel (the CPU target has the debug mode)")
def test_compute_sanitizer_names_the_python_line(tmp_path):
    sanitizer = _sanitizer()
    script = tmp_path / "oob_kernel.py"
    script.write_text(OOB_SCRIPT)
    assert script.read_text().splitlines()[7].strip() == "out[i + 4096] = 1.0"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(pf.__file__)), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sanitizer, "--tool", "memcheck", "--show-backtrace", "no", sys.executable, str(script)],
                         capture_output=True, text=True, env=env, timeout=300)
    report = run.stdout + run.stderr
    print(report)  # the lead quotes this line
    # 4 bytes, or more where a launch-time specialisation vectorises the store
    assert re.search(r"Invalid __global__ write of size (4|8|16) bytes", report), report
    # compute-sanitizer prints the line table's file name without its directory
    # (seen on the H200, 2026-11-28: "at write_past_the_end+0xb0 in oob_kernel.py:8").
    assert f" {script.name}:8" in report, report

