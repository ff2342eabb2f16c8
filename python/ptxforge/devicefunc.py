"""Device functions: ``@pf.jit(device=True)``, callable from kernels and from each other.

A device function is compiled as part of each kernel that calls it, once
per argument-type signature of its calls; LLVM decides whether to inline it.
"""

import functools

from ._source import parsed_function, resolve_globals
from ._typeobjects import signature_string


class DeviceFunction:
    """A Python function that kernels (and other device functions) call."""

    _pf_device_function = True

    def __init__(self, pyfunc, options, signatures=()):
        functools.update_wrapper(self, pyfunc)
        self.py_func = pyfunc
        self.options = options
        # Declared signatures: a call converts its arguments to the best match.
        self._pf_signatures = [signature_string(s, f"a signature of {pyfunc.__name__}") for s in signatures]
        self._source = None
        self._ast = None

    def _function_ast(self):
        if self._ast is None:
            self._source, self._ast = parsed_function(self.py_func)
        return self._ast

    def _resolved_globals(self):
        """Its globals as the compiler reads them, resolved at each compilation of a caller."""
        self._function_ast()
        return resolve_globals(self.py_func, self._source.names, self._source)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"device function '{self.__name__}' can only be called from a kernel "
                        "or another device function")

    def __getitem__(self, config):
        raise RuntimeError(f"Cannot compile a device function as a kernel: '{self.__name__}' is a device function "
                           "(device=True); launch a kernel that calls it")

    def inspect_asm(self, signature):
        """The PTX of this function compiled alone for `signature` (a string, signature object
        or tuple of argument types), as numba's device functions give it."""
        from .dispatcher import compile_ptx

        o = self.options
        return compile_ptx(self.py_func, signature, device=True, fastmath=o["fastmath"], fma=o["fma"],
                           lineinfo=o["lineinfo"], debug=o["debug"], opt=o["opt"])[0]

    inspect_ptx = inspect_asm
    inspect_lto_ptx = inspect_asm  # one module: its PTX is what link-time optimisation gives

    def inspect_sass(self, signature=None):
        raise RuntimeError(f"Cannot inspect SASS of a device function: '{self.__name__}' has no code of its own "
                           "until a kernel calls it; inspect the kernel's SASS")

    def __reduce__(self):
        from ._serialize import reduce_device_function

        return reduce_device_function(self)

    def __repr__(self):
        return f"<ptxforge device function {self.__name__}>"


def kernel_as_device_function(kernel):
    """The device function that a kernel is where another kernel calls it (numba-cuda compiles
    any @jit function called on the device as a device function): its Python function, options
    and declared signatures (with the void return type). One per kernel, so that recursive and
    mutual calls meet the same object. None for a kernel without Python source (AOT)."""
    if getattr(kernel, "py_func", None) is None:
        return None
    callee = kernel.__dict__.get("_pf_as_device")
    if callee is None:
        declared = getattr(kernel, "_declared", None)  # the declared signatures where compiled ones are apart
        if declared is None:
            declared = kernel.signatures
        signatures = [f"void({', '.join(types)})" for types in declared]
        made = DeviceFunction(kernel.py_func, kernel.options, signatures)
        made._pf_inlining = getattr(kernel, "_pf_inlining", "")
        callee = kernel.__dict__.setdefault("_pf_as_device", made)
    return callee
