"""One test per class of bug that fuzzing found (issue 10), each at its cause.

Every PTX made here is also assembled for the capability it was made for
(``_core.assemble``: nvJitLink, else ptxas), besides conftest's ptxas -arch=sm_90.
"""

import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core


def assembles(ptx, cc=(9, 0)):
    arch = max(cc, (7, 5))
    cubin, assembler, error = _core.assemble(ptx, *arch)
    assert cubin or assembler == "none", error
    return ptx


# -- bfloat16 constants passed to calls that are not inlined (SIGSEGV in LLVM 19's NVPTX) --

BF16_CALLS = """
import ptxforge as pf

@pf.jit(device=True)
def square(v):
    return v * v

@pf.jit(device=True)
def first(t):
    return t[0]

def const_arg(x, out):
    out[0] = square(pf.bfloat16(1.5))

def const_tuple_arg(x, out):
    out[0] = first((pf.bfloat16(2.0), 3))

def rounded(x, out):
    out[0] = round(pf.bfloat16(x[0]), 1)
"""


@pytest.mark.parametrize("kernel", ["const_arg", "const_tuple_arg", "rounded"])
@pytest.mark.parametrize("opt", [True, False])
def test_bfloat16_constant_passed_to_a_call(kernel, opt, make_module):
    mod = make_module(BF16_CALLS)
    ptx, _ = pf.compile_ptx(getattr(mod, kernel), "void(float32[::1], bfloat16[::1])", opt=opt)
    assembles(ptx)


# -- round(float16 or bfloat16, n): no half ever reaches __nv_powi(double, int) --

@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
@pytest.mark.parametrize("cc", [(8, 0), (9, 0)])
def test_round_of_a_half_to_n_digits(dtype, cc, make_module):
    mod = make_module("""
        def k(x, out):
            out[0] = round(x[0], 2)
            out[1] = round(x[1], -1)
    """)
    ptx, _ = pf.compile_ptx(mod.k, f"void({dtype}[::1], {dtype}[::1])", cc=cc)
    assert "__nv_powi(" not in ptx.replace("__nv_powif", "")
    assembles(ptx, cc)
    assert f"round((x[0] : {dtype}), 2) : {dtype})" in pf.kernel(mod.k).inspect_types(
        f"void({dtype}[::1], {dtype}[::1])")


# -- bfloat16 under fastmath: no .ftz on bf16 instructions --

@pytest.mark.parametrize("cc", [(8, 0), (8, 6), (9, 0), (12, 0)])
def test_bfloat16_fastmath_has_no_ftz_on_bf16(cc, make_module):
    mod = make_module("""
        import ptxforge as pf

        def k(x, out):
            a = pf.bfloat16(x[0])
            b = pf.bfloat16(x[1])
            out[0] = pf.float32(a * b + a - b if a < b else a)
            out[1] = x[2] / x[3]
    """)
    ptx, _ = pf.compile_ptx(mod.k, "void(float32[::1], float32[::1])", cc=cc, fastmath=True)
    for line in ptx.splitlines():
        if "bf16" in line:
            assert ".ftz" not in line, line
    assembles(ptx, cc)


# -- a variable read before its first assignment --

@pytest.mark.parametrize("body,line,col", [
    ("out[0] = v\n    v = 1", 2, 14),
    ("for i in range(3):\n        if i > 0:\n            out[0] = u\n        u = i", 4, 22),
    ("w += 1\n    w = 0", 2, 5),
    ("z = z + 1", 2, 9),
])
def test_variable_used_before_assignment(body, line, col, make_module):
    mod = make_module(f"def k(out):\n    {body}\n".replace("\n    ", "\n    ", 1))
    with pytest.raises(pf.CompileError) as info:
        pf.compile_ptx(mod.k, "void(int64[::1])")
    assert (info.value.lineno, info.value.col) == (line, col), str(info.value)
    assert "is used before it is assigned" in info.value.msg


def test_variable_assigned_on_some_paths_is_accepted(make_module):
    """numba's rule: an assignment earlier in the source counts, whichever branch it is in."""
    mod = make_module("""
        def k(out):
            if out[1] > 0:
                w = 1
            else:
                w = 2
            if out[2] > 0:
                v = 3
            out[0] = w + v
    """)
    assembles(pf.compile_ptx(mod.k, "void(int64[::1])")[0])


# -- lineinfo with device functions: the debug-info module flags were added once per function --

def test_lineinfo_with_device_functions(make_module):
    mod = make_module("""
        import ptxforge as pf

        @pf.jit(device=True)
        def twice(v):
            return v * 2

        @pf.jit(device=True)
        def thrice(v):
            return twice(v) + v

        def k(x):
            x[0] = thrice(x[1]) + twice(x[2])
    """)
    for opt in (True, False):
        ptx, _ = pf.compile_ptx(mod.k, "void(float32[::1])", lineinfo=True, opt=opt)
        assert ".loc" in ptx
        assembles(ptx)


# -- a kernel in an indented block whose lines go below the def's indent --

@pytest.mark.parametrize("body", [
    '        v = x[0] + \\\n1.0\n        x[0] = v\n',
    '        """doc\nstring at column 0\n"""\n        x[0] = 1.0\n',
    '        v = (x[0] +\n  2.0)\n        x[0] = v\n',
])
def test_kernel_in_an_indented_block(body, tmp_path):
    import importlib.util

    path = tmp_path / "indented.py"
    path.write_text("import ptxforge as pf\n\nif True:\n    def k(x):\n" + body + "        x[1] = oops\n")
    spec = importlib.util.spec_from_file_location("indented", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with pytest.raises(pf.CompileError) as info:  # the last line names an undefined variable
        pf.compile_ptx(mod.k, "void(float64[::1])")
    last = len(path.read_text().splitlines())
    assert (info.value.lineno, info.value.col) == (last, 16), str(info.value)
    assert "x[1] = oops" in str(info.value)


def test_kernel_in_an_indented_block_compiles(tmp_path):
    import importlib.util

    path = tmp_path / "indented_ok.py"
    path.write_text('import ptxforge as pf\n\nif True:\n    def k(x):\n        """doc\nat column 0\n"""\n'
                    '        v = x[0] + \\\n1.0\n        x[0] = v\n')
    spec = importlib.util.spec_from_file_location("indented_ok", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assembles(pf.compile_ptx(mod.k, "void(float64[::1])")[0])


# -- max_registers and launch_bounds out of range: ValueError, not pybind11's "incompatible arguments" --

@pytest.mark.parametrize("options,exc,message", [
    ({"max_registers": 2**31}, ValueError, "max_registers must be 1 to 255"),
    ({"max_registers": 256}, ValueError, "max_registers must be 1 to 255"),
    ({"max_registers": -1}, ValueError, "max_registers must be 1 to 255"),
    ({"max_registers": 1.5}, TypeError, "max_registers takes an int"),
    ({"launch_bounds": 2**31}, ValueError, "a block has at most 1024 threads"),
    ({"launch_bounds": (128, 2**31)}, ValueError, "are not below 2**31"),
    ({"launch_bounds": (128, 2, 2**40)}, ValueError, "are not below 2**31"),
    ({"launch_bounds": "x"}, TypeError, "launch_bounds takes 1 to 3 positive ints"),
])
def test_register_and_bounds_limits(options, exc, message, make_module):
    mod = make_module("def k(x):\n    x[0] = 1\n")
    with pytest.raises(exc) as info:
        pf.compile_ptx(mod.k, "void(int32[::1])", **options)
    assert message in str(info.value)
    with pytest.raises(exc):
        pf.kernel(**options)(mod.k)


# -- atomics on global arrays, which are frozen read-only (constant memory up to 64 KiB) --

ATOMICS_ON_GLOBALS = """
import numpy as np
import ptxforge as pf

LUT = np.arange(8).astype(np.int32)
FLUT = np.zeros(8, np.float32)
BIG = np.zeros(20000, np.uint32)  # 80 KB: read-only global memory, not constant memory
GRID = np.zeros((4, 4), np.int64)

def add(out):
    out[0] = pf.atomic.add(LUT, 0, 1)

def cas(out):
    out[0] = pf.atomic.cas(LUT, 0, 1, 2)

def exch(out):
    out[0] = pf.atomic.exch(LUT, 1, 5)

def inc(out):
    out[0] = pf.atomic.inc(BIG, 3, 10)

def nanmax(out):
    out[0] = pf.atomic.nanmax(FLUT, 0, 1.0)

def array_like(out):
    c = pf.const.array_like(LUT)
    out[0] = pf.atomic.max(c, 0, 1)

def two_d(out):
    out[0] = pf.atomic.sub(GRID, (1, 2), 1)

def compare_and_swap(out):
    out[0] = pf.atomic.compare_and_swap(LUT, 0, 1)
"""


@pytest.mark.parametrize("name", ["add", "cas", "exch", "inc", "nanmax", "array_like", "two_d", "compare_and_swap"])
def test_atomic_on_a_global_array_is_a_compile_error(name, make_module):
    mod = make_module(ATOMICS_ON_GLOBALS)
    with pytest.raises(pf.CompileError) as info:
        pf.compile_ptx(getattr(mod, name), "void(float64[::1])")
    e = info.value
    assert "needs an array it can write; this one is read-only" in e.msg
    line = ATOMICS_ON_GLOBALS.lstrip("\n").splitlines()[e.lineno - 1]
    assert line[e.col - 1:].startswith(("LUT", "FLUT", "BIG", "GRID", "c,")), line


# -- () as a device function's argument or result (NVPTX: "Empty parameter types are not supported") --

EMPTY_TUPLES = """
import ptxforge as pf

@pf.jit(device=True)
def takes(t, v):
    return v + len(t)

@pf.jit(device=True)
def gives(x):
    x[1] = 7
    return ()

@pf.jit(device=True)
def nested(t):
    return t

def pass_empty(x):
    x[0] = takes((), 1)

def pass_nested(x):
    x[0] = takes(((), ()), 2)

def return_empty(x):
    r = gives(x)
    x[0] = len(r)

def return_nested(x):
    r = nested(((),))
    x[0] = len(r)
"""


@pytest.mark.parametrize("name", ["pass_empty", "pass_nested", "return_empty", "return_nested"])
@pytest.mark.parametrize("opt", [True, False])
def test_empty_tuples_through_device_functions(name, opt, make_module):
    mod = make_module(EMPTY_TUPLES)
    ptx, _ = pf.compile_ptx(getattr(mod, name), "void(int64[::1])", opt=opt)
    assembles(ptx)
    if name == "return_empty":
        assert "st.global.u64" in ptx or "st.u64" in ptx  # gives() still stores x[1]


def test_device_function_returning_empty_tuple_alone(make_module):
    mod = make_module(EMPTY_TUPLES)
    ptx, returned = pf.compile_ptx(mod.gives, "(int64[::1])", device=True)
    assert returned == "Tuple()"
    assembles(ptx)


# -- more parameter bytes than a kernel has (4352 under PTX ISA 7.8) --

@pytest.mark.parametrize("count,type_", [
    (272, "float64[:, ::1]"), (181, "float64[:, ::1]"), (182, "float64[:, ::1]"), (1000, "int8"),
    (272, "Tuple(int8, float64)"), (273, "Tuple(int8, float64)"), (272, "float32[::1]"), (600, "float32[::1]"),
])
def test_parameter_space(count, type_, make_module):
    fits = count * {"float64[:, ::1]": 24, "int8": 1, "Tuple(int8, float64)": 16, "float32[::1]": 16}[type_] <= 4352
    params = ", ".join(f"p{n}" for n in range(count))
    mod = make_module(f"def k({params}):\n    pass\n")
    sig = f"void({', '.join([type_] * count)})"
    if fits:
        assembles(pf.compile_ptx(mod.k, sig)[0])
        return
    with pytest.raises(pf.CompileError) as info:
        pf.compile_ptx(mod.k, sig)
    assert "takes too many parameter bytes" in info.value.msg and "a kernel has 4352" in info.value.msg
    assert info.value.lineno == 1 and info.value.col > 6


# -- ordered comparisons of bools, left unoptimised (NVPTX cannot select setcc ult on i1) --

@pytest.mark.parametrize("opt", [True, False])
def test_ordered_comparison_of_bools(opt, make_module):
    mod = make_module("""
        def k(b, out):
            out[0] = b[0] < b[1]
            out[1] = b[0] >= b[1] > b[2]
            out[2] = (b[1] <= True) + (False > b[2])
    """)
    assembles(pf.compile_ptx(mod.k, "void(bool[::1], int32[::1])", opt=opt)[0])


# -- long tuples: compile time grew as n**3 (LLVM's IPSCCP on first-class aggregates) --
# Tuples are now built and read element by element in memory; the IR before
# optimisation must hold no whole-tuple value. (Timings: bench/compile_edges.py.)

LONG_TUPLES = """
def param(x, t):
    x[0] = t[0] + t[-1]

def param_loop(x, t):
    s = 0.0
    for v in t:
        s += v
    a = t
    b = c = a
    x[0] = s + b[3] + c[4]

def literal(x):
    t = (LITERAL,)
    x[0] = t[3] + t[-1] + len(t)
"""


def _ir_before_optimisation(func, sig):
    d = pf.kernel(func)
    types = d._types_of_signature(sig)
    return d._compile(types, (9, 0), "ptx", keep_ir=True).artifacts.llvm


@pytest.mark.parametrize("name", ["param", "param_loop", "literal"])
def test_long_tuples_are_never_whole_values(name, make_module):
    n = 400
    mod = make_module(LONG_TUPLES.replace("LITERAL", ", ".join(f"x[{i}]" for i in range(n))))
    sig = ("void(float64[::1])" if name == "literal"
           else f"void(float64[::1], Tuple({', '.join(['float64'] * n)}))")
    ir = _ir_before_optimisation(getattr(mod, name), sig)
    whole = [ln for ln in ir.splitlines() if ("insertvalue {" in ln or "load {" in ln or "store {" in ln)
             and ln.count("double") > 10]
    assert not whole, whole[0][:300]
    assembles(pf.compile_ptx(getattr(mod, name), sig)[0])


# -- opt=False with thousands of locals: kept in local memory, ptxas took 19 s (a fuzzer "hang") --

def test_opt_false_puts_thousands_of_locals_in_registers(make_module):
    body = "".join(f"    v{i} = x[{i % 7}] + {i}\n" for i in range(2000))
    mod = make_module("def k(x):\n" + body + "    x[0] = " + " + ".join(f"v{i}" for i in range(0, 2000, 100)) + "\n")
    ptx = pf.compile_ptx(mod.k, "void(float64[::1])", opt=False, fastmath=True)[0]
    assert "__local_depot" not in ptx  # every local a register (full debug information keeps stack slots)
    assembles(ptx)


# -- the value of a call that returns nothing, kept in a variable (SIGSEGV: a store of no value) --


def keeps_nothing(out):
    i = pf.nanosleep(1)
    s = pf.syncthreads()
    w = pf.syncwarp()
    out[0] = 1 if s is None and i is None and w is None else 0


@pytest.mark.parametrize("cc, opt", [((9, 0), True), ((8, 9), False)])
def test_the_none_of_a_call_returning_nothing_can_be_kept(cc, opt):
    ptx, _ = pf.compile_ptx(keeps_nothing, "void(float32[::1])", cc=cc, opt=opt)
    assert "nanosleep.u32" in ptx and "bar.sync" in ptx
    assembles(ptx, cc)


# -- atomics on a local array ("Cannot select: AtomicCmpSwap ... addrspace 5", an internal error) --


def local_atomics(out, x):
    s = pf.local.array(4, np.int64)
    for j in range(4):
        s[j] = j
    old = pf.atomic.cas(s, 1, 1, 10)
    a = pf.atomic.add(s, 2, 5)
    m = pf.atomic.max(s, 3, 7)
    f = pf.local.array(2, np.float32)
    f[0] = 1.5
    pf.atomic.add(f, 0, x)
    out[0] = s[1] + s[2] + s[3] + old + a + m + f[0]


def test_atomics_on_a_local_array_are_its_plain_operations():
    ptx, _ = pf.compile_ptx(local_atomics, "void(float64[::1], float32)")
    assert "atom." not in ptx  # the thread's own memory: no other thread sees it
    assembles(ptx)
    out = np.zeros(1)
    pf.jit(target="cpu")(local_atomics)[1, 1](out, np.float32(2.0))
    assert out[0] == 10 + 7 + 7 + 1 + 2 + 3 + 3.5


# -- a tuple index written as -2**63: typing took it as a run-time index, lowering as a constant (SIGSEGV) --


def huge_negative_index(a, out):
    out[0] = a.shape[-9223372036854775808]
    t = (1, 2, 3)
    out[1] = t[-9223372036854775808]


@pytest.mark.parametrize("opt", [True, False])
def test_an_index_of_minus_two_to_the_63_is_a_run_time_index(opt):
    ptx, _ = pf.compile_ptx(huge_negative_index, "void(float32[:, :], int64[::1])", opt=opt)
    assembles(ptx)
    with pytest.raises(pf.CompileError, match="tuple index 9223372036854775807 is out of range"):
        pf.compile_ptx(lambda a, out: a.shape[9223372036854775807], "void(float32[:, :], int64[::1])")
