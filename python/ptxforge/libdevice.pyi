# Type stubs for libdevice.py: every libdevice function by name (317, made at import).
from typing import Any

__all__: list[str]

def __getattr__(name: str) -> Any: ...
