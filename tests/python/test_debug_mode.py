"""The debug mode (debug=True or PTXFORGE_DEBUG=1), raise and assert.

Everything up to the cubin is checked here: which checks the PTX holds, the
sites a kernel can report from (file, line, source) and the record global.
The gpu tests run kernels that fail; a bounds violation traps, which leaves
the process's CUDA context unusable, so those run in a subprocess.
"""

import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import ptxforge as pf
import pytest


class MyError(Exception):
    pass


@pf.jit(device=True)
def checked_half(v):
    if v < 0:
        raise MyError("negative", 7)
    return v // 2


@pf.kernel(debug=True)
def debug_kernel(out, x, n):
    i = pf.grid(1)
    out[i] = checked_half(x[i]) + x[i] % n
    assert n > 0, "n must be positive"


@pf.kernel
def plain_kernel(out, x, n):
    i = pf.grid(1)
    out[i] = checked_half(x[i]) + x[i] % n


SIG = "void(int32[::1], int32[::1], int32)"


def artifacts(kernel, sig=SIG, stage="ptx"):
    return kernel._compile(tuple(pf._core.parse_signature(sig)[1]), (9, 0), stage).artifacts


def test_debug_mode_checks_indices_divisions_raises_and_asserts():
    a = artifacts(debug_kernel)
    kinds = sorted(site["kind"] for site in a.debug_sites)
    assert kinds == ["assert", "bounds", "bounds", "bounds", "raise", "zero_division"]  # v // 2 needs no check
    ptx = a.ptx
    assert ".visible .global .align 8 .b8 __pf_debug[16];" in ptx
    assert "trap;" in ptx and "exit;" in ptx  # bounds stop the kernel; the others their thread
    assert "atom.global.cas.b32" in ptx and "membar.sys;" in ptx
    assert ".loc" in ptx  # debug brings line tables


def test_sites_name_file_line_and_source():
    a = artifacts(debug_kernel)
    store = next(s for s in a.debug_sites if s["kind"] == "bounds" and s["source"] == "out[i]")
    assert store["file"] == __file__ and store["function"] == "debug_kernel"
    assert store["line"] == debug_kernel.py_func.__code__.co_firstlineno + 3 and store["col"] == 5
    raised = next(s for s in a.debug_sites if s["kind"] == "raise")
    assert raised["function"] == "checked_half" and raised["exception"] == "MyError"
    mod = next(s for s in a.debug_sites if s["kind"] == "zero_division" and "%" in s["source"])
    assert mod["message"] == "integer modulo by zero"


def test_without_debug_nothing_is_checked_and_raise_ends_the_thread():
    a = artifacts(plain_kernel)
    assert not a.debug and not a.debug_sites
    assert "__pf_debug" not in a.ptx and "trap;" not in a.ptx
    assert "exit;" in a.ptx  # the raise in checked_half


def test_ptxforge_debug_turns_the_debug_mode_on(monkeypatch):
    monkeypatch.setenv("PTXFORGE_DEBUG", "1")

    @pf.kernel
    def k(out, x):
        out[0] = x[3]

    assert k.options["debug"]
    assert [s["source"] for s in artifacts(k, "void(float32[::1], float32[::1])").debug_sites] == ["x[3]", "out[0]"]
    monkeypatch.setenv("PTXFORGE_DEBUG", "0")

    @pf.kernel
    def k2(out, x):
        out[0] = x[3]

    assert not k2.options["debug"]


def test_every_kind_of_index_is_checked():
    @pf.kernel(debug=True)
    def k(a, b, t, j):
        a[j] = 1.0                   # 1-d
        b[j, 1] = 2.0                # 2-d
        v = b[j]                     # a view by an integer
        v[0] = 3.0
        pf.atomic.add(a, j, 1.0)     # an atomic's element
        a[0] = t[j]                  # a tuple indexed at run time

    sites = artifacts(k, "void(float32[::1], float32[:, ::1], UniTuple(float32, 3), int64)").debug_sites
    assert [(s["kind"], s["source"]) for s in sites] == [
        ("bounds", "a[j]"), ("bounds", "b[j, 1]"), ("bounds", "b[j]"), ("bounds", "v[0]"),
        ("bounds", "pf.atomic.add(a, j, 1.0)"), ("tuple_index", "t[j]"), ("bounds", "a[0]")]


def test_opt_false_compiles_to_a_cubin():
    @pf.kernel(debug=True, opt=False)
    def k(x, y):
        i = pf.grid(1)
        x[i] = x[i] / y[i]

    a = artifacts(k, "void(float64[::1], float64[::1])", stage="cubin")
    assert a.cubin


def test_raise_errors():
    @pf.kernel
    def bare(x):
        raise

    @pf.kernel
    def not_a_class(x):
        raise x

    @pf.kernel
    def runtime_argument(x):
        raise ValueError(x[0])

    @pf.kernel
    def with_cause(x):
        raise ValueError("bad") from ZeroDivisionError()

    @pf.kernel
    def from_none(x):
        raise ValueError("bad") from None

    sig = "void(float32[::1])"
    assert "exit;" in from_none.inspect_ptx(sig)
    with pytest.raises(pf.CompileError, match="'raise ... from ...' is not supported"):
        with_cause.inspect_types(sig)
    with pytest.raises(pf.CompileError, match="bare 'raise'"):
        bare.inspect_types(sig)
    with pytest.raises(pf.CompileError, match="raises an exception class by its name"):
        not_a_class.inspect_types(sig)
    with pytest.raises(pf.CompileError, match="takes constant arguments"):
        runtime_argument.inspect_types(sig)


def run(tmp_path, source, env=None):
    """Runs `source`, written to tmp_path/prog.py, in a fresh Python: (exit status, stdout, stderr)."""
    import os

    program = tmp_path / "prog.py"
    program.write_text(textwrap.dedent(source).lstrip("\n"))
    done = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    return done.returncode, done.stdout, done.stderr


@pytest.mark.gpu
def test_an_out_of_bounds_write_names_line_index_shape_thread_and_block(pf_target):
    program = pathlib.Path(__file__).parent / "data" / "debug_out_of_bounds.py"
    done = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("IndexError")][-1]
    assert f"In function 'fill', file {program}, line 10, tid=[" in line and "ctaid=[3, 0, 0]" in line, line
    assert "is out of bounds for axis 0 with size 100 in out[i] (index (" in line and "shape (100,))" in line
    assert int(line.split(": index ")[1].split(" ")[0]) >= 100
    if pf_target == "gpu":  # the trap ends the CUDA context; on the CPU only the launch stops
        assert "CUDA context unusable" in done.stderr
    else:
        assert "thread (4, 0, 0) of block (3, 0, 0) trapped" in done.stderr


@pytest.mark.gpu
def test_ptxforge_debug_reports_an_out_of_bounds_read(tmp_path):
    code, out, err = run(tmp_path, """
        import numpy as np
        import ptxforge as pf

        @pf.kernel
        def shift(out, x):
            i = pf.grid(1)
            if i < out.size:
                out[i] = x[i + 1]

        shift[1, 8](np.zeros(8), np.ones(8))
    """, env={"PTXFORGE_DEBUG": "1"})
    assert code != 0
    line = [ln for ln in err.splitlines() if ln.startswith("IndexError")][-1]
    assert "line 8, tid=[7, 0, 0] ctaid=[0, 0, 0]: index 8 is out of bounds for axis 0 with size 8 in x[i + 1]" in line


@pytest.mark.gpu
def test_raise_reaches_the_host_and_the_context_survives():
    with pytest.raises(MyError) as info:
        debug_kernel[1, 4](np.zeros(4, np.int32), np.array([4, 6, -2, 8], np.int32), 3)
    text = str(info.value)
    assert "In function 'checked_half', file " in text and "tid=[2, 0, 0] ctaid=[0, 0, 0]: negative" in text
    assert info.value.args[1] == 7
    out = np.zeros(4, np.int32)
    debug_kernel[1, 4](out, np.array([4, 6, 2, 8], np.int32), 3)  # the same kernel runs again
    np.testing.assert_array_equal(out, [2 + 1, 3 + 0, 1 + 2, 4 + 2])


@pytest.mark.gpu
def test_division_by_zero_and_assert_in_debug_mode():
    with pytest.raises(ZeroDivisionError, match="integer modulo by zero"):
        debug_kernel[1, 1](np.zeros(1, np.int32), np.ones(1, np.int32), 0)

    @pf.kernel(debug=True)
    def asserts(x, n):
        assert n > 0, "n must be positive"
        x[0] = n

    with pytest.raises(AssertionError, match="tid=\\[0, 0, 0\\] ctaid=\\[0, 0, 0\\]: n must be positive"):
        asserts[1, 1](np.zeros(1), -1)


@pytest.mark.gpu
def test_without_debug_a_raise_ends_its_thread_quietly():
    out = np.full(4, -1, np.int32)
    plain_kernel[1, 4](out, np.array([4, 6, -2, 8], np.int32), 3)
    np.testing.assert_array_equal(out, [3, 3, -1, 6])  # thread 2 raised: no store, no exception


@pytest.mark.gpu
def test_tuple_index_out_of_range_in_debug_mode():
    @pf.kernel(debug=True, opt=False)
    def foo(ary):
        x = pf.threadIdx.x
        if x == 2:
            ary.shape[-x]

    with pytest.raises(IndexError, match="tuple index out of range"):
        foo[1, 3](np.array([0, 1]))


def test_division_messages_are_pythons():
    @pf.kernel(debug=True)
    def k(out, i, f):
        out[0] = i[0] // i[1] + i[0] % i[2]
        out[1] = i[0] / i[3] + f[0] / i[4] + f[1] / f[2] + f[3] // f[4] + f[5] % f[6]

    sites = artifacts(k, "void(float64[::1], int64[::1], float64[::1])").debug_sites
    assert [s["message"] for s in sites if s["kind"] == "zero_division"] == [
        "integer division or modulo by zero", "integer modulo by zero", "division by zero",
        "float division by zero", "float division by zero", "float floor division by zero", "float modulo"]
