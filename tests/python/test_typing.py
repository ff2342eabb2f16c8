"""The type stubs (py.typed and the .pyi files beside the modules): mypy checks the
examples against them, and catches misuses of the public API in user code.

mypy finds ptxforge as a user's mypy would: an installed package with py.typed
(here the one this suite imports, through PYTHONPATH), so mypy reads the stubs
and reports nothing about ptxforge's own sources. tools/setup installs mypy."""

import glob
import os
import subprocess
import sys
import textwrap

import pytest

import ptxforge

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = os.path.dirname(os.path.abspath(ptxforge.__file__))

pytest.importorskip("mypy", reason="mypy is not installed (tools/setup installs it)")


def run_mypy(tmp_path, *files):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(PACKAGE), env.get("PYTHONPATH", "")])
    env.pop("MYPYPATH", None)
    cmd = [sys.executable, "-m", "mypy", "--check-untyped-defs", "--no-error-summary", "--hide-error-context",
           "--cache-dir", str(tmp_path / "mypy-cache"), "--python-executable", sys.executable, *files]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    return done.returncode, done.stdout + done.stderr


def test_the_package_is_typed():
    assert os.path.isfile(os.path.join(PACKAGE, "py.typed"))
    stubs = {os.path.basename(p) for p in glob.glob(os.path.join(PACKAGE, "*.pyi"))}
    assert {"__init__.pyi", "_intrinsics.pyi", "_runtime.pyi", "devicearray.pyi", "dispatcher.pyi"} <= stubs


def test_stubs_name_everything_the_package_exports():
    """Every name in ptxforge.__all__ is in the package stub, so a checker never calls a
    real name unknown (the star imports of the stubs carry their modules' __all__)."""
    text = "".join(open(p).read() for p in glob.glob(os.path.join(PACKAGE, "*.pyi")))
    missing = [n for n in ptxforge.__all__ if f" {n}" not in text and f'"{n}"' not in text]
    assert not missing, f"names exported by ptxforge but absent from its stubs: {missing}"


def test_mypy_passes_on_the_examples(tmp_path):
    files = sorted(glob.glob(os.path.join(ROOT, "examples", "*.py")))
    files.append(os.path.join(ROOT, "examples", "aot_cpp", "kernels.py"))
    assert len(files) > 10
    rc, out = run_mypy(tmp_path, *files)
    assert rc == 0, out


def test_mypy_sees_the_public_api_through_the_stubs(tmp_path):
    user = tmp_path / "user_code.py"
    user.write_text(textwrap.dedent("""\
        import numpy as np
        import ptxforge as pf

        @pf.kernel
        def scale(a, x):
            i = pf.grid(1)
            if i < x.size:
                x[i] *= a
            t: str = pf.threadIdx.x            # line 9: an int inside a kernel

        reveal_type(scale)
        reveal_type(scale[4, 256])
        reveal_type(pf.to_device(np.zeros(4)))
        reveal_type(pf.stream())
        reveal_type(pf.grid(2))
        reveal_type(pf.config())
        scale[1.5, 256](2.0, np.zeros(4))      # line 17: a float grid
        pf.to_device(np.zeros(4)).copy_to_hots()  # line 18: a misspelt method
        pf.no_such_function()                  # line 19
        """))
    rc, out = run_mypy(tmp_path, str(user))
    assert rc == 1, out
    lines = {}
    for line in out.splitlines():
        parts = line.split(":", 3)
        if len(parts) == 4 and parts[1].isdigit():
            lines.setdefault(int(parts[1]), []).append(parts[3].strip())
    found = {n: " ".join(v) for n, v in lines.items()}
    assert 'Revealed type is "ptxforge.dispatcher.Dispatcher"' in found[11]
    assert 'Revealed type is "ptxforge.dispatcher.KernelLaunch"' in found[12]
    assert 'Revealed type is "ptxforge.devicearray.DeviceNDArray"' in found[13]
    assert 'Revealed type is "ptxforge._runtime.Stream"' in found[14]
    assert 'Revealed type is "tuple[int, int]"' in found[15]
    assert 'Revealed type is "dict[str, Any]"' in found[16]
    assert "Incompatible types in assignment" in found[9]
    assert "Invalid index type" in found[17]
    assert "copy_to_hots" in found[18]
    assert "no_such_function" in found[19]
    assert set(found) == {9, 11, 12, 13, 14, 15, 16, 17, 18, 19}, out
