//===- compiler/LowerRound.cpp - round(x) and round(x, ndigits) -----------===//
//
// round(x) is x rounded to an int, halves to even (cvt.rni). round(x, n)
// follows CPython, which rounds the exact binary value of x to n decimal
// digits: x (float16 to float64) is widened to double, and for |n| <= 22,
// where 10**|n| is exact, the scaled value x * 10**n (or x / 10**-n) is
// computed exactly as a double-double (its rounded value and the FMA's
// error term), so that a halfway case is decided by the exact value, as
// CPython's correctly rounded algorithm decides it, and not by the rounded
// product (round(0.3425, 3) on float32 is 0.343, as in CPython and numba).
// A scaled value of 2**53 or more (an overflow included) means x has no
// digits to drop, and gives x. Beyond 22 digits the scaling is CPython's
// fallback (numba's) in two steps, within an ulp of CPython. Infinities,
// NaNs and zeros come back unchanged; a result too large for the type is the
// largest finite value or inf, never NaN. The algorithm is checked against
// CPython's round on 40,000 values (exactly for |n| <= 22) by tests/python/test_numba_round.py.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

namespace {

/// 10**k for k = 0..22 as doubles: all exact.
llvm::GlobalVariable *powersOfTen(llvm::Module &m, llvm::Type *f64) {
  const char *name = "__ptxforge_pow10";
  if (auto *g = m.getNamedGlobal(name))
    return g;
  std::vector<llvm::Constant *> values;
  double p = 1.0;
  for (int k = 0; k <= 22; ++k, p *= 10.0)
    values.push_back(llvm::ConstantFP::get(f64, p));
  auto *type = llvm::ArrayType::get(f64, values.size());
  auto *g = new llvm::GlobalVariable(m, type, true, llvm::GlobalValue::InternalLinkage,
                                     llvm::ConstantArray::get(type, values), name, nullptr,
                                     llvm::GlobalValue::NotThreadLocal, 4 /* constant memory */);
  g->setAlignment(llvm::Align(8));
  return g;
}

} // namespace

llvm::Value *Lowerer::roundCall(const CallExpr *c) {
  auto *at = cast<ScalarType>(typeOf(c->args[0]));
  auto *rt = cast<ScalarType>(typeOf(c));
  llvm::Value *x = expr(c->args[0]);
  const ScalarType *f64t = types().floatType(64);
  llvm::Type *f64 = b.getDoubleTy();
  if (c->args.size() == 1) { // round(x): an int, halves to even
    if (!at->isFloat())
      return convert(x, at, rt, c->span());
    const ScalarType *ft = types().strong(at);
    llvm::Value *v = convert(x, at, ft, c->span());
    if (ft->bits < 32) // half and bfloat16 round exactly in float32
      v = convert(v, ft, types().floatType(32), c->span()), ft = types().floatType(32);
    return convert(b.CreateUnaryIntrinsic(llvm::Intrinsic::rint, v), ft, rt, c->span());
  }

  llvm::IRBuilder<>::FastMathFlagGuard guard(b);
  b.setFastMathFlags(llvm::FastMathFlags()); // the error terms must not be optimised away
  llvm::Value *v = convert(x, at, f64t, c->span());
  llvm::Value *n = convert(expr(c->args[1]), typeOf(c->args[1]), types().intType(64), c->span());
  auto k = [&](double d) { return llvm::ConstantFP::get(f64, d); };
  auto rint = [&](llvm::Value *y) { return b.CreateUnaryIntrinsic(llvm::Intrinsic::rint, y); };
  auto fma = [&](llvm::Value *p, llvm::Value *q, llvm::Value *r) {
    return b.CreateIntrinsic(llvm::Intrinsic::fma, {f64}, {p, q, r});
  };
  auto isInf = [&](llvm::Value *y) {
    return b.CreateFCmpOEQ(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, y), k(INFINITY));
  };
  // A scaled value of 2**53 or more has no fraction: the doubles near x are
  // 10**-n or more apart, so the nearest one to the rounded decimal is x.
  auto noFraction = [&](llvm::Value *y) {
    return b.CreateFCmpUGE(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, y), k(9007199254740992.0));
  };
  // An integer nearest the exact value hi + lo (hi its rounding): ties to
  // even on the exact value, so a hi that is exactly halfway moves by lo's sign.
  // hi is compared, never added to: the back end may fuse a product into a
  // sum (contraction is on by default), which would change what hi is there.
  // Only below 2**52 can hi be a half (and z +- 0.5 exact): above, z + 0.5
  // rounds back to z, which would look like a tie.
  auto roundExact = [&](llvm::Value *hi, llvm::Value *lo) {
    llvm::Value *z = rint(hi);
    llvm::Value *halves = b.CreateFCmpOLT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, hi), k(4503599627370496.0));
    llvm::Value *up = b.CreateAnd(b.CreateFCmpOEQ(hi, b.CreateFAdd(z, k(0.5))), b.CreateFCmpOGT(lo, k(0.0)));
    llvm::Value *down = b.CreateAnd(b.CreateFCmpOEQ(hi, b.CreateFSub(z, k(0.5))), b.CreateFCmpOLT(lo, k(0.0)));
    up = b.CreateAnd(halves, up);
    down = b.CreateAnd(halves, down);
    z = b.CreateSelect(up, b.CreateFAdd(z, k(1.0)), z);
    return b.CreateSelect(down, b.CreateFSub(z, k(1.0)), z);
  };

  llvm::Value *negative = b.CreateICmpSLT(n, b.getInt64(0));
  llvm::Value *absN = b.CreateSelect(negative, b.CreateNeg(n), n);
  llvm::Value *exactScale = b.CreateICmpULE(absN, b.getInt64(22));

  // |n| <= 22: 10**|n| from the table.
  llvm::GlobalVariable *table = powersOfTen(module, f64);
  llvm::Value *index = b.CreateSelect(exactScale, absN, b.getInt64(0));
  llvm::Value *p = b.CreateLoad(f64, b.CreateInBoundsGEP(table->getValueType(), table, {b.getInt64(0), index}));
  // n >= 0: x * p exactly as hi + lo; overflow means there is nothing to round.
  llvm::Value *hi = b.CreateFMul(v, p);
  llvm::Value *lo = fma(v, p, b.CreateFNeg(hi));
  llvm::Value *up = b.CreateFDiv(roundExact(hi, lo), p);
  up = b.CreateSelect(noFraction(hi), v, up);
  // n < 0: x / p exactly as q + r / p.
  llvm::Value *q = b.CreateFDiv(v, p);
  llvm::Value *r = fma(b.CreateFNeg(q), p, v);
  llvm::Value *downValue = b.CreateSelect(noFraction(q), v, b.CreateFMul(roundExact(q, r), p));
  llvm::Value *exact = b.CreateSelect(negative, downValue, up);

  // |n| > 22: CPython's fallback in two steps (10**(n-22), then 1e22), as numba.
  llvm::Value *far = b.CreateTrunc(b.CreateSelect(b.CreateICmpUGT(absN, b.getInt64(400)), b.getInt64(400), absN),
                                   b.getInt32Ty());
  llvm::Value *pow1 = libdevice("__nv_powi", f64,
                                {k(10.0), b.CreateSelect(negative, far, b.CreateSub(far, b.getInt32(22)))});
  llvm::Value *y = b.CreateFMul(b.CreateFMul(v, pow1), k(1e22));
  llvm::Value *farUp = b.CreateSelect(noFraction(y), v, b.CreateFDiv(b.CreateFDiv(rint(y), k(1e22)), pow1));
  llvm::Value *zero = b.CreateIntrinsic(llvm::Intrinsic::copysign, {f64}, {k(0.0), v});
  llvm::Value *scaledDown = b.CreateFDiv(v, pow1);
  llvm::Value *farDown = b.CreateSelect(noFraction(scaledDown), v, b.CreateFMul(rint(scaledDown), pow1));
  farDown = b.CreateSelect(isInf(pow1), zero, farDown);
  llvm::Value *farValue = b.CreateSelect(negative, farDown, farUp);

  llvm::Value *result = b.CreateSelect(exactScale, exact, farValue);
  // inf, nan and zeros are their own rounding.
  llvm::Value *keep = b.CreateOr(b.CreateFCmpUNO(v, v), b.CreateOr(isInf(v), b.CreateFCmpOEQ(v, k(0.0))));
  result = b.CreateSelect(keep, v, result);
  if (!at->isFloat()) { // an int: n >= 0 keeps it; n < 0 rounds to a multiple of 10**-n
    llvm::Value *asInt = convert(result, f64t, rt, c->span());
    return b.CreateSelect(negative, asInt, convert(x, at, rt, c->span()));
  }
  return convert(result, f64t, rt, c->span());
}

} // namespace ptxforge::compiler
