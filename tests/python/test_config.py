"""pf.config() and `ptxforge doctor`: what is found and where, NVIDIA's pip
packages (on sys.path) before a toolkit, and the assembler matched to the driver."""

import os
import subprocess
import sys

import pytest

import ptxforge as pf
from ptxforge import _core


def _fake_site(root, cu13=True):
    """A site-packages with NVIDIA's CUDA 13 (or 12) wheels' layout, files empty."""
    files = (["nvidia/cu13/nvvm/libdevice/libdevice.10.bc", "nvidia/cu13/lib/libnvJitLink.so.13"] if cu13 else
             ["nvidia/cuda_nvcc/nvvm/libdevice/libdevice.10.bc", "nvidia/nvjitlink/lib/libnvJitLink.so.12"])
    for f in files:
        path = root / f
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    return [str(root / f) for f in files]


def _run(code, **env):
    full = dict(os.environ, **env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=120)


def test_config_names_every_piece():
    c = pf.config()
    for key in ("ptxforge", "llvm", "driver", "gpus", "assembler", "assembler_reason", "nvjitlink", "ptxas",
                "libdevice", "nvrtc", "nvdisasm", "cache", "missing"):
        assert key in c, key
    assert c["ptxforge"] == pf.__version__
    assert c["llvm"].startswith("19.")
    assert c["assembler"] in ("nvJitLink", "ptxas", "driver JIT")
    assert c["cache"]["directory"] == pf.cache.directory()
    for m in c["missing"]:
        assert m["install"].startswith(("pip install", "install the NVIDIA driver")), m


def test_site_packages_come_first(tmp_path):
    """The package roots come from sys.path at import: a fake CUDA 13 wheel layout on
    PYTHONPATH wins over CUDA_HOME and /usr/local/cuda."""
    libdevice, jitlink = _fake_site(tmp_path)
    path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    r = _run("import ptxforge as pf; t = pf._core.toolkit(); print(t['libdevice']); "
             "print(t['nvjitlink_candidates'][0]); print(pf.config()['libdevice'])", PYTHONPATH=path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [libdevice, jitlink, libdevice]


def test_cuda12_layout_is_found(tmp_path):
    libdevice, jitlink = _fake_site(tmp_path, cu13=False)
    old = _core.toolkit()
    _core.set_package_roots([str(tmp_path)])
    try:
        t = _core.toolkit()
        assert t["libdevice"] == libdevice
        assert t["nvjitlink_candidates"][0] == jitlink
        assert t["roots"][:2] == [str(tmp_path / "nvidia/nvjitlink"), str(tmp_path / "nvidia/cuda_nvcc")]
    finally:
        _core.set_package_roots([p for p in sys.path if p and os.path.isabs(p)])
    assert _core.toolkit()["libdevice"] == old["libdevice"]


def test_doctor_prints_each_piece_and_what_to_install():
    r = _run("import sys, ptxforge.cli as c; sys.exit(c.main(['doctor']))", CUDA_HOME="/nonexistent")
    lines = r.stdout.splitlines()
    for label in ("ptxforge", "driver", "assembler", "nvJitLink", "ptxas", "libdevice", "NVRTC", "nvdisasm", "cache"):
        assert any(line.startswith(label) for line in lines), (label, r.stdout)
    assert "LLVM 19." in lines[0]
    c = pf.config()
    assert r.returncode == (0 if c["libdevice"] else 1), r.stdout + r.stderr
    for m in c["missing"]:
        assert any(line.startswith("missing") and m["piece"] in line and m["install"] in line for line in lines), m


def test_doctor_with_nothing_found_says_what_to_pip_install(monkeypatch, capsys):
    """What a machine with ptxforge alone would show (the wheel check, tools/wheel-check,
    sees it for real with /usr/local/cuda hidden): the config of such a machine, rendered."""
    from ptxforge import _config

    real = _config.config()
    nothing = {"path": None, "version": None, "error": "not found"}
    monkeypatch.setattr(_core, "driver_version", lambda: 0)
    monkeypatch.setattr(_core, "driver_path", lambda: "")
    monkeypatch.setattr(_core, "toolkit", lambda: {"libdevice": "", "nvdisasm": "", "home": "", "roots": []})
    monkeypatch.setattr(_core, "choose_assembler", lambda v: {
        "assembler": "none", "reason": "no nvJitLink or ptxas fits any driver (none present): the driver's JIT "
        "compiles the PTX (cuModuleLoadData)", "nvjitlink": nothing, "ptxas": nothing})
    monkeypatch.setattr(_core, "nvrtc", lambda: ("", "not found"))
    cfg = _config.config()
    assert cfg["assembler"] == "driver JIT"
    assert [m["piece"] for m in cfg["missing"]] == ["driver", "libdevice", "nvJitLink", "NVRTC", "nvdisasm"]
    assert _config.doctor() == 1  # libdevice: compiling math functions needs it
    out = capsys.readouterr().out
    assert "missing       libdevice: math functions" in out
    assert 'pip install nvidia-nvvm  (or "ptxforge[cu13]")' in out
    assert 'pip install nvidia-nvjitlink  (or "ptxforge[cu13]")' in out
    assert "pip install nvidia-cuda-nvdisasm" in out
    # A CUDA 12 driver is pointed at the CUDA 12 packages.
    monkeypatch.setattr(_core, "driver_version", lambda: 12040)
    monkeypatch.setattr(_core, "is_available", lambda: False)
    cfg12 = _config.config()
    assert cfg12["extra"] == "cu12"
    assert any("nvidia-nvjitlink-cu12" in m["install"] for m in cfg12["missing"])
    assert any("nvidia-cuda-nvcc-cu12" in m["install"] for m in cfg12["missing"])
    assert real["extra"] in ("cu12", "cu13")


def test_assembler_matches_the_driver():
    """An nvJitLink or ptxas of CUDA 13 never assembles for a CUDA 12 driver: the PTX
    goes to the driver's JIT, and pf.config() says so."""
    any_driver = _core.choose_assembler(0)
    if any_driver["assembler"] == "none":
        pytest.skip("no PTX assembler on this machine")
    newest = max(int((a["version"] or "0").split(".")[0]) for a in (any_driver["nvjitlink"], any_driver["ptxas"]))
    if newest < 13 or any(c.endswith(".so.12") and "/" in c for c in _core.toolkit()["nvjitlink_candidates"]):
        pytest.skip("needs CUDA 13 tools alone")
    old = _core.choose_assembler(12080)
    assert old["assembler"] == "none", old
    assert "newer than the driver" in old["nvjitlink"]["error"]
    assert "driver's JIT" in old["reason"]
    assert _core.choose_assembler(13000)["assembler"] == any_driver["assembler"]


def test_the_driver_version_is_read_without_a_gpu():
    v = _core.driver_version()
    assert isinstance(v, int) and v >= 0
    if v == 0:
        assert pf.config()["driver"]["version"] is None
        assert any(m["piece"] == "driver" for m in pf.config()["missing"])
    else:
        assert pf.config()["driver"]["version"] == f"{v // 1000}.{v % 1000 // 10}"


@pytest.mark.gpu
@pytest.mark.gpu_only("the CUDA devices of the machine")
def test_config_lists_the_gpus():
    c = pf.config()
    assert c["gpus"], c
    assert c["gpus"][0]["name"] == _core.device_info(0)["name"]


# -- numba's config names on pf.config ------------------------------------------------------


def test_config_is_callable_and_carries_numbas_names():
    cfg = pf.config
    assert isinstance(cfg(), dict) and "llvm" in cfg()
    assert cfg.ENABLE_CUDASIM is False and cfg.DISABLE_CUDA is False
    assert cfg.CUDA_DEFAULT_PTX_CC == (9, 0) and cfg.FORCE_CUDA_CC is None
    assert cfg.CUDA_ENABLE_NRT is False and cfg.OPT == 3
    assert cfg.CUDA_MEMORY_MANAGER == "default" and cfg.CUDA_PER_THREAD_DEFAULT_STREAM == 0
    assert {"ENABLE_CUDASIM", "CUDA_DEBUGINFO_DEFAULT"} <= set(dir(cfg))
    with pytest.raises(AttributeError, match="no setting 'CUDA_NRT_STATS'.*numba's own"):
        cfg.CUDA_NRT_STATS
    with pytest.raises(AttributeError, match="fact about ptxforge"):
        cfg.ENABLE_CUDASIM = True
    with pytest.raises(AttributeError, match="no setting"):
        cfg.NO_SUCH_THING = 1
    # numba code flips these and restores them; ptxforge keeps what it is given
    old = cfg.CUDA_ENABLE_NRT
    cfg.CUDA_ENABLE_NRT = True
    assert cfg.CUDA_ENABLE_NRT is True
    cfg.CUDA_ENABLE_NRT = old


def test_config_default_ptx_cc_is_compile_ptxs_default():
    src = pf.compile_ptx(add_one, "void(float32[::1])")[0]
    assert ".target sm_90" in src
    try:
        pf.config.CUDA_DEFAULT_PTX_CC = (8, 0)
        assert ".target sm_80" in pf.compile_ptx(add_one, "void(float32[::1])")[0]
        assert ".target sm_75" in pf.compile_ptx(add_one, "void(float32[::1])", cc=(7, 5))[0]
        with pytest.raises(ValueError, match=r"\(major, minor\)"):
            pf.config.CUDA_DEFAULT_PTX_CC = "8.0"
    finally:
        pf.config.CUDA_DEFAULT_PTX_CC = (9, 0)


def test_config_debuginfo_default_is_the_debug_modes_default(monkeypatch):
    monkeypatch.delenv("PTXFORGE_DEBUG", raising=False)
    assert pf.config.CUDA_DEBUGINFO_DEFAULT == 0
    assert pf.jit(add_one).options["debug"] is False
    try:
        pf.config.CUDA_DEBUGINFO_DEFAULT = 1
        assert pf.config.DEBUGINFO_DEFAULT == 1
        assert pf.jit(add_one).options["debug"] is True
        assert pf.jit(add_one, debug=False).options["debug"] is False
    finally:
        pf.config.CUDA_DEBUGINFO_DEFAULT = None
    monkeypatch.setenv("PTXFORGE_DEBUG", "1")
    assert pf.config.CUDA_DEBUGINFO_DEFAULT == 1


def add_one(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] += 1
