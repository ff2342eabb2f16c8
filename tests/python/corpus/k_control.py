"""Corpus: if/elif/else, while, for over range() (negative steps too) and over arrays, break,
continue, loop else, nested loops, early returns from kernels and device functions."""

import numpy as np

from corpus import Case

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda

N = 64


@cuda.jit
def classify(x, out):
    i = cuda.grid(1)
    if i < x.size:
        v = x[i]
        if v < -1.0:
            out[i] = -2
        elif v < 0.0:
            out[i] = -1
        elif v == 0.0:
            out[i] = 0
        elif v < 1.0:
            out[i] = 1
        else:
            out[i] = 2


def ref_classify(x, out):
    out[:] = np.select([x < -1, x < 0, x == 0, x < 1], [-2, -1, 0, 1], 2)


@cuda.jit
def collatz_steps(n, out):
    i = cuda.grid(1)
    if i < n.size:
        v = n[i]
        steps = 0
        while v != 1:
            if v % 2 == 0:
                v //= 2
            else:
                v = 3 * v + 1
            steps += 1
        out[i] = steps


def ref_collatz(n, out):
    for k, v in enumerate(n):
        steps = 0
        while v != 1:
            v = v // 2 if v % 2 == 0 else 3 * v + 1
            steps += 1
        out[k] = steps


@cuda.jit
def range_forms(out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        s0 = 0
        for k in range(i):
            s0 += k
        s1 = 0
        for k in range(3, i):
            s1 += k
        s2 = 0
        for k in range(i, 0, -1):
            s2 = (s2 * 3 + k) % 1000003  # kept small: int64 would wrap past i = 37
        s3 = 0
        for k in range(10, -i, -3):
            s3 += k
        s4 = 0
        for k in range(-i, i + 1, 4):
            s4 += k * k
        out[i, 0] = s0
        out[i, 1] = s1
        out[i, 2] = s2
        out[i, 3] = s3
        out[i, 4] = s4


def ref_range_forms(out):
    for i in range(out.shape[0]):
        s2 = 0
        for k in range(i, 0, -1):
            s2 = (s2 * 3 + k) % 1000003
        out[i] = (sum(range(i)), sum(range(3, i)), s2, sum(range(10, -i, -3)),
                  sum(k * k for k in range(-i, i + 1, 4)))


@cuda.jit
def break_continue(a, out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        s = 0
        for j in range(a.shape[1]):
            v = a[i, j]
            if v < 0:
                continue
            if v == 0:
                break
            s += v
        out[i] = s


def ref_break_continue(a, out):
    for i, row in enumerate(a):
        s = 0
        for v in row:
            if v < 0:
                continue
            if v == 0:
                break
            s += v
        out[i] = s


@cuda.jit
def for_else_search(a, targets, out):
    i = cuda.grid(1)
    if i < targets.size:
        for j in range(a.size):
            if a[j] == targets[i]:
                out[i] = j
                break
        else:
            out[i] = -1


def ref_for_else(a, targets, out):
    for i, t in enumerate(targets):
        hits = np.flatnonzero(a == t)
        out[i] = hits[0] if hits.size else -1


@cuda.jit
def while_else_and_condition(x, out):
    i = cuda.grid(1)
    if i < x.size:
        j = i
        while j > 0 and x[j - 1] < x[j]:
            j -= 1
        out[i, 0] = j  # start of the increasing run ending at i
        k = 0
        while k < 3:
            k += 1
            if x[i] > 10.0:
                break
        else:
            k = 100
        out[i, 1] = k


def ref_while_else(x, out):
    for i in range(x.size):
        j = i
        while j > 0 and x[j - 1] < x[j]:
            j -= 1
        out[i, 0] = j
        out[i, 1] = 1 if x[i] > 10.0 else 100


@cuda.jit
def nested_loops_matmul(a, b, c):
    i = cuda.grid(1)
    if i < c.shape[0]:
        for j in range(c.shape[1]):
            acc = 0
            for k in range(a.shape[1]):
                acc += a[i, k] * b[k, j]
            c[i, j] = acc


@cuda.jit
def nested_break(a, out):
    i = cuda.grid(1)
    if i < out.size:
        count = 0
        for j in range(a.shape[0]):
            for k in range(a.shape[1]):
                if a[j, k] == i:
                    count += 1
                    break  # leaves the inner loop only
                if k > 6:
                    continue
        out[i] = count


def ref_nested_break(a, out):
    for i in range(out.size):
        out[i] = sum(1 for row in a if (row == i).any())


@cuda.jit
def early_return_kernel(x, out):
    i = cuda.grid(1)
    if i >= x.size:
        return
    if x[i] < 0.0:
        out[i] = -1.0
        return
    out[i] = x[i] * 2.0


def ref_early_return(x, out):
    out[:] = np.where(x < 0, -1.0, x * 2.0)


@cuda.jit(device=True)
def first_above(a, threshold):
    for j in range(a.size):
        if a[j] > threshold:
            return j
    return -1


@cuda.jit
def early_return_device(a, thresholds, out):
    i = cuda.grid(1)
    if i < thresholds.size:
        out[i] = first_above(a, thresholds[i])


def ref_early_return_device(a, thresholds, out):
    for i, t in enumerate(thresholds):
        hits = np.flatnonzero(a > t)
        out[i] = hits[0] if hits.size else -1


@cuda.jit
def for_over_arrays(m, out):
    i = cuda.grid(1)
    if i == 0:
        r = 0
        for row in m:  # row views of a 2-d array
            s = 0.0
            for v in row:
                s += v
            out[r] = s
            r += 1


def ref_for_over_arrays(m, out):
    out[:] = m.sum(axis=1)


@cuda.jit
def reverse_range_copy(x, out):
    i = cuda.grid(1)
    if i == 0:
        n = x.size
        for j in range(n - 1, -1, -1):
            out[n - 1 - j] = x[j]


CASES = [
    Case(classify, launch=(2, 32),
         args=lambda rng: (np.concatenate([rng.uniform(-3, 3, N - 4), [0.0, -1.0, 1.0, -0.0]]), np.zeros(N, np.int8)),
         reference=ref_classify, outputs=(1,)),
    Case(collatz_steps, launch=(2, 32),
         args=lambda rng: (rng.integers(1, 1000, N), np.zeros(N, np.int32)),
         reference=ref_collatz, outputs=(1,)),
    Case(range_forms, launch=(1, 40), args=lambda rng: (np.zeros((40, 5), np.int64),),
         reference=ref_range_forms, outputs=(0,)),
    Case(break_continue, launch=(1, 32),
         args=lambda rng: (rng.integers(-3, 10, (32, 12)), np.zeros(32, np.int64)),
         reference=ref_break_continue, outputs=(1,)),
    Case(for_else_search, launch=(1, 32),
         args=lambda rng: (rng.integers(0, 40, 24).astype(np.int32), rng.integers(0, 40, 32).astype(np.int32),
                           np.zeros(32, np.int64)),
         reference=ref_for_else, outputs=(2,)),
    Case(while_else_and_condition, launch=(2, 32),
         args=lambda rng: (rng.uniform(0, 20, N), np.zeros((N, 2), np.int64)),
         reference=ref_while_else, outputs=(1,)),
    Case(nested_loops_matmul, launch=(1, 32),
         args=lambda rng: (rng.integers(-9, 10, (24, 7)), rng.integers(-9, 10, (7, 5)), np.zeros((24, 5), np.int64)),
         reference=lambda a, b, c: c.__setitem__(..., a @ b), outputs=(2,)),
    Case(nested_break, launch=(1, 32),
         args=lambda rng: (rng.integers(0, 40, (10, 10)).astype(np.int16), np.zeros(32, np.int32)),
         reference=ref_nested_break, outputs=(1,)),
    Case(early_return_kernel, launch=(3, 32),
         args=lambda rng: (rng.standard_normal(N - 5), np.zeros(N - 5)),
         reference=ref_early_return, outputs=(1,)),
    Case(early_return_device, launch=(1, 32),
         args=lambda rng: (rng.uniform(0, 1, 16), rng.uniform(0, 1.1, 32), np.zeros(32, np.int64)),
         reference=ref_early_return_device, outputs=(2,)),
    Case(for_over_arrays, launch=(1, 32),
         args=lambda rng: (rng.integers(-5, 5, (6, 7)).astype(np.float32), np.zeros(6, np.float32)),
         reference=ref_for_over_arrays, outputs=(1,)),
    Case(reverse_range_copy, launch=(1, 1),
         args=lambda rng: (rng.standard_normal(37), np.zeros(37)),
         reference=lambda x, out: out.__setitem__(..., x[::-1]), outputs=(1,)),
]
