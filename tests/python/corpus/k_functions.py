"""Corpus: tuples (built, unpacked, indexed, returned, passed in), device functions calling each
other, module-level constants, closures, cuda.const.array_like and cuda.local.array."""

import numpy as np

from corpus import Case

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda

N = 64
SCALE = 2.5
OFFSET = 3
FLAG = True
QUARTER = np.float32(0.25)
COEFFS = (1.0, -2.0, 0.5)
PAIR = (4, 0.5)
LUT = np.array([3, 1, 4, 1, 5, 9, 2, 6], np.int32)
WEIGHTS = np.linspace(0.0, 1.0, 16)


@cuda.jit
def tuple_build_unpack(a, out):
    i = cuda.grid(1)
    if i < a.size:
        t = (a[i], a[i] * 2, i)
        x, y, z = t
        u = (x, (y, z))
        out[i, 0] = x + y + z
        out[i, 1] = t[0] - t[-1]
        out[i, 2] = u[1][0] * u[1][1]
        p, q = 1, 2
        p, q = q, p
        out[i, 3] = p * 10 + q


def ref_tuple_build_unpack(a, out):
    i = np.arange(a.size)
    out[:, 0] = a + 2 * a + i
    out[:, 1] = a - i
    out[:, 2] = 2 * a * i
    out[:, 3] = 21


@cuda.jit(device=True)
def div_mod(a, b):
    return a // b, a % b


@cuda.jit
def tuple_returned_by_device_function(a, b, out):
    i = cuda.grid(1)
    if i < a.size:
        q, r = div_mod(a[i], b[i])
        t = div_mod(a[i] + 1, b[i])
        out[i, 0] = q
        out[i, 1] = r
        out[i, 2] = t[0] + t[1]


def ref_tuple_returned(a, b, out):
    out[:, 0], out[:, 1] = a // b, a % b
    out[:, 2] = (a + 1) // b + (a + 1) % b


@cuda.jit
def homogeneous_tuple_arg(t, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = t[0] * i + t[1] - t[2]


@cuda.jit
def heterogeneous_tuple_arg(t, x, out):
    i = cuda.grid(1)
    if i < x.size:
        n, scale, flag = t
        out[i] = x[i] * scale + n if flag else x[i]


@cuda.jit
def tuple_of_arrays_arg(arrs, out):
    i = cuda.grid(1)
    if i < out.size:
        out[i] = arrs[0][i] * arrs[1][i] + arrs[1].size


@cuda.jit
def shape_tuple_unpack(a, out):
    i = cuda.grid(1)
    if i == 0:
        n, m = a.shape
        s = a.shape
        out[0] = n * 100 + m
        out[1] = s[0] + s[-1]


@cuda.jit(device=True)
def square(v):
    return v * v


@cuda.jit(device=True)
def sum_of_squares(a, b):
    return square(a) + square(b)


@cuda.jit(device=True)
def norm_clamped(a, b, hi):
    s = sum_of_squares(a, b)
    if s > hi:
        return hi
    return s


@cuda.jit
def device_function_chain(x, y, out):
    i = cuda.grid(1)
    if i < x.size:
        out[i] = norm_clamped(x[i], y[i], 4.0)


@cuda.jit(device=True)
def scale_in_place(a, i, factor):
    a[i] = a[i] * factor


@cuda.jit
def device_function_array_arg(a):
    i = cuda.grid(1)
    if i < a.size:
        scale_in_place(a, i, 3)


@cuda.jit(device=True)
def axpy(a, x, y):
    return a * x + y


@cuda.jit
def device_function_two_signatures(x32, x64, out32, out64):
    i = cuda.grid(1)
    if i < x32.size:
        out32[i] = axpy(x32[i], x32[i], np.float32(1.0))
        out64[i] = axpy(x64[i], x64[i], 1.0)
        out64[i] += axpy(2, i, 1)


def ref_two_signatures(x32, x64, out32, out64):
    out32[:] = x32 * x32 + np.float32(1.0)
    out64[:] = x64 * x64 + 1.0 + 2 * np.arange(x64.size) + 1


@cuda.jit
def module_scalar_constants(x, out):
    i = cuda.grid(1)
    if i < x.size:
        v = x[i] * SCALE + OFFSET
        if FLAG:
            v += QUARTER
        out[i] = v


@cuda.jit
def module_tuple_constants(x, out):
    i = cuda.grid(1)
    if i < x.size:
        v = x[i]
        out[i] = COEFFS[0] + COEFFS[1] * v + COEFFS[2] * v * v + PAIR[0] * PAIR[1]


@cuda.jit
def module_array_constants(idx, out):
    i = cuda.grid(1)
    if i < idx.size:
        out[i] = LUT[idx[i]] + WEIGHTS[idx[i] * 2] + LUT.size


def make_scaler(factor, bias):
    @cuda.jit
    def closure_scaler(x, out):
        i = cuda.grid(1)
        if i < x.size:
            out[i] = x[i] * factor + bias

    return closure_scaler


closure_scaler = make_scaler(1.5, -2)


@cuda.jit
def const_array_like(idx, out):
    table = cuda.const.array_like(WEIGHTS)
    i = cuda.grid(1)
    if i < idx.size:
        out[i] = table[idx[i]] * 2.0


@cuda.jit
def local_array_sort(x, out):
    i = cuda.grid(1)
    if i < x.shape[0]:
        buf = cuda.local.array(8, np.float64)
        for j in range(8):
            buf[j] = x[i, j]
        for j in range(1, 8):
            v = buf[j]
            k = j - 1
            while k >= 0 and buf[k] > v:
                buf[k + 1] = buf[k]
                k -= 1
            buf[k + 1] = v
        for j in range(8):
            out[i, j] = buf[j]


@cuda.jit
def local_array_2d(out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        m = cuda.local.array((3, 3), dtype=np.int32)
        for r in range(3):
            for c in range(3):
                m[r, c] = i * r + c
        out[i, 0] = m[0, 0] + m[1, 1] + m[2, 2]
        out[i, 1] = m.shape[0] * m.shape[1]


def ref_local_array_2d(out):
    i = np.arange(out.shape[0])
    out[:, 0] = 0 + (i + 1) + (2 * i + 2)
    out[:, 1] = 9


@cuda.jit
def local_array_histogram(x, out):
    i = cuda.grid(1)
    if i < x.shape[0]:
        counts = cuda.local.array(4, np.int64)
        for b in range(4):
            counts[b] = 0
        for j in range(x.shape[1]):
            counts[x[i, j] % 4] += 1
        best = 0
        for b in range(1, 4):
            if counts[b] > counts[best]:
                best = b
        out[i] = best * 100 + counts[best]


def ref_local_histogram(x, out):
    for i, row in enumerate(x):
        counts = np.bincount(row % 4, minlength=4)
        best = int(np.argmax(counts))
        out[i] = best * 100 + counts[best]


CASES = [
    Case(tuple_build_unpack, launch=(2, 32),
         args=lambda rng: (rng.integers(-9, 9, N), np.zeros((N, 4), np.int64)),
         reference=ref_tuple_build_unpack, outputs=(1,)),
    Case(tuple_returned_by_device_function, launch=(2, 32),
         args=lambda rng: (rng.integers(-50, 50, N), rng.choice([-7, -3, 2, 5], N), np.zeros((N, 3), np.int64)),
         reference=ref_tuple_returned, outputs=(2,)),
    Case(homogeneous_tuple_arg, launch=(2, 32), args=lambda rng: ((3, 5, 7), np.zeros(N, np.int64)),
         reference=lambda t, out: out.__setitem__(..., 3 * np.arange(N) + 5 - 7), outputs=(1,)),
    Case(heterogeneous_tuple_arg, launch=(2, 32),
         args=lambda rng: ((4, 0.5, True), rng.standard_normal(N), np.zeros(N)),
         reference=lambda t, x, out: out.__setitem__(..., x * 0.5 + 4), outputs=(2,)),
    Case(tuple_of_arrays_arg, launch=(1, 32),
         args=lambda rng: ((rng.standard_normal(32), rng.standard_normal(32)), np.zeros(32)),
         reference=lambda arrs, out: out.__setitem__(..., arrs[0] * arrs[1] + 32), outputs=(1,), rtol=1e-15),
    Case(shape_tuple_unpack, launch=(1, 1), args=lambda rng: (np.zeros((7, 9), np.uint8), np.zeros(2, np.int64)),
         reference=lambda a, out: out.__setitem__(..., [709, 16]), outputs=(1,)),
    Case(device_function_chain, launch=(2, 32), rtol=1e-15,
         args=lambda rng: (rng.uniform(-2, 2, N), rng.uniform(-2, 2, N), np.zeros(N)),
         reference=lambda x, y, out: out.__setitem__(..., np.minimum(x * x + y * y, 4.0)), outputs=(2,)),
    Case(device_function_array_arg, launch=(2, 32), args=lambda rng: (rng.integers(-9, 9, N).astype(np.int16),),
         reference=lambda a: a.__imul__(3), outputs=(0,)),
    Case(device_function_two_signatures, launch=(2, 32), rtol=1e-6,
         args=lambda rng: (rng.standard_normal(N).astype(np.float32), rng.standard_normal(N),
                           np.zeros(N, np.float32), np.zeros(N)),
         reference=ref_two_signatures, outputs=(2, 3)),
    Case(module_scalar_constants, launch=(2, 32), rtol=1e-6,
         args=lambda rng: (rng.standard_normal(N).astype(np.float32), np.zeros(N, np.float32)),
         reference=lambda x, out: out.__setitem__(..., x * np.float32(2.5) + np.float32(3) + np.float32(0.25)),
         outputs=(1,), numba_differs="numba computes float32 * 2.5 in float64"),
    Case(module_tuple_constants, launch=(2, 32), rtol=1e-15,
         args=lambda rng: (rng.standard_normal(N), np.zeros(N)),
         reference=lambda x, out: out.__setitem__(..., 1.0 - 2.0 * x + 0.5 * x * x + 2.0), outputs=(1,)),
    Case(module_array_constants, launch=(2, 32),
         args=lambda rng: (rng.integers(0, 8, N), np.zeros(N)),
         reference=lambda idx, out: out.__setitem__(..., LUT[idx] + WEIGHTS[idx * 2] + 8), outputs=(1,)),
    Case(closure_scaler, launch=(2, 32), rtol=1e-14,  # x * 1.5 - 2 contracts to one fma on the GPU
         args=lambda rng: (rng.standard_normal(N), np.zeros(N)),
         reference=lambda x, out: out.__setitem__(..., x * 1.5 - 2), outputs=(1,)),
    Case(const_array_like, launch=(2, 32),
         args=lambda rng: (rng.integers(0, 16, N).astype(np.int32), np.zeros(N)),
         reference=lambda idx, out: out.__setitem__(..., WEIGHTS[idx] * 2.0), outputs=(1,)),
    Case(local_array_sort, launch=(1, 32),
         args=lambda rng: (rng.standard_normal((20, 8)), np.zeros((20, 8))),
         reference=lambda x, out: out.__setitem__(..., np.sort(x, axis=1)), outputs=(1,)),
    Case(local_array_2d, launch=(1, 32), args=lambda rng: (np.zeros((32, 2), np.int32),),
         reference=ref_local_array_2d, outputs=(0,)),
    Case(local_array_histogram, launch=(1, 32),
         args=lambda rng: (rng.integers(0, 50, (24, 15)), np.zeros(24, np.int64)),
         reference=ref_local_histogram, outputs=(1,)),
]
