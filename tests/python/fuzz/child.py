"""The fuzzer's child process: compiles one input per line of stdin, answers one JSON line each.

A job is ``{"id", "path", "func", "sig", "cc", "device", "options", "ptxas"}``: the
file at `path` is imported as a fresh module, its function `func` is compiled
with ``ptxforge.compile_ptx`` and, when that succeeds, the PTX is assembled for
the capability (for sm_75 when CUDA 13 cannot assemble the capability itself,
PTX being forward-compatible) by the in-process assembler, and by a ``ptxas``
process when the job says so. The answer is
``{"id", "outcome", "type", "msg", "well_formed", "asm_error", "ms"}`` where
outcome is ok, compile_error, type_error, value_error or exception.
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback

import ptxforge as pf
from ptxforge import _core

# CUDA 13's assemblers start at sm_75; older PTX is checked by assembling it for sm_75.
_LOWEST_ARCH = (7, 5)


def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.cuda = pf  # corpus kernels are written against the name `cuda`
    spec.loader.exec_module(module)
    return module


def _assemble(ptx, cc, ptxas):
    arch = max(tuple(cc), _LOWEST_ARCH)
    cubin, by, error = _core.assemble(ptx, arch[0], arch[1])
    if "cannot be assembled by" in error:  # a capability this toolkit dropped or never had (10.1 in CUDA 13)
        arch = (9, 0) if arch >= (9, 0) else _LOWEST_ARCH
        cubin, by, error = _core.assemble(ptx, arch[0], arch[1])
    if by != "none" and not cubin:
        return f"{by} -arch=sm_{arch[0]}{arch[1]}: {error}"
    if ptxas:
        with tempfile.TemporaryDirectory(prefix="pf-fuzz-") as d:
            src = os.path.join(d, "k.ptx")
            with open(src, "w") as f:
                f.write(ptx)
            proc = subprocess.run([ptxas, f"-arch=sm_{arch[0]}{arch[1]}", src, "-o", os.path.join(d, "k.cubin")],
                                  capture_output=True, text=True, timeout=60)
            if proc.returncode != 0:
                return f"ptxas -arch=sm_{arch[0]}{arch[1]}: {proc.stderr}"
    return ""


def run(job, n):
    start = time.perf_counter()
    out = {"id": job["id"]}
    try:
        module = _load(job["path"], f"fuzz_input_{n}")
        func = getattr(module, job["func"])
    except BaseException as e:  # noqa: BLE001 -- the generator's fault, not the compiler's: reported apart
        out.update(outcome="bad_input", msg=f"{type(e).__name__}: {e}", ms=(time.perf_counter() - start) * 1e3)
        return out
    try:
        ptx, _ = pf.compile_ptx(func, job["sig"], cc=job["cc"], device=job.get("device", False),
                                **job.get("options", {}))
    except pf.CompileError as e:
        out.update(outcome="compile_error", msg=str(e.msg),
                   well_formed=str(e).startswith(f"{e.filename}:{e.lineno}:{e.col}: error: ") and e.lineno > 0)
    except (TypeError, ValueError) as e:
        out.update(outcome=type(e).__name__.lower().replace("error", "_error"), msg=str(e))
    except BaseException as e:  # noqa: BLE001 -- everything else is a bug
        out.update(outcome="exception", type=type(e).__name__, msg=f"{type(e).__name__}: {e}",
                   trace=traceback.format_exc()[-3000:])
    else:
        out.update(outcome="ok", asm_error=_assemble(ptx, job["cc"], job.get("ptxas")))
    out["ms"] = (time.perf_counter() - start) * 1e3
    return out


def main():
    for n, line in enumerate(sys.stdin):
        job = json.loads(line)
        sys.stderr.write(f"@@job {job['id']}\n")
        sys.stderr.flush()
        answer = run(job, n)
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
