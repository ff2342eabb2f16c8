"""numba's high-level extension API called from kernels: functions that
``@overload``, ``@register_jitable`` (numba's or numba-cuda's) implement.

A kernel's global that numba's typing registries know as an overloaded
function is described as ("overload", NumbaOverload). The compiler types each
call of it by a key (the arguments' ptxforge types, keywords, integer
constants); a key it has no implementation for stops typing, and the binding
calls ``answer(id, key)``: the typing function is called with numba's type
objects for the key, as numba calls it, and the Python function it returns is
compiled as a ptxforge device function. numba is only read from
``sys.modules``, where the user's code put it: ptxforge never imports it.
"""

import inspect
import itertools
import sys
import threading

from ._signatures import _split_top

# The registries numba's @overload and @register_jitable fill (numba-cuda's own,
# then numba's), as "module: attribute".
_REGISTRY_MODULES = ("numba.cuda.typing.templates", "numba.core.typing.templates")
# numba's targets whose overloads apply on a CUDA device, most specific first.
_TARGET_RANK = {"cuda": 0, "gpu": 1, "generic": 2}

_lock = threading.RLock()
_index = {}  # id(function) -> [template classes], filled from the registries' lists
_indexed = {}  # id(registry list) -> how many of its entries are in _index
_by_id = {}  # overload id -> NumbaOverload
_by_function = {}  # id(function) -> NumbaOverload
_others = {}  # id(value) -> value: what the registries type with templates other than @overload's
_ids = itertools.count(1)
METHODS_GLOBAL = "\x01numba methods"  # frontend/Builtins.h's kNumbaMethods


def _refresh_index():
    for name in _REGISTRY_MODULES:
        module = sys.modules.get(name)
        registry = getattr(getattr(module, "builtin_registry", None), "globals", None)
        if not isinstance(registry, list):
            continue
        done = _indexed.get(id(registry), 0)
        for value, typ in registry[done:]:
            template = getattr(typ, "templates", None)
            for t in template or ():
                if hasattr(t, "_overload_func"):
                    _index.setdefault(id(value), []).append((value, t))
                else:
                    _others[id(value)] = value
        _indexed[id(registry)] = len(registry)


def _templates(value):
    """numba's overload templates for `value` that apply on a CUDA device, the most
    specific target first (numba-cuda: 'cuda' beats 'generic'), each overload once."""
    with _lock:
        _refresh_index()
        found = [t for v, t in _index.get(id(value), ()) if v is value]
    chosen, seen = [], set()
    for t in found:
        target = (getattr(t, "metadata", None) or {}).get("target", "cuda")
        key = (t._overload_func, target)
        if target in _TARGET_RANK and key not in seen:
            seen.add(key)
            chosen.append((_TARGET_RANK[target], len(chosen), t))
    return [t for _, _, t in sorted(chosen, key=lambda x: x[:2])]


def overload_for(value):
    """The NumbaOverload of `value` when numba is loaded and its registries implement
    `value` for the device, else None."""
    if not any(m in sys.modules for m in _REGISTRY_MODULES) or not callable(value):
        return None
    if not _templates(value):
        return None
    with _lock:
        ol = _by_function.get(id(value))
        if ol is None or ol.function is not value:
            ol = _by_function[id(value)] = NumbaOverload(value)
            _by_id[ol._pf_id] = ol
    return ol


class NumbaOverload:
    """A function that numba's extension API implements, as a kernel's global: the
    implementations chosen so far, by call key."""

    def __init__(self, function):
        self.function = function
        self.__name__ = getattr(function, "__name__", "function")
        self._pf_id = next(_ids)
        self._choices = {}
        self._devices = {}  # id(implementation) -> (implementation, DeviceFunction)

    def _pf_choices(self):
        return dict(self._choices)

    def _device_function(self, impl, template):
        from .devicefunc import DeviceFunction

        got = self._devices.get(id(impl))
        if got is None or got[0] is not impl:
            options = {"inline": (getattr(template, "_jit_options", None) or {}).get("inline", "never")}
            got = self._devices[id(impl)] = (impl, DeviceFunction(impl, options))
        return got[1]

    def _choose(self, key, templates, args, kwargs, literals):
        """The first implementation the templates give for the arguments, recorded for
        `key`: True; or the first typing function's error (None when all declined)."""
        for template in templates:
            try:
                impl = _implementation(template, args, kwargs, literals)
            except _OverloadError as exc:
                return str(exc)
            if impl is not None:
                self._choices[key] = self._device_function(impl, template)
                return True
        return None

    def answer(self, key):
        """Chooses the implementation for one call key (see the module docstring)."""
        args, kwargs, literals = _numba_arguments(key)
        error = self._choose(key, _templates(self.function), args, kwargs, literals)
        if error is True:
            return
        if error is None:
            shown = ", ".join([str(a) for a in args] + [f"{k}={v}" for k, v in kwargs.items()])
            error = (f"No implementation of function {self.__name__!r} found for signature: "
                     f"{self.__name__}({shown}): numba's @overload typing functions for it (target 'cuda' or "
                     "'generic') all returned None for these argument types; cannot type "
                     f"{self.__name__}({shown})")
        self._choices[key] = error


def _method_templates(attr, receiver):
    """numba's @overload_method templates of method `attr` for the numba type `receiver`,
    the most specific target first."""
    found = []
    for name in _REGISTRY_MODULES:
        registry = getattr(getattr(sys.modules.get(name), "builtin_registry", None), "attributes", None)
        for t in registry or ():
            if getattr(t, "_attr", None) != attr or not hasattr(t, "_overload_func"):
                continue
            key = getattr(t, "key", None)
            if not (isinstance(key, type) and isinstance(receiver, key)) and key != receiver:
                continue
            target = (getattr(t, "metadata", None) or {}).get("target", "cuda")
            if target in _TARGET_RANK and all(t._overload_func is not o._overload_func for _, _, o in found):
                found.append((_TARGET_RANK[target], len(found), t))
    return [t for _, _, t in sorted(found, key=lambda x: x[:2])]


def method_names():
    """The names of the methods numba's registries hold @overload_method templates for."""
    names = set()
    for name in _REGISTRY_MODULES:
        registry = getattr(getattr(sys.modules.get(name), "builtin_registry", None), "attributes", None)
        names.update(t._attr for t in registry or () if hasattr(t, "_overload_func") and hasattr(t, "_attr"))
    return names


def has_methods():
    """True when numba's registries hold @overload_method templates."""
    return bool(method_names())


class MethodTable(NumbaOverload):
    """numba's @overload_method methods, as one global of every kernel (METHODS_GLOBAL):
    ``a.foo(x)`` is typed as foo(a, x), keyed ".foo"."""

    _pf_methods = True

    def __init__(self):
        super().__init__(None)
        self.__name__ = "numba methods"

    def answer(self, key):
        attr, _, rest = key.partition("\x1f")
        attr = attr[1:]
        args, kwargs, literals = _numba_arguments(rest)
        error = self._choose(key, _method_templates(attr, args[0]), args, kwargs, literals)
        if error is True:
            return
        shown = ", ".join([str(a) for a in args[1:]] + [f"{k}={v}" for k, v in kwargs.items()])
        self._choices[key] = error or (f"Unknown attribute '{attr}' of {args[0]}: no numba @overload_method "
                                       f"'{attr}' takes ({shown})")


_method_table = None


def method_table():
    """The MethodTable, when numba is loaded and has @overload_method templates, else None."""
    global _method_table
    if not any(m in sys.modules for m in _REGISTRY_MODULES) or not has_methods():
        return None
    with _lock:
        if _method_table is None:
            _method_table = MethodTable()
            _by_id[_method_table._pf_id] = _method_table
    return _method_table


class _OverloadError(Exception):
    """A typing function that cannot be used: reported at the call."""


def answer(overload_id, key):
    """The binding's question: an implementation of overload `overload_id` for `key`."""
    with _lock:
        ol = _by_id[overload_id]
    ol.answer(key)


def _implementation(template, args, kwargs, literals):
    """The Python function `template`'s typing function returns for the arguments (numba
    type objects), trying literal types first or last as its prefer_literal says; None
    when it declines."""
    literal_args, literal_kwargs = _with_literals(args, kwargs, literals)
    tries = [(args, kwargs)]
    if literal_args != args or literal_kwargs != kwargs:
        if getattr(template, "prefer_literal", False):
            tries.insert(0, (literal_args, literal_kwargs))
        else:
            tries.append((literal_args, literal_kwargs))
    typing_func = template._overload_func
    failure = None
    for a, kw in tries:  # a typing function that refuses one form may take the other (numba)
        try:
            result = typing_func(*a, **kw)
        except TypeError as exc:
            failure = failure or (f"numba's @overload typing function {typing_func.__qualname__} cannot take "
                                  f"these arguments ({exc})")
            continue
        except Exception as exc:  # the typing function's own error (numba's TypingError ...)
            failure = failure or f"{type(exc).__name__}: {exc}"
            continue
        if result is None:
            continue
        if isinstance(result, tuple) and len(result) == 2:  # (signature, implementation)
            result = result[1]
        if not callable(result):
            raise _OverloadError(f"numba's @overload typing function {typing_func.__qualname__} returned "
                                 f"{result!r}, not a function")
        if getattr(template, "_strict", True):
            _check_signatures(typing_func, result)
        return result
    if failure is not None:
        raise _OverloadError(failure)
    return None


def _check_signatures(typing_func, impl):
    """numba's strict check: the implementation takes the parameters the typing function
    takes (the same positional names, the same keywords with the same defaults; *args in
    both, or in the implementation to take the rest). The messages are numba's."""
    try:
        ty = inspect.signature(typing_func)
        im = inspect.signature(impl)
    except (TypeError, ValueError):
        return
    shown = f"Typing signature:         {ty}\nImplementation signature: {im}"
    P = inspect.Parameter
    prefix = "Typing and implementation arguments differ in "

    def split(sig):  # (parameters without a default, *args included; with a default; the *args)
        plain, keyed, star = [], [], None
        for p in sig.parameters.values():
            if p.kind == P.VAR_KEYWORD:
                raise _OverloadError(f"The use of VAR_KEYWORD (e.g. **kwargs) is unsupported. (offending argument "
                                     f"name is '{p}')")
            if p.default is P.empty:
                plain.append(p)
                star = p if p.kind == P.VAR_POSITIONAL else star
            else:
                keyed.append(p)
        return plain, keyed, star

    def difference(x, y):
        return "Difference: {" + ", ".join(sorted(repr(p) for p in set(x) ^ set(y))) + "}"

    ty_plain, ty_keyed, ty_star = split(ty)
    im_plain, im_keyed, im_star = split(im)
    a, b = ty_plain, im_plain
    if ty_star is not None and im_star is None:
        raise _OverloadError(f"VAR_POSITIONAL (e.g. *args) argument kind (offending argument name is '{ty_star}') "
                             f"found in the typing function signature, but is not in the implementing function "
                             f"signature.\n{shown}")
    if ty_star is None and im_star is not None:  # the implementation's *args takes what follows
        b = im_plain[:im_plain.index(im_star)]
        if b:
            if b[-1] not in ty_plain:
                raise _OverloadError(f"{prefix}argument names.\n{shown}\nFirst difference: '{b[-1]}'")
            a = ty_plain[:ty_plain.index(b[-1]) + 1]
        else:
            a = []
    if a != b:
        raise _OverloadError(f"{prefix}argument names.\n{shown}\n{difference(a, b)}")
    if [p.name for p in ty_keyed] != [p.name for p in im_keyed]:
        raise _OverloadError(f"{prefix}keyword argument names.\n{shown}\n{difference(ty_keyed, im_keyed)}")
    if [p.default for p in ty_keyed] != [p.default for p in im_keyed]:
        raise _OverloadError(f"{prefix}keyword argument default values.\n{shown}\n"
                             f"{difference(ty_keyed, im_keyed)}")


# -- ptxforge types as numba's type objects ------------------------------------------

def _numba_types():
    types = sys.modules.get("numba.core.types") or sys.modules.get("numba.cuda.types")
    if types is None:
        raise RuntimeError("numba's types are not loaded")
    return types


def _numba_arguments(key):
    """(positional numba types, {keyword: numba type}, {position or keyword: int constant})
    of a call key ("type[\\x1econstant]" parts, keywords as "name=type", split by \\x1f)."""
    args, kwargs, literals = [], {}, {}
    for part in key.split("\x1f") if key else ():
        text, _, const = part.partition("\x1e")
        name = None
        head = text.split("=", 1)
        if len(head) == 2 and head[0].isidentifier() and "(" not in head[0]:
            name, text = head
        t = _numba_type(text)
        slot = name if name is not None else len(args)
        if const:
            literals[slot] = int(const)
        if name is None:
            args.append(t)
        else:
            kwargs[name] = t
    return args, kwargs, literals


def _with_literals(args, kwargs, literals):
    types = _numba_types()
    a = [types.literal(literals[i]) if i in literals and not isinstance(t, types.Boolean) else
         (types.literal(bool(literals[i])) if i in literals else t) for i, t in enumerate(args)]
    kw = {k: (types.literal(literals[k]) if k in literals else t) for k, t in kwargs.items()}
    return a, kw


_SCALAR_ALIASES = {"int": "int64", "float": "float64", "complex": "complex128", "bool": "boolean"}


def _numba_type(text):
    """numba's type object for a ptxforge type's spelling; an Opaque type named after it
    for what numba has no type for (a function passed as a value)."""
    types = _numba_types()
    readonly = text.startswith("readonly ")
    if readonly:
        text = text[len("readonly "):]
    if text == "none":
        return types.none
    if text.startswith("Tuple(") and text.endswith(")"):
        elts = [_numba_type(p) for p in _split_top(text[len("Tuple("):-1])]
        return types.Tuple(elts) if elts else types.Tuple(())
    if "[" in text and text.endswith("]") and not text.startswith(("Record(", "NamedTuple(")):
        base, _, dims = text.partition("[")
        dims = _split_top(dims[:-1])
        layout = "C" if dims and dims[-1] == "::1" else ("F" if len(dims) > 1 and dims[0] == "::1" else "A")
        if len(dims) == 1 and dims[0] == "::1":
            layout = "C"
        dtype = _numba_type(base)
        return types.Array(dtype, len(dims), layout, readonly=readonly)
    scalar = getattr(types, _SCALAR_ALIASES.get(text, text), None)
    if isinstance(scalar, types.Type):
        return scalar
    return types.Opaque(text)


# -- what a kernel's global from numba's extension API means ----------------------------

INTERNALS_MESSAGE = ("typed by numba's low-level extension API (@intrinsic, @type_callable, typeof_impl, data "
                     "models, lower_builtin): that is code written against numba's internals (its IR builder and "
                     "typing objects), which ptxforge does not run; write it as a @ptxforge.jit(device=True) "
                     "function, or as numba's @overload or @register_jitable with a Python implementation, which "
                     "ptxforge compiles")
_dispatchers = {}  # id(numba dispatcher) -> (dispatcher, DeviceFunction)


def describe(value):
    """A global's description (see _source._describe) when numba's extension API or
    dispatchers give it its meaning, else None."""
    cls = type(value)
    module = cls.__module__ or ""
    if module.startswith("numba.") and cls.__name__ == "_Intrinsic":
        return ("opaque", f"a numba @intrinsic, {INTERNALS_MESSAGE}")
    py_func = getattr(value, "py_func", None)
    if module.startswith("numba.") and "Dispatcher" in cls.__name__ and inspect.isfunction(py_func):
        # @numba.njit called from a kernel: numba-cuda compiles it as a device function
        from .devicefunc import DeviceFunction

        with _lock:
            got = _dispatchers.get(id(value))
            if got is None or got[0] is not value:
                got = _dispatchers[id(value)] = (value, DeviceFunction(py_func, {}))
        return ("devfunc", got[1])
    ol = overload_for(value)
    if ol is not None:
        return ("overload", ol)
    with _lock:
        _refresh_index()
        known = id(value) in _others and _others[id(value)] is value
    if known:
        what = "a type" if isinstance(value, type) else "a function"
        return ("opaque", f"{what} {INTERNALS_MESSAGE}")
    return None
