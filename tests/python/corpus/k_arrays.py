"""Corpus: n-d indexing by ints and tuples, slices as views, .shape .size .ndim .strides len(),
bool and 0-d arrays, C, Fortran and strided layouts (device views and non-contiguous host arrays)."""

import numpy as np

from corpus import Case, Strided

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda


@cuda.jit
def index_2d(a, out):
    i, j = cuda.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        out[i, j] = a[i, j] * i + j


def ref_index_2d(a, out):
    i, j = np.indices(a.shape)
    out[:] = a * i + j


@cuda.jit
def index_3d_tuple(a, out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        for j in range(a.shape[1]):
            for k in range(a.shape[2]):
                idx = (i, j, k)
                out[idx] = a[idx] + a[i, j, a.shape[2] - 1 - k]


def ref_index_3d(a, out):
    out[:] = a + a[:, :, ::-1]


@cuda.jit
def negative_indices(a, out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        out[i, 0] = a[-1 - i, -1]
        out[i, 1] = a[i, -2]


def ref_negative_indices(a, out):
    out[:, 0] = a[::-1, -1]
    out[:, 1] = a[:, -2]


@cuda.jit
def slices_are_views(a, out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        row = a[i]
        tail = row[1:]
        rev = row[::-1]
        col = a[:, 0]
        stepped = a[i, 1::2]
        out[i, 0] = tail[0]
        out[i, 1] = rev[0]
        out[i, 2] = col[a.shape[0] - 1 - i]
        out[i, 3] = stepped[stepped.size - 1]
        out[i, 4] = len(a[2:-1])
        out[i, 5] = a[-3:, 5:100].shape[1] + a[::-2].shape[0]


def ref_slices(a, out):
    out[:, 0] = a[:, 1]
    out[:, 1] = a[:, -1]
    out[:, 2] = a[::-1, 0]
    out[:, 3] = a[:, 1::2][:, -1]
    out[:, 4] = len(a[2:-1])
    out[:, 5] = a[-3:, 5:100].shape[1] + a[::-2].shape[0]


@cuda.jit
def write_through_views(out):
    i = cuda.grid(1)
    if i < out.shape[0]:
        v = out[i, 1:]
        v[0] = i
        w = v[::2]
        for k in range(w.size):
            w[k] += 10 * k
        col = out[:, 0]
        col[i] = -i


def ref_write_through_views(out):
    i = np.arange(out.shape[0])
    out[:, 1] = i
    out[:, 1::2] += 10 * np.arange(out[:, 1::2].shape[1])
    out[:, 0] = -i


@cuda.jit
def shape_size_ndim_len(a, out):
    i = cuda.grid(1)
    if i == 0:
        out[0] = a.shape[0]
        out[1] = a.shape[1]
        out[2] = a.shape[2]
        out[3] = a.size
        out[4] = a.ndim
        out[5] = len(a)
        out[6] = len(a[0])
        out[7] = a[1:, 0].size


def ref_shape_size(a, out):
    out[:] = (*a.shape, a.size, a.ndim, len(a), len(a[0]), a[1:, 0].size)


@cuda.jit
def strides_of(a, out):
    i = cuda.grid(1)
    if i == 0:
        out[0] = a.strides[0]
        out[1] = a.strides[1]
        out[2] = a[:, ::2].strides[1]
        out[3] = a[1].strides[0]


def ref_strides(a, out):
    out[:] = (a.strides[0], a.strides[1], a[:, ::2].strides[1], a[1].strides[0])


@cuda.jit
def bool_array_count(flags, out):
    i = cuda.grid(1)
    if i < flags.shape[0]:
        n = 0
        for j in range(flags.shape[1]):
            if flags[i, j]:
                n += 1
        out[i] = n


@cuda.jit
def bool_array_write(x, mask):
    i = cuda.grid(1)
    if i < x.size:
        mask[i] = x[i] > 0.5


@cuda.jit
def zero_d_arrays(a, out):
    if cuda.grid(1) == 0:
        out[()] = a[()] * 2.0 + a.ndim + a.size


@cuda.jit
def fortran_order(a, out):
    i = cuda.grid(1)
    if i < a.shape[0]:
        s = 0.0
        for j in range(a.shape[1]):
            s += a[i, j] * (j + 1)
            a[i, j] = -a[i, j]
        out[i] = s


def ref_fortran(a, out):
    out[:] = (a * np.arange(1, a.shape[1] + 1)).sum(axis=1)
    a[:] = -a


@cuda.jit
def strided_device_view(v, out):
    i, j = cuda.grid(2)
    if i < v.shape[0] and j < v.shape[1]:
        out[i, j] = v[i, j] * 2.0
        v[i, j] += 1.0


def ref_strided_view(v, out):
    out[:] = v * 2.0
    v += 1.0


@cuda.jit
def strided_view_1d_reversed(v, out):
    i = cuda.grid(1)
    if i < v.size:
        out[i] = v[i] + v.strides[0]
        v[i] = i


def ref_strided_1d(v, out):
    out[:] = v + v.strides[0]
    v[:] = np.arange(v.size)


@cuda.jit
def noncontiguous_host(v, out):
    i = cuda.grid(1)
    if i < v.shape[0]:
        for j in range(v.shape[1]):
            out[i, j] = v[i, j] + 1
            v[i, j] *= 3


def ref_noncontiguous_host(v, out):
    out[:] = v + 1
    v *= 3


@cuda.jit
def transpose_c_to_f(a, out):
    i, j = cuda.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        out[j, i] = a[i, j]


CASES = [
    Case(index_2d, launch=((2, 2), (8, 8)),
         args=lambda rng: (rng.integers(-9, 9, (13, 11)).astype(np.int32), np.zeros((13, 11), np.int32)),
         reference=ref_index_2d, outputs=(1,)),
    Case(index_3d_tuple, launch=(1, 8),
         args=lambda rng: (rng.standard_normal((5, 4, 3)), np.zeros((5, 4, 3))),
         reference=ref_index_3d, outputs=(1,)),
    Case(negative_indices, launch=(1, 32),
         args=lambda rng: (rng.standard_normal((9, 5)).astype(np.float32), np.zeros((9, 2), np.float32)),
         reference=ref_negative_indices, outputs=(1,)),
    Case(slices_are_views, launch=(1, 32),
         args=lambda rng: (rng.standard_normal((8, 9)).astype(np.float32), np.zeros((8, 6), np.float32)),
         reference=ref_slices, outputs=(1,)),
    Case(write_through_views, launch=(1, 16), args=lambda rng: (np.zeros((10, 7), np.int64),),
         reference=ref_write_through_views, outputs=(0,)),
    Case(shape_size_ndim_len, launch=(1, 1),
         args=lambda rng: (np.zeros((3, 4, 5), np.int16), np.zeros(8, np.int64)),
         reference=ref_shape_size, outputs=(1,)),
    Case(strides_of, name="strides_of_c", launch=(1, 1),
         args=lambda rng: (np.zeros((4, 6), np.float32), np.zeros(4, np.int64)),
         reference=ref_strides, outputs=(1,)),
    Case(strides_of, name="strides_of_fortran", launch=(1, 1),
         args=lambda rng: (np.zeros((4, 6), np.float64, order="F"), np.zeros(4, np.int64)),
         reference=ref_strides, outputs=(1,)),
    Case(strides_of, name="strides_of_device_view", launch=(1, 1),
         args=lambda rng: (Strided(np.zeros((8, 12), np.int16), np.s_[1::2, ::3]), np.zeros(4, np.int64)),
         reference=ref_strides, outputs=(1,)),
    Case(bool_array_count, launch=(1, 32),
         args=lambda rng: (rng.random((20, 9)) < 0.4, np.zeros(20, np.int32)),
         reference=lambda f, out: out.__setitem__(..., f.sum(axis=1)), outputs=(1,)),
    Case(bool_array_write, launch=(2, 32),
         args=lambda rng: (rng.random(50), np.zeros(50, np.bool_)),
         reference=lambda x, m: m.__setitem__(..., x > 0.5), outputs=(1,)),
    Case(zero_d_arrays, launch=(1, 1),
         args=lambda rng: (np.array(1.75), np.array(0.0)),
         reference=lambda a, out: out.__setitem__((), a * 2.0 + 0 + 1), outputs=(1,)),
    Case(fortran_order, launch=(1, 32),
         args=lambda rng: (np.asfortranarray(rng.integers(-9, 9, (12, 5)).astype(np.float64)), np.zeros(12)),
         reference=ref_fortran, outputs=(0, 1)),
    Case(strided_device_view, launch=((1, 1), (8, 8)),
         args=lambda rng: (Strided(rng.standard_normal((10, 12)), np.s_[1::2, ::3]), np.zeros((5, 4))),
         reference=ref_strided_view, outputs=(0, 1)),
    Case(strided_view_1d_reversed, launch=(1, 32),
         args=lambda rng: (Strided(rng.integers(0, 9, 40).astype(np.int32), np.s_[::-2]), np.zeros(20, np.int64)),
         reference=ref_strided_1d, outputs=(0, 1)),
    Case(noncontiguous_host, launch=(1, 32),
         args=lambda rng: (rng.integers(-9, 9, (12, 10)).astype(np.int32)[::2, 1::3], np.zeros((6, 3), np.int32)),
         reference=ref_noncontiguous_host, outputs=(0, 1)),
    Case(transpose_c_to_f, launch=((1, 1), (16, 16)),
         args=lambda rng: (rng.standard_normal((9, 14)).astype(np.float32),
                           np.zeros((14, 9), np.float32, order="F")),
         reference=lambda a, out: out.__setitem__(..., a.T), outputs=(1,)),
]
