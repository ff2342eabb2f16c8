"""Basic slicing and partial indexing into views; module-level arrays and tuples frozen as constants."""

import numpy as np
import pytest

import ptxforge as pf

TABLE = np.array([1.5, 2.5, 3.5, 4.5], np.float32)
BIG = np.arange(20_000, dtype=np.float64)  # 160 kB: more than constant memory holds
PAIR = (3, 0.5)
NESTED = (1, (2, 3))


@pf.kernel
def views(a, out):
    i = pf.grid(1)
    if i < a.shape[0]:
        row = a[i]  # partial indexing: a C row
        tail = row[1:]
        rev = row[::-1]
        col = a[:, 0]
        stepped = a[i, 1::2]
        out[i, 0] = tail[0]
        out[i, 1] = rev[0]
        out[i, 2] = col[a.shape[0] - 1 - i]
        out[i, 3] = stepped[stepped.size - 1]
        out[i, 4] = len(a[2:-1])
        out[i, 5] = a[i:i][0:].size + a[-3:, 5:100].shape[1] + a[::-2].shape[0]


@pf.kernel
def uses_globals(out):
    i = pf.grid(1)
    if i < out.size:
        out[i] = TABLE[i % TABLE.size] + BIG[i] + PAIR[0] * PAIR[1] + NESTED[1][1] + TABLE[-1]


SIG_VIEWS = "void(float32[:, ::1], float32[:, ::1])"


def test_view_types():
    typed = views.inspect_types(SIG_VIEWS)
    assert "row: float32[::1]" in typed
    assert "tail: float32[::1]" in typed
    assert "rev: float32[:]" in typed
    assert "col: float32[:]" in typed


def test_global_arrays_are_read_only_constants():
    ptx = uses_globals.inspect_ptx("void(float64[::1])")
    assert ".const .align 16 .b8" in ptx  # TABLE in constant memory
    assert ".global .align 16 .b8" in ptx  # BIG does not fit constant memory
    typed = uses_globals.inspect_types("void(float64[::1])")
    assert "((NESTED[1] : Tuple(int, int))[1] : int)" in typed

    @pf.kernel
    def writes_a_global(out):
        TABLE[0] = out[0]

    with pytest.raises(pf.CompileError, match="read-only: a global array is frozen"):
        writes_a_global.inspect_ptx("void(float32[::1])")


@pytest.mark.parametrize("text,message", [
    ("a[1:2:0]", "slice step cannot be zero"),
    ("a[0, 0, 0]", "too many indices"),
    ("a[0.5]", "must be an integer"),
])
def test_bad_subscripts(make_module, text, message):
    mod = make_module(f"""
import ptxforge as pf

@pf.kernel
def k(a, out):
    out[0] = {text}
""")
    with pytest.raises(pf.CompileError, match=message):
        mod.k.inspect_ptx("void(float32[:, ::1], float32[::1])")


@pytest.mark.gpu
def test_views_match_numpy(rng):
    a = rng.standard_normal((37, 11), dtype=np.float32)
    out = np.full((37, 6), np.nan, np.float32)
    views[1, 64](a, out)
    n = a.shape[0]
    np.testing.assert_array_equal(out[:, 0], a[:, 1])
    np.testing.assert_array_equal(out[:, 1], a[:, -1])
    np.testing.assert_array_equal(out[:, 2], a[::-1, 0])
    np.testing.assert_array_equal(out[:, 3], a[:, 1::2][:, -1])
    np.testing.assert_array_equal(out[:, 4], np.full(n, len(a[2:-1]), np.float32))
    expected = a[0:0].size + a[-3:, 5:100].shape[1] + a[::-2].shape[0]
    np.testing.assert_array_equal(out[:, 5], np.full(n, expected, np.float32))


@pytest.mark.gpu
def test_globals_match_numpy():
    n = 10_000
    out = np.full(n, np.nan)
    uses_globals[(n + 255) // 256, 256](out)
    i = np.arange(n)
    expected = TABLE[i % TABLE.size].astype(np.float64) + BIG[:n] + 3 * 0.5 + 3 + TABLE[-1]
    np.testing.assert_allclose(out, expected, rtol=1e-15)
