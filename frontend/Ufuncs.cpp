//===- frontend/Ufuncs.cpp - numpy's ufuncs called on numbers --------------===//
//
// np.sin(x), np.add(a, b), np.maximum(x, y) ... on numbers in kernels, as
// numba-cuda allows. The ufuncs that are math functions are math's entries
// under their numpy names (floor, ceil and trunc returning floats, as
// numpy's do); the others are UfuncFunction entries.
//
//===----------------------------------------------------------------------===//

#include "frontend/Ast.h"
#include "frontend/Builtins.h"

#include <deque>

namespace ptxforge::frontend {

namespace {

/// numpy's names of the math functions (np.arcsin is math.asin).
const std::pair<const char *, const char *> kMathAliases[] = {
    {"sin", "sin"},         {"cos", "cos"},           {"tan", "tan"},         {"arcsin", "asin"},
    {"arccos", "acos"},     {"arctan", "atan"},       {"arctan2", "atan2"},   {"hypot", "hypot"},
    {"sinh", "sinh"},       {"cosh", "cosh"},         {"tanh", "tanh"},       {"arcsinh", "asinh"},
    {"arccosh", "acosh"},   {"arctanh", "atanh"},     {"exp", "exp"},         {"exp2", "exp2"},
    {"expm1", "expm1"},     {"log", "log"},           {"log2", "log2"},       {"log10", "log10"},
    {"log1p", "log1p"},     {"sqrt", "sqrt"},         {"fabs", "fabs"},       {"floor", "floor"},
    {"ceil", "ceil"},       {"trunc", "trunc"},       {"copysign", "copysign"}, {"nextafter", "nextafter"},
    {"isnan", "isnan"},     {"isinf", "isinf"},       {"isfinite", "isfinite"}, {"ldexp", "ldexp"},
    {"frexp", "frexp"},     {"modf", "modf"},         {"deg2rad", "radians"}, {"radians", "radians"},
    {"rad2deg", "degrees"}, {"degrees", "degrees"},
};

/// The math ufuncs math lacks.
const MathFunction kNumpyOnly[] = {
    {"numpy.cbrt", 1, "__nv_cbrt", "__nv_cbrtf"},
    {"numpy.rint", 1, "__nv_rint", "__nv_rintf"},
    {"numpy.signbit", 1, "__nv_signbitd", "__nv_signbitf", MathFunction::Bool},
};

using U = UfuncFunction;
const UfuncFunction kUfuncs[] = {
    {U::Binary, "numpy.add", 2, int(BinOpKind::Add)},
    {U::Binary, "numpy.subtract", 2, int(BinOpKind::Sub)},
    {U::Binary, "numpy.multiply", 2, int(BinOpKind::Mul)},
    {U::Binary, "numpy.divide", 2, int(BinOpKind::Div)},
    {U::Binary, "numpy.true_divide", 2, int(BinOpKind::Div)},
    {U::Binary, "numpy.floor_divide", 2, int(BinOpKind::FloorDiv)},
    {U::Binary, "numpy.remainder", 2, int(BinOpKind::Mod)},
    {U::Binary, "numpy.mod", 2, int(BinOpKind::Mod)},
    {U::Binary, "numpy.power", 2, int(BinOpKind::Pow)},
    {U::Binary, "numpy.bitwise_and", 2, int(BinOpKind::BitAnd)},
    {U::Binary, "numpy.bitwise_or", 2, int(BinOpKind::BitOr)},
    {U::Binary, "numpy.bitwise_xor", 2, int(BinOpKind::BitXor)},
    {U::Binary, "numpy.left_shift", 2, int(BinOpKind::LShift)},
    {U::Binary, "numpy.right_shift", 2, int(BinOpKind::RShift)},
    {U::Compare, "numpy.equal", 2, int(CmpOpKind::Eq)},
    {U::Compare, "numpy.not_equal", 2, int(CmpOpKind::NotEq)},
    {U::Compare, "numpy.less", 2, int(CmpOpKind::Lt)},
    {U::Compare, "numpy.less_equal", 2, int(CmpOpKind::LtE)},
    {U::Compare, "numpy.greater", 2, int(CmpOpKind::Gt)},
    {U::Compare, "numpy.greater_equal", 2, int(CmpOpKind::GtE)},
    {U::Negative, "numpy.negative", 1},
    {U::Positive, "numpy.positive", 1},
    {U::Invert, "numpy.invert", 1},
    {U::Invert, "numpy.bitwise_not", 1},
    {U::Absolute, "numpy.absolute", 1},
    {U::Absolute, "numpy.abs", 1},
    {U::Square, "numpy.square", 1},
    {U::Reciprocal, "numpy.reciprocal", 1},
    {U::Sign, "numpy.sign", 1},
    {U::Conjugate, "numpy.conjugate", 1},
    {U::Conjugate, "numpy.conj", 1},
    {U::LogicalNot, "numpy.logical_not", 1},
    {U::LogicalAnd, "numpy.logical_and", 2},
    {U::LogicalOr, "numpy.logical_or", 2},
    {U::LogicalXor, "numpy.logical_xor", 2},
    {U::Maximum, "numpy.maximum", 2},
    {U::Minimum, "numpy.minimum", 2},
    {U::Fmax, "numpy.fmax", 2},
    {U::Fmin, "numpy.fmin", 2},
    {U::LogAddExp, "numpy.logaddexp", 2},
    {U::LogAddExp2, "numpy.logaddexp2", 2},
    {U::Fmod, "numpy.fmod", 2},
};

} // namespace

bool mathInFloat32(const MathFunction &m, const ScalarType *t) {
  if (t->weak)
    return false;
  if (t->isFloat())
    return t->bits <= 32;
  const bool ufunc = std::string(m.path).rfind("numpy.", 0) == 0;
  return ufunc && (t->isBool() || (t->isInt() && t->bits <= 16));
}

void addUfuncBuiltins(std::unordered_map<std::string, BuiltinInfo> &table) {
  // The math functions under numpy's names (stable storage for the copies).
  static std::deque<std::string> paths;
  static std::deque<MathFunction> aliases;
  auto add = [&](const MathFunction &m) {
    BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Math};
    info.math = &m;
    table[m.path] = info;
  };
  for (auto [numpyName, mathName] : kMathAliases) {
    MathFunction m = *table.at(std::string("math.") + mathName).math;
    m.path = paths.emplace_back(std::string("numpy.") + numpyName).c_str();
    if (m.result == MathFunction::Int) // np.floor, np.ceil, np.trunc: floats, unlike math's
      m.result = MathFunction::Float;
    add(aliases.emplace_back(m));
  }
  for (const MathFunction &m : kNumpyOnly)
    add(m);
  for (const UfuncFunction &u : kUfuncs) {
    BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Ufunc};
    info.ufunc = &u;
    table[u.path] = info;
  }
}

} // namespace ptxforge::frontend
