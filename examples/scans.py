"""Prefix sums per block: Hillis-Steele (inclusive, double-buffered) and Blelloch (exclusive, work-efficient)."""

import numpy as np

import ptxforge as pf

B = 512  # threads per block; Hillis-Steele scans B elements per block
B2 = 2 * B  # Blelloch scans 2 * B elements per block, two per thread


@pf.kernel("void(int32[::1], int32[::1])")
def hillis_steele(x, out):
    buf = pf.shared.array((2, B), pf.int32)
    tid = pf.threadIdx.x
    i = pf.blockIdx.x * B + tid
    buf[0, tid] = x[i] if i < x.size else 0
    pf.syncthreads()
    src = 0
    offset = 1
    while offset < B:
        dst = 1 - src
        if tid >= offset:
            buf[dst, tid] = buf[src, tid] + buf[src, tid - offset]
        else:
            buf[dst, tid] = buf[src, tid]
        pf.syncthreads()
        src = dst
        offset *= 2
    if i < x.size:
        out[i] = buf[src, tid]


@pf.kernel("void(int32[::1], int32[::1])")
def blelloch(x, out):
    temp = pf.shared.array(B2, pf.int32)
    tid = pf.threadIdx.x
    a = pf.blockIdx.x * B2 + 2 * tid
    temp[2 * tid] = x[a] if a < x.size else 0
    temp[2 * tid + 1] = x[a + 1] if a + 1 < x.size else 0
    offset = 1
    d = B
    while d > 0:  # up-sweep: partial sums in a tree
        pf.syncthreads()
        if tid < d:
            ai = offset * (2 * tid + 1) - 1
            bi = offset * (2 * tid + 2) - 1
            temp[bi] += temp[ai]
        offset *= 2
        d //= 2
    if tid == 0:
        temp[B2 - 1] = 0
    d = 1
    while d < B2:  # down-sweep: push the prefixes back down
        offset //= 2
        pf.syncthreads()
        if tid < d:
            ai = offset * (2 * tid + 1) - 1
            bi = offset * (2 * tid + 2) - 1
            t = temp[ai]
            temp[ai] = temp[bi]
            temp[bi] += t
        d *= 2
    pf.syncthreads()
    if a < x.size:
        out[a] = temp[2 * tid]
    if a + 1 < x.size:
        out[a + 1] = temp[2 * tid + 1]


def segmented(x, size, inclusive):
    out = np.empty_like(x)
    for s in range(0, x.size, size):
        seg = x[s:s + size]
        c = np.cumsum(seg, dtype=np.int64).astype(np.int32)
        out[s:s + size] = c if inclusive else c - seg
    return out


def main():
    rng = np.random.default_rng(3)
    x = rng.integers(-100, 100, 10_000).astype(np.int32)
    out = np.zeros_like(x)
    hillis_steele[(x.size + B - 1) // B, B](x, out)
    np.testing.assert_array_equal(out, segmented(x, B, inclusive=True))
    out2 = np.zeros_like(x)
    blelloch[(x.size + B2 - 1) // B2, B](x, out2)
    np.testing.assert_array_equal(out2, segmented(x, B2, inclusive=False))
    print(f"Hillis-Steele and Blelloch scans of {x.size} ints ok")


if __name__ == "__main__":
    main()
