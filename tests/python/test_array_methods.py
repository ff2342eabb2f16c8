"""Array methods and numpy reductions inside kernels: a.sum(), np.nanmax(a), a.copy(),
a.view(dtype) ... on argument, global, local and shared arrays and their views."""

import warnings

import numpy as np
import pytest

import ptxforge as pf

REDUCTIONS = ["sum", "prod", "min", "max", "mean", "var", "std", "all", "any", "nansum", "nanprod", "nanmin",
              "nanmax", "nanmean", "nanvar", "nanstd", "count_nonzero", "argmin", "argmax"]


def _typed(make_module, body, sig):
    mod = make_module(f"""
        import numpy as np
        import ptxforge as pf

        @pf.kernel
        def k(a, out):
            {body}
    """)
    return mod.k.inspect_types(sig), mod.k


@pytest.mark.parametrize("dtype, results", [
    ("int32", dict(sum="int64", prod="int64", min="int32", mean="float64", var="float64", all="bool",
                   count_nonzero="int64", argmax="int64")),
    ("uint8", dict(sum="uint64", nanprod="uint64", max="uint8", nanmean="float64")),
    ("float32", dict(sum="float32", mean="float32", std="float32", nanmin="float32", nanvar="float32")),
    ("float16", dict(sum="float16", mean="float16", var="float16")),
    ("bool", dict(sum="int64", any="bool", mean="float64")),
    ("complex64", dict(sum="complex64", mean="complex64", var="float32", std="float32", all="bool")),
])
def test_numpy_result_types(dtype, results, make_module):
    sig = f"void({dtype}[:, :], {'complex128' if dtype.startswith('complex') else 'float64'}[::1])"
    for name, want in results.items():
        typed, k = _typed(make_module, f"out[0] = np.{name}(a)", sig)
        assert f"(np.{name}(a) : {want})" in typed, (name, typed)
        k.inspect_ptx(sig)


def test_method_and_function_forms(make_module):
    body = "out[0] = a.sum() + a.prod() + a.min() + a.max() + a.mean() + a.var() + a.std() + a.argmin() + " \
           "a.argmax()\n            out[1] = a.all() + a.any() + np.amin(a) + np.amax(a)"
    typed, k = _typed(make_module, body, "void(float64[::1], float64[::1])")
    assert "(a.sum() : float64)" in typed and "(np.amax(a) : float64)" in typed
    k.inspect_ptx("void(float64[::1], float64[::1])")


def test_copy_and_view(make_module):
    mod = make_module("""
        import numpy as np
        import ptxforge as pf

        TABLE = np.array([1, 2, 3])[::-1]

        @pf.kernel
        def k(raw, out):
            q = TABLE.copy()
            q[0] = 7
            loc = pf.local.array(4, np.float32)
            bits = loc.view(np.uint32)
            words = raw[4:12].view(np.int32)
            out[0] = q[0] + bits[0] + words[1]
    """)
    typed = mod.k.inspect_types("void(uint8[::1], int64[::1])")
    assert "(TABLE.copy() : int64[::1])" in typed  # writable, C-ordered
    assert "(loc.view(np.uint32) : uint32[::1])" in typed
    assert "((raw[4:12] : uint8[::1]).view(np.int32) : int32[::1])" in typed
    ptx = mod.k.inspect_ptx("void(uint8[::1], int64[::1])")
    assert "alloca" not in ptx  # the copy of a constant-shape array is a static local array


def test_wrong_uses_are_compile_errors(make_module):
    cases = [("out[0] = np.sum(a, 0)", "void(float64[:, :], float64[::1])", "no axis"),
             ("out[0] = np.max(a)", "void(complex64[::1], float64[::1])", "complex numbers have no order"),
             ("out[0] = np.sum(out[0])", "void(float64[::1], float64[::1])", "needs an array, not float64"),
             ("out[0] = a.view(np.int32)[0]", "void(float64[:, :], float64[::1])", "C-contiguous"),
             ("out[0] = a.view(3)[0]", "void(float64[::1], float64[::1])", "takes a dtype"),
             ("out[0] = a.T[0]", "void(float64[::1], float64[::1])", "'T' is not supported")]
    for body, sig, message in cases:
        with pytest.raises(pf.CompileError, match=message):
            _typed(make_module, body, sig)


# -- on the GPU -----------------------------------------------------------------------------


def _kernel_for(name, make_module):
    mod = make_module(f"""
        import numpy as np
        import ptxforge as pf

        @pf.kernel
        def k(a, out):
            i = pf.grid(1)
            if i < a.shape[0]:
                out[i] = np.{name}(a[i])    # one row per thread: a strided view of a 2-d array
    """)
    return mod.k


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_reductions_match_numpy(dtype, rng, make_module):
    rows = rng.uniform(-3, 3, (40, 7)).astype(dtype)
    if np.issubdtype(dtype, np.floating):
        rows[::5, ::3] = np.nan
        rows[3] = np.nan
        rows[4, 2] = np.inf
    data = np.asfortranarray(rows)  # rows are strided views
    for name in REDUCTIONS:
        with warnings.catch_warnings():  # numpy warns of all-NaN rows
            warnings.simplefilter("ignore", RuntimeWarning)
            want = np.array([getattr(np, name)(r) for r in rows])
        out = np.zeros(len(rows), want.dtype if want.dtype != np.bool_ else np.bool_)
        _kernel_for(name, make_module)[1, 64](data, out)
        if np.issubdtype(want.dtype, np.floating) and name in ("mean", "var", "std", "nanmean", "nanvar", "nanstd"):
            np.testing.assert_allclose(out, want, rtol=1e-5 if dtype == np.float32 else 1e-12, err_msg=name)
        else:
            np.testing.assert_array_equal(out, want, err_msg=name)


@pf.kernel
def local_and_shared(x, out):
    loc = pf.local.array(8, np.float32)
    sh = pf.shared.array((4, 8), np.float32)
    t = pf.threadIdx.x
    for j in range(8):
        loc[j] = x[t, j]
        sh[t, j] = x[t, j] * 2
    pf.syncthreads()
    out[t, 0] = loc.sum()
    out[t, 1] = np.max(sh[t])
    out[t, 2] = sh[:, t].mean()
    out[t, 3] = loc[::2].min()
    c = loc.copy()
    c[0] = 100
    out[t, 4] = c.max() + loc[0]
    out[t, 5] = loc.view(np.int32)[1]


@pytest.mark.gpu
def test_local_shared_views_copy_and_view(rng):
    x = rng.uniform(-1, 1, (4, 8)).astype(np.float32)
    out = np.zeros((4, 6), np.float32)
    local_and_shared[1, 4](x, out)
    sh = x * 2
    # float32 sums in another order than numpy's: near zero only an absolute bound holds
    np.testing.assert_allclose(out[:, 0], x.sum(axis=1, dtype=np.float64), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out[:, 1], sh.max(axis=1))
    np.testing.assert_allclose(out[:, 2], [sh[:, t].mean(dtype=np.float64) for t in range(4)], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out[:, 3], x[:, ::2].min(axis=1))
    np.testing.assert_array_equal(out[:, 4], 100 + x[:, 0])
    np.testing.assert_array_equal(out[:, 5], x[:, 1].view(np.int32).astype(np.float32))


@pytest.mark.gpu
def test_view_of_a_byte_slice_and_copy_of_a_global(make_module):
    mod = make_module("""
        import numpy as np
        import ptxforge as pf

        VAL = np.array([1, 2, 3])[::-1]

        @pf.kernel
        def reinterpret(raw, start, stop, out):
            out[0] = raw[start:stop].view(np.int32)[0]

        @pf.kernel
        def copied(out):
            q = VAL.copy()
            for i in range(len(out)):
                out[i] = q[i]
    """)
    raw = np.arange(256, dtype=np.uint8)
    for start in range(0, 256, 4):
        out = np.zeros(1, np.int32)
        mod.reinterpret[1, 1](raw, start, start + 4, out)
        assert out[0] == raw[start:start + 4].view(np.int32)[0]
    out = np.zeros(3)
    mod.copied[1, 1](out)
    np.testing.assert_array_equal(out, [3, 2, 1])
