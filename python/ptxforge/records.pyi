# Type stubs for from_dtype (ptxforge/records.py).
from typing import Any

class DtypeType:
    """A kernel type made from a dtype; ``str()`` is its numba spelling."""

    name: str
    def __init__(self, name: str) -> None: ...
    def __getitem__(self, dims: Any) -> DtypeType: ...

def from_dtype(dtype: Any) -> DtypeType: ...

# ptxforge's own helpers in this module, not part of the public API.
def __getattr__(name: str) -> Any: ...
