"""Bitonic sort of each block's N elements in shared memory (one element per thread)."""

import numpy as np

import ptxforge as pf

N = 512


@pf.kernel("void(float32[::1])")
def bitonic_sort(a):
    s = pf.shared.array(N, pf.float32)
    tid = pf.threadIdx.x
    base = pf.blockIdx.x * N
    s[tid] = a[base + tid]
    pf.syncthreads()
    k = 2
    while k <= N:  # sequences of length k become sorted, alternately up and down
        j = k // 2
        while j > 0:
            partner = tid ^ j
            if partner > tid:
                up = (tid & k) == 0
                x = s[tid]
                y = s[partner]
                if (x > y) == up:
                    s[tid] = y
                    s[partner] = x
            pf.syncthreads()
            j //= 2
        k *= 2
    a[base + tid] = s[tid]


def main():
    rng = np.random.default_rng(6)
    blocks = 64
    a = rng.standard_normal(blocks * N).astype(np.float32)
    expected = np.sort(a.reshape(blocks, N), axis=1).ravel()
    bitonic_sort[blocks, N](a)
    np.testing.assert_array_equal(a, expected)
    print(f"bitonic sort of {blocks} blocks of {N} floats ok")


if __name__ == "__main__":
    main()
