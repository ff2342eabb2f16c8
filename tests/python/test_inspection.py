"""Inspection: every stage of a kernel in one report, golden-tested where no GPU is
needed (typed source, LLVM IR before and after optimisation, PTX; SASS, resources and
the per-line table where this machine's assembler and nvdisasm are the goldens' own),
and the pieces behind it: nvdisasm discovery, per-line mapping, occupancy, resources."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest

import ptxforge as pf
from ptxforge import _core, inspection
from ptxforge.cli import main as cli

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")
KERNELS = os.path.join(GOLDEN, "inspect_kernels.py")
UPDATE = os.environ.get("PTXFORGE_UPDATE_GOLDEN") == "1"


def _load():
    spec = importlib.util.spec_from_file_location("inspect_kernels", KERNELS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


kernels = _load()


def _normalise(text):
    return text.replace(GOLDEN + os.sep, "<golden>/").replace(GOLDEN, "<golden>")


def _tools():
    """What the assembler-dependent stages depend on: the assembler and nvdisasm."""
    d = kernels.block_sum
    a = inspection.compile_for_report(d, d._types_of_signature(d.signatures[0]), (9, 0))
    try:
        tool = inspection.find_nvdisasm()
        version = subprocess.run([tool, "--version"], capture_output=True, text=True).stdout.strip().splitlines()[-1]
    except inspection.NvdisasmNotFound:
        version = "no nvdisasm"
    assembler = a.assembler
    if assembler == "ptxas":
        from conftest import PTXAS

        if PTXAS:
            assembler += " " + subprocess.run([PTXAS, "--version"], capture_output=True, text=True).stdout.strip() \
                .splitlines()[-1]
    return f"assembler {assembler}; nvdisasm {version}; {_core.compiler_version()}"


def _check(name, text):
    path = os.path.join(GOLDEN, "expected", name)
    text = _normalise(text)
    if UPDATE:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return
    with open(path) as f:
        expected = f.read()
    assert text == expected, f"{name} differs from its golden; if the change is meant, regenerate with " \
                             f"PTXFORGE_UPDATE_GOLDEN=1 and read the diff"


NO_GPU_STAGES = ["typed", "llvm", "llvm-opt", "ptx"]
TOOL_STAGES = ["resources", "lines", "sass"]


@pytest.mark.parametrize("kernel", ["scaled_softplus", "block_sum"])
@pytest.mark.parametrize("stage", NO_GPU_STAGES)
def test_stage_matches_its_golden(kernel, stage):
    d = getattr(kernels, kernel)
    text = inspection.report(d, d.signatures[0], cc=(9, 0), stages=[stage])
    _check(f"{kernel}.{stage}.txt", text)


@pytest.mark.parametrize("kernel", ["scaled_softplus", "block_sum"])
@pytest.mark.parametrize("stage", TOOL_STAGES)
def test_assembler_stage_matches_its_golden(kernel, stage):
    tools_file = os.path.join(GOLDEN, "expected", "TOOLS")
    tools = _tools()
    if UPDATE:
        os.makedirs(os.path.dirname(tools_file), exist_ok=True)
        with open(tools_file, "w") as f:
            f.write(tools + "\n")
    elif open(tools_file).read().strip() != tools:
        pytest.skip(f"the goldens of SASS and resources were made with '{open(tools_file).read().strip()}'; "
                    f"this machine has '{tools}'")
    d = getattr(kernels, kernel)
    text = inspection.report(d, d.signatures[0], cc=(9, 0), stages=[stage])
    if _tools() != tools:  # nvJitLink was warmed meanwhile (a GPU run): the assembler changed under us
        pytest.skip("the assembler changed during the test")
    _check(f"{kernel}.{stage}.txt", text)


def test_typed_source_shows_each_lines_variables():
    text = kernels.block_sum.inspect_types(kernels.block_sum.signatures[0])
    lines = text.splitlines()
    assert any(re.match(r"\s+\d+\s+def block_sum\(x, partial\):\s+# x: float32\[::1\], partial: float32\[::1\]$", ln)
               for ln in lines), text
    assert any("step //= 2" in ln and ln.endswith("# step: int") for ln in lines), text  # a weak Python int
    assert any("tile[t] = x[i] if i < x.size else 0.0" in ln and
               ln.endswith("# tile: float32[::1], t: int64, x: float32[::1], i: int64") for ln in lines), text
    assert "# the typed tree" in text and "locals: tile: float32[::1]" in text


def test_llvm_before_and_after_optimisation():
    d = kernels.scaled_softplus
    before = d.inspect_llvm(d.signatures[0], optimized=False)
    after = d.inspect_llvm(d.signatures[0])
    assert "alloca" in before and "alloca" not in after
    assert "@__nv_expf" in after or "ex2.approx" in after or "@llvm.nvvm.ex2" in after


def test_the_per_line_table_maps_every_stage_to_python_lines():
    d = kernels.scaled_softplus
    a = inspection.compile_for_report(d, d._types_of_signature(d.signatures[0]), (9, 0))
    try:
        sass = inspection.sass(a.cubin)
    except inspection.NvdisasmNotFound:
        sass = None
    table = inspection.line_table(d.py_func, a.llvm_opt, a.ptx, sass)
    store = next(line for line, row in table.items() if "out[i] = a * softplus(x[i])" in row["source"])
    assert any(instr.startswith("store float") for instr in table[store]["llvm"])
    assert any(instr.startswith("st.global.f32") for instr in table[store]["ptx"])
    if sass is not None:
        assert any(instr.startswith("STG.E") for instr in table[store]["sass"]), table[store]["sass"]
    # The inlined device function's instructions, in another function of the same
    # file, are reported at its own lines.
    body = next(line for line, row in table.items() if "return math.log(1.0 + math.exp(v))" in row["source"])
    assert table[body]["llvm"] and table[body]["ptx"]


def test_sass_has_python_lines_with_lineinfo():
    d = pf.kernel(lineinfo=True)(kernels.block_sum.py_func)
    try:
        text = d.inspect_sass("void(float32[::1], float32[::1])")
    except inspection.NvdisasmNotFound:
        pytest.skip("no nvdisasm")
    assert f'//## File "{KERNELS}", line' in text
    assert "BAR.SYNC" in text


def test_missing_nvdisasm_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(_core, "toolkit", lambda: {"nvdisasm": ""})
    with pytest.raises(inspection.NvdisasmNotFound, match="pip install nvidia-cuda-nvdisasm"):
        inspection.find_nvdisasm()


def test_nvdisasm_from_site_packages_comes_first(tmp_path):
    """NVIDIA's pip package on sys.path wins over a toolkit and PATH."""
    tool = tmp_path / "nvidia" / "cu13" / "bin" / "nvdisasm"
    tool.parent.mkdir(parents=True)
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    _core.set_package_roots([str(tmp_path)])
    try:
        assert inspection.find_nvdisasm() == str(tool)
    finally:
        _core.set_package_roots([p for p in sys.path if p and os.path.isabs(p)])


def test_resources_without_a_gpu_come_from_the_cubin(monkeypatch):
    monkeypatch.setattr(_core, "is_available", lambda: False)
    d = kernels.block_sum
    r = d.resources(d.signatures[0], block_size=256)
    assert r["source"] == "cubin" and r["arch"] == "sm_90"
    assert r["shared_bytes"] == 1024  # 256 float32
    assert r["registers"] == d.get_regs_per_thread(d.signatures[0])
    occ = r["occupancy"]
    assert occ["source"] == "computed" and occ["block_size"] == 256
    assert occ == _core.compute_occupancy(90, r["registers"], 1024, 0, 256)
    assert d.resources(d.signatures[0], block_size=2048)["occupancy"]["blocks_per_sm"] == 0


@pytest.mark.gpu
@pytest.mark.gpu_only("the driver's figures for a loaded cubin")
def test_resources_on_a_gpu_are_the_drivers_and_agree_with_the_computation():
    d = kernels.block_sum
    cc = _core.compute_capability(0)
    for block in (64, 256, 1024):
        r = d.resources(d.signatures[0], block_size=block)
        assert r["source"] == "driver" and r["occupancy"]["source"] == "driver"
        computed = _core.compute_occupancy(cc[0] * 10 + cc[1], r["registers"], r["shared_bytes"], 0, block)
        if computed is not None:
            assert r["occupancy"]["blocks_per_sm"] == computed["blocks_per_sm"], (block, r, computed)
            assert r["max_threads_per_block"] == _core.compute_max_threads_per_block(cc[0] * 10 + cc[1],
                                                                                     r["registers"])


def test_ptxforge_inspect_prints_every_stage(capsys):
    assert cli(["inspect", KERNELS, "--kernel", "block_sum", "--arch", "sm_90"]) == 0
    out = capsys.readouterr().out
    for title in ("---- typed source", "---- resources (sm_90", "---- per Python line", "---- LLVM IR before",
                  "---- LLVM IR after", "---- PTX", "---- SASS"):
        assert title in out
    assert "occupancy at 256 threads:" in out


def test_inspect_command_mistakes(capsys):
    assert cli(["inspect", KERNELS, "--sig", "void(float32[::1])"]) == 2
    assert "--sig applies to one kernel" in capsys.readouterr().err
    assert cli(["inspect", KERNELS, "--kernel", "block_sum", "--sig", "void(float32[::1])"]) == 1
    assert "block_sum" in capsys.readouterr().err
