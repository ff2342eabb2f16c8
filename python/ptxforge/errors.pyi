# Type stubs for ptxforge's exceptions (ptxforge/errors.py).
class CompileError(Exception):
    filename: str
    lineno: int
    col: int
    msg: str
    def __init__(self, rendered: str, filename: str = "", lineno: int = 0, col: int = 0, msg: str = "") -> None: ...

class LinkError(CompileError, RuntimeError): ...
