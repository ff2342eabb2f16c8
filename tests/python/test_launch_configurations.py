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
