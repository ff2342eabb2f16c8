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

import atexit
import os as _os
import sys as _sys

from . import _core, _intrinsics, _runtime

# NVIDIA's pip packages (nvJitLink, libdevice, NVRTC ...) are looked for in
# sys.path's directories first; the C++ library knows no Python, so it is told.
_core.set_package_roots([p for p in _sys.path if p and _os.path.isabs(p)])

from . import libdevice
from ._config import config, doctor
from ._intrinsics import *  # noqa: F401,F403  (the names kernels use; see _intrinsics.__all__)
from ._runtime import *  # noqa: F401,F403  (devices, memory, streams; see _runtime.__all__)
from .aot import load_module
from .dispatcher import (Dispatcher, compile, compile_all, compile_for_current_device, compile_ptx,
                         compile_ptx_for_current_device, jit, kernel)
from .errors import CompileError, LaunchConfigurationError, LinkError, adopt_numba_runtime_bases as _adopt
from .external import LTOIR, Archive, Cubin, CUSource, Fatbin, LinkableCode, Object, PTXSource, declare_device
from .records import from_dtype

_adopt()  # numba imported first: ptxforge's driver errors are numba's CudaDriverError too

__version__ = "0.1.0"

# Python's exit hooks run before C's exit handlers, which destroy the statics
# of LLVM, libnvJitLink and libcuda: the background start-up threads and any
# daemon thread's compile or copy must be done by then.
atexit.register(_core.join_background_work)

CudaSupportError = _core.CudaSupportError
CudaDriverError = _core.CudaDriverError
CudaOutOfMemoryError = _core.CudaOutOfMemoryError
KernelError = _core.KernelError  # a kernel the CPU target stopped: a trap, a deadlock

__all__ = [
    "CompileError", "CUSource", "CudaDriverError", "CudaOutOfMemoryError", "CudaSupportError", "Dispatcher",
    "KernelError", "LaunchConfigurationError", "LinkError", "Reduce", "cmake_dir", "compile_for_current_device",
    "compile_all", "compile_ptx", "compile_ptx_for_current_device", "config", "LinkableCode", "PTXSource", "Cubin",
    "Fatbin", "Archive", "Object", "LTOIR", "declare_device", "doctor", "guvectorize",
    "include_dir", "jit", "kernel", "libdevice", "load_module", "reduce", "vectorize", *_intrinsics.__all__,
    *_runtime.__all__, *_runtime.ARRAY_NAMES,
]


def cmake_dir():
    """The folder of ptxforge's CMake package, for find_package(ptxforge) from another
    project: ``cmake -Dptxforge_DIR=$(python -m ptxforge --cmakedir)`` (as pybind11 has)."""
    import os

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cmake")
    if not os.path.exists(os.path.join(path, "ptxforgeConfig.cmake")):
        raise ImportError(f"ptxforge's CMake package is missing from {path}; reinstall ptxforge")
    return path


def include_dir():
    """The folder of the C++ headers (<ptxforge/runtime/Aot.h>)."""
    import os

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "include")
    if not os.path.isdir(os.path.join(path, "ptxforge", "runtime")):
        raise ImportError(f"ptxforge's C++ headers are missing from {path}; reinstall ptxforge")
    return path


_VECTORIZE_NAMES = ("vectorize", "guvectorize", "Reduce", "reduce")


def __getattr__(name):
    """Device arrays (pf.to_device, pf.device_array, ...), ufuncs (pf.vectorize, ...) and
    pf.random (numba.cuda.random's generators) load numpy on first use."""
    if name in _runtime.ARRAY_NAMES:
        return getattr(_runtime, name)
    if name in _VECTORIZE_NAMES:
        from . import ufuncs

        return getattr(ufuncs, name)
    if name == "random":
        import importlib

        return importlib.import_module(__name__ + ".random")
    raise AttributeError(f"module 'ptxforge' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_runtime.ARRAY_NAMES, *_VECTORIZE_NAMES, "random"})
