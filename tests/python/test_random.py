"""ptxforge.random: numba-cuda's xoroshiro128+ generators, number for number.

The reference here is the published algorithm written out in plain Python
(SplitMix64 seeding, xoroshiro128+ steps, the 2**64 jump, the top 53 bits as a
float); where numba is installed, its own host implementation is compared too.
Kernels run on the CPU target here; the GPU test compares the GPU's draws with it.
"""

import importlib.util
import math

import numpy as np
import pytest

import ptxforge as pf
from ptxforge.random import (create_xoroshiro128p_states, init_xoroshiro128p_states, xoroshiro128p_dtype,
                             xoroshiro128p_jump, xoroshiro128p_next, xoroshiro128p_normal_float32,
                             xoroshiro128p_normal_float64, xoroshiro128p_uniform_float32,
                             xoroshiro128p_uniform_float64)

M = 2**64 - 1


def splitmix64(seed):
    z = (seed + 0x9E3779B97F4A7C15) & M
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


def step(s):
    s0, s1 = s
    result = (s0 + s1) & M
    s1 ^= s0
    return result, (rotl(s0, 55) ^ s1 ^ ((s1 << 14) & M), rotl(s1, 36))


def jump(s):
    t0 = t1 = 0
    for word in (0xBEAC0467EBA5FACB, 0xD86B048B86AA9922):
        for b in range(64):
            if word >> b & 1:
                t0 ^= s[0]
                t1 ^= s[1]
            _, s = step(s)
    return t0, t1


def reference_states(n, seed, start=0):
    s = (splitmix64(seed), splitmix64(seed))
    for _ in range(start):
        s = jump(s)
    out = [s]
    for _ in range(n - 1):
        out.append(jump(out[-1]))
    return out


def as_pairs(states):
    return [(int(a), int(b)) for a, b in states.tolist()]


@pytest.mark.parametrize("n, seed, start", [(5, 1, 0), (3, 12345, 3), (4, 2**64 - 1, 1), (1, 0, 0)])
def test_states_are_the_jumped_sequence(n, seed, start):
    states = pf.device_array(n, dtype=xoroshiro128p_dtype)
    init_xoroshiro128p_states(states, seed, subsequence_start=start)
    assert as_pairs(states.copy_to_host()) == reference_states(n, seed, start)


@pf.kernel(target="cpu")
def draws(states, ints, f32, f64):
    i = pf.grid(1)
    if i < states.size:
        ints[i] = xoroshiro128p_next(states, i)
        f32[i] = xoroshiro128p_uniform_float32(states, i)
        f64[i] = xoroshiro128p_uniform_float64(states, i)


def test_draws_follow_the_reference_stream():
    n = 6
    states = create_xoroshiro128p_states(n, seed=42)
    ints, f32, f64 = np.zeros(n, np.uint64), np.zeros(n, np.float32), np.zeros(n, np.float64)
    draws[1, 32](states, ints, f32, f64)
    for i, s in enumerate(reference_states(n, 42)):
        a, s = step(s)
        b, s = step(s)
        c, s = step(s)
        assert int(ints[i]) == a
        assert f32[i] == np.float32((b >> 11) / 2**53)
        assert f64[i] == (c >> 11) / 2**53
        assert as_pairs(states.copy_to_host()[i:i + 1]) == [s]


@pf.kernel(target="cpu")
def normals(states, f32, f64):
    i = pf.grid(1)
    if i < states.size:
        f32[i] = xoroshiro128p_normal_float32(states, i)
        f64[i] = xoroshiro128p_normal_float64(states, i)


def test_normals_are_box_muller_of_two_uniform_float32_draws():
    n = 64
    states = create_xoroshiro128p_states(n, seed=7)
    f32, f64 = np.zeros(n, np.float32), np.zeros(n, np.float64)
    normals[1, 64](states, f32, f64)
    for i, s in enumerate(reference_states(n, 7)):
        u = []
        for _ in range(4):
            r, s = step(s)
            u.append(float(np.float32((r >> 11) / 2**53)))
        want32 = math.sqrt(-2.0 * math.log(u[0])) * math.cos(2 * math.pi * u[1])
        want64 = math.sqrt(-2.0 * float(np.float32(math.log(u[2])))) * math.cos(2 * math.pi * u[3])
        assert f32[i] == pytest.approx(want32, rel=1e-5, abs=1e-6)
        assert f64[i] == pytest.approx(want64, rel=1e-6, abs=1e-7)
    assert abs(f64.mean()) < 0.5 and 0.5 < f64.std() < 1.5


@pf.kernel(target="cpu")
def jumped(states):
    xoroshiro128p_jump(states, 0)


def test_jump_is_two_to_the_64_steps():
    states = create_xoroshiro128p_states(2, seed=3)
    jumped[1, 1](states)
    host = as_pairs(states.copy_to_host())
    assert host[0] == host[1] == reference_states(2, 3)[1]


def test_the_module_reads_as_pf_random_in_kernels():
    @pf.kernel(target="cpu")
    def k(states, out):
        out[0] = pf.random.xoroshiro128p_uniform_float64(states, 0)

    states = create_xoroshiro128p_states(1, seed=5)
    out = np.zeros(1)
    k[1, 1](states, out)
    assert out[0] == (step(reference_states(1, 5)[0])[0] >> 11) / 2**53


def test_bad_seeds_are_refused():
    with pytest.raises(TypeError, match="seed must be an integer"):
        create_xoroshiro128p_states(2, seed=None)
    with pytest.raises(OverflowError, match="seed must fit 64 bits"):
        create_xoroshiro128p_states(2, seed=2**64)


@pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="compares with numba-cuda's host code")
def test_states_equal_numba_cudas():
    cuda_random = pytest.importorskip("numba.cuda.random")
    want = np.empty(5, dtype=cuda_random.xoroshiro128p_dtype)
    cuda_random.init_xoroshiro128p_states_cpu(want, 2024, 2)
    got = pf.device_array(5, dtype=xoroshiro128p_dtype)
    init_xoroshiro128p_states(got, 2024, subsequence_start=2)
    assert as_pairs(got.copy_to_host()) == as_pairs(want)


@pytest.mark.gpu
@pytest.mark.gpu_only("the GPU's draws against the CPU target's")
def test_gpu_draws_equal_the_cpu_targets():
    n = 4096
    outs = []
    for target in ("gpu", "cpu"):
        states = create_xoroshiro128p_states(n, seed=99)
        host = states.copy_to_host()
        ints, f32, f64 = np.zeros(n, np.uint64), np.zeros(n, np.float32), np.zeros(n)
        n32, n64 = np.zeros(n, np.float32), np.zeros(n)
        on = states if target == "gpu" else host
        pf.kernel(target=target)(draws.py_func)[n // 128, 128](on, ints, f32, f64)
        pf.kernel(target=target)(normals.py_func)[n // 128, 128](on, n32, n64)
        outs.append((ints, f32, f64, n32, n64))
    for gpu, cpu in zip(outs[0][:3], outs[1][:3]):
        np.testing.assert_array_equal(gpu, cpu)  # integer work and one rounding: bit for bit
    for gpu, cpu in zip(outs[0][3:], outs[1][3:]):
        np.testing.assert_allclose(gpu, cpu, rtol=2e-6, atol=1e-6)  # libdevice's log/cos vs the CPU's


def test_importing_ptxforge_loads_neither_random_nor_numpy():
    # ptxforge.random needs numpy at import; `import ptxforge` stays without it (its start-up cost)
    import subprocess
    import sys

    code = ("import sys, ptxforge as pf; assert 'numpy' not in sys.modules and 'ptxforge.random' not in sys.modules;"
            " assert 'random' in dir(pf); pf.random.xoroshiro128p_dtype; assert 'ptxforge.random' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
