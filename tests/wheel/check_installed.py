"""Run by tools/wheel-check inside a fresh venv that holds only the ptxforge wheel,
numpy and NVIDIA's wheels, with /usr/local/cuda hidden and a bare environment:
every CUDA part must come from the venv's site-packages, and saxpy (and a
libdevice kernel) must compile to a cubin there."""

import os
import subprocess
import sys
import sysconfig

import ptxforge as pf

site = sysconfig.get_paths()["purelib"]
failures = []


def check(ok, what):
    print(("ok      " if ok else "FAILED  ") + what)
    if not ok:
        failures.append(what)


print("== ptxforge doctor")
sys.stdout.flush()
subprocess.run([os.path.join(os.path.dirname(sys.executable), "ptxforge"), "doctor"], check=False)
print("== checks")
c = pf.config()
check(os.path.dirname(pf.__file__).startswith(site), f"ptxforge imported from the venv ({pf.__file__})")
pkg = os.path.dirname(pf.__file__)
check(all(os.path.isfile(os.path.join(pkg, f)) for f in ("py.typed", "__init__.pyi", "dispatcher.pyi", "devicearray.pyi")),
      "the wheel holds py.typed and the type stubs")
check(not os.path.exists("/usr/local/cuda/bin/ptxas"), "/usr/local/cuda is hidden")
check(c["cuda_home"] is None and c["ptxas"]["path"] is None, "no CUDA toolkit and no ptxas are found")
check((c["libdevice"] or "").startswith(site + "/nvidia/"), f"libdevice from nvidia-nvvm: {c['libdevice']}")
nvj = c["nvjitlink"]["path"] or ""
check(nvj.startswith(site + "/nvidia/"), f"nvJitLink from nvidia-nvjitlink: {nvj} ({c['nvjitlink']['version']})")
check(c["assembler"] == "nvJitLink", f"the assembler is nvJitLink: {c['assembler_reason']}")

out = os.path.join(os.environ["PF_WHEEL_OUT"], "cubins")
examples = os.environ["PF_EXAMPLES"]
r = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ptxforge"), "compile",
                    os.path.join(examples, "saxpy.py"), os.path.join(examples, "gelu.py"), "-o", out],
                   capture_output=True, text=True)
print(r.stdout + r.stderr)
check(r.returncode == 0, "ptxforge compile examples/saxpy.py examples/gelu.py")
for name in ("saxpy", "gelu"):
    cubins = [f for f in os.listdir(out) if f.startswith(name) and f.endswith(".cubin")] if os.path.isdir(out) else []
    data = open(os.path.join(out, cubins[0]), "rb").read() if cubins else b""
    check(data[:4] == b"\x7fELF", f"{name}: a cubin ({len(data)} bytes)")
check("nvJitLink" in r.stdout and "ptxas" not in r.stdout, "each cubin was assembled by nvJitLink")

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
