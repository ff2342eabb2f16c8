"""Names a kernel uses from ``ptxforge`` (numba-cuda's names).

Everything in ``__all__`` is exported by the package.

In Python these are markers: the compiler recognises each by its
``_pf_path``. Calling one outside a kernel raises a clear error.
"""

import enum


class _Intrinsic:
    __slots__ = ("_pf_path", "__doc__")

    def __init__(self, path, doc):
        self._pf_path = path
        self.__doc__ = doc

    def __repr__(self):
        return f"<ptxforge intrinsic {self._pf_path}>"

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            f"{self._pf_path.replace('ptxforge.', 'ptxforge.')}() can only be used inside a "
            "@ptxforge.kernel function"
        )


class _Dim3:
    """threadIdx, blockIdx, blockDim and gridDim: ``.x``, ``.y``, ``.z``."""

    __slots__ = ("_pf_path", "x", "y", "z")

    def __init__(self, name):
        self._pf_path = "ptxforge." + name
        for axis in "xyz":
            object.__setattr__(self, axis, _Intrinsic(f"ptxforge.{name}.{axis}", f"{name}.{axis}"))

    def __repr__(self):
        return f"<ptxforge intrinsic {self._pf_path}>"


threadIdx = _Dim3("threadIdx")
blockIdx = _Dim3("blockIdx")
blockDim = _Dim3("blockDim")
gridDim = _Dim3("gridDim")
laneid = _Intrinsic("ptxforge.laneid", "The thread's lane in its warp, 0-31.")
warpsize = _Intrinsic("ptxforge.warpsize", "The warp size, 32.")
grid = _Intrinsic(
    "ptxforge.grid",
    "grid(ndim): the thread's absolute index in the grid; an int for ndim 1, a tuple for 2 and 3.",
)
gridsize = _Intrinsic(
    "ptxforge.gridsize", "gridsize(ndim): the number of threads in the grid along each axis."
)
syncthreads = _Intrinsic("ptxforge.syncthreads", "syncthreads(): a barrier for the threads of a block.")
literal_unroll = _Intrinsic(
    "ptxforge.literal_unroll",
    "for x in literal_unroll(t): the loop's body once per element of the tuple t, each typed on its own.",
)

carray = _Intrinsic(
    "ptxforge.carray",
    "carray(ptr, shape, dtype=None): a C-ordered array over the memory a pointer (a CPointer parameter) points at, "
    "as numba.carray.",
)
farray = _Intrinsic(
    "ptxforge.farray",
    "farray(ptr, shape, dtype=None): a Fortran-ordered array over the memory a pointer points at, as numba.farray.",
)


class _Namespace:
    """A namespace of intrinsics (``pf.shared``, ``pf.atomic``, ``pf.cg``...): ``.name`` gives its markers."""

    __slots__ = ("_pf_path", "__dict__")

    def __init__(self, name, members):
        self._pf_path = "ptxforge." + name
        for member, doc in members.items():
            setattr(self, member, _Intrinsic(f"{self._pf_path}.{member}", doc))

    def __repr__(self):
        return f"<ptxforge intrinsic {self._pf_path}>"


shared = _Namespace("shared", {
    "array": "shared.array(shape, dtype, alignment=None): a block's shared array, shape a constant int or tuple; "
             "shape 0 is the dynamic shared memory sized by the launch's fourth parameter.",
})
local = _Namespace("local", {
    "array": "local.array(shape, dtype): a thread's private array of constant shape.",
})
const = _Namespace("const", {
    "array_like": "const.array_like(ndarray): the array's contents as a constant-memory array.",
})
atomic = _Namespace("atomic", {
    "add": "atomic.add(ary, idx, val): ary[idx] += val atomically; returns the old value.",
    "sub": "atomic.sub(ary, idx, val): ary[idx] -= val atomically; returns the old value.",
    "max": "atomic.max(ary, idx, val): ary[idx] = max(ary[idx], val); a NaN leaves the element; returns the old value.",
    "min": "atomic.min(ary, idx, val): ary[idx] = min(ary[idx], val); a NaN leaves the element; returns the old value.",
    "nanmax": "atomic.nanmax(ary, idx, val): max treating NaN as missing; returns the old value.",
    "nanmin": "atomic.nanmin(ary, idx, val): min treating NaN as missing; returns the old value.",
    "exch": "atomic.exch(ary, idx, val): ary[idx] = val; returns the old value.",
    "cas": "atomic.cas(ary, idx, old, val): ary[idx] = val if ary[idx] == old (bitwise); returns the old value.",
    "compare_and_swap": "atomic.compare_and_swap(ary, old, val): atomic.cas on ary[0] of a 1-d array.",
    "and_": "atomic.and_(ary, idx, val): ary[idx] &= val; returns the old value.",
    "or_": "atomic.or_(ary, idx, val): ary[idx] |= val; returns the old value.",
    "xor": "atomic.xor(ary, idx, val): ary[idx] ^= val; returns the old value.",
    "inc": "atomic.inc(ary, idx, val): ary[idx] = 0 if ary[idx] >= val else ary[idx] + 1 (uint32/uint64).",
    "dec": "atomic.dec(ary, idx, val): ary[idx] = val if ary[idx] == 0 or ary[idx] > val else ary[idx] - 1.",
})
cg = _Namespace("cg", {
    "this_grid": "cg.this_grid(): the whole grid; this_grid().sync() is a grid-wide barrier (cooperative launch).",
})

_GPU_FUNCTIONS = {
    "syncthreads_count": "syncthreads_count(predicate): a block barrier; returns how many threads had it true.",
    "syncthreads_and": "syncthreads_and(predicate): a block barrier; 1 if every thread had it true, else 0.",
    "syncthreads_or": "syncthreads_or(predicate): a block barrier; 1 if any thread had it true, else 0.",
    "syncwarp": "syncwarp(mask=0xffffffff): a barrier for the warp's threads in mask.",
    "threadfence": "threadfence(): orders this thread's memory accesses for the whole device.",
    "threadfence_block": "threadfence_block(): orders this thread's memory accesses for its block.",
    "threadfence_system": "threadfence_system(): orders this thread's memory accesses for the device and host.",
    "shfl_sync": "shfl_sync(mask, value, src_lane): value from lane src_lane.",
    "shfl_up_sync": "shfl_up_sync(mask, value, delta): value from lane laneid - delta (own value below 0).",
    "shfl_down_sync": "shfl_down_sync(mask, value, delta): value from lane laneid + delta (own value past 31).",
    "shfl_xor_sync": "shfl_xor_sync(mask, value, lane_mask): value from lane laneid ^ lane_mask.",
    "all_sync": "all_sync(mask, predicate): True if predicate holds on every lane in mask.",
    "any_sync": "any_sync(mask, predicate): True if predicate holds on any lane in mask.",
    "eq_sync": "eq_sync(mask, predicate): True if predicate is the same on every lane in mask.",
    "ballot_sync": "ballot_sync(mask, predicate): bit i set where lane i's predicate holds (int32, as numba).",
    "match_any_sync": "match_any_sync(mask, value): the lanes in mask whose value equals this lane's.",
    "match_all_sync": "match_all_sync(mask, value): (mask, True) if every lane in mask has the same value.",
    "activemask": "activemask(): the lanes of the warp executing this call (uint32).",
    "lanemask_lt": "lanemask_lt(): bits set for the lanes below this one (uint32).",
    "popc": "popc(x): the number of set bits.",
    "brev": "brev(x): the bits of x reversed.",
    "clz": "clz(x): the number of leading zero bits.",
    "ffs": "ffs(x): the 1-based position of the lowest set bit, 0 for 0 (uint32).",
    "fma": "fma(a, b, c): a * b + c with one rounding.",
    "cbrt": "cbrt(x): the cube root.",
    "selp": "selp(test, a, b): a if test else b, without branching.",
    "nanosleep": "nanosleep(ns): suspends the thread for about ns nanoseconds (sm_70+).",
    "clock64": "clock64(): the SM's 64-bit cycle counter.",
}
_CACHE_HINTS = {
    **{f"ld{op}": f"ld{op}(array, i): array[i] loaded with ld.global.{op} ({what})" for op, what in [
        ("ca", "cached in L1 and L2"), ("cg", "cached in L2 only"), ("cs", "streaming, likely read once"),
        ("lu", "last use"), ("cv", "volatile, fetched again")]},
    **{f"st{op}": f"st{op}(array, i, value): array[i] = value with st.global.{op} ({what})" for op, what in [
        ("cg", "cached in L2 only"), ("cs", "streaming, likely written once"), ("wb", "write-back"),
        ("wt", "write-through to system memory")]},
}
_GPU_FUNCTIONS.update(_CACHE_HINTS)
globals().update({name: _Intrinsic("ptxforge." + name, doc) for name, doc in _GPU_FUNCTIONS.items()})

# numba-cuda's vector types: int8x1 ... float64x4 and CUDA's names for them (char1 ... double4),
# each alias the same object as its type, as in numba-cuda.
VECTOR_BASES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64")
VECTOR_ALIASES = {"char": "int8", "short": "int16", "int": "int32", "long": "int64", "longlong": "int64",
                  "uchar": "uint8", "ushort": "uint16", "uint": "uint32", "ulong": "uint64", "ulonglong": "uint64",
                  "float": "float32", "double": "float64"}
_VECTOR_TYPES = {}
for _base in VECTOR_BASES:
    for _n in range(1, 5):
        _VECTOR_TYPES[f"{_base}x{_n}"] = _Intrinsic(
            f"ptxforge.{_base}x{_n}",
            f"{_base}x{_n}(...): a vector of {_n} {_base} (fields {', '.join('xyzw'[:_n])}), made from numbers "
            f"and {_base} vectors with {_n} elements in all.")
for _alias, _base in VECTOR_ALIASES.items():
    for _n in range(1, 5):
        _VECTOR_TYPES[f"{_alias}{_n}"] = _VECTOR_TYPES[f"{_base}x{_n}"]
globals().update(_VECTOR_TYPES)


def _is_type_object(t):
    """A type usable in a signature: ours, numba's, or a type spelled as a string."""
    from ._typeobjects import is_numba_type

    return isinstance(t, (str, _ScalarType, _VoidType)) or is_numba_type(t)


class Signature:
    """A kernel or device function signature built from type objects: ``void(int32[::1], float64)``."""

    __slots__ = ("args", "return_type")
    _pf_signature = True

    def __init__(self, return_type, args):
        self.return_type = return_type
        self.args = tuple(args)

    def __str__(self):
        from ._typeobjects import type_name

        return f"{type_name(self.return_type)}({', '.join(type_name(a) for a in self.args)})"

    def __repr__(self):
        return f"Signature({self})"

    def __eq__(self, other):
        return isinstance(other, Signature) and str(self) == str(other)

    def __hash__(self):
        return hash(str(self))


class _ArrayTypeName(str):
    """``float32[:, ::1]``: the text of an array type, usable wherever a type goes."""

    __slots__ = ()

    @property
    def _pf_type_name(self):
        return str(self)


class _ScalarType:
    """A scalar type: a cast inside kernels (``pf.float32(x)``), a dtype, and in signatures
    an argument type (``float32[::1]`` for arrays) or, called with types, a signature
    returning it (``float32(int32, int32)``)."""

    __slots__ = ("_pf_path", "name")

    def __init__(self, name):
        self.name = name
        self._pf_path = "ptxforge." + name

    @property
    def _pf_type_name(self):
        return self.name

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __eq__(self, other):
        return isinstance(other, _ScalarType) and other.name == self.name

    def __hash__(self):
        return hash(self.name)

    def __call__(self, *args):
        """With types: the signature of a function returning this type. With one value
        (outside kernels): the value converted to this type, as a numpy scalar."""
        if not args or all(_is_type_object(a) for a in args):
            return Signature(self, args)
        if len(args) != 1:
            raise TypeError(f"{self.name}(value) converts one value; {self.name}(type, ...) makes a signature")
        if self.name == "bfloat16":
            raise TypeError("bfloat16 values outside kernels need ml_dtypes or a torch tensor")
        import numpy as np

        return getattr(np, {"boolean": "bool_"}.get(self.name, self.name))(args[0])

    def __getitem__(self, dims):
        """``float32[:, ::1]`` spells an array type in a signature, as in numba."""
        if not isinstance(dims, tuple):
            dims = (dims,)
        parts = []
        for d in dims:
            if not isinstance(d, slice) or d.start is not None or d.stop is not None or d.step not in (None, 1):
                raise TypeError("array types are written like float32[:, ::1]")
            parts.append("::1" if d.step == 1 else ":")
        return _ArrayTypeName(f"{self.name}[{', '.join(parts)}]")


def type_from_text(text):
    """The type object a type's text names: ``int32`` -> int32, ``float32[:]`` -> float32[:]."""
    if "[" in text:
        return _ArrayTypeName(text)
    return void if text in ("void", "none") else scalar_types.get(text, text)


class _VoidType:
    """``void``: the return type of kernels; ``void(int32[::1], float64)`` is a kernel signature."""

    __slots__ = ()
    _pf_type_name = "void"

    def __repr__(self):
        return "void"

    __str__ = __repr__

    def __call__(self, *args):
        bad = next((a for a in args if not _is_type_object(a)), None)
        if bad is not None:
            raise TypeError(f"void(...) takes the argument types of a signature, not {bad!r}")
        return Signature(self, args)


_SCALARS = [
    "boolean", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "intp", "uintp",
]
_SCALARS += ["complex64", "complex128", "bfloat16"]
scalar_types = {n: _ScalarType(n) for n in _SCALARS}
void = none = _VoidType()
# numba's other names for the same types (numba.core.types: note that byte is uint8 there).
NUMBA_ALIASES = {
    "b1": "boolean", "bool": "boolean", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
    "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64", "f4": "float32", "f8": "float64",
    "c8": "complex64", "c16": "complex128", "byte": "uint8", "char": "int8", "uchar": "uint8",
    "short": "int16", "ushort": "uint16", "intc": "int32", "uintc": "uint32", "int_": "int64",
    "uint": "uint64", "long_": "int64", "ulong": "uint64", "longlong": "int64", "ulonglong": "uint64",
    "size_t": "uint64", "ssize_t": "int64", "double": "float64",
}
type_aliases = {alias: scalar_types[name] for alias, name in NUMBA_ALIASES.items()}


_HALF_DOCS = {
    **{name: f"{name}(a, b): a {op} b, rounded once (may fuse with a neighbouring hmul into an fma)" for name, op in
       [("hadd", "+"), ("hsub", "-"), ("hmul", "*")]},
    **{f"{name}_rn": f"{name}_rn(a, b): a {op} b, rounded once, never fused" for name, op in
       [("hadd", "+"), ("hsub", "-"), ("hmul", "*")]},
    **{f"{name}_sat": f"{name}_sat(a, b): a {op} b clamped to [0, 1] (NaN gives 0)" for name, op in
       [("hadd", "+"), ("hsub", "-"), ("hmul", "*")]},
    "hdiv": "hdiv(a, b): a / b, correctly rounded",
    **{name: f"{name}(a, b): a {op} b; False when either is NaN" for name, op in
       [("heq", "=="), ("hne", "!="), ("hlt", "<"), ("hle", "<="), ("hgt", ">"), ("hge", ">=")]},
    **{name + "u": f"{name}u(a, b): a {op} b; True when either is NaN" for name, op in
       [("heq", "=="), ("hne", "!="), ("hlt", "<"), ("hle", "<="), ("hgt", ">"), ("hge", ">=")]},
    "hneg": "hneg(a): -a", "habs": "habs(a): |a|", "hfma": "hfma(a, b, c): a * b + c with one rounding",
    "hfma_sat": "hfma_sat(a, b, c): a * b + c clamped to [0, 1]", "hfma_relu": "hfma_relu(a, b, c): max(a * b + c, 0)",
    "hmax": "hmax(a, b): the larger, ignoring a NaN", "hmin": "hmin(a, b): the smaller, ignoring a NaN",
    "hmax_nan": "hmax_nan(a, b): the larger, NaN if either is", "hmin_nan": "hmin_nan(a, b): the smaller, NaN if either is",
    "hisnan": "hisnan(a): True for NaN", "hisinf": "hisinf(a): 1 for +inf, -1 for -inf, else 0 (int32)",
    **{name: f"{name}(a): {name[1:]} of a half, computed in float32 and rounded once" for name in
       ["hsqrt", "hrsqrt", "hrcp", "hsin", "hcos", "htanh", "hexp", "hexp2", "hexp10", "hlog", "hlog2", "hlog10"]},
    **{name: f"{name}(a): {name[1:]} of a half (native cvt.r*i)" for name in ["htrunc", "hceil", "hfloor", "hrint"]},
    "htanh_approx": "htanh_approx(a): tanh.approx of a half",
}


class _HalfNamespace(_Namespace):
    """``pf.fp16`` and ``pf.bf16``: numba-cuda's ``cuda.fp16`` and ``cuda.bf16``, their type and functions.

    The names (CUDA's, and for bf16 numba-cuda's numpy-style aliases) come from the compiler's table."""

    def __init__(self, name, type_name, type_alias):
        from . import _core

        prefix = f"ptxforge.{name}."
        members = {}
        for path in _core.builtin_paths(prefix):
            member = path[len(prefix):]
            if member != type_alias:
                members[member] = _HALF_DOCS.get(member.lstrip("_"), f"numba-cuda's cuda.{name}.{member}")
        super().__init__(name, members)
        setattr(self, type_alias, scalar_types[type_name])


fp16 = _HalfNamespace("fp16", "float16", "__half")
bf16 = _HalfNamespace("bf16", "bfloat16", "bfloat16")


class _Fp8Namespace(_Namespace):
    """``pf.fp8``: numba-cuda's FP8 bindings (CUDA's cuda_fp8.h): the types ``fp8_e4m3``, ``fp8_e5m2`` and
    ``fp8_e8m0`` (constructed from any real number; ``float32(x)``, ``int32(x)``... convert back) and the
    ``cvt_*`` conversions of storage bytes, with the enums they take."""

    class saturation_t(enum.IntEnum):
        NOSAT = 0
        SATFINITE = 1

    class fp8_interpretation_t(enum.IntEnum):
        E4M3 = 0
        E5M2 = 1

    class cudaRoundMode(enum.IntEnum):
        cudaRoundNearest = 0
        cudaRoundZero = 1
        cudaRoundPosInf = 2
        cudaRoundMinInf = 3

    def __init__(self):
        storage = "(x, saturate, interpretation): the fp8 byte (uint8) nearest x; NOSAT gives inf (e5m2) or NaN " \
                  "(e4m3) past the finite range, SATFINITE the largest finite"
        e8m0 = "(x, saturate, rounding): the e8m0 byte (uint8) of x, rounded toward zero or +inf (cudaRoundMode)"
        members = {f"fp8_{f}": f"fp8_{f}(x): the {f} value nearest the real number x, saturating to the finite range"
                   for f in ("e4m3", "e5m2")}
        members["fp8_e8m0"] = "fp8_e8m0(x): the power of two 2**k at least |x| (x's exponent rounded up)"
        for src in ("float", "double", "bfloat16raw"):
            members[f"cvt_{src}_to_fp8"] = f"cvt_{src}_to_fp8{storage}"
            members[f"cvt_{src}_to_e8m0"] = f"cvt_{src}_to_e8m0{e8m0}"
        for src in ("float2", "double2"):
            members[f"cvt_{src}_to_fp8x2"] = f"cvt_{src}_to_fp8x2{storage}; a pair, as uint16 (x.x in the low byte)"
            members[f"cvt_{src}_to_e8m0x2"] = f"cvt_{src}_to_e8m0x2{e8m0}; a pair, as uint16 (x.x in the low byte)"
        members["cvt_e8m0_to_bf16raw"] = "cvt_e8m0_to_bf16raw(byte): 2**(byte-127) as a bfloat16_raw (.x: its bits)"
        super().__init__("fp8", members)


fp8 = _Fp8Namespace()


__all__ = [
    "threadIdx", "blockIdx", "blockDim", "gridDim", "laneid", "warpsize", "grid", "gridsize", "syncthreads",
    "literal_unroll", "carray", "farray",
    "shared", "local", "const", "atomic", "cg", *_GPU_FUNCTIONS, *_VECTOR_TYPES,
    *scalar_types, "bool_", "fp16", "bf16", "fp8", "void", "none", "Signature", *(a for a in type_aliases if a != "bool"),
]
bool_ = scalar_types["boolean"]
globals().update(scalar_types)
globals().update(type_aliases)  # 'bool' too, as numba.cuda.bool, though not exported by '*'

