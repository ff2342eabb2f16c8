"""The device queries (numba-cuda's get_current_device, current_context, gpus, detect ...).

On the CPU target with no GPU they answer for the CPU target's one stand-in
device, as numba-cuda's simulator answers for its fake one; on the GPU target
with no driver they raise CudaSupportError. A GPU is simulated away here by
telling ``_target`` that none is available.
"""

import pytest

import ptxforge as pf
from ptxforge import _core, _target


@pytest.fixture
def cpu_without_gpu(monkeypatch):
    monkeypatch.setattr(_target, "_gpu", [False])
    previous = _target.set_default("cpu")
    yield
    _target.set_default(previous)


@pytest.fixture
def gpu_target_without_gpu(monkeypatch):
    if _core.is_available():
        pytest.skip("there is a GPU: the GPU target's queries answer for it")
    previous = _target.set_default("gpu")
    yield
    _target.set_default(previous)


def test_the_cpu_target_answers_for_its_stand_in_device(cpu_without_gpu, capsys):
    assert pf.is_available()
    dev = pf.get_current_device()
    assert dev.is_cpu and dev.id == 0
    assert dev.compute_capability == (9, 0)  # the CPU target compiles as sm_90
    assert b"CPU" in dev.name and "CPU" in repr(dev)
    assert dev.uuid.startswith("CPU-")
    assert dev.MAX_THREADS_PER_BLOCK == 1024 and dev.WARP_SIZE == 32
    assert dev.MULTIPROCESSOR_COUNT == _core.cpu_workers() >= 1
    assert dev.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN == 232448  # the CPU runtime's limit, sm_90's
    assert dev.supports_float16 and dev.supports_bfloat16 and dev.supports_fp8
    assert dev.total_memory > 0

    assert len(pf.gpus) == 1 and pf.gpus[0] == dev and pf.gpus[-1] == dev and pf.gpus[1:] == []
    assert pf.list_devices() == [dev] and list(pf.gpus) == [dev] and pf.gpus.current == dev
    assert pf.select_device(0) == dev
    with pytest.raises(ValueError, match="one device"):
        pf.select_device(1)
    with pytest.raises(IndexError):
        pf.gpus[1]
    with pf.gpus[0] as inside:
        assert inside == dev

    ctx = pf.current_context()
    assert ctx.device == dev
    free, total = ctx.get_memory_info()
    assert 0 < free <= total == dev.total_memory
    ctx.synchronize()
    ctx.reset()
    dev.reset()

    assert pf.detect() is True
    out = capsys.readouterr().out
    assert "CPU target" in out and "9.0" in out


def test_the_gpu_target_without_a_driver_still_says_so(gpu_target_without_gpu):
    assert not pf.is_available()
    assert len(pf.gpus) == 0 and pf.list_devices() == []
    for query in (pf.get_current_device, pf.current_context, lambda: pf.select_device(0)):
        with pytest.raises(pf.CudaSupportError, match="GPU"):
            query()


@pytest.mark.gpu
@pytest.mark.gpu_only("the driver's device attributes")
def test_gpu_device_limits():
    dev = pf.get_current_device()
    assert not dev.is_cpu
    assert dev.MAX_BLOCK_DIM_X == 1024 and dev.MAX_BLOCK_DIM_Z == 64 and dev.MAX_GRID_DIM_X == 2**31 - 1
    assert dev.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN >= dev.MAX_SHARED_MEMORY_PER_BLOCK == 49152
    assert dev.supports_float16 and dev.supports_bfloat16


def _to_device_in_child():
    import numpy as np

    try:
        pf.to_device(np.arange(1))
    except Exception as exc:  # returned, not raised: the class travels as its name
        return type(exc).__name__, str(exc)
    return None


@pytest.mark.gpu
@pytest.mark.gpu_only("a forked child of a process that initialised CUDA")
def test_a_forked_child_is_told_cuda_was_initialised_before_forking():
    import concurrent.futures
    import multiprocessing

    pf.current_context()  # CUDA initialised here, then the worker is forked
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        got = pool.submit(_to_device_in_child).result(timeout=120)
    assert got is not None and got[0] == "CudaDriverError"
    assert "CUDA initialized before forking" in got[1] and "'spawn'" in got[1]
