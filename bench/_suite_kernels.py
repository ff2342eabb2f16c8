"""The benchmark suite's kernels, written once against the name ``cuda``.

bench/kernels.py loads this file twice, with ``cuda`` bound to ptxforge and to
numba.cuda (as tests/python/corpus/runner.py does), so both run the same
source. bench/kernels.cu holds the same algorithms in CUDA C for nvcc and
CuPy's RawKernel. Each is the naive form a user writes first: one element per
thread, or the textbook loop.
"""

import math

import numpy as np

cuda = globals()["cuda"]  # bound by bench/kernels.py: ptxforge or numba.cuda

TPB = 256  # threads per block of the reductions, the shared arrays' length
TILE = 16
BINS = 256


@cuda.jit
def saxpy(a, x, y, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


@cuda.jit
def copy(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = x[i]


@cuda.jit
def tree_sum(x, out):
    """A grid-stride loop per thread, then a tree in shared memory per block."""
    buf = cuda.shared.array(TPB, np.float32)
    tid = cuda.threadIdx.x
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    acc = np.float32(0)
    while i < x.shape[0]:
        acc += x[i]
        i += stride
    buf[tid] = acc
    cuda.syncthreads()
    s = TPB // 2
    while s > 0:
        if tid < s:
            buf[tid] += buf[tid + s]
        cuda.syncthreads()
        s //= 2
    if tid == 0:
        cuda.atomic.add(out, 0, buf[0])


@cuda.jit
def warp_sum(x, out):
    """A grid-stride loop per thread, then shuffles down each warp."""
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    acc = np.float32(0)
    while i < x.shape[0]:
        acc += x[i]
        i += stride
    offset = 16
    while offset > 0:
        acc += cuda.shfl_down_sync(0xFFFFFFFF, acc, offset)
        offset //= 2
    if cuda.laneid == 0:
        cuda.atomic.add(out, 0, acc)


@cuda.jit
def matmul(a, b, c):
    """16x16 tiles of A and B in shared memory (square matrices, n a multiple of 16)."""
    sa = cuda.shared.array((TILE, TILE), np.float32)
    sb = cuda.shared.array((TILE, TILE), np.float32)
    x, y = cuda.grid(2)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    n = a.shape[0]
    acc = np.float32(0)
    for t in range(n // TILE):
        sa[ty, tx] = a[y, t * TILE + tx]
        sb[ty, tx] = b[t * TILE + ty, x]
        cuda.syncthreads()
        for k in range(TILE):
            acc += sa[ty, k] * sb[k, tx]
        cuda.syncthreads()
    c[y, x] = acc


@cuda.jit
def stencil(a, out):
    """The 5-point Laplacian step of the heat equation on the interior."""
    x, y = cuda.grid(2)
    if 0 < y < a.shape[0] - 1 and 0 < x < a.shape[1] - 1:
        out[y, x] = a[y, x] + np.float32(0.2) * (a[y - 1, x] + a[y + 1, x] + a[y, x - 1] + a[y, x + 1]
                                                 - np.float32(4) * a[y, x])


@cuda.jit
def histogram(data, bins):
    """256 bins counted in shared memory per block, then added into the global ones."""
    local = cuda.shared.array(BINS, np.uint32)
    tid = cuda.threadIdx.x
    local[tid] = 0
    cuda.syncthreads()
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    while i < data.shape[0]:
        cuda.atomic.add(local, data[i], 1)
        i += stride
    cuda.syncthreads()
    cuda.atomic.add(bins, tid, local[tid])


@cuda.jit
def softmax(x, out):
    """One block per row: the row's maximum and sum of exponentials by tree reductions."""
    buf = cuda.shared.array(TPB, np.float32)
    row = cuda.blockIdx.x
    tid = cuda.threadIdx.x
    n = x.shape[1]
    m = np.float32(-math.inf)
    j = tid
    while j < n:
        m = max(m, x[row, j])
        j += TPB
    buf[tid] = m
    cuda.syncthreads()
    s = TPB // 2
    while s > 0:
        if tid < s:
            buf[tid] = max(buf[tid], buf[tid + s])
        cuda.syncthreads()
        s //= 2
    m = buf[0]
    cuda.syncthreads()
    total = np.float32(0)
    j = tid
    while j < n:
        total += math.exp(x[row, j] - m)
        j += TPB
    buf[tid] = total
    cuda.syncthreads()
    s = TPB // 2
    while s > 0:
        if tid < s:
            buf[tid] += buf[tid + s]
        cuda.syncthreads()
        s //= 2
    scale = np.float32(1) / buf[0]
    j = tid
    while j < n:
        out[row, j] = math.exp(x[row, j] - m) * scale
        j += TPB


@cuda.jit(device=True)
def cnd(d):
    """The cumulative normal distribution, Abramowitz and Stegun's polynomial."""
    k = np.float32(1) / (np.float32(1) + np.float32(0.2316419) * abs(d))
    poly = k * (np.float32(0.31938153) + k * (np.float32(-0.356563782) + k * (np.float32(1.781477937) + k * (
        np.float32(-1.821255978) + k * np.float32(1.330274429)))))
    w = np.float32(0.3989422804014327) * math.exp(np.float32(-0.5) * d * d) * poly
    return np.float32(1) - w if d > 0 else w


@cuda.jit
def black_scholes(price, strike, years, call, put, rate, vol):
    i = cuda.grid(1)
    r = np.float32(rate)  # numba would otherwise compute in float64 with a Python float
    v = np.float32(vol)
    if i < price.size:
        s = price[i]
        k = strike[i]
        t = years[i]
        root = math.sqrt(t)
        d1 = (math.log(s / k) + (r + np.float32(0.5) * v * v) * t) / (v * root)
        d2 = d1 - v * root
        discount = math.exp(-r * t)
        call[i] = s * cnd(d1) - k * discount * cnd(d2)
        put[i] = k * discount * (np.float32(1) - cnd(d2)) - s * (np.float32(1) - cnd(d1))


@cuda.jit
def nbody(pos, acc, soft2):
    """One body per thread: the acceleration every body pulls it with (x, y, z, mass rows)."""
    i = cuda.grid(1)
    n = pos.shape[1]
    eps = np.float32(soft2)  # float32 under numba too
    if i < n:
        xi = pos[0, i]
        yi = pos[1, i]
        zi = pos[2, i]
        ax = np.float32(0)
        ay = np.float32(0)
        az = np.float32(0)
        for j in range(n):
            dx = pos[0, j] - xi
            dy = pos[1, j] - yi
            dz = pos[2, j] - zi
            r2 = dx * dx + dy * dy + dz * dz + eps
            inv = np.float32(1) / math.sqrt(r2)
            f = pos[3, j] * inv * inv * inv
            ax += f * dx
            ay += f * dy
            az += f * dz
        acc[0, i] = ax
        acc[1, i] = ay
        acc[2, i] = az
