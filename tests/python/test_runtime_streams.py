"""Streams, events, CUDA graphs, devices, device faults, and memory over many launches.

Every test here is marked ``gpu`` and skips where there is no CUDA GPU.
"""

import gc
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core

pytestmark = pytest.mark.gpu


@pf.kernel
def add_one(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = x[i] + 1


@pf.kernel
def busy(x, rounds):
    i = pf.grid(1)
    if i < x.size:
        v = x[i]
        for _ in range(rounds):
            v = v * 1.0000001 + 0.5
        x[i] = v


@pf.kernel
def double_into(src, dst):
    i = pf.grid(1)
    if i < src.size:
        dst[i] = src[i] * 2


def test_streams_launch_and_synchronize():
    s = pf.stream()
    assert s.handle != 0 and isinstance(s, pf.Stream)
    assert pf.default_stream().handle == 0
    d = pf.to_device(np.zeros(1000, np.float32), stream=s)
    for _ in range(5):
        add_one[4, 256, s](d)
    s.synchronize()
    assert s.query()
    np.testing.assert_array_equal(d.copy_to_host(), 5)
    with s.auto_synchronize():
        add_one[4, 256, s, 0](d)
        out = d.copy_to_host(pf.pinned_array(1000, np.float32), stream=s)
    np.testing.assert_array_equal(out, 6)
    add_one[4, 256, pf.default_stream()](d)
    np.testing.assert_array_equal(d.copy_to_host(), 7)


def test_two_streams_ordered_by_an_event():
    a, b = pf.stream(), pf.stream()
    d = pf.to_device(np.zeros(1 << 16, np.float64))
    busy[(1 << 16) // 256, 256, a](d, 2000)
    e = pf.event(timing=False)
    e.record(a)
    e.wait(b)  # b's later work waits for a's busy kernel
    add_one[(1 << 16) // 256, 256, b](d)
    b.synchronize()
    host = d.copy_to_host()
    expected = np.zeros(1, np.float64)
    for _ in range(2000):
        expected = expected * 1.0000001 + 0.5
    np.testing.assert_allclose(host, expected[0] + 1, rtol=1e-12)


def test_event_timing(pf_target):
    n = 1 << 20 if pf_target == "gpu" else 1 << 12  # the CPU target works through the same launches slower
    s = pf.stream()
    d = pf.to_device(np.zeros(n, np.float32))
    start, end = pf.event(), pf.event()
    start.record(s)
    for _ in range(20):
        busy[n // 256, 256, s](d, 200)
    end.record(s)
    end.synchronize()
    assert end.query()
    ms = pf.event_elapsed_time(start, end)
    assert 0 < ms < 10_000
    assert start.elapsed_time(end) == ms


@pytest.mark.gpu_only("CUDA graphs")
def test_graph_capture_and_replay():
    s = pf.stream()
    src = pf.to_device(np.arange(4096, dtype=np.float32), stream=s)
    dst = pf.device_array(4096, np.float32, stream=s)
    copy = pf.device_array(4096, np.float32, stream=s)
    # Load both kernels first: a capture records launches, not module loads.
    add_one[16, 256, s](src)
    double_into[16, 256, s](src, dst)
    src.copy_to_device(np.arange(4096, dtype=np.float32), stream=s)
    s.synchronize()
    with pf.graph_capture(s) as g:
        add_one[16, 256, s](src)
        double_into[16, 256, s](src, dst)
        copy.copy_to_device(dst, stream=s)
    assert g.node_count == 3
    s.synchronize()
    np.testing.assert_array_equal(src.copy_to_host(), np.arange(4096))  # captured, not run
    for _ in range(3):
        g.launch()
    s.synchronize()
    np.testing.assert_array_equal(src.copy_to_host(), np.arange(4096) + 3)
    np.testing.assert_array_equal(dst.copy_to_host(), (np.arange(4096) + 3) * 2)
    np.testing.assert_array_equal(copy.copy_to_host(), (np.arange(4096) + 3) * 2)
    other = pf.stream()
    g.launch(other)
    other.synchronize()
    np.testing.assert_array_equal(src.copy_to_host(), np.arange(4096) + 4)


@pytest.mark.gpu_only("CUDA graphs")
def test_arrays_freed_during_a_capture_are_freed_after_it():
    gc.collect()
    s = pf.stream()
    d = pf.to_device(np.zeros(256, np.float32))
    add_one[1, 256, s](d)  # loaded before the capture
    s.synchronize()
    live = _core.live_allocations()
    with pf.graph_capture(s) as g:
        tmp = pf.device_array(256, np.float32)
        add_one[1, 256, s](d)
        del tmp
        gc.collect()
    assert _core.live_allocations() == live
    g.launch()
    s.synchronize()
    np.testing.assert_array_equal(d.copy_to_host(), 2)


@pytest.mark.gpu_only("the driver's devices and memory info")
def test_devices_and_memory_info():
    assert pf.is_available()
    assert len(pf.gpus) >= 1
    dev = pf.get_current_device()
    assert dev.compute_capability >= (7, 0) and isinstance(dev.name, bytes) and dev.name
    assert dev.MULTIPROCESSOR_COUNT > 0 and dev.MAX_THREADS_PER_BLOCK >= 1024
    assert pf.select_device(dev.id).id == dev.id
    assert pf.gpus[dev.id].compute_capability == dev.compute_capability
    free, total = pf.current_context().get_memory_info()
    assert 0 < free <= total
    pf.synchronize()


@pytest.mark.gpu_only("counts the driver's allocations and free memory over 100,000 rounds")
def test_no_memory_growth_over_many_launches_and_allocations():
    n = 4096
    keep = pf.to_device(np.zeros(n, np.float32))

    def rounds(count):
        for _ in range(count):
            tmp = pf.device_array(n, np.float32)
            add_one[n // 256, 256](keep)
            double_into[n // 256, 256](keep, tmp)
            del tmp

    rounds(1000)
    pf.synchronize()
    gc.collect()
    live = _core.live_allocations()
    free_before = pf.current_context().get_memory_info().free
    rounds(100_000)
    pf.synchronize()
    gc.collect()
    free_after = pf.current_context().get_memory_info().free
    assert _core.live_allocations() == live
    assert free_before - free_after < 8 << 20, (free_before, free_after)
    np.testing.assert_array_equal(keep.copy_to_host(), 101_000)


def _run(code, tmp_path):
    """Runs `code` from a file in a fresh interpreter (kernels need their source in a file)."""
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)


@pytest.mark.gpu_only("a device fault (an illegal address)")
def test_device_fault_names_the_kernel_and_does_not_abort(tmp_path):
    proc = _run("""
        import numpy as np
        import ptxforge as pf

        class Bogus:
            __cuda_array_interface__ = {"shape": (1 << 20,), "typestr": "<f4", "data": (0x10, False),
                                        "version": 3, "strides": None, "stream": None}

        @pf.kernel
        def poke_bad_address(x):
            i = pf.grid(1)
            if i < x.size:
                x[i] = 1.0

        poke_bad_address[(1 << 20) // 256, 256](Bogus())
        try:
            pf.synchronize()
        except pf.CudaDriverError as e:
            print("CAUGHT", e)
        else:
            print("NO ERROR")
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "CAUGHT" in proc.stdout, proc.stdout + proc.stderr
    assert "CUDA_ERROR_ILLEGAL_ADDRESS" in proc.stdout
    assert "kernel 'poke_bad_address'" in proc.stdout
