//===- compiler/LowerGlobals.cpp - Device arrays and enums from globals ---===//
//
// A global (or closure variable) holding device memory becomes an array
// value whose data pointer, shape and strides are constants, as numba-cuda
// bakes them in: reading or writing it touches that memory directly, with no
// parameter. The Python side keeps no reference beyond the function's own
// globals, so the array must outlive the kernel's launches (as in numba).
//
// Enum members are their values; comparing them follows Python: members of
// one class are equal (and identical) when their values are, members of
// different classes never are, except that IntEnums are equal as ints.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::deviceArrayGlobal(const GlobalValue &g) {
  const ArrayType *at = deviceArrayType(g);
  llvm::Value *agg = llvm::UndefValue::get(valueType(at));
  agg = b.CreateInsertValue(agg, b.CreateIntToPtr(b.getInt64(g.address), b.getPtrTy()), {0});
  for (unsigned d = 0; d < g.shape.size(); ++d) {
    agg = b.CreateInsertValue(agg, b.getInt64(g.shape[d]), {1u, d});
    agg = b.CreateInsertValue(agg, b.getInt64(g.strides[d]), {2u, d});
  }
  return agg;
}

static const std::string *enumClass(const Type *t) {
  if (auto *e = dyn_cast<EnumType>(t))
    return &e->cls;
  if (auto *ie = dyn_cast<IntEnumType>(t))
    return &ie->cls;
  return nullptr;
}

llvm::Value *Lowerer::enumCompare(CmpOpKind op, llvm::Value *l, const Type *lt, llvm::Value *r, const Type *rt) {
  const bool identity = op == CmpOpKind::Is || op == CmpOpKind::IsNot;
  const bool negate = op == CmpOpKind::IsNot || op == CmpOpKind::NotEq;
  const std::string *lc = enumClass(lt), *rc = enumClass(rt);
  if (!(identity && (lc || rc)) && !isa<EnumType>(lt) && !isa<EnumType>(rt))
    return nullptr;
  llvm::Value *same = nullptr;
  if (lc && rc && *lc == *rc && lt->kind() == rt->kind()) {
    // One class: compare the values (a tuple's elements one by one).
    const Type *vt = isa<EnumType>(lt) ? cast<EnumType>(lt)->value : lt;
    if (auto *tt = dyn_cast<TupleType>(vt)) {
      same = b.getTrue();
      for (unsigned i = 0; i < tt->elts.size(); ++i)
        same = b.CreateAnd(same, compareOne(CmpOpKind::Eq, b.CreateExtractValue(l, {i}), tt->elts[i],
                                            b.CreateExtractValue(r, {i}), tt->elts[i]));
    } else {
      same = compareOne(CmpOpKind::Eq, l, vt, r, vt);
    }
  } else {
    same = b.getFalse(); // different classes (or an enum and something else)
  }
  return negate ? b.CreateNot(same) : same;
}

} // namespace ptxforge::compiler
