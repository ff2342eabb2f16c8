# Type stubs for linking outside code (ptxforge/external.py).
from collections.abc import Sequence
from os import PathLike
from typing import Any, Literal, Union

class LinkableCode:
    """Code to link held in memory (numba-cuda's LinkableCode)."""

    kind: str | None
    default_name: str
    data: Any
    name: str
    def __init__(self, data: Any, name: str | None = None) -> None: ...
    @classmethod
    def from_path(cls, path: str | PathLike[str]) -> LinkableCode: ...
    @classmethod
    def from_path_or_obj(cls, path_or_obj: str | PathLike[str] | LinkableCode) -> LinkableCode: ...

class PTXSource(LinkableCode): ...
class Cubin(LinkableCode): ...
class Fatbin(LinkableCode): ...
class Archive(LinkableCode): ...
class Object(LinkableCode): ...
class LTOIR(LinkableCode): ...

class CUSource(LinkableCode):
    """CUDA C source text to compile with NVRTC and link (numba-cuda's ``cuda.CUSource``)."""

    name: str
    def __init__(self, source: str | bytes | Any, name: str | None = None) -> None: ...
    @property
    def source(self) -> str: ...

_LinkItem = Union[str, PathLike[str], LinkableCode]

class ExternalFunction:
    """A device function defined in a linked file; kernels call it."""

    name: str
    sig: str
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

def declare_device(name: str, sig: Any, link: Union[_LinkItem, Sequence[_LinkItem], None] = None,
                   use_cooperative: bool = False, abi: Literal["numba", "c"] = "numba") -> ExternalFunction: ...

# ptxforge's own helpers in this module, not part of the public API.
def __getattr__(name: str) -> Any: ...
