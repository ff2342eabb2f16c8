//===- compiler/LowerGpuAtomics.cpp - pf.atomic.* on array elements -------===//
//
// Each atomic is one LLVM atomicrmw or cmpxchg (relaxed, system scope, as
// numba's) on the element's pointer, returning the old value. The element
// pointer comes from Lowerer::elementPointer, so indices wrap and stride
// exactly as in `ary[idx]`. Float min/max keep numba's NaN rules with a
// compare-and-swap loop:
//
//   max/min        a NaN value, or a NaN already stored, leaves the element
//   nanmax/nanmin  a NaN value leaves the element; a stored NaN is replaced
//
// inc and dec are atomicrmw uinc_wrap/udec_wrap, CUDA's atomicInc/atomicDec:
// inc stores (old >= val) ? 0 : old + 1, dec (old == 0 || old > val) ? val : old - 1.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"

namespace ptxforge::compiler {

using namespace frontend;
using G = GpuIntrinsic;

// The element pointer of ary[idx]. A literal index (`i` or `(i, j)`) goes
// through Lowerer::elementPointer on a Subscript built over the call's own
// argument nodes (spanning the call, which the debug mode reports); an index
// held in a tuple variable is unpacked here with the same arithmetic
// (Python's negative indices, byte strides) and the same checks.
llvm::Value *elementPointerOf(Lowerer &L, const CallExpr *c, const Expr *ary, const Expr *idx) {
  const ArrayType *at = nullptr;
  auto *tt = dyn_cast<TupleType>(L.typeOf(idx));
  if (!tt || isa<TupleExpr>(idx)) {
    SubscriptExpr sub(c->span(), const_cast<Expr *>(ary), const_cast<Expr *>(idx));
    return L.elementPointer(&sub, at);
  }
  auto &b = L.b;
  llvm::Value *array = L.expr(ary);
  llvm::Value *tuple = L.expr(idx);
  llvm::Value *offset = b.getInt64(0);
  std::vector<Lowerer::CheckedIndex> checked;
  for (unsigned d = 0; d < tt->elts.size(); ++d) {
    auto *it = cast<ScalarType>(tt->elts[d]);
    llvm::Value *raw = b.CreateExtractValue(tuple, {d});
    llvm::Value *i = L.wrapIndex(raw, it, b.CreateExtractValue(array, {1u, d}));
    if (L.options.debug)
      checked.push_back({d, L.wrapIndex(raw, it, nullptr), i});
    offset = b.CreateAdd(offset, b.CreateMul(i, b.CreateExtractValue(array, {2u, d})));
  }
  L.checkIndices(c->span(), cast<ArrayType>(L.typeOf(ary)), array, checked);
  return b.CreateInBoundsGEP(b.getInt8Ty(), b.CreateExtractValue(array, {0}), offset);
}

namespace {

// Float max/min by compare-and-swap on the bits (numba's semantics above).
llvm::Value *floatMinMax(Lowerer &L, G id, llvm::Value *ptr, llvm::Value *val, llvm::Align align) {
  auto &b = L.b;
  llvm::Type *ft = val->getType();
  llvm::Type *it = b.getIntNTy(ft->getPrimitiveSizeInBits());
  bool isMax = id == G::AtomicMax || id == G::AtomicNanMax;
  bool nanAware = id == G::AtomicNanMax || id == G::AtomicNanMin;
  llvm::BasicBlock *entry = b.GetInsertBlock();
  auto *check = llvm::BasicBlock::Create(L.ctx, "atomic.minmax.check", L.fn);
  auto *attempt = llvm::BasicBlock::Create(L.ctx, "atomic.minmax.cas", L.fn);
  auto *done = llvm::BasicBlock::Create(L.ctx, "atomic.minmax.done", L.fn);
  llvm::Value *first = b.CreateBitCast(b.CreateAlignedLoad(it, ptr, align, /*isVolatile=*/true), ft);
  llvm::Value *skip = nanAware ? b.CreateFCmpUNO(val, val) : b.CreateFCmpUNO(val, first);
  b.CreateCondBr(skip, done, check);

  b.SetInsertPoint(check);
  llvm::PHINode *old = b.CreatePHI(ft, 2, "old");
  old->addIncoming(first, entry);
  // Replace while the stored value is beaten by `val` (or, for nan*, is NaN).
  llvm::Value *beaten = isMax ? (nanAware ? b.CreateFCmpULT(old, val) : b.CreateFCmpOLT(old, val))
                              : (nanAware ? b.CreateFCmpUGT(old, val) : b.CreateFCmpOGT(old, val));
  b.CreateCondBr(beaten, attempt, done);

  b.SetInsertPoint(attempt);
  llvm::Value *pair = b.CreateAtomicCmpXchg(ptr, b.CreateBitCast(old, it), b.CreateBitCast(val, it), align,
                                            llvm::AtomicOrdering::Monotonic, llvm::AtomicOrdering::Monotonic);
  llvm::Value *seen = b.CreateBitCast(b.CreateExtractValue(pair, {0}), ft);
  old->addIncoming(seen, attempt);
  b.CreateCondBr(b.CreateExtractValue(pair, {1}), done, check);

  b.SetInsertPoint(done);
  llvm::PHINode *result = b.CreatePHI(ft, 3, "atomic.old");
  result->addIncoming(first, entry);
  result->addIncoming(old, check);
  result->addIncoming(old, attempt);
  return result;
}

} // namespace

llvm::Value *lowerAtomic(Lowerer &L, const CallExpr *c, G id) {
  auto &b = L.b;
  std::vector<const Expr *> a = bindGpuArgs(c, id);
  auto *at = cast<ArrayType>(L.typeOf(a[0]));
  const ScalarType *dt = at->dtype;
  llvm::Value *ptr;
  std::size_t next;
  if (id == G::AtomicCompareAndSwap) { // compare_and_swap(ary, old, val) works on ary[0]
    ptr = b.CreateExtractValue(L.expr(a[0]), {0});
    next = 1;
  } else {
    ptr = elementPointerOf(L, c, a[0], a[1]);
    next = 2;
  }
  auto value = [&](std::size_t i) { return L.convert(L.expr(a[i]), L.typeOf(a[i]), dt, a[i]->span()); };
  llvm::Align align(dt->byteSize());
  const bool isFloat = dt->isFloat(), isSigned = dt->isSigned;
  using Op = llvm::AtomicRMWInst::BinOp;
  auto rmw = [&](Op op, llvm::Value *v) {
    return b.CreateAtomicRMW(op, ptr, v, align, llvm::AtomicOrdering::Monotonic);
  };
  if (isFloat && dt->bits == 16)
    requireSm70(L, c->span(), std::string(gpuSignature(id).name) + "() on float16");

  switch (id) {
  case G::AtomicAdd: return rmw(isFloat ? Op::FAdd : Op::Add, value(next));
  case G::AtomicSub: return rmw(isFloat ? Op::FSub : Op::Sub, value(next));
  case G::AtomicAnd: return rmw(Op::And, value(next));
  case G::AtomicOr: return rmw(Op::Or, value(next));
  case G::AtomicXor: return rmw(Op::Xor, value(next));
  case G::AtomicExch: return rmw(Op::Xchg, value(next));
  case G::AtomicInc: return rmw(Op::UIncWrap, value(next));
  case G::AtomicDec: return rmw(Op::UDecWrap, value(next));
  case G::AtomicMax:
  case G::AtomicNanMax:
    if (!isFloat)
      return rmw(isSigned ? Op::Max : Op::UMax, value(next));
    return floatMinMax(L, id, ptr, value(next), align);
  case G::AtomicMin:
  case G::AtomicNanMin:
    if (!isFloat)
      return rmw(isSigned ? Op::Min : Op::UMin, value(next));
    return floatMinMax(L, id, ptr, value(next), align);
  case G::AtomicCas:
  case G::AtomicCompareAndSwap: {
    // Compared as bits, like CUDA's atomicCAS; floats are allowed too.
    llvm::Value *expected = value(next), *desired = value(next + 1);
    llvm::Type *vt = expected->getType();
    if (isFloat) {
      llvm::Type *it = b.getIntNTy(dt->bits);
      expected = b.CreateBitCast(expected, it);
      desired = b.CreateBitCast(desired, it);
    }
    llvm::Value *pair = b.CreateAtomicCmpXchg(ptr, expected, desired, align, llvm::AtomicOrdering::Monotonic,
                                              llvm::AtomicOrdering::Monotonic);
    llvm::Value *old = b.CreateExtractValue(pair, {0});
    return isFloat ? b.CreateBitCast(old, vt) : old;
  }
  default: break;
  }
  fail(c->span(), "this atomic cannot be compiled");
}

} // namespace ptxforge::compiler
