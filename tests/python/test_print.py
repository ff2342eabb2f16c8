"""print() in kernels: one vprintf per call, with numba-cuda's formats.

The format strings are checked in the PTX here; the gpu tests run small
programs in a subprocess (the GPU's printf writes to the process's standard
output when the kernel completes) and compare what they print.
"""

import re
import subprocess
import sys
import textwrap

import ptxforge as pf
import pytest


def format_strings(ptx):
    """The format strings in a PTX module, decoded from their .b8 initializers."""
    found = []
    for m in re.finditer(r"__pf_print_format\w*\[\d+\] = \{([\d, ]+)\}", ptx):
        found.append(bytes(int(b) for b in m.group(1).split(",")).rstrip(b"\0").decode())
    return found


def test_numbers_bools_strings_and_tuples():
    @pf.kernel
    def k(x, n, flag):
        i = pf.grid(1)
        print(i, "hop!", x[0], n, flag, (1, (2.5, True)), (7,), -42)

    ptx = k.inspect_ptx("void(float32[::1], uint8, bool)")
    assert format_strings(ptx) == ["%lld hop! %f %llu %s (%lld, (%f, %s)) (%lld,) %lld\n"]
    assert "vprintf" in ptx


def test_dim3_values_print_as_triples():
    @pf.kernel
    def k():
        print(pf.threadIdx, pf.blockDim)

    assert format_strings(k.inspect_ptx("void()")) == ["(%lld, %lld, %lld) (%lld, %lld, %lld)\n"]


def test_sep_end_and_percent_signs():
    @pf.kernel
    def k(x):
        print(x[0], "100%", sep=", ", end="!\n")
        print()

    assert format_strings(k.inspect_ptx("void(int32[::1])")) == ["%lld, 100%%!\n", "\n"]


def test_more_than_32_values_print_the_format_and_warn():
    @pf.kernel
    def k(r):
        print(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15],
              r[16], r[17], r[18], r[19], r[20], r[21], r[22], r[23], r[24], r[25], r[26], r[27], r[28], r[29], r[30],
              r[31], r[32])

    with pytest.warns(UserWarning, match="at most 32 values"):
        ptx = k.inspect_ptx("void(int64[::1])")
    assert " ".join(["%lld"] * 33) + "\n" in format_strings(ptx)


def test_what_print_cannot_print():
    @pf.kernel
    def k(x):
        print(x)

    with pytest.raises(pf.CompileError, match="print\\(\\) in a kernel prints numbers"):
        k.inspect_ptx("void(float32[::1])")

    @pf.kernel
    def k2(x):
        print(x[0], file=None)

    with pytest.raises(pf.CompileError, match="takes sep= and end= only"):
        k2.inspect_ptx("void(float32[::1])")


def run(source):
    """Runs `source` in a fresh Python and returns its standard output."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(source)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.gpu
def test_print_on_the_gpu():
    out = run("""
        import ptxforge as pf

        @pf.kernel
        def hello(x):
            i = pf.grid(1)
            print(i, 999, "hop!", x, i == 1, (1, (2, 3.0)), (4,))
            print(-42)

        hello[2, 3](2.5)
        pf.synchronize()
    """)
    lines = sorted(line.strip() for line in out.splitlines())
    assert lines == ["-42"] * 6 + [f"{i} 999 hop! 2.500000 {i == 1} (1, (2, 3.000000)) (4,)" for i in range(6)]


@pytest.mark.gpu
def test_print_dim3_on_the_gpu():
    out = run("""
        import ptxforge as pf

        @pf.kernel
        def dims():
            print(pf.threadIdx)

        dims[1, (2, 2, 2)]()
        pf.synchronize()
    """)
    import numpy as np

    assert sorted(line.strip() for line in out.splitlines()) == [str(t) for t in np.ndindex(2, 2, 2)]


# -- kernels defined in `python -c` code ---------------------------------------------------------
# numba-cuda's print tests run their kernels this way: ptxforge reads their source from the
# command line (sys.orig_argv), checked against the function's bytecode.


def test_a_kernel_in_python_dash_c_code_compiles(assert_ptx_assembles):
    out = run("""
        import json
        import ptxforge as pf

        @pf.kernel
        def shout(x):
            i = pf.grid(1)
            print(i, "hop!", x, i == 0)

        print(json.dumps(shout.inspect_ptx("void(float64)")))
    """)
    import json

    ptx = json.loads(out)
    assert_ptx_assembles(ptx)
    assert format_strings(ptx) == ["%lld hop! %f %s\n"]


def test_a_function_exec_built_in_python_dash_c_code_is_not_mistaken_for_one_written_there():
    # `g` exec()'d from a string is also in '<string>', with the name and first line of the
    # `g` written in the -c code, but not its body: its source stays unreadable.
    out = run('''
        import ptxforge as pf
        def g(out):
            out[0] = 1
        exec("import ptxforge as pf\\ndef g(out):\\n    out[0] = 2\\n")
        try:
            pf.jit(g).inspect_ptx("void(int32[::1])")
        except pf.CompileError as e:
            print("refused:", e)
    ''')
    assert out.startswith("refused: cannot read the source of")


@pytest.mark.gpu
def test_numba_print_cases_from_python_dash_c_on_the_gpu():
    # The cases of numba-cuda's print tests (floats, bools, empty lines, tuples, bfloat16 and
    # more than 32 values), in programs given to `python -c` as numba's tests give them.
    out = run("""
        import numpy as np
        import ptxforge as pf

        @pf.kernel
        def cases(flag, tup, nested, r):
            print(0, 23, 34.75, 321)
            print(True, False, flag == 0)
            print()
            print(tup, nested, (1,))
            h = pf.bfloat16(0.9375)
            print(h, h)
            print(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
                  r[14], r[15], r[16], r[17], r[18], r[19], r[20], r[21], r[22], r[23], r[24], r[25], r[26],
                  r[27], r[28], r[29], r[30], r[31], r[32])

        cases[1, 1](0, (1, 2, 3), (1, ((2, 4), 3.0), (4,), 5), np.arange(33))
        pf.synchronize()
    """)
    assert out.splitlines() == [
        "0 23 34.750000 321",
        "True False True",
        "",
        "(1, 2, 3) (1, ((2, 4), 3.000000), (4,), 5) (1,)",
        "0.937500 0.937500",
        " ".join(["%lld"] * 33),
    ]
