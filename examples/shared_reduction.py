"""Sum reduction: a grid-stride loop per thread, then a tree in shared memory per block."""

import numpy as np

import ptxforge as pf

TPB = 256  # threads per block: the shared array's length, a compile-time constant


@pf.kernel("void(float32[::1], float32[::1], float32[::1])")
def block_sums(x, partial, total):
    buf = pf.shared.array(TPB, pf.float32)
    tid = pf.threadIdx.x
    acc = pf.float32(0)
    i = pf.grid(1)
    while i < x.size:
        acc += x[i]
        i += pf.gridsize(1)
    buf[tid] = acc
    pf.syncthreads()
    s = TPB // 2
    while s > 0:  # halve the active threads each step
        if tid < s:
            buf[tid] += buf[tid + s]
        pf.syncthreads()
        s //= 2
    if tid == 0:
        partial[pf.blockIdx.x] = buf[0]
        pf.atomic.add(total, 0, buf[0])


def main():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(1_000_003).astype(np.float32)
    blocks = 120
    partial = np.zeros(blocks, np.float32)
    total = np.zeros(1, np.float32)
    block_sums[blocks, TPB](x, partial, total)
    expected = x.sum(dtype=np.float64)
    np.testing.assert_allclose(partial.sum(dtype=np.float64), expected, rtol=1e-4, atol=1e-2)
    np.testing.assert_allclose(total[0], expected, rtol=1e-4, atol=1e-2)
    print(f"shared-memory reduction of {x.size} floats: {total[0]:.3f} (numpy {expected:.3f}) ok")


if __name__ == "__main__":
    main()
