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

#include <complex>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ptxforge::frontend {

enum class BuiltinId {
  // Thread hierarchy values.
  ThreadIdxX, ThreadIdxY, ThreadIdxZ, BlockIdxX, BlockIdxY, BlockIdxZ,
  BlockDimX, BlockDimY, BlockDimZ, GridDimX, GridDimY, GridDimZ, LaneId, WarpSize,
  // Thread hierarchy functions.
  Grid, GridSize, SyncThreads,
  // Python builtins.
  Range, Len, Min, Max, Abs, Round,
  // A libdevice math function; see mathFunction().
  Math,
  // Complex numbers: a cmath function (see CmathFunction), complex(re, im),
  // and the method z.conjugate() of any number.
  Cmath, ComplexCtor, Conjugate,
  // numba-cuda's cuda.bf16 functions (hadd, hsin, ...); see Bf16Function.
  Bf16,
  // GPU execution features (shared memory, atomics, warp intrinsics, ...):
  // typed in TypeInferGpu.cpp, lowered in LowerGpu.cpp; `gpu` says which.
  Gpu,
  // The operator module's functions and the builtin pow(), as functions
  // (operator.add(a, b) is a + b); see OperatorFunction.
  Operator,
  // print(...): formatted on the device through vprintf.
  Print,
};

/// How a math function maps onto libdevice: `__nv_<name>` for float64 and
/// `__nv_<name>f` for float32 (or the explicit names given).
struct MathFunction {
  const char *path;      ///< "math.sqrt"
  int arity;             ///< 1 or 2
  const char *f64;       ///< "__nv_sqrt"
  const char *f32;       ///< "__nv_sqrtf"
  enum Result { Float, Bool, Int } result = Float;
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

/// One of numba-cuda's `cuda.bf16` functions: its arguments are converted to
/// bfloat16; it gives bfloat16 (comparisons: bool; bfloat16_to_float32:
/// float32). `op` is the BinOpKind of Binary, the CmpOpKind of Compare.
struct Bf16Function {
  enum Kind { Binary, Neg, Abs, Fma, Max, Min, Compare, Math, ToFloat32 } kind;
  const char *path;          ///< "ptxforge.bf16.hadd"
  int arity;
  int op = 0;
  const char *libdevice = nullptr; ///< Math: the float32 function, the result rounded to bfloat16
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
  enum Kind { Namespace, Value, Function, Dtype, Constant, ComplexConstant } kind;
  BuiltinId id = BuiltinId::Math;           ///< Value and Function
  const MathFunction *math = nullptr;       ///< for BuiltinId::Math
  const ScalarType *dtype = nullptr;        ///< Dtype
  double constant = 0;                      ///< Constant: math.pi and friends, Python floats
  int gpu = 0;                              ///< for BuiltinId::Gpu: a GpuIntrinsic (GpuBuiltins.h)
  const CmathFunction *cmath = nullptr;     ///< for BuiltinId::Cmath
  const Bf16Function *bf16 = nullptr;       ///< for BuiltinId::Bf16
  const OperatorFunction *op = nullptr;     ///< for BuiltinId::Operator
};

/// Adds the GPU execution features' entries (frontend/GpuBuiltins.cpp).
void addGpuBuiltins(std::unordered_map<std::string, BuiltinInfo> &table);
/// Adds the operator module, pow() and print() (frontend/OperatorBuiltins.cpp).
void addOperatorBuiltins(std::unordered_map<std::string, BuiltinInfo> &table);

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
  std::vector<GlobalValue> elements;///< Tuple
};

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
  std::vector<LinkItem> link;
};

} // namespace ptxforge::frontend
