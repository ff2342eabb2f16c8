# Type stubs for pf.config() and pf.doctor() (ptxforge/_config.py).
from typing import Any, TextIO

__all__ = ["config", "doctor"]

def config() -> dict[str, Any]: ...
def doctor(out: TextIO | None = None) -> int: ...

# ptxforge's own helpers in this module, not part of the public API.
def __getattr__(name: str) -> Any: ...
