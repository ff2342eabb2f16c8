//===- compiler/LowerComplex.cpp - Complex numbers and their arithmetic ---===//
//
// A complex value is an LLVM struct {T, T} (real, imaginary) of its part
// type T (float for complex64, double for complex128), so it travels through
// locals, tuples and calls like any other value; in memory it is NumPy's
// interleaved pair, aligned to T. Arithmetic follows CPython (Smith's
// division); the cmath functions are in LowerCmath.cpp. Real functions come
// from libdevice, float32 variants for complex64.
//
//===----------------------------------------------------------------------===//

#include "compiler/ComplexMath.h"

#include <cmath>
#include <numbers>

namespace ptxforge::compiler {

using namespace frontend;

namespace {

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

PartMath::Cx PartMath::cmul(Cx x, Cx y) {
  return {sub(mul(x.re, y.re), mul(x.im, y.im)), add(mul(x.re, y.im), mul(x.im, y.re))};
}

// Smith's algorithm, as CPython: divide by the larger part of the divisor.
// A zero divisor gives NumPy's infinities (or NaNs for 0 / 0), not an error.
PartMath::Cx PartMath::cdiv(Cx x, Cx y) {
  llvm::Value *realBigger = b.CreateFCmpOGE(fabs(y.re), fabs(y.im));
  llvm::Value *r1 = div(y.im, y.re), *d1 = add(y.re, mul(y.im, r1));
  Cx q1{div(add(x.re, mul(x.im, r1)), d1), div(sub(x.im, mul(x.re, r1)), d1)};
  llvm::Value *r2 = div(y.re, y.im), *d2 = add(mul(y.re, r2), y.im);
  Cx q2{div(add(mul(x.re, r2), x.im), d2), div(sub(mul(x.im, r2), x.re), d2)};
  llvm::Value *zero = b.CreateAnd(eq(y.re, 0.0), eq(y.im, 0.0));
  Cx byZero{div(x.re, fabs(y.re)), div(x.im, fabs(y.re))};
  return select(zero, byZero, select(realBigger, q1, q2));
}

PartMath::Cx PartMath::cpow(Cx x, Cx y) {
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
PartMath::Cx PartMath::cpowi(Cx z, std::int64_t n) {
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
  PartMath m(*this, valueType(complexPart(t)), /*exact=*/true);
  return m.cabs(splitComplex(v));
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
    // complex(re, im) == re + im * 1j, for complex re and im too; as in
    // CPython, a real argument is taken as it is (complex(1.0, -0.0) keeps
    // its negative zero), with no arithmetic on a zero part.
    Complex re{llvm::ConstantFP::get(b.getDoubleTy(), 0.0), llvm::ConstantFP::get(b.getDoubleTy(), 0.0)}, im = re;
    auto isComplex = [&](std::size_t i) { return cast<ScalarType>(typeOf(c->args[i]))->isComplex(); };
    if (args.size() > 0)
      re = splitComplex(convert(args[0], typeOf(c->args[0]), rt, c->args[0]->span()));
    if (args.size() < 2)
      return makeComplex(re);
    im = splitComplex(convert(args[1], typeOf(c->args[1]), rt, c->args[1]->span()));
    PartMath m(*this, b.getDoubleTy(), /*exact=*/true);
    return makeComplex({isComplex(1) ? m.sub(re.re, im.im) : re.re, isComplex(0) ? m.add(re.im, im.re) : im.re});
  }
  const CmathFunction &f = *info.cmath;
  // The complex type the function computes in.
  const ScalarType *ct = complexOf(cast<ScalarType>(typeOf(c->args[0])));
  if (args.size() == 2)
    ct = f.op == CmathFunction::Rect ? complexOf(promote(cast<ScalarType>(typeOf(c->args[0])),
                                                         cast<ScalarType>(typeOf(c->args[1]))))
                                     : promote(ct, complexOf(cast<ScalarType>(typeOf(c->args[1]))));
  PartMath m(*this, valueType(complexPart(ct)), /*exact=*/true);
  if (f.op == CmathFunction::Rect) {
    const ScalarType *part = complexPart(ct);
    llvm::Value *r = convert(args[0], typeOf(c->args[0]), part, c->span());
    llvm::Value *phi = convert(args[1], typeOf(c->args[1]), part, c->span());
    return makeComplex(m.rect(r, phi));
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
    pair = b.CreateInsertValue(pair, m.cabs(z), {0});
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
