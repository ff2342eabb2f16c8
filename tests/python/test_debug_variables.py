"""Full debug information (debug=True, opt=False): the kernel's signature and its
variables in the DWARF, as numba-cuda describes them for cuda-gdb; and what
numba's debug options do (_dbg_optnone, NUMBA_CUDA_DEBUGINFO)."""

import os
import re
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
import pytest

import ptxforge as pf
from conftest import PTXAS

SIG2 = "void(int32, int32)"


def metadata(ir):
    """{node number: its text} of the IR's numbered metadata."""
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^!(\d+) = (.*)$", ir, re.MULTILINE)}


def variable(ir, name):
    """The DILocalVariable called `name`: (node number, text); fails unless exactly one."""
    found = [(n, t) for n, t in metadata(ir).items() if t.startswith("!DILocalVariable(") and f'name: "{name}"' in t]
    assert len(found) == 1, (name, found, ir)
    return found[0]


def type_of(ir, name):
    """The text of the type node of variable `name`."""
    _, text = variable(ir, name)
    return metadata(ir)[int(re.search(r"type: !(\d+)", text).group(1))]


def records(ir, kind, number):
    """The #dbg_declare / #dbg_value records of variable node `number`."""
    return re.findall(rf"#dbg_{kind}\(([^,]+), !{number}, ", ir)


def test_parameters_are_declared_on_their_slots_with_numbas_type_names():
    @pf.kernel(SIG2, debug=True, opt=False)
    def f(depth1, depth2):
        z = depth1 + depth2  # noqa: F841

    ir = f.inspect_llvm(SIG2)
    for argno, name in ((1, "depth1"), (2, "depth2")):
        number, text = variable(ir, name)
        assert f"arg: {argno}," in text
        assert records(ir, "declare", number) == [f"ptr %{name}{argno}"] or len(records(ir, "declare", number)) == 1
        assert records(ir, "value", number) == []
        assert type_of(ir, name) == '!DIBasicType(name: "int32", size: 32, encoding: DW_ATE_signed)'
    # The subroutine type lists them after the void return.
    sub = re.search(r"!DISubroutineType\(types: !(\d+)\)", ir).group(1)
    assert re.search(rf"^!{sub} = !{{null, !(\d+), !\1}}$", ir, re.MULTILINE), ir


def test_scalar_locals_get_a_dbg_value_at_each_assignment():
    @pf.kernel(SIG2, debug=True, opt=False)
    def f(x, y):
        z1 = x  # noqa: F841
        z2 = 100  # noqa: F841
        z4 = x == y  # noqa: F841
        z1 = y  # noqa: F841

    ir = f.inspect_llvm(SIG2)
    for name, count in (("z1", 2), ("z2", 1), ("z4", 1)):
        number, text = variable(ir, name)
        assert "arg:" not in text
        assert len(records(ir, "value", number)) == count, (name, ir)
        assert records(ir, "declare", number) == []
    assert records(ir, "value", variable(ir, "z2")[0]) == ["i64 100"]
    assert type_of(ir, "z4") == '!DIBasicType(name: "bool", size: 8, encoding: DW_ATE_boolean)'
    assert type_of(ir, "z2") == '!DIBasicType(name: "int64", size: 64, encoding: DW_ATE_signed)'
    # the lines of the variables: where each is first assigned
    first = f.py_func.__code__.co_firstlineno  # the decorator's line
    assert f"line: {first + 2}," in variable(ir, "z1")[1]


def test_arrays_records_tuples_and_grid_groups_are_described():
    rec = np.dtype([("a", np.int32), ("b", np.float32)])
    sig = (pf.from_dtype(rec)[::1], pf.float32[:, ::1], "UniTuple(float64, 2)", pf.boolean)

    @pf.kernel(sig, debug=True, opt=False)
    def f(r, a, t, flag):
        grid = pf.cg.this_grid()  # noqa: F841
        q = r[0]
        q.a = 1
        pair = (1, 2.5)
        a[0, 0] = pair[1] + t[0] + flag

    ir = f.inspect_llvm(sig)
    md = metadata(ir)
    array = type_of(ir, "a")
    assert array.startswith("!DICompositeType(tag: DW_TAG_structure_type") and "size: 320" in array
    members = [md[int(n)] for n in re.findall(r"!(\d+)", md[int(re.search(r"elements: !(\d+)", array).group(1))])]
    assert [re.search(r'name: "(\w+)"', m).group(1) for m in members] == ["data", "shape", "strides"]
    assert [re.search(r"offset: (\d+)", m).group(1) if "offset" in m else "0" for m in members] == ["0", "64", "192"]
    # a record variable is the address of the element: a pointer to its structure
    pointer = type_of(ir, "q")
    assert "DW_TAG_pointer_type" in pointer
    struct = md[int(re.search(r"baseType: !(\d+)", pointer).group(1))]
    assert "DW_TAG_structure_type" in struct and "size: 64" in struct
    assert type_of(ir, "grid") == '!DIBasicType(name: "GridGroup", size: 64, encoding: DW_ATE_unsigned)'
    assert records(ir, "value", variable(ir, "grid")[0]) == ["i64 0"]  # no bits in ptxforge: reads as 0
    assert 'name: "f1"' in ir and "size: 128" in type_of(ir, "pair")
    assert len(records(ir, "declare", variable(ir, "pair")[0])) == 1  # an aggregate lives in its slot
    assert type_of(ir, "flag") == '!DIBasicType(name: "bool", size: 8, encoding: DW_ATE_boolean)'


def test_a_name_whose_values_do_not_join_is_a_union():
    @pf.kernel("void(int32[::1])", debug=True, opt=False)
    def f(x):
        w = 1
        x[0] = w
        w = (2, 3)
        x[1] = w[1]

    ir = f.inspect_llvm("void(int32[::1])")
    union = type_of(ir, "w")
    assert "!DICompositeType(tag: DW_TAG_union_type" in union and "size: 128" in union
    assert '"_int64"' in ir and '"_Tuple(int, int)"' in ir


def test_device_functions_have_their_parameters_and_locals():
    @pf.jit(device=True, debug=True, opt=False)
    def scale(v, k):
        s = v * k
        return s

    @pf.kernel(debug=True, opt=False)
    def f(x):
        x[0] = scale(x[0], 3)

    ir = f.inspect_llvm("void(float64[::1])")
    assert 'name: "v", arg: 1' in ir and 'name: "k", arg: 2' in ir and 'name: "s",' in ir


@pytest.mark.skipif(PTXAS is None, reason="ptxas not found")
def test_the_dwarf_assembles_with_and_without_g():
    rec = np.dtype([("a", np.int32), ("v", np.float64, (3,))])
    sig = (pf.from_dtype(rec)[::1], pf.complex64, pf.int32[::1])

    @pf.kernel(sig, debug=True, opt=False)
    def f(r, c, out):
        grid = pf.cg.this_grid()  # noqa: F841
        local = pf.local.array(4, pf.float32)
        local[0] = c.real
        w = 1
        w = (1, 2)
        q = r[0]
        out[0] = int(local[0]) + w[0] + q.a

    ptx = f.inspect_ptx(sig)
    assert re.search(r"\.section\s+\.debug_info\s+\{", ptx)
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "k.ptx")
        with open(src, "w") as fh:
            fh.write(ptx)
        for flags in ([], ["-g"]):
            proc = subprocess.run([PTXAS, "-arch=sm_90", *flags, src, "-o", os.path.join(d, "k.cubin")],
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, (flags, proc.stderr)


def test_without_full_debug_information_no_variables_or_types():
    # opt=True debug, lineinfo and release: line tables at most, nothing of this file's.
    for options in (dict(debug=True), dict(lineinfo=True), dict(), dict(opt=False)):
        @pf.kernel(SIG2, **options)
        def f(x, y):
            z = x + y  # noqa: F841

        ir = f.inspect_llvm(SIG2)
        assert "DILocalVariable" not in ir and "#dbg_" not in ir and "DIBasicType" not in ir, options
        if not options or options == dict(opt=False):
            assert "!dbg" not in ir and "!DI" not in ir, options


@pytest.mark.gpu
def test_in_a_tuple():
    @pf.kernel
    def f(inp, out):
        i = pf.grid(1)
        if i < inp.size:
            out[i] = (1 if inp[i] in (2, 3) else 3) + (10 if inp[i] not in (1, 2.5, True) else 0)

    @pf.kernel
    def g(x, t):
        x[0] = x[1] in t
        x[2] = x[1] in ()

    a = np.arange(-1, 5, dtype=np.int32)
    out = np.zeros_like(a)
    f[1, 8](a, out)
    assert out.tolist() == [13, 13, 3, 11, 11, 13]
    x = np.array([0, 3, 9], np.int32)
    g[1, 1](x, (1, 3))
    assert x.tolist() == [1, 3, 0]


def test_in_needs_a_tuple():
    @pf.kernel
    def h(x):
        x[0] = x[1] in x

    with pytest.raises(pf.CompileError, match=r"test_debug_variables\.py:\d+:\d+: .*'in' in kernels needs a tuple "
                                              r"on its right, not int32\[::1\]"):
        h.compile("void(int32[::1])")


def test_dbg_optnone_compiles_unoptimised_and_device_signatures_inspect():
    @pf.jit("int64(boolean, boolean)", debug=True, opt=True, _dbg_optnone=True, device=True)
    def choice(cond1, cond2):
        if cond1 and cond2:
            return 1
        return 2

    assert choice.signatures == [("bool", "bool")]
    ir = choice.inspect_llvm()[choice.signatures[0]]
    assert ir == choice.inspect_llvm("int64(boolean, boolean)")
    assert "#dbg_declare" in ir and "alloca" in ir  # opt=False: slots kept, full DWARF
    assert ".debug_info" in choice.inspect_asm()[("bool", "bool")]

    @pf.kernel("void(int64[::1], boolean)")
    def caller(out, c):
        out[0] = choice(c, c)

    assert re.search(r"call i64 @choice\S*\(", caller.inspect_llvm("void(int64[::1], boolean)"))  # never inlined


def test_numba_cuda_debuginfo_environment_turns_debug_on():
    code = textwrap.dedent("""
        import ptxforge as pf
        @pf.kernel(opt=False)
        def foo(x):
            x[0] = 1
        @pf.kernel(debug=False)
        def bar(x):
            x[0] = 1
        print(".debug_info" in foo.inspect_ptx("void(int32[:])"), ".debug_info" in bar.inspect_ptx("void(int32[:])"))
    """)
    env = dict(os.environ, NUMBA_CUDA_DEBUGINFO="1")
    env.pop("PTXFORGE_DEBUG", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.stdout.split() == ["True", "False"], out.stderr


def test_numba_cuda_config_turns_debug_on_where_numba_code_set_it(monkeypatch):
    import types

    fake = types.ModuleType("numba.cuda.core.config")  # what numba's override_config sets
    fake.CUDA_DEBUGINFO_DEFAULT = 1
    monkeypatch.setitem(sys.modules, "numba.cuda.core.config", fake)

    @pf.kernel(opt=False)
    def foo(x):
        x[0] = 1

    assert foo.options["debug"]
    fake.CUDA_DEBUGINFO_DEFAULT = 0

    @pf.kernel(opt=False)
    def bar(x):
        x[0] = 1

    assert bar.options["debug"] == (os.environ.get("PTXFORGE_DEBUG", "0") not in ("", "0"))


def test_loop_steps_and_empty_else_edges_carry_their_statements_lines():
    @pf.kernel("void(int64[:])", debug=True, opt=False)
    def foo(output):
        bar = 0
        for i in range(10):
            if i == 5:
                continue
            bar = bar + i
        output[0] = bar

    ir = foo.inspect_llvm("void(int64[:])")
    first = foo.py_func.__code__.co_firstlineno
    line = {int(n): int(ln) for n, ln in re.findall(r"^!(\d+) = !DILocation\(line: (\d+),", ir, re.MULTILINE)}

    def lines_of(block):
        body = re.search(rf"^{re.escape(block)}:.*?\n(.*?)\n\n", ir, re.MULTILINE | re.DOTALL).group(1)
        return {line[int(n)] for n in re.findall(r"!dbg !(\d+)", body)}

    # first is the decorator's line: the `for` is 3 lines below, the `if` 4, the `continue` 5
    assert lines_of("for.inc") == {first + 3}  # the step: the `for` line, also after `continue`
    assert lines_of("if.then") == {first + 5}  # the `continue` itself
    assert lines_of("if.else") == {first + 4}  # the empty else: the `if` line


@pytest.mark.gpu
def test_a_kernel_with_full_dwarf_runs_and_computes_as_without():
    # The cubin is assembled with -g from PTX carrying every kind of variable.
    rec = np.dtype([("a", np.int32), ("b", np.float32)])

    @pf.jit(device=True, debug=True, opt=False)
    def twice(v):
        w = v * 2
        return w

    def body(r, c, t, out):
        grid = pf.cg.this_grid()  # noqa: F841
        i = pf.grid(1)
        if i < out.size:
            local = pf.local.array(2, pf.float32)
            local[0] = c.real
            w = 1
            w = (i, 2)
            q = r[i]
            q.b = q.a * 0.5
            acc = 0
            for j in range(4):
                if j == 2:
                    continue
                acc += j
            out[i] = twice(q.a) + w[0] + acc + local[0] + t[1] + (1 if i in (3, 5) else 0)

    debug = pf.kernel(debug=True, opt=False)(body)
    plain = pf.kernel(body)
    results = []
    for k in (debug, plain):
        r = np.zeros(8, rec)
        r["a"] = np.arange(8)
        out = np.zeros(8)
        k[1, 8](r, np.complex64(1.5 + 2j), (0.25, 0.75), out)
        results.append((out, r["b"].copy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], np.arange(8) * 0.5)
    expected = np.arange(8) * 2 + np.arange(8) + 4 + 1.5 + 0.75 + np.isin(np.arange(8), (3, 5))
    np.testing.assert_array_equal(results[0][0], expected)
