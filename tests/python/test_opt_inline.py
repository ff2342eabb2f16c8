"""opt=False keeps numba's unoptimised shape; inline= / forceinline= reach the IR."""

import re
import pytest

import ptxforge as pf
from ptxforge import _core


def assembles(ptx):
    cubin, assembler, error = _core.assemble(ptx, 9, 0)
    assert cubin or assembler == "none", error


def kernel_func(x):
    x[0] = 1


def device_func(x, y, z):
    return x * y + z


def test_opt_false_keeps_variables_in_the_local_depot():
    ptx = pf.compile_ptx(kernel_func, "void(float64[::1])", opt=False)[0]
    assert "__local_depot0" in ptx
    assembles(ptx)
    assert "__local_depot0" not in pf.compile_ptx(kernel_func, "void(float64[::1])")[0]


def test_opt_false_contracts_no_fma():
    sig = "float64(float64, float64, float64)"
    assert "fma.rn.f64" in pf.compile_ptx(device_func, sig, device=True)[0]
    ptx = pf.compile_ptx(device_func, sig, device=True, opt=False)[0]
    assert "fma.rn.f64" not in ptx and "mul.rn.f64" in ptx
    assembles(ptx)
    dev = pf.jit(sig, device=True, opt=False)(device_func)
    assert "fma.rn.f64" not in dev.inspect_asm(sig)


def set_zero(a):
    a[0] = 0


@pytest.mark.parametrize("options, attribute", [
    (dict(inline="never"), "noinline"), (dict(inline=False), "noinline"),
    (dict(inline="always"), "alwaysinline"), (dict(forceinline=True), "alwaysinline"), ({}, None)])
def test_inline_options_mark_the_callee(options, attribute):
    callee = pf.jit(device=True, **options)(set_zero)

    def caller(a):
        callee(a)

    k = pf.jit("void(int32[::1])")(caller)
    before = k.inspect_llvm(("int32[::1]",), optimized=False)
    define = next(line for line in before.splitlines() if line.startswith("define") and "set_zero" in line)
    attrs = before[before.index("attributes #" + define.rsplit("#", 1)[1].split()[0]):].splitlines()[0]
    for a in ("noinline", "alwaysinline"):
        assert (a in attrs) == (a == attribute), attrs
    after = k.inspect_llvm(("int32[::1]",))
    assert ("call " in after) == (attribute == "noinline")
    # A call left after optimisation keeps the C convention, as numba's IR (`call void @f`).
    assert "fastcc" not in after
    assert (re.search(r"call [a-zA-Z0-9]* @", after) is not None) == (attribute == "noinline")
    assembles(k.inspect_ptx(("int32[::1]",)))


def test_forceinline_is_for_ltoir_only():
    with pytest.raises(ValueError, match="Can only designate forced inlining in LTO-IR"):
        pf.compile(set_zero, "void(float32[::1])", device=True, forceinline=True)


def test_bad_inline_value():
    with pytest.raises(ValueError, match="inline must be"):
        pf.jit(device=True, inline="sometimes")(set_zero)
