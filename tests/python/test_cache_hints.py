"""numba-cuda's cache-hint loads and stores: pf.ldca ... pf.ldcv, pf.stcg ... pf.stwt."""

import numpy as np
import pytest

import ptxforge as pf

DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32",
          "float64"]
LOADS = {"ca": pf.ldca, "cg": pf.ldcg, "cs": pf.ldcs, "lu": pf.ldlu, "cv": pf.ldcv}
STORES = {"cg": pf.stcg, "cs": pf.stcs, "wb": pf.stwb, "wt": pf.stwt}


def _bits(dtype):
    return np.dtype(dtype).itemsize * 8


def _kernels(make_module):
    return make_module("""
        import ptxforge as pf

        def loads(op):
            @pf.kernel
            def load(r, x):
                for i in range(len(r)):
                    r[i] = op(x, i)

            @pf.kernel
            def load2(r, x):
                for i in range(x.shape[0]):
                    for j in range(x.shape[1]):
                        r[i, j] = op(x, (i, j))
            return load, load2

        def stores(op):
            @pf.kernel
            def store(r, x):
                for i in range(len(r)):
                    op(r, i, x[i])

            @pf.kernel
            def store2(r, x):
                for i in range(x.shape[0]):
                    for j in range(x.shape[1]):
                        op(r, (i, j), x[i, j])
            return store, store2
    """)


@pytest.mark.parametrize("dtype", DTYPES)
def test_each_operator_emits_its_instruction(dtype, make_module):
    mod = _kernels(make_module)
    bits = _bits(dtype)
    for op, fn in LOADS.items():
        load, load2 = mod.loads(fn)
        assert f"ld.global.{op}.b{bits}" in load.inspect_ptx(f"void({dtype}[::1], {dtype}[::1])")
        assert f"ld.global.{op}.b{bits}" in load2.inspect_ptx(f"void({dtype}[:, ::1], {dtype}[:, :])")
    for op, fn in STORES.items():
        store, store2 = mod.stores(fn)
        assert f"st.global.{op}.b{bits}" in store.inspect_ptx(f"void({dtype}[::1], {dtype}[::1])")
        assert f"st.global.{op}.b{bits}" in store2.inspect_ptx(f"void({dtype}[:, :], {dtype}[:, ::1])")


@pytest.mark.parametrize("dtype", DTYPES)
def test_pointers_take_cache_hints_too(dtype, make_module):
    mod = make_module("""
        import ptxforge as pf

        def loader(op):
            def load(ptr, r, n):
                for i in range(n):
                    r[i] = op(ptr, i)
            return load

        def storer(op):
            def store(ptr, values, n):
                for i in range(n):
                    op(ptr, i, values[i])
            return store
    """)
    bits = _bits(dtype)
    sig = f"void({dtype}*, {dtype}[::1], intp)"
    for op, fn in LOADS.items():
        assert f"ld.global.{op}.b{bits}" in pf.compile_ptx(mod.loader(fn), sig)[0]
    for op, fn in STORES.items():
        assert f"st.global.{op}.b{bits}" in pf.compile_ptx(mod.storer(fn), sig)[0]


def test_numbas_errors(make_module):
    mod = make_module("""
        import ptxforge as pf

        def float_index(x):
            pf.ldcs(x, 1.0)

        def long_index(x):
            pf.ldcs(x, (1, 2))

        def scalar_index(x):
            pf.ldcs(x, 1)

        def short_index(x):
            pf.ldcs(x, (1,))

        def complex_load(r, x):
            r[0] = pf.ldcs(x, 0)

        def constant(r):
            r[0] = pf.ldcg(TABLE, 0)

        def pointer_tuple(p):
            pf.ldcg(p, (0, 1))

        TABLE = __import__("numpy").arange(4.0)
    """)
    cases = [(mod.float_index, "void(float32[::1])", "float64 is not a valid index"),
             (mod.long_index, "void(float32[::1])", "Expected 1 indices, got 2"),
             (mod.scalar_index, "void(float32[:, ::1])", "Expected 2 indices, got a scalar"),
             (mod.short_index, "void(float32[:, ::1])", "Expected 2 indices, got 1"),
             (mod.complex_load, "void(complex64[::1], complex64[::1])",
              "ldcs requires array of integer or float type, got complex64"),
             (mod.constant, "void(float64[::1])", "constant frozen into the kernel"),
             (mod.pointer_tuple, "void(float32*)", "Pointers only support scalar indexing, got tuple of 2")]
    for fn, sig, message in cases:
        with pytest.raises(pf.CompileError, match=message):
            pf.compile_ptx(fn, sig)


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES)
def test_values_round_trip(dtype, make_module):
    mod = _kernels(make_module)
    x = np.arange(12).reshape(3, 4).astype(dtype)
    for fn in LOADS.values():
        load, load2 = mod.loads(fn)
        r = np.zeros(5, dtype)
        load[1, 1](r, np.arange(5).astype(dtype))
        np.testing.assert_array_equal(r, np.arange(5).astype(dtype))
        r2 = np.zeros_like(x)
        load2[1, 1](r2, x)
        np.testing.assert_array_equal(r2, x)
    for fn in STORES.values():
        store, store2 = mod.stores(fn)
        r = np.zeros(5, dtype)
        store[1, 1](r, np.arange(5).astype(dtype))
        np.testing.assert_array_equal(r, np.arange(5).astype(dtype))
        r2 = np.zeros_like(x)
        store2[1, 1](r2, x)
        np.testing.assert_array_equal(r2, x)
