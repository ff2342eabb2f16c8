"""Names numba-cuda kernels use that ptxforge added for them: more of math, numpy's
constants, and the runtime's array helpers and copy directions."""

import math

import numpy as np
import pytest

import ptxforge as pf


# -- math ---------------------------------------------------------------------------------


@pf.kernel
def more_math(x, y, n, frac, exps, out):
    i = pf.grid(1)
    if i < x.size:
        frac[i], exps[i] = math.frexp(x[i])
        out[i, 0] = math.ldexp(x[i], n[i])
        whole, part = math.modf(x[i])
        out[i, 1] = whole
        out[i, 2] = part
        out[i, 3] = math.remainder(x[i], y[i])
        out[i, 4] = math.exp2(y[i])
        out[i, 5] = math.radians(x[i])
        out[i, 6] = math.degrees(x[i])
        out[i, 7] = math.nextafter(x[i], y[i])


SIG = "void({t}[::1], {t}[::1], int32[::1], {t}[::1], int32[::1], {t}[:, ::1])"


@pytest.mark.parametrize("t", ["float32", "float64"])
def test_more_math_types_and_libdevice(t):
    typed = more_math.inspect_types(SIG.format(t=t))
    assert f"(math.frexp((x[i] : {t})) : Tuple({t}, int32))" in typed
    assert f"(math.modf((x[i] : {t})) : Tuple({t}, {t}))" in typed
    assert f"(math.ldexp((x[i] : {t}), (n[i] : int32)) : {t})" in typed
    ptx = more_math.inspect_ptx(SIG.format(t=t))  # libdevice's frexp/modf/remainder are linked in
    assert "call" not in ptx.split("{", 1)[1]


def test_math_names_from_imports_and_numpy_constants(make_module):
    mod = make_module("""
        import numpy as np
        import ptxforge as pf
        from math import frexp, ldexp, exp2
        from numpy import pi as PI

        @pf.kernel
        def k(out):
            m, e = frexp(8.0)
            out[0] = ldexp(m, e) + exp2(1.0)
            out[1] = np.pi + np.e + PI
            out[2] = np.inf
            out[3] = np.nan
            out[4] = np.euler_gamma
    """)
    typed = mod.k.inspect_types("void(float32[::1])")
    assert "(np.pi : float)" in typed and "(np.nan : float)" in typed  # weak, like math.pi
    assert "((np.pi : float) + (np.e : float) : float) + PI : float)" in typed


def test_ldexp_takes_an_integer_exponent(make_module):
    mod = make_module("""
        import math
        import ptxforge as pf

        @pf.kernel
        def k(out):
            out[0] = math.ldexp(1.0, 2.5)
    """)
    with pytest.raises(pf.CompileError, match="math.ldexp\\(\\)'s exponent must be an integer, not float"):
        mod.k.inspect_types("void(float64[::1])")


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_more_math_matches_python(rng, dtype):
    n = 300
    x = rng.uniform(-50, 50, n).astype(dtype)
    y = rng.uniform(0.5, 8, n).astype(dtype)
    x[:4] = [0.0, np.inf, np.nan, 3.1415]
    k = rng.integers(-5, 5, n).astype(np.int32)
    frac, exps = np.zeros(n, dtype), np.zeros(n, np.int32)
    out = np.zeros((n, 8), dtype)
    more_math[3, 128](x, y, k, frac, exps, out)
    finite = np.isfinite(x)
    want = [math.frexp(float(v)) for v in x[finite]]
    np.testing.assert_array_equal(frac[finite], np.array([w[0] for w in want], dtype))
    np.testing.assert_array_equal(exps[finite], [w[1] for w in want])
    assert frac[1] == np.inf and exps[1] == 0 and np.isnan(frac[2]) and exps[2] == 0  # numba's (and CUDA's) rule
    np.testing.assert_array_equal(out[:, 0], np.ldexp(x, k))
    np.testing.assert_array_equal(out[:, 1], np.modf(x)[0])
    np.testing.assert_array_equal(out[:, 2], np.modf(x)[1])
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(out[finite, 3], [math.remainder(float(a), float(b)) for a, b in
                                                       zip(x[finite], y[finite])])
    rtol = 2e-6 if dtype == np.float32 else 1e-15
    np.testing.assert_allclose(out[:, 4], np.exp2(y), rtol=rtol)
    np.testing.assert_allclose(out[:, 5], np.radians(x), rtol=rtol)
    np.testing.assert_allclose(out[:, 6], np.degrees(x), rtol=rtol)
    np.testing.assert_array_equal(out[:, 7], np.nextafter(x, y))


# -- the runtime ----------------------------------------------------------------------------


def test_compile_ptx_for_current_device():
    ptx, ret = pf.compile_ptx_for_current_device(more_math, SIG.format(t="float32"))
    cc = pf.gpus.current.compute_capability if pf._target.gpu_available() else (9, 0)
    assert f".target sm_{min(cc[0] * 10 + cc[1], 90)}" in ptx and ret == "void"
    with pytest.raises(TypeError, match="current device's cc"):
        pf.compile_ptx_for_current_device(more_math, SIG.format(t="float32"), cc=(8, 0))


def test_array_like_layouts_follow_numba():
    from ptxforge.devicearray import _like

    assert _like(np.zeros((3, 4))) == (None, "C")
    assert _like(np.zeros((3, 4)).T) == (None, "F")
    assert _like(np.zeros((4, 6))[:, ::2]) == ((24, 8), "C")  # strides ordered as the source's
    assert _like(np.zeros((3, 4, 5)).transpose(1, 0, 2)[:, ::2]) == ((40, 160, 8), "C")


def test_copy_directions_are_exported():
    assert pf.In(1).value == 1 and repr(pf.Out([2])) == "Out([2])"
    assert issubclass(pf.InOut, pf._args.ArgHint)


@pf.kernel
def bump(x, y):
    i = pf.grid(1)
    if i < x.size:
        y[i] = x[i] * 2
        x[i] += 1


@pytest.mark.gpu
def test_in_out_inout_copy_as_named():
    x = np.arange(8, dtype=np.float32)
    y = np.full(8, -1, np.float32)
    bump[1, 32](pf.In(x), pf.Out(y))
    np.testing.assert_array_equal(x, np.arange(8))        # In: not copied back
    np.testing.assert_array_equal(y, np.arange(8) * 2)    # Out: copied back
    bump[1, 32](pf.InOut(x), y)
    np.testing.assert_array_equal(x, np.arange(8) + 1)
    d = pf.to_device(x)
    bump[1, 32](pf.In(d), pf.Out(y))                       # device arrays are used in place
    np.testing.assert_array_equal(d.copy_to_host(), np.arange(8) + 2)


@pytest.mark.gpu
def test_pinned_mapped_and_managed_arrays():
    src = pf.device_array((10, 12))[:, ::3]
    for like in (pf.pinned_array_like, pf.mapped_array_like):
        a = like(src)
        assert a.shape == (10, 4) and a.dtype == np.float64 and a.strides == (32, 8)
    f = np.zeros((5, 6), np.int32, order="F")
    assert pf.pinned_array_like(f).flags["F_CONTIGUOUS"] and pf.mapped_array_like(f).flags["F_CONTIGUOUS"]
    s = pf.stream()
    m = pf.managed_array(16, dtype=np.float32, stream=s)
    assert isinstance(m, pf.ManagedNDArray) and m.__cuda_array_interface__["stream"] == s.handle
    assert pf.managed_array(4).__cuda_array_interface__["stream"] is None
    m[:] = np.arange(16)
    out = pf.managed_array(16, dtype=np.float32)
    bump[1, 32](m, out)
    pf.synchronize()
    np.testing.assert_array_equal(out, np.arange(16) * 2)  # read on the host, no copy
    np.testing.assert_array_equal(m, np.arange(16) + 1)
