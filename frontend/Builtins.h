//===- frontend/Builtins.h - Names a kernel can reach ----------------------===//
//
// Everything a kernel may name that is not its own local: namespaces
// (`ptxforge`, `ptxforge.threadIdx`, `math`), special values
// (`ptxforge.threadIdx.x`), builtin functions (`range`, `ptxforge.grid`,
// `math.sqrt`), scalar types used as casts (`numpy.float32`), and the
// constants and objects the Python side found in the kernel's globals.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Types.h"

#include <atomic>
#include <complex>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ptxforge::frontend {

struct LibdeviceFunction; // frontend/Libdevice.h

enum class BuiltinId {
  // Thread hierarchy values.
  ThreadIdxX, ThreadIdxY, ThreadIdxZ, BlockIdxX, BlockIdxY, BlockIdxZ,
  BlockDimX, BlockDimY, BlockDimZ, GridDimX, GridDimY, GridDimZ, LaneId, WarpSize,
  // Thread hierarchy functions.
  Grid, GridSize, SyncThreads,
  // Python builtins.
  Range, Len, Min, Max, Abs, Round,
  // isinstance(x, cls) and tuple(t): decided while typing (TypeInferCalls.cpp).
  IsInstance, TupleCtor,
  // numba's carray(ptr, shape, dtype) and farray: an array over a pointer's memory.
  CArray, FArray,
  // cffi's ffi.from_buffer(array), as numba takes it: a pointer to the array's first element.
  FromBuffer,
  // enumerate(it[, start]) and zip(it, ...): only as a for loop's iterable.
  Enumerate, Zip,
  // numba's literal_unroll(t): only as a for loop's iterable (frontend/Unroll.cpp).
  LiteralUnroll,
  // A libdevice math function; see mathFunction().
  Math,
  // Complex numbers: a cmath function (see CmathFunction), complex(re, im),
  // and the method z.conjugate() of any number.
  Cmath, ComplexCtor, Conjugate,
  // The method i.bit_count() of integers (CPython 3.10's; numba-cuda's popc).
  BitCount,
  // numba-cuda's cuda.libdevice functions; see frontend/Libdevice.h.
  Libdevice,
  // numba-cuda's cuda.fp16 and cuda.bf16 functions (hadd, hsin, ...); see
  // HalfFunction (frontend/HalfBuiltins.cpp).
  Half,
  // numba-cuda's FP8 bindings: the fp8 types' constructors and CUDA's
  // __nv_cvt_* conversions of their storage; see Fp8Function.
  Fp8,
  // numba-cuda's cache-hint loads and stores (ldca ... ldcv, stcg ... stwt):
  // the operator is the path's last two letters (TypeInferMemory.cpp,
  // compiler/LowerMemory.cpp).
  CacheLoad, CacheStore,
  // numpy ufuncs called on numbers that are not math functions (np.add,
  // np.maximum, np.negative, ...); see UfuncFunction. np.sin and the other
  // math ufuncs are Math entries.
  Ufunc,
  // Array methods and numpy reductions (a.sum(), np.nanmax(a), a.copy()); the
  // path names the operation (frontend/ArrayMethods.h).
  ArrayMethod,
  // GPU execution features (shared memory, atomics, warp intrinsics, ...):
  // typed in TypeInferGpu.cpp, lowered in LowerGpu.cpp; `gpu` says which.
  Gpu,
  // The operator module's functions and the builtin pow(), as functions
  // (operator.add(a, b) is a + b); see OperatorFunction.
  Operator,
  // print(...): formatted on the device through vprintf.
  Print,
  // numba-cuda's vector types (float32x4, int16x2 and CUDA's aliases
  // float4, short2 ...): the constructor of a namedtuple of 1-4 numbers
  // named x, y, z, w (TypeInferVector.cpp, compiler/LowerCalls.cpp).
  VectorCtor,
};

/// threadIdx, blockIdx, blockDim and gridDim's x, y and z. Kernels see them
/// as int64 (zero-extended from the 32-bit registers): numba types them int32
/// but widens every integer operation to int64, so its
/// `blockIdx.x * blockDim.x + threadIdx.x` cannot wrap; with ptxforge's
/// numpy-like rule (int32 op int32 is int32) only wide values give the same
/// answers on grids of 2**31 threads or more (numba issue 9229).
inline bool isDim3Value(BuiltinId id) { return id >= BuiltinId::ThreadIdxX && id <= BuiltinId::GridDimZ; }

/// How a math function maps onto libdevice: `__nv_<name>` for float64 and
/// `__nv_<name>f` for float32 (or the explicit names given).
struct MathFunction {
  const char *path;      ///< "math.sqrt"
  int arity;             ///< 1 or 2
  const char *f64;       ///< "__nv_sqrt"
  const char *f32;       ///< "__nv_sqrtf"
  /// Frexp: (float, int32), through an int pointer; Modf: (fraction, whole
  /// part), through a float pointer; Ldexp: x * 2**n of a float and an int32.
  enum Result { Float, Bool, Int, Frexp, Modf, Ldexp } result = Float;
  /// Non-zero: no libdevice call; the result is x * scale (math.radians).
  double scale = 0;
};

/// A cmath function, built from libdevice's real functions in
/// compiler/LowerComplex.cpp. Real arguments are taken as complex ones.
struct CmathFunction {
  enum Op {
    Sqrt, Exp, Log, Log10, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh, Asinh, Acosh, Atanh,
    Phase, Polar, Rect, IsNan, IsInf, IsFinite,
  } op;
  const char *path; ///< "cmath.sqrt"
  int minArity, maxArity;
};

/// One of numba-cuda's `cuda.fp16` / `cuda.bf16` functions, on float16 or
/// bfloat16 (`bfloat`). Arguments are converted to the half type (FromScalar:
/// to `other`, FromBits: to the 16-bit integer `other`) and the result is the
/// half type, except Compare and IsNan (bool), IsInf (int32), ToFloat
/// (float32), ToInt and AsBits (`other`). frontend/HalfBuiltins.cpp has the
/// table, TypeInferHalf.cpp and compiler/LowerHalf.cpp the rest.
struct HalfFunction {
  enum Kind {
    Arith,      ///< `op` is a BinOpKind (+ - * /)
    Fma,
    Neg, Abs,
    Max, Min,   ///< a NaN operand is ignored
    MaxNan, MinNan, ///< a NaN operand is the result
    Compare,    ///< `op` is a CmpOpKind; ordered unless `mode` is Unordered
    IsNan, IsInf,
    Math,       ///< `libdevice`'s float32 function, rounded to the half type once
    Round,      ///< `op`: 0 trunc, 1 ceil, 2 floor, 3 rint (to nearest even)
    TanhApprox,
    ToFloat,    ///< float32, exactly
    FromScalar, ///< a number of type `other`, rounded by `mode`
    ToInt,      ///< the integer type `other`, rounded by `mode`, saturating
    AsBits, FromBits, ///< the bits as the 16-bit integer `other`, and back
  };
  /// How the result is rounded or clamped.
  enum Mode {
    Contract,  ///< to nearest; may fuse with a neighbouring mul/add (CUDA's __hadd, __hfma)
    Nearest,   ///< to nearest, never fused (the _rn variants)
    Saturate,  ///< to nearest, then clamped to [0, 1] (NaN gives 0)
    Relu,      ///< to nearest, then negative results give 0
    Zero, Down, Up, ///< the _rz, _rd, _ru conversions
    Unordered, ///< Compare: true when either operand is NaN
  };
  Kind kind;
  std::string path;   ///< "ptxforge.fp16.hadd"
  bool bfloat;        ///< bfloat16 rather than float16
  int arity = 1;
  int op = 0;
  Mode mode = Contract;
  const char *libdevice = nullptr;
  const ScalarType *other = nullptr;
  /// The half type it works on.
  const ScalarType *halfType() const;
  /// Its name as the user wrote it ("fp16.hadd").
  std::string shownName() const { return path.substr(sizeof("ptxforge.") - 1); }
};

/// One of numba-cuda's FP8 functions (CUDA's cuda_fp8.h), in `ptxforge.fp8`:
/// the constructor of an fp8 type from any real number, or a conversion of
/// storage bytes. The storage conversions take a float32, float64, a pair of
/// them (float32x2, float64x2) or a bfloat16_raw, then the saturation
/// (saturation_t: 0 NOSAT, 1 SATFINITE) and either the interpretation
/// (fp8_interpretation_t: 0 E4M3, 1 E5M2) or, for e8m0, the rounding
/// (cudaRoundMode: 1 toward zero, 2 toward +inf), and give the byte as a
/// uint8 (a pair: uint16, the first in the low byte). frontend/Fp8Builtins.cpp
/// has the table, TypeInferHalf.cpp and compiler/LowerFp8.cpp the rest.
struct Fp8Function {
  enum Kind {
    Construct,  ///< fp8_e4m3(x) ...: `format`'s value nearest x, saturating to the finite range
    ToFp8,      ///< __nv_cvt_<from>_to_fp8(x, saturate, interpretation)
    ToE8m0,     ///< __nv_cvt_<from>_to_e8m0(x, saturate, rounding)
    E8m0ToBf16Raw, ///< __nv_cvt_e8m0_to_bf16raw(byte)
  } kind;
  enum From { Float, Double, Bf16Raw, Float2, Double2 } from = Float;
  int format = 0; ///< Construct: an Fp8Type::Format
  const char *path; ///< "ptxforge.fp8.cvt_float_to_fp8"
};

/// A numpy ufunc on numbers (frontend/Ufuncs.cpp, typed in
/// TypeInferUfuncs.cpp, lowered in compiler/LowerUfuncs.cpp), with NumPy's
/// result types: Binary and Compare are the operators `op` names (a
/// BinOpKind, a CmpOpKind); the rest are named by their kind.
struct UfuncFunction {
  enum Kind {
    Binary, Compare, Negative, Positive, Invert, Absolute, Square, Reciprocal, Sign, Conjugate,
    LogicalNot, LogicalAnd, LogicalOr, LogicalXor, Maximum, Minimum, Fmax, Fmin, LogAddExp, LogAddExp2, Fmod,
  } kind;
  const char *path; ///< "numpy.add"
  int arity;
  int op = 0;
};

/// One of the `operator` module's functions (or the builtin pow): `op` is
/// the BinOpKind of Binary, the CmpOpKind of Compare, the UnaryOpKind of
/// Unary; Truth is operator.truth (bool(x)).
struct OperatorFunction {
  enum Kind { Binary, Compare, Unary, Truth } kind;
  const char *path; ///< "operator.add"
  int op = 0;
};

struct BuiltinInfo {
  /// ComplexConstant: cmath.infj and cmath.nanj, Python complex numbers
  /// 0 + `constant` j.
  /// IntConstant: the Python int `intConstant` (ptxforge.fp8's enums).
  enum Kind { Namespace, Value, Function, Dtype, Constant, ComplexConstant, IntConstant } kind;
  BuiltinId id = BuiltinId::Math;           ///< Value and Function
  const MathFunction *math = nullptr;       ///< for BuiltinId::Math
  const ScalarType *dtype = nullptr;        ///< Dtype
  double constant = 0;                      ///< Constant: math.pi and friends, Python floats
  int gpu = 0;                              ///< for BuiltinId::Gpu: a GpuIntrinsic (GpuBuiltins.h)
  const CmathFunction *cmath = nullptr;     ///< for BuiltinId::Cmath
  const HalfFunction *half = nullptr;       ///< for BuiltinId::Half
  const Fp8Function *fp8 = nullptr;         ///< for BuiltinId::Fp8
  std::int64_t intConstant = 0;             ///< IntConstant
  const UfuncFunction *ufunc = nullptr;     ///< for BuiltinId::Ufunc
  const OperatorFunction *op = nullptr;     ///< for BuiltinId::Operator
  const LibdeviceFunction *libdevice = nullptr; ///< for BuiltinId::Libdevice
  int lanes = 0; ///< for BuiltinId::VectorCtor: 1-4 elements of type `dtype`
};

/// Adds the GPU execution features' entries (frontend/GpuBuiltins.cpp).
void addGpuBuiltins(std::unordered_map<std::string, BuiltinInfo> &table);
/// Adds the operator module, pow() and print() (frontend/OperatorBuiltins.cpp).
void addOperatorBuiltins(std::unordered_map<std::string, BuiltinInfo> &table);
/// Adds numpy's ufuncs on numbers ("numpy.add", "numpy.sin") (frontend/Ufuncs.cpp).
void addUfuncBuiltins(std::unordered_map<std::string, BuiltinInfo> &table);
/// Adds the array methods ("ndarray.sum") and numpy reductions ("numpy.sum")
/// (frontend/ArrayMethods.cpp).
void addArrayMethodBuiltins(std::unordered_map<std::string, BuiltinInfo> &table);
/// Adds the `ptxforge.fp16` and `ptxforge.bf16` namespaces (frontend/HalfBuiltins.cpp).
void addHalfBuiltins(std::unordered_map<std::string, BuiltinInfo> &table);
/// Adds the `ptxforge.fp8` namespace (frontend/Fp8Builtins.cpp).
void addFp8Builtins(std::unordered_map<std::string, BuiltinInfo> &table);

/// True when math function `m` of arguments promoted to `t` computes in
/// float32 (libdevice's __nv_sinf): float32 and narrower floats, and for
/// numpy's ufuncs also bool and 8- and 16-bit ints, as numba's loops pick.
bool mathInFloat32(const MathFunction &m, const ScalarType *t);

/// The cuda.fp16 / cuda.bf16 function numba-cuda runs for `mathPath`
/// ("math.sin") of one argument of type `arg` (float16 or bfloat16: hsin),
/// or nullptr: math functions of a half keep its type where numba's do.
const HalfFunction *halfMathFunction(const std::string &mathPath, const ScalarType *arg);

/// Every path the table holds that starts with `prefix` ("ptxforge.fp16."), sorted.
std::vector<std::string> builtinPaths(const std::string &prefix);

/// The paths that name types without an entry of their own
/// (frontend/TypeNameBuiltins.cpp): "dtype:SPELLING" (a record dtype the
/// Python side found as a global), numba's namespaces "numba" and
/// "numba.types" with their scalar types ("numba.types.int32", "numba.f8"),
/// and "numba.cuda.X", which is "ptxforge.X". nullptr for other paths.
const BuiltinInfo *lookupTypeName(const std::string &path);

/// What `path` names, or nullptr. Paths are canonical: "ptxforge.grid",
/// "builtins.range", "math.sqrt", "numpy.float32".
const BuiltinInfo *lookupBuiltin(const std::string &path);

class AstContext;
struct DeviceFunctionRef;

/// One global name of the kernel, as the Python side resolved it.
struct GlobalValue {
  enum Kind {
    Path,           ///< a module or builtin, named by canonical path
    Constant,       ///< a scalar frozen at compile time
    DeviceFunction, ///< a @jit(device=True) function
    Array,          ///< a numpy array frozen into the kernel as a read-only constant
    Tuple,          ///< a tuple of frozen values
    ExceptionClass, ///< an exception class, for `raise`: `path` its name, `intValue` the host's id for it
    DeviceArray,    ///< memory on the device (any __cuda_array_interface__ object): its address is baked in
    EnumMember,     ///< an enum.Enum member (IntEnum members are Constants of an IntEnumType)
    EnumClass,      ///< an enum class: its members, reached as Cls.name or Cls['name']
    NoneValue,      ///< None (a flag left unset: `if DEBUG:` folds away)
    Opaque,         ///< something with no device meaning; an error if used
  } kind = Opaque;
  std::string path;                 ///< Path
  const ScalarType *type = nullptr; ///< Constant
  std::int64_t intValue = 0;        ///< Constant bool/int (uint64 bit pattern too)
  double floatValue = 0;            ///< Constant float
  std::complex<double> complexValue;///< Constant complex
  std::string description;          ///< Opaque: "a dict", "function 'print'"
  std::shared_ptr<DeviceFunctionRef> function; ///< DeviceFunction
  std::vector<std::int64_t> shape;  ///< Array: the extents (C order); `type` is the dtype
  std::string data;                 ///< Array: the elements' bytes, C order
  std::vector<std::int64_t> strides;///< DeviceArray: byte strides (shape and `type` as for Array)
  std::uint64_t address = 0;        ///< DeviceArray: the data pointer
  /// EnumMember: path is the class, elements[0] the value, valueType the
  /// class's value type; EnumClass: path is the class, elements the members
  /// named by memberNames (aliases included).
  const Type *valueType = nullptr;
  std::vector<std::string> memberNames;
  std::vector<GlobalValue> elements;///< Tuple
};

/// The array type of a DeviceArray global: C or F where its strides are
/// contiguous, else A (frontend/GlobalValues.cpp).
const ArrayType *deviceArrayType(const GlobalValue &g);

/// The kernel's global names.
using GlobalEnv = std::map<std::string, GlobalValue>;

/// A file to link into a kernel (`link=[...]`, declare_device's `link=`):
/// a path whose extension says what it holds (.ptx, .cubin, .fatbin, .o,
/// .a, .ltoir, .cu), or CUDA C source text (`source`, named `path` in
/// messages), which NVRTC compiles.
struct LinkItem {
  std::string path;
  std::string source;
  bool isSource = false;
  bool operator==(const LinkItem &o) const {
    return path == o.path && source == o.source && isSource == o.isSource;
  }
};

/// The global name under which the Python side passes numba's @overload_method
/// table (not a Python identifier, so no kernel's name can meet it).
inline constexpr const char *kNumbaMethods = "\x01numba methods";

/// One implementation of a function that numba's extension API implements
/// (`@overload`, `@register_jitable`): the device function the Python side
/// chose for one call key, or why there is none (`error`, reported at the call).
struct OverloadChoice {
  std::shared_ptr<DeviceFunctionRef> impl;
  std::string error;
};

/// A device function as its callers see it: its tree and its own globals.
/// A function that reaches itself through its globals holds a cycle of
/// references; recursion is rejected when typing, and the cycle is small.
struct DeviceFunctionRef {
  std::string name;
  std::shared_ptr<const AstContext> ast;
  GlobalEnv globals;
  /// Declared signatures (`@jit("int32(int32)", device=True)`): a call
  /// converts its arguments to the best-matching one and gets its return
  /// type. Empty: typed from each call's argument types.
  std::vector<Signature> signatures;
  /// Declared with declare_device(name, signature, link=...): defined in a
  /// linked file (no `ast`), called with numba's ABI (int status(ret *,
  /// args...)) or, with `cAbi`, the C one (ret (args...)).
  bool external = false;
  bool cAbi = false;
  /// declare_device(use_cooperative=True): a kernel calling it is launched cooperatively.
  bool cooperative = false;
  std::vector<LinkItem> link;
  /// numba's inline= and forceinline=: Always (inline='always' or True,
  /// forceinline=True) marks each lowered signature alwaysinline, Never
  /// (inline='never' or False, said explicitly) noinline; Auto leaves it to
  /// LLVM's inliner.
  enum class Inlining : std::uint8_t { Auto, Always, Never } inlining = Inlining::Auto;
  /// numba's extension API implements this function (no `ast`): a call picks
  /// the implementation chosen for its key (overloadKey: argument types,
  /// keywords, integer constants). A key not in `overloads` stops typing with a
  /// diagnostic of class "OverloadRequest" ("id\x1dkey"), which the binding
  /// has the Python side answer before compiling again.
  std::int64_t overloadId = -1;
  std::map<std::string, OverloadChoice> overloads;
  /// The methods numba's @overload_method gives numba types, as the global
  /// kNumbaMethods: `a.foo(x)` of an array is the call foo(a, x) keyed ".foo".
  bool methods = false;
  /// A number no other DeviceFunctionRef of the process ever has: the key of
  /// its interned FunctionType. (Its address was the key once; a freed ref's
  /// address, reused by the next compile's, gave that compile the dead ref's
  /// type: another function's name and a dangling pointer.)
  const std::uint64_t serial = nextSerial();

private:
  static std::uint64_t nextSerial() {
    static std::atomic<std::uint64_t> last{0};
    return ++last;
  }
};

} // namespace ptxforge::frontend
