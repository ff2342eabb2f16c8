//===- compiler/LowerOperator.cpp - operator.* and pow() as functions -----===//
//
// Each lowers exactly as the operator it names (frontend/TypeInferOperator.cpp
// typed it so): operator.add(a, b) is a + b, operator.truth(a) is bool(a).
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::operatorCall(const CallExpr *c, const OperatorFunction &f) {
  std::vector<llvm::Value *> v;
  std::vector<const Type *> t;
  for (const Expr *a : c->args) {
    v.push_back(expr(a));
    t.push_back(typeOf(a));
  }
  switch (f.kind) {
  case OperatorFunction::Binary:
    return binOp(static_cast<BinOpKind>(f.op), v[0], t[0], v[1], t[1], typeOf(c), c->span());
  case OperatorFunction::Compare:
    return compareOne(static_cast<CmpOpKind>(f.op), v[0], t[0], v[1], t[1]);
  case OperatorFunction::Truth:
    return truthy(v[0], t[0]);
  case OperatorFunction::Unary:
    return unaryOp(static_cast<UnaryOpKind>(f.op), v[0], t[0], typeOf(c), c->span());
  }
  return nullptr;
}

} // namespace ptxforge::compiler
