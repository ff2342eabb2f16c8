"""Kernels whose every stage is golden-tested (tests/python/test_inspection.py):
the expected report of each stage is in expected/<kernel>.<stage>.txt. After a
deliberate change, regenerate them with PTXFORGE_UPDATE_GOLDEN=1 and read the diff."""

import math

import ptxforge as pf


@pf.jit(device=True)
def softplus(v):
    return math.log(1.0 + math.exp(v))


@pf.kernel("void(float32, float32[::1], float32[::1])")
def scaled_softplus(a, x, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * softplus(x[i])


@pf.kernel("void(float32[::1], float32[::1])")
def block_sum(x, partial):
    tile = pf.shared.array(256, pf.float32)
    t = pf.threadIdx.x
    i = pf.grid(1)
    tile[t] = x[i] if i < x.size else 0.0
    pf.syncthreads()
    step = 128
    while step > 0:
        if t < step:
            tile[t] += tile[t + step]
        pf.syncthreads()
        step //= 2
    if t == 0:
        partial[pf.blockIdx.x] = tile[0]
