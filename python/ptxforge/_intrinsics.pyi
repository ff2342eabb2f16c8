# Type stubs for the names kernels use (numba-cuda's names). In Python they are
# markers the compiler recognises; the types below are what each gives inside
# a kernel, so that a checker sees `i = pf.grid(1)` as an int.
from enum import IntEnum
from typing import Any, Literal, Protocol, Tuple, overload

__all__ = [
    "threadIdx", "blockIdx", "blockDim", "gridDim", "laneid", "warpsize", "grid", "gridsize", "syncthreads",
    "shared", "local", "const", "atomic", "cg", "syncthreads_count", "syncthreads_and", "syncthreads_or",
    "syncwarp", "threadfence", "threadfence_block", "threadfence_system", "shfl_sync", "shfl_up_sync",
    "shfl_down_sync", "shfl_xor_sync", "all_sync", "any_sync", "eq_sync", "ballot_sync", "match_any_sync",
    "match_all_sync", "activemask", "lanemask_lt", "popc", "brev", "clz", "ffs", "fma", "cbrt", "selp",
    "nanosleep", "clock64", "boolean", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
    "uint64", "float16", "float32", "float64", "intp", "uintp", "complex64", "complex128", "bfloat16",
    "bool_", "bf16", "fp16", "fp8", "literal_unroll", "carray", "farray", "ldca", "ldcg", "ldcs", "ldlu", "ldcv", "stcg", "stcs", "stwb", "stwt", "void", "none", "Signature",
    "b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8", "c8", "c16", "char", "uchar", "short", "ushort", "intc", "uintc", "int_", "uint", "long_", "ulong", "longlong", "ulonglong", "size_t", "ssize_t", "double",
    # numba-cuda's vector types and CUDA's names for them
    "int8x1", "int8x2", "int8x3", "int8x4", "int16x1", "int16x2", "int16x3", "int16x4", "int32x1", "int32x2", "int32x3", "int32x4", "int64x1", "int64x2", "int64x3", "int64x4", "uint8x1", "uint8x2", "uint8x3", "uint8x4", "uint16x1", "uint16x2", "uint16x3", "uint16x4", "uint32x1", "uint32x2", "uint32x3", "uint32x4", "uint64x1", "uint64x2", "uint64x3", "uint64x4", "float32x1", "float32x2", "float32x3", "float32x4", "float64x1", "float64x2", "float64x3", "float64x4", "char1", "char2", "char3", "char4", "short1", "short2", "short3", "short4", "int1", "int2", "int3", "int4", "long1", "long2", "long3", "long4", "longlong1", "longlong2", "longlong3", "longlong4", "uchar1", "uchar2", "uchar3", "uchar4", "ushort1", "ushort2", "ushort3", "ushort4", "uint1", "uint2", "uint3", "uint4", "ulong1", "ulong2", "ulong3", "ulong4", "ulonglong1", "ulonglong2", "ulonglong3", "ulonglong4", "float1", "float2", "float3", "float4", "double1", "double2", "double3", "double4",
]

class KernelArray(Protocol):
    """An array inside a kernel: an argument, a view, or a shared/local/const array."""

    shape: tuple[int, ...]
    strides: tuple[int, ...]
    ndim: int
    size: int
    def __getitem__(self, index: Any) -> Any: ...
    def __setitem__(self, index: Any, value: Any) -> None: ...
    def __len__(self) -> int: ...

class _Axis:
    x: int
    y: int
    z: int

threadIdx: _Axis
blockIdx: _Axis
blockDim: _Axis
gridDim: _Axis
laneid: int
warpsize: int

@overload
def grid(ndim: Literal[1]) -> int: ...
@overload
def grid(ndim: Literal[2]) -> tuple[int, int]: ...
@overload
def grid(ndim: Literal[3]) -> tuple[int, int, int]: ...
@overload
def gridsize(ndim: Literal[1]) -> int: ...
@overload
def gridsize(ndim: Literal[2]) -> tuple[int, int]: ...
@overload
def gridsize(ndim: Literal[3]) -> tuple[int, int, int]: ...
def syncthreads() -> None: ...

class _Shared:
    def array(self, shape: int | tuple[int, ...], dtype: Any, alignment: int | None = None) -> KernelArray: ...

class _Local:
    def array(self, shape: int | tuple[int, ...], dtype: Any) -> KernelArray: ...

class _Const:
    def array_like(self, ary: Any) -> KernelArray: ...

class _Atomic:
    def add(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def sub(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def max(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def min(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def nanmax(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def nanmin(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def exch(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def cas(self, ary: Any, idx: Any, old: Any, val: Any) -> Any: ...
    def compare_and_swap(self, ary: Any, old: Any, val: Any) -> Any: ...
    def and_(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def or_(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def xor(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def inc(self, ary: Any, idx: Any, val: Any) -> Any: ...
    def dec(self, ary: Any, idx: Any, val: Any) -> Any: ...

class _Grid:
    def sync(self) -> None: ...

class _Cg:
    def this_grid(self) -> _Grid: ...

shared: _Shared
local: _Local
const: _Const
atomic: _Atomic
cg: _Cg

def syncthreads_count(predicate: Any) -> int: ...
def syncthreads_and(predicate: Any) -> int: ...
def syncthreads_or(predicate: Any) -> int: ...
def syncwarp(mask: int = ...) -> None: ...
def threadfence() -> None: ...
def threadfence_block() -> None: ...
def threadfence_system() -> None: ...
def shfl_sync(mask: int, value: Any, src_lane: int) -> Any: ...
def shfl_up_sync(mask: int, value: Any, delta: int) -> Any: ...
def shfl_down_sync(mask: int, value: Any, delta: int) -> Any: ...
def shfl_xor_sync(mask: int, value: Any, lane_mask: int) -> Any: ...
def all_sync(mask: int, predicate: Any) -> bool: ...
def any_sync(mask: int, predicate: Any) -> bool: ...
def eq_sync(mask: int, predicate: Any) -> bool: ...
def ballot_sync(mask: int, predicate: Any) -> int: ...
def match_any_sync(mask: int, value: Any) -> int: ...
def match_all_sync(mask: int, value: Any) -> tuple[int, bool]: ...
def activemask() -> int: ...
def lanemask_lt() -> int: ...
def popc(x: int) -> int: ...
def brev(x: int) -> int: ...
def clz(x: int) -> int: ...
def ffs(x: int) -> int: ...
def fma(a: Any, b: Any, c: Any) -> Any: ...
def cbrt(x: Any) -> Any: ...
def selp(test: Any, a: Any, b: Any) -> Any: ...
def nanosleep(ns: int) -> None: ...
def clock64() -> int: ...

class ScalarType:
    """A scalar type: a cast in kernels (``pf.float32(x)``), ``float32[:, ::1]`` in signatures."""

    name: str
    def __call__(self, value: Any, /) -> Any: ...
    def __getitem__(self, dims: Any) -> str: ...

boolean: ScalarType
bool_: ScalarType
int8: ScalarType
int16: ScalarType
int32: ScalarType
int64: ScalarType
uint8: ScalarType
uint16: ScalarType
uint32: ScalarType
uint64: ScalarType
float16: ScalarType
float32: ScalarType
float64: ScalarType
intp: ScalarType
uintp: ScalarType
complex64: ScalarType
complex128: ScalarType
bfloat16: ScalarType
# numba's names of the same types (numba.cuda has them too).
b1: ScalarType
i1: ScalarType
i2: ScalarType
i4: ScalarType
i8: ScalarType
u1: ScalarType
u2: ScalarType
u4: ScalarType
u8: ScalarType
f4: ScalarType
f8: ScalarType
c8: ScalarType
c16: ScalarType
char: ScalarType
uchar: ScalarType
short: ScalarType
ushort: ScalarType
intc: ScalarType
uintc: ScalarType
int_: ScalarType
uint: ScalarType
long_: ScalarType
ulong: ScalarType
longlong: ScalarType
ulonglong: ScalarType
size_t: ScalarType
ssize_t: ScalarType
double: ScalarType

class Signature:
    """A signature built from types: ``void(float32[::1], int32)``."""

    return_type: Any
    args: tuple[Any, ...]

class _VoidType:
    """numba's ``void`` (also ``none``): the return type of a kernel's signature."""

    def __call__(self, *args: Any) -> Signature: ...

void: _VoidType
none: _VoidType

class _BF16:
    bfloat16: ScalarType
    def __getattr__(self, name: str) -> Any: ...  # hadd, hmul, hsqrt ... (numba-cuda's cuda.bf16)

bf16: _BF16

class _FP16:
    def __getattr__(self, name: str) -> Any: ...  # hadd, hmul, hsqrt, heq ... (numba-cuda's cuda.fp16)

fp16: _FP16

class _FP8:
    class saturation_t(IntEnum):
        NOSAT = 0
        SATFINITE = 1
    class fp8_interpretation_t(IntEnum):
        E4M3 = 0
        E5M2 = 1
    class cudaRoundMode(IntEnum):
        cudaRoundNearest = 0
        cudaRoundZero = 1
        cudaRoundPosInf = 2
        cudaRoundMinInf = 3
    def __getattr__(self, name: str) -> Any: ...  # fp8_e4m3, fp8_e5m2, fp8_e8m0, cvt_float_to_fp8 ... (cuda_fp8.h)

fp8: _FP8

def literal_unroll(container: Any) -> Any: ...
def carray(ptr: Any, shape: int | Tuple[int, ...], dtype: Any = None) -> Any:
    """A C-ordered array of `shape` over the numbers a pointer parameter points at (numba's carray)."""
def farray(ptr: Any, shape: int | Tuple[int, ...], dtype: Any = None) -> Any:
    """A Fortran-ordered array of `shape` over the numbers a pointer parameter points at (numba's farray)."""

# Cache-hint loads (array, index) and stores (array, index, value): ld.global.ca ... st.global.wt
def ldca(array: Any, i: Any) -> Any: ...
def ldcg(array: Any, i: Any) -> Any: ...
def ldcs(array: Any, i: Any) -> Any: ...
def ldlu(array: Any, i: Any) -> Any: ...
def ldcv(array: Any, i: Any) -> Any: ...
def stcg(array: Any, i: Any, value: Any) -> None: ...
def stcs(array: Any, i: Any, value: Any) -> None: ...
def stwb(array: Any, i: Any, value: Any) -> None: ...
def stwt(array: Any, i: Any, value: Any) -> None: ...

class VectorType:
    """A vector of 1-4 numbers (numba-cuda's float32x4 ...): fields x, y, z, w."""

    x: Any
    y: Any
    z: Any
    w: Any

class _VectorCtor:
    def __call__(self, *elements: Any) -> VectorType: ...

int8x1: _VectorCtor
int8x2: _VectorCtor
int8x3: _VectorCtor
int8x4: _VectorCtor
int16x1: _VectorCtor
int16x2: _VectorCtor
int16x3: _VectorCtor
int16x4: _VectorCtor
int32x1: _VectorCtor
int32x2: _VectorCtor
int32x3: _VectorCtor
int32x4: _VectorCtor
int64x1: _VectorCtor
int64x2: _VectorCtor
int64x3: _VectorCtor
int64x4: _VectorCtor
uint8x1: _VectorCtor
uint8x2: _VectorCtor
uint8x3: _VectorCtor
uint8x4: _VectorCtor
uint16x1: _VectorCtor
uint16x2: _VectorCtor
uint16x3: _VectorCtor
uint16x4: _VectorCtor
uint32x1: _VectorCtor
uint32x2: _VectorCtor
uint32x3: _VectorCtor
uint32x4: _VectorCtor
uint64x1: _VectorCtor
uint64x2: _VectorCtor
uint64x3: _VectorCtor
uint64x4: _VectorCtor
float32x1: _VectorCtor
float32x2: _VectorCtor
float32x3: _VectorCtor
float32x4: _VectorCtor
float64x1: _VectorCtor
float64x2: _VectorCtor
float64x3: _VectorCtor
float64x4: _VectorCtor
char1: _VectorCtor
char2: _VectorCtor
char3: _VectorCtor
char4: _VectorCtor
short1: _VectorCtor
short2: _VectorCtor
short3: _VectorCtor
short4: _VectorCtor
int1: _VectorCtor
int2: _VectorCtor
int3: _VectorCtor
int4: _VectorCtor
long1: _VectorCtor
long2: _VectorCtor
long3: _VectorCtor
long4: _VectorCtor
longlong1: _VectorCtor
longlong2: _VectorCtor
longlong3: _VectorCtor
longlong4: _VectorCtor
uchar1: _VectorCtor
uchar2: _VectorCtor
uchar3: _VectorCtor
uchar4: _VectorCtor
ushort1: _VectorCtor
ushort2: _VectorCtor
ushort3: _VectorCtor
ushort4: _VectorCtor
uint1: _VectorCtor
uint2: _VectorCtor
uint3: _VectorCtor
uint4: _VectorCtor
ulong1: _VectorCtor
ulong2: _VectorCtor
ulong3: _VectorCtor
ulong4: _VectorCtor
ulonglong1: _VectorCtor
ulonglong2: _VectorCtor
ulonglong3: _VectorCtor
ulonglong4: _VectorCtor
float1: _VectorCtor
float2: _VectorCtor
float3: _VectorCtor
float4: _VectorCtor
double1: _VectorCtor
double2: _VectorCtor
double3: _VectorCtor
double4: _VectorCtor
