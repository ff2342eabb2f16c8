"""Nothing reaches an LLVM fatal error: intrinsics at every capability.

Every intrinsic that needs a minimum capability or PTX version either
compiles, at every capability from 5.0 to 12.1, to PTX that assembles, or is
a CompileError at the call's line and column naming what it needs. (LLVM
failures that still happen become CompileErrors naming the kernel; the C++
suite tests/compiler/LlvmFailureTest.cpp checks that path and that later
compiles in the same thread still work.)
"""

import pytest

import ptxforge as pf

CAPABILITIES = [(5, 0), (5, 2), (6, 0), (6, 1), (7, 0), (7, 2), (7, 5), (8, 0), (8, 6), (8, 9), (9, 0), (10, 0),
                (10, 3), (12, 0), (12, 1)]

# name: (statement, lowest capability that has it)
INTRINSICS = {
    "shfl_sync": ("x[0] = pf.shfl_sync(0xffffffff, x[1], 0)", (5, 0)),
    "shfl_up_sync": ("x[0] = pf.shfl_up_sync(0xffffffff, x[1], 1)", (5, 0)),
    "shfl_xor_sync_f64": ("y[0] = pf.shfl_xor_sync(0xffffffff, y[1], 1)", (5, 0)),
    "all_sync": ("x[0] = pf.all_sync(0xffffffff, x[1] > 0)", (5, 0)),
    "ballot_sync": ("x[0] = pf.ballot_sync(0xffffffff, x[1] > 0)", (5, 0)),
    "syncwarp": ("pf.syncwarp(0xffff)", (5, 0)),
    "activemask": ("x[0] = pf.activemask()", (5, 0)),
    "lanemask_lt": ("x[0] = pf.lanemask_lt()", (5, 0)),
    "nanosleep": ("pf.nanosleep(100)", (7, 0)),
    "match_any_sync": ("x[0] = pf.match_any_sync(0xffffffff, x[1])", (7, 0)),
    "atomic_add_f64": ("y[0] = pf.atomic.add(y, 0, 1.0)", (5, 0)),
    "atomic_add_f16": ("h[0] = pf.atomic.add(h, 0, h[1])", (7, 0)),
    "grid_sync": ("pf.cg.this_grid().sync()", (7, 0)),
}
SIG = "void(int32[::1], float64[::1], float16[::1])"


@pytest.mark.parametrize("name", sorted(INTRINSICS))
def test_intrinsic_at_every_capability(name, make_module):
    statement, lowest = INTRINSICS[name]
    mod = make_module(f"""
        import ptxforge as pf

        def kernel(x, y, h):
            i = pf.grid(1)
            {statement}
    """)
    col = 5  # the statement's first column
    for cc in CAPABILITIES:
        if cc >= lowest:
            ptx, _ = pf.compile_ptx(mod.kernel, SIG, cc=cc)
            arch = max(cc, (7, 5))  # CUDA 13 assembles from sm_75; PTX is forward-compatible
            cubin, assembler, error = pf._core.assemble(ptx, *arch)
            assert cubin or assembler == "none", f"{name} at {cc}: {error}"
        else:
            with pytest.raises(pf.CompileError) as info:
                pf.compile_ptx(mod.kernel, SIG, cc=cc)
            e = info.value
            assert (e.lineno, e.col) == (5, col + statement.index("pf.") if "=" in statement else col), str(e)
            assert "needs a GPU of compute capability 7.0 or newer" in e.msg
            assert f"sm_{cc[0]}{cc[1]}" in e.msg


def test_a_failed_compile_leaves_later_compiles_working(make_module):
    mod = make_module("""
        import ptxforge as pf

        def bad(x):
            pf.nanosleep(10)

        def good(x):
            x[0] = pf.shfl_sync(0xffffffff, x[1], 0)
    """)
    for _ in range(5):
        with pytest.raises(pf.CompileError):
            pf.compile_ptx(mod.bad, "void(int32[::1])", cc=(6, 0))
        ptx, _ = pf.compile_ptx(mod.good, "void(int32[::1])", cc=(6, 0))
        assert "shfl.sync.idx.b32" in ptx
