//===- compiler/LowerComplex.cpp - Complex numbers and cmath --------------===//
//
// A complex value is an LLVM struct {T, T} (real, imaginary) of its part
// type T (float for complex64, double for complex128), so it travels through
// locals, tuples and calls like any other value; in memory it is NumPy's
// interleaved pair, aligned to T. Arithmetic follows CPython: Smith's
// division, and the cmath functions use CPython's formulas (Kahan's for the
// inverse functions), whose signed zeros put the branch cuts where NumPy
// and cmath put them. Real functions come from libdevice, float32 variants
// for complex64.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

#include <cmath>
#include <numbers>

namespace ptxforge::compiler {

using namespace frontend;

namespace {

/// Real arithmetic on one part type, and the complex functions built on it.
/// Every function takes and returns (re, im) pairs.
class PartMath {
public:
  using Cx = Lowerer::Complex;

  PartMath(Lowerer &L, llvm::Type *ty) : L(L), b(L.b), guard(L.b), ty(ty), f32(ty->isFloatTy()) {
    b.setFastMathFlags(L.floatFlags());
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
  llvm::Value *eq(llvm::Value *x, double v) { return b.CreateFCmpOEQ(x, k(v)); }
  /// libdevice's `__nv_<name>`, or `__nv_<name>f` for float parts.
  llvm::Value *fn(const char *name, llvm::ArrayRef<llvm::Value *> args) {
    return L.libdevice((std::string("__nv_") + name + (f32 ? "f" : "")).c_str(), ty, args);
  }
  /// The logarithm of the largest finite value over 4: past it, cosh and
  /// exp overflow and tanh is +-1 to the last bit.
  double logLarge() const { return f32 ? 87.3 : 708.3; }

  Cx cmul(Cx x, Cx y) { return {sub(mul(x.re, y.re), mul(x.im, y.im)), add(mul(x.re, y.im), mul(x.im, y.re))}; }

  // Smith's algorithm, as CPython: divide by the larger part of the divisor.
  // A zero divisor gives NumPy's infinities (or NaNs for 0 / 0), not an error.
  Cx cdiv(Cx x, Cx y) {
    llvm::Value *realBigger = b.CreateFCmpOGE(fabs(y.re), fabs(y.im));
    llvm::Value *r1 = div(y.im, y.re), *d1 = add(y.re, mul(y.im, r1));
    Cx q1{div(add(x.re, mul(x.im, r1)), d1), div(sub(x.im, mul(x.re, r1)), d1)};
    llvm::Value *r2 = div(y.re, y.im), *d2 = add(mul(y.re, r2), y.im);
    Cx q2{div(add(mul(x.re, r2), x.im), d2), div(sub(mul(x.im, r2), x.re), d2)};
    llvm::Value *zero = b.CreateAnd(eq(y.re, 0.0), eq(y.im, 0.0));
    Cx byZero{div(x.re, fabs(y.re)), div(x.im, fabs(y.re))};
    return select(zero, byZero, select(realBigger, q1, q2));
  }

  Cx csqrt(Cx z) {
    llvm::Value *ax = fabs(z.re), *ay = fabs(z.im);
    llvm::Value *t = sqrt(mul(add(ax, fn("hypot", {z.re, z.im})), k(0.5)));
    llvm::Value *u = div(ay, mul(k(2.0), t));
    llvm::Value *nonNegative = b.CreateFCmpOGE(z.re, k(0.0));
    Cx r{select(nonNegative, t, u), select(nonNegative, div(z.im, mul(k(2.0), t)), copysign(t, z.im))};
    llvm::Value *zero = b.CreateAnd(eq(z.re, 0.0), eq(z.im, 0.0));
    r = select(zero, Cx{k(0.0), z.im}, r);
    llvm::Value *infiniteIm = eq(ay, INFINITY);
    return select(infiniteIm, Cx{k(INFINITY), z.im}, r);
  }

  Cx cexp(Cx z) {
    llvm::Value *e = fn("exp", {z.re});
    llvm::Value *im = mul(e, fn("sin", {z.im}));
    return {mul(e, fn("cos", {z.im})), select(eq(z.im, 0.0), z.im, im)}; // exp(inf + 0j) is inf + 0j
  }

  // log|z| through log1p where |z| is near 1, where log(hypot) loses digits.
  Cx clog(Cx z) {
    llvm::Value *ax = fabs(z.re), *ay = fabs(z.im);
    llvm::Value *h = fn("hypot", {z.re, z.im});
    llvm::Value *xBigger = b.CreateFCmpOGT(ax, ay);
    llvm::Value *am = select(xBigger, ax, ay), *an = select(xBigger, ay, ax);
    llvm::Value *nearOne = mul(fn("log1p", {add(mul(sub(am, k(1.0)), add(am, k(1.0))), mul(an, an))}), k(0.5));
    llvm::Value *useNear = b.CreateAnd(b.CreateFCmpOGE(h, k(0.71)), b.CreateFCmpOLE(h, k(1.73)));
    return {select(useNear, nearOne, fn("log", {h})), fn("atan2", {z.im, z.re})};
  }

  Cx csinh(Cx z) {
    return {mul(fn("sinh", {z.re}), fn("cos", {z.im})), mul(fn("cosh", {z.re}), fn("sin", {z.im}))};
  }
  Cx ccosh(Cx z) {
    return {mul(fn("cosh", {z.re}), fn("cos", {z.im})), mul(fn("sinh", {z.re}), fn("sin", {z.im}))};
  }

  Cx ctanh(Cx z) {
    llvm::Value *tx = fn("tanh", {z.re}), *ty_ = fn("tan", {z.im});
    llvm::Value *cx = div(k(1.0), fn("cosh", {z.re}));
    llvm::Value *txty = mul(tx, ty_);
    llvm::Value *denom = add(k(1.0), mul(txty, txty));
    Cx r{div(mul(tx, add(k(1.0), mul(ty_, ty_))), denom), mul(mul(div(ty_, denom), cx), cx)};
    // Far from the imaginary axis: +-1 and a vanishing imaginary part.
    llvm::Value *ax = fabs(z.re);
    llvm::Value *far = b.CreateFCmpOGT(ax, k(logLarge()));
    Cx farValue{copysign(k(1.0), z.re),
                mul(mul(mul(k(4.0), fn("sin", {z.im})), fn("cos", {z.im})), fn("exp", {mul(k(-2.0), ax)}))};
    return select(far, farValue, r);
  }

  Cx casinh(Cx z) {
    Cx s1 = csqrt({add(k(1.0), z.im), neg(z.re)});
    Cx s2 = csqrt({sub(k(1.0), z.im), z.re});
    return {fn("asinh", {sub(mul(s1.re, s2.im), mul(s2.re, s1.im))}),
            fn("atan2", {z.im, sub(mul(s1.re, s2.re), mul(s1.im, s2.im))})};
  }

  Cx cacos(Cx z) {
    Cx s1 = csqrt({sub(k(1.0), z.re), neg(z.im)});
    Cx s2 = csqrt({add(k(1.0), z.re), z.im});
    return {mul(k(2.0), fn("atan2", {s1.re, s2.re})), fn("asinh", {sub(mul(s2.re, s1.im), mul(s2.im, s1.re))})};
  }

  Cx cacosh(Cx z) {
    Cx s1 = csqrt({sub(z.re, k(1.0)), z.im});
    Cx s2 = csqrt({add(z.re, k(1.0)), z.im});
    return {fn("asinh", {add(mul(s1.re, s2.re), mul(s1.im, s2.im))}), mul(k(2.0), fn("atan2", {s1.im, s2.re}))};
  }

  // atanh(-z) == -atanh(z) reduces to a non-negative real part.
  Cx catanh(Cx z) {
    llvm::Value *negative = b.CreateFCmpOLT(z.re, k(0.0));
    llvm::Value *x = select(negative, neg(z.re), z.re), *y = select(negative, neg(z.im), z.im);
    llvm::Value *ay = fabs(y);
    llvm::Value *oneMinus = sub(k(1.0), x);
    llvm::Value *re = div(fn("log1p", {div(mul(k(4.0), x), add(mul(oneMinus, oneMinus), mul(ay, ay)))}), k(4.0));
    llvm::Value *im = div(neg(fn("atan2", {mul(k(-2.0), y), sub(mul(oneMinus, add(k(1.0), x)), mul(ay, ay))})), k(2.0));
    return select(negative, Cx{neg(re), neg(im)}, Cx{re, im});
  }

  // f(z) = -i g(iz) for the circular functions from the hyperbolic ones.
  template <typename G> Cx viaHyperbolic(Cx z, G g) {
    Cx r = g(Cx{neg(z.im), z.re});
    return {r.im, neg(r.re)};
  }

  Cx cpow(Cx x, Cx y) {
    llvm::Value *vabs = fn("hypot", {x.re, x.im});
    llvm::Value *at = fn("atan2", {x.im, x.re});
    llvm::Value *len = fn("pow", {vabs, y.re});
    llvm::Value *phase = mul(at, y.re);
    llvm::Value *complexExp = b.CreateFCmpUNE(y.im, k(0.0));
    len = select(complexExp, div(len, fn("exp", {mul(at, y.im)})), len);
    phase = select(complexExp, add(phase, mul(y.im, fn("log", {vabs}))), phase);
    Cx r{mul(len, fn("cos", {phase})), mul(len, fn("sin", {phase}))};
    llvm::Value *baseZero = b.CreateAnd(eq(x.re, 0.0), eq(x.im, 0.0));
    r = select(baseZero, Cx{k(0.0), k(0.0)}, r);
    llvm::Value *expZero = b.CreateAnd(eq(y.re, 0.0), eq(y.im, 0.0));
    return select(expZero, Cx{k(1.0), k(0.0)}, r);
  }

  /// z ** n for a constant integer n, by squaring (exact for n == 2, as CPython).
  Cx cpowi(Cx z, std::int64_t n) {
    Cx result{k(1.0), k(0.0)}, x = z;
    bool one = true; // result is still 1: take x itself, with no rounding
    for (std::uint64_t e = n < 0 ? -static_cast<std::uint64_t>(n) : n; e; e >>= 1) {
      if (e & 1)
        result = one ? x : cmul(result, x), one = false;
      if (e > 1)
        x = cmul(x, x);
    }
    return n < 0 ? cdiv({k(1.0), k(0.0)}, result) : result;
  }

  Lowerer &L;
  llvm::IRBuilder<> &b;
  llvm::IRBuilder<>::FastMathFlagGuard guard;
  llvm::Type *ty;
  bool f32;
};

/// The integer value of a constant exponent of at most 64 in magnitude.
std::optional<std::int64_t> smallIntegerExponent(llvm::Value *v) {
  if (auto *i = llvm::dyn_cast<llvm::ConstantInt>(v))
    if (i->getBitWidth() > 1 && std::abs(i->getSExtValue()) <= 64)
      return i->getSExtValue();
  if (auto *f = llvm::dyn_cast<llvm::ConstantFP>(v)) {
    double d = f->getValueAPF().convertToDouble();
    if (d == std::trunc(d) && std::fabs(d) <= 64)
      return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

} // namespace

Lowerer::Complex Lowerer::splitComplex(llvm::Value *v) {
  return {b.CreateExtractValue(v, {0}), b.CreateExtractValue(v, {1})};
}

llvm::Value *Lowerer::makeComplex(Complex c) {
  llvm::Value *agg = llvm::UndefValue::get(llvm::StructType::get(ctx, {c.re->getType(), c.re->getType()}));
  agg = b.CreateInsertValue(agg, c.re, {0});
  return b.CreateInsertValue(agg, c.im, {1});
}

llvm::Value *Lowerer::complexConstant(double re, double im, const ScalarType *t) {
  llvm::Type *part = valueType(complexPart(t));
  return makeComplex({llvm::ConstantFP::get(part, re), llvm::ConstantFP::get(part, im)});
}

llvm::Value *Lowerer::convertComplex(llvm::Value *v, const ScalarType *from, const ScalarType *to, const Span &at) {
  if (to->isBool())
    return truthy(v, from);
  if (!to->isComplex())
    fail(at, "cannot convert " + from->str() + " to " + to->str() + "; take its .real, .imag or abs()");
  const ScalarType *part = complexPart(to);
  if (!from->isComplex())
    return makeComplex({convert(v, from, part, at), llvm::ConstantFP::get(valueType(part), 0.0)});
  Complex c = splitComplex(v);
  const ScalarType *fromPart = complexPart(from);
  return makeComplex({convert(c.re, fromPart, part, at), convert(c.im, fromPart, part, at)});
}

llvm::Value *Lowerer::complexTruthy(llvm::Value *v) {
  Complex c = splitComplex(v);
  llvm::Value *zero = llvm::ConstantFP::get(c.re->getType(), 0.0);
  return b.CreateOr(b.CreateFCmpUNE(c.re, zero), b.CreateFCmpUNE(c.im, zero));
}

llvm::Value *Lowerer::complexBinOp(BinOpKind op, llvm::Value *l, const Type *lt, llvm::Value *r, const Type *rt,
                                   const ScalarType *t, const Span &at) {
  PartMath m(*this, valueType(complexPart(t)));
  Complex x = splitComplex(convert(l, lt, t, at));
  if (op == BinOpKind::Pow && !cast<ScalarType>(rt)->isComplex())
    if (auto n = smallIntegerExponent(r))
      return makeComplex(m.cpowi(x, *n));
  Complex y = splitComplex(convert(r, rt, t, at));
  switch (op) {
  case BinOpKind::Add: return makeComplex({m.add(x.re, y.re), m.add(x.im, y.im)});
  case BinOpKind::Sub: return makeComplex({m.sub(x.re, y.re), m.sub(x.im, y.im)});
  case BinOpKind::Mul: return makeComplex(m.cmul(x, y));
  case BinOpKind::Div: return makeComplex(m.cdiv(x, y));
  case BinOpKind::Pow: return makeComplex(m.cpow(x, y));
  default: break;
  }
  llvm_unreachable("complex operator");
}

llvm::Value *Lowerer::complexNegate(llvm::Value *v) {
  Complex c = splitComplex(v);
  return makeComplex({b.CreateFNeg(c.re), b.CreateFNeg(c.im)});
}

llvm::Value *Lowerer::complexCompare(CmpOpKind op, llvm::Value *l, llvm::Value *r) {
  Complex x = splitComplex(l), y = splitComplex(r);
  if (op == CmpOpKind::Eq)
    return b.CreateAnd(b.CreateFCmpOEQ(x.re, y.re), b.CreateFCmpOEQ(x.im, y.im));
  return b.CreateOr(b.CreateFCmpUNE(x.re, y.re), b.CreateFCmpUNE(x.im, y.im));
}

// Each part on its own, aligned as NumPy aligns complex arrays (to the part),
// or less where a packed record field says so (`known`, 0 when none).
llvm::Value *Lowerer::loadComplex(llvm::Value *ptr, const ScalarType *dtype, unsigned known) {
  llvm::Type *part = valueType(complexPart(dtype));
  llvm::Align align(known ? std::min<unsigned>(known, dtype->byteSize() / 2) : dtype->byteSize() / 2);
  llvm::Value *imPtr = b.CreateConstInBoundsGEP1_64(part, ptr, 1);
  return makeComplex({b.CreateAlignedLoad(part, ptr, align), b.CreateAlignedLoad(part, imPtr, align)});
}

void Lowerer::storeComplex(llvm::Value *ptr, llvm::Value *v, const ScalarType *dtype, unsigned known) {
  llvm::Type *part = valueType(complexPart(dtype));
  llvm::Align align(known ? std::min<unsigned>(known, dtype->byteSize() / 2) : dtype->byteSize() / 2);
  Complex c = splitComplex(v);
  b.CreateAlignedStore(c.re, ptr, align);
  b.CreateAlignedStore(c.im, b.CreateConstInBoundsGEP1_64(part, ptr, 1), align);
}

llvm::Value *Lowerer::complexAbs(llvm::Value *v, const ScalarType *t) {
  PartMath m(*this, valueType(complexPart(t)));
  Complex c = splitComplex(v);
  return m.fn("hypot", {c.re, c.im});
}

llvm::Value *Lowerer::scalarAttribute(const frontend::AttributeExpr *a) {
  auto *s = cast<ScalarType>(typeOf(a->value));
  llvm::Value *v = expr(a->value);
  if (s->isComplex())
    return b.CreateExtractValue(v, {a->attr == "real" ? 0u : 1u});
  if (a->attr == "real")
    return v;
  return llvm::Constant::getNullValue(valueType(s)); // a real number's .imag
}

llvm::Value *Lowerer::complexCall(const CallExpr *c, const BuiltinInfo &info) {
  const ScalarType *rt = dyn_cast<ScalarType>(typeOf(c));
  if (info.id == BuiltinId::Conjugate) {
    const Expr *receiver = cast<frontend::AttributeExpr>(c->callee)->value;
    llvm::Value *v = expr(receiver);
    if (!rt->isComplex())
      return v;
    Complex z = splitComplex(v);
    return makeComplex({z.re, b.CreateFNeg(z.im)});
  }
  std::vector<llvm::Value *> args;
  for (const Expr *a : c->args)
    args.push_back(expr(a));
  if (info.id == BuiltinId::ComplexCtor) {
    // complex(re, im) == re + im * 1j, for complex re and im too.
    Complex re{llvm::ConstantFP::get(b.getDoubleTy(), 0.0), llvm::ConstantFP::get(b.getDoubleTy(), 0.0)}, im = re;
    if (args.size() > 0)
      re = splitComplex(convert(args[0], typeOf(c->args[0]), rt, c->args[0]->span()));
    if (args.size() > 1)
      im = splitComplex(convert(args[1], typeOf(c->args[1]), rt, c->args[1]->span()));
    PartMath m(*this, b.getDoubleTy());
    return makeComplex({m.sub(re.re, im.im), m.add(re.im, im.re)});
  }
  const CmathFunction &f = *info.cmath;
  // The complex type the function computes in.
  const ScalarType *ct = complexOf(cast<ScalarType>(typeOf(c->args[0])));
  if (args.size() == 2)
    ct = f.op == CmathFunction::Rect ? complexOf(promote(cast<ScalarType>(typeOf(c->args[0])),
                                                         cast<ScalarType>(typeOf(c->args[1]))))
                                     : promote(ct, complexOf(cast<ScalarType>(typeOf(c->args[1]))));
  PartMath m(*this, valueType(complexPart(ct)));
  if (f.op == CmathFunction::Rect) {
    const ScalarType *part = complexPart(ct);
    llvm::Value *r = convert(args[0], typeOf(c->args[0]), part, c->span());
    llvm::Value *phi = convert(args[1], typeOf(c->args[1]), part, c->span());
    return makeComplex({m.mul(r, m.fn("cos", {phi})), m.mul(r, m.fn("sin", {phi}))});
  }
  Complex z = splitComplex(convert(args[0], typeOf(c->args[0]), ct, c->span()));
  auto isTrue = [&](llvm::Value *i32) { return b.CreateICmpNE(i32, b.getInt32(0)); };
  auto test = [&](const char *f64, const char *f32, Complex v) {
    const char *name = m.f32 ? f32 : f64;
    return std::pair{isTrue(libdevice(name, b.getInt32Ty(), {v.re})), isTrue(libdevice(name, b.getInt32Ty(), {v.im}))};
  };
  switch (f.op) {
  case CmathFunction::Sqrt: return makeComplex(m.csqrt(z));
  case CmathFunction::Exp: return makeComplex(m.cexp(z));
  case CmathFunction::Log: {
    Complex l = m.clog(z);
    if (args.size() == 2)
      l = m.cdiv(l, m.clog(splitComplex(convert(args[1], typeOf(c->args[1]), ct, c->span()))));
    return makeComplex(l);
  }
  case CmathFunction::Log10: {
    Complex l = m.clog(z);
    return makeComplex({m.div(l.re, m.k(std::numbers::ln10)), m.div(l.im, m.k(std::numbers::ln10))});
  }
  case CmathFunction::Sin: return makeComplex(m.viaHyperbolic(z, [&](Complex w) { return m.csinh(w); }));
  case CmathFunction::Cos: return makeComplex(m.ccosh({m.neg(z.im), z.re}));
  case CmathFunction::Tan: return makeComplex(m.viaHyperbolic(z, [&](Complex w) { return m.ctanh(w); }));
  case CmathFunction::Asin: return makeComplex(m.viaHyperbolic(z, [&](Complex w) { return m.casinh(w); }));
  case CmathFunction::Acos: return makeComplex(m.cacos(z));
  case CmathFunction::Atan: return makeComplex(m.viaHyperbolic(z, [&](Complex w) { return m.catanh(w); }));
  case CmathFunction::Sinh: return makeComplex(m.csinh(z));
  case CmathFunction::Cosh: return makeComplex(m.ccosh(z));
  case CmathFunction::Tanh: return makeComplex(m.ctanh(z));
  case CmathFunction::Asinh: return makeComplex(m.casinh(z));
  case CmathFunction::Acosh: return makeComplex(m.cacosh(z));
  case CmathFunction::Atanh: return makeComplex(m.catanh(z));
  case CmathFunction::Phase: return m.fn("atan2", {z.im, z.re});
  case CmathFunction::Polar: {
    llvm::Value *pair = llvm::UndefValue::get(valueType(typeOf(c)));
    pair = b.CreateInsertValue(pair, m.fn("hypot", {z.re, z.im}), {0});
    return b.CreateInsertValue(pair, m.fn("atan2", {z.im, z.re}), {1});
  }
  case CmathFunction::IsNan: {
    auto [re, im] = test("__nv_isnand", "__nv_isnanf", z);
    return b.CreateOr(re, im);
  }
  case CmathFunction::IsInf: {
    auto [re, im] = test("__nv_isinfd", "__nv_isinff", z);
    return b.CreateOr(re, im);
  }
  case CmathFunction::IsFinite: {
    auto [re, im] = test("__nv_isfinited", "__nv_finitef", z);
    return b.CreateAnd(re, im);
  }
  case CmathFunction::Rect: break;
  }
  llvm_unreachable("cmath function");
}

} // namespace ptxforge::compiler
