"""The C++ launch fast path (python/bindings/FastLaunch.cpp) running CPU-target kernels
for real: each launch after the first must be taken in C++ and compute what the first,
on the Python path, computed, for Python and numpy scalars, declared signatures and
errors. Runs where device arrays live in host memory (no GPU); elsewhere it skips."""

import numpy as np
import ptxforge as pf
import pytest
from ptxforge import dispatcher

pytestmark = pytest.mark.skipif(not pf.device_array(1, np.float32)._host,
                                reason="device arrays live on a GPU here: CPU launches take the Python path")


@pytest.fixture
def python_launches(monkeypatch):
    count = [0]
    slow = dispatcher.Dispatcher._launch

    def counted(self, *args, **kwargs):
        count[0] += 1
        return slow(self, *args, **kwargs)

    monkeypatch.setattr(dispatcher.Dispatcher, "_launch", counted)
    return count


@pf.kernel(target="cpu")
def scalars_into(out, i8, u16, i32, u64, f16, f32, f64, c64, c128, b):
    out[0] = i8
    out[1] = u16
    out[2] = i32
    out[3] = u64 % 1000
    out[4] = f16
    out[5] = f32
    out[6] = f64
    out[7] = c64.imag
    out[8] = c128.real
    out[9] = 1.0 if b else 2.0


def test_numpy_scalars_on_the_fast_path_compute_as_on_the_python_path(python_launches):
    out = pf.device_array(10, np.float64)
    args = (np.int8(-5), np.uint16(65000), np.int32(-7), np.uint64(2**64 - 1), np.float16(1.5), np.float32(-2.25),
            np.float64(3.5), np.complex64(1 - 2j), np.complex128(3 + 4j), np.bool_(True))
    want = [-5, 65000, -7, (2**64 - 1) % 1000, 1.5, -2.25, 3.5, -2, 3, 1]
    for i in range(3):
        out.copy_to_device(np.zeros(10))
        scalars_into[1, 1](out, *args)
        assert out.copy_to_host().tolist() == want, f"launch {i + 1}"
    assert python_launches[0] == 1, "the later launches did not take the fast path"
    launch = scalars_into[1, 1]
    launch(out, *args[:-1], np.bool_(False))
    assert out.copy_to_host()[9] == 2.0 and python_launches[0] == 1


@pf.kernel("void(float64[:], float32, int32, float64)", target="cpu")
def declared(out, x, n, y):
    out[0] = x
    out[1] = n
    out[2] = y


def test_declared_signatures_convert_numpy_and_python_scalars_on_the_fast_path(python_launches):
    out = pf.device_array(3, np.float64)
    for args, seen in [((1.25, 7, 2), 1), ((np.float32(1.5), np.int32(-3), 4.0), 2), ((2.0**40, 2**33 + 5, True), 3)]:
        for _ in range(2):
            declared[1, 1](out, *args)
        got = out.copy_to_host().tolist()
        assert got == [np.float32(args[0]), np.int32(np.int64(args[1]).astype(np.int32)), float(args[2])]
        assert python_launches[0] == seen, args


@pf.kernel(target="cpu")
def one(out):
    out[0] = 1


def test_a_bad_configuration_on_the_fast_path_is_the_python_paths_error(python_launches):
    out = pf.device_array(1, np.float64)
    one[1, 33](out)
    with pytest.raises(pf.errors.LaunchConfigurationError, match="2049") as e:
        one[1, 2049](out)
    assert isinstance(e.value, ValueError) and python_launches[0] == 1


@pf.kernel(target="cpu")
def half_plus(out, a, b):
    out[0] = a + b


def test_numpy_float64_and_complex128_scalars_are_strong_as_in_numba(python_launches):
    # np.float64 is a Python float subclass, but a float64: float16 + float64 is float64 (numba, NumPy 2);
    # typed weak, the sum was rounded to float16 (53.6875 for 0.5 + 53.1809)
    out = pf.device_array(1, np.float64)
    for i in range(2):
        half_plus[1, 1](out, np.float16(0.5), np.float64(53.1809))
        assert out.copy_to_host()[0] == 0.5 + 53.1809, f"launch {i + 1}"
    assert python_launches[0] == 1, "the second launch did not take the fast path"
    assert ("float64[::1]", "float16", "float64") in half_plus.signatures
    cout = pf.device_array(1, np.complex128)
    half_plus[1, 1](cout, np.complex64(0.1 + 0.1j), np.complex128(0.1 + 0.2j))
    assert cout.copy_to_host()[0] == complex(np.complex64(0.1 + 0.1j)) + (0.1 + 0.2j)
