//===- frontend/Builtins.cpp - The table of reachable names ----------------===//

#include "frontend/Builtins.h"

#include "frontend/Ast.h"
#include "frontend/Libdevice.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <unordered_map>

namespace ptxforge::frontend {

static const MathFunction kMathFunctions[] = {
    {"math.sqrt", 1, "__nv_sqrt", "__nv_sqrtf"},
    {"math.exp", 1, "__nv_exp", "__nv_expf"},
    {"math.expm1", 1, "__nv_expm1", "__nv_expm1f"},
    {"math.log", 1, "__nv_log", "__nv_logf"},
    {"math.log1p", 1, "__nv_log1p", "__nv_log1pf"},
    {"math.log2", 1, "__nv_log2", "__nv_log2f"},
    {"math.log10", 1, "__nv_log10", "__nv_log10f"},
    {"math.sin", 1, "__nv_sin", "__nv_sinf"},
    {"math.cos", 1, "__nv_cos", "__nv_cosf"},
    {"math.tan", 1, "__nv_tan", "__nv_tanf"},
    {"math.asin", 1, "__nv_asin", "__nv_asinf"},
    {"math.acos", 1, "__nv_acos", "__nv_acosf"},
    {"math.atan", 1, "__nv_atan", "__nv_atanf"},
    {"math.sinh", 1, "__nv_sinh", "__nv_sinhf"},
    {"math.cosh", 1, "__nv_cosh", "__nv_coshf"},
    {"math.tanh", 1, "__nv_tanh", "__nv_tanhf"},
    {"math.asinh", 1, "__nv_asinh", "__nv_asinhf"},
    {"math.acosh", 1, "__nv_acosh", "__nv_acoshf"},
    {"math.atanh", 1, "__nv_atanh", "__nv_atanhf"},
    {"math.erf", 1, "__nv_erf", "__nv_erff"},
    {"math.erfc", 1, "__nv_erfc", "__nv_erfcf"},
    {"math.gamma", 1, "__nv_tgamma", "__nv_tgammaf"},
    {"math.lgamma", 1, "__nv_lgamma", "__nv_lgammaf"},
    {"math.fabs", 1, "__nv_fabs", "__nv_fabsf"},
    {"math.floor", 1, "__nv_floor", "__nv_floorf", MathFunction::Int},
    {"math.ceil", 1, "__nv_ceil", "__nv_ceilf", MathFunction::Int},
    {"math.trunc", 1, "__nv_trunc", "__nv_truncf", MathFunction::Int},
    {"math.isnan", 1, "__nv_isnand", "__nv_isnanf", MathFunction::Bool},
    {"math.isinf", 1, "__nv_isinfd", "__nv_isinff", MathFunction::Bool},
    {"math.isfinite", 1, "__nv_isfinited", "__nv_finitef", MathFunction::Bool},
    {"math.pow", 2, "__nv_pow", "__nv_powf"},
    {"math.atan2", 2, "__nv_atan2", "__nv_atan2f"},
    {"math.hypot", 2, "__nv_hypot", "__nv_hypotf"},
    {"math.copysign", 2, "__nv_copysign", "__nv_copysignf"},
    {"math.fmod", 2, "__nv_fmod", "__nv_fmodf"},
    {"math.exp2", 1, "__nv_exp2", "__nv_exp2f"},
    {"math.remainder", 2, "__nv_remainder", "__nv_remainderf"},
    {"math.nextafter", 2, "__nv_nextafter", "__nv_nextafterf"},
    {"math.frexp", 1, "__nv_frexp", "__nv_frexpf", MathFunction::Frexp},
    {"math.modf", 1, "__nv_modf", "__nv_modff", MathFunction::Modf},
    {"math.ldexp", 2, "__nv_ldexp", "__nv_ldexpf", MathFunction::Ldexp},
    {"math.radians", 1, nullptr, nullptr, MathFunction::Float, 3.141592653589793 / 180.0},
    {"math.degrees", 1, nullptr, nullptr, MathFunction::Float, 180.0 / 3.141592653589793},
};

static const CmathFunction kCmathFunctions[] = {
    {CmathFunction::Sqrt, "cmath.sqrt", 1, 1},   {CmathFunction::Exp, "cmath.exp", 1, 1},
    {CmathFunction::Log, "cmath.log", 1, 2},     {CmathFunction::Log10, "cmath.log10", 1, 1},
    {CmathFunction::Sin, "cmath.sin", 1, 1},     {CmathFunction::Cos, "cmath.cos", 1, 1},
    {CmathFunction::Tan, "cmath.tan", 1, 1},     {CmathFunction::Asin, "cmath.asin", 1, 1},
    {CmathFunction::Acos, "cmath.acos", 1, 1},   {CmathFunction::Atan, "cmath.atan", 1, 1},
    {CmathFunction::Sinh, "cmath.sinh", 1, 1},   {CmathFunction::Cosh, "cmath.cosh", 1, 1},
    {CmathFunction::Tanh, "cmath.tanh", 1, 1},   {CmathFunction::Asinh, "cmath.asinh", 1, 1},
    {CmathFunction::Acosh, "cmath.acosh", 1, 1}, {CmathFunction::Atanh, "cmath.atanh", 1, 1},
    {CmathFunction::Phase, "cmath.phase", 1, 1}, {CmathFunction::Polar, "cmath.polar", 1, 1},
    {CmathFunction::Rect, "cmath.rect", 2, 2},   {CmathFunction::IsNan, "cmath.isnan", 1, 1},
    {CmathFunction::IsInf, "cmath.isinf", 1, 1}, {CmathFunction::IsFinite, "cmath.isfinite", 1, 1},
};

namespace {
struct Table {
  std::unordered_map<std::string, BuiltinInfo> map;

  void ns(const char *p) { map[p] = {BuiltinInfo::Namespace}; }
  void value(const char *p, BuiltinId id) { map[p] = {BuiltinInfo::Value, id}; }
  void fn(const char *p, BuiltinId id) { map[p] = {BuiltinInfo::Function, id}; }
  void dtype(const std::string &p, const ScalarType *t) {
    BuiltinInfo info{BuiltinInfo::Dtype};
    info.dtype = t;
    map[p] = info;
  }

  // numba-cuda's vector types, by their names (int8x1 ... float64x4) and
  // CUDA's (char1 ... double4; long is 64 bits, as on Linux).
  void vectorTypes() {
    static const std::pair<const char *, const char *> kAliases[] = {
        {"char", "int8"},     {"short", "int16"},   {"int", "int32"},       {"long", "int64"},
        {"longlong", "int64"}, {"uchar", "uint8"},  {"ushort", "uint16"},   {"uint", "uint32"},
        {"ulong", "uint64"},  {"ulonglong", "uint64"}, {"float", "float32"}, {"double", "float64"}};
    for (const char *base : {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32",
                             "float64"})
      for (int n = 1; n <= 4; ++n) {
        BuiltinInfo info{BuiltinInfo::Function, BuiltinId::VectorCtor};
        info.dtype = types().scalarByName(base);
        info.lanes = n;
        map["ptxforge." + std::string(base) + "x" + std::to_string(n)] = info;
        for (auto [alias, of] : kAliases)
          if (std::string(of) == base)
            map["ptxforge." + std::string(alias) + std::to_string(n)] = info;
      }
  }

  Table() {
    ns("ptxforge");
    ns("math");
    ns("numpy");
    const char *dims[] = {"threadIdx", "blockIdx", "blockDim", "gridDim"};
    int id = static_cast<int>(BuiltinId::ThreadIdxX);
    for (const char *d : dims) {
      std::string base = std::string("ptxforge.") + d;
      ns(base.c_str());
      for (const char *axis : {".x", ".y", ".z"})
        value((base + axis).c_str(), static_cast<BuiltinId>(id++));
    }
    value("ptxforge.laneid", BuiltinId::LaneId);
    value("ptxforge.warpsize", BuiltinId::WarpSize);
    fn("ptxforge.grid", BuiltinId::Grid);
    fn("ptxforge.gridsize", BuiltinId::GridSize);
    fn("ptxforge.syncthreads", BuiltinId::SyncThreads);
    fn("builtins.range", BuiltinId::Range);
    fn("builtins.enumerate", BuiltinId::Enumerate);
    fn("builtins.zip", BuiltinId::Zip);
    fn("builtins.len", BuiltinId::Len);
    fn("builtins.min", BuiltinId::Min);
    fn("builtins.max", BuiltinId::Max);
    fn("builtins.abs", BuiltinId::Abs);
    fn("builtins.round", BuiltinId::Round);
    fn("builtins.isinstance", BuiltinId::IsInstance);
    fn("builtins.tuple", BuiltinId::TupleCtor);
    fn("ptxforge.carray", BuiltinId::CArray);
    ns("cffi");
    ns("cffi.ffi"); // any cffi.FFI() object (python/ptxforge/_source.py)
    fn("cffi.ffi.from_buffer", BuiltinId::FromBuffer);
    fn("ptxforge.farray", BuiltinId::FArray);
    fn("ptxforge.literal_unroll", BuiltinId::LiteralUnroll);
    for (const char *op : {"ldca", "ldcg", "ldcs", "ldlu", "ldcv"})
      fn((std::string("ptxforge.") + op).c_str(), BuiltinId::CacheLoad);
    for (const char *op : {"stcg", "stcs", "stwb", "stwt"})
      fn((std::string("ptxforge.") + op).c_str(), BuiltinId::CacheStore);
    vectorTypes();
    for (const MathFunction &m : kMathFunctions) {
      BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Math};
      info.math = &m;
      map[m.path] = info;
    }
    TypeContext &tc = types();
    for (const char *n : {"bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                          "float16", "float32", "float64", "intp", "uintp", "intc", "uintc", "double",
                          "single", "half", "byte", "ubyte", "short", "ushort", "longlong", "ulonglong"}) {
      dtype(std::string("numpy.") + n, tc.scalarByName(n));
      dtype(std::string("ptxforge.") + n, tc.scalarByName(n));
    }
    for (auto [name, value] : {std::pair<const char *, double>{"math.pi", 3.141592653589793},
                               {"math.e", 2.718281828459045}, {"math.tau", 6.283185307179586},
                               {"math.inf", std::numeric_limits<double>::infinity()},
                               {"math.nan", std::numeric_limits<double>::quiet_NaN()},
                               {"numpy.pi", 3.141592653589793}, {"numpy.e", 2.718281828459045},
                               {"numpy.inf", std::numeric_limits<double>::infinity()},
                               {"numpy.nan", std::numeric_limits<double>::quiet_NaN()},
                               {"numpy.euler_gamma", 0.5772156649015329}}) {
      BuiltinInfo info{BuiltinInfo::Constant};
      info.constant = value;
      map[name] = info;
    }
    // numba's names of the same types, as numba.cuda has them (byte is uint8 there, int8 in NumPy).
    for (auto [alias, n] : {std::pair<const char *, const char *>{"b1", "bool"}, {"bool", "bool"}, {"i1", "int8"},
                            {"i2", "int16"}, {"i4", "int32"}, {"i8", "int64"}, {"u1", "uint8"}, {"u2", "uint16"},
                            {"u4", "uint32"}, {"u8", "uint64"}, {"f4", "float32"}, {"f8", "float64"},
                            {"c8", "complex64"}, {"c16", "complex128"}, {"byte", "uint8"}, {"char", "int8"},
                            {"uchar", "uint8"}, {"int_", "int64"}, {"uint", "uint64"}, {"long_", "int64"},
                            {"ulong", "uint64"}, {"size_t", "uint64"}, {"ssize_t", "int64"}})
      dtype(std::string("ptxforge.") + alias, tc.scalarByName(n));
    dtype("ptxforge.boolean", tc.boolType());
    dtype("ptxforge.bfloat16", tc.bfloat16Type());
    dtype("builtins.bool", tc.boolType());
    dtype("numpy.bool", tc.boolType());
    dtype("builtins.int", tc.intType(64));
    dtype("builtins.float", tc.floatType(64));
    addComplex();
    addHalfBuiltins(map);
    addFp8Builtins(map);
    addArrayMethodBuiltins(map);
    addUfuncBuiltins(map);
    addGpuBuiltins(map);
    addOperatorBuiltins(map);
    addLibdeviceBuiltins(map);
  }

  // cmath, its constants, complex(), z.conjugate() and the complex dtypes.
  void addComplex() {
    ns("cmath");
    for (const CmathFunction &f : kCmathFunctions) {
      BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Cmath};
      info.cmath = &f;
      map[f.path] = info;
    }
    constexpr double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    for (auto [name, value, imaginary] :
         {std::tuple<const char *, double, bool>{"cmath.pi", 3.141592653589793, false},
          {"cmath.e", 2.718281828459045, false}, {"cmath.tau", 6.283185307179586, false},
          {"cmath.inf", inf, false}, {"cmath.nan", nan, false}, {"cmath.infj", inf, true},
          {"cmath.nanj", nan, true}}) {
      BuiltinInfo info{imaginary ? BuiltinInfo::ComplexConstant : BuiltinInfo::Constant};
      info.constant = value;
      map[name] = info;
    }
    fn("builtins.complex", BuiltinId::ComplexCtor);
    fn("complex.conjugate", BuiltinId::Conjugate); // reached only as a method
    fn("int.bit_count", BuiltinId::BitCount);      // reached only as a method
    TypeContext &tc = types();
    for (auto [n, bits] : {std::pair<const char *, int>{"complex64", 64}, {"complex128", 128},
                           {"csingle", 64}, {"cdouble", 128}}) {
      dtype(std::string("numpy.") + n, tc.complexType(bits));
      dtype(std::string("ptxforge.") + n, tc.complexType(bits));
    }
  }
};
} // namespace

static const Table &table() {
  static const Table table;
  return table;
}

const BuiltinInfo *lookupBuiltin(const std::string &path) {
  auto it = table().map.find(path);
  return it == table().map.end() ? lookupTypeName(path) : &it->second;
}

std::vector<std::string> builtinPaths(const std::string &prefix) {
  std::vector<std::string> out;
  for (const auto &[path, info] : table().map)
    if (path.compare(0, prefix.size(), prefix) == 0)
      out.push_back(path);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace ptxforge::frontend
