# Type stubs for the package: what `import ptxforge as pf` offers (see __init__.py).
# The kernel language's names come from _intrinsics.pyi, the runtime's from
# _runtime.pyi and devicearray.pyi.
from . import _core as _core
from . import cache as cache
from . import libdevice as libdevice
from ._config import config as config
from ._config import doctor as doctor
from ._intrinsics import *
from ._runtime import *
from .aot import load_module as load_module
from .devicearray import DeviceNDArray as DeviceNDArray
from .devicearray import ManagedNDArray as ManagedNDArray
from .devicearray import MappedNDArray as MappedNDArray
from .devicearray import managed_array as managed_array
from .devicearray import mapped_array_like as mapped_array_like
from .devicearray import pinned_array_like as pinned_array_like
from .devicearray import as_cuda_array as as_cuda_array
from .devicearray import from_cuda_array_interface as from_cuda_array_interface
from .devicearray import device_array as device_array
from .devicearray import device_array_like as device_array_like
from .devicearray import from_dlpack as from_dlpack
from .devicearray import is_cuda_array as is_cuda_array
from .devicearray import mapped_array as mapped_array
from .devicearray import pinned_array as pinned_array
from .devicearray import to_device as to_device
from .dispatcher import Dispatcher as Dispatcher
from .dispatcher import compile as compile
from .dispatcher import compile_all as compile_all
from .dispatcher import compile_for_current_device as compile_for_current_device
from .dispatcher import compile_ptx as compile_ptx
from .dispatcher import compile_ptx_for_current_device as compile_ptx_for_current_device
from .dispatcher import jit as jit
from .dispatcher import kernel as kernel
from .errors import CompileError as CompileError
from .errors import LaunchConfigurationError as LaunchConfigurationError
from .errors import LinkError as LinkError
from .external import LTOIR as LTOIR
from .external import Archive as Archive
from .external import Cubin as Cubin
from .external import CUSource as CUSource
from .external import Fatbin as Fatbin
from .external import LinkableCode as LinkableCode
from .external import Object as Object
from .external import PTXSource as PTXSource
from .external import declare_device as declare_device
from .records import from_dtype as from_dtype
from .ufuncs import Reduce as Reduce
from .ufuncs import guvectorize as guvectorize
from .ufuncs import reduce as reduce
from .ufuncs import vectorize as vectorize

__version__: str

CudaSupportError = _core.CudaSupportError
CudaDriverError = _core.CudaDriverError
CudaOutOfMemoryError = _core.CudaOutOfMemoryError
KernelError = _core.KernelError

def cmake_dir() -> str: ...
def include_dir() -> str: ...
