//===- frontend/TypeInferStarred.cpp - `*` spreading, run-time tuple indices ===//
//
// f(*t, x) and (*a, b) become, once the tuples' lengths are known, the call
// f(t[0], t[1], x) and the tuple (a[0], a[1], b), made here as synthetic
// nodes that share the spread operand's node: the lowering evaluates that
// operand once and reuses it for every element. `first, *rest = t` binds
// rest to the tuple of the elements in between (Python gives a list; a
// kernel has no lists). t[i] with i known only at run time needs a tuple of
// one element type.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const Expr *Inferer::expandStarred(const Expr *e) {
  auto *call = dyn_cast<CallExpr>(e);
  const std::vector<Expr *> &elts = call ? call->args : cast<TupleExpr>(e)->elts;
  std::vector<std::pair<Expr *, std::size_t>> parts; // an element, or a spread operand and its length
  std::size_t count = 0;
  for (Expr *a : elts) {
    auto *star = dyn_cast<StarredExpr>(a);
    if (!star) {
      parts.push_back({a, 0});
      ++count;
      continue;
    }
    const Type *t = expr(star->value);
    if (!t)
      return nullptr;
    auto *tt = dyn_cast<TupleType>(t);
    if (!tt)
      fail(star->span(), "'*' spreads a tuple in a kernel, not " + t->str());
    parts.push_back({star, tt->elts.size()});
    count += tt->elts.size();
  }
  if (auto it = out.rewrites.find(e); it != out.rewrites.end()) {
    const Expr *done = it->second;
    std::size_t made = isa<CallExpr>(done) ? cast<CallExpr>(done)->args.size() : cast<TupleExpr>(done)->elts.size();
    if (made == count)
      return done;
  }
  auto keep = [&](std::unique_ptr<Expr> node) {
    out.synthesized.push_back(std::move(node));
    return out.synthesized.back().get();
  };
  std::vector<Expr *> spread;
  for (auto [a, length] : parts) {
    auto *star = dyn_cast<StarredExpr>(a);
    if (!star) {
      spread.push_back(a);
      continue;
    }
    for (std::size_t k = 0; k < length; ++k) {
      Expr *index = keep(std::make_unique<IntConstExpr>(star->span(), static_cast<std::int64_t>(k)));
      spread.push_back(keep(std::make_unique<SubscriptExpr>(star->span(), star->value, index)));
    }
  }
  Expr *made = call ? keep(std::make_unique<CallExpr>(e->span(), call->callee, std::move(spread), call->keywords))
                    : keep(std::make_unique<TupleExpr>(e->span(), std::move(spread)));
  out.rewrites[e] = made;
  return made;
}

void Inferer::assignStarred(const TupleExpr *target, const TupleType *value, const Span &at) {
  std::size_t star = target->elts.size();
  for (std::size_t i = 0; i < target->elts.size(); ++i) {
    if (!isa<StarredExpr>(target->elts[i]))
      continue;
    if (star != target->elts.size())
      fail(target->elts[i]->span(), "only one '*' name may take the rest of a tuple");
    star = i;
  }
  const std::size_t named = target->elts.size() - 1, n = value->elts.size();
  if (n < named)
    fail(at, "cannot unpack a tuple of " + std::to_string(n) + " values into " + std::to_string(named) +
                 " names and a '*' name");
  const std::size_t after = named - star;
  for (std::size_t i = 0; i < star; ++i)
    assignTo(target->elts[i], value->elts[i], at);
  std::vector<const Type *> rest(value->elts.begin() + static_cast<std::ptrdiff_t>(star),
                                 value->elts.end() - static_cast<std::ptrdiff_t>(after));
  assignTo(cast<StarredExpr>(target->elts[star])->value, tc.tupleType(std::move(rest)), at);
  for (std::size_t j = 0; j < after; ++j)
    assignTo(target->elts[star + 1 + j], value->elts[n - after + j], at);
}

const Type *Inferer::tupleIndexedAtRunTime(const SubscriptExpr *s, const TupleType *tt) {
  if (!integer(expr(s->index), s->index, "a tuple index"))
    return nullptr;
  if (tt->elts.empty())
    fail(s->span(), "the empty tuple cannot be indexed");
  for (const Type *e : tt->elts)
    if (e != tt->elts[0])
      fail(s->index->span(), "a tuple index known only at run time needs a tuple whose elements all have one type, "
                             "not " + tt->str() + "; index it with a constant");
  return tt->elts[0];
}

} // namespace ptxforge::frontend
