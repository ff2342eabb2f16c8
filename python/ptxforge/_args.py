"""Turning launch arguments into types and parameter values.

A host numpy array is copied to the device for the launch and copied back
afterwards, as numba-cuda does; a non-contiguous one goes through a
contiguous copy and is written back element by element into the original
view. Device arrays, objects with ``__cuda_array_interface__`` (CuPy, numba
device arrays) and DLPack producers (torch, JAX) are used in place, strides
and all; the launch stream waits, on the device, for the stream that an
interface names (CAI v3 'stream'; DLPack's ``__dlpack__(stream=...)``).

For the CPU target (``host=True``) the same arguments are described for host
memory: numpy arrays that are contiguous, aligned, writeable and in native
byte order are used in place; other numpy arrays go through a contiguous host
copy written back after the launch; device arrays in host memory are used in
place, those in GPU memory go through a host copy written back to the device.

This is the Python launch path, taken on the first launch of a signature and
for arguments the C++ fast path (python/bindings/FastLaunch.cpp) does not
read; both must give the same types for the same arguments.

Typing touches no device: a host array's value is a placeholder (its
_Transfer) until ``upload`` allocates and copies, so that the first launch
of a process compiles while the driver is still creating its context.
"""

import enum
import sys

from . import _core


_DEVICEARRAY = None


def _devicearray():
    """The device-array module, imported on first use (it needs numpy)."""
    global _DEVICEARRAY
    if _DEVICEARRAY is None:
        from . import devicearray

        _DEVICEARRAY = devicearray
    return _DEVICEARRAY

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


def is_bfloat16(dtype):
    """A numpy dtype standing for bfloat16: ml_dtypes' own, or our tagged uint16 (devicearray.bfloat16_dtype)."""
    return dtype.name == "bfloat16" or (dtype.metadata or {}).get("ptxforge") == "bfloat16"


def _scalar_name(dtype):
    """numba's name of a scalar dtype kernels hold, or None (strings, float128, records...)."""
    if is_bfloat16(dtype):
        return "bfloat16"
    if dtype.kind == "b":
        return "bool"
    if dtype.kind in "Mm":  # datetime64[D], timedelta64[ns] ...: an int64 count of the unit
        return dtype.name
    if dtype.kind in "SU" and dtype.itemsize:  # S12 / U12: fixed-length strings (numba's CharSeq)
        return f"{dtype.kind}{dtype.itemsize // (4 if dtype.kind == 'U' else 1)}"
    if dtype.kind in "iu" or (dtype.kind == "f" and dtype.itemsize in (2, 4, 8)) or \
            (dtype.kind == "c" and dtype.itemsize in (8, 16)):
        return dtype.name
    return None


# scalar dtype object -> its name, by identity: numpy's dtype.name is slow (about 2 µs
# with the bfloat16 test), and dtypes equal for numpy may differ here (a uint16
# tagged bfloat16 equals uint16). The entry holds its dtype, so an id is never reused.
_DTYPE_NAMES = {}


def _dtype_name(dtype, where):
    hit = _DTYPE_NAMES.get(id(dtype))
    if hit is not None and hit[0] is dtype:
        return hit[1]
    if dtype.names is not None:  # never kept: a structured dtype's names may be reassigned
        return _record_name(dtype, where)
    name = _scalar_name(dtype)
    if name is None:
        raise TypeError(f"{where} has dtype {dtype}, which kernels do not support yet; use bool, "
                        "int8-int64, uint8-uint64, float16-float64, bfloat16 or complex64-complex128")
    if len(_DTYPE_NAMES) >= 256:
        _DTYPE_NAMES.clear()
    _DTYPE_NAMES[id(dtype)] = (dtype, name)
    return name


def _field_type_name(dtype):
    """numba's name of a record field's dtype, or None for one kernels cannot hold (strings)."""
    base, shape = dtype.subdtype if dtype.subdtype is not None else (dtype, ())
    name = _scalar_name(base) if base.names is None else None
    if name is None:
        return None
    if not shape:
        return name
    return f"nestedarray({name}, ({', '.join(str(d) for d in shape)}{',' if len(shape) == 1 else ''}))"


def _record_name(dtype, where):
    """numba's spelling of a structured dtype: Record(x[type=float32;offset=0],...;size;aligned).

    Fields kernels cannot hold (nested records) and fields whose names are not
    identifiers are left out; their bytes are still copied with the record."""
    if dtype.hasobject:
        raise TypeError(f"{where} has dtype {dtype}, whose Python-object fields have no device form")
    fields = []
    for name in dtype.names:
        field_dtype, offset = dtype.fields[name][:2]
        type_name = _field_type_name(field_dtype)
        if type_name is not None and name.isidentifier():
            fields.append(f"{name}[type={type_name};offset={offset}]")
    return f"Record({','.join(fields)};{dtype.itemsize};{dtype.isalignedstruct})"


def _contiguous_strides(shape, itemsize, layout):
    strides, step = [0] * len(shape), itemsize
    order = range(len(shape) - 1, -1, -1) if layout == "C" else range(len(shape))
    for d in order:
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


class _Transfer:
    """One host array copied in for a launch and back out after it (either way only, for
    pf.In and pf.Out). Until upload() it stands in the launch's values for the device
    pointer it will have."""

    __slots__ = ("host", "staging", "buffer", "where", "copy_in", "copy_out")

    def __init__(self, host, staging, where, copy_in=True, copy_out=True):
        self.host, self.staging, self.buffer, self.where = host, staging, None, where
        self.copy_in, self.copy_out = copy_in, copy_out

    def upload(self):
        """Allocates the device copy and copies the host data in; returns its pointer."""
        self.buffer = _core.DeviceMemory(max(self.staging.nbytes, 1))
        if self.staging.nbytes and self.copy_in:
            _core.copy_htod(self.buffer.ptr, self.staging, self.staging.nbytes, 0)
        return self.buffer.ptr

    def copy_back(self):
        if not self.host.flags.writeable or not self.copy_out:
            return
        if self.staging is self.host:
            if self.host.nbytes:
                _core.copy_dtoh(self.host, self.buffer.ptr, self.host.nbytes, 0)
        else:
            if self.staging.nbytes:
                _core.copy_dtoh(self.staging, self.buffer.ptr, self.staging.nbytes, 0)
            self.host[...] = self.staging


class _RecordTransfer(_Transfer):
    """A record argument (a numpy.void) copied in for a launch and its fields back out."""

    __slots__ = ()

    def copy_back(self):
        if not self.host.flags.writeable:
            return
        _core.copy_dtoh(self.staging, self.buffer.ptr, self.staging.nbytes, 0)
        for name in self.host.dtype.names:
            self.host[name] = self.staging[name]


class _HostTransfer(_Transfer):
    """A host array staged through a contiguous host copy for a CPU launch, written back after it."""

    __slots__ = ()

    def upload(self):
        return self.staging.__array_interface__["data"][0]

    def copy_back(self):
        if self.host.flags.writeable and self.copy_out:
            self.host[...] = self.staging


class _HostRecordTransfer(_HostTransfer):
    """A record argument copied for a CPU launch and its fields written back."""

    __slots__ = ()

    def copy_back(self):
        if self.host.flags.writeable:
            for name in self.host.dtype.names:
                self.host[name] = self.staging[name]


class _DeviceArrayTransfer(_HostTransfer):
    """A device array in GPU memory staged through host memory for a CPU launch, written back after it."""

    __slots__ = ()

    def copy_back(self):
        self.host.copy_to_device(self.staging)


def copy_back(transfers, read_only, kernel_name):
    """Copies the launch's host arrays back, but those at pointers in `read_only` (the
    kernel never writes them). A read-only numpy array (writeable=False) that the kernel
    may write is left as it was, and is a ValueError once the others are copied back."""
    refused = []
    for t in transfers:
        if t.buffer.ptr in read_only or not t.copy_out:  # never written, or pf.In(a): copied in only
            continue
        if not t.host.flags.writeable:
            refused.append(t.where)
            continue
        t.copy_back()
    refuse_read_only(refused, kernel_name)


def refuse_read_only(refused, kernel_name):
    """The ValueError for read-only numpy arrays (their `where`s) that the kernel may write."""
    if refused:
        raise ValueError(
            f"kernel '{kernel_name}' may write {' and '.join(refused)}, a read-only numpy array "
            "(writeable=False): the array was left unchanged and the launch's writes to it dropped; "
            "pass a writeable copy (arr.copy()), or a device array")


def upload(values, transfers):
    """The launch's values with every host array copied to the device (in argument order)."""
    if not transfers:
        return values
    pointers = {id(t): t.upload() for t in transfers}

    def place(v):
        if isinstance(v, _Transfer):
            return pointers[id(v)]
        if type(v) is tuple:
            return tuple(place(x) for x in v)
        return v

    return place(values)


def _record(rec, where, transfers, host=False):
    """A record passed by reference, as numba does: a device copy, written back after the launch."""
    import numpy as np

    name = _dtype_name(rec.dtype, where)
    staging = np.array(rec)
    if not staging.dtype.isnative:
        staging = staging.astype(staging.dtype.newbyteorder("="))
    transfer = (_HostRecordTransfer if host else _RecordTransfer)(rec, staging, where)
    transfers.append(transfer)
    return name, transfer


class ArgHint:
    """A launch argument wrapped to say which way a host array is copied (numba-cuda's
    cuda.In, cuda.Out, cuda.InOut); device arrays inside are used as they are."""

    __slots__ = ("value",)
    copy_in = copy_out = True

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return f"{type(self).__name__}({self.value!r})"


class In(ArgHint):
    """Copied to the device before the launch, not back: the kernel only reads it."""

    __slots__ = ()
    copy_out = False


class Out(ArgHint):
    """Copied back after the launch, not in: the kernel only writes it."""

    __slots__ = ()
    copy_in = False


class InOut(ArgHint):
    """Copied in and back, what a plain numpy argument gets."""

    __slots__ = ()


def _numpy_array(a, where, transfers, copy_in=True, copy_out=True, host=False):
    import numpy as np

    name = _dtype_name(a.dtype, where)
    if host and copy_out and a.dtype.isnative and a.flags.writeable and a.flags.aligned and (a.flags.c_contiguous
                                                                               or a.flags.f_contiguous):
        layout = "C" if a.flags.c_contiguous else "F"  # used in place
        return name + _dims(a.ndim, layout), (a.__array_interface__["data"][0], a.shape,
                                              _contiguous_strides(a.shape, a.itemsize, layout))
    if host:  # a contiguous, aligned, native copy, written back after the launch (pf.In: not)
        staging = np.array(a, dtype=a.dtype.newbyteorder("="), order="C", copy=True)
        transfer = _HostTransfer(a, staging, where, copy_in, copy_out)
        transfers.append(transfer)
        return name + _dims(a.ndim, "C"), (transfer, staging.shape,
                                           _contiguous_strides(staging.shape, staging.itemsize, "C"))
    if not a.dtype.isnative:
        a_native = a.astype(a.dtype.newbyteorder("="))
        staging, layout = np.ascontiguousarray(a_native), "C"
    elif a.flags.c_contiguous:
        staging, layout = a, "C"
    elif a.flags.f_contiguous:
        staging, layout = a, "F"
    else:
        staging, layout = np.ascontiguousarray(a), "C"
    transfer = _Transfer(a, staging, where, copy_in, copy_out)
    transfers.append(transfer)
    strides = _contiguous_strides(staging.shape, staging.itemsize, layout)
    return name + _dims(a.ndim, layout), (transfer, staging.shape, strides)


def _device_array(a, where, transfers=None, host=False):
    if a._host != host:  # memory of the other kind: staged through a copy
        if host:
            staging = a.copy_to_host()
            transfer = _DeviceArrayTransfer(a, staging, where)
            transfers.append(transfer)
            return _dtype_name(a.dtype, where) + _dims(a.ndim, "C"), (
                transfer, staging.shape, _contiguous_strides(staging.shape, staging.itemsize, "C"))
        return _numpy_array(a._host_ndarray(), where, transfers)
    name = _dtype_name(a.dtype, where)
    contiguous_c = _contiguous_strides(a.shape, a.dtype.itemsize, "C")
    if a.strides == contiguous_c:
        return name + _dims(a.ndim, "C"), (a._ptr, a.shape, a.strides)
    if a.strides == _contiguous_strides(a.shape, a.dtype.itemsize, "F"):
        return name + _dims(a.ndim, "F"), (a._ptr, a.shape, a.strides)
    return name + _dims(a.ndim, "A"), (a._ptr, a.shape, a.strides)


def _cuda_array(obj, where, stream, transfers=None, host=False):
    if host:
        return _device_array(_devicearray().as_cuda_array(obj, sync=False), where, transfers, host=True)
    cai = obj.__cuda_array_interface__
    producer = _devicearray().cai_stream(cai)
    if producer not in (None, 1, 2) and producer != stream:
        _core.stream_wait_stream(stream, producer)
    dtype = _devicearray().cai_dtype(cai, obj)
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


def _is_cuda_dlpack(obj):
    try:
        return obj.__dlpack_device__()[0] in (2, 3)
    except Exception:
        return False


def _value_type_name(v):
    """numba's type of a Python value an enum member holds (int64, float64, a Tuple), or None."""
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64" if -(2**63) <= v < 2**63 else None
    if isinstance(v, float):
        return "float64"
    if isinstance(v, complex):
        return "complex128"
    if type(v).__module__ == "numpy" and getattr(v, "ndim", None) == 0 and hasattr(v, "dtype"):
        return _scalar_name(v.dtype)
    if isinstance(v, tuple):
        parts = [_value_type_name(x) for x in v]
        return None if None in parts or any(p.startswith("Tuple") for p in parts) else f"Tuple({', '.join(parts)})"
    return None


def enum_type_name(cls):
    """numba's type of the members of the enum class `cls`: IntEnumMember(module.Name, int64), or
    EnumMember(module.Name, T) with T the type of its members' values; None when kernels cannot
    hold them or they differ in type."""
    name = f"{cls.__module__}.{cls.__qualname__}"
    if issubclass(cls, int):
        return f"IntEnumMember({name}, int64)"
    values = {_value_type_name(m.value) for m in cls}
    if len(values) != 1 or None in values:
        return None  # no members, values kernels cannot hold, or values of different types
    return f"EnumMember({name}, {values.pop()})"


def _enum_member(member, where):
    type_name = enum_type_name(type(member))
    if type_name is None:
        raise TypeError(f"{where} is {member!r}, whose value kernels cannot hold; enum members used in kernels "
                        "hold numbers or tuples of numbers")
    return type_name, int(member) if isinstance(member, int) else member.value


def _scalar(value, where):
    if type(value).__module__ == "numpy":
        return None  # np.float64 and np.complex128 are float and complex, but strong: typed by their dtype
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int):
        if -(2**63) <= value < 2**63:
            return "int", value
        if 2**63 <= value < 2**64:  # numba types it uint64
            return "uint64", value
        raise OverflowError(f"{where} is {value}, which fits neither int64 nor uint64")
    if isinstance(value, float):
        return "float", value
    if isinstance(value, complex):
        return "complex", value
    return None


def describe(args, names, stream=0, keep=None, host=False):
    """(types, values, transfers) for one launch's arguments on `stream`; what must
    live until the launch is queued (DLPack imports) is appended to `keep`. Host
    arrays are not on the device yet: pass the values through upload(). `host`:
    for the CPU target, where memory is the host's."""
    types, values, transfers = [], [], []
    keep = [] if keep is None else keep
    for i, arg in enumerate(args):
        where = f"argument {i + 1} ('{names[i]}')" if i < len(names) else f"argument {i + 1}"
        t, v = _one(arg, where, transfers, stream, keep, host)
        types.append(t)
        values.append(v)
    return tuple(types), tuple(values), transfers


def _one(arg, where, transfers, stream, keep, host=False):
    if isinstance(arg, enum.Enum):
        return _enum_member(arg, where)
    s = _scalar(arg, where)
    if s is not None:
        return s
    if isinstance(arg, ArgHint):
        value = arg.value
        if type(value).__module__ == "numpy" and type(value).__name__ == "ndarray":
            return _numpy_array(value, where, transfers, arg.copy_in, arg.copy_out, host)
        return _one(value, where, transfers, stream, keep, host)
    if isinstance(arg, _devicearray().DeviceNDArray):
        return _device_array(arg, where, transfers, host)
    module = type(arg).__module__
    if module == "numpy":
        if type(arg).__name__ == "ndarray":
            return _numpy_array(arg, where, transfers, host=host)
        if isinstance(arg, sys.modules["numpy"].void) and arg.dtype.names is not None:
            # a structured scalar: np.void, or its subclass np.record (a recarray's element)
            return _record(arg, where, transfers, host)
        if getattr(arg, "ndim", None) == 0 and hasattr(arg, "dtype"):
            if arg.dtype.kind in "Mm":  # np.datetime64 / np.timedelta64: its int64 count (NaT: int64's min)
                return _dtype_name(arg.dtype, where), int(arg.view("int64"))
            name, value = _dtype_name(arg.dtype, where), arg.item()
            if not isinstance(value, (bool, int, float, complex)):
                raise TypeError(f"{where} is a numpy {type(arg).__name__} of dtype {arg.dtype}, "
                                "which kernels do not take as a scalar")
            return name, value
    if module.startswith("torch") and hasattr(arg, "__dlpack__") and _is_cuda_dlpack(arg):
        # torch's __cuda_array_interface__ is slow and refuses tensors that require grad.
        a = _devicearray().from_dlpack(arg, stream)
        keep.append(a)
        return _device_array(a, where, transfers, host)
    if hasattr(arg, "__cuda_array_interface__"):
        return _cuda_array(arg, where, stream, transfers, host)
    if hasattr(arg, "__dlpack__") and _is_cuda_dlpack(arg):
        a = _devicearray().from_dlpack(arg, stream)
        keep.append(a)
        return _device_array(a, where, transfers, host)
    if isinstance(arg, tuple):
        parts = [_one(x, f"{where}[{j}]", transfers, stream, keep, host) for j, x in enumerate(arg)]
        fields = getattr(type(arg), "_fields", None)
        if isinstance(fields, tuple) and len(fields) == len(arg) and all(
                isinstance(f, str) and f.isidentifier() for f in fields):
            # A namedtuple: its fields are read by name in the kernel.
            spelled = ", ".join(f"{f}={p[0]}" for f, p in zip(fields, parts))
            name = type(arg).__name__ if type(arg).__name__.isidentifier() else "namedtuple"
            return f"NamedTuple({name}{', ' if parts else ''}{spelled})", tuple(p[1] for p in parts)
        return "Tuple(" + ", ".join(p[0] for p in parts) + ")", tuple(p[1] for p in parts)
    if hasattr(arg, "__array_interface__") or type(arg).__name__ == "ndarray":
        import numpy as np

        return _numpy_array(np.asarray(arg), where, transfers, host=host)
    raise TypeError(f"{where} is a {type(arg).__name__}, which kernels cannot take; "
                    "pass numbers, numpy arrays, device arrays or tuples of these")


_registered: set = set()


def register_interop_types():
    """Tells the C++ fast path about our device arrays and, once imported, CuPy's
    and torch's array types, which it then reads without the Python path. True when
    it told it something new (a key computed before may now be computed)."""
    before = len(_registered)
    if "self" not in _registered:
        import numpy as np

        codes = _devicearray().DTYPE_CODES
        scalars = [(t, codes[np.dtype(t).name]) for t in (np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                                           np.uint32, np.int64, np.uint64, np.float16, np.float32,
                                                           np.float64, np.complex64, np.complex128)]
        _core.fast_register(device_array_type=_devicearray().DeviceNDArray, dtype_code=_devicearray().dtype_code,
                            numpy_scalars=scalars)
        _registered.add("self")
    if "cupy" not in _registered and "cupy" in sys.modules:
        cupy = sys.modules["cupy"]
        if hasattr(cupy, "ndarray"):
            # Called by the fast path once per launch with CuPy arrays; it reads the stream's .ptr.
            _core.fast_register(cupy_type=cupy.ndarray,
                                cupy_stream=getattr(getattr(cupy, "cuda", None), "get_current_stream", None))
            _registered.add("cupy")
    if "torch" not in _registered and "torch" in sys.modules:
        torch = sys.modules["torch"]
        if hasattr(torch, "Tensor"):
            c = getattr(torch, "_C", None)
            _core.fast_register(torch_type=torch.Tensor, torch_stream=getattr(c, "_cuda_getCurrentRawStream", None),
                                torch_to_dlpack=getattr(c, "_to_dlpack", None))
            _registered.add("torch")
    return len(_registered) != before
