"""ptxforge.libdevice: numba-cuda's cuda.libdevice, every __nv_* function by name.

Without a GPU: every function compiles in a kernel (its PTX assembles, through
the conftest hook), calls of the wrong arity or with complex numbers are
errors at their line, and numba-cuda's own stubs resolve to ours. The tests
marked ``gpu`` run a sample and compare with numpy and CPython.
"""

import math

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core, libdevice

FUNCTIONS = _core.libdevice_functions()


def _results(result):
    """The element types a call gives: one, or a tuple's."""
    if result.startswith(("Tuple(", "UniTuple(")):
        inner = result[result.index("(") + 1:-1]
        if result.startswith("UniTuple("):
            elt, count = inner.rsplit(", ", 1)
            return [elt] * int(count)
        return inner.split(", ")
    return [result]


def test_every_numba_function_is_there():
    names = {name for name, _, _ in FUNCTIONS}
    assert len(FUNCTIONS) == 317  # numba-cuda 0.30.4's cuda.libdevice
    for name in ("sincos", "frexp", "sad", "fma_rn", "float2half_rn", "popcll", "ull2double_rz", "ynf"):
        assert name in names
        assert callable(getattr(libdevice, name))
    assert set(libdevice.__all__) == names
    assert pf.libdevice is libdevice


def test_stubs_say_what_they_are():
    assert "__nv_sincos" in libdevice.sincos.__doc__
    assert "(float64)" in libdevice.sincos.__doc__
    with pytest.raises(TypeError, match="device function"):
        libdevice.sin(1.0)


_SHORT = {"float32": "f32", "float64": "f64", "int16": "i16", "int32": "i32", "int64": "i64"}
_GROUPS = 8


@pytest.mark.parametrize("group", range(_GROUPS))
def test_every_function_compiles(make_module, group):
    # One kernel per eighth of the table, one call per function on its own line, each
    # result stored: the PTX (assembled by the conftest hook) holds every function.
    lines = []
    for j, (name, params, result) in enumerate(FUNCTIONS):
        if j % _GROUPS != group:
            continue
        args = ", ".join(f"{_SHORT[t]}_in[{k}]" for k, t in enumerate(params))
        lines.append(f"    v{j} = libdevice.{name}({args})")
        outs = _results(result)
        if len(outs) == 1:
            lines.append(f"    {_SHORT[outs[0]]}_out[{4 * j}] = v{j}")
        else:
            lines += [f"    {_SHORT[t]}_out[{4 * j + m}] = v{j}[{m}]" for m, t in enumerate(outs)]
    kinds = list(_SHORT.values())
    params = [f"{k}_out" for k in kinds] + [f"{k}_in" for k in kinds]
    mod = make_module("from ptxforge import libdevice\n\n" + f"def k({', '.join(params)}):\n" + "\n".join(lines)
                      + "\n")
    sig = f"void({', '.join([f'{t}[::1]' for t in _SHORT] * 2)})"
    ptx, _ = pf.compile_ptx(mod.k, sig)
    assert "ld.param" in ptx and "st.global" in ptx
    assert ".extern" not in ptx  # libdevice was linked in: nothing is left to resolve


def test_out_values_come_back_as_a_tuple(make_module):
    mod = make_module("""
        import ptxforge as pf
        from ptxforge import libdevice

        def k(frac, exp, x):
            i = pf.grid(1)
            if i < x.size:
                f, e = libdevice.frexp(x[i])
                frac[i] = f
                exp[i] = e
        """)
    kern = pf.kernel(mod.k)
    typed = kern.inspect_types("void(float64[::1], int32[::1], float64[::1])")
    assert "Tuple(float64, int32)" in typed
    ptx = kern.inspect_ptx("void(float64[::1], int32[::1], float64[::1])")
    assert "st.global.u32" in ptx or "st.global.b32" in ptx


def test_arguments_are_converted_to_the_declared_types(make_module):
    # sad takes int32s: int64 arrays are converted, as numba-cuda converts them.
    mod = make_module("""
        import ptxforge as pf
        from ptxforge import libdevice

        def k(r, x, y, z):
            i = pf.grid(1)
            if i < x.size:
                r[i] = libdevice.sad(x[i], y[i], z[i])
        """)
    ptx = pf.kernel(mod.k).inspect_ptx("void(int64[::1], int64[::1], int64[::1], int64[::1])")
    assert "cvt.s64.s32" in ptx


def test_wrong_arity_is_an_error_at_its_line(make_module):
    mod = make_module("""
        import ptxforge as pf
        from ptxforge import libdevice

        def k(r, x):
            r[0] = libdevice.atan2(x[0])
        """)
    with pytest.raises(pf.CompileError, match=r":5:\d+: error: libdevice.atan2 takes 2 argument"):
        pf.compile_ptx(mod.k, "void(float64[::1], float64[::1])")


def test_complex_arguments_are_refused(make_module):
    mod = make_module("""
        from ptxforge import libdevice

        def k(r, x):
            r[0] = libdevice.sin(x[0])
        """)
    with pytest.raises(pf.CompileError, match=r"libdevice.sin\(\) takes real numbers"):
        pf.compile_ptx(mod.k, "void(float64[::1], complex128[::1])")


def test_unknown_name_is_an_error(make_module):
    mod = make_module("""
        from ptxforge import libdevice

        def k(r, x):
            r[0] = libdevice.no_such_function(x[0])
        """)
    with pytest.raises(pf.CompileError, match="'no_such_function' is not something kernels can use"):
        pf.compile_ptx(mod.k, "void(float64[::1], float64[::1])")


def test_numba_stubs_resolve_to_ptxforge(make_module):
    # numba-cuda's module and its functions (numba is not needed: the module's name is what counts).
    import types

    fake = types.ModuleType("numba.cuda.libdevice")

    def cbrt(x):
        pass

    cbrt.__module__ = "numba.cuda.libdevice"
    fake.cbrt = cbrt
    mod = make_module("""
        def by_module(r, x):
            r[0] = libdevice.cbrt(x[0])

        def by_name(r, x):
            r[0] = cbrt(x[0])
        """)
    mod.libdevice = fake
    mod.cbrt = cbrt
    for f in (mod.by_module, mod.by_name):
        ptx, _ = pf.compile_ptx(f, "void(float64[::1], float64[::1])")
        assert "st.global.f64" in ptx


# --- on the GPU ----------------------------------------------------------------------------------

def _run_unary(make_module, name, x, outs):
    n = len(outs)
    stores = "".join(f"        r{i}[i] = v[{i}]\n" for i in range(n)) if n > 1 else "        r0[i] = v\n"
    mod = make_module("import ptxforge as pf\nfrom ptxforge import libdevice\n\n"
                      f"def k({', '.join(f'r{i}' for i in range(n))}, x):\n"
                      "    i = pf.grid(1)\n"
                      "    if i < x.size:\n"
                      f"        v = libdevice.{name}(x[i])\n" + stores)
    res = [np.zeros(x.shape, dtype=d) for d in outs]
    pf.kernel(mod.k)[(x.size + 127) // 128, 128](*res, x)
    return res


@pytest.mark.gpu
def test_sincos_frexp_modf_on_gpu(make_module):
    x = np.linspace(-10.0, 10.0, 1001)
    s, c = _run_unary(make_module, "sincos", x, [np.float64, np.float64])
    np.testing.assert_allclose(s, np.sin(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(c, np.cos(x), rtol=1e-14, atol=1e-15)
    frac, exp = _run_unary(make_module, "frexp", x, [np.float64, np.int32])
    ef, ee = np.frexp(x)
    np.testing.assert_array_equal(frac, ef)
    np.testing.assert_array_equal(exp, ee)
    xf = x.astype(np.float32)
    frac, whole = _run_unary(make_module, "modff", xf, [np.float32, np.float32])
    ef, ew = np.modf(xf)
    np.testing.assert_array_equal(frac, ef)
    np.testing.assert_array_equal(whole, ew)
    sp, cp = _run_unary(make_module, "sincospif", xf, [np.float32, np.float32])
    np.testing.assert_allclose(sp, np.sin(np.pi * xf.astype(np.float64)), atol=2e-6)
    np.testing.assert_allclose(cp, np.cos(np.pi * xf.astype(np.float64)), atol=2e-6)


@pytest.mark.gpu
def test_scalar_functions_on_gpu(make_module):
    x = np.linspace(0.5, 20.0, 257)
    for name, ref in [("cbrt", np.cbrt), ("rsqrt", lambda v: 1 / np.sqrt(v)), ("log1p", np.log1p),
                      ("tgamma", np.vectorize(math.gamma)), ("exp10", lambda v: 10.0 ** v)]:
        (got,) = _run_unary(make_module, name, x, [np.float64])
        np.testing.assert_allclose(got, ref(x), rtol=1e-13, err_msg=name)
    ints = np.array([0, 1, 0x00100000, -1, 0x7FFFFFFF, 12345], dtype=np.int32)
    (clz,) = _run_unary(make_module, "clz", ints, [np.int32])
    np.testing.assert_array_equal(clz, [32, 31, 11, 0, 1, 18])
    (popc,) = _run_unary(make_module, "popc", ints, [np.int32])
    np.testing.assert_array_equal(popc, [bin(int(v) & 0xFFFFFFFF).count("1") for v in ints])
    (brev,) = _run_unary(make_module, "brev", ints, [np.int32])
    expect = [int(f"{int(v) & 0xFFFFFFFF:032b}"[::-1], 2) for v in ints]
    np.testing.assert_array_equal(brev.view(np.uint32), expect)


@pytest.mark.gpu
def test_sad_remquo_fma_on_gpu(make_module):
    mod = make_module("""
        import ptxforge as pf
        from ptxforge import libdevice

        def k(sad, rem, quo, fma, x, y, z):
            i = pf.grid(1)
            if i < x.size:
                sad[i] = libdevice.sad(x[i], y[i], z[i])
                r, q = libdevice.remquo(float(x[i]) + 0.5, float(y[i]) + 0.25)
                rem[i] = r
                quo[i] = q
                fma[i] = libdevice.fma_rn(float(x[i]), float(y[i]), float(z[i]))
        """)
    x = np.arange(0, 200, 2)
    y = np.arange(50, 150)
    z = np.arange(15, 115)
    sad, rem, fma = (np.zeros(100, dtype=d) for d in (np.int32, np.float64, np.float64))
    quo = np.zeros(100, dtype=np.int32)
    pf.kernel(mod.k)[1, 128](sad, rem, quo, fma, x, y, z)
    np.testing.assert_array_equal(sad, np.abs(x - y) + z)
    a, b = x + 0.5, y + 0.25
    n = np.rint(a / b)  # the quotient rounded to the nearest, ties to even, as remquo takes it
    np.testing.assert_allclose(rem, a - n * b, atol=1e-12)
    np.testing.assert_array_equal(quo & 7, n.astype(np.int64) & 7)
    np.testing.assert_array_equal(fma, x.astype(np.float64) * y + z)
