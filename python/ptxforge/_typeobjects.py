"""Type objects as values: ptxforge's own and numba's, read without importing numba.

numba code names its types with objects (``from numba import int32, void``,
``numba.types.float64[:, ::1]``, ``numba.from_dtype(rec_dtype)``) and uses them
as casts, as dtypes and in signatures. numba's are recognised here by their
class's module and name, and turned into ptxforge's spelling of the type (the
text ``_core.check_type`` reads); numba itself is never imported.
"""

# Where numba keeps its type classes: numba.core.types when numba is installed,
# numba.cuda.types (numba-cuda without numba) otherwise.
_TYPE_MODULES = ("numba.core.types", "numba.cuda.types", "numba.types")
_SIGNATURE_MODULES = ("numba.core.typing", "numba.cuda.typing")
_SCALAR_CLASSES = {"Integer", "Float", "Complex", "Boolean", "Bfloat16"}


def is_numba_type(obj):
    """True for an instance of one of numba's type classes (int32, float64[::1], void ...), or
    of a class derived from one (the opaque structs of numba's generated bindings)."""
    return any((c.__module__ or "").startswith(_TYPE_MODULES) for c in type(obj).__mro__[:-1])


def is_numba_signature(obj):
    """True for numba's Signature objects (``void(int32[::1], float64)`` built from numba types)."""
    cls = type(obj)
    return cls.__name__ == "Signature" and cls.__module__.startswith(_SIGNATURE_MODULES)


def numba_scalar_name(t):
    """ptxforge's name of a numba scalar type object (int32, float64, boolean, bfloat16 ...), or None."""
    if not is_numba_type(t):
        return None
    cls = type(t).__name__
    if cls == "Bfloat16":
        return "bfloat16"
    if cls in _SCALAR_CLASSES:
        return "bool" if cls == "Boolean" else str(t.name)
    return None


def _dims(ndim, layout):
    """"[:, ::1]" ... for an array's layout; "" for a 0-d one (a scalar)."""
    from ._args import _dims as array_dims

    return array_dims(ndim, layout) if ndim else ""


def numba_type_name(t):
    """ptxforge's spelling of a numba type object; TypeError for one kernels cannot take."""
    scalar = numba_scalar_name(t)
    if scalar is not None:
        return scalar
    cls = type(t).__name__
    if cls == "NoneType":
        return "void"
    if cls == "Array":
        return type_name(t.dtype) + _dims(t.ndim, t.layout)
    if cls == "UniTuple":
        return "Tuple(" + ", ".join([type_name(t.dtype)] * t.count) + ")"
    if cls in ("Tuple", "NamedTuple", "NamedUniTuple") and hasattr(t, "types"):
        return "Tuple(" + ", ".join(type_name(e) for e in t.types) + ")"
    if cls == "Record":
        from ._args import _record_name

        return _record_name(t.dtype, f"numba's type {t}")
    if cls in ("CPointer", "EphemeralPointer"):
        if getattr(t, "addrspace", None) not in (None, 0, 1):
            raise TypeError(f"numba's type {t}: ptxforge's pointers address global (generic) memory, "
                            f"not address space {t.addrspace}")
        elem = numba_scalar_name(t.dtype)
        if elem is None and isinstance(getattr(t.dtype, "_pf_type_name", None), str) and \
                "[" not in t.dtype._pf_type_name:  # CPointer(int32) of ptxforge's int32 (numba.cuda's names rebound)
            elem = t.dtype._pf_type_name
        if elem is None or elem in ("void", "none"):  # a pointer to a pointer, a record or a struct: ptxforge's point at numbers
            raise TypeError(f"numba's type {t} (CPointer) has no ptxforge equivalent in kernel signatures: "
                            "ptxforge's pointers point at numbers")
        return elem + "*"
    if cls in ("Optional", "OptionalType") and hasattr(t, "type"):
        return f"OptionalType({type_name(t.type)})"
    if type(t).__module__ == "numba.cuda._internal.cuda_fp8" and getattr(t, "name", None) in (
            "fp8_e4m3", "fp8_e5m2", "fp8_e8m0"):
        return t.name  # numba-cuda's FP8 types (pf.fp8)
    if cls == "NestedArray":
        shape = ", ".join(str(d) for d in t.shape) + ("," if len(t.shape) == 1 else "")
        return f"nestedarray({type_name(t.dtype)}, ({shape}))"
    raise TypeError(f"numba's type {t} ({type(t).__name__}) has no ptxforge equivalent in kernel signatures")


def type_name(t):
    """The text of one type given as a ptxforge type object, a numba one, a numpy dtype or a string."""
    if isinstance(t, str):
        return t
    if is_numba_type(t):
        return numba_type_name(t)
    pf_name = getattr(t, "_pf_type_name", None)
    if isinstance(pf_name, str):
        return pf_name
    dtype_name = dtype_type_name(t)
    if dtype_name is not None:
        return dtype_name
    return str(t)


def is_numpy_dtype(t):
    """True for a numpy dtype instance (np.dtype('float32')), without importing numpy."""
    return (not isinstance(t, type) and type(t).__module__ in ("numpy", "numpy.dtypes")
            and hasattr(t, "itemsize") and hasattr(t, "kind"))


def dtype_type_name(t):
    """ptxforge's name of a numpy dtype or scalar class (np.float32, np.dtype('int16')), or None."""
    if is_numpy_dtype(t):
        dtype = t
    elif isinstance(t, type) and (getattr(t, "__module__", "") or "") == "numpy":
        import numpy as np

        try:
            dtype = np.dtype(t)
        except TypeError:
            return None
    else:
        return None
    from ._args import _dtype_name

    try:
        return _dtype_name(dtype, "a signature")
    except TypeError:
        return None


def signature_parts(sig):
    """(return type text or None, [argument type texts]) of a signature given as numba's Signature,
    ptxforge's, or a tuple/list of type objects; None for a string (parsed by the caller)."""
    if isinstance(sig, str):
        return None
    if is_numba_signature(sig) or hasattr(sig, "_pf_signature"):
        ret = sig.return_type
        return (None if ret is None else type_name(ret)), [type_name(a) for a in sig.args]
    if isinstance(sig, (tuple, list)):
        return None, [type_name(a) for a in sig]
    raise TypeError(f"a signature is a string ('void(int32[::1], float64)'), a signature built from types "
                    f"(void(int32[::1], float64)) or a tuple of types, not {sig!r}")


def signature_string(sig, what="a signature"):
    """A signature given as a string, a signature object (ours or numba's) or a tuple of
    types, as the text the compiler parses ("float32(int32, float32[::1])")."""
    if isinstance(sig, str):
        return sig
    try:
        ret, params = signature_parts(sig)
    except TypeError as exc:
        raise TypeError(f"{what}: {exc}") from None
    return (ret or "") + "(" + ", ".join(params) + ")"
