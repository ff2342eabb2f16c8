//===- frontend/AstWalk.cpp - Visiting a tree's direct children -----------===//

#include "frontend/AstWalk.h"

namespace ptxforge::frontend {

void forEachChild(const Expr *e, const std::function<void(const Expr *)> &f) {
  switch (e->kind()) {
  case Expr::Kind::BinOp: f(cast<BinOpExpr>(e)->lhs), f(cast<BinOpExpr>(e)->rhs); return;
  case Expr::Kind::UnaryOp: f(cast<UnaryOpExpr>(e)->operand); return;
  case Expr::Kind::BoolOp:
    for (const Expr *v : cast<BoolOpExpr>(e)->values)
      f(v);
    return;
  case Expr::Kind::Compare:
    f(cast<CompareExpr>(e)->left);
    for (const Expr *v : cast<CompareExpr>(e)->comparators)
      f(v);
    return;
  case Expr::Kind::Call: {
    auto *c = cast<CallExpr>(e);
    f(c->callee);
    for (const Expr *a : c->args)
      f(a);
    for (const Keyword &k : c->keywords)
      f(k.value);
    return;
  }
  case Expr::Kind::Attribute: f(cast<AttributeExpr>(e)->value); return;
  case Expr::Kind::Subscript: f(cast<SubscriptExpr>(e)->value), f(cast<SubscriptExpr>(e)->index); return;
  case Expr::Kind::Tuple:
    for (const Expr *v : cast<TupleExpr>(e)->elts)
      f(v);
    return;
  case Expr::Kind::IfExp: {
    auto *i = cast<IfExpExpr>(e);
    f(i->test), f(i->body), f(i->orelse);
    return;
  }
  case Expr::Kind::Slice: {
    auto *s = cast<SliceExpr>(e);
    for (const Expr *p : {s->lower, s->upper, s->step})
      if (p)
        f(p);
    return;
  }
  case Expr::Kind::Starred: f(cast<StarredExpr>(e)->value); return;
  default: return;
  }
}

} // namespace ptxforge::frontend
