//===- compiler/LowerUfuncs.cpp - numpy ufuncs on numbers -----------------===//
//
// The ufuncs that are operators lower as the operators do; maximum/minimum
// let a NaN through where fmax/fmin drop it; integer reciprocal and fmod
// truncate toward zero and give numpy's results for a zero divisor (without
// its warning); logaddexp is computed as numpy does it, stably: the larger
// argument plus log1p(exp(-|x - y|)), and x + log(2) for x == y.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::ufuncCall(const CallExpr *c, const UfuncFunction &f) {
  using U = UfuncFunction;
  const Type *rt = typeOf(c);
  const Span &at = c->span();
  std::vector<llvm::Value *> v;
  std::vector<const ScalarType *> t;
  for (const Expr *e : c->args) {
    v.push_back(expr(e));
    t.push_back(cast<ScalarType>(typeOf(e)));
  }
  auto as = [&](std::size_t i, const Type *to) { return convert(v[i], t[i], to, at); };
  auto *st = dyn_cast<ScalarType>(rt);
  llvm::IRBuilder<>::FastMathFlagGuard guard(b);
  b.setFastMathFlags(floatFlags());
  switch (f.kind) {
  case U::Binary: return binOp(static_cast<BinOpKind>(f.op), v[0], t[0], v[1], t[1], rt, at);
  case U::Compare: return compareOne(static_cast<CmpOpKind>(f.op), v[0], t[0], v[1], t[1]);
  case U::Negative: {
    llvm::Value *x = as(0, rt);
    return st->isComplex() ? complexNegate(x) : st->isFloat() ? b.CreateFNeg(x) : b.CreateNeg(x);
  }
  case U::Positive: return as(0, rt);
  case U::Invert: return b.CreateNot(v[0]); // a bool's logical not, an int's bits
  case U::Absolute:
    if (t[0]->isComplex())
      return complexAbs(v[0], t[0]);
    if (st->isFloat())
      return b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v[0]);
    return st->isSigned && !st->isBool() ? b.CreateBinaryIntrinsic(llvm::Intrinsic::abs, v[0], b.getFalse()) : v[0];
  case U::Square: return binOp(BinOpKind::Mul, v[0], t[0], v[0], t[0], rt, at);
  case U::Reciprocal: {
    llvm::Value *x = as(0, rt);
    if (st->isFloat() || st->isComplex())
      return binOp(BinOpKind::Div, convert(b.getInt64(1), types().intType(64), st, at), st, x, st, st, at);
    // 1 / 0 gives what numpy's gives: the most negative value, or 0 unsigned.
    llvm::Value *zero = llvm::ConstantInt::get(x->getType(), 0), *one = llvm::ConstantInt::get(x->getType(), 1);
    llvm::Value *isZero = b.CreateICmpEQ(x, zero);
    llvm::Value *safe = b.CreateSelect(isZero, one, x);
    llvm::Value *byZero = st->isSigned && !st->isBool()
                              ? llvm::ConstantInt::get(x->getType(), llvm::APInt::getSignedMinValue(st->bits))
                              : zero;
    return b.CreateSelect(isZero, byZero, st->isSigned ? b.CreateSDiv(one, safe) : b.CreateUDiv(one, safe));
  }
  case U::Sign: {
    llvm::Value *x = v[0];
    llvm::Type *ty = x->getType();
    if (st->isBool())
      return x;
    if (st->isFloat()) { // NaN and zeros are their own sign
      llvm::Value *one = llvm::ConstantFP::get(ty, 1.0), *minusOne = llvm::ConstantFP::get(ty, -1.0);
      return b.CreateSelect(b.CreateFCmpOGT(x, llvm::ConstantFP::get(ty, 0.0)), one,
                            b.CreateSelect(b.CreateFCmpOLT(x, llvm::ConstantFP::get(ty, 0.0)), minusOne, x));
    }
    llvm::Value *zero = llvm::ConstantInt::get(ty, 0);
    llvm::Value *positive = st->isSigned ? b.CreateICmpSGT(x, zero) : b.CreateICmpNE(x, zero);
    llvm::Value *negative = st->isSigned ? b.CreateICmpSLT(x, zero) : b.getFalse();
    return b.CreateSub(b.CreateZExt(positive, ty), b.CreateZExt(negative, ty));
  }
  case U::Conjugate: {
    if (!t[0]->isComplex())
      return v[0];
    Complex z = splitComplex(v[0]);
    return makeComplex({z.re, b.CreateFNeg(z.im)});
  }
  case U::LogicalNot: return b.CreateNot(truthy(v[0], t[0]));
  case U::LogicalAnd: return b.CreateAnd(truthy(v[0], t[0]), truthy(v[1], t[1]));
  case U::LogicalOr: return b.CreateOr(truthy(v[0], t[0]), truthy(v[1], t[1]));
  case U::LogicalXor: return b.CreateXor(truthy(v[0], t[0]), truthy(v[1], t[1]));
  case U::Maximum:
  case U::Minimum:
  case U::Fmax:
  case U::Fmin: {
    llvm::Value *x = as(0, rt), *y = as(1, rt);
    const bool isMax = f.kind == U::Maximum || f.kind == U::Fmax;
    if (st->isFloat()) {
      if (f.kind == U::Fmax || f.kind == U::Fmin) // a NaN operand is dropped
        return b.CreateBinaryIntrinsic(isMax ? llvm::Intrinsic::maxnum : llvm::Intrinsic::minnum, x, y);
      // maximum/minimum: a NaN operand is the result.
      llvm::Value *keep = b.CreateOr(isMax ? b.CreateFCmpOGE(x, y) : b.CreateFCmpOLE(x, y), b.CreateFCmpUNO(x, x));
      return b.CreateSelect(keep, x, y);
    }
    llvm::Value *keep = st->isSigned && !st->isBool() ? (isMax ? b.CreateICmpSGE(x, y) : b.CreateICmpSLE(x, y))
                                                      : (isMax ? b.CreateICmpUGE(x, y) : b.CreateICmpULE(x, y));
    return b.CreateSelect(keep, x, y);
  }
  case U::Fmod: {
    llvm::Value *x = as(0, rt), *y = as(1, rt);
    if (st->isFloat()) {
      bool f32 = !st->weak && st->bits <= 32;
      llvm::Type *ft = f32 ? b.getFloatTy() : b.getDoubleTy();
      llvm::Value *r = libdevice(f32 ? "__nv_fmodf" : "__nv_fmod", ft, {b.CreateFPCast(x, ft), b.CreateFPCast(y, ft)});
      return b.CreateFPCast(r, x->getType());
    }
    if (st->isBool())
      return b.CreateAnd(x, y);
    llvm::Value *zero = llvm::ConstantInt::get(x->getType(), 0);
    llvm::Value *isZero = b.CreateICmpEQ(y, zero);
    // Signed: also keep MIN % -1 defined (its remainder is 0).
    llvm::Value *bad = st->isSigned ? b.CreateOr(isZero, b.CreateICmpEQ(y, llvm::ConstantInt::getSigned(y->getType(), -1)))
                                    : isZero;
    llvm::Value *safe = b.CreateSelect(bad, llvm::ConstantInt::get(y->getType(), 1), y);
    return b.CreateSelect(bad, zero, st->isSigned ? b.CreateSRem(x, safe) : b.CreateURem(x, safe));
  }
  case U::LogAddExp:
  case U::LogAddExp2: {
    llvm::Value *x = as(0, rt), *y = as(1, rt);
    const bool base2 = f.kind == U::LogAddExp2;
    const bool f32 = x->getType()->isFloatTy();
    llvm::Type *ft = x->getType();
    auto call = [&](const char *name, llvm::Value *a) {
      return libdevice((std::string(name) + (f32 ? "f" : "")).c_str(), ft, {a});
    };
    llvm::Value *d = b.CreateFSub(x, y);
    llvm::Value *larger = b.CreateSelect(b.CreateFCmpOGT(d, llvm::ConstantFP::get(ft, 0.0)), x, y);
    llvm::Value *negAbs = b.CreateFNeg(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, d));
    // log1p(exp(-|d|)), or log2(1 + 2**-|d|) = log1p(exp2(-|d|)) / ln 2.
    llvm::Value *tail = base2 ? b.CreateFMul(call("__nv_log1p", call("__nv_exp2", negAbs)),
                                             llvm::ConstantFP::get(ft, 1.4426950408889634))
                              : call("__nv_log1p", call("__nv_exp", negAbs));
    llvm::Value *general = b.CreateFAdd(larger, tail);
    llvm::Value *equal = b.CreateFAdd(x, llvm::ConstantFP::get(ft, base2 ? 1.0 : 0.6931471805599453));
    llvm::Value *result = b.CreateSelect(b.CreateFCmpOEQ(x, y), equal, general); // inf, inf stays inf
    return b.CreateSelect(b.CreateFCmpUNO(d, d), b.CreateSelect(b.CreateFCmpOEQ(x, y), equal, d), result);
  }
  }
  llvm_unreachable("ufunc kind");
}

} // namespace ptxforge::compiler
