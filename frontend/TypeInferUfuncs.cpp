//===- frontend/TypeInferUfuncs.cpp - numpy ufuncs on numbers -------------===//
//
// The result types numpy gives its ufuncs on scalars: the operators' for
// add ... right_shift and the comparisons, bool for the logical ones, the
// argument's type for negative, absolute (a complex's part type), square,
// sign and the like, the promoted type for maximum/minimum/fmod, and a float
// (float32 for float32) for logaddexp.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const Type *Inferer::ufuncCall(const CallExpr *c, const UfuncFunction &f, const std::vector<const Type *> &args) {
  const std::string name = "np." + std::string(f.path).substr(sizeof("numpy.") - 1) + "()";
  if (args.size() != static_cast<std::size_t>(f.arity))
    fail(c->span(), name + " takes " + std::to_string(f.arity) + " argument(s), got " + std::to_string(args.size()));
  std::vector<const ScalarType *> s;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (isa<ArrayType>(args[i]))
      fail(c->args[i]->span(), name + " in a kernel works on numbers, not on whole arrays; apply it to each element");
    s.push_back(scalar(args[i], c->args[i], (name + "'s argument").c_str()));
  }
  using U = UfuncFunction;
  auto real = [&](std::size_t i) {
    if (s[i]->isComplex())
      fail(c->args[i]->span(), name + " needs real numbers, not " + s[i]->str());
    return s[i];
  };
  switch (f.kind) {
  case U::Binary: return binOp(static_cast<BinOpKind>(f.op), s[0], s[1], c->span());
  case U::Compare: {
    auto op = static_cast<CmpOpKind>(f.op);
    if ((s[0]->isComplex() || s[1]->isComplex()) && op != CmpOpKind::Eq && op != CmpOpKind::NotEq)
      fail(c->span(), name + " needs ordered numbers; complex numbers have no order");
    return tc.boolType();
  }
  case U::Negative:
  case U::Positive:
  case U::Square:
  case U::Reciprocal:
    return s[0]->isBool() ? tc.intType(64) : s[0];
  case U::Invert:
    if (s[0]->isFloat() || s[0]->isComplex())
      fail(c->args[0]->span(), name + " needs an integer or bool, not " + s[0]->str());
    return s[0];
  case U::Absolute: return s[0]->isComplex() ? complexPart(s[0]) : s[0];
  case U::Sign: return real(0);
  case U::Conjugate: return s[0];
  case U::LogicalNot:
  case U::LogicalAnd:
  case U::LogicalOr:
  case U::LogicalXor: return tc.boolType();
  case U::Maximum:
  case U::Minimum:
  case U::Fmax:
  case U::Fmin:
  case U::Fmod:
    real(0), real(1);
    return promote(s[0], s[1]);
  case U::LogAddExp:
  case U::LogAddExp2: {
    const ScalarType *t = promote(real(0), real(1));
    return t->isFloat() && !t->weak && t->bits <= 32 ? tc.floatType(32) : tc.floatType(64, t->weak);
  }
  }
  fail(c->span(), "this ufunc cannot be called");
}

} // namespace ptxforge::frontend
