"""Device arrays captured as globals or closure variables (their address baked into the
kernel, as numba-cuda does, for any __cuda_array_interface__ object), and structured
numpy arrays frozen as module constants."""

import numpy as np
import pytest

import ptxforge as pf


class Interface:
    """Device memory seen only through __cuda_array_interface__ (an instance attribute, as in
    numba's ForeignArray)."""

    def __init__(self, arr=None, shape=None, dtype=None, address=None, strides=None):
        if arr is not None:
            self._arr = arr
            self.__cuda_array_interface__ = arr.__cuda_array_interface__
        else:
            self.__cuda_array_interface__ = {"shape": shape, "typestr": np.dtype(dtype).str,
                                             "data": (address, False), "version": 3, "strides": strides}


def test_address_shape_and_layout_are_constants(make_module):
    mod = make_module("""
        import ptxforge as pf

        def make(a, b, c):
            @pf.jit(device=True)
            def read(i):
                return a[i] * 2.0

            @pf.kernel
            def k(out):
                i = pf.grid(1)
                out[i] = read(i) + b[1, 2] + c[0, 1]
                a[i] = 1.0
            return k
    """)
    a = Interface(shape=(5,), dtype=np.float32, address=0x7F0000001000)
    b = Interface(shape=(3, 4), dtype=np.int32, address=0x7F0000002000, strides=(4, 12))
    c = Interface(shape=(3, 4), dtype=np.float64, address=0x7F0000003000, strides=(64, 16))
    k = mod.make(a, b, c)
    typed = k.inspect_types("void(float32[::1])")
    assert "(b[1, 2] : int32)" in typed and "(a[i] : float32) = 1.0" in typed
    ptx = k.inspect_ptx("void(float32[::1])")
    assert str(0x7F0000002000 + 4 + 2 * 12) in ptx     # b[1, 2]: F-order strides baked in
    assert str(0x7F0000003000 + 16) in ptx              # c[0, 1]: strided
    assert ".param" in ptx and ptx.count(".param .u64") == 2  # out's pointer and extent only


def test_structured_constants_are_frozen(make_module):
    mod = make_module("""
        import numpy as np
        import ptxforge as pf

        REC = np.array([(1.0, 2), (3.0, 4)], dtype=[("x", float), ("y", int)])
        ALIGNED = np.array([(1, 2, 0xDEADBEEF), (4, 5, 0xBEEFDEAD)],
                           dtype=np.dtype([("a", np.uint8), ("b", np.uint8), ("y", np.uint32)], align=True))

        @pf.kernel
        def k(a, b, c):
            C = pf.const.array_like(REC)
            i = pf.grid(1)
            a[i] = C[i]["x"] + REC[i].y
            b[i] = ALIGNED[i]["y"] + ALIGNED[i].b
            c[0] = len(REC)
    """)
    typed = mod.k.inspect_types("void(float64[::1], int64[::1], int64[::1])")
    assert "Record(x[type=float64;offset=0],y[type=int64;offset=8];16;False)" in typed
    assert "Record(a[type=uint8;offset=0],b[type=uint8;offset=1],y[type=uint32;offset=4];8;True)" in typed
    ptx = mod.k.inspect_ptx("void(float64[::1], int64[::1], int64[::1])")
    assert ptx.count(".const .align 16 .b8") == 2


READ_FIRST = """
    import ptxforge as pf

    def make(a):
        @pf.kernel
        def k(out):
            out[0] = a[0]
        return k
"""


def test_unusable_device_dtype_is_a_compile_error(make_module):
    mod = make_module(READ_FIRST)
    k = mod.make(Interface(shape=(4,), dtype="V3", address=0x1000))
    with pytest.raises(pf.CompileError, match="device array of dtype \\|V3"):
        k.inspect_types("void(float32[::1])")


# -- on the GPU -----------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("wrap", [lambda d: d, Interface], ids=["device_array", "foreign"])
def test_captured_arrays_are_read_and_written_in_place(wrap):
    data = wrap(pf.to_device(np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32)))
    grid2 = wrap(pf.to_device(np.arange(6, dtype=np.int32).reshape(3, 2)))
    zero_d = wrap(pf.to_device(np.array(21.0)))
    target = pf.device_array(5, np.float32)
    sink = wrap(target)

    @pf.jit(device=True)
    def doubled(i):
        return data[i] * 2.0

    @pf.kernel
    def kernel(out):
        i = pf.grid(1)
        if i < 5:
            out[i] = doubled(i) + grid2[i // 2, i % 2]
            sink[i] = float(i + 1)
        if i == 0:
            out[5] = zero_d[()] * 2

    out = np.zeros(6, np.float32)
    kernel[1, 8](out)
    np.testing.assert_array_equal(out[:5], np.array([1, 2, 3, 4, 5]) * 2.0 + np.arange(5))
    assert out[5] == 42.0
    np.testing.assert_array_equal(target.copy_to_host(), [1, 2, 3, 4, 5])


CONST_RECORD = np.array([(1.0, 2), (3.0, 4)], dtype=[("x", float), ("y", int)])
CONST_ALIGNED = np.array([(1, 2, 3, 0xDEADBEEF, 8), (4, 5, 6, 0xBEEFDEAD, 10)],
                         dtype=np.dtype([("a", np.uint8), ("b", np.uint8), ("x", np.uint8), ("y", np.uint32),
                                         ("z", np.uint8)], align=True))


@pf.kernel
def read_records(a, b, c, d):
    C = pf.const.array_like(CONST_RECORD)
    i = pf.grid(1)
    a[i] = C[i]["x"]
    b[i] = C[i]["y"]
    c[i] = CONST_ALIGNED[i]["y"]
    d[i] = CONST_ALIGNED[i].z + CONST_ALIGNED[i].x


@pytest.mark.gpu
def test_structured_constants_on_the_gpu():
    a, b, c, d = np.zeros(2), np.zeros(2, np.int64), np.zeros(2, np.int64), np.zeros(2, np.int64)
    read_records[2, 1](a, b, c, d)
    np.testing.assert_array_equal(a, CONST_RECORD["x"])
    np.testing.assert_array_equal(b, CONST_RECORD["y"])
    np.testing.assert_array_equal(c, CONST_ALIGNED["y"])
    np.testing.assert_array_equal(d, CONST_ALIGNED["z"].astype(int) + CONST_ALIGNED["x"])


def test_kernels_holding_device_memory_do_not_travel(make_module):
    import pickle

    mod = make_module(READ_FIRST)
    k = mod.make(Interface(shape=(4,), dtype=np.float32, address=0x7F0000001000))
    with pytest.raises(pickle.PicklingError, match="uses the device memory of a by address"):
        pickle.dumps(k)
