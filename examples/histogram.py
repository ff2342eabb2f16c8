"""A 256-bin histogram: each block counts into shared memory with atomics, then adds its counts to the global one."""

import numpy as np

import ptxforge as pf

BINS = 256


@pf.kernel("void(uint8[::1], uint32[::1])")
def histogram(data, hist):
    counts = pf.shared.array(BINS, pf.uint32)
    j = pf.threadIdx.x
    while j < BINS:
        counts[j] = 0
        j += pf.blockDim.x
    pf.syncthreads()
    i = pf.grid(1)
    while i < data.size:
        pf.atomic.add(counts, data[i], 1)
        i += pf.gridsize(1)
    pf.syncthreads()
    j = pf.threadIdx.x
    while j < BINS:
        if counts[j] != 0:
            pf.atomic.add(hist, j, counts[j])
        j += pf.blockDim.x


def main():
    rng = np.random.default_rng(5)
    # A skewed distribution, so that some bins see heavy contention.
    data = np.clip(rng.normal(128, 30, 5_000_000), 0, 255).astype(np.uint8)
    hist = np.zeros(BINS, np.uint32)
    histogram[264, 256](data, hist)
    np.testing.assert_array_equal(hist, np.bincount(data, minlength=BINS))
    print(f"256-bin histogram of {data.size} bytes ok")


if __name__ == "__main__":
    main()
