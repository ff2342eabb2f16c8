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

from . import _core
from ._intrinsics import (
    blockDim,
    blockIdx,
    grid,
    gridDim,
    gridsize,
    laneid,
    scalar_types as _scalar_types,
    syncthreads,
    threadIdx,
    warpsize,
)
from .dispatcher import Dispatcher, compile_ptx, jit, kernel
from .errors import CompileError

__version__ = "0.1.0"

CudaSupportError = _core.CudaSupportError
CudaDriverError = _core.CudaDriverError
CudaOutOfMemoryError = _core.CudaOutOfMemoryError

globals().update(_scalar_types)
bool_ = _scalar_types["boolean"]


def is_available():
    """True when a CUDA driver and at least one GPU can be used."""
    return _core.is_available()


def synchronize():
    """Waits for all work on the current device."""
    _core.synchronize()


__all__ = [
    "CompileError", "CudaDriverError", "CudaOutOfMemoryError", "CudaSupportError", "Dispatcher",
    "blockDim", "blockIdx", "compile_ptx", "grid", "gridDim", "gridsize", "is_available", "jit",
    "kernel", "laneid", "synchronize", "syncthreads", "threadIdx", "warpsize",
    *_scalar_types, "bool_",
]
