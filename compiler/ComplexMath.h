//===- compiler/ComplexMath.h - Real arithmetic on a complex part type ----===//
//
// Private to compiler/. PartMath builds the real arithmetic of one part type
// (float for complex64, double for complex128) and the complex operations on
// it: the arithmetic in LowerComplex.cpp, the cmath functions in
// LowerCmath.cpp. Values are (re, im) pairs of LLVM values.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/LowerImpl.h"

#include <cmath>
#include <string>

namespace ptxforge::compiler {

/// Real arithmetic on one part type, and the complex functions built on it.
/// Every function takes and returns (re, im) pairs.
class PartMath {
public:
  using Cx = Lowerer::Complex;

  /// `exact`: no contraction into fma (the cmath functions, whose zeros
  /// and signs follow CPython's unfused arithmetic); fastmath still wins.
  PartMath(Lowerer &L, llvm::Type *ty, bool exact = false) : L(L), b(L.b), guard(L.b), ty(ty), f32(ty->isFloatTy()) {
    llvm::FastMathFlags flags = L.floatFlags();
    b.setFastMathFlags(exact && !flags.isFast() ? llvm::FastMathFlags() : flags);
  }

  llvm::Value *k(double v) { return llvm::ConstantFP::get(ty, v); }
  llvm::Value *add(llvm::Value *x, llvm::Value *y) { return b.CreateFAdd(x, y); }
  llvm::Value *sub(llvm::Value *x, llvm::Value *y) { return b.CreateFSub(x, y); }
  llvm::Value *mul(llvm::Value *x, llvm::Value *y) { return b.CreateFMul(x, y); }
  llvm::Value *div(llvm::Value *x, llvm::Value *y) { return b.CreateFDiv(x, y); }
  llvm::Value *neg(llvm::Value *x) { return b.CreateFNeg(x); }
  llvm::Value *fabs(llvm::Value *x) { return b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x); }
  llvm::Value *sqrt(llvm::Value *x) { return b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x); }
  llvm::Value *copysign(llvm::Value *x, llvm::Value *s) {
    return b.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, x, s);
  }
  llvm::Value *select(llvm::Value *c, llvm::Value *x, llvm::Value *y) { return b.CreateSelect(c, x, y); }
  Cx select(llvm::Value *c, Cx x, Cx y) { return {select(c, x.re, y.re), select(c, x.im, y.im)}; }
  Cx negate(Cx z) { return {neg(z.re), neg(z.im)}; }

  // Comparisons (ordered: false for NaN) and classification.
  llvm::Value *eq(llvm::Value *x, double v) { return b.CreateFCmpOEQ(x, k(v)); }
  llvm::Value *gt(llvm::Value *x, double v) { return b.CreateFCmpOGT(x, k(v)); }
  llvm::Value *lt(llvm::Value *x, double v) { return b.CreateFCmpOLT(x, k(v)); }
  llvm::Value *isNan(llvm::Value *x) { return b.CreateFCmpUNO(x, x); }
  llvm::Value *isInf(llvm::Value *x) { return eq(fabs(x), INFINITY); }
  llvm::Value *isFinite(llvm::Value *x) { return lt(fabs(x), INFINITY); }
  llvm::Value *both(llvm::Value *p, llvm::Value *q) { return b.CreateAnd(p, q); }
  llvm::Value *either(llvm::Value *p, llvm::Value *q) { return b.CreateOr(p, q); }
  llvm::Value *nonFinite(Cx z) { return b.CreateNot(both(isFinite(z.re), isFinite(z.im))); }
  /// `v` with the sign of `x` applied: v for positive x, -v for negative
  /// (x is never a NaN where this is used).
  llvm::Value *signOf(llvm::Value *x, llvm::Value *v) { return select(gt(x, 0.0), v, neg(v)); }

  /// libdevice's `__nv_<name>`, or `__nv_<name>f` for float parts.
  llvm::Value *fn(const char *name, llvm::ArrayRef<llvm::Value *> args) {
    return L.libdevice((std::string("__nv_") + name + (f32 ? "f" : "")).c_str(), ty, args);
  }
  /// hypot with C99's rule that an infinity wins over a NaN.
  /// libdevice's hypot overflows to inf near the largest finite value
  /// (hypot(1.8e308, 1e300), seen on the H200); there the larger part times
  /// sqrt(1 + r*r), r the ratio of the parts, gives CPython's finite result.
  llvm::Value *hypot(llvm::Value *x, llvm::Value *y) {
    llvm::Value *h = fn("hypot", {x, y});
    llvm::Value *ax = fabs(x), *ay = fabs(y);
    llvm::Value *big = b.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, ax, ay);
    llvm::Value *r = div(b.CreateBinaryIntrinsic(llvm::Intrinsic::minnum, ax, ay), big);
    llvm::Value *scaled = mul(big, sqrt(add(k(1.0), mul(r, r))));
    llvm::Value *overflowed = both(isInf(h), both(isFinite(x), isFinite(y)));
    return select(either(isInf(x), isInf(y)), k(INFINITY), select(overflowed, scaled, h));
  }

  /// `cond ? onTrue() : onFalse()` with each side in a block of its own, so
  /// that a thread runs only the side it takes (the special-value and
  /// large-argument paths are rare, and cost transcendental calls).
  template <typename T, typename F> Cx branch(llvm::Value *cond, T onTrue, F onFalse) {
    llvm::Function *func = b.GetInsertBlock()->getParent();
    auto *yes = llvm::BasicBlock::Create(b.getContext(), "cx.then", func);
    auto *no = llvm::BasicBlock::Create(b.getContext(), "cx.else", func);
    auto *end = llvm::BasicBlock::Create(b.getContext(), "cx.end", func);
    b.CreateCondBr(cond, yes, no);
    b.SetInsertPoint(yes);
    Cx t = onTrue();
    llvm::BasicBlock *yesEnd = b.GetInsertBlock();
    b.CreateBr(end);
    b.SetInsertPoint(no);
    Cx f = onFalse();
    llvm::BasicBlock *noEnd = b.GetInsertBlock();
    b.CreateBr(end);
    b.SetInsertPoint(end);
    auto join = [&](llvm::Value *x, llvm::Value *y) {
      llvm::PHINode *phi = b.CreatePHI(ty, 2);
      phi->addIncoming(x, yesEnd);
      phi->addIncoming(y, noEnd);
      return phi;
    };
    return {join(t.re, f.re), join(t.im, f.im)};
  }

  /// CPython's thresholds (CM_LARGE_DOUBLE and its kin), for the part type.
  double maxValue() const;
  double minNormal() const;
  int mantissaDigits() const { return f32 ? 24 : 53; }
  double large() const { return maxValue() / 4; }
  double sqrtLarge() const { return std::sqrt(large()); }
  double logLarge() const { return std::log(large()); }

  // Arithmetic (LowerComplex.cpp).
  Cx cmul(Cx x, Cx y);
  Cx cdiv(Cx x, Cx y);
  Cx cpow(Cx x, Cx y);
  Cx cpowi(Cx z, std::int64_t n);

  // The cmath functions (LowerCmath.cpp): CPython's algorithms and its
  // values at infinities, NaNs and signed zeros (C99 Annex G).
  Cx csqrt(Cx z);
  Cx cexp(Cx z);
  Cx clog(Cx z);
  Cx csinh(Cx z);
  Cx ccosh(Cx z);
  Cx ctanh(Cx z);
  Cx casinh(Cx z);
  Cx cacos(Cx z);
  Cx cacosh(Cx z);
  Cx catanh(Cx z);
  /// f(z) = -i g(iz): the circular functions from the hyperbolic ones.
  template <typename G> Cx viaHyperbolic(Cx z, G g) {
    Cx r = g(Cx{neg(z.im), z.re});
    return {r.im, neg(r.re)};
  }
  Cx rect(llvm::Value *r, llvm::Value *phi);
  llvm::Value *cabs(Cx z) { return hypot(z.re, z.im); }

  Lowerer &L;
  llvm::IRBuilder<> &b;
  llvm::IRBuilder<>::FastMathFlagGuard guard;
  llvm::Type *ty;
  bool f32;

private:
  Cx sqrtFinite(Cx z);
  Cx tanhFinite(Cx z);
  Cx atanhSpecial(Cx z);
  Cx atanhNonNegative(Cx z);
};

} // namespace ptxforge::compiler
