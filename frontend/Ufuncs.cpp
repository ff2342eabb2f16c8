//===- frontend/Ufuncs.cpp - numpy's ufuncs called on numbers --------------===//
//
// np.sin(x), np.add(a, b), np.maximum(x, y) ... on numbers in kernels, as
// numba-cuda allows. The ufuncs that are math functions reuse the math
// machinery under their numpy names (floor, ceil, trunc and rint returning
// floats, as numpy's do); the others are UfuncFunction entries.
//
//===----------------------------------------------------------------------===//

#include "frontend/Ast.h"
#include "frontend/Builtins.h"

namespace ptxforge::frontend {

namespace {

using M = MathFunction;
const double kDegree = 3.141592653589793 / 180.0;

const MathFunction kNumpyMath[] = {
    {"numpy.sin", 1, "__nv_sin", "__nv_sinf"},          {"numpy.cos", 1, "__nv_cos", "__nv_cosf"},
    {"numpy.tan", 1, "__nv_tan", "__nv_tanf"},          {"numpy.arcsin", 1, "__nv_asin", "__nv_asinf"},
    {"numpy.arccos", 1, "__nv_acos", "__nv_acosf"},     {"numpy.arctan", 1, "__nv_atan", "__nv_atanf"},
    {"numpy.arctan2", 2, "__nv_atan2", "__nv_atan2f"},  {"numpy.hypot", 2, "__nv_hypot", "__nv_hypotf"},
    {"numpy.sinh", 1, "__nv_sinh", "__nv_sinhf"},       {"numpy.cosh", 1, "__nv_cosh", "__nv_coshf"},
    {"numpy.tanh", 1, "__nv_tanh", "__nv_tanhf"},       {"numpy.arcsinh", 1, "__nv_asinh", "__nv_asinhf"},
    {"numpy.arccosh", 1, "__nv_acosh", "__nv_acoshf"},  {"numpy.arctanh", 1, "__nv_atanh", "__nv_atanhf"},
    {"numpy.exp", 1, "__nv_exp", "__nv_expf"},          {"numpy.exp2", 1, "__nv_exp2", "__nv_exp2f"},
    {"numpy.expm1", 1, "__nv_expm1", "__nv_expm1f"},    {"numpy.log", 1, "__nv_log", "__nv_logf"},
    {"numpy.log2", 1, "__nv_log2", "__nv_log2f"},       {"numpy.log10", 1, "__nv_log10", "__nv_log10f"},
    {"numpy.log1p", 1, "__nv_log1p", "__nv_log1pf"},    {"numpy.sqrt", 1, "__nv_sqrt", "__nv_sqrtf"},
    {"numpy.cbrt", 1, "__nv_cbrt", "__nv_cbrtf"},       {"numpy.fabs", 1, "__nv_fabs", "__nv_fabsf"},
    {"numpy.floor", 1, "__nv_floor", "__nv_floorf"},    {"numpy.ceil", 1, "__nv_ceil", "__nv_ceilf"},
    {"numpy.trunc", 1, "__nv_trunc", "__nv_truncf"},    {"numpy.rint", 1, "__nv_rint", "__nv_rintf"},
    {"numpy.copysign", 2, "__nv_copysign", "__nv_copysignf"},
    {"numpy.nextafter", 2, "__nv_nextafter", "__nv_nextafterf"},
    {"numpy.isnan", 1, "__nv_isnand", "__nv_isnanf", M::Bool},
    {"numpy.isinf", 1, "__nv_isinfd", "__nv_isinff", M::Bool},
    {"numpy.isfinite", 1, "__nv_isfinited", "__nv_finitef", M::Bool},
    {"numpy.signbit", 1, "__nv_signbitd", "__nv_signbitf", M::Bool},
    {"numpy.ldexp", 2, "__nv_ldexp", "__nv_ldexpf", M::Ldexp},
    {"numpy.frexp", 1, "__nv_frexp", "__nv_frexpf", M::Frexp},
    {"numpy.modf", 1, "__nv_modf", "__nv_modff", M::Modf},
    {"numpy.deg2rad", 1, nullptr, nullptr, M::Float, kDegree},
    {"numpy.radians", 1, nullptr, nullptr, M::Float, kDegree},
    {"numpy.rad2deg", 1, nullptr, nullptr, M::Float, 1 / kDegree},
    {"numpy.degrees", 1, nullptr, nullptr, M::Float, 1 / kDegree},
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

void addUfuncBuiltins(std::unordered_map<std::string, BuiltinInfo> &table) {
  for (const MathFunction &m : kNumpyMath) {
    BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Math};
    info.math = &m;
    table[m.path] = info;
  }
  for (const UfuncFunction &u : kUfuncs) {
    BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Ufunc};
    info.ufunc = &u;
    table[u.path] = info;
  }
}

} // namespace ptxforge::frontend
