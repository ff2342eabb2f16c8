# Type stubs for ufuncs.py: vectorize, guvectorize and Reduce.
from typing import Any, Callable

class UFunc:
    __name__: str
    nin: int
    nout: int
    def __call__(self, *args: Any, out: Any = ..., stream: Any = ...) -> Any: ...
    def reduce(self, x: Any, axis: int = ..., stream: Any = ...) -> Any: ...

class GUFunc:
    __name__: str
    nin: int
    nout: int
    def __call__(self, *args: Any, out: Any = ..., stream: Any = ...) -> Any: ...

def vectorize(signatures: Any = ..., **options: Any) -> Callable[[Callable[..., Any]], UFunc]: ...
def guvectorize(signatures: Any, layout: str, **options: Any) -> Callable[[Callable[..., Any]], GUFunc]: ...

class Reduce:
    def __init__(self, functor: Callable[..., Any]) -> None: ...
    def __call__(self, arr: Any, size: int | None = ..., res: Any = ..., init: Any = ...,
                 stream: Any = ...) -> Any: ...

reduce = Reduce
