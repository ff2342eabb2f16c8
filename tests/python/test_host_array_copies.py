"""Host (numpy) arrays at launch: which ones the compiler proves read-only, so that they
are not copied back, and the launch path's order (typing before any device work).

The read-only analysis is compile-only; the launches are gpu-marked.
"""

import numpy as np
import pytest

import ptxforge as pf
from ptxforge._args import _Transfer, describe, upload


def read_only_params(kernel, sig):
    """Names of the parameters whose data the compiled kernel never writes."""
    d = kernel if isinstance(kernel, pf.Dispatcher) else pf.kernel(kernel)
    types = d._types_of_signature(sig)
    artifacts = d._compile(types, (9, 0), "ptx").artifacts
    slots, names = [], d._param_names()
    for name, t in zip(names, types):  # the ABI: a pointer, then shape (and strides for layout A)
        if "[" not in t:
            slots.append(None)  # a scalar
            continue
        ndim = t.count(",") + 1
        slots += [name] + [None] * (ndim * (1 if "::1" in t else 2))
    return sorted(slots[i] for i in artifacts.read_only_args)


def test_arrays_only_read_are_read_only():
    def saxpy(a, x, y, out):
        i = pf.grid(1)
        if i < x.size:
            out[i] = a * x[i] + y[i]

    sig = "void(float32, float32[::1], float32[::1], float32[::1])"
    assert read_only_params(saxpy, sig) == ["x", "y"]


def test_writes_of_every_kind_are_seen():
    @pf.jit(device=True)
    def store(a, i, v):
        a[i] = v

    def kernel(stored, atomic, through_view, through_call, read):
        i = pf.grid(1)
        stored[i] = read[i]
        pf.atomic.add(atomic, 0, 1.0)
        view = through_view[1:]
        view[0] = 2.0
        store(through_call, i, read[0])

    sig = "void(float32[::1], float32[::1], float32[::1], float32[::1], float32[::1])"
    assert read_only_params(kernel, sig) == ["read"]


def test_without_optimisation_nothing_is_assumed():
    def copy(src, dst):
        dst[0] = src[0]

    assert read_only_params(pf.kernel(opt=False)(copy), "void(float32[::1], float32[::1])") == []


def test_host_arrays_are_copied_in_only_when_uploaded():
    x = np.arange(4, dtype=np.float32)
    types, values, transfers = describe((2.0, x, (x, 3)), ("a", "x", "t"))
    assert types == ("float", "float32[::1]", "Tuple(float32[::1], int)")
    assert len(transfers) == 2 and all(t.buffer is None for t in transfers)  # no device touched yet
    assert isinstance(values[1][0], _Transfer) and isinstance(values[2][0][0], _Transfer)
    assert upload(values, []) is values


@pytest.mark.gpu
def test_an_array_passed_twice_keeps_what_the_kernel_wrote():
    @pf.kernel
    def write_first(out, inp):
        out[0] = inp[0] + 1.0

    x = np.zeros(4, np.float32)
    write_first[1, 1](x, x)  # the read-only copy is not copied back over the written one
    assert x[0] == 1.0
