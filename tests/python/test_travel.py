"""Kernels that travel: pickling kernel objects, by reference and by value, to spawned
worker processes (multiprocessing, concurrent.futures), where a warm disk cache
means no recompile. Compile-only: workers compile for sm_90 and count compiles.
"""

import concurrent.futures
import multiprocessing
import os
import pathlib
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ptxforge as pf

SIG = "void(float32[::1])"

# Written to a file on sys.path, so that spawned workers import it by name.
SHIP = '''
import numpy as np
import ptxforge as pf

TABLE = np.array([1.0, 2.0, 4.0, 8.0], dtype=np.float32)


@pf.jit(device=True)
def twice(v):
    return v * 2.0


@pf.kernel
def by_reference(a):
    i = pf.grid(1)
    if i < a.size:
        a[i] = twice(a[i]) + TABLE[i % 4]


def make(scale):
    @pf.jit(device=True)
    def scaled(v):
        return v * scale

    @pf.kernel
    def closure(a):
        i = pf.grid(1)
        if i < a.size:
            a[i] = twice(scaled(a[i])) + TABLE[i % 4]

    return closure


def make_broken(offset):
    @pf.kernel
    def broken(a):
        a[0] = a[0] + offset + not_defined_anywhere
    return broken


def compile_in_worker(kernel, sig="void(float32[::1])"):
    """Runs in the worker: compiles, and says what the disk cache did there."""
    before = pf.cache.stats()
    kernel.compile(sig)
    after = pf.cache.stats()
    return ({k: after[k] - before[k] for k in after}, kernel.inspect_ptx(sig))


def error_in_worker(kernel):
    try:
        kernel.compile("void(float32[::1])")
    except pf.CompileError as e:
        return str(e)
    return None
'''


@pytest.fixture
def ship(tmp_path, monkeypatch, cache_dir):
    """The SHIP module, importable by name here and in spawned workers."""
    import importlib
    import sys

    name = f"pf_ship_{tmp_path.name}".replace("-", "_")
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(SHIP))
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(name)
    yield module
    sys.modules.pop(name, None)


def test_a_module_kernel_pickles_by_reference(ship):
    data = pickle.dumps(ship.by_reference)
    assert len(data) < 200 and b"by_reference" in data
    assert pickle.loads(data) is ship.by_reference
    assert pickle.loads(pickle.dumps(ship.twice)) is ship.twice


def test_a_closure_pickles_by_value_with_frozen_globals(ship):
    k = ship.make(3.0)
    data = pickle.dumps(k)
    ship.TABLE = np.zeros(4, np.float32)  # later changes do not reach the copy
    again = pickle.loads(data)
    assert again is not k and again.__name__ == "closure"
    ship.TABLE = np.array([1.0, 2.0, 4.0, 8.0], dtype=np.float32)
    assert again.inspect_ptx(SIG) == k.inspect_ptx(SIG)


def test_signatures_and_options_travel(ship):
    k = pf.kernel(SIG, fastmath=True, lineinfo=True, cache=False)(ship.make(1.0).py_func)
    again = pickle.loads(pickle.dumps(k))
    assert again.signatures == k.signatures and again.options == k.options
    assert again._use_cache is False
    assert ".loc" in again.inspect_ptx(SIG)


def test_errors_in_a_travelled_kernel_point_at_its_file(ship):
    again = pickle.loads(pickle.dumps(ship.make_broken(1.0)))
    with pytest.raises(pf.CompileError) as caught:
        again.compile(SIG)
    text = str(caught.value)
    assert "not_defined_anywhere" in text and ship.__file__ in text
    lines = pathlib.Path(ship.__file__).read_text().splitlines()
    line = next(i for i, ln in enumerate(lines, 1) if "not_defined_anywhere" in ln)
    assert f":{line}:" in text


def spawn_pool():
    return multiprocessing.get_context("spawn").Pool(2)


@pytest.mark.parametrize("which", ["by_reference", "closure"])
def test_a_spawned_worker_reads_the_warm_cache_instead_of_compiling(ship, which):
    kernel = ship.by_reference if which == "by_reference" else ship.make(0.5)
    kernel.compile(SIG)  # warms the disk cache
    with spawn_pool() as pool:
        results = pool.starmap(ship.compile_in_worker, [(kernel,), (kernel,)])
    for counts, ptx in results:
        assert counts["compiles"] == 0 and counts["hits"] == 1, counts
        assert ptx == kernel.inspect_ptx(SIG)


def test_a_cold_worker_compiles_and_fills_the_cache(ship):
    kernel = ship.make(7.0)
    with spawn_pool() as pool:
        ((counts, _),) = pool.starmap(ship.compile_in_worker, [(kernel,)])
    assert counts["compiles"] == 1 and counts["stores"] == 1
    before = pf.cache.stats()
    pf.kernel(kernel.py_func).compile(SIG)
    assert pf.cache.stats()["hits"] == before["hits"] + 1  # what the worker compiled


def test_a_process_pool_executor(ship):
    kernels = [ship.by_reference, ship.make(1.5), ship.make(2.5)]
    for k in kernels:
        k.compile(SIG)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        results = list(pool.map(ship.compile_in_worker, kernels))
    assert [r[0]["compiles"] for r in results] == [0, 0, 0]
    assert [r[1] for r in results] == [k.inspect_ptx(SIG) for k in kernels]


def test_a_compile_error_is_raised_in_the_worker(ship):
    with spawn_pool() as pool:
        messages = pool.map(ship.error_in_worker, [ship.make_broken(1.0)] * 2)
    assert all(m and "not_defined_anywhere" in m for m in messages)


MULTI_GPU = pathlib.Path(__file__).resolve().parents[2] / "examples" / "multi_gpu.py"


def run_multi_gpu():
    return subprocess.run([sys.executable, str(MULTI_GPU)], capture_output=True, text=True, env=os.environ,
                          timeout=300)


@pytest.mark.skipif(pf.is_available(), reason="checks the example on a machine with no GPU")
def test_the_multi_gpu_example_says_there_is_no_gpu(cache_dir):
    out = run_multi_gpu()
    assert out.returncode == 0, out.stderr
    assert "nothing to run, no GPU here" in out.stdout


@pytest.mark.gpu
@pytest.mark.gpu_only("the CUDA devices of the machine")
def test_the_multi_gpu_example_runs_on_every_device_without_recompiling(cache_dir):
    out = run_multi_gpu()
    assert out.returncode == 0, out.stderr
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("device ")]
    assert len(lines) == len(pf.gpus) >= 1
    assert all("0 kernels compiled in its worker" in ln for ln in lines), out.stdout
    assert out.stdout.rstrip().endswith("ok")
