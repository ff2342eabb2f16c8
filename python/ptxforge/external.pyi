# Type stubs for linking outside code (ptxforge/external.py).
from collections.abc import Sequence
from os import PathLike
from typing import Any, Literal, Union

class CUSource:
    """CUDA C source text to compile with NVRTC and link (numba-cuda's ``cuda.CUSource``)."""

    name: str
    def __init__(self, source: str | bytes | Any, name: str | None = None) -> None: ...
    @property
    def source(self) -> str: ...

_LinkItem = Union[str, PathLike[str], CUSource]

class ExternalFunction:
    """A device function defined in a linked file; kernels call it."""

    name: str
    sig: str
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

def declare_device(name: str, sig: Any, link: Union[_LinkItem, Sequence[_LinkItem], None] = None,
                   use_cooperative: bool = False, abi: Literal["numba", "c"] = "numba") -> ExternalFunction: ...

# ptxforge's own helpers in this module, not part of the public API.
def __getattr__(name: str) -> Any: ...
