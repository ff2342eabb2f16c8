"""Every compute capability compiles, and nonsense ones are clear errors.

LLVM 19 knows nothing past sm_90, so for 10.0 and newer the PTX is written for
sm_90 (at PTX ISA 7.8) and assembled for the GPU's own arch; PTX is
forward-compatible. Each PTX is checked with ``ptxas -arch=sm_XX`` for the
capability asked for, and each cubin's ELF header must name that arch.
"""

import struct
import subprocess

import pytest

import ptxforge as pf

NEW = [(10, 0), (10, 3), (12, 0), (12, 1)]
CURRENT = [(8, 0), (8, 6), (8, 9), (9, 0)]
# CUDA 13's assemblers start at 7.5; PTX for these is checked by assembling it for sm_75.
OLD = [(5, 0), (5, 2), (6, 0), (6, 1), (7, 0), (7, 2)]
SIG = "void(int32[::1], int32[::1])"


def warp_kernel(x, out):
    i = pf.grid(1)
    v = pf.shfl_sync(0xFFFFFFFF, x[i], 0)
    v += pf.shfl_down_sync(pf.activemask(), v, 1)
    if pf.all_sync(0xFFFFFFFF, v > 0):
        v += pf.ballot_sync(0xFFFFFFFF, v > 1)
    pf.syncwarp()
    out[i] = v


def _arch(cc):
    return f"sm_{cc[0]}{cc[1]}"


def _ptxas(path, ptx, arch, tmp_path):
    src = tmp_path / "k.ptx"
    src.write_text(ptx)
    proc = subprocess.run([path, f"-arch={arch}", str(src), "-o", str(tmp_path / "k.cubin")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"ptxas -arch={arch} rejected the PTX:\n{proc.stderr}\n{ptx}"


def _cubin_arch(cubin):
    """The SM number a CUDA cubin's ELF header names (e_flags bits 8-15)."""
    assert cubin[:4] == b"\x7fELF"
    return (struct.unpack_from("<I", cubin, 48)[0] >> 8) & 0xFF


@pytest.mark.parametrize("cc", NEW + CURRENT, ids=_arch)
def test_ptx_assembles_for_the_real_arch(cc, ptxas_path, tmp_path):
    ptx, _ = pf.compile_ptx(warp_kernel, SIG, cc=cc)
    assert ".version 7.8" in ptx
    assert (".target sm_90" if cc >= (9, 0) else f".target {_arch(cc)}") in ptx
    assert "shfl.sync.idx.b32" in ptx and "activemask.b32" in ptx
    _ptxas(ptxas_path, ptx, _arch(cc), tmp_path)


@pytest.mark.parametrize("cc", NEW + CURRENT, ids=_arch)
def test_cubin_is_for_the_real_arch(cc):
    k = pf.kernel(warp_kernel)
    compiled = k._compile(("int32[::1]", "int32[::1]"), cc, "cubin")
    artifacts = compiled.artifacts
    if artifacts.assembler == "none":
        pytest.skip(f"no PTX assembler here: {artifacts.assembler_error}")
    assert artifacts.cubin, artifacts.assembler_error
    assert _cubin_arch(artifacts.cubin) == cc[0] * 10 + cc[1]
    assert (("int32[::1]", "int32[::1]"), cc, None) in k._overloads  # the dispatcher keys by the real capability


@pytest.mark.parametrize("cc", OLD, ids=_arch)
def test_old_capabilities_select_warp_intrinsics(cc, ptxas_path, tmp_path):
    """shfl.sync, votes, syncwarp and activemask need PTX 6.x: the ISA version is set explicitly."""
    ptx, _ = pf.compile_ptx(warp_kernel, SIG, cc=cc)
    assert f".target {_arch(cc)}" in ptx and ".version 7.8" in ptx
    _ptxas(ptxas_path, ptx, "sm_75", tmp_path)


def test_cubin_for_a_capability_the_toolkit_dropped_says_why():
    k = pf.kernel(warp_kernel)
    artifacts = k._compile(("int32[::1]", "int32[::1]"), (7, 0), "cubin").artifacts
    if artifacts.assembler == "none" and "CUDA 13" not in artifacts.assembler_error:
        pytest.skip(f"no CUDA 13 assembler here: {artifacts.assembler_error}")
    if artifacts.cubin:
        pytest.skip("this toolkit still assembles sm_70")
    assert "sm_70 (compute capability 7.0) cannot be assembled by CUDA 13" in artifacts.assembler_error
    assert "7.5, 8.0" in artifacts.assembler_error and "12.1" in artifacts.assembler_error
    assert artifacts.ptx  # the PTX is still there for the driver's JIT


@pytest.mark.parametrize("cc", [(0, 0), (9, 9), (99, 0), (-1, 0), (3, 5), (10, 2), (2**40, 0)])
def test_nonsense_capabilities_name_the_supported_ones(cc):
    with pytest.raises(ValueError) as info:
        pf.compile_ptx(warp_kernel, SIG, cc=cc)
    message = str(info.value)
    assert f"compute capability ({cc[0]}, {cc[1]}) is not one ptxforge compiles for" in message
    assert "5.0, 5.2" in message and "12.0, 12.1" in message


@pytest.mark.parametrize("cc", [(9,), (9, 0, 0), "9.0", 90, ()])
def test_malformed_capabilities_are_value_errors(cc):
    with pytest.raises(ValueError, match=r"cc must be a \(major, minor\) pair such as \(9, 0\)"):
        pf.compile_ptx(warp_kernel, SIG, cc=cc)


@pytest.mark.parametrize("cc", [(9.0, 0), ("9", "0"), (None, 0)])
def test_capability_parts_must_be_ints(cc):
    with pytest.raises(TypeError, match=r"cc must be a pair of ints such as \(9, 0\)"):
        pf.compile_ptx(warp_kernel, SIG, cc=cc)


def test_cli_rejects_a_bad_capability(tmp_path):
    import sys
    src = tmp_path / "k.py"
    src.write_text("import ptxforge as pf\n@pf.kernel('void(int32[::1])')\ndef k(x):\n    x[0] = 1\n")
    for bad, why in (("9.9", "is not one ptxforge compiles for"), ("nine", "bad architecture")):
        proc = subprocess.run([sys.executable, "-m", "ptxforge", "compile", str(src), "--cc", bad],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode != 0 and why in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "ptxforge", "compile", str(src), "--cc", "12.0", "--emit=ptx"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
