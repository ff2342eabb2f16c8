"""ptxforge: CUDA kernels written as Python functions, compiled by LLVM's NVPTX back end.

    import ptxforge as pf

    @pf.kernel
    def saxpy(a, x, y, out):
        i = pf.grid(1)
        if i < x.size:
            out[i] = a * x[i] + y[i]

    saxpy[blocks, threads](2.0, x, y, out)

The kernel language is numba-cuda's dialect; see docs/language.md.
"""

from . import _core, _intrinsics, _runtime
from ._intrinsics import *  # noqa: F401,F403  (the names kernels use; see _intrinsics.__all__)
from ._runtime import *  # noqa: F401,F403  (devices, memory, streams; see _runtime.__all__)
from .dispatcher import Dispatcher, compile_ptx, compile_ptx_for_current_device, jit, kernel
from .errors import CompileError, LinkError
from .external import CUSource, declare_device
from .records import from_dtype

__version__ = "0.1.0"

CudaSupportError = _core.CudaSupportError
CudaDriverError = _core.CudaDriverError
CudaOutOfMemoryError = _core.CudaOutOfMemoryError

__all__ = [
    "CompileError", "CUSource", "CudaDriverError", "CudaOutOfMemoryError", "CudaSupportError", "Dispatcher",
    "LinkError", "compile_ptx", "compile_ptx_for_current_device", "declare_device", "jit", "kernel",
    *_intrinsics.__all__, *_runtime.__all__, *_runtime.ARRAY_NAMES,
]


def __getattr__(name):
    """Device arrays (pf.to_device, pf.device_array, ...) load numpy on first use."""
    if name in _runtime.ARRAY_NAMES:
        return getattr(_runtime, name)
    raise AttributeError(f"module 'ptxforge' has no attribute {name!r}")
