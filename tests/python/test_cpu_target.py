"""The CPU target's own behaviour (docs/cpu.md). Every ``gpu`` test also runs on
the CPU target (conftest.py); these check what only the CPU target does, and run
everywhere."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import ptxforge as pf
import pytest


@pf.kernel(target="cpu")
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < out.size:
        out[i] = a * x[i] + y[i]


def test_a_cpu_kernel_computes_in_place_on_numpy_arrays():
    x = np.arange(1000, dtype=np.float32)
    y = np.ones(1000, np.float32)
    out = np.zeros(1000, np.float32)
    saxpy[8, 128](2.0, x, y, out)
    np.testing.assert_array_equal(out, 2 * x + 1)
    assert "target=cpu" in repr(saxpy)


def test_a_bad_target_fails_at_decoration():
    with pytest.raises(ValueError, match="target must be 'gpu' .* or 'cpu', not 'tpu'"):
        @pf.kernel(target="tpu")
        def k(x):
            pass


def test_a_bad_ptxforge_target_names_the_variable(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import ptxforge"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PTXFORGE_TARGET": "fpga"})
    assert done.returncode != 0
    assert "PTXFORGE_TARGET must be 'gpu' (or 'cuda') or 'cpu', not 'fpga'" in done.stderr


@pf.kernel(target="cpu")
def count(counter):
    pf.atomic.add(counter, 0, 1)


def test_blocks_run_in_parallel_and_atomics_count_every_thread():
    counter = np.zeros(1, np.int64)
    count[512, 256](counter)
    assert counter[0] == 512 * 256
    assert pf._core.cpu_workers() >= 1


@pf.kernel(target="cpu")
def block_sums(x, out):
    s = pf.shared.array(256, np.float32)
    tid = pf.threadIdx.x
    s[tid] = x[pf.grid(1)]
    pf.syncthreads()
    step = 128
    while step > 0:
        if tid < step:
            s[tid] += s[tid + step]
        pf.syncthreads()
        step //= 2
    if tid == 0:
        out[pf.blockIdx.x] = s[0]


def test_syncthreads_orders_shared_memory_across_fibers():
    x = np.arange(64 * 256, dtype=np.float32) % 7
    out = np.zeros(64, np.float32)
    block_sums[64, 256](x, out)
    np.testing.assert_array_equal(out, x.reshape(64, 256).sum(axis=1))


@pf.kernel(target="cpu")
def warp_sum(x, out):
    v = x[pf.grid(1)]
    offset = 16
    while offset > 0:
        v += pf.shfl_down_sync(0xFFFFFFFF, v, offset)
        offset //= 2
    if pf.laneid == 0:
        out[pf.grid(1) // 32] = v


def test_warps_exchange_in_lockstep():
    x = np.arange(256, dtype=np.int32)
    out = np.zeros(8, np.int32)
    warp_sum[2, 128](x, out)
    np.testing.assert_array_equal(out, x.reshape(8, 32).sum(axis=1))


@pf.kernel(target="cpu")
def divergent_barrier(out):
    if pf.threadIdx.x < 16:
        pf.syncthreads()
    out[pf.threadIdx.x] = 1


def test_a_barrier_some_threads_never_reach_is_an_error_not_a_hang():
    # Threads that exit count as arrived (sm_70+): the barrier above completes.
    out = np.zeros(32, np.int32)
    divergent_barrier[1, 32](out)
    assert out.sum() == 32


@pf.kernel(target="cpu")
def crossed(out):
    if pf.laneid == 0:
        out[0] = pf.shfl_sync(0xFFFFFFFF, 1, 0)  # waits for lanes 1..31, which wait at the barrier
    else:
        pf.syncthreads()


def test_threads_waiting_for_ever_are_reported_as_a_deadlock():
    with pytest.raises(pf.KernelError, match="deadlocked on the CPU target"):
        crossed[1, 32](np.zeros(1, np.int32))
    saxpy[1, 32](1.0, np.ones(32, np.float32), np.ones(32, np.float32), np.zeros(32, np.float32))  # still works


def test_launches_the_gpu_refuses_are_refused():
    x = np.zeros(4096, np.float32)
    with pytest.raises(ValueError, match="1024"):
        saxpy[1, 2048](1.0, x, x, x)


def test_inspection_shows_host_ir_and_assembly():
    sig = "void(float32, float32[::1], float32[::1], float32[::1])"
    ir = saxpy.inspect_llvm(sig)
    assert "nvptx" not in ir and "__pf_entry" in ir
    asm = saxpy.inspect_asm(sig)
    assert "__pf_entry" in asm and ".entry" not in asm
    assert ".entry" in saxpy.inspect_asm(sig, target="gpu")  # the GPU's PTX on demand


def test_code_linked_for_the_gpu_is_refused_with_its_line(tmp_path):
    times3 = pf.declare_device("times3", "int32(int32)",
                               link=pf.CUSource('extern "C" __device__ int times3(int x) { return 3 * x; }'))

    @pf.kernel(target="cpu")
    def k(x):
        x[0] = times3(x[0])

    with pytest.raises(pf.CompileError, match="'times3' is a declare_device function") as info:
        k[1, 1](np.zeros(1, np.int32))
    assert f"{__file__}:" in str(info.value)


def test_an_out_of_bounds_write_in_debug_mode_leaves_the_process_usable(tmp_path):
    program = tmp_path / "prog.py"
    program.write_text(textwrap.dedent("""
        import numpy as np
        import ptxforge as pf

        @pf.kernel(target="cpu", debug=True)
        def fill(out):
            i = pf.grid(1)
            out[i] = i

        try:
            fill[4, 32](np.zeros(100, np.int32))
        except IndexError as e:
            print("caught:", e)
        out = np.zeros(128, np.int32)
        fill[4, 32](out)
        print("then:", out.sum())
    """))
    done = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    caught, then = done.stdout.splitlines()
    assert f"file {program}, line 8, tid=[" in caught and "ctaid=[3, 0, 0]" in caught
    assert "is out of bounds for axis 0 with size 100 in out[i]" in caught
    assert then == f"then: {sum(range(128))}"


def test_device_arrays_streams_and_events_live_in_host_memory(tmp_path):
    program = tmp_path / "prog.py"
    program.write_text(textwrap.dedent("""
        import numpy as np
        import ptxforge as pf

        @pf.kernel
        def double(x):
            i = pf.grid(1)
            if i < x.size:
                x[i] *= 2

        s = pf.stream()
        start, end = pf.event(), pf.event()
        d = pf.to_device(np.arange(10, dtype=np.float64), stream=s)
        start.record(s)
        double[1, 32, s](d)
        end.record(s)
        s.synchronize()
        print(d.copy_to_host().tolist(), pf.event_elapsed_time(start, end) >= 0)
    """))
    done = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PTXFORGE_TARGET": "cpu"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{[2.0 * i for i in range(10)]} True"


def test_vectorize_and_guvectorize_take_target_cpu(monkeypatch):
    from ptxforge import _target

    monkeypatch.setattr(_target, "host_memory", lambda: True)  # as with PTXFORGE_TARGET=cpu or no GPU

    @pf.vectorize(["float32(float32, float32)"], target="cpu")
    def add(a, b):
        return a + b

    x = np.arange(1000, dtype=np.float32)
    np.testing.assert_array_equal(add(x, 2 * x), 3 * x)
    assert add._kernel((False, False)).target == "cpu"  # pinned, whatever the default target

    @pf.guvectorize(["void(float64[:], float64[:])"], "(n)->()", target="host")
    def total(v, out):
        s = 0.0
        for k in range(v.shape[0]):
            s += v[k]
        out[0] = s

    m = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(total(m), m.sum(axis=1))
    assert total._kernel.target == "cpu"


def test_vectorize_target_cpu_needs_host_memory(monkeypatch):
    from ptxforge import _target

    monkeypatch.setattr(_target, "host_memory", lambda: False)  # a GPU is the default target
    with pytest.raises(ValueError, match=r"vectorize\(target='cpu'\) needs device arrays in host memory"):
        pf.vectorize(["float32(float32)"], target="cpu")(lambda a: a)
    with pytest.raises(ValueError, match="target='cuda' \\(or 'cpu'\\), not 'tpu'"):
        pf.vectorize(["float32(float32)"], target="tpu")(lambda a: a)


@pf.kernel(target="cpu")
def _integer_libdevice(x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i, 0] = pf.libdevice.mulhi(x[i], y[i])
        out[i, 1] = pf.libdevice.hadd(x[i], y[i])
        out[i, 2] = pf.libdevice.rhadd(x[i], y[i])
        out[i, 3] = pf.libdevice.ffs(x[i])
        out[i, 4] = pf.libdevice.mul24(x[i], y[i])
        out[i, 5] = pf.libdevice.min(x[i], y[i])
        out[i, 6] = pf.libdevice.float_as_int(pf.libdevice.int_as_float(x[i]))
        out[i, 7] = pf.libdevice.sad(x[i], y[i], 3)


def test_libdevice_integer_functions_on_the_cpu():
    x = np.array([0, 1, -7, 123456, 2**31 - 1, -2**31, 0x00800000, 96], np.int32)
    y = np.array([5, -3, 9, -654321, 2**31 - 1, 7, 3, -96], np.int32)
    out = np.zeros((x.size, 8), np.int64)
    _integer_libdevice[1, 32](x, y, out)
    a, b = x.astype(np.int64), y.astype(np.int64)
    ffs = [0 if v == 0 else (int(v) & -int(v)).bit_length() for v in x]
    sext24 = lambda v: ((v & 0xFFFFFF) ^ 0x800000) - 0x800000  # noqa: E731
    mul24 = ((sext24(a) * sext24(b)) + 2**31) % 2**32 - 2**31
    want = np.stack([(a * b) >> 32, (a + b) >> 1, (a + b + 1) >> 1, ffs, mul24, np.minimum(a, b), a,
                     np.abs(a - b) + 3], axis=1)
    want[:, 7] = (want[:, 7] + 2**31) % 2**32 - 2**31  # an int32 result
    np.testing.assert_array_equal(out, want)


@pf.kernel(target="cpu")
def add_index(out, k):
    i = pf.grid(1)
    if i < out.size:
        out[i] += i + k


@pf.kernel(target="cpu", launch_bounds=64)
def add_index_bounded(out, k):
    i = pf.grid(1)
    if i < out.size:
        out[i] += i + k


def test_forall_on_the_cpu_target_needs_no_driver():
    out = np.zeros(1000, np.int64)
    add_index.forall(out.size)(out, 7)
    np.testing.assert_array_equal(out, np.arange(1000) + 7)
    add_index_bounded.forall(out.size)(out, 0)  # a block of at most 64 threads
    np.testing.assert_array_equal(out, 2 * np.arange(1000) + 7)


@pf.kernel(target="cpu")
def shared_roundtrip(ary):
    sm = pf.shared.array(10, dtype=ary.dtype)
    for j in range(10):
        sm[j] = ary[j] + 1
    pf.syncthreads()
    for j in range(10):
        ary[j] = sm[9 - j]


def test_gpu_resources_of_a_cpu_kernel_do_not_repeat_its_signatures():
    # the GPU resources of a CPU-target kernel are compiled for sm_90 beside its CPU code:
    # still one signature each
    for dtype in (np.float32, np.float64):
        a = np.arange(10, dtype=dtype)
        shared_roundtrip[1, 1](a)
        np.testing.assert_array_equal(a, np.arange(10)[::-1] + 1)
    sizes = shared_roundtrip.get_shared_mem_per_block()  # the cubin's figure, or the driver's (it may round up)
    assert sizes.keys() == {("float32[::1]",), ("float64[::1]",)}
    assert sizes[("float32[::1]",)] >= 40 and sizes[("float64[::1]",)] >= 80
    assert shared_roundtrip.signatures == [("float32[::1]",), ("float64[::1]",)]
