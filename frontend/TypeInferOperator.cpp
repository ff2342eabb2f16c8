//===- frontend/TypeInferOperator.cpp - operator.* and pow() as functions -===//
//
// operator.add(a, b) types as a + b, operator.lt(a, b) as a < b,
// operator.neg(a) as -a, operator.truth(a) as bool(a), pow(a, b) as a ** b:
// the operators' own rules, so a function and its operator never disagree.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const Type *Inferer::operatorCall(const CallExpr *c, const OperatorFunction &f,
                                  const std::vector<const Type *> &args) {
  std::string name = f.path;
  if (name.rfind("builtins.", 0) == 0)
    name = name.substr(std::string("builtins.").size());
  const std::size_t arity = f.kind == OperatorFunction::Binary || f.kind == OperatorFunction::Compare ? 2 : 1;
  if (f.path == std::string("builtins.pow") && args.size() == 3)
    fail(c->span(), "pow() with a modulus is not supported in kernels; write (a ** b) % m");
  if (args.size() != arity)
    fail(c->span(), name + "() takes " + std::to_string(arity) + " argument(s), got " + std::to_string(args.size()));
  std::vector<const ScalarType *> s;
  for (std::size_t i = 0; i < args.size(); ++i)
    s.push_back(scalar(args[i], c->args[i], (name + "()'s argument").c_str()));
  switch (f.kind) {
  case OperatorFunction::Binary:
    return binOp(static_cast<BinOpKind>(f.op), s[0], s[1], c->span());
  case OperatorFunction::Compare: {
    auto op = static_cast<CmpOpKind>(f.op);
    if ((s[0]->isComplex() || s[1]->isComplex()) && op != CmpOpKind::Eq && op != CmpOpKind::NotEq)
      fail(c->span(), "complex numbers have no order; compare their abs() or .real instead");
    return tc.boolType();
  }
  case OperatorFunction::Truth:
    return tc.boolType();
  case OperatorFunction::Unary:
    switch (static_cast<UnaryOpKind>(f.op)) {
    case UnaryOpKind::Not: return tc.boolType();
    case UnaryOpKind::Invert:
      if (s[0]->isFloat() || s[0]->isComplex())
        fail(c->span(), name + "() needs an integer, not " + s[0]->str());
      [[fallthrough]];
    default: return s[0]->isBool() ? tc.intType(64) : s[0];
    }
  }
  return nullptr;
}

} // namespace ptxforge::frontend
