//===- frontend/HalfBuiltins.cpp - numba-cuda's cuda.fp16 and cuda.bf16 ----===//
//
// One list of half-precision operations, named twice: under ptxforge.fp16
// with CUDA's cuda_fp16 names (`hadd` and `__hadd`, `__float2half_rz`,
// `__half2int_rn`, ...) and under ptxforge.bf16 with numba-cuda's bf16 names
// (`hadd`, `float2bfloat16_rz`, `bfloat16_to_int32_rn`, ...).
//
//===----------------------------------------------------------------------===//

#include "frontend/Ast.h"
#include "frontend/Builtins.h"

#include <deque>

namespace ptxforge::frontend {

const ScalarType *HalfFunction::halfType() const {
  return bfloat ? types().bfloat16Type() : types().floatType(16);
}

namespace {

using H = HalfFunction;

/// The operations both namespaces have, by their short name.
struct Op {
  const char *name;
  H::Kind kind;
  int arity;
  int op = 0;
  H::Mode mode = H::Contract;
  const char *libdevice = nullptr;
};

const Op kOps[] = {
    {"hadd", H::Arith, 2, int(BinOpKind::Add)},
    {"hsub", H::Arith, 2, int(BinOpKind::Sub)},
    {"hmul", H::Arith, 2, int(BinOpKind::Mul)},
    {"hdiv", H::Arith, 2, int(BinOpKind::Div), H::Nearest},
    {"hadd_rn", H::Arith, 2, int(BinOpKind::Add), H::Nearest},
    {"hsub_rn", H::Arith, 2, int(BinOpKind::Sub), H::Nearest},
    {"hmul_rn", H::Arith, 2, int(BinOpKind::Mul), H::Nearest},
    {"hadd_sat", H::Arith, 2, int(BinOpKind::Add), H::Saturate},
    {"hsub_sat", H::Arith, 2, int(BinOpKind::Sub), H::Saturate},
    {"hmul_sat", H::Arith, 2, int(BinOpKind::Mul), H::Saturate},
    {"hfma", H::Fma, 3},
    {"hfma_sat", H::Fma, 3, 0, H::Saturate},
    {"hfma_relu", H::Fma, 3, 0, H::Relu},
    {"hneg", H::Neg, 1},
    {"habs", H::Abs, 1},
    {"hmax", H::Max, 2},
    {"hmin", H::Min, 2},
    {"hmax_nan", H::MaxNan, 2},
    {"hmin_nan", H::MinNan, 2},
    {"heq", H::Compare, 2, int(CmpOpKind::Eq)},
    {"hne", H::Compare, 2, int(CmpOpKind::NotEq)},
    {"hlt", H::Compare, 2, int(CmpOpKind::Lt)},
    {"hle", H::Compare, 2, int(CmpOpKind::LtE)},
    {"hgt", H::Compare, 2, int(CmpOpKind::Gt)},
    {"hge", H::Compare, 2, int(CmpOpKind::GtE)},
    {"hequ", H::Compare, 2, int(CmpOpKind::Eq), H::Unordered},
    {"hneu", H::Compare, 2, int(CmpOpKind::NotEq), H::Unordered},
    {"hltu", H::Compare, 2, int(CmpOpKind::Lt), H::Unordered},
    {"hleu", H::Compare, 2, int(CmpOpKind::LtE), H::Unordered},
    {"hgtu", H::Compare, 2, int(CmpOpKind::Gt), H::Unordered},
    {"hgeu", H::Compare, 2, int(CmpOpKind::GtE), H::Unordered},
    {"hisnan", H::IsNan, 1},
    {"hisinf", H::IsInf, 1},
    {"hsqrt", H::Math, 1, 0, H::Contract, "__nv_fsqrt_rn"},
    {"hrsqrt", H::Math, 1, 0, H::Contract, "__nv_rsqrtf"},
    {"hrcp", H::Math, 1, 0, H::Contract, "__nv_frcp_rn"},
    {"hsin", H::Math, 1, 0, H::Contract, "__nv_sinf"},
    {"hcos", H::Math, 1, 0, H::Contract, "__nv_cosf"},
    {"htanh", H::Math, 1, 0, H::Contract, "__nv_tanhf"},
    {"hexp", H::Math, 1, 0, H::Contract, "__nv_expf"},
    {"hexp2", H::Math, 1, 0, H::Contract, "__nv_exp2f"},
    {"hexp10", H::Math, 1, 0, H::Contract, "__nv_exp10f"},
    {"hlog", H::Math, 1, 0, H::Contract, "__nv_logf"},
    {"hlog2", H::Math, 1, 0, H::Contract, "__nv_log2f"},
    {"hlog10", H::Math, 1, 0, H::Contract, "__nv_log10f"},
    {"htrunc", H::Round, 1, 0},
    {"hceil", H::Round, 1, 1},
    {"hfloor", H::Round, 1, 2},
    {"hrint", H::Round, 1, 3},
    {"htanh_approx", H::TanhApprox, 1},
};

/// CUDA's names of the integer types, numpy's, and the types.
struct IntName {
  const char *c, *numpy;
  int bits;
  bool isSigned;
};
const IntName kInts[] = {{"short", "int16", 16, true}, {"ushort", "uint16", 16, false},
                         {"int", "int32", 32, true},   {"uint", "uint32", 32, false},
                         {"ll", "int64", 64, true},    {"ull", "uint64", 64, false}};
const std::pair<const char *, H::Mode> kModes[] = {
    {"rn", H::Nearest}, {"rz", H::Zero}, {"rd", H::Down}, {"ru", H::Up}};

/// Builds the entries of one namespace.
class Namespace {
public:
  Namespace(std::unordered_map<std::string, BuiltinInfo> &table, std::deque<HalfFunction> &store, bool bfloat)
      : table(table), store(store), bfloat(bfloat), prefix(bfloat ? "ptxforge.bf16." : "ptxforge.fp16.") {}

  /// Registers `f` under each of `names`.
  void add(HalfFunction f, std::initializer_list<std::string> names) {
    f.bfloat = bfloat;
    for (const std::string &n : names) {
      f.path = prefix + n;
      store.push_back(f);
      BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Half};
      info.half = &store.back();
      table[f.path] = info;
    }
  }
  HalfFunction conversion(H::Kind kind, H::Mode mode, const ScalarType *other) {
    HalfFunction f{kind, "", bfloat};
    f.mode = mode;
    f.other = other;
    return f;
  }

  std::unordered_map<std::string, BuiltinInfo> &table;
  std::deque<HalfFunction> &store;
  bool bfloat;
  std::string prefix;
};

void addFp16(Namespace &ns) {
  TypeContext &tc = types();
  for (const Op &o : kOps) {
    HalfFunction f{o.kind, "", false, o.arity, o.op, o.mode, o.libdevice};
    std::string n = o.name;
    // cuda_fp16 spells most operations both ways (hadd, __hadd); the rest
    // only with the underscores, or (the math functions) only without.
    bool mathName = o.kind == H::Math || o.kind == H::Round || o.kind == H::TanhApprox;
    bool underscoreOnly = n.find('_') != std::string::npos || o.kind == H::IsNan || o.kind == H::IsInf ||
                          (o.kind == H::Compare && o.mode == H::Unordered);
    if (mathName)
      ns.add(f, {n});
    else if (underscoreOnly)
      ns.add(f, {"__" + n});
    else
      ns.add(f, {n, "__" + n});
  }
  const ScalarType *f32 = tc.floatType(32), *f64 = tc.floatType(64);
  ns.add(ns.conversion(H::ToFloat, H::Nearest, f32), {"__half2float"});
  ns.add(ns.conversion(H::FromScalar, H::Nearest, f32), {"__float2half"});
  ns.add(ns.conversion(H::FromScalar, H::Nearest, f64), {"__double2half"});
  for (auto [m, mode] : kModes) {
    ns.add(ns.conversion(H::FromScalar, mode, f32), {std::string("__float2half_") + m});
    for (const IntName &i : kInts) {
      const ScalarType *it = tc.intType(i.bits, i.isSigned);
      ns.add(ns.conversion(H::FromScalar, mode, it), {std::string("__") + i.c + "2half_" + m});
      ns.add(ns.conversion(H::ToInt, mode, it), {std::string("__half2") + i.c + "_" + m});
    }
  }
  ns.add(ns.conversion(H::ToInt, H::Zero, tc.intType(8)), {"__half2char_rz"});
  ns.add(ns.conversion(H::ToInt, H::Zero, tc.intType(8, false)), {"__half2uchar_rz"});
  ns.add(ns.conversion(H::AsBits, H::Nearest, tc.intType(16)), {"__half_as_short"});
  ns.add(ns.conversion(H::AsBits, H::Nearest, tc.intType(16, false)), {"__half_as_ushort"});
  ns.add(ns.conversion(H::FromBits, H::Nearest, tc.intType(16)), {"__short_as_half"});
  ns.add(ns.conversion(H::FromBits, H::Nearest, tc.intType(16, false)), {"__ushort_as_half"});
}

void addBf16(Namespace &ns) {
  TypeContext &tc = types();
  for (const Op &o : kOps)
    ns.add(HalfFunction{o.kind, "", true, o.arity, o.op, o.mode, o.libdevice}, {o.name});
  // numba-cuda gives each conversion CUDA's name and a numpy-style alias.
  const ScalarType *f32 = tc.floatType(32), *f64 = tc.floatType(64);
  ns.add(ns.conversion(H::ToFloat, H::Nearest, f32), {"bfloat162float", "bfloat16_to_float32"});
  ns.add(ns.conversion(H::FromScalar, H::Nearest, f32), {"float2bfloat16", "float32_to_bfloat16"});
  ns.add(ns.conversion(H::FromScalar, H::Nearest, f64), {"double2bfloat16", "float64_to_bfloat16"});
  for (auto [m, mode] : kModes) {
    std::string s = m;
    ns.add(ns.conversion(H::FromScalar, mode, f32), {"float2bfloat16_" + s, "float32_to_bfloat16_" + s});
    for (const IntName &i : kInts) {
      const ScalarType *it = tc.intType(i.bits, i.isSigned);
      ns.add(ns.conversion(H::FromScalar, mode, it),
             {std::string(i.c) + "2bfloat16_" + s, std::string(i.numpy) + "_to_bfloat16_" + s});
      ns.add(ns.conversion(H::ToInt, mode, it),
             {std::string("bfloat162") + i.c + "_" + s, std::string("bfloat16_to_") + i.numpy + "_" + s});
    }
  }
  ns.add(ns.conversion(H::ToInt, H::Zero, tc.intType(8)), {"bfloat162char_rz", "bfloat16_to_int8_rz"});
  ns.add(ns.conversion(H::ToInt, H::Zero, tc.intType(8, false)), {"bfloat162uchar_rz", "bfloat16_to_uint8_rz"});
  ns.add(ns.conversion(H::AsBits, H::Nearest, tc.intType(16)), {"bfloat16_as_short", "bfloat16_as_int16"});
  ns.add(ns.conversion(H::AsBits, H::Nearest, tc.intType(16, false)), {"bfloat16_as_ushort", "bfloat16_as_uint16"});
  ns.add(ns.conversion(H::FromBits, H::Nearest, tc.intType(16)), {"short_as_bfloat16", "int16_as_bfloat16"});
  ns.add(ns.conversion(H::FromBits, H::Nearest, tc.intType(16, false)), {"ushort_as_bfloat16", "uint16_as_bfloat16"});
}

} // namespace

void addHalfBuiltins(std::unordered_map<std::string, BuiltinInfo> &table) {
  static std::deque<HalfFunction> store; // stable addresses for the table's pointers
  TypeContext &tc = types();
  for (bool bfloat : {false, true}) {
    const char *name = bfloat ? "ptxforge.bf16" : "ptxforge.fp16";
    table[name] = {BuiltinInfo::Namespace};
    Namespace ns(table, store, bfloat);
    bfloat ? addBf16(ns) : addFp16(ns);
  }
  BuiltinInfo f16{BuiltinInfo::Dtype}, bf16{BuiltinInfo::Dtype};
  f16.dtype = tc.floatType(16);
  bf16.dtype = tc.bfloat16Type();
  table["ptxforge.fp16.__half"] = f16;      // cuda_fp16's type
  table["ptxforge.bf16.bfloat16"] = bf16;   // numba-cuda's cuda.bf16.bfloat16
}

const HalfFunction *halfMathFunction(const std::string &mathPath, const ScalarType *arg) {
  // By the name after "math." or (the ufuncs) "numpy.".
  static const std::pair<const char *, const char *> kMath[] = {
      {"trunc", "htrunc"}, {"ceil", "hceil"}, {"floor", "hfloor"}, {"fabs", "habs"},   {"sqrt", "hsqrt"},
      {"log", "hlog"},     {"log2", "hlog2"}, {"log10", "hlog10"}, {"exp", "hexp"},    {"exp2", "hexp2"},
      {"tanh", "htanh"},   {"cos", "hcos"},   {"sin", "hsin"},     {"rint", "hrint"}};
  if (!arg->isFloat() || arg->weak || arg->bits != 16)
    return nullptr;
  const std::string name = mathPath.substr(mathPath.find('.') + 1);
  for (auto [math, half] : kMath)
    if (name == math) {
      const BuiltinInfo *b = lookupBuiltin((arg->isBFloat16() ? "ptxforge.bf16." : "ptxforge.fp16.") + std::string(half));
      return b ? b->half : nullptr;
    }
  return nullptr;
}

} // namespace ptxforge::frontend
