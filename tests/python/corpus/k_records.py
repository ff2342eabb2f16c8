"""Corpus: numpy structured (record) arrays: field reads (r.x, a[i]['x']) and writes (a[i].x = v,
a[i].x += v, r.v[j] = v), aligned and packed dtypes, nested array, bool and complex fields, 2-d
record arrays, records passed to device functions, whole-record copies."""

import numpy as np

from corpus import Case

cuda = globals()["cuda"]  # bound by corpus.runner.load(): ptxforge or numba.cuda

N = 64
# aligned: x at 0, y at 4, flag at 8, v at 12, c at 24; 32 bytes
POINT = np.dtype([("x", "f4"), ("y", "i4"), ("flag", "?"), ("v", "f4", 3), ("c", "c8")], align=True)
# packed: x (float64) at offset 1, n at 9, z (complex64) at 11: fields at odd offsets; 19 bytes
PACKED = np.dtype([("a", "u1"), ("x", "f8"), ("n", "i2"), ("z", "c8")], align=False)


def quarters(rng, shape, lo=-40, hi=40):
    """Multiples of 1/4: every sum and product below is exact in float32, so outputs compare exactly."""
    return rng.integers(lo, hi, shape) / 4.0


def points(rng, shape=N):
    a = np.zeros(shape, POINT)
    a["x"] = quarters(rng, shape)
    a["y"] = rng.integers(-100, 100, shape)
    a["flag"] = rng.random(shape) < 0.5
    a["v"] = quarters(rng, a["v"].shape)
    a["c"] = quarters(rng, shape) + 1j * quarters(rng, shape)
    return a


def packed(rng, n=N):
    p = np.zeros(n, PACKED)
    p["a"] = rng.integers(0, 256, n)
    p["x"] = quarters(rng, n)
    p["n"] = rng.integers(-30, 30, n)
    p["z"] = quarters(rng, n) + 1j * quarters(rng, n)
    return p


@cuda.jit
def record_field_reads(a, out):
    i = cuda.grid(1)
    if i < a.size:
        r = a[i]
        out[i, 0] = r.x + r.y
        out[i, 1] = a[i]["x"] * 2
        s = 0.0
        for j in range(r.v.shape[0]):
            s += r.v[j]
        out[i, 2] = s
        out[i, 3] = 1.0 if r.flag else -1.0
        out[i, 4] = r.v[2] - a[i].v[0]


def ref_record_field_reads(a, out):
    v = a["v"].astype(np.float64)
    out[:, 0] = a["x"].astype(np.float64) + a["y"]
    out[:, 1] = a["x"].astype(np.float64) * 2
    out[:, 2] = v[:, 0] + v[:, 1] + v[:, 2]
    out[:, 3] = np.where(a["flag"], 1.0, -1.0)
    out[:, 4] = v[:, 2] - v[:, 0]


@cuda.jit
def record_field_writes(a, b):
    i = cuda.grid(1)
    if i < a.size:
        a[i].x = b[i]
        a[i].y += 3
        r = a[i]  # refers to the element: writes through r land in a
        r.v[1] = r.v[0] * 2
        r.v[2] += b[i]
        a[i]["flag"] = not r.flag
        r.c = r.c * 1j + r.x  # a complex field


def ref_record_field_writes(a, b):
    a["x"] = b
    a["y"] += 3
    a["v"][:, 1] = a["v"][:, 0] * 2
    a["v"][:, 2] += b
    a["flag"] = ~a["flag"]
    a["c"] = a["c"] * np.complex64(1j) + a["x"]


@cuda.jit
def record_packed_complex(p, out):
    # numba-cuda does not compile this one: it refuses fields at unaligned offsets ("... is not aligned")
    i = cuda.grid(1)
    if i < p.size:
        p[i].x *= 2
        out[i] = p[i].z * p[i].n + p[i].a
        p[i].z = p[i].z.conjugate() + p[i].x
        p[i].n = p[i].n - 1


def ref_record_packed_complex(p, out):
    p["x"] *= 2
    out[:] = p["z"] * p["n"].astype(np.float32) + p["a"].astype(np.float32)
    p["z"] = np.conj(p["z"]) + p["x"].astype(np.float32)
    p["n"] -= 1


@cuda.jit
def record_2d(a, out):
    i, j = cuda.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        out[i, j] = a[i, j].x - a[i, j].y
        a[i, j].y = i * 10 + j
        row = a[i]  # a 1-d view of records
        row[j].flag = j % 2 == 0


def ref_record_2d(a, out):
    out[:] = a["x"].astype(np.float64) - a["y"]
    i, j = np.indices(a.shape)
    a["y"] = i * 10 + j
    a["flag"] = j % 2 == 0


@cuda.jit(device=True)
def weight(r):
    return r.x * r.v[1] + r.y


@cuda.jit(device=True)
def bump(r, d):
    r.y += d  # writes through the record into the array


@cuda.jit
def record_device_fn(a, out):
    i = cuda.grid(1)
    if i < a.size:
        out[i] = weight(a[i])
        bump(a[i], i)


def ref_record_device_fn(a, out):
    out[:] = a["x"].astype(np.float64) * a["v"][:, 1] + a["y"]
    a["y"] += np.arange(a.size, dtype=np.int32)


@cuda.jit
def record_copy(a, b, c):
    i = cuda.grid(1)
    if i < b.size:
        b[i] = a[a.size - 1 - i]  # a whole record between arrays of one dtype
    half = c.size // 2
    if i < half:
        c[i] = c[i + half]  # and within one array (the upper half is only read)


def ref_record_copy(a, b, c):
    b[:] = a[::-1]
    half = c.size // 2
    c[:half] = c[half:2 * half]


CASES = [
    Case(record_field_reads, launch=(2, 32),
         args=lambda rng: (points(rng), np.zeros((N, 5))),
         reference=ref_record_field_reads, outputs=(1,)),
    Case(record_field_writes, launch=(2, 32),
         args=lambda rng: (points(rng), quarters(rng, N).astype(np.float32)),
         reference=ref_record_field_writes, outputs=(0,)),
    Case(record_packed_complex, launch=(2, 32),
         args=lambda rng: (packed(rng), np.zeros(N, np.complex64)),
         reference=ref_record_packed_complex, outputs=(0, 1)),
    Case(record_2d, launch=((1, 1), (8, 16)),
         args=lambda rng: (points(rng, (6, 10)), np.zeros((6, 10))),
         reference=ref_record_2d, outputs=(0, 1)),
    Case(record_device_fn, launch=(2, 32),
         args=lambda rng: (points(rng), np.zeros(N)),
         reference=ref_record_device_fn, outputs=(0, 1)),
    Case(record_copy, launch=(3, 32),  # 65 records: one more than two blocks
         args=lambda rng: (points(rng, N + 1), np.zeros(N + 1, POINT), points(rng, N + 1)),
         reference=ref_record_copy, outputs=(1, 2)),
]
