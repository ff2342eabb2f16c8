"""Corpus: the thread hierarchy, shared memory (static and dynamic), barriers, atomics, warp
intrinsics, bit intrinsics and a grid-wide barrier. Every result here is independent of the
order in which threads run."""

import numpy as np

from corpus import Case

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda

FULL = 0xFFFFFFFF
TILE = 16
TILE_PADDED = TILE + 1


@cuda.jit
def thread_hierarchy(out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i, 0] = cuda.threadIdx.x
        out[i, 1] = cuda.blockIdx.x
        out[i, 2] = cuda.blockDim.x
        out[i, 3] = cuda.gridDim.x
        out[i, 4] = cuda.gridsize(1)
        out[i, 5] = cuda.threadIdx.x + cuda.blockIdx.x * cuda.blockDim.x


def ref_thread_hierarchy(out):
    i = np.arange(out.shape[0])
    out[:] = np.stack([i % 32, i // 32, np.full_like(i, 32), np.full_like(i, 3), np.full_like(i, 96), i], axis=1)


@cuda.jit
def grid_2d_indices(out):
    x, y = cuda.grid(2)
    w, h = cuda.gridsize(2)
    if x < out.shape[0] and y < out.shape[1]:
        out[x, y, 0] = x * h + y
        out[x, y, 1] = cuda.threadIdx.y * 100 + cuda.blockIdx.y
        out[x, y, 2] = w + h


def ref_grid_2d(out):
    x, y = np.indices(out.shape[:2])
    out[..., 0] = x * 16 + y
    out[..., 1] = (y % 8) * 100 + y // 8
    out[..., 2] = 32


@cuda.jit
def lane_and_warp(out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        out[i, 0] = cuda.laneid
        out[i, 1] = cuda.warpsize


@cuda.jit
def shared_reverse_block(x, out):
    buf = cuda.shared.array(64, np.float32)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    buf[t] = x[i]
    cuda.syncthreads()
    out[i] = buf[cuda.blockDim.x - 1 - t]


def ref_shared_reverse(x, out):
    out[:] = x.reshape(-1, 64)[:, ::-1].ravel()


@cuda.jit
def shared_tree_reduction(x, out):
    buf = cuda.shared.array(128, np.int64)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    buf[t] = x[i] if i < x.size else 0
    cuda.syncthreads()
    stride = cuda.blockDim.x // 2
    while stride > 0:
        if t < stride:
            buf[t] += buf[t + stride]
        cuda.syncthreads()
        stride //= 2
    if t == 0:
        out[cuda.blockIdx.x] = buf[0]


def ref_tree_reduction(x, out):
    padded = np.zeros(out.size * 128, x.dtype)
    padded[: x.size] = x
    out[:] = padded.reshape(out.size, 128).sum(axis=1)


@cuda.jit
def shared_tile_transpose(a, out):
    tile = cuda.shared.array((TILE, TILE_PADDED), dtype=np.float32)
    x = cuda.blockIdx.x * TILE + cuda.threadIdx.x
    y = cuda.blockIdx.y * TILE + cuda.threadIdx.y
    if y < a.shape[0] and x < a.shape[1]:
        tile[cuda.threadIdx.y, cuda.threadIdx.x] = a[y, x]
    cuda.syncthreads()
    x = cuda.blockIdx.y * TILE + cuda.threadIdx.x
    y = cuda.blockIdx.x * TILE + cuda.threadIdx.y
    if y < out.shape[0] and x < out.shape[1]:
        out[y, x] = tile[cuda.threadIdx.x, cuda.threadIdx.y]


@cuda.jit
def dynamic_shared_rotate(x, out):
    buf = cuda.shared.array(0, dtype=np.float64)
    t = cuda.threadIdx.x
    i = cuda.grid(1)
    buf[t] = x[i]
    cuda.syncthreads()
    out[i] = buf[(t + 1) % cuda.blockDim.x] + buf.size


def ref_dynamic_shared(x, out):
    out[:] = np.roll(x.reshape(-1, 32), -1, axis=1).ravel() + 32


@cuda.jit
def syncthreads_predicates(x, out):
    t = cuda.threadIdx.x
    v = x[cuda.grid(1)]
    n = cuda.syncthreads_count(np.int32(v > 0))  # numba takes int32 predicates only
    every = cuda.syncthreads_and(np.int32(v > -100))
    some = cuda.syncthreads_or(np.int32(v > 100))
    if t == 0:
        b = cuda.blockIdx.x
        out[b, 0] = n
        out[b, 1] = every
        out[b, 2] = some


def ref_syncthreads_predicates(x, out):
    blocks = x.reshape(out.shape[0], -1)
    out[:, 0] = (blocks > 0).sum(axis=1)
    out[:, 1] = (blocks > -100).all(axis=1)
    out[:, 2] = (blocks > 100).any(axis=1)


@cuda.jit
def atomic_histogram(x, hist):
    i = cuda.grid(1)
    if i < x.size:
        cuda.atomic.add(hist, x[i] % hist.size, 1)


def ref_histogram(x, hist):
    hist[:] = np.bincount(x % hist.size, minlength=hist.size)


@cuda.jit
def atomic_min_max(x, out_i, out_f):
    i = cuda.grid(1)
    if i < x.size:
        cuda.atomic.max(out_i, 0, np.int64(x[i] * 1000.0))
        cuda.atomic.min(out_i, 1, np.int64(x[i] * 1000.0))
        cuda.atomic.max(out_f, 0, x[i])
        cuda.atomic.min(out_f, 1, x[i])


def ref_atomic_min_max(x, out_i, out_f):
    v = np.trunc(x * 1000.0).astype(np.int64)
    out_i[:] = (max(out_i[0], v.max()), min(out_i[1], v.min()))
    out_f[:] = (max(out_f[0], x.max()), min(out_f[1], x.min()))


@cuda.jit
def atomic_float_add_2d(x, out):
    i = cuda.grid(1)
    if i < x.size:
        cuda.atomic.add(out, (i % 3, i % 2), x[i])  # small integers: exact in any order
        cuda.atomic.sub(out, (2, 1), 1.0)


def ref_atomic_float_add_2d(x, out):
    for i, v in enumerate(x):
        out[i % 3, i % 2] += v
    out[2, 1] -= x.size


@cuda.jit
def atomic_bits_and_exchange(flags, out):
    i = cuda.grid(1)
    if i < flags.size:
        cuda.atomic.or_(out, 0, np.uint32(1) << np.uint32(i % 32))
        cuda.atomic.and_(out, 1, ~(np.uint32(1) << np.uint32(i % 32)))
        cuda.atomic.xor(out, 2, flags[i])
        cuda.atomic.exch(out, 3, np.uint32(7))


def ref_atomic_bits(flags, out):
    out[0] |= 0xFFFFFFFF if flags.size >= 32 else (1 << flags.size) - 1
    out[1] = 0
    out[2] = np.bitwise_xor.reduce(flags, initial=out[2])
    out[3] = 7


@cuda.jit
def atomic_inc_dec_wrap(out):
    i = cuda.grid(1)
    if i < 37:
        cuda.atomic.inc(out, 0, np.uint32(9))  # counts 0..9 and wraps: 37 incs end at 7
        cuda.atomic.dec(out, 1, np.uint32(9))


@cuda.jit
def atomic_cas_ticket(counter, tickets):
    i = cuda.grid(1)
    if i < tickets.size:
        while True:
            old = counter[0]
            if cuda.atomic.cas(counter, 0, old, old + 1) == old:
                break
        cuda.atomic.add(tickets, 0, 1)
        cuda.atomic.compare_and_swap(counter[1:], 9, -1)  # only the first succeeds


def ref_cas_ticket(counter, tickets):
    counter[0] += tickets.size
    tickets[0] += tickets.size
    counter[1] = -1


@cuda.jit
def warp_shuffles(x, out):
    i = cuda.grid(1)
    v = x[i]
    out[i, 0] = cuda.shfl_sync(FULL, v, 0)
    out[i, 1] = cuda.shfl_down_sync(FULL, v, 1)
    out[i, 2] = cuda.shfl_up_sync(FULL, v, 2)
    out[i, 3] = cuda.shfl_xor_sync(FULL, v, 5)
    s = v
    offset = 16
    while offset > 0:
        s += cuda.shfl_xor_sync(FULL, s, offset)
        offset //= 2
    out[i, 4] = s


def ref_warp_shuffles(x, out):
    w = x.reshape(-1, 32)
    lane = np.arange(32)
    down = np.where(lane + 1 < 32, lane + 1, lane)
    up = np.where(lane - 2 >= 0, lane - 2, lane)
    out[:, 0] = np.repeat(w[:, 0], 32)
    out[:, 1] = w[:, down].ravel()
    out[:, 2] = w[:, up].ravel()
    out[:, 3] = w[:, lane ^ 5].ravel()
    out[:, 4] = np.repeat(w.sum(axis=1), 32)


@cuda.jit
def warp_shuffle_float64(x, out):
    i = cuda.grid(1)
    out[i] = cuda.shfl_sync(FULL, x[i], 31 - cuda.laneid)


@cuda.jit
def warp_votes(x, out):
    i = cuda.grid(1)
    p = x[i] > 0
    out[i, 0] = cuda.ballot_sync(FULL, p)
    out[i, 1] = cuda.all_sync(FULL, x[i] > -100)
    out[i, 2] = cuda.any_sync(FULL, x[i] > 100)
    out[i, 3] = cuda.popc(cuda.ballot_sync(FULL, p))


def ref_warp_votes(x, out):
    w = (x > 0).reshape(-1, 32)
    ballots = (w * (1 << np.arange(32, dtype=np.uint64))).sum(axis=1).astype(np.uint32)
    out[:, 0] = np.repeat(ballots, 32)
    out[:, 1] = np.repeat((x > -100).reshape(-1, 32).all(axis=1), 32)
    out[:, 2] = np.repeat((x > 100).reshape(-1, 32).any(axis=1), 32)
    out[:, 3] = np.repeat(w.sum(axis=1), 32)


@cuda.jit
def bit_intrinsics(x, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i, 0] = cuda.popc(x[i])
        out[i, 1] = cuda.brev(x[i])
        out[i, 2] = cuda.clz(x[i])


def ref_bit_intrinsics(x, out):
    for i, v in enumerate(int(v) for v in x):
        out[i] = (bin(v).count("1"), int(f"{v:032b}"[::-1], 2), 32 - v.bit_length())


@cuda.jit
def grid_barrier_neighbours(x, out, scratch):
    i = cuda.grid(1)
    n = cuda.gridsize(1)
    scratch[i] = x[i] * 2
    cuda.cg.this_grid().sync()
    out[i] = scratch[(i + 37) % n] + scratch[(i + n - 37) % n]


def ref_grid_barrier(x, out, scratch):
    s = x * 2
    scratch[:] = s
    out[:] = np.roll(s, -37) + np.roll(s, 37)


CASES = [
    Case(thread_hierarchy, launch=(3, 32), args=lambda rng: (np.zeros((96, 6), np.int64),),
         reference=ref_thread_hierarchy, outputs=(0,)),
    Case(grid_2d_indices, launch=((2, 2), (8, 8)), args=lambda rng: (np.zeros((16, 16, 3), np.int64),),
         reference=ref_grid_2d, outputs=(0,)),
    Case(lane_and_warp, launch=(2, 64), args=lambda rng: (np.zeros((128, 2), np.int32),),
         reference=lambda out: out.__setitem__(..., np.stack([np.arange(128) % 32, np.full(128, 32)], 1)),
         outputs=(0,)),
    Case(shared_reverse_block, launch=(2, 64),
         args=lambda rng: (rng.standard_normal(128).astype(np.float32), np.zeros(128, np.float32)),
         reference=ref_shared_reverse, outputs=(1,)),
    Case(shared_tree_reduction, launch=(3, 128),
         args=lambda rng: (rng.integers(-1000, 1000, 300), np.zeros(3, np.int64)),
         reference=ref_tree_reduction, outputs=(1,)),
    Case(shared_tile_transpose, launch=((2, 2), (TILE, TILE)),
         args=lambda rng: (rng.standard_normal((20, 27)).astype(np.float32), np.zeros((27, 20), np.float32)),
         reference=lambda a, out: out.__setitem__(..., a.T), outputs=(1,)),
    Case(dynamic_shared_rotate, launch=(2, 32, 0, 32 * 8),
         args=lambda rng: (rng.standard_normal(64), np.zeros(64)),
         reference=ref_dynamic_shared, outputs=(1,)),
    Case(syncthreads_predicates, launch=(2, 64),
         args=lambda rng: (rng.integers(-50, 50, 128).astype(np.int32), np.zeros((2, 3), np.int32)),
         reference=ref_syncthreads_predicates, outputs=(1,)),
    Case(atomic_histogram, launch=(4, 64),
         args=lambda rng: (rng.integers(0, 1000, 250), np.zeros(10, np.int32)),
         reference=ref_histogram, outputs=(1,)),
    Case(atomic_min_max, launch=(2, 32),
         args=lambda rng: (rng.uniform(-5, 5, 60), np.array([-(2**62), 2**62], np.int64), np.array([-1e300, 1e300])),
         reference=ref_atomic_min_max, outputs=(1, 2)),
    Case(atomic_float_add_2d, launch=(2, 32),
         args=lambda rng: (rng.integers(-8, 8, 50).astype(np.float32), np.zeros((3, 2), np.float32)),
         reference=ref_atomic_float_add_2d, outputs=(1,)),
    Case(atomic_bits_and_exchange, launch=(2, 32),
         args=lambda rng: (rng.integers(0, 2**32, 40, dtype=np.uint32),
                           np.array([0, 0xFFFFFFFF, 0x1234, 0], np.uint32)),
         reference=ref_atomic_bits, outputs=(1,)),
    Case(atomic_inc_dec_wrap, launch=(2, 32), args=lambda rng: (np.array([0, 3], np.uint32),),
         reference=lambda out: out.__setitem__(..., [7, (3 - 37) % 10]), outputs=(0,)),
    Case(atomic_cas_ticket, launch=(2, 32),
         args=lambda rng: (np.array([5, 9], np.int64), np.zeros(64, np.int64)),
         reference=ref_cas_ticket, outputs=(0, 1)),
    Case(warp_shuffles, launch=(2, 64),
         args=lambda rng: (rng.integers(-1000, 1000, 128).astype(np.int32), np.zeros((128, 5), np.int32)),
         reference=ref_warp_shuffles, outputs=(1,)),
    Case(warp_shuffle_float64, launch=(1, 64),
         args=lambda rng: (rng.standard_normal(64), np.zeros(64)),
         reference=lambda x, out: out.__setitem__(..., x.reshape(-1, 32)[:, ::-1].ravel()), outputs=(1,)),
    Case(warp_votes, launch=(2, 32),
         args=lambda rng: (rng.integers(-50, 50, 64), np.zeros((64, 4), np.uint32)),
         reference=ref_warp_votes, outputs=(1,)),
    Case(bit_intrinsics, launch=(2, 32),
         args=lambda rng: (np.concatenate([[0, 1, 0xFFFFFFFF, 0x80000000],
                                           rng.integers(0, 2**32, 60)]).astype(np.uint32),
                           np.zeros((64, 3), np.uint32)),
         reference=ref_bit_intrinsics, outputs=(1,)),
    Case(grid_barrier_neighbours, launch=(4, 64),
         args=lambda rng: (rng.integers(-100, 100, 256), np.zeros(256, np.int64), np.zeros(256, np.int64)),
         reference=ref_grid_barrier, outputs=(1, 2)),
]
