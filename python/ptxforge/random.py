"""Random numbers in kernels: numba-cuda's xoroshiro128+ generators (``numba.cuda.random``).

Each thread owns one generator state (two uint64 words) in a device array that
``create_xoroshiro128p_states(n, seed)`` makes; a kernel draws from state
``i`` with ``xoroshiro128p_uniform_float32(states, i)`` and its kin, which
advance that state. The states of one array are 2**64 steps apart in one
sequence, so threads that each draw fewer than 2**64 numbers never overlap.

The streams are numba-cuda's, number for number, for the same seed: xoroshiro128+
(Blackman and Vigna), its state seeded by SplitMix64, uniform floats from the top
53 bits, normal ones by Box-Muller from two uniform float32 draws. The states are
made on the host (a ptxforge kernel on the CPU target: each is its predecessor
jumped ahead, which is sequential work) and copied to the device.

    from ptxforge.random import create_xoroshiro128p_states, xoroshiro128p_uniform_float32

    @pf.kernel
    def estimate_pi(states, n, hits):
        i = pf.grid(1)
        inside = 0
        for _ in range(n):
            x = xoroshiro128p_uniform_float32(states, i)
            y = xoroshiro128p_uniform_float32(states, i)
            inside += x * x + y * y <= 1.0
        hits[i] = inside

    states = create_xoroshiro128p_states(256 * 64, seed=1)
"""

import functools
import math

import numpy as np

from ._intrinsics import float32, float64, int64, uint32, uint64
from .dispatcher import jit

__all__ = [
    "create_xoroshiro128p_states", "init_xoroshiro128p_states", "xoroshiro128p_dtype", "xoroshiro128p_jump",
    "xoroshiro128p_next", "xoroshiro128p_normal_float32", "xoroshiro128p_normal_float64",
    "xoroshiro128p_uniform_float32", "xoroshiro128p_uniform_float64", "init_xoroshiro128p_state",
]

_NUMBA_EQUIVALENT = "numba.cuda.random"  # the numba-cuda module this one stands for (tools/numba_compat.py)

#: One generator's state: the two 64-bit words of xoroshiro128+.
xoroshiro128p_dtype = np.dtype([("s0", np.uint64), ("s1", np.uint64)], align=True)

_TWO_PI_FLOAT32 = np.float32(2 * math.pi)
_TWO_PI_FLOAT64 = np.float64(2 * math.pi)
# The jump polynomial of xoroshiro128+: 2**64 steps ahead.
_JUMP0 = np.uint64(0xBEAC0467EBA5FACB)
_JUMP1 = np.uint64(0xD86B048B86AA9922)


@jit(device=True)
def init_xoroshiro128p_state(states, index, seed):
    """Seeds ``states[index]`` from a 64-bit seed through SplitMix64 (so that small seeds
    do not start a predictable sequence)."""
    z = uint64(seed) + uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> uint32(30))) * uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> uint32(27))) * uint64(0x94D049BB133111EB)
    z = z ^ (z >> uint32(31))
    states[int64(index)]["s0"] = z
    states[int64(index)]["s1"] = z


@jit(device=True)
def _rotl(x, k):
    return (x << k) | (x >> (uint32(64) - k))


@jit(device=True)
def xoroshiro128p_next(states, index):
    """The next uint64 of ``states[index]``'s sequence; advances the state."""
    i = int64(index)
    s0 = states[i]["s0"]
    s1 = states[i]["s1"]
    result = s0 + s1
    s1 ^= s0
    states[i]["s0"] = _rotl(s0, uint32(55)) ^ s1 ^ (s1 << uint32(14))
    states[i]["s1"] = _rotl(s1, uint32(36))
    return result


@jit(device=True)
def _jump_word(states, i, word, s0, s1):
    for b in range(64):
        if word & (uint64(1) << uint32(b)):
            s0 ^= states[i]["s0"]
            s1 ^= states[i]["s1"]
        xoroshiro128p_next(states, i)
    return s0, s1


@jit(device=True)
def xoroshiro128p_jump(states, index):
    """Advances ``states[index]`` by 2**64 steps."""
    i = int64(index)
    s0, s1 = _jump_word(states, i, _JUMP0, uint64(0), uint64(0))
    s0, s1 = _jump_word(states, i, _JUMP1, s0, s1)
    states[i]["s0"] = s0
    states[i]["s1"] = s1


@jit(device=True)
def _unit_float64(x):
    """A uint64 as a float64 in [0, 1): its top 53 bits over 2**53."""
    return (x >> uint32(11)) * (float64(1) / (uint64(1) << uint32(53)))


@jit(device=True)
def xoroshiro128p_uniform_float32(states, index):
    """A float32 uniform in [0, 1) from ``states[index]``, which advances one step."""
    return float32(_unit_float64(xoroshiro128p_next(states, index)))


@jit(device=True)
def xoroshiro128p_uniform_float64(states, index):
    """A float64 uniform in [0, 1) from ``states[index]``, which advances one step."""
    return _unit_float64(xoroshiro128p_next(states, index))


@jit(device=True)
def xoroshiro128p_normal_float32(states, index):
    """A float32 drawn from the standard normal distribution (Box-Muller of two uniform
    float32 draws: ``states[index]`` advances two steps)."""
    u1 = xoroshiro128p_uniform_float32(states, index)
    u2 = xoroshiro128p_uniform_float32(states, index)
    return math.sqrt(-float32(2.0) * math.log(u1)) * math.cos(_TWO_PI_FLOAT32 * u2)


@jit(device=True)
def xoroshiro128p_normal_float64(states, index):
    """A float64 drawn from the standard normal distribution: as numba-cuda computes it, from
    two uniform float32 draws (``states[index]`` advances two steps)."""
    u1 = xoroshiro128p_uniform_float32(states, index)
    u2 = xoroshiro128p_uniform_float32(states, index)
    return math.sqrt(-float64(2.0) * math.log(u1)) * math.cos(_TWO_PI_FLOAT64 * u2)


def _seed_states(states, seed, subsequence_start):
    """The host's work: state 0 from the seed, jumped `subsequence_start` times; each next
    state is the one before it jumped once."""
    n = states.shape[0]
    if n >= 1:
        init_xoroshiro128p_state(states, 0, seed)
        for _ in range(subsequence_start):
            xoroshiro128p_jump(states, 0)
        for i in range(1, n):
            states[i] = states[i - 1]
            xoroshiro128p_jump(states, i)


@functools.lru_cache(maxsize=None)
def _host_seeder():
    """_seed_states as a CPU-target kernel, made once per process."""
    return jit(target="cpu")(_seed_states)


def _uint64(value, what):
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be an integer, not {type(value).__name__}") from None
    if not 0 <= value < 2**64 and not -(2**63) <= value < 0:
        raise OverflowError(f"{what} must fit 64 bits, not {value}")
    return value & (2**64 - 1)


def init_xoroshiro128p_states(states, seed, subsequence_start=0, stream=0):
    """Seeds every generator of `states` (a 1-d device array of ``xoroshiro128p_dtype``)
    from `seed`: state ``i`` is ``subsequence_start + i`` jumps of 2**64 steps into the
    sequence that `seed` starts, so the generators never overlap. Made on the host and
    copied on `stream`."""
    host = np.empty(states.shape, dtype=xoroshiro128p_dtype)
    _host_seeder()[1, 1](host, np.uint64(_uint64(seed, "seed")),
                         np.uint64(_uint64(subsequence_start, "subsequence_start")))
    states.copy_to_device(host, stream=stream)


def create_xoroshiro128p_states(n, seed, subsequence_start=0, stream=0):
    """A new device array of `n` seeded generators (see :func:`init_xoroshiro128p_states`)."""
    from ._runtime import device_array

    states = device_array(n, dtype=xoroshiro128p_dtype, stream=stream)
    init_xoroshiro128p_states(states, seed, subsequence_start, stream)
    return states
