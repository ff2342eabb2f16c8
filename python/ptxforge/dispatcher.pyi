# Type stubs for the kernel object and its decorator (ptxforge/dispatcher.py).
from collections.abc import Callable, Sequence
from os import PathLike
from typing import Any, Literal, SupportsIndex, Union, overload

from ._runtime import _StreamLike
from .devicefunc import DeviceFunction
from .external import LinkableCode

# A grid or block size: an int, or a tuple of 1 to 3 ints.
_Dim = Union[SupportsIndex, tuple[SupportsIndex], tuple[SupportsIndex, SupportsIndex],
             tuple[SupportsIndex, SupportsIndex, SupportsIndex]]
# A signature: "void(float32, float32[::1])", or a tuple of types.
_Signature = Union[str, Sequence[Any]]
_LinkItem = Union[str, PathLike[str], LinkableCode]
_Link = Union[_LinkItem, Sequence[_LinkItem], None]

class KernelLaunch:
    """``kernel[blocks, threads]``: a launch configuration; calling it launches.
    (A name for type checkers only: at run time it is _core.BoundLaunch.)"""

    def __call__(self, *args: Any) -> None: ...

_Target = Literal["gpu", "cuda", "cpu", "host"]

class Dispatcher:
    """A Python function compiled to a CUDA kernel per argument-type signature."""

    __name__: str
    __qualname__: str
    py_func: Callable[..., Any]
    options: dict[str, Any]
    signatures: list[Any]
    target: Literal["gpu", "cpu"] | None
    def __init__(self, pyfunc: Callable[..., Any], signatures: Sequence[_Signature] = (), fastmath: bool = False,
                 fma: bool = True, lineinfo: bool = False, max_registers: int | None = 0, opt: bool = True,
                 launch_bounds: int | tuple[int, ...] | None = None, cache: bool | None = None, link: _Link = (),
                 debug: bool | None = None, target: _Target | None = None) -> None: ...
    @overload
    def __getitem__(self, config: tuple[_Dim, _Dim]) -> KernelLaunch: ...
    @overload
    def __getitem__(self, config: tuple[_Dim, _Dim, _StreamLike]) -> KernelLaunch: ...
    @overload
    def __getitem__(self, config: tuple[_Dim, _Dim, _StreamLike, SupportsIndex]) -> KernelLaunch: ...
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
    def compile(self, sig: _Signature) -> str: ...
    def inspect_types(self, signature: _Signature | None = None) -> Any: ...
    def inspect_llvm(self, signature: _Signature | None = None, optimized: bool = True,
                     specialization: str | None = None, target: _Target | None = None) -> Any: ...
    def inspect_ptx(self, signature: _Signature | None = None, specialization: str | None = None) -> Any: ...
    def inspect_lto_ptx(self, signature: _Signature | None = None) -> Any: ...
    def inspect_asm(self, signature: _Signature | None = None, specialization: str | None = None,
                    target: _Target | None = None) -> Any: ...
    def inspect_sass(self, signature: _Signature | None = None, specialization: str | None = None) -> Any: ...
    def resources(self, signature: _Signature | None = None, block_size: int = 256,
                  dynamic_shared: int = 0) -> dict[Any, Any]: ...
    def get_regs_per_thread(self, signature: _Signature | None = None) -> Any: ...
    def inspect(self, signature: _Signature | None = None, block_size: int = 256,
                stages: Sequence[str] | None = None) -> str: ...
    @property
    def overloads(self) -> dict[tuple[str, ...], str]: ...
    @property
    def launch_specializations(self) -> dict[tuple[str, ...], list[str]]: ...


@overload
def kernel(func_or_sig: Callable[..., Any], *, device: Literal[False] = False, fastmath: bool = False,
           fma: bool = True, lineinfo: bool = False, max_registers: int | None = None, opt: bool = True,
           debug: bool | None = None, cache: bool | None = None, link: _Link = None, inline: Any = None,
           launch_bounds: int | tuple[int, ...] | None = None, target: _Target | None = None) -> Dispatcher: ...
@overload
def kernel(func_or_sig: Callable[..., Any], *, device: Literal[True], fastmath: bool = False,
           fma: bool = True, lineinfo: bool = False, max_registers: int | None = None, opt: bool = True,
           debug: bool | None = None, cache: bool | None = None, link: _Link = None, inline: Any = None,
           launch_bounds: int | tuple[int, ...] | None = None, target: _Target | None = None) -> DeviceFunction: ...
@overload
def kernel(func_or_sig: str | list[Any] | tuple[Any, ...] | None = None, *, device: Literal[False] = False,
           fastmath: bool = False, fma: bool = True, lineinfo: bool = False, max_registers: int | None = None,
           opt: bool = True, debug: bool | None = None, cache: bool | None = None, link: _Link = None,
           inline: Any = None,
           launch_bounds: int | tuple[int, ...] | None = None, target: _Target | None = None) -> Callable[[Callable[..., Any]], Dispatcher]: ...
@overload
def kernel(func_or_sig: str | list[Any] | tuple[Any, ...] | None = None, *, device: Literal[True],
           fastmath: bool = False, fma: bool = True, lineinfo: bool = False, max_registers: int | None = None,
           opt: bool = True, debug: bool | None = None, cache: bool | None = None, link: _Link = None,
           inline: Any = None,
           launch_bounds: int | tuple[int, ...] | None = None, target: _Target | None = None) -> Callable[[Callable[..., Any]], DeviceFunction]: ...

@overload
def kernel(func_or_sig: Callable[..., Any], *, device: bool, fastmath: bool = False,
           fma: bool = True, lineinfo: bool = False, max_registers: int | None = None, opt: bool = True,
           debug: bool | None = None, cache: bool | None = None, link: _Link = None, inline: Any = None,
           launch_bounds: int | tuple[int, ...] | None = None, target: _Target | None = None) -> Dispatcher | DeviceFunction: ...
@overload
def kernel(func_or_sig: str | list[Any] | tuple[Any, ...] | None = None, *, device: bool,
           fastmath: bool = False, fma: bool = True, lineinfo: bool = False, max_registers: int | None = None,
           opt: bool = True, debug: bool | None = None, cache: bool | None = None, link: _Link = None,
           inline: Any = None, launch_bounds: int | tuple[int, ...] | None = None,
           target: _Target | None = None) -> Callable[[Callable[..., Any]], Dispatcher | DeviceFunction]: ...

jit = kernel

def compile_ptx(pyfunc: Callable[..., Any], sig: _Signature, device: bool = False, cc: tuple[int, int] | None = None,
                fastmath: bool = False, lineinfo: bool = False, debug: bool | None = None, opt: bool = True,
                fma: bool = True, max_registers: int | None = None,
                launch_bounds: int | tuple[int, ...] | None = None, launch_facts: str | None = None,
                abi: str = "numba", abi_info: Any = None) -> tuple[str, ReturnType]: ...
def compile_ptx_for_current_device(pyfunc: Callable[..., Any], sig: _Signature, **options: Any) -> tuple[str, str]: ...

# ptxforge's own helpers in this module, not part of the public API.
def __getattr__(name: str) -> Any: ...

class ReturnType(str):
    """A return type's text that also equals the type objects of that name (ptxforge's and numba's)."""

def compile_all(pyfunc: Callable[..., Any], sig: _Signature, debug: bool | None = None, lineinfo: bool = False,
                device: bool = True, fastmath: bool = False, cc: tuple[int, int] | None = None,
                opt: bool | None = None, abi: str = "c", abi_info: Any = None, output: str = "ltoir",
                forceinline: bool = False,
                launch_bounds: int | tuple[int, ...] | None = None) -> tuple[list[str], ReturnType]: ...
def compile(pyfunc: Callable[..., Any], sig: _Signature, debug: bool | None = None, lineinfo: bool = False,
            device: bool = True, fastmath: bool = False, cc: tuple[int, int] | None = None, opt: bool | None = True,
            abi: str = "c", abi_info: Any = None, output: str = "ptx", forceinline: bool = False,
            launch_bounds: int | tuple[int, ...] | None = None) -> tuple[str, str]: ...
def compile_for_current_device(pyfunc: Callable[..., Any], sig: _Signature, debug: bool | None = None,
                               lineinfo: bool = False, device: bool = True, fastmath: bool = False, opt: bool = True,
                               abi: str = "c", abi_info: Any = None, output: str = "ptx", forceinline: bool = False,
                               launch_bounds: int | tuple[int, ...] | None = None) -> tuple[str, str]: ...
