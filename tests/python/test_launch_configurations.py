"""Launch configurations (``kernel[blocks, threads]``) as numba has them: pickled with their
kernel, and numba's pre-launch callbacks, run with (kernel, configuration) before each launch."""

import pickle

import numpy as np
import pytest

import ptxforge as pf


@pf.jit(device=True)
def inner(a):
    return a + 1


@pf.kernel(target="cpu")
def bump(arr):
    if pf.grid(1) == 0:
        arr[0] = inner(arr[0])


def test_a_configuration_pickles_with_its_kernel():
    arr = np.array([100])
    again = pickle.loads(pickle.dumps(bump[5, 8]))
    assert (again.griddim, again.blockdim, again.sharedmem) == ((5, 1, 1), (8, 1, 1), 0)
    again(arr)
    assert arr[0] == 101
    twice = pickle.loads(pickle.dumps(pickle.loads(pickle.dumps(bump))[2, 4, 0, 16]))
    assert twice.sharedmem == 16


def test_pre_launch_callbacks_run_before_each_launch_and_do_not_pickle():
    arr = np.array([0])
    config = bump[3, 32]
    seen = []
    config.pre_launch_callbacks.append(lambda kernel, cfg: seen.append((kernel.argument_types, cfg.griddim, arr[0])))
    config(arr)
    config(arr)
    assert seen == [(("int64[::1]",), (3, 1, 1), 0), (("int64[::1]",), (3, 1, 1), 1)] and arr[0] == 2
    assert config.pre_launch_callbacks is config.pre_launch_callbacks
    assert bump[3, 32].pre_launch_callbacks == []  # each configuration has its own
    with pytest.raises(pickle.PicklingError, match="Cannot pickle configured launches with pre-launch callbacks"):
        pickle.dumps(config)


def test_a_configuration_on_a_stream_does_not_pickle():
    config = bump[1, 1, pf.stream() if pf.is_available() else 7]
    with pytest.raises(pickle.PicklingError, match="a stream belongs to its process"):
        pickle.dumps(config)


@pf.kernel
def bump_on_gpu(arr):
    if pf.grid(1) == 0:
        arr[0] = inner(arr[0])


@pytest.mark.gpu
@pytest.mark.gpu_only("a GPU launch with callbacks")
def test_pre_launch_callbacks_on_the_gpu():
    arr = pf.to_device(np.array([0]))
    config = bump_on_gpu[2, 64]
    seen = []
    config.pre_launch_callbacks.append(lambda kernel, cfg: seen.append(cfg.blockdim))
    config(arr)
    config(arr)
    bump_on_gpu[2, 64](arr)  # another configuration: no callbacks, the fast path
    assert seen == [(64, 1, 1)] * 2 and arr.copy_to_host()[0] == 3


class DefaultIn:  # numba's example: host arrays go in, and are not copied back
    def prepare_args(self, ty, val, stream=0, retr=None):
        return ty, pf.In(val) if isinstance(val, np.ndarray) else val


class Wrapped:
    def __init__(self, array):
        self.array = array


class Unwrap:  # an object of the user's own becomes its array; after the launch, a note is left
    def __init__(self):
        self.after = []

    def prepare_args(self, ty, val, stream=0, retr=None):
        if isinstance(val, Wrapped):
            retr.append(lambda: self.after.append("done"))
            return ty, val.array
        return ty, val


def set_to_three(arr):
    arr[0] = 3


def test_extensions_prepare_each_argument_on_every_launch():
    plain = pf.kernel(target="cpu")(set_to_three)
    arr = np.zeros(1, np.int64)
    plain[1, 1](arr)
    assert arr[0] == 3
    nocopy = pf.kernel(target="cpu")(set_to_three)
    nocopy[1, 1](arr.copy())  # a launch before the extension: its key is dropped when the list changes
    nocopy.extensions.append(DefaultIn())
    arr[0] = 0
    nocopy[1, 1](arr)
    nocopy[1, 1](arr)
    assert arr[0] == 0
    unwrap = Unwrap()
    k = pf.kernel(target="cpu", extensions=[unwrap, DefaultIn()])(set_to_three)
    w = Wrapped(np.zeros(1, np.int64))
    k[1, 1](w)
    assert w.array[0] == 3 and unwrap.after == ["done"]  # Unwrap ran last (the list is run from its end)
