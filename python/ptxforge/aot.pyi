# Type stubs for loading what `ptxforge compile` wrote (ptxforge/aot.py).
from os import PathLike
from typing import Any

from .dispatcher import Dispatcher

__all__ = ["load_module", "AotModule", "AotKernel"]

class AotKernel(Dispatcher):
    """A kernel of a loaded AOT module: ``kernel[blocks, threads](...)`` launches it."""

    module: AotModule
    def __init__(self, name: str, module: AotModule, entries: Any) -> None: ...

class AotModule:
    """A module file and its kernels: ``mod.<kernel>``, ``mod.entries[<entry>]``."""

    path: str
    image: bytes
    kind: str
    archs: Any
    kernels: dict[str, AotKernel]
    entries: dict[str, AotKernel]
    def __init__(self, path: str, image: bytes, declared: Any, device: int | None = None) -> None: ...
    def __getattr__(self, name: str) -> AotKernel: ...

def load_module(path: str | PathLike[str], signatures: dict[str, str] | None = None,
                header: str | PathLike[str] | None = None, device: int | None = None) -> AotModule: ...

# ptxforge's own helpers in this module, not part of the public API.
def __getattr__(name: str) -> Any: ...
