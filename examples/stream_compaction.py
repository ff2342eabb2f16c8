"""Stream compaction: keep the positive values, placed by warp ballots, popc of lower lanes and one atomic per warp."""

import numpy as np

import ptxforge as pf

FULL = 0xFFFFFFFF


@pf.kernel("void(int32[::1], int32[::1], int32[::1])")
def compact(x, out, count):
    i = pf.grid(1)
    keep = i < x.size and x[i] > 0
    votes = pf.ballot_sync(FULL, keep)
    rank = pf.popc(votes & pf.lanemask_lt())  # kept lanes below this one
    base = 0
    if pf.laneid == 0:
        base = pf.atomic.add(count, 0, pf.popc(votes))
    base = pf.shfl_sync(FULL, base, 0)
    if keep:
        out[base + rank] = x[i]


def main():
    rng = np.random.default_rng(8)
    x = rng.integers(-100, 100, 1_000_001).astype(np.int32)
    out = np.zeros_like(x)
    count = np.zeros(1, np.int32)
    compact[(x.size + 255) // 256, 256](x, out, count)
    kept = x[x > 0]
    assert count[0] == kept.size, (count[0], kept.size)
    # Warps claim their ranges in any order; within a warp the order is kept.
    np.testing.assert_array_equal(np.sort(out[: count[0]]), np.sort(kept))
    print(f"stream compaction kept {count[0]} of {x.size} ok")


if __name__ == "__main__":
    main()
