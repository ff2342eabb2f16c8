"""i.bit_count() on integers in kernels: numba-cuda's popc of the integer's own width."""

import numpy as np
import pytest

import ptxforge as pf


def test_bit_count_is_popc_of_the_type(make_module):
    mod = make_module("""
        def k(out, c):
            out[0] = c.bit_count()
        """)
    kern = pf.kernel(mod.k)
    for t, width in (("uint8", 16), ("int16", 16), ("uint32", 32), ("int64", 64)):
        ptx = kern.inspect_ptx(f"void(int32[::1], {t})")
        assert f"popc.b{32 if width <= 32 else 64}" in ptx, t


def test_bit_count_is_for_integers(make_module):
    mod = make_module("""
        def k(out, x):
            out[0] = x.bit_count()
        """)
    with pytest.raises(pf.CompileError, match=r":2:\d+: error: .*'bit_count' is not supported"):
        pf.compile_ptx(mod.k, "void(int32[::1], float32)")
    with pytest.raises(pf.CompileError, match="bit_count takes 0 argument"):
        bad = make_module("""
            def k(out, x):
                out[0] = x.bit_count(1)
            """)
        pf.compile_ptx(bad.k, "void(int32[::1], int32)")


@pytest.mark.gpu
def test_bit_count_on_gpu(make_module):
    mod = make_module("""
        import ptxforge as pf

        def k(out, x):
            i = pf.grid(1)
            if i < x.size:
                out[i] = x[i].bit_count()
        """)
    kern = pf.kernel(mod.k)
    for dtype in (np.uint8, np.uint16, np.int32, np.uint32, np.int64, np.uint64):
        info = np.iinfo(dtype)
        x = np.array([0, 1, 5, info.max, info.min, info.max // 3], dtype=dtype)
        out = np.zeros(x.size, np.int64)
        kern[1, 32](out, x)
        bits = 8 * x.dtype.itemsize
        expect = [bin(int(v) & ((1 << bits) - 1)).count("1") for v in x]  # two's complement, as popc
        np.testing.assert_array_equal(out, expect, err_msg=str(dtype))
