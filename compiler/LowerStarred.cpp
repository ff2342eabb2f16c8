//===- compiler/LowerStarred.cpp - `*` spreading, run-time tuple indices --===//
//
// Typing rewrote f(*t) and (*a, b) with the elements written out as t[k];
// here each spread operand is evaluated once and pinned, so every t[k]
// extracts from the same value. A tuple indexed at run time is copied into
// a small local array (its elements share one type) and read from there.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::spreadExpr(const Expr *e, const Expr *spread) {
  auto *call = dyn_cast<CallExpr>(e);
  const std::vector<Expr *> &elts = call ? call->args : cast<TupleExpr>(e)->elts;
  std::vector<const Expr *> operands;
  for (const Expr *a : elts)
    if (auto *star = dyn_cast<StarredExpr>(a)) {
      pinned[star->value] = expr(star->value);
      operands.push_back(star->value);
    }
  llvm::Value *result = expr(spread);
  for (const Expr *operand : operands)
    pinned.erase(operand);
  return result;
}

void Lowerer::storeStarred(const TupleExpr *target, llvm::Value *value, const TupleType *tt) {
  const unsigned n = static_cast<unsigned>(tt->elts.size());
  const unsigned count = static_cast<unsigned>(target->elts.size());
  unsigned star = 0;
  while (!isa<StarredExpr>(target->elts[star]))
    ++star;
  const unsigned after = count - 1 - star;
  for (unsigned i = 0; i < star; ++i)
    store(target->elts[i], b.CreateExtractValue(value, {i}), tt->elts[i]);
  std::vector<const Type *> restTypes(tt->elts.begin() + star, tt->elts.end() - after);
  const TupleType *restType = types().tupleType(restTypes);
  llvm::Value *rest = llvm::UndefValue::get(valueType(restType));
  for (unsigned k = 0; k < restTypes.size(); ++k)
    rest = b.CreateInsertValue(rest, b.CreateExtractValue(value, {star + k}), {k});
  store(cast<StarredExpr>(target->elts[star])->value, rest, restType);
  for (unsigned j = 0; j < after; ++j)
    store(target->elts[star + 1 + j], b.CreateExtractValue(value, {n - after + j}), tt->elts[n - after + j]);
}

bool Lowerer::isConstantTupleIndex(const Expr *e) const {
  if (auto *i = dyn_cast<IntConstExpr>(e)) // typing's constInt: not a literal past int64
    return !i->bigUnsigned;
  if (auto *u = dyn_cast<UnaryOpExpr>(e); u && u->op == UnaryOpKind::Minus)
    return isa<IntConstExpr>(u->operand) && !cast<IntConstExpr>(u->operand)->bigUnsigned;
  const NameRef *ref = tf.refOf(e);
  if (ref && ref->global)
    return true;
  auto *n = dyn_cast<NameExpr>(e); // a local of known value (typing reads it without typing the name)
  return n && tf.constLocals.count(n->id) && (!ref || ref->local);
}

// t[i]: a negative i counts from the end; out of range reports IndexError in
// debug mode, else reads the first element (never memory outside the tuple).
llvm::Value *Lowerer::tupleElementAtRunTime(const SubscriptExpr *s, const TupleType *tt) {
  llvm::Value *tuple = expr(s->value);
  const unsigned n = static_cast<unsigned>(tt->elts.size());
  llvm::Value *size = b.getInt64(n);
  llvm::Value *i = wrapIndex(expr(s->index), cast<ScalarType>(typeOf(s->index)), size);
  checkTupleIndex(i, size, s->span());
  i = b.CreateSelect(b.CreateICmpULT(i, size), i, b.getInt64(0));
  llvm::Type *elementType = valueType(tt->elts[0]);
  llvm::AllocaInst *items = entryAlloca(llvm::ArrayType::get(elementType, n), "tuple.items");
  for (unsigned k = 0; k < n; ++k)
    b.CreateStore(b.CreateExtractValue(tuple, {k}), b.CreateConstInBoundsGEP2_32(items->getAllocatedType(), items, 0, k));
  return b.CreateLoad(elementType, b.CreateInBoundsGEP(items->getAllocatedType(), items, {b.getInt64(0), i}));
}

} // namespace ptxforge::compiler
