# Type stubs for device functions (ptxforge/devicefunc.py).
from collections.abc import Callable
from typing import Any

class DeviceFunction:
    """A Python function that kernels (and other device functions) call."""

    __name__: str
    py_func: Callable[..., Any]
    options: dict[str, Any]
    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...

# ptxforge's own helpers in this module, not part of the public API.
def __getattr__(name: str) -> Any: ...
