"""Devices, memory, streams and events: the runtime's Python face (numba-cuda's names)."""

from . import _core

__all__ = ["is_available", "synchronize"]


def is_available():
    """True when a CUDA driver and at least one GPU can be used."""
    return _core.is_available()


def synchronize():
    """Waits for all work on the current device."""
    _core.synchronize()
