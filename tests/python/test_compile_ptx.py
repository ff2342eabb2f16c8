"""Compiling without a GPU: compile_ptx, options, typing, inspection, globals, names."""

import math
import re

import pytest

import ptxforge as pf
import ptxforge as cuda
from ptxforge import grid

SAXPY_SIG = "void(float32, float32[::1], float32[::1], float32[::1])"


def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


def _instructions(ptx):
    """The opcodes of `ptx` (``fma.rn.f32``, ``ld.global.f32``, ...), predicates stripped."""
    ops = []
    for line in ptx.splitlines():
        line = line.strip()
        if not line or line.startswith(("//", ".", "$", "{", "}", ")")):
            continue
        if line.startswith("@"):
            line = line.split(None, 1)[1] if " " in line or "\t" in line else ""
        ops.append(line.split()[0].rstrip(";") if line else "")
    return [op for op in ops if op]


def _f64_arithmetic(ptx):
    """Opcodes that compute in float64 (loading a float64 parameter and converting it do not)."""
    return [op for op in _instructions(ptx)
            if ".f64" in op and not op.startswith(("ld.param", "cvt.rn.f32.f64", "mov"))]


# -- compile_ptx ------------------------------------------------------------------------


def test_saxpy_ptx(assert_ptx_assembles):
    ptx, ret = pf.compile_ptx(saxpy, SAXPY_SIG)
    assert ret == "void"
    assert isinstance(ptx, str)
    assert re.search(r"\.entry\s+saxpy\s*\(", ptx)
    assert "fma.rn.f32" in _instructions(ptx)
    assert ".target sm_90" in ptx
    assert ".address_size 64" in ptx
    assert_ptx_assembles(ptx)


def test_saxpy_with_weak_float_scalar():
    # A Python float 'a' next to float32 data keeps the arithmetic in float32.
    ptx, _ = pf.compile_ptx(saxpy, "void(float, float32[::1], float32[::1], float32[::1])")
    assert "fma.rn.f32" in _instructions(ptx)
    assert _f64_arithmetic(ptx) == []


def test_fma_false_keeps_mul_and_add():
    ptx, _ = pf.compile_ptx(saxpy, SAXPY_SIG, fma=False)
    ops = _instructions(ptx)
    assert not any(op.startswith("fma") for op in ops), ops
    assert "mul.rn.f32" in ops and "add.rn.f32" in ops


@pytest.mark.parametrize("cc", [(8, 0), (8, 6), (9, 0)])
def test_cc_sets_target(cc):
    ptx, _ = pf.compile_ptx(saxpy, SAXPY_SIG, cc=cc)
    assert f".target sm_{cc[0]}{cc[1]}" in ptx


def test_compile_ptx_accepts_type_tuples():
    ptx, ret = pf.compile_ptx(saxpy, (pf.float32, pf.float32[::1], pf.float32[::1], pf.float32[::1]))
    assert ret == "void"
    assert "fma.rn.f32" in _instructions(ptx)


def test_compile_ptx_rejects_non_void_signature():
    with pytest.raises(TypeError, match="void"):
        pf.compile_ptx(saxpy, "float32(float32, float32[::1], float32[::1], float32[::1])")


def test_compile_ptx_rejects_bad_type():
    with pytest.raises(ValueError, match="floot32"):
        pf.compile_ptx(saxpy, "void(floot32, float32[::1], float32[::1], float32[::1])")


# -- weak literals ----------------------------------------------------------------------


def double_it(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = x[i] * 2.0 + 0.5 - 1e-3 / 3.0


def int_ops(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = x[i] * 3 + 7


def test_float_literals_stay_float32():
    ptx, _ = pf.compile_ptx(double_it, "void(float32[::1])")
    assert ".f64" not in ptx, "a float literal turned float32 arithmetic into float64"
    assert any(op.endswith(".f32") for op in _instructions(ptx))
    typed = pf.kernel(double_it).inspect_types("void(float32[::1])")
    assert "float64" not in typed


def test_float_literals_with_float64_use_float64():
    ptx, _ = pf.compile_ptx(double_it, "void(float64[::1])")
    assert any(op.endswith(".f64") for op in _instructions(ptx))
    assert not any(op.endswith(".f32") for op in _instructions(ptx))


def test_int_literals_keep_int32():
    ptx, _ = pf.compile_ptx(int_ops, "void(int32[::1])")
    ops = _instructions(ptx)
    assert "ld.global.u32" in ops and "st.global.u32" in ops
    assert ".f32" not in ptx and ".f64" not in ptx


# -- typing of Python scalars and inspection ---------------------------------------------


def scale(a, x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = a * x[i]


def test_python_scalars_are_weak_types():
    k = pf.kernel(scale)
    assert k.compile("void(float, float32[::1])") == "scale"
    typed = k.inspect_types()
    assert list(typed) == [("float", "float32[::1]")]
    text = typed[("float", "float32[::1]")]
    assert "a: float," in text and "x: float32[::1]" in text
    assert re.search(r"\(a \* \(x\[i\] : float32\) : float32\)", text), text

    k.compile("void(int, float32[::1])")
    text = k.inspect_types("void(int, float32[::1])")
    assert "a: int," in text


def test_inspection_without_signature_gives_dicts():
    k = pf.kernel(scale)
    sigs = ["void(float32, float32[::1])", "void(float64, float64[::1])"]
    for sig in sigs:
        k.compile(sig)
    keys = {("float32", "float32[::1]"), ("float64", "float64[::1]")}
    for method in (k.inspect_types, k.inspect_llvm, k.inspect_ptx):
        result = method()
        assert isinstance(result, dict)
        assert set(result) == keys
        assert all(isinstance(v, str) and v for v in result.values())
    assert set(k.overloads) == keys
    ptx = k.inspect_ptx()
    assert ".f64" not in ptx[("float32", "float32[::1]")]
    assert "ld.global.f64" in ptx[("float64", "float64[::1]")]


def test_inspection_with_signature_gives_str():
    k = pf.kernel(scale)
    sig = "void(float32, float32[::1])"
    assert isinstance(k.inspect_types(sig), str)
    assert "define" in k.inspect_llvm(sig) and "@scale" in k.inspect_llvm(sig)
    assert ".entry scale" in k.inspect_ptx(sig)
    assert k.inspect_asm(sig) == k.inspect_ptx(sig)


@pf.kernel("void(float32[::1])")
def eager(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = x[i] + 1.0


def test_eager_signature():
    assert eager.signatures == [("float32[::1]",)]
    for method in (eager.inspect_types, eager.inspect_llvm, eager.inspect_ptx):
        result = method()
        assert isinstance(result, dict) and list(result) == [("float32[::1]",)]
        one = method("void(float32[::1])")
        assert isinstance(one, str) and one == result[("float32[::1]",)]


def test_eager_signature_list():
    @pf.kernel(["void(float32[::1])", "void(int64[::1])"])
    def k(x):
        x[0] = x[0] + 1

    assert set(k.inspect_types()) == {("float32[::1]",), ("int64[::1]",)}


def test_eager_signature_reports_errors_at_decoration():
    with pytest.raises(pf.CompileError, match="name 'nowhere' is not defined"):
        @pf.kernel("void(float32[::1])")
        def k(x):
            x[0] = nowhere  # noqa: F821


def test_eager_signature_must_return_void():
    with pytest.raises(TypeError, match="returns void"):
        @pf.kernel("int32(float32[::1])")
        def k(x):
            x[0] = 1


def test_dtypes_compile(assert_ptx_assembles):
    k = pf.kernel(scale)
    for dt in ["int8", "int16", "int32", "int64", "uint8", "uint32", "uint64", "float16", "float32",
               "float64", "bool"]:
        scalar = "bool" if dt == "bool" else dt
        assert ".entry scale" in k.inspect_ptx(f"void({scalar}, {dt}[::1])")


def two_d(a):
    i, j = pf.grid(2)
    if i < a.shape[0] and j < a.shape[1]:
        a[i, j] = a[i, j] * 2 + i - j


@pytest.mark.parametrize("layout", ["[:, ::1]", "[::1, :]", "[:, :]"])
def test_two_d_layouts(layout):
    ptx = pf.kernel(two_d).inspect_ptx(f"void(float32{layout})")
    assert ".entry two_d" in ptx and "%ctaid.y" in ptx


# -- globals and names ------------------------------------------------------------------

N_ADD = 7
SCALE = 2.5
FLAG = True


def uses_globals(x):
    i = pf.grid(1)
    if i < x.size and FLAG:
        x[i] = x[i] * SCALE + N_ADD


def test_module_constants_are_frozen():
    global SCALE
    k = pf.kernel(uses_globals)
    typed = k.inspect_types("void(float32[::1])")
    assert "SCALE" in typed and "N_ADD" in typed
    llvm = k.inspect_llvm("void(float32[::1])")
    assert "2.5" in llvm and "7.0" in llvm, llvm
    # Frozen at compilation: a later change does not reach the compiled overload.
    old = SCALE
    try:
        SCALE = 4.25
        assert "4.25" not in k.inspect_llvm("void(float32[::1])")
    finally:
        SCALE = old


def test_closure_constants_are_frozen():
    factor = 3.75

    def k(x):
        x[0] = x[0] * factor

    llvm = pf.kernel(k).inspect_llvm("void(float32[::1])")
    assert "3.75" in llvm


def test_numpy_scalar_globals(make_module):
    mod = make_module("""
        import numpy as np
        import ptxforge as pf
        C = np.float32(1.5)
        M = np.int32(3)

        def k(x):
            x[0] = x[0] * C + M
    """)
    k = pf.kernel(mod.k)
    assert "1.5" in k.inspect_llvm("void(float32[::1])")
    assert _f64_arithmetic(k.inspect_ptx("void(float32[::1])")) == []


def test_numpy_scalar_globals_keep_their_dtype(make_module):
    # Regression: numpy scalar instances have no __module__ of their own, and
    # np.float64 is a float subclass; both were mistyped (opaque / weak float).
    mod = make_module("""
        import numpy as np
        D = np.float64(0.25)
        B = np.bool_(True)
        U = np.uint64(2**64 - 1)

        def k(x):
            if B:
                x[0] = x[0] * D + (U & 1)
    """)
    k = pf.kernel(mod.k)
    typed = k.inspect_types("void(float32[::1])")
    assert "float64" in typed, typed
    assert _f64_arithmetic(k.inspect_ptx("void(float32[::1])")), "np.float64 is a strong float64, as in numba"


def alias_module(x):
    i = cuda.grid(1)
    j = cuda.threadIdx.x + cuda.blockIdx.x * cuda.blockDim.x
    if i < x.size and i == j:
        x[i] = cuda.gridDim.x + cuda.laneid + cuda.warpsize


def alias_name(x):
    i = grid(1)
    if i < x.size:
        x[i] = i


def test_numba_style_names():
    for f in (alias_module, alias_name):
        ptx = pf.kernel(f).inspect_ptx("void(int64[::1])")
        assert "%tid.x" in ptx and "%ctaid.x" in ptx and "%ntid.x" in ptx
    assert "%nctaid.x" in pf.kernel(alias_module).inspect_ptx("void(int64[::1])")


def test_numba_cuda_import_alias(make_module):
    mod = make_module("""
        import ptxforge as cuda
        from ptxforge import grid, gridsize, syncthreads

        def k(x):
            start = grid(1)
            for i in range(start, x.size, gridsize(1)):
                x[i] = x[i] + cuda.threadIdx.x
            syncthreads()
    """)
    ptx = pf.kernel(mod.k).inspect_ptx("void(int32[::1])")
    assert "bar.sync" in ptx


# -- math, ranges ------------------------------------------------------------------------


def math_f32(x):
    i = pf.grid(1)
    if i < x.size:
        x[i] = math.sqrt(x[i]) + math.sin(x[i]) + math.exp(x[i]) + math.log(x[i] + 2.0)


def test_math_float32_uses_libdevice(assert_ptx_assembles):
    ptx, _ = pf.compile_ptx(math_f32, "void(float32[::1])")
    ops = _instructions(ptx)
    assert "sqrt.rn.f32" in ops
    assert "ld.global.f32" in ops and "st.global.f32" in ops
    assert "call" not in " ".join(ops), "libdevice functions should be inlined"
    assert_ptx_assembles(ptx)


def test_math_float64():
    ptx, _ = pf.compile_ptx(math_f32, "void(float64[::1])")
    assert "sqrt.rn.f64" in _instructions(ptx)


def countdown(x):
    for i in range(x.size - 1, -1, -1):
        x[i] = i
    for j in range(10, 0, -3):
        x[0] = x[0] + j


def test_range_negative_step():
    ptx, _ = pf.compile_ptx(countdown, "void(int32[::1])")
    assert ".entry countdown" in ptx


def test_lineinfo_option():
    ptx, _ = pf.compile_ptx(saxpy, SAXPY_SIG, lineinfo=True)
    assert ".loc" in ptx and ".file" in ptx


def test_fastmath_option():
    ptx, _ = pf.compile_ptx(math_f32, "void(float32[::1])", fastmath=True)
    assert ".entry math_f32" in ptx


def test_ptxas_check_rejects_bad_ptx(ptxas_path, assert_ptx_assembles):
    # The session-wide check is only as good as its failure path.
    good, _ = pf.compile_ptx(saxpy, SAXPY_SIG)
    bad = good.replace("fma.rn.f32", "fma.rn.bogus32")
    with pytest.raises(AssertionError, match="ptxas -arch=sm_90 rejected"):
        assert_ptx_assembles(bad)


# -- device functions through compile_ptx(device=True) -------------------------------------


def test_device_function_returns_inferred_type():
    import math

    def hyp(a, b):
        if a < 0:
            return -1.0  # a Python float: weak, joins float32 as float32
        return math.sqrt(a * a + b * b)

    ptx, ret = pf.compile_ptx(hyp, "float32(float32, float32)", device=True)
    assert ret == "float32"
    assert ".visible .func  (.param .b32 func_retval0) hyp(" in ptx
    assert "sqrt.rn.f32" in ptx and ".entry" not in ptx


def test_device_function_returning_a_tuple_and_errors():
    def pair(a, b):
        return a, a + b

    _, ret = pf.compile_ptx(pair, (pf.int32, pf.int64), device=True)
    assert ret == "Tuple(int32, int64)"

    def mixed(a):
        if a > 0:
            return a
        return

    _, ret = pf.compile_ptx(mixed, "(int32)", device=True)
    assert ret == "OptionalType(int32)"  # numba's Optional: a value or None
    with pytest.raises(TypeError, match=r"returns OptionalType\(int32\), but the signature says int32"):
        pf.compile_ptx(mixed, "int32(int32)", device=True)   # a declared int32 cannot be None
    with pytest.raises(TypeError, match="pass device=True"):
        pf.compile_ptx(pair, "int32(int32, int32)")


def test_launch_bounds_and_max_registers_reach_the_ptx(assert_ptx_assembles):
    def k(x):
        x[grid(1)] = 1.0

    ptx, _ = pf.compile_ptx(k, "void(float32[::1])", launch_bounds=(128, 4), max_registers=32)
    assert ".maxntid 128, 1, 1" in ptx and ".minnctapersm 4" in ptx and ".maxnreg 32" in ptx
    assert ".maxclusterrank" not in ptx
    # The third bound: blocks per cluster (PTX .maxclusterrank, sm_90's clusters), as numba's.
    ptx, _ = pf.compile_ptx(k, "void(float32[::1])", launch_bounds=(128, 2, 4), cc=(9, 0))
    assert ".maxntid 128, 1, 1" in ptx and ".minnctapersm 2" in ptx and ".maxclusterrank 4" in ptx
    assert_ptx_assembles(ptx)
    ptx, _ = pf.compile_ptx(k, "void(float32[::1])", launch_bounds=(128, 2, 4), cc=(8, 0))
    assert ".maxclusterrank" not in ptx  # no clusters before sm_90
    with pytest.raises(ValueError, match="launch_bounds takes 1 to 3 positive ints"):
        pf.compile_ptx(k, "void(float32[::1])", launch_bounds=(0,))


def _saxpy_body(a, x, y, out):
    i = grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


@pytest.mark.parametrize("cc, target, isa", [((9, 0, "a"), "sm_90a", (8, 0)), ((10, 0, "f"), "sm_100f", (8, 8)),
                                             ((12, 0, "a"), "sm_120a", (8, 7))])
def test_arch_and_family_specific_targets(cc, target, isa, ptxas_path, tmp_path):
    import subprocess

    ptx, _ = pf.compile_ptx(_saxpy_body, "void(float32, float32[::1], float32[::1], float32[::1])", cc=cc)
    assert re.search(rf"^\.target {target}$", ptx, re.M)
    major, minor = map(int, re.search(r"^\.version (\d+)\.(\d+)$", ptx, re.M).groups())
    assert (major, minor) >= isa
    (tmp_path / "k.ptx").write_text(ptx)
    done = subprocess.run([ptxas_path, f"-arch={target}", str(tmp_path / "k.ptx"), "-o", str(tmp_path / "k.cubin")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_unknown_arch_suffix_is_a_value_error():
    with pytest.raises(ValueError, match=r"cc=\(8, 6, 'a'\) is not an arch- or family-specific target"):
        pf.compile_ptx(_saxpy_body, "void(float32, float32[::1], float32[::1], float32[::1])", cc=(8, 6, "a"))


def test_a_lambda_inside_a_call_spread_over_lines():
    ptx, _ = pf.compile_ptx(
        lambda: None, (), cc=(9, 0, "a")
    )
    assert ".target sm_90a" in ptx
    _, returned = pf.compile_ptx(
        lambda x, y: x * y + 1, ("int32", "int32"), device=True,
    )
    assert returned == "int32"
