"""The disk cache of compiled kernels: where it is, whether it is on, what it holds.

Compiled kernels are kept on disk, one entry per kernel and signature, so
that a later process (or a worker process) loads them instead of compiling
again. The entry's name is a digest of everything the compilation read: the
kernel's source and that of every device function it reaches, the values of
the globals and closure variables it reads, the signature, the options, the
target and the compiler's build (compiler/KernelCache.h does the work; this
module only says where).

- ``$PTXFORGE_CACHE_DIR``, else ``$XDG_CACHE_HOME/ptxforge``, else
  ``~/.cache/ptxforge``;
- ``PTXFORGE_CACHE=0`` turns it off for the process, ``@kernel(cache=False)``
  for one kernel;
- ``PTXFORGE_CACHE_SIZE`` bounds it (bytes, or with a K, M or G suffix;
  256M by default); the least recently used entries go first.

``ptxforge cache info`` and ``ptxforge cache clear`` show and empty it.
"""

import os

from . import _core

__all__ = ["CacheWarning", "clear", "directory", "enabled", "info", "max_bytes", "stats"]

DEFAULT_MAX_BYTES = 256 << 20


class CacheWarning(RuntimeWarning):
    """The disk cache met a problem it worked around: a corrupt entry (recompiled)
    or a directory it cannot write (kernels are compiled and not stored)."""


def enabled():
    """False when ``PTXFORGE_CACHE`` is 0 (or off, false, no)."""
    return os.environ.get("PTXFORGE_CACHE", "1").strip().lower() not in ("0", "off", "false", "no")


def directory():
    """The cache's root directory, whether or not the cache is on."""
    explicit = os.environ.get("PTXFORGE_CACHE_DIR")
    if explicit:
        return os.path.abspath(os.path.expanduser(explicit))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.abspath(base), "ptxforge")


def max_bytes():
    """The size bound, from ``PTXFORGE_CACHE_SIZE``."""
    text = os.environ.get("PTXFORGE_CACHE_SIZE", "").strip().upper()
    if not text:
        return DEFAULT_MAX_BYTES
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    digits = text[:-1] if text[-1:] in "KMG" else text
    try:
        value = int(float(digits) * scale)
    except ValueError:
        raise ValueError(f"PTXFORGE_CACHE_SIZE={os.environ['PTXFORGE_CACHE_SIZE']!r} is not a size "
                         "(bytes, or a number with K, M or G)") from None
    return max(value, 0)


def settings(use_cache=True):
    """(directory, max_bytes) for one compilation: ("", 0) when the cache is off for it."""
    if not use_cache or not enabled():
        return "", 0
    return directory(), max_bytes()


def info():
    """{directory, entries, bytes, max_bytes, enabled} of the cache."""
    d = _core.cache_info(directory())
    d["max_bytes"] = max_bytes()
    d["enabled"] = enabled()
    return d


def clear():
    """Removes every cached kernel (and nothing else in the directory); returns how many."""
    return _core.cache_clear(directory())


def stats():
    """This process's counts: hits, misses, stores, corrupt entries met, and compiles."""
    return _core.cache_stats()
