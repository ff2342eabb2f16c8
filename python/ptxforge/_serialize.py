"""Kernels that travel: pickling kernel and device-function objects.

A kernel reachable as ``module.qualname`` from an importable module (not
``__main__``) pickles by reference: the receiving process imports the module
and gets that very object. Any other (a closure, one made in a function, one
in a script) pickles by value, as numba's do: its source lines, where they
sit in their file, and its globals and closure variables frozen to the
descriptions the compiler reads (so the disk cache finds the same entry in
the receiving process). Device functions it calls travel the same way.

The receiving process rebuilds the function from the source with the
decorators left out; the tree it compiles is parsed from the carried lines,
so it needs neither the file nor the defining module.
"""

import ast
import importlib
import pickle
import sys

from . import _source


class Frozen:
    """A global frozen for travel: stands for its description when compiled."""

    __slots__ = ("_pf_frozen",)

    def __init__(self, description):
        self._pf_frozen = description

    def __reduce__(self):
        return Frozen, (self._pf_frozen,)

    def __repr__(self):
        return f"<ptxforge frozen global {self._pf_frozen[0]}>"


def _by_reference(obj):
    """(module, qualname) when importing names `obj` itself, else None."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not module or not qualname or module == "__main__" or "<locals>" in qualname:
        return None
    found = sys.modules.get(module)
    if found is None:
        return None
    for part in qualname.split("."):
        found = getattr(found, part, None)
    return (module, qualname) if found is obj else None


def rebuild_by_reference(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _holds_device_memory(description):
    kind = description[0]
    if kind == "devarray":
        return True
    return kind == "tuple" and any(_holds_device_memory(d) for d in description[1])


def device_memory_held(globals_, through_device_functions=False):
    """The names among resolved `globals_` that hold device memory by address (captured device
    arrays, alone or in tuples); with `through_device_functions`, also those of the device
    functions called, transitively, as 'callee.name'."""
    held = sorted(name for name, d in globals_.items() if _holds_device_memory(d))
    if through_device_functions:
        seen = set()
        todo = [(name, d[1]) for name, d in globals_.items() if d[0] == "devfunc"]
        while todo:
            name, func = todo.pop()
            if id(func) in seen:
                continue
            seen.add(id(func))
            inner = func._resolved_globals()
            held += [f"{name}.{n}" for n in device_memory_held(inner)]
            todo += [(n, d[1]) for n, d in inner.items() if d[0] == "devfunc"]
    return held


def freeze(pyfunc, source):
    """What rebuilds `pyfunc` elsewhere: its lines and position, and its globals frozen."""
    globals_ = _source.resolve_globals(pyfunc, source.names, source)
    nested = getattr(source, "nested", None)
    if nested:  # lifted again from the lines where rebuilt; their globals are the function's
        globals_ = {k: v for k, v in globals_.items() if k not in nested}
        globals_.update(_source.resolve_names(pyfunc, source.all_names - set(globals_) - set(nested),
                                              skip_locals=True))
    globals_.pop("\x01numba methods", None)  # numba's methods: looked up again where rebuilt
    held = device_memory_held(globals_)
    if held:
        raise pickle.PicklingError(
            f"{pyfunc.__qualname__} uses the device memory of {', '.join(held)} by address, which means nothing "
            "in another process; pass the array as an argument instead")
    return {
        "name": pyfunc.__name__,
        "qualname": pyfunc.__qualname__,
        "module": pyfunc.__module__,
        "filename": source.filename,
        "lines": source.lines,
        "line_offset": source.line_offset,
        "col_offset": source.col_offset,
        "globals": globals_,
    }


def thaw(frozen):
    """A Python function made from frozen source, its parsed tree already registered."""
    lines = frozen["lines"]
    module, _ = _source.parse_snippet("".join(lines))
    tree = next(n for n in module.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    tree.decorator_list = []
    ast.increment_lineno(module, frozen["line_offset"])
    namespace = {name: Frozen(description) for name, description in frozen["globals"].items()}
    namespace["__name__"] = frozen["module"]
    exec(compile(module, frozen["filename"], "exec"), namespace)
    func = namespace[frozen["name"]]
    func.__qualname__ = frozen["qualname"]
    _source.register_source(func, _source.FunctionSource.from_lines(
        lines, frozen["filename"], frozen["line_offset"], frozen["col_offset"],
        dotted=[name for name in frozen["globals"] if "." in name]))
    return func


def reduce_kernel(dispatcher):
    ref = _by_reference(dispatcher)
    if ref is not None:
        return rebuild_by_reference, ref
    dispatcher._function_ast()
    frozen = freeze(dispatcher.py_func, dispatcher._source)
    return rebuild_kernel, (frozen, tuple(dispatcher._declared), dict(dispatcher.options), dispatcher._use_cache)


def rebuild_kernel(frozen, signatures, options, use_cache):
    from .dispatcher import Dispatcher

    return Dispatcher._rebuild(thaw(frozen), signatures, options, use_cache)


def reduce_device_function(devfunc):
    ref = _by_reference(devfunc)
    if ref is not None:
        return rebuild_by_reference, ref
    devfunc._function_ast()
    return rebuild_device_function, (freeze(devfunc.py_func, devfunc._source), devfunc.options,
                                     tuple(devfunc._pf_signatures))


def rebuild_device_function(frozen, options, signatures=()):
    from .devicefunc import DeviceFunction

    return DeviceFunction(thaw(frozen), options, signatures)
