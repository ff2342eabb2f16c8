//===- compiler/LowerArrays.cpp - Array methods and numpy reductions ------===//
//
// A reduction is one thread's loop nest over every element (each axis in
// turn, strides honoured), accumulating in a local that mem2reg turns into a
// register, with NumPy's rules: NaN propagates through min/max/sum/mean and
// is skipped by the nan* forms; 16-bit floats accumulate in float32; var is
// two passes (the mean, then the mean squared distance). copy() fills a new
// C-ordered array on the thread's stack (static where the shape is a
// constant, as for a global or local array); view() reinterprets the bytes.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"
#include "frontend/ArrayMethods.h"

#include <limits>

namespace ptxforge::compiler {

using namespace frontend;

void Lowerer::forEachElement(llvm::Value *array, const ArrayType *at,
                             const std::function<void(llvm::Value *)> &body) {
  const unsigned nd = static_cast<unsigned>(at->ndim);
  llvm::Value *data = b.CreateExtractValue(array, {0});
  std::function<void(unsigned, llvm::Value *)> nest = [&](unsigned d, llvm::Value *offset) {
    if (d == nd) {
      body(b.CreateInBoundsGEP(b.getInt8Ty(), data, offset));
      return;
    }
    llvm::Value *extent = b.CreateExtractValue(array, {1u, d});
    llvm::Value *stride = b.CreateExtractValue(array, {2u, d});
    llvm::BasicBlock *pre = b.GetInsertBlock();
    auto *loop = llvm::BasicBlock::Create(ctx, "each.axis", fn);
    auto *next = llvm::BasicBlock::Create(ctx, "each.next", fn);
    b.CreateCondBr(b.CreateICmpSGT(extent, b.getInt64(0)), loop, next);
    b.SetInsertPoint(loop);
    llvm::PHINode *i = b.CreatePHI(b.getInt64Ty(), 2);
    i->addIncoming(b.getInt64(0), pre);
    nest(d + 1, b.CreateAdd(offset, b.CreateMul(i, stride)));
    llvm::Value *step = b.CreateAdd(i, b.getInt64(1));
    i->addIncoming(step, b.GetInsertBlock());
    b.CreateCondBr(b.CreateICmpSLT(step, extent), loop, next);
    b.SetInsertPoint(next);
  };
  nest(0, b.getInt64(0));
}

namespace {

/// NaN test of a float or complex value; false for other types.
llvm::Value *isNan(Lowerer &L, llvm::Value *v, const ScalarType *t) {
  if (t->isComplex()) {
    auto [re, im] = L.splitComplex(v);
    return L.b.CreateOr(L.b.CreateFCmpUNO(re, re), L.b.CreateFCmpUNO(im, im));
  }
  return t->isFloat() ? L.b.CreateFCmpUNO(v, v) : L.b.getFalse();
}

/// The value of `t` that every element is at most (`high`) or at least.
llvm::Value *extreme(Lowerer &L, const ScalarType *t, bool high) {
  llvm::Type *lt = L.valueType(t);
  if (t->isFloat())
    return llvm::ConstantFP::getInfinity(lt, !high);
  if (t->isBool())
    return L.b.getInt1(high);
  unsigned bits = lt->getIntegerBitWidth();
  if (!t->isSigned)
    return high ? llvm::ConstantInt::get(lt, llvm::APInt::getMaxValue(bits))
                : llvm::ConstantInt::get(lt, 0);
  return llvm::ConstantInt::get(lt, high ? llvm::APInt::getSignedMaxValue(bits) : llvm::APInt::getSignedMinValue(bits));
}

} // namespace

llvm::Value *Lowerer::arrayMethod(const CallExpr *c, const std::string &path) {
  const ArrayOp op = arrayOpOf(path);
  const bool method = isArrayMethodPath(path);
  const Expr *arrayExpr = method ? cast<frontend::AttributeExpr>(c->callee)->value : c->args[0];
  auto *at = cast<ArrayType>(typeOf(arrayExpr));
  const ScalarType *dt = at->dtype;
  const Type *rt = typeOf(c);
  const Span &span = c->span();
  llvm::Value *array = expr(arrayExpr);
  TypeContext &tc = types();

  // The number of elements (as int64).
  auto count = [&] {
    llvm::Value *n = b.getInt64(1);
    for (unsigned d = 0; d < static_cast<unsigned>(at->ndim); ++d)
      n = b.CreateMul(n, b.CreateExtractValue(array, {1u, d}));
    return n;
  };
  // A local accumulator of type `t`, starting at `init`.
  auto local = [&](const Type *t, llvm::Value *init) {
    llvm::AllocaInst *slot = entryAlloca(valueType(t), "acc");
    b.CreateStore(init, slot);
    return slot;
  };
  auto get = [&](llvm::AllocaInst *slot) { return b.CreateLoad(slot->getAllocatedType(), slot); };
  auto element = [&](llvm::Value *ptr) { return loadElement(ptr, dt); };
  const bool nanSkipping = op == ArrayOp::NanSum || op == ArrayOp::NanProd || op == ArrayOp::NanMean ||
                           op == ArrayOp::NanVar || op == ArrayOp::NanStd;
  // Where a float accumulates: float32 for the 16-bit floats.
  auto widened = [&](const ScalarType *t) {
    return t->isFloat() && t->bits == 16 ? tc.floatType(32) : t;
  };
  auto zero = [&](const ScalarType *t) { return convert(b.getInt64(0), tc.intType(64), t, span); };

  // Sums (of the elements, or of a function of them) over the elements that
  // count, returning (sum, how many counted).
  auto accumulate = [&](const ScalarType *accType, BinOpKind with, llvm::Value *identity,
                        const std::function<llvm::Value *(llvm::Value *)> &term) {
    llvm::AllocaInst *acc = local(accType, identity);
    llvm::AllocaInst *n = local(tc.intType(64), b.getInt64(0));
    forEachElement(array, at, [&](llvm::Value *ptr) {
      llvm::Value *v = element(ptr);
      llvm::Value *t = term(v);
      llvm::Value *next = binOp(with, get(acc), accType, t, accType, accType, span);
      llvm::Value *counts = nanSkipping ? b.CreateNot(isNan(*this, v, dt)) : b.getTrue();
      b.CreateStore(b.CreateSelect(counts, next, get(acc)), acc);
      b.CreateStore(b.CreateAdd(get(n), b.CreateZExt(counts, b.getInt64Ty())), n);
    });
    return std::pair<llvm::Value *, llvm::Value *>{get(acc), get(n)};
  };

  switch (op) {
  case ArrayOp::Sum:
  case ArrayOp::NanSum:
  case ArrayOp::Prod:
  case ArrayOp::NanProd: {
    auto *rst = cast<ScalarType>(rt);
    const ScalarType *accType = widened(rst);
    const bool product = op == ArrayOp::Prod || op == ArrayOp::NanProd;
    llvm::Value *identity = convert(b.getInt64(product ? 1 : 0), tc.intType(64), accType, span);
    auto [sum, n] = accumulate(accType, product ? BinOpKind::Mul : BinOpKind::Add, identity,
                               [&](llvm::Value *v) { return convert(v, dt, accType, span); });
    (void)n;
    return convert(sum, accType, rst, span);
  }
  case ArrayOp::Mean:
  case ArrayOp::NanMean:
  case ArrayOp::Var:
  case ArrayOp::NanVar:
  case ArrayOp::Std:
  case ArrayOp::NanStd: {
    // The mean in the accumulating type (float64 for ints, float32 for 16-bit floats).
    const ScalarType *meanType = widened(dt->isBool() || dt->isInt() ? tc.floatType(64) : dt);
    auto [sum, n] = accumulate(meanType, BinOpKind::Add, zero(meanType),
                               [&](llvm::Value *v) { return convert(v, dt, meanType, span); });
    const ScalarType *countType = meanType->isComplex() ? complexPart(meanType) : meanType;
    llvm::Value *mean = binOp(BinOpKind::Div, sum, meanType, convert(n, tc.intType(64), countType, span), countType,
                              meanType, span);
    if (op == ArrayOp::Mean || op == ArrayOp::NanMean)
      return convert(mean, meanType, rt, span);
    // The mean squared distance from the mean (|v - mean|^2 for complex).
    const ScalarType *sqType = countType;
    auto [ssd, n2] = accumulate(sqType, BinOpKind::Add, zero(sqType), [&](llvm::Value *v) -> llvm::Value * {
      llvm::Value *d = binOp(BinOpKind::Sub, convert(v, dt, meanType, span), meanType, mean, meanType, meanType, span);
      if (!meanType->isComplex())
        return binOp(BinOpKind::Mul, d, meanType, d, meanType, meanType, span);
      auto [re, im] = splitComplex(d);
      return binOp(BinOpKind::Add, binOp(BinOpKind::Mul, re, sqType, re, sqType, sqType, span), sqType,
                   binOp(BinOpKind::Mul, im, sqType, im, sqType, sqType, span), sqType, sqType, span);
    });
    llvm::Value *var = binOp(BinOpKind::Div, ssd, sqType, convert(n2, tc.intType(64), sqType, span), sqType, sqType,
                             span);
    if (op == ArrayOp::Std || op == ArrayOp::NanStd)
      var = b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, var);
    return convert(var, sqType, rt, span);
  }
  case ArrayOp::Min:
  case ArrayOp::Max:
  case ArrayOp::NanMin:
  case ArrayOp::NanMax:
  case ArrayOp::ArgMin:
  case ArrayOp::ArgMax: {
    // min/max: NaN wins; nanmin/nanmax: NaN loses (all NaN gives NaN);
    // argmin/argmax: the first extreme element, or the first NaN.
    const bool high = op == ArrayOp::Max || op == ArrayOp::NanMax || op == ArrayOp::ArgMax;
    const bool skipNan = op == ArrayOp::NanMin || op == ArrayOp::NanMax;
    const bool isFloat = dt->isFloat();
    llvm::Value *start = skipNan && isFloat ? llvm::ConstantFP::getNaN(valueType(dt)) : extreme(*this, dt, !high);
    llvm::AllocaInst *best = local(dt, start);
    llvm::AllocaInst *where = local(tc.intType(64), b.getInt64(0));
    llvm::AllocaInst *index = local(tc.intType(64), b.getInt64(0));
    forEachElement(array, at, [&](llvm::Value *ptr) {
      llvm::Value *v = element(ptr), *cur = get(best);
      llvm::Value *better = compareOne(high ? CmpOpKind::Gt : CmpOpKind::Lt, v, dt, cur, dt);
      if (isFloat) {
        llvm::Value *vNan = b.CreateFCmpUNO(v, v), *curNan = b.CreateFCmpUNO(cur, cur);
        better = skipNan ? b.CreateOr(better, curNan) : b.CreateOr(better, b.CreateAnd(vNan, b.CreateNot(curNan)));
      }
      b.CreateStore(b.CreateSelect(better, v, cur), best);
      b.CreateStore(b.CreateSelect(better, get(index), get(where)), where);
      b.CreateStore(b.CreateAdd(get(index), b.getInt64(1)), index);
    });
    return op == ArrayOp::ArgMin || op == ArrayOp::ArgMax ? get(where) : get(best);
  }
  case ArrayOp::All:
  case ArrayOp::Any: {
    const bool all = op == ArrayOp::All;
    llvm::AllocaInst *acc = local(tc.boolType(), b.getInt1(all));
    forEachElement(array, at, [&](llvm::Value *ptr) {
      llvm::Value *t = truthy(element(ptr), dt);
      b.CreateStore(all ? b.CreateAnd(get(acc), t) : b.CreateOr(get(acc), t), acc);
    });
    return get(acc);
  }
  case ArrayOp::CountNonzero: {
    llvm::AllocaInst *acc = local(tc.intType(64), b.getInt64(0));
    forEachElement(array, at, [&](llvm::Value *ptr) {
      b.CreateStore(b.CreateAdd(get(acc), b.CreateZExt(truthy(element(ptr), dt), b.getInt64Ty())), acc);
    });
    return get(acc);
  }
  case ArrayOp::Copy: {
    auto *ct = cast<ArrayType>(rt);
    const std::int64_t item = dt->byteSize();
    llvm::Value *n = count();
    llvm::Value *data;
    if (auto *k = llvm::dyn_cast<llvm::ConstantInt>(n)) { // a constant shape: a static local array
      auto *ty = llvm::ArrayType::get(b.getInt8Ty(), std::max<std::uint64_t>(k->getZExtValue() * item, 1));
      llvm::AllocaInst *slot = entryAlloca(ty, "copy");
      slot->setAlignment(llvm::Align(16));
      data = slot;
    } else {
      llvm::AllocaInst *slot = b.CreateAlloca(b.getInt8Ty(), b.CreateMul(n, b.getInt64(item)), "copy");
      slot->setAlignment(llvm::Align(16));
      data = slot;
    }
    llvm::Value *copy = llvm::UndefValue::get(valueType(ct));
    copy = b.CreateInsertValue(copy, data, {0});
    llvm::Value *stride = b.getInt64(item);
    for (int d = at->ndim - 1; d >= 0; --d) {
      llvm::Value *extent = b.CreateExtractValue(array, {1u, static_cast<unsigned>(d)});
      copy = b.CreateInsertValue(copy, extent, {1u, static_cast<unsigned>(d)});
      copy = b.CreateInsertValue(copy, stride, {2u, static_cast<unsigned>(d)});
      stride = b.CreateMul(stride, extent);
    }
    llvm::AllocaInst *at_ = local(tc.intType(64), b.getInt64(0));
    forEachElement(array, at, [&](llvm::Value *ptr) {
      llvm::Value *to = b.CreateInBoundsGEP(b.getInt8Ty(), data, b.CreateMul(get(at_), b.getInt64(item)));
      storeElement(to, element(ptr), dt);
      b.CreateStore(b.CreateAdd(get(at_), b.getInt64(1)), at_);
    });
    return copy;
  }
  case ArrayOp::Reshape: {
    // A view of the same elements, C-ordered; a -1 extent is what the others
    // leave of the element count. numba raises for a shape whose product is
    // not the count; a kernel cannot (docs/numba.md), so that shape is the
    // caller's promise.
    auto *nt = cast<ArrayType>(rt);
    const std::size_t first = method ? 0 : 1;
    std::vector<llvm::Value *> dims;
    if (c->args.size() - first == 1 && isa<TupleType>(typeOf(c->args[first]))) {
      auto *tt = cast<TupleType>(typeOf(c->args[first]));
      llvm::Value *t = expr(c->args[first]);
      for (unsigned i = 0; i < tt->elts.size(); ++i)
        dims.push_back(convert(b.CreateExtractValue(t, {i}), tt->elts[i], tc.intType(64), span));
    } else {
      for (std::size_t i = first; i < c->args.size(); ++i)
        dims.push_back(convert(expr(c->args[i]), typeOf(c->args[i]), tc.intType(64), span));
    }
    llvm::Value *known = b.getInt64(1);
    for (llvm::Value *d : dims)
      known = b.CreateMul(known, b.CreateSelect(b.CreateICmpEQ(d, b.getInt64(-1)), b.getInt64(1), d));
    // A valid shape with a zero extent has no elements, so count / 1 is the 0 numpy infers.
    llvm::Value *inferred =
        b.CreateSDiv(count(), b.CreateSelect(b.CreateICmpEQ(known, b.getInt64(0)), b.getInt64(1), known));
    llvm::Value *view = llvm::UndefValue::get(valueType(nt));
    view = b.CreateInsertValue(view, b.CreateExtractValue(array, {0}), {0});
    llvm::Value *stride = b.getInt64(dt->byteSize());
    for (int d = nt->ndim - 1; d >= 0; --d) {
      const unsigned u = static_cast<unsigned>(d);
      llvm::Value *extent = b.CreateSelect(b.CreateICmpEQ(dims[u], b.getInt64(-1)), inferred, dims[u]);
      view = b.CreateInsertValue(view, extent, {1u, u});
      view = b.CreateInsertValue(view, stride, {2u, u});
      stride = b.CreateMul(stride, extent);
    }
    return view;
  }
  case ArrayOp::View: {
    auto *vt = cast<ArrayType>(rt);
    const std::int64_t from = dt->byteSize(), to = vt->dtype->byteSize();
    if (from == to)
      return array; // the same bytes, read as another type
    const unsigned last = static_cast<unsigned>(at->ndim - 1);
    llvm::Value *extent = b.CreateExtractValue(array, {1u, last});
    llvm::Value *view = b.CreateInsertValue(array, b.CreateSDiv(b.CreateMul(extent, b.getInt64(from)), b.getInt64(to)),
                                            {1u, last});
    return b.CreateInsertValue(view, b.getInt64(to), {2u, last});
  }
  }
  llvm_unreachable("array method");
}

} // namespace ptxforge::compiler
