"""Where kernels run: the GPU (CUDA) or the CPU.

A kernel runs on its own target (``@kernel(target="cpu")``) or, without one, on
the default target: ``PTXFORGE_TARGET`` (``gpu`` or ``cpu``) when the package is
imported, ``gpu`` otherwise. Device arrays, streams and events live in host
memory and work synchronously when the default target is the CPU or there is no
CUDA GPU (``host_memory()``).
"""

import os

from . import _core

TARGETS = ("gpu", "cpu")
_ALIASES = {"gpu": "gpu", "cuda": "gpu", "cpu": "cpu", "host": "cpu"}


def parse(target, where="target"):
    """The canonical name of `target` ("gpu" or "cpu"); ValueError for anything else."""
    name = _ALIASES.get(str(target).strip().lower()) if isinstance(target, str) else None
    if name is None:
        raise ValueError(f"{where} must be 'gpu' (or 'cuda') or 'cpu', not {target!r}")
    return name


_default = parse(os.environ.get("PTXFORGE_TARGET") or "gpu", "PTXFORGE_TARGET")
_core.set_default_target(_default == "cpu")


def default():
    """The target of kernels that name none."""
    return _default


def set_default(target):
    """Makes `target` the default target; returns the previous one."""
    global _default
    previous, _default = _default, parse(target)
    _core.set_default_target(_default == "cpu")
    return previous


_gpu = []  # [is_available()], asked once, on first need (it starts the driver)


def gpu_available():
    if not _gpu:
        _gpu.append(_core.is_available())
    return _gpu[0]


def host_memory():
    """True when new device arrays, streams and events are host-memory ones."""
    return _default == "cpu" or not gpu_available()
