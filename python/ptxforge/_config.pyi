# Type stubs for pf.config() and pf.doctor() (ptxforge/_config.py).
from typing import Any, TextIO

__all__ = ["config", "doctor"]

class Config:
    """``pf.config()`` gives what ptxforge found (a dict); the attributes are numba's config names."""

    ENABLE_CUDASIM: bool
    DISABLE_CUDA: bool
    DISABLE_JIT: int
    CUDA_DEFAULT_PTX_CC: tuple[int, int]
    FORCE_CUDA_CC: tuple[int, int] | None
    CUDA_DEBUGINFO_DEFAULT: int
    DEBUGINFO_DEFAULT: int
    CUDA_ENABLE_NRT: bool
    CUDA_LOW_OCCUPANCY_WARNINGS: int
    CUDA_WARN_ON_IMPLICIT_COPY: int
    DISABLE_PERFORMANCE_WARNINGS: int
    CUDA_PER_THREAD_DEFAULT_STREAM: int
    CUDA_MEMORY_MANAGER: str
    CUDA_ARRAY_INTERFACE_SYNC: int
    OPT: int
    def __call__(self) -> dict[str, Any]: ...

config: Config
def doctor(out: TextIO | None = None) -> int: ...

# ptxforge's own helpers in this module, not part of the public API.
def __getattr__(name: str) -> Any: ...
