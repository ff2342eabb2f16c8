"""Threads: eight threads compiling (and, on a GPU, launching) a dozen kernels at once,
the same kernel from several threads at once too; each signature compiles once."""

import concurrent.futures
import random
import sys
import threading

import numpy as np
import pytest

import ptxforge as pf

# Twelve kernels, each for two signatures; every task is given to three threads.
KERNELS = """
import math
import ptxforge as pf

@pf.jit(device=True)
def shared_helper(v):
    return v * 0.5 + 1.0
""" + "".join(f"""

@pf.kernel(cache=CACHE)
def k{n}(a, out):
    i = pf.grid(1)
    if i < a.size:
        v = a[i]
        for _ in range({n % 3 + 1}):
            v = shared_helper(v) + {n}
        out[i] = {"math.sqrt(abs(v))" if n % 2 else "v"}
""" for n in range(12))

SIGS = ["void(float32[::1], float32[::1])", "void(float64[::1], float64[::1])"]


def tasks(module):
    work = [(getattr(module, f"k{n}"), sig) for n in range(12) for sig in SIGS] * 3
    random.Random(14).shuffle(work)
    return work


@pytest.mark.parametrize("cache", [False, True])
def test_eight_threads_compile_each_signature_once(make_module, cache_dir, cache):
    module = make_module(KERNELS.replace("CACHE", str(cache)))
    before = pf.cache.stats()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        names = list(pool.map(lambda t: t[0].compile(t[1]), tasks(module)))
        ptx = list(pool.map(lambda t: t[0].inspect_ptx(t[1]), tasks(module)))
    after = pf.cache.stats()
    assert after["compiles"] - before["compiles"] == 24
    assert after["stores"] - before["stores"] == (24 if cache else 0)
    assert sorted(set(names)) == sorted(f"k{n}" for n in range(12))
    for n in range(12):
        k = getattr(module, f"k{n}")
        assert len(k.overloads) == 2
        for sig in SIGS:  # the same code as a compilation on this thread alone
            assert k.inspect_ptx(sig) == pf.compile_ptx(k, sig)[0]
    assert len(set(ptx)) == 24


def test_threads_reading_the_same_cache_entries(make_module, cache_dir):
    source = KERNELS.replace("CACHE", "True")
    first = make_module(source)
    for n in range(12):
        getattr(first, f"k{n}").compile(SIGS[0])
    second = make_module(source)  # fresh kernel objects: everything comes from disk
    before = pf.cache.stats()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda t: t[0].compile(t[1]), [t for t in tasks(second) if t[1] == SIGS[0]]))
    after = pf.cache.stats()
    assert after["hits"] - before["hits"] == 12 and after["compiles"] == before["compiles"]


def test_compilation_releases_the_gil(make_module):
    # With a switch interval of minutes Python never takes the GIL from a thread by
    # itself: the main thread runs during the compile only if the compile lets go of it.
    module = make_module(KERNELS.replace("CACHE", "False"))
    kernel = module.k5
    kernel._function_ast()  # reading a source file would let go of the GIL too
    module.shared_helper._function_ast()
    state = {"compiling": False, "seen": None}
    ready = threading.Event()

    def compile_it():
        state["compiling"] = True
        ready.set()
        kernel.compile(SIGS[0])
        state["compiling"] = False

    old = sys.getswitchinterval()
    sys.setswitchinterval(300)
    try:
        worker = threading.Thread(target=compile_it)
        worker.start()
        ready.wait()
        state["seen"] = state["compiling"]
        worker.join()
    finally:
        sys.setswitchinterval(old)
    assert state["seen"] is True


@pytest.mark.gpu
def test_eight_threads_launch_a_dozen_kernels(make_module, cache_dir):
    module = make_module(KERNELS.replace("CACHE", "True"))
    n = 4099

    def launch(task):
        kernel, sig = task
        dtype = np.float32 if "float32" in sig else np.float64
        a = np.linspace(-3, 3, n).astype(dtype)
        out = np.zeros_like(a)
        kernel[(n + 127) // 128, 128](a, out)
        return kernel.__name__, dtype, out

    before = pf.cache.stats()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(launch, tasks(module)))
    assert pf.cache.stats()["compiles"] - before["compiles"] == 24
    for name, dtype, out in results:
        k = int(name[1:])
        v = np.linspace(-3, 3, n).astype(dtype)
        for _ in range(k % 3 + 1):
            v = v * dtype(0.5) + dtype(1.0) + dtype(k)
        expected = np.sqrt(np.abs(v)) if k % 2 else v
        np.testing.assert_allclose(out, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
