"""One kernel on every visible GPU: a worker process per device, each computing its slice.

The kernel object travels to the workers (pickled by value when this file
runs as a script, by reference when it is imported as a module) and each
worker reads the compiled kernel from the disk cache that the parent's
first launch filled, so no worker compiles it again. With one GPU it runs on
that one; with none it says so and exits.
"""

import concurrent.futures
import multiprocessing

import numpy as np

import ptxforge as pf


@pf.kernel("void(float32, float32[::1], float32[::1], float32[::1])")
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


def run_on(device, kernel, a, x, y):
    """In a worker: launches `kernel` on `device`; returns its result and how many kernels it compiled."""
    pf.select_device(device)
    out = np.empty_like(x)
    kernel[(x.size + 255) // 256, 256](a, x, y, out)
    return out, pf.gpus[device].name.decode(), pf.cache.stats()["compiles"]


def main():
    if not pf.is_available() or pf.get_current_device().is_cpu:  # no GPU; or the CPU target's stand-in
        print(f"multi_gpu: nothing to run, no GPU here ({pf._core.unavailable_reason()})")
        return
    devices = len(pf.gpus)
    rng = np.random.default_rng(7)
    x = rng.standard_normal(1 << 22, dtype=np.float32)
    y = rng.standard_normal(1 << 22, dtype=np.float32)
    xs, ys = np.array_split(x, devices), np.array_split(y, devices)
    # One launch here compiles the kernel as the workers launch it (specialised for the
    # launch's facts: aligned, 32-bit sizes, disjoint arrays) and fills the disk cache they
    # read. saxpy.compile(signature) would compile only the general kernel.
    run_on(0, saxpy, np.float32(2.0), xs[0], ys[0])
    spawn = multiprocessing.get_context("spawn")  # CUDA does not survive fork
    with concurrent.futures.ProcessPoolExecutor(max_workers=devices, mp_context=spawn) as pool:
        jobs = [pool.submit(run_on, d, saxpy, np.float32(2.0), xs[d], ys[d]) for d in range(devices)]
        results = [job.result() for job in jobs]
    out = np.concatenate([r[0] for r in results])
    np.testing.assert_allclose(out, 2.0 * x + y, rtol=1e-6)
    for d, (part, name, compiled) in enumerate(results):
        print(f"device {d} ({name}): {part.size} elements, {compiled} kernels compiled in its worker")
    print(f"saxpy over {devices} GPU{'s' if devices > 1 else ''} ok")


if __name__ == "__main__":
    main()
