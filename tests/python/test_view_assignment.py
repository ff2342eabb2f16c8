"""Assigning to array views (`a[1:3] = 0`, `m[i, :] = v`) and `for` loops over tuples."""

import numpy as np
import pytest

import ptxforge as pf


@pf.kernel
def fills(a, b, m, v):
    i = pf.grid(1)
    a[1:3] = 0
    a[3:7] = b[:4]      # another dtype: converted per element
    if i == 0:          # one thread: a second would shift again (on a GPU the warp's lanes race in lockstep)
        a[8:] = a[7:-1]  # overlapping views copy as memmove does
    if i < m.shape[0]:
        m[i, :] = v     # a row from a 1-d array
        m[i, ::2] = -1  # a strided view filled with a number


@pf.kernel
def broadcasts(m, row, col, bad):
    m[:, :] = row       # (4,) broadcast over (3, 4)
    m[1:, :2] = col     # (2, 1) broadcast over (2, 2)
    m[0, :] = bad       # (5,) does not fit (4,): nothing is stored


@pf.kernel
def over_tuples(out, x):
    i = pf.grid(1)
    if i < x.size:
        s = 0.0
        for w in (1, 2.5, np.float32(3)):  # numbers of mixed kinds: their join, float32 here
            s += w * x[i]
        out[i] = s
        for a in (x, out):                 # arrays of one type
            a[i] += 1
        t = (3, 4, 5)
        acc = 0
        for v in t:
            if v == 4:
                continue
            acc += v
        else:
            acc *= 10
        out[i] += acc


def test_types():
    typed = fills.inspect_types("void(float32[::1], int32[::1], float64[:, ::1], float32[::1])")
    assert "(m[i, :] : float64[::1]) = v" in typed
    assert "(a[1:3] : float32[::1]) = 0" in typed
    typed = over_tuples.inspect_types("void(float32[::1], float32[::1])")
    tree = typed.split("# the typed tree")[1]  # after the annotated source
    assert "w: float32" in tree and "a: float32[::1]" in tree and tree.rstrip().count("v: int") == 1


def test_view_errors(make_module):
    mod = make_module("""
        import ptxforge as pf

        @pf.kernel
        def too_wide(a, m):
            a[1:3] = m

        @pf.kernel
        def augmented(a):
            a[1:3] += 1

        @pf.kernel
        def mixed(a, x):
            for v in (a, 1.0):
                x[0] = 1.0
    """)
    with pytest.raises(pf.CompileError, match=r":5:14: error: cannot store the 2-d array .* into the 1-d view"):
        mod.too_wide.inspect_ptx("void(float32[::1], float32[:, ::1])")
    with pytest.raises(pf.CompileError, match=r"operator '\+' on whole arrays is not supported"):
        mod.augmented.inspect_ptx("void(float32[::1])")
    with pytest.raises(pf.CompileError, match=r":13:14: error: a .for. loop over a tuple needs elements of one kind"):
        mod.mixed.inspect_ptx("void(float32[::1], float32[::1])")


@pytest.mark.gpu
def test_view_assignment_matches_numpy(rng):
    a = rng.standard_normal(12).astype(np.float32)
    b = rng.integers(-9, 9, 6).astype(np.int32)
    m = np.zeros((5, 6))
    v = rng.standard_normal(6).astype(np.float32)
    want = a.copy()
    want[1:3] = 0
    want[3:7] = b[:4]
    want[8:] = want[7:-1].copy()
    want_m = np.empty_like(m)
    want_m[:, :] = v
    want_m[:, ::2] = -1
    fills[1, 8](a, b, m, v)
    np.testing.assert_array_equal(a, want)
    np.testing.assert_array_equal(m, want_m)


@pytest.mark.gpu
def test_broadcasting_matches_numpy(rng):
    m = np.zeros((3, 4), np.float32)
    row = rng.standard_normal(4).astype(np.float32)
    col = rng.standard_normal((2, 1)).astype(np.float32)
    want = np.empty_like(m)
    want[:, :] = row
    want[1:, :2] = col
    broadcasts[1, 1](m, row, col, np.ones(5, np.float32))
    np.testing.assert_array_equal(m, want)


@pytest.mark.gpu
def test_for_over_tuples_matches_numpy(rng):
    x = rng.standard_normal(100).astype(np.float32)
    x0 = x.copy()
    out = np.zeros_like(x)
    over_tuples[1, 128](out, x)
    s = np.float32(1) * x0 + np.float32(2.5) * x0 + np.float32(3) * x0
    np.testing.assert_allclose(out, s + 1 + 80, rtol=1e-6)  # the loop over (x, out) adds 1 to each
    np.testing.assert_array_equal(x, x0 + np.float32(1))
