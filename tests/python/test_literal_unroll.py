"""numba's literal_unroll: a loop over a tuple of values of different types (arrays of
different shapes, say), its body typed once per element."""

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import literal_unroll

CASES = (np.float64([1.0, 0.0, np.inf, np.nan]), np.float64([[1.0, 1.5], [np.inf, np.nan]]), np.array(0),
         np.float64([]), np.array([True, False, True]), np.int32([[3, 0], [0, 4]])[::-1])


@pf.kernel
def reduce_each(out, extra):
    i = 0
    for case in literal_unroll(CASES):
        out[i, 0] = np.count_nonzero(case)
        out[i, 1] = np.nansum(case)
        out[i, 2] = np.all(case)
        i += 1
    for x in literal_unroll(extra):       # a tuple argument
        if x == 2.5:
            continue
        out[i, 0] = x
        i += 1
    for y in pf.literal_unroll((1, 2.5, True)):  # written out
        if y == 2.5:
            break
        out[i, 0] = y
    else:
        out[i, 1] = -1


SIG = "void(float64[:, ::1], Tuple(int32, float32, int64))"


def test_each_copy_has_its_element_type():
    typed = reduce_each.inspect_types(SIG)
    for local in ("case.0: readonly float64[::1]", "case.1: readonly float64[:, ::1]", "case.2: readonly int64[]",
                  "case.5: readonly int32[:, ::1]", "x.0: int32", "x.1: float32", "y.2: bool"):
        assert local in typed, local
    # each typed copy of the body is printed in the loop's place, its loop variable bound first
    for line in ("# element 5", "case.5 = (CASES[5] : readonly int32[:, ::1])",
                 "(np.nansum(case.4) : int64)", "x.1 = (extra[1] : float32)"):
        assert line in typed, line
    assert typed.count("# element") == len(CASES) + 3 + 3
    reduce_each.inspect_ptx(SIG)


def test_wrong_uses_are_compile_errors(make_module):
    mod = make_module("""
        import ptxforge as pf
        from ptxforge import literal_unroll

        @pf.kernel
        def unknown_length(out):
            t = (1, 2)
            for x in literal_unroll(t):
                out[0] = x

        @pf.kernel
        def outside_a_loop(out):
            t = literal_unroll((1, 2))

        @pf.kernel
        def two_names(out):
            for a, b in literal_unroll(((1, 2), (3, 4))):
                out[0] = a
    """)
    cases = [(mod.unknown_length, "needs a tuple whose length is known"),
             (mod.outside_a_loop, "only a for loop's iterable"),
             (mod.two_names, "must be a single name")]
    for kernel, message in cases:
        with pytest.raises(pf.CompileError, match=message):
            kernel.inspect_types("void(float64[::1])")


@pytest.mark.gpu
def test_results_match_numpy():
    out = np.zeros((len(CASES) + 3, 3))
    reduce_each[1, 1](out, (7, 2.5, 9))
    for k, case in enumerate(CASES):
        np.testing.assert_array_equal(out[k], [np.count_nonzero(case), np.nansum(case), np.all(case)])
    n = len(CASES)
    np.testing.assert_array_equal(out[n:n + 2, 0], [7, 9])  # the second element was skipped by continue
    assert out[n + 2, 0] == 1 and out[n + 2, 1] == 0        # break at 2.5: no else
