"""Running a benchmark's child program in a fresh interpreter.

The code is written to a file first: kernels are compiled from their source.
"""

import os
import subprocess
import sys
import tempfile
import textwrap


def run_python(code):
    """Runs dedented `code` in a fresh interpreter; returns the CompletedProcess."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(textwrap.dedent(code))
    try:
        return subprocess.run([sys.executable, f.name], capture_output=True, text=True)
    finally:
        os.unlink(f.name)


def last_float(proc):
    """The last line `proc` printed, as a float; None with the reason when it failed."""
    if proc.returncode:
        lines = proc.stderr.strip().splitlines()
        return None, lines[-1] if lines else "failed"
    return float(proc.stdout.strip().splitlines()[-1]), ""
