"""Shared fixtures for the pytest suite.

- The ``gpu`` marker: tests that launch kernels run once per target, as
  ``test[gpu]`` and ``test[cpu]`` (the ``pf_target`` fixture makes that the
  default target). The CPU runs run everywhere, unless the test is also
  marked ``gpu_only("why")`` (it needs a real device: CuPy or torch, CUDA
  graphs, device faults, the driver's own answers). Where there is no
  CUDA GPU (``ptxforge._core.is_available()`` is False), each test keeps one entry: its CPU
  run, or for a gpu_only test its GPU run, skipped with the reason; the other
  is deselected.
- Every PTX the tests make goes through ``ptxas -arch=sm_90``: each call of
  ``ptxforge._core.compile`` that produced PTX is recorded, and the test that
  made it fails if ptxas rejects it. ``assert_ptx_assembles`` checks one PTX
  text explicitly (the robustness test uses it for PTX made in a subprocess).
- ``make_module`` writes kernel source to a file and imports it, so that tests
  know the exact line and column of every node.
- The disk cache lives in a temporary directory for the whole session (and
  the subprocesses tests start), never in ~/.cache; ``cache_dir`` gives a test
  a fresh one of its own.
"""

import hashlib
import importlib.util
import itertools
import os
import shutil
import subprocess
import tempfile
import textwrap

import pytest

# Before anything compiles: the suite's disk cache is private to this session.
_SESSION_CACHE = tempfile.mkdtemp(prefix="pf-test-cache-")
os.environ["PTXFORGE_CACHE_DIR"] = _SESSION_CACHE
os.environ.pop("PTXFORGE_CACHE", None)

import ptxforge  # noqa: E402
from ptxforge import _core  # noqa: E402

PTXAS_ARCH = "sm_90"


def _find_ptxas():
    found = shutil.which("ptxas")
    if found:
        return found
    for root in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if root and os.access(os.path.join(root, "bin", "ptxas"), os.X_OK):
            return os.path.join(root, "bin", "ptxas")
    return None


PTXAS = _find_ptxas()
NO_PTXAS_REASON = "ptxas not found on PATH or in /usr/local/cuda/bin: PTX assembly checks are skipped"

# PTX texts made during the current test, and hashes of those that already assembled.
_made = []
_assembled = set()


def ptxas_check(ptx, where="<ptx>"):
    """Assembles `ptx` with ptxas for sm_90; raises AssertionError showing ptxas's stderr."""
    if PTXAS is None:
        return
    digest = hashlib.sha256(ptx.encode()).hexdigest()
    if digest in _assembled:
        return
    with tempfile.TemporaryDirectory(prefix="pf-ptxas-") as d:
        src = os.path.join(d, "kernel.ptx")
        with open(src, "w") as f:
            f.write(ptx)
        # PTX that calls a declare_device function is meant to be linked: assemble it
        # as relocatable code (-c), which leaves the call to the linker.
        externs = [ln for ln in ptx.splitlines() if ln.startswith(".extern .func") and "vprintf" not in ln]
        relocatable = ["-c"] if externs else []
        proc = subprocess.run([PTXAS, f"-arch={PTXAS_ARCH}", *relocatable, src, "-o", os.path.join(d, "kernel.cubin")],
                              capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"ptxas -arch={PTXAS_ARCH} rejected the PTX of {where} (exit {proc.returncode}):\n"
                             f"{proc.stderr}\n--- PTX ---\n{ptx}")
    _assembled.add(digest)


def _recording_compile(real):
    def compile(*args, **kwargs):
        artifacts = real(*args, **kwargs)
        ptx = getattr(artifacts, "ptx", "")
        if ptx:
            name = getattr(artifacts, "entry_name", None) or ", ".join(
                k.entry_name for k in getattr(artifacts, "kernels", ()))
            _made.append((name, ptx))
        return artifacts

    compile.__wrapped__ = real
    return compile


def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: launches kernels; runs on the GPU (if any) and on the CPU target")
    config.addinivalue_line("markers", "gpu_only(reason): a gpu test that needs a real device, not the CPU target")
    for name in ("compile", "compile_module"):  # kernels one by one, and AOT modules
        if not hasattr(getattr(_core, name), "__wrapped__"):
            setattr(_core, name, _recording_compile(getattr(_core, name)))


def pytest_unconfigure(config):
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


def pytest_report_header(config):
    gpu = "yes" if _core.is_available() else f"no ({_core.unavailable_reason()})"
    return [f"ptxforge {ptxforge.__version__}, CUDA GPU: {gpu}",
            f"ptxas: {PTXAS or 'not found'} (every PTX is assembled with -arch={PTXAS_ARCH})"]


TARGETS = ("gpu", "cpu")


def pytest_generate_tests(metafunc):
    """Every gpu test runs on each target."""
    if metafunc.definition.get_closest_marker("gpu") is None:
        return
    if any(m.args and "pf_target" in m.args[0] for m in metafunc.definition.iter_markers("parametrize")):
        return  # the test chooses its targets itself
    if "pf_target" not in metafunc.fixturenames:  # a test may also take pf_target as an argument
        metafunc.fixturenames.append("pf_target")
    metafunc.parametrize("pf_target", TARGETS)


@pytest.fixture(autouse=True)
def _default_target(request):
    """A run of a gpu test makes its target (its ``pf_target`` parameter) the default meanwhile,
    in this process and (through PTXFORGE_TARGET) in the ones it starts."""
    callspec = getattr(request.node, "callspec", None)
    target = callspec.params.get("pf_target") if callspec is not None else None
    if target is None:
        yield
        return
    previous = ptxforge._target.set_default(target)
    env = os.environ.get("PTXFORGE_TARGET")
    os.environ["PTXFORGE_TARGET"] = target  # and in the Pythons the test starts
    try:
        yield
    finally:
        ptxforge._target.set_default(previous)
        if env is None:
            os.environ.pop("PTXFORGE_TARGET", None)
        else:
            os.environ["PTXFORGE_TARGET"] = env


def pytest_collection_modifyitems(config, items):
    """Skips what cannot run here, saying why. Where no GPU exists, a gpu test that runs on the
    CPU target is not also listed as a skipped [gpu] twin (it is deselected: the summary counts
    it), and one that needs a real device is one skip, its [gpu] run."""
    no_gpu = None if _core.is_available() else f"no CUDA GPU: {_core.unavailable_reason()}"
    keep, dropped = [], []
    for item in items:
        target = item.callspec.params.get("pf_target") if hasattr(item, "callspec") else None
        if "gpu" not in item.keywords:
            keep.append(item)
            continue
        only = item.get_closest_marker("gpu_only")
        why = (only.args[0] if only.args else only.kwargs.get("reason", "it needs a real GPU")) if only else None
        if no_gpu is not None and target is not None and (target == "cpu") == (only is not None):
            dropped.append(item)  # its twin on the other target says it all
            continue
        if target == "cpu" and only is not None:
            item.add_marker(pytest.mark.skip(reason=f"not on the CPU target: {why}"))
        elif target != "cpu" and no_gpu is not None:
            item.add_marker(pytest.mark.skip(reason=f"needs a real GPU ({why}); {no_gpu}" if why else no_gpu))
        keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fails a test any of whose PTX does not assemble."""
    _made.clear()
    result = yield
    made = list(_made)
    _made.clear()
    for name, ptx in made:
        ptxas_check(ptx, f"kernel '{name}'")
    return result


@pytest.fixture
def assert_ptx_assembles():
    """``assert_ptx_assembles(ptx)``: ptxas -arch=sm_90 accepts `ptx` (a no-op without ptxas)."""
    return ptxas_check


@pytest.fixture(scope="session")
def ptxas_path():
    if PTXAS is None:
        pytest.skip(NO_PTXAS_REASON)
    return PTXAS


_module_ids = itertools.count()


@pytest.fixture
def make_module(tmp_path):
    """``make_module(source)``: writes dedented `source` to a file and imports it as a module."""

    def make(source, name=None):
        name = name or f"pf_kernels_{next(_module_ids)}"
        path = tmp_path / f"{name}.py"
        path.write_text(textwrap.dedent(source).lstrip("\n"))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    return make


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A fresh, empty disk cache for this test (and its subprocesses), as a pathlib.Path."""
    path = tmp_path / "kernel-cache"
    monkeypatch.setenv("PTXFORGE_CACHE_DIR", str(path))
    monkeypatch.delenv("PTXFORGE_CACHE", raising=False)
    monkeypatch.delenv("PTXFORGE_CACHE_SIZE", raising=False)
    return path


@pytest.fixture
def rng():
    """A freshly seeded generator; the seed is printed, so a failure shows it."""
    import numpy as np

    seed = int.from_bytes(os.urandom(8), "little")
    print(f"numpy.random.default_rng({seed})")
    return np.random.default_rng(seed)
