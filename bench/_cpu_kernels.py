"""The kernels of bench/cpu_backend.py, written once in numba-cuda's dialect.

PF_BENCH_BACKEND=numba imports them for numba-cuda (its simulator, with
NUMBA_ENABLE_CUDASIM=1); otherwise they are ptxforge kernels on the CPU target.
"""

import os

import numpy as np

if os.environ.get("PF_BENCH_BACKEND") == "numba":
    from numba import cuda

    jit = cuda.jit
else:
    import ptxforge as cuda

    jit = cuda.kernel(target="cpu", cache=False)

TPB = 128  # threads per block of the reduction
TILE = 16  # the matmul's tile (blocks of TILE x TILE threads)


@jit
def block_sums(x, out):
    """out[b] = the sum of block b's TPB elements of x, a tree in shared memory."""
    s = cuda.shared.array(TPB, np.float32)
    tid = cuda.threadIdx.x
    i = cuda.blockIdx.x * cuda.blockDim.x + tid
    if i < x.size:
        s[tid] = x[i]
    else:
        s[tid] = 0
    cuda.syncthreads()
    step = TPB // 2
    while step > 0:
        if tid < step:
            s[tid] += s[tid + step]
        cuda.syncthreads()
        step //= 2
    if tid == 0:
        out[cuda.blockIdx.x] = s[0]


@jit
def matmul(a, b, c):
    """c = a @ b, tiled through shared memory."""
    sa = cuda.shared.array((TILE, TILE), np.float32)
    sb = cuda.shared.array((TILE, TILE), np.float32)
    x, y = cuda.grid(2)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    n = a.shape[1]
    acc = np.float32(0)
    for t in range((n + TILE - 1) // TILE):
        if y < a.shape[0] and t * TILE + tx < n:
            sa[ty, tx] = a[y, t * TILE + tx]
        else:
            sa[ty, tx] = 0
        if x < b.shape[1] and t * TILE + ty < n:
            sb[ty, tx] = b[t * TILE + ty, x]
        else:
            sb[ty, tx] = 0
        cuda.syncthreads()
        for k in range(TILE):
            acc += sa[ty, k] * sb[k, tx]
        cuda.syncthreads()
    if y < c.shape[0] and x < c.shape[1]:
        c[y, x] = acc
