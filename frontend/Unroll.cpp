//===- frontend/Unroll.cpp - numba's literal_unroll ------------------------===//
//
// `for x in literal_unroll(t):` runs its body once per element of the tuple
// t, which may hold values of different types (arrays of different
// shapes, say). Before typing, each loop over literal_unroll(t) of a tuple
// whose length is known (a global, an argument, a tuple written out) gets
// one copy of its body per element, each starting with `x.k = t[k]` and
// naming x as x.k throughout, so each copy is typed on its own. The copies
// live in the TypedFunction; lowering runs them in order, `continue` going
// to the next copy and `break` past the last.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

#include <functional>

namespace ptxforge::frontend {

namespace {

/// Deep copies of statements and expressions into `ctx`, renaming one name.
class Cloner {
public:
  Cloner(AstContext &ctx, std::string from, std::string to) : ctx(ctx), from(std::move(from)), to(std::move(to)) {}

  Block block(const Block &b) {
    Block out;
    for (const Stmt *s : b)
      out.push_back(stmt(s));
    return out;
  }

  Expr *expr(const Expr *e) {
    if (!e)
      return nullptr;
    const Span &sp = e->span();
    switch (e->kind()) {
    case Expr::Kind::Name: {
      auto *n = cast<NameExpr>(e);
      return ctx.make<NameExpr>(sp, n->id == from ? to : n->id);
    }
    case Expr::Kind::IntConst: {
      auto *i = cast<IntConstExpr>(e);
      return ctx.make<IntConstExpr>(sp, i->value, i->bigUnsigned);
    }
    case Expr::Kind::FloatConst: return ctx.make<FloatConstExpr>(sp, cast<FloatConstExpr>(e)->value);
    case Expr::Kind::BoolConst: return ctx.make<BoolConstExpr>(sp, cast<BoolConstExpr>(e)->value);
    case Expr::Kind::NoneConst: return ctx.make<NoneConstExpr>(sp);
    case Expr::Kind::ComplexConst: return ctx.make<ComplexConstExpr>(sp, cast<ComplexConstExpr>(e)->value);
    case Expr::Kind::StrConst: return ctx.make<StrConstExpr>(sp, cast<StrConstExpr>(e)->value);
    case Expr::Kind::BinOp: {
      auto *b = cast<BinOpExpr>(e);
      return ctx.make<BinOpExpr>(sp, b->op, expr(b->lhs), expr(b->rhs));
    }
    case Expr::Kind::UnaryOp: {
      auto *u = cast<UnaryOpExpr>(e);
      return ctx.make<UnaryOpExpr>(sp, u->op, expr(u->operand));
    }
    case Expr::Kind::BoolOp: {
      auto *b = cast<BoolOpExpr>(e);
      return ctx.make<BoolOpExpr>(sp, b->op, exprs(b->values));
    }
    case Expr::Kind::Compare: {
      auto *c = cast<CompareExpr>(e);
      return ctx.make<CompareExpr>(sp, expr(c->left), c->ops, exprs(c->comparators));
    }
    case Expr::Kind::Call: {
      auto *c = cast<CallExpr>(e);
      std::vector<Keyword> keywords;
      for (const Keyword &k : c->keywords)
        keywords.push_back({k.span, k.name, expr(k.value)});
      return ctx.make<CallExpr>(sp, expr(c->callee), exprs(c->args), std::move(keywords));
    }
    case Expr::Kind::Attribute: {
      auto *a = cast<AttributeExpr>(e);
      return ctx.make<AttributeExpr>(sp, expr(a->value), a->attr);
    }
    case Expr::Kind::Subscript: {
      auto *s = cast<SubscriptExpr>(e);
      return ctx.make<SubscriptExpr>(sp, expr(s->value), expr(s->index));
    }
    case Expr::Kind::Tuple: return ctx.make<TupleExpr>(sp, exprs(cast<TupleExpr>(e)->elts));
    case Expr::Kind::IfExp: {
      auto *i = cast<IfExpExpr>(e);
      return ctx.make<IfExpExpr>(sp, expr(i->test), expr(i->body), expr(i->orelse));
    }
    case Expr::Kind::Slice: {
      auto *s = cast<SliceExpr>(e);
      return ctx.make<SliceExpr>(sp, expr(s->lower), expr(s->upper), expr(s->step));
    }
    case Expr::Kind::Starred: return ctx.make<StarredExpr>(sp, expr(cast<StarredExpr>(e)->value));
    }
    return nullptr;
  }

  Stmt *stmt(const Stmt *s) {
    const Span &sp = s->span();
    switch (s->kind()) {
    case Stmt::Kind::Expr: return ctx.make<ExprStmt>(sp, expr(cast<ExprStmt>(s)->value));
    case Stmt::Kind::Assign: {
      auto *a = cast<AssignStmt>(s);
      return ctx.make<AssignStmt>(sp, exprs(a->targets), expr(a->value));
    }
    case Stmt::Kind::AugAssign: {
      auto *a = cast<AugAssignStmt>(s);
      return ctx.make<AugAssignStmt>(sp, expr(a->target), a->op, expr(a->value));
    }
    case Stmt::Kind::If: {
      auto *i = cast<IfStmt>(s);
      return ctx.make<IfStmt>(sp, expr(i->test), block(i->body), block(i->orelse));
    }
    case Stmt::Kind::For: {
      auto *f = cast<ForStmt>(s);
      return ctx.make<ForStmt>(sp, expr(f->target), expr(f->iter), block(f->body), block(f->orelse));
    }
    case Stmt::Kind::While: {
      auto *w = cast<WhileStmt>(s);
      return ctx.make<WhileStmt>(sp, expr(w->test), block(w->body), block(w->orelse));
    }
    case Stmt::Kind::Break: return ctx.make<BreakStmt>(sp);
    case Stmt::Kind::Continue: return ctx.make<ContinueStmt>(sp);
    case Stmt::Kind::Return: return ctx.make<ReturnStmt>(sp, expr(cast<ReturnStmt>(s)->value));
    case Stmt::Kind::Pass: return ctx.make<PassStmt>(sp);
    case Stmt::Kind::Raise: return ctx.make<RaiseStmt>(sp, expr(cast<RaiseStmt>(s)->exc));
    case Stmt::Kind::Assert: {
      auto *a = cast<AssertStmt>(s);
      return ctx.make<AssertStmt>(sp, expr(a->test), expr(a->msg));
    }
    }
    return nullptr;
  }

private:
  std::vector<Expr *> exprs(const std::vector<Expr *> &es) {
    std::vector<Expr *> out;
    for (const Expr *e : es)
      out.push_back(expr(e));
    return out;
  }

  AstContext &ctx;
  std::string from, to;
};

} // namespace

void Inferer::unrollLoops(const Block &b, const std::vector<const Type *> &argTypes) {
  // The path a callee names through the globals: "ptxforge.literal_unroll".
  std::function<std::string(const Expr *)> pathOf = [&](const Expr *e) -> std::string {
    if (auto *n = dyn_cast<NameExpr>(e)) {
      auto it = env.find(n->id);
      return it != env.end() && it->second.kind == GlobalValue::Path ? it->second.path : "";
    }
    if (auto *a = dyn_cast<AttributeExpr>(e)) {
      std::string base = pathOf(a->value);
      return base.empty() ? "" : base + "." + a->attr;
    }
    return "";
  };
  auto lengthOf = [&](const Expr *t) -> std::optional<std::size_t> {
    if (auto *tuple = dyn_cast<TupleExpr>(t))
      return tuple->elts.size();
    auto *n = dyn_cast<NameExpr>(t);
    if (!n)
      return std::nullopt;
    const auto &params = out.fn->params;
    for (std::size_t i = 0; i < params.size(); ++i)
      if (params[i].name == n->id) {
        auto *tt = dyn_cast<TupleType>(argTypes[i]);
        return tt ? std::optional<std::size_t>(tt->elts.size()) : std::nullopt;
      }
    auto it = env.find(n->id);
    if (it != env.end() && it->second.kind == GlobalValue::Tuple)
      return it->second.elements.size();
    return std::nullopt;
  };
  auto nested = [&](const Stmt *s, auto &recurse) -> void {
    if (auto *i = dyn_cast<IfStmt>(s))
      recurse(i->body), recurse(i->orelse);
    else if (auto *w = dyn_cast<WhileStmt>(s))
      recurse(w->body), recurse(w->orelse);
  };
  std::function<void(const Block &)> walk = [&](const Block &blk) {
    for (const Stmt *s : blk) {
      nested(s, walk);
      auto *f = dyn_cast<ForStmt>(s);
      if (!f)
        continue;
      auto *call = dyn_cast<CallExpr>(f->iter);
      if (!call || pathOf(call->callee) != "ptxforge.literal_unroll") {
        walk(f->body);
        walk(f->orelse);
        continue;
      }
      if (call->args.size() != 1 || !call->keywords.empty())
        fail(call->span(), "literal_unroll() takes one tuple");
      auto *target = dyn_cast<NameExpr>(f->target);
      if (!target)
        fail(f->target->span(), "the target of a loop over literal_unroll() must be a single name");
      auto n = lengthOf(call->args[0]);
      if (!n)
        fail(call->args[0]->span(), "literal_unroll() needs a tuple whose length is known when compiling: a global "
                                    "tuple, a tuple argument, or a tuple written out");
      if (!out.unrolledNodes)
        out.unrolledNodes = std::make_shared<AstContext>(nullptr);
      AstContext &ctx = *out.unrolledNodes;
      std::vector<Block> copies;
      for (std::size_t k = 0; k < *n; ++k) {
        std::string name = target->id + "." + std::to_string(k);
        Cloner clone(ctx, target->id, name);
        Block copy;
        Expr *element = ctx.make<SubscriptExpr>(call->args[0]->span(), clone.expr(call->args[0]),
                                                ctx.make<IntConstExpr>(call->args[0]->span(),
                                                                       static_cast<std::int64_t>(k)));
        copy.push_back(ctx.make<AssignStmt>(f->target->span(),
                                            std::vector<Expr *>{ctx.make<NameExpr>(target->span(), name)}, element));
        for (Stmt *s2 : clone.block(f->body))
          copy.push_back(s2);
        copies.push_back(std::move(copy));
      }
      for (const Block &copy : copies)
        walk(copy);
      walk(f->orelse);
      out.unrolled[f] = std::move(copies);
    }
  };
  walk(b);
}

} // namespace ptxforge::frontend
