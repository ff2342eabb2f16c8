"""tools/gpu-wheel-check's check of pf.config() inside the sandbox: no toolkit is
found, and nvJitLink and libdevice come from the venv's site-packages (argv[1]).
With --jit: nvJitLink is hidden too, so the driver's JIT is the assembler."""

import sys

import ptxforge as pf

site = sys.argv[1]
c = pf.config()
problems = []
if c["cuda_home"] is not None or c["ptxas"]["path"] is not None:
    problems.append(f"a toolkit was found: {c['cuda_home']}, ptxas {c['ptxas']['path']}")
if not (c["libdevice"] or "").startswith(site):
    problems.append(f"libdevice not from the venv: {c['libdevice']}")
if "--jit" in sys.argv:
    if c["assembler"] != "driver JIT":
        problems.append(f"the assembler is {c['assembler']}, not the driver's JIT")
elif not (c["nvjitlink"]["path"] or "").startswith(site):
    problems.append(f"nvJitLink not from the venv: {c['nvjitlink']['path']}")
print(f"assembler: {c['assembler']} ({c['assembler_reason']})")
for p in problems:
    print("FAILED: " + p)
sys.exit(1 if problems else 0)
