"""Matrix product with 16x16 tiles staged through shared memory (numba-cuda's classic example)."""

import numpy as np

import ptxforge as pf

TPB = 16


@pf.kernel("void(float32[:, ::1], float32[:, ::1], float32[:, ::1])")
def matmul(A, B, C):
    sA = pf.shared.array(shape=(TPB, TPB), dtype=pf.float32)
    sB = pf.shared.array(shape=(TPB, TPB), dtype=pf.float32)
    col, row = pf.grid(2)
    tx = pf.threadIdx.x
    ty = pf.threadIdx.y
    acc = pf.float32(0)
    for t in range((A.shape[1] + TPB - 1) // TPB):
        k = t * TPB
        sA[ty, tx] = A[row, k + tx] if row < A.shape[0] and k + tx < A.shape[1] else 0
        sB[ty, tx] = B[k + ty, col] if k + ty < B.shape[0] and col < B.shape[1] else 0
        pf.syncthreads()
        for j in range(TPB):
            acc += sA[ty, j] * sB[j, tx]
        pf.syncthreads()
    if row < C.shape[0] and col < C.shape[1]:
        C[row, col] = acc


def main():
    rng = np.random.default_rng(4)
    m, k, n = 300, 200, 250  # not multiples of 16: the edges are padded with zeros
    A = rng.standard_normal((m, k)).astype(np.float32)
    B = rng.standard_normal((k, n)).astype(np.float32)
    C = np.zeros((m, n), np.float32)
    matmul[((n + TPB - 1) // TPB, (m + TPB - 1) // TPB), (TPB, TPB)](A, B, C)
    np.testing.assert_allclose(C, A.astype(np.float64) @ B, rtol=1e-4, atol=1e-3)
    print(f"16x16 shared-tile matmul {m}x{k} @ {k}x{n} ok")


if __name__ == "__main__":
    main()
