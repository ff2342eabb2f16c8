"""Turning launch arguments into types and parameter values.

A host numpy array is copied to the device for the launch and copied back
afterwards, as numba-cuda does; a non-contiguous one goes through a
contiguous copy and is written back element by element into the original
view. Objects with ``__cuda_array_interface__`` (CuPy, numba device arrays,
torch CUDA tensors) are used in place, strides and all.
"""

from . import _core

_LAYOUTS = {"C", "F"}


def _dims(ndim, layout):
    if ndim == 0:
        return "[]"
    parts = [":"] * ndim
    if layout == "C":
        parts[-1] = "::1"
    elif layout == "F":
        parts[0] = "::1"
    return "[" + ", ".join(parts) + "]"


def _dtype_name(dtype, where):
    if dtype.kind == "b":
        return "bool"
    if dtype.kind in "iu" or (dtype.kind == "f" and dtype.itemsize in (2, 4, 8)):
        return dtype.name
    raise TypeError(f"{where} has dtype {dtype}, which kernels do not support yet; "
                    "use bool, int8-int64, uint8-uint64 or float16-float64")


def _contiguous_strides(shape, itemsize, layout):
    strides, step = [0] * len(shape), itemsize
    order = range(len(shape) - 1, -1, -1) if layout == "C" else range(len(shape))
    for d in order:
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


class _Transfer:
    """One host array copied in for a launch and back out after it."""

    __slots__ = ("host", "staging", "buffer")

    def __init__(self, host, staging, buffer):
        self.host, self.staging, self.buffer = host, staging, buffer

    def copy_back(self):
        if not self.host.flags.writeable:
            return
        if self.staging is self.host:
            if self.host.nbytes:
                self.buffer.copy_to_host(self.host)
        else:
            if self.staging.nbytes:
                self.buffer.copy_to_host(self.staging)
            self.host[...] = self.staging


def _numpy_array(a, where, transfers):
    import numpy as np

    name = _dtype_name(a.dtype, where)
    if not a.dtype.isnative:
        a_native = a.astype(a.dtype.newbyteorder("="))
        staging, layout = np.ascontiguousarray(a_native), "C"
    elif a.flags.c_contiguous:
        staging, layout = a, "C"
    elif a.flags.f_contiguous:
        staging, layout = a, "F"
    else:
        staging, layout = np.ascontiguousarray(a), "C"
    buffer = _core.DeviceBuffer(max(staging.nbytes, 1))
    if staging.nbytes:
        buffer.copy_from_host(staging)
    transfers.append(_Transfer(a, staging, buffer))
    strides = _contiguous_strides(staging.shape, staging.itemsize, layout)
    return name + _dims(a.ndim, layout), (buffer.ptr, staging.shape, strides)


def _cuda_array(obj, where):
    import numpy as np

    cai = obj.__cuda_array_interface__
    dtype = np.dtype(cai["typestr"])
    name = _dtype_name(dtype, where)
    shape = tuple(int(s) for s in cai["shape"])
    ptr = int(cai["data"][0] or 0)
    contiguous_c = _contiguous_strides(shape, dtype.itemsize, "C")
    strides = cai.get("strides")
    if strides is None or tuple(strides) == contiguous_c:
        return name + _dims(len(shape), "C"), (ptr, shape, contiguous_c)
    strides = tuple(int(s) for s in strides)
    if strides == _contiguous_strides(shape, dtype.itemsize, "F"):
        return name + _dims(len(shape), "F"), (ptr, shape, strides)
    return name + _dims(len(shape), "A"), (ptr, shape, strides)


def _scalar(value, where):
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise OverflowError(f"{where} is {value}, which does not fit in int64")
        return "int", value
    if isinstance(value, float):
        return "float", value
    return None


def describe(args, names):
    """(types, values, transfers) for one launch's arguments."""
    types, values, transfers = [], [], []
    for i, arg in enumerate(args):
        where = f"argument {i + 1} ('{names[i]}')" if i < len(names) else f"argument {i + 1}"
        t, v = _one(arg, where, transfers)
        types.append(t)
        values.append(v)
    return tuple(types), tuple(values), transfers


def _one(arg, where, transfers):
    s = _scalar(arg, where)
    if s is not None:
        return s
    module = type(arg).__module__
    if module == "numpy":
        if type(arg).__name__ == "ndarray":
            return _numpy_array(arg, where, transfers)
        if getattr(arg, "ndim", None) == 0 and hasattr(arg, "dtype"):
            return _dtype_name(arg.dtype, where), arg.item()
    if hasattr(arg, "__cuda_array_interface__"):
        return _cuda_array(arg, where)
    if isinstance(arg, tuple):
        parts = [_one(x, f"{where}[{j}]", transfers) for j, x in enumerate(arg)]
        return "Tuple(" + ", ".join(p[0] for p in parts) + ")", tuple(p[1] for p in parts)
    if hasattr(arg, "__array_interface__") or type(arg).__name__ == "ndarray":
        import numpy as np

        return _numpy_array(np.asarray(arg), where, transfers)
    raise TypeError(f"{where} is a {type(arg).__name__}, which kernels cannot take; "
                    "pass numbers, numpy arrays, device arrays or tuples of these")
