//===- frontend/TypeInferRaise.cpp - raise and assert ---------------------===//
//
// `raise Error` and `raise Error(args...)` name an exception class the host
// knows (a global resolved by the Python side) and give it constant
// arguments, as numba-cuda requires: the device reports which raise ran and
// the host builds the exception. How it runs is compiler/LowerChecks.cpp's
// business (debug mode reports it; otherwise the thread just ends).
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

bool Inferer::isConstantArgument(const Expr *e) const {
  if (isa<StrConstExpr>(e) || isa<IntConstExpr>(e) || isa<FloatConstExpr>(e) || isa<BoolConstExpr>(e) ||
      isa<NoneConstExpr>(e))
    return true;
  if (auto *u = dyn_cast<UnaryOpExpr>(e))
    return (u->op == UnaryOpKind::Minus || u->op == UnaryOpKind::Plus) &&
           (isa<IntConstExpr>(u->operand) || isa<FloatConstExpr>(u->operand));
  if (auto *n = dyn_cast<NameExpr>(e); n && !localByName.count(n->id)) {
    auto it = env.find(n->id);
    return it != env.end() && it->second.kind == GlobalValue::Constant && !it->second.type->isComplex();
  }
  return false;
}

void Inferer::raiseStmt(const RaiseStmt *r) {
  if (!r->exc)
    fail(r->span(), "a bare 'raise' (re-raising) is not supported in kernels; raise an exception class");
  auto *call = dyn_cast<CallExpr>(r->exc);
  const Expr *cls = call ? call->callee : r->exc;
  auto *name = dyn_cast<NameExpr>(cls);
  const GlobalValue *g = nullptr;
  if (name && !localByName.count(name->id))
    if (auto it = env.find(name->id); it != env.end())
      g = &it->second;
  if (!g || g->kind != GlobalValue::ExceptionClass)
    fail(cls->span(), "a kernel raises an exception class by its name, as in 'raise ValueError' or "
                      "'raise ValueError(\"message\")'");
  out.refs[cls] = NameRef{nullptr, g, nullptr};
  if (call) {
    if (!call->keywords.empty())
      fail(call->keywords.front().span, "an exception raised in a kernel takes positional arguments only");
    for (const Expr *a : call->args)
      if (!isConstantArgument(a))
        fail(a->span(), "an exception raised in a kernel takes constant arguments (strings and numbers written "
                        "in place, or global constants); the device cannot send other values to the host");
  }
}

} // namespace ptxforge::frontend
