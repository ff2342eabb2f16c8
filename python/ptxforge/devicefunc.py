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

    def _alone(self, signature, keep_ir=False):
        from .dispatcher import _compile_alone

        o = self.options
        return _compile_alone(self.py_func, signature, device=True, fastmath=o["fastmath"], fma=o["fma"],
                              lineinfo=o["lineinfo"], debug=o["debug"], opt=o["opt"], keep_ir=keep_ir)

    @property
    def signatures(self):
        """The declared signatures, as tuples of argument types (numba's ``signatures``; a
        device function is compiled within its callers, so it has no others)."""
        from ._overloads import signature_key

        return [signature_key(s) for s in self._pf_signatures]

    def _each(self, signature, get):
        """get(signature), or without one {declared signature: get(it)}, as numba's dispatcher."""
        if signature is not None:
            return get(signature)
        from ._overloads import SignatureDict, signature_key

        return SignatureDict((signature_key(s), get(s)) for s in self._pf_signatures)

    def inspect_asm(self, signature=None):
        """The PTX of this function compiled alone for `signature` (a string, signature object
        or tuple of argument types), as numba's device functions give it; without one, a dict
        of it per declared signature."""
        return self._each(signature, lambda s: self._alone(s).ptx)

    def inspect_llvm(self, signature=None, optimized=True):
        """The LLVM IR of this function compiled alone for `signature`, after optimisation
        (or before, with optimized=False); without one, a dict of it per declared signature."""
        def llvm(s):
            artifacts = self._alone(s, keep_ir=True).artifacts
            return artifacts.llvm_opt if optimized else artifacts.llvm

        return self._each(signature, llvm)

    def compile_device(self, args, return_type=None):
        """numba's ``compile_device``: compiles this function alone for the argument types
        `args` and returns what was made (:class:`CompiledDevice`: its ``signature``,
        ``fndesc.mangled_name`` (the PTX symbol), its PTX and LLVM IR). A `return_type`
        other than the inferred one is a TypeError."""
        from ._intrinsics import Signature

        args = tuple(args)
        sig = Signature(return_type, args) if return_type is not None else args
        alone = self._alone(sig, keep_ir=True)
        return CompiledDevice(alone, self.__name__, getattr(self, "__qualname__", self.__name__))

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


class FunctionDescription:
    """numba's ``fndesc`` of a compiled device function: its names."""

    __slots__ = ("name", "qualname", "mangled_name", "llvm_func_name")

    def __init__(self, name, qualname, symbol):
        self.name = name
        self.qualname = qualname
        self.mangled_name = self.llvm_func_name = symbol

    def __repr__(self):
        return f"<function description {self.qualname} ({self.mangled_name})>"


class CompiledDevice:
    """A device function compiled alone (``compile_device``'s result, numba's compile result)."""

    def __init__(self, alone, name, qualname):
        from ._intrinsics import Signature, type_from_text

        self.fndesc = FunctionDescription(name, qualname, alone.artifacts.entry_name)
        self.return_type = alone.return_type
        self.signature = Signature(type_from_text(alone.return_type), [type_from_text(t) for t in alone.arg_types])
        self.ptx = alone.ptx
        self.llvm = alone.artifacts.llvm_opt

    def __repr__(self):
        return f"<ptxforge compiled device function {self.fndesc.qualname}: {self.signature}>"


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
