"""NumPy structured (record) arrays in kernels: field reads and writes, nested array
fields, packed and aligned dtypes, records passed as arguments, and the errors a
missing field or a wrong store gives. GPU tests compare with numpy on the host."""

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _args, devicearray

POINT = np.dtype([("x", "f4"), ("n", "i2"), ("v", "f8", 3), ("ok", "?")], align=True)
PACKED = np.dtype([("a", "i1"), ("b", "f4"), ("c", "f8"), ("u", "u2")])
MIXED = np.dtype([("a", "f8"), ("b", "i4"), ("c", "c8"), ("d", "U5")], align=True)

POINT_NAME = ("Record(x[type=float32;offset=0],n[type=int16;offset=4],"
              "v[type=nestedarray(float64, (3,));offset=8],ok[type=bool;offset=32];40;True)")


@pf.kernel
def fields(a, out):
    i = pf.grid(1)
    if i < a.shape[0]:
        r = a[i]
        out[i] = r.x + a[i]['n'] + r.v[0] + r.v[2] + (1 if a[i].ok else 0)
        a[i].x = r.v[1] * 2
        a[i]['n'] += 3
        r.v[2] = r[0]
        a[i].ok = not r.ok


@pf.kernel
def packed_fields(a):
    i = pf.grid(1)
    if i < a.size:
        a[i].b += a[i].a
        a[i]['c'] = a[i].b * 0.5
        a[i].u = i


@pf.kernel
def two_d(a):
    i, j = pf.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        a[i, j].x = i * 10 + j
        a[i, j].v[0] = a[i, j].n


@pf.kernel
def copy_records(dst, src):
    i = pf.grid(1)
    if i < dst.size:
        dst[i] = src[src.size - 1 - i]


@pf.kernel
def record_argument(rec, out):
    out[0] = rec.x + rec.v[1]
    rec.n = 7
    rec['x'] = 1.5


@pf.kernel
def sum_over_records(a, out):
    for r in a:
        out[0] += r.x


def test_dtype_spelling_matches_numba():
    assert _args._dtype_name(POINT, "a") == POINT_NAME
    assert _args._dtype_name(PACKED, "a") == ("Record(a[type=int8;offset=0],b[type=float32;offset=1],"
                                              "c[type=float64;offset=5],u[type=uint16;offset=13];15;False)")
    # The string field is U5 (kernels assign constant strings to it); the complex one is kept for its type.
    assert _args._dtype_name(MIXED, "a") == ("Record(a[type=float64;offset=0],b[type=int32;offset=8],"
                                             "c[type=complex64;offset=12],d[type=U5;offset=20];40;True)")
    assert pf._core.check_type(POINT_NAME + "[:, ::1]") == POINT_NAME + "[:, ::1]"


def test_object_fields_are_refused():
    with pytest.raises(TypeError, match="Python-object fields"):
        _args._dtype_name(np.dtype([("o", object)]), "argument 1 ('a')")


def test_inspect_types_shows_records_and_fields():
    typed = fields.inspect_types(f"void({POINT_NAME}[::1], float64[::1])")
    assert f"r: {POINT_NAME}" in typed
    assert "float64[::1]" in typed  # r.v, a view of the nested array


def test_aligned_fields_are_plain_loads():
    ptx = fields.inspect_ptx(f"void({POINT_NAME}[::1], float64[::1])")
    assert "ld.global.f32" in ptx and "ld.global.f64" in ptx
    assert "st.global.u8" in ptx  # the bool field


def test_packed_fields_are_read_bytewise():
    name = _args._dtype_name(PACKED, "a")
    ptx = packed_fields.inspect_ptx(f"void({name}[::1])")
    assert "ld.global.f32" not in ptx and "ld.global.f64" not in ptx
    assert "ld.global.u8" in ptx


@pytest.mark.parametrize("source,message,line_col", [
    ("a[0].y = 1.0", "the record has no field 'y'; its fields are x, n, v, ok", "4:5"),
    ("out[0] = a[0]['zz']", "no field 'zz'", "4:19"),
    ("a[0].x = a[1]", "cannot store Record(", "4:14"),
    ("a[0].v = 1j", "cannot store complex into the array view float64[::1]", "4:14"),
    ("a[0].v = a", "cannot store the array Record(", "4:14"),
    ("a[0].v = a[1]", "into the array view float64[::1]", "4:14"),
    ("a[0] = out[0]", "a record element takes a record of the same dtype", "4:12"),
    ("out[0] = a[0][7]", "field position 7 is out of range", "4:19"),
    ("out[0] = a[0] * 2", "operator '*' is not defined for Record(", "4:14"),
])
def test_errors_point_at_the_source(make_module, source, message, line_col):
    """line_col: where the error is shown, 1-based (the body is line 4)."""
    mod = make_module(f"""
import ptxforge as pf
@pf.kernel
def k(a, out):
    {source}
""")
    with pytest.raises(pf.CompileError) as info:
        mod.k.inspect_ptx(f"void({POINT_NAME}[::1], float64[::1])")
    text = str(info.value)
    assert message in text
    assert f".py:{line_col}: error:" in text


COMPLEX_FIELDS = np.dtype([("a", "i1"), ("z", "c8"), ("w", "c16")])  # packed: z at offset 1


def complex_fields(a, out):
    i = pf.grid(1)
    if i < a.size:
        out[i] = a[i].z * 2 + a[i].w
        a[i].z = a[i].w.conjugate()


def test_complex_fields_compile_with_the_field_alignment():
    name = _args._dtype_name(COMPLEX_FIELDS, "a")
    ptx = pf.kernel(complex_fields).inspect_ptx(f"void({name}[::1], complex128[::1])")
    assert "ld.global.u8" in ptx  # z at offset 1 is read byte by byte, as other packed fields


@pytest.mark.gpu
def test_complex_fields_match_numpy(rng):
    a = np.zeros(50, COMPLEX_FIELDS)
    a["z"] = rng.standard_normal(50) + 1j * rng.standard_normal(50)
    a["w"] = rng.standard_normal(50) + 1j * rng.standard_normal(50)
    want_out = a["z"].astype(np.complex128) * 2 + a["w"]
    want_z = np.conj(a["w"]).astype(np.complex64)
    out = np.zeros(50, np.complex128)
    pf.kernel(complex_fields)[1, 64](a, out)
    np.testing.assert_allclose(out, want_out, rtol=1e-6)
    np.testing.assert_array_equal(a["z"], want_z)


def test_fast_path_declines_record_arrays():
    # A device array of a structured dtype has no fast-path key: the Python path serves it.
    assert devicearray.dtype_code(POINT) == -1


def test_cuda_array_interface_dtype_from_descr():
    cai = {"typestr": POINT.str, "descr": POINT.descr, "shape": (2,), "data": (0, False), "version": 3}
    dtype = devicearray.cai_dtype(cai)
    assert dtype.names == POINT.names
    assert [dtype.fields[n][1] for n in dtype.names] == [POINT.fields[n][1] for n in POINT.names]
    assert dtype.itemsize == POINT.itemsize
    assert devicearray.cai_dtype({"typestr": "<f4", "descr": [("", "<f4")]}) == np.float32


# -- on the GPU -------------------------------------------------------------------------


def _points(n, rng):
    a = np.zeros(n, POINT)
    a["x"] = rng.standard_normal(n)
    a["n"] = rng.integers(-100, 100, n)
    a["v"] = rng.standard_normal((n, 3))
    a["ok"] = rng.integers(0, 2, n).astype(bool)
    return a


def _expected_fields(a):
    out = (a["x"] + a["n"].astype(np.float32)).astype(np.float64) + a["v"][:, 0] + a["v"][:, 2] + a["ok"]
    b = a.copy()
    b["x"] = (a["v"][:, 1] * 2).astype(np.float32)
    b["n"] = a["n"] + 3
    b["v"][:, 2] = b["x"]  # r aliases a[i]: r[0] reads the x stored just before
    b["ok"] = ~a["ok"]
    return out, b


@pytest.mark.gpu
def test_fields_on_host_arrays(rng):
    a = _points(1000, rng)
    expected_out, expected = _expected_fields(a)
    out = np.zeros(1000)
    fields[8, 128](a, out)
    np.testing.assert_allclose(out, expected_out, rtol=1e-6)
    np.testing.assert_array_equal(a, expected)


@pytest.mark.gpu
def test_fields_on_device_arrays(rng):
    a = _points(300, rng)
    expected_out, expected = _expected_fields(a)
    d_a = pf.to_device(a)
    d_out = pf.device_array(300, np.float64)
    fields[3, 128](d_a, d_out)
    np.testing.assert_allclose(d_out.copy_to_host(), expected_out, rtol=1e-6)
    np.testing.assert_array_equal(d_a.copy_to_host(), expected)
    fields[3, 128](d_a, d_out)  # a second launch: the same signature, served again
    empty = pf.device_array(5, POINT)
    assert empty.copy_to_host().dtype == POINT


@pytest.mark.gpu
def test_cai_structured_arrays(rng):
    a = _points(64, rng)
    expected_out, expected = _expected_fields(a)
    d_a = pf.to_device(a)

    class Foreign:
        __cuda_array_interface__ = d_a.__cuda_array_interface__

    assert "descr" in Foreign.__cuda_array_interface__
    out = np.zeros(64)
    fields[1, 64](Foreign(), out)
    np.testing.assert_allclose(out, expected_out, rtol=1e-6)
    np.testing.assert_array_equal(d_a.copy_to_host(), expected)


@pytest.mark.gpu
def test_packed_fields_match_numpy():
    a = np.zeros(257, PACKED)
    a["a"] = np.arange(257) % 100
    a["b"] = np.linspace(-3, 3, 257)
    expected = a.copy()
    expected["b"] = a["b"] + a["a"]
    expected["c"] = expected["b"] * 0.5
    expected["u"] = np.arange(257)
    packed_fields[3, 128](a)
    np.testing.assert_array_equal(a, expected)


@pytest.mark.gpu
def test_two_d_and_strided_record_arrays():
    a = np.zeros((6, 9), POINT)
    a["n"] = np.arange(54).reshape(6, 9)
    view = a[::2, 1::3]  # not contiguous: a staging copy, written back
    two_d[(1, 1), (8, 8)](view)
    i, j = np.meshgrid(np.arange(3), np.arange(3), indexing="ij")
    np.testing.assert_array_equal(a[::2, 1::3]["x"], i * 10 + j)
    np.testing.assert_array_equal(a[::2, 1::3]["v"][..., 0], a[::2, 1::3]["n"])
    assert (a[1::2]["x"] == 0).all()


GRID = np.dtype([("id", "i4"), ("m", "i2", (2, 3))], align=True)


@pf.kernel
def nested_stores(a, src, g, row, b):
    """A nested array field takes an array (copied in, broadcast) or a number (filled), as numba does."""
    i = pf.grid(1)
    if i < a.shape[0]:
        a[i].v = src[i]            # an array's row into the field
        if i == 0:
            a[i]["v"] = 7.0        # a number fills it
        g[i]["m"] = row            # (3,) broadcast over the (2, 3) field, int64 -> int16
        b[i]["v"] = a[i]["v"]      # field to field


@pytest.mark.gpu
def test_nested_array_fields_take_arrays_and_numbers():
    a, b = np.zeros(4, POINT), np.zeros(4, POINT)
    src = np.arange(12, dtype=np.float32).reshape(4, 3)
    g = np.zeros(4, GRID)
    row = np.array([1, -2, 3])
    nested_stores[1, 32](a, src, g, row, b)
    expected = src.astype(np.float64)
    expected[0] = 7.0
    np.testing.assert_array_equal(a["v"], expected)
    np.testing.assert_array_equal(b["v"], expected)
    np.testing.assert_array_equal(g["m"], np.broadcast_to(row, (4, 2, 3)))


@pytest.mark.gpu
def test_whole_records_copy():
    src = np.zeros(5, POINT)
    src["x"] = np.arange(5)
    src["v"] = np.arange(15).reshape(5, 3)
    dst = np.zeros(5, POINT)
    copy_records[1, 32](dst, src)
    np.testing.assert_array_equal(dst, src[::-1])


@pytest.mark.gpu
def test_record_argument_is_written_back():
    host = np.zeros(2, POINT)
    host[1]["x"] = 0.25
    host[1]["v"] = (1.0, 2.0, 3.0)
    out = np.zeros(1)
    record_argument[1, 1](host[1], out)
    assert out[0] == 2.25
    assert host[1]["n"] == 7 and host[1]["x"] == 1.5
    assert host[0]["n"] == 0


@pytest.mark.gpu
def test_loop_over_records():
    a = np.zeros(10, POINT)
    a["x"] = np.arange(10)
    out = np.zeros(1, np.float32)
    sum_over_records[1, 1](a, out)
    assert out[0] == 45


def test_from_dtype_spells_signatures():
    rec = pf.from_dtype(POINT)
    assert str(rec) == POINT_NAME
    assert str(rec[::1]) == POINT_NAME + "[::1]"
    assert str(rec[:, ::1]) == POINT_NAME + "[:, ::1]"
    assert str(pf.from_dtype(np.float32)[:]) == "float32[:]"
    with pytest.raises(TypeError, match="array types are written"):
        rec[1:]
    ptx = fields.inspect_ptx((rec[::1], pf.from_dtype(np.float64)[::1]))
    assert ".entry fields(" in ptx


@pytest.mark.parametrize("kernel,types", [
    (packed_fields, lambda P, K, f32, f64: (K[::1],)),
    (two_d, lambda P, K, f32, f64: (P[:, ::1],)),
    (two_d, lambda P, K, f32, f64: (P[:, :],)),
    (copy_records, lambda P, K, f32, f64: (P[::1], P[::1])),
    (record_argument, lambda P, K, f32, f64: (P, f64[::1])),
    (sum_over_records, lambda P, K, f32, f64: (P[::1], f32[::1])),
    (fields, lambda P, K, f32, f64: (P[:], f64[:])),
    (nested_stores, lambda P, K, f32, f64: (P[::1], f32[:, ::1], pf.from_dtype(GRID)[::1],
                                            pf.from_dtype(np.int64)[::1], P[::1])),
])
def test_gpu_kernels_compile_here(kernel, types):
    """The GPU tests' kernels, compiled (and assembled by ptxas) without a GPU."""
    sig = types(pf.from_dtype(POINT), pf.from_dtype(PACKED), pf.from_dtype(np.float32), pf.from_dtype(np.float64))
    assert ".entry " in kernel.inspect_ptx(sig)


def test_records_through_device_functions(make_module):
    mod = make_module("""
import ptxforge as pf

@pf.jit(device=True)
def pick(a, i):
    return a[i]

@pf.jit(device=True)
def bump(r):
    r.x += 1
    return r.x

@pf.kernel
def k(a, out):
    r = pick(a, 1)
    out[0] = bump(r)
    a[0] = pick(a, 2)
""")
    pair = pf.from_dtype(np.dtype([("x", "f4"), ("y", "i4")]))
    ptx = mod.k.inspect_ptx((pair[::1], pf.from_dtype(np.float32)[::1]))
    assert "add.f32" in ptx and "st.global.f32" in ptx  # r.x += 1 through the reference
    assert "ld.global.u64" in ptx and "st.global.u64" in ptx  # a[0] = a[2]: 8 bytes at once


# -- shared and local arrays of records take the records' bytes --------------------------

WITH_2D = np.dtype([("i", np.int32), ("j", np.float32, (3, 2))])  # 28 bytes


@pf.kernel
def records_through_shared(x, y):
    sm = pf.shared.array(16, dtype=WITH_2D)
    loc = pf.local.array(2, dtype=WITH_2D)
    tx = pf.threadIdx.x
    i = pf.blockIdx.x * pf.blockDim.x + tx
    if i < len(x):
        loc[1] = x[i]
        sm[tx] = loc[1]
    pf.syncthreads()
    if tx == 0:
        for j in range(16):
            y[pf.blockDim.x * pf.blockIdx.x + j] = sm[j]


def test_shared_record_arrays_hold_whole_records():
    """16 records of 28 bytes are 448 bytes of shared memory (the array was once sized as 16
    pointers, 128 bytes, and the block's records overlapped what followed)."""
    ptx = records_through_shared.inspect_ptx("void(Record(i[type=int32;offset=0],"
                                             "j[type=nestedarray(float32, (3, 2));offset=4];28;False)[::1], "
                                             "Record(i[type=int32;offset=0],"
                                             "j[type=nestedarray(float32, (3, 2));offset=4];28;False)[::1])")
    assert ".shared .align 32 .b8" in ptx and "[448]" in ptx


@pytest.mark.gpu
def test_records_through_shared_and_local_arrays_match_numpy():
    x = np.zeros(128, WITH_2D)
    x["i"] = np.arange(128)
    x["j"] = np.arange(6, dtype=np.float32).reshape(3, 2) * np.arange(128, dtype=np.float32)[:, None, None]
    y = pf.device_array_like(x)
    records_through_shared[8, 16](x, y)
    np.testing.assert_array_equal(y.copy_to_host().view(np.uint8), x.view(np.uint8))


# numba-cuda's record dtype (test_record_dtype.py): aligned, with a complex field and a nested array.
NUMBA_REC = np.dtype([("a", np.float64), ("b", np.int32), ("c", np.complex64), ("d", (np.uint8, 5))],
                     align=True)


@pf.kernel
def read_and_set_record(rec, out, v):
    out[0] = rec.a + rec.b + rec.d[4]
    out[1] = rec.c.imag
    rec.b = v
    rec.c = rec.c * 2
    rec.d[1] = 9


@pytest.mark.gpu
@pytest.mark.parametrize("make", [lambda a: a.view(np.recarray)[1], lambda a: a[1],
                                  lambda a: a[1:2].reshape(())[()]],
                         ids=["np.record", "np.void", "0-d element"])
def test_structured_scalar_arguments_are_passed_by_reference(make):
    """A recarray's element (np.record), a structured array's (np.void) and a 0-d array's
    element each bind as a record by reference: the kernel's writes reach the host array."""
    host = np.zeros(3, NUMBA_REC)
    host[1] = (1.5, 2, 3 + 4j, (1, 2, 3, 4, 5))
    rec = make(host)
    assert isinstance(rec, np.void)
    out = np.zeros(2)
    read_and_set_record[1, 1](rec, out, 11)
    assert out.tolist() == [1.5 + 2 + 5, 4.0]
    assert host[1]["b"] == 11 and host[1]["c"] == 6 + 8j
    assert host[1]["d"].tolist() == [1, 9, 3, 4, 5]
    assert host[0] == np.zeros((), NUMBA_REC) and host[2] == np.zeros((), NUMBA_REC)


@pytest.mark.gpu
def test_a_record_copy_is_written_back_to_itself_only():
    """numba's test_rec_set_*: a record taken out of its array (a copy) gets the kernel's writes;
    the array it came from keeps its values."""
    host = np.zeros(2, NUMBA_REC).view(np.recarray)
    rec = host.copy()[0]
    out = np.zeros(2)
    read_and_set_record[1, 1](rec, out, -4)
    assert rec["b"] == -4 and rec["d"][1] == 9
    assert host[0]["b"] == 0 and host[0]["d"][1] == 0


@pytest.mark.gpu
def test_unstructured_void_scalar_is_a_type_error():
    out = np.zeros(2)
    with pytest.raises(TypeError, match=r"argument 1 \('rec'\) has dtype \|V8"):
        read_and_set_record[1, 1](np.void(b"abcdefgh"), out, 1)


@pytest.mark.gpu
def test_a_launch_value_of_the_wrong_shape_is_a_type_error(monkeypatch):
    """The C++ launch turns a value that does not fit its parameter (here a tuple where the
    record's address goes) into a TypeError naming the kernel, never pybind11's cast error."""
    from ptxforge import dispatcher

    real = dispatcher.upload
    monkeypatch.setattr(dispatcher, "upload", lambda values, transfers: ((1, 2),) + tuple(real(values, transfers))[1:])
    host = np.zeros(1, NUMBA_REC)
    with pytest.raises(TypeError, match=r"kernel 'read_and_set_record': launch value 1 is a Python tuple"):
        read_and_set_record[1, 1](host[0], np.zeros(2), 1)
