//===- compiler/LowerFp8.cpp - numba-cuda's FP8 types and conversions -----===//
//
// The results are CUDA's cuda_fp8.h's, bit for bit. sm_89 and newer convert
// float32 to e4m3/e5m2 with saturation (cvt.rn.satfinite.e4m3x2.f32) and
// e4m3/e5m2 to float16 (cvt.rn.f16x2.e4m3x2) in one instruction; those are
// inline PTX when the format and the saturation are known while lowering.
// Everything else is integer arithmetic on the bits, as the header's own
// portable code does it, and so is the CPU target: the conversions without
// saturation, from float64 (rounded once, from its own bits), and all of
// e8m0's (whose cvt.*.ue8m0x2 needs sm_100a).
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"

namespace ptxforge::compiler {

using namespace frontend;
using F = Fp8Function;

namespace {

/// The bits of the storage conversions, shared by the constructors and the
/// cvt functions. `sat` (SATFINITE) and `e4m3` (rather than e5m2) are i1
/// values, constants in the usual case, so that LLVM folds the other arm.
class Fp8Bits {
public:
  explicit Fp8Bits(Lowerer &L) : L(L), b(L.b) {}

  /// CUDA's __nv_cvt_double_to_fp8: x rounded to nearest even from its own
  /// bits; beyond the finite range, the largest finite (SATFINITE) or
  /// infinity (e5m2) / NaN (e4m3).
  llvm::Value *fromDouble(llvm::Value *x, llvm::Value *sat, llvm::Value *e4m3) {
    llvm::Value *bits = b.CreateBitCast(x, b.getInt64Ty());
    auto pick = [&](std::uint64_t forE4m3, std::uint64_t forE5m2) {
      return b.CreateSelect(e4m3, b.getInt64(forE4m3), b.getInt64(forE5m2));
    };
    llvm::Value *bias = pick(7, 15);
    llvm::Value *significand = pick(4, 3); // with the implicit bit
    llvm::Value *mantissaMask = pick(0x7, 0x3);
    llvm::Value *minDenormHalf = pick(0x3F50000000000000, 0x3EE0000000000000); // 2^-10, 2^-17
    llvm::Value *overflow = pick(0x407D000000000000, 0x40EE000000000000 - 1);  // maxnorm + ulp/2
    llvm::Value *maxNorm = pick(0x7E, 0x7B);
    llvm::Value *minNorm = pick(0x3F90000000000000, 0x3F10000000000000); // 2^-6, 2^-14
    // Half a unit in the last place of the fp8 format, at its place in a double.
    llvm::Value *halfUlp = b.CreateShl(b.getInt64(1), b.CreateSub(b.getInt64(52), significand));
    llvm::Value *sign = b.CreateShl(b.CreateLShr(bits, 63), 7);
    llvm::Value *exponent = b.CreateAnd(
        b.CreateAdd(b.CreateSub(b.CreateAnd(b.CreateLShr(bits, 52), 0x7FF), b.getInt64(1023)), bias), 0xFF);
    llvm::Value *mantissa =
        b.CreateAnd(b.CreateLShr(bits, b.CreateSub(b.getInt64(53), significand)), mantissaMask);
    llvm::Value *absx = b.CreateAnd(bits, 0x7FFFFFFFFFFFFFFF);
    auto roundUp = [&](llvm::Value *r, llvm::Value *lost, llvm::Value *half) { // to nearest even
      llvm::Value *up = b.CreateOr(b.CreateICmpUGT(lost, half),
                                   b.CreateAnd(b.CreateICmpEQ(lost, half), b.CreateTrunc(r, b.getInt1Ty())));
      return b.CreateAdd(r, b.CreateZExt(up, b.getInt64Ty()));
    };
    // Normal: the exponent and the mantissa cut toward zero, then rounded.
    llvm::Value *normal = b.CreateOr(b.CreateShl(exponent, b.CreateSub(significand, b.getInt64(1))), mantissa);
    normal = roundUp(normal, b.CreateAnd(bits, b.CreateSub(b.CreateShl(halfUlp, 1), b.getInt64(1))), halfUlp);
    // Subnormal: the implicit bit joins the mantissa, shifted right by 1 - exponent (1 to 4).
    llvm::Value *shift = b.CreateAnd(b.CreateSub(b.getInt64(1), exponent), 0x7);
    llvm::Value *withImplicit = b.CreateOr(mantissa, b.CreateShl(b.getInt64(1), b.CreateSub(significand, b.getInt64(1))));
    llvm::Value *sub = b.CreateLShr(withImplicit, shift);
    llvm::Value *lost = b.CreateAnd(b.CreateOr(bits, b.getInt64(1ull << 52)),
                                    b.CreateSub(b.CreateShl(halfUlp, b.CreateAdd(shift, b.getInt64(1))), b.getInt64(1)));
    sub = roundUp(sub, lost, b.CreateShl(halfUlp, shift));
    llvm::Value *nan = b.CreateSelect(e4m3, b.getInt64(0x7F), b.CreateOr(b.getInt64(0x7E), mantissa));
    llvm::Value *huge = b.CreateSelect(sat, maxNorm, b.CreateSelect(e4m3, b.getInt64(0x7F), b.getInt64(0x7C)));
    llvm::Value *r = b.CreateSelect(b.CreateICmpUGE(absx, minNorm), normal, sub);
    r = b.CreateSelect(b.CreateICmpUGT(absx, overflow), huge, r);
    r = b.CreateSelect(b.CreateICmpUGT(absx, b.getInt64(0x7FF0000000000000)), nan, r);
    r = b.CreateSelect(b.CreateICmpULE(absx, minDenormHalf), b.getInt64(0), r);
    return b.CreateTrunc(b.CreateOr(r, sign), b.getInt8Ty());
  }

  /// CUDA's __nv_cvt_float_to_fp8: one cvt on sm_89 and newer when it
  /// saturates, else the float64 conversion of x with NaN made canonical.
  llvm::Value *fromFloat(llvm::Value *x, llvm::Value *sat, llvm::Value *e4m3) {
    auto *satC = llvm::dyn_cast<llvm::ConstantInt>(sat);
    auto *e4m3C = llvm::dyn_cast<llvm::ConstantInt>(e4m3);
    if (hardware() && satC && satC->isOne() && e4m3C) {
      const char *text = e4m3C->isOne() ? "cvt.rn.satfinite.e4m3x2.f32 $0, $2, $1;"
                                        : "cvt.rn.satfinite.e5m2x2.f32 $0, $2, $1;";
      llvm::Value *pair = pure(inlineAsm(L, b.getInt16Ty(), {x, llvm::ConstantFP::get(b.getFloatTy(), 0.0)}, text,
                                         "=h,f,f", false));
      return b.CreateTrunc(pair, b.getInt8Ty());
    }
    llvm::Value *canonical = b.CreateSelect(b.CreateFCmpUNO(x, x),
                                            b.CreateBitCast(b.getInt32(0x7FFFFFFF), b.getFloatTy()), x);
    return fromDouble(b.CreateFPExt(canonical, b.getDoubleTy()), sat, e4m3);
  }

  /// An e4m3 or e5m2 byte as a float32, exactly (NaN: float16's canonical NaN, widened).
  llvm::Value *toFloat(llvm::Value *x, Fp8Type::Format f) {
    if (f == Fp8Type::E8M0)
      return b.CreateBitCast(b.CreateShl(b.CreateZExt(e8m0ToBf16(x), b.getInt32Ty()), 16), b.getFloatTy());
    return b.CreateFPExt(toHalf(x, f), b.getFloatTy());
  }

  /// An fp8 byte as a float16: exact for e4m3 and e5m2, rounded to nearest for e8m0.
  llvm::Value *toHalf(llvm::Value *x, Fp8Type::Format f) {
    llvm::Type *half = b.getHalfTy();
    if (f == Fp8Type::E8M0)
      return b.CreateFPTrunc(toFloat(x, f), half);
    if (hardware()) {
      const char *text = f == Fp8Type::E4M3 ? "cvt.rn.f16x2.e4m3x2 $0, $1;" : "cvt.rn.f16x2.e5m2x2 $0, $1;";
      llvm::Value *pair = pure(inlineAsm(L, b.getInt32Ty(), {b.CreateZExt(x, b.getInt16Ty())}, text, "=r,h", false));
      return b.CreateBitCast(b.CreateTrunc(pair, b.getInt16Ty()), half);
    }
    llvm::Value *wide = b.CreateZExt(x, b.getInt32Ty());
    llvm::Value *canonicalNan = b.getInt16(0x7FFF);
    if (f == Fp8Type::E5M2) { // float16's top byte
      llvm::Value *h = b.CreateShl(b.CreateZExt(x, b.getInt16Ty()), 8);
      llvm::Value *isNan = b.CreateICmpUGT(b.CreateAnd(h, 0x7FFF), b.getInt16(0x7C00));
      return b.CreateBitCast(b.CreateSelect(isNan, canonicalNan, h), half);
    }
    // e4m3: sign, 4 exponent bits biased by 7, 3 mantissa bits; exponent 0 is subnormal, m * 2^-9.
    llvm::Value *exponent = b.CreateAnd(b.CreateLShr(wide, 3), 0xF);
    llvm::Value *mantissa = b.CreateAnd(wide, 0x7);
    llvm::Value *sign = b.CreateShl(b.CreateLShr(wide, 7), 31);
    llvm::Value *normal = b.CreateOr(
        sign, b.CreateOr(b.CreateShl(b.CreateAdd(exponent, b.getInt32(127 - 7)), 23), b.CreateShl(mantissa, 20)));
    llvm::Value *subnormal = b.CreateOr(
        sign, b.CreateBitCast(b.CreateFMul(b.CreateUIToFP(mantissa, b.getFloatTy()),
                                           llvm::ConstantFP::get(b.getFloatTy(), 1.0 / 512)),
                              b.getInt32Ty()));
    llvm::Value *f32 = b.CreateSelect(b.CreateICmpEQ(exponent, b.getInt32(0)), subnormal, normal);
    llvm::Value *h = b.CreateBitCast(b.CreateFPTrunc(b.CreateBitCast(f32, b.getFloatTy()), half), b.getInt16Ty());
    llvm::Value *isNan = b.CreateICmpEQ(b.CreateAnd(wide, 0x7F), b.getInt32(0x7F));
    return b.CreateBitCast(b.CreateSelect(isNan, canonicalNan, h), half);
  }

  /// __nv_cvt_bfloat16raw_to_e8m0: the exponent byte of a bfloat16's bits,
  /// one up when rounding up (`up`) drops mantissa bits of a finite value
  /// above 2^-127, then 0xff (NaN) lowered to 0xfe when saturating a non-NaN.
  llvm::Value *bf16ToE8m0(llvm::Value *x, llvm::Value *sat, llvm::Value *up) {
    llvm::Value *magnitude = b.CreateAnd(x, 0x7FFF);
    llvm::Value *r = b.CreateTrunc(b.CreateLShr(x, 7), b.getInt8Ty());
    llvm::Value *inexact = b.CreateAnd(b.CreateICmpNE(b.CreateAnd(x, 0x7F), b.getInt16(0)),
                                       b.CreateAnd(b.CreateICmpUGT(magnitude, b.getInt16(0x40)),
                                                   b.CreateICmpULT(magnitude, b.getInt16(0x7F80))));
    r = b.CreateAdd(r, b.CreateZExt(b.CreateAnd(up, inexact), b.getInt8Ty()));
    llvm::Value *clip = b.CreateAnd(sat, b.CreateAnd(b.CreateICmpULE(magnitude, b.getInt16(0x7F80)),
                                                     b.CreateICmpEQ(r, b.getInt8(0xFF))));
    return b.CreateSub(r, b.CreateZExt(clip, b.getInt8Ty()));
  }

  /// __nv_cvt_float_to_e8m0. `mode` is the cudaRoundMode (i64): toward zero
  /// (1) takes the bfloat16 of x cut toward zero; anything else, |x| rounded
  /// up. Only 2 (toward +inf) then rounds the exponent up, as in CUDA.
  llvm::Value *floatToE8m0(llvm::Value *x, llvm::Value *sat, llvm::Value *mode) {
    llvm::Value *bits = b.CreateBitCast(x, b.getInt32Ty());
    llvm::Value *isNan = b.CreateFCmpUNO(x, x);
    llvm::Value *nan16 = b.getInt16(0x7FFF);
    llvm::Value *cut = b.CreateSelect(isNan, nan16, b.CreateTrunc(b.CreateLShr(bits, 16), b.getInt16Ty()));
    llvm::Value *abs = b.CreateAnd(bits, 0x7FFFFFFF);
    llvm::Value *absHigh = b.CreateTrunc(b.CreateLShr(abs, 16), b.getInt16Ty());
    llvm::Value *bump = b.CreateAnd(b.CreateICmpULT(abs, b.getInt32(0x7F800000)),
                                    b.CreateICmpNE(b.CreateAnd(abs, 0xFFFF), b.getInt32(0)));
    llvm::Value *rounded = b.CreateSelect(isNan, nan16, b.CreateAdd(absHigh, b.CreateZExt(bump, b.getInt16Ty())));
    llvm::Value *zero = b.CreateICmpEQ(mode, b.getInt64(1));
    return bf16ToE8m0(b.CreateSelect(zero, cut, rounded), sat, b.CreateICmpEQ(mode, b.getInt64(2)));
  }

  /// __nv_cvt_double_to_e8m0: through the float32 nearest x, its last bit
  /// set when that is inexact (and stepped toward zero when it rounded
  /// away), so that the float conversion rounds as from x itself.
  llvm::Value *doubleToE8m0(llvm::Value *x, llvm::Value *sat, llvm::Value *mode) {
    llvm::Value *f = b.CreateFPTrunc(x, b.getFloatTy());
    llvm::Value *back = b.CreateFPExt(f, b.getDoubleTy());
    llvm::Value *u = b.CreateBitCast(f, b.getInt32Ty());
    llvm::Value *zero = llvm::ConstantFP::get(b.getDoubleTy(), 0.0);
    llvm::Value *away = b.CreateOr(b.CreateAnd(b.CreateFCmpOGT(x, zero), b.CreateFCmpOGT(back, x)),
                                   b.CreateAnd(b.CreateFCmpOLT(x, zero), b.CreateFCmpOLT(back, x)));
    u = b.CreateSub(u, b.CreateZExt(away, b.getInt32Ty()));
    llvm::Value *notNan = b.CreateICmpULE(b.CreateShl(b.CreateBitCast(f, b.getInt32Ty()), 1), b.getInt32(0xFF000000));
    llvm::Value *sticky = b.CreateAnd(b.CreateFCmpUNE(back, x), notNan);
    u = b.CreateOr(u, b.CreateZExt(sticky, b.getInt32Ty()));
    return floatToE8m0(b.CreateBitCast(u, b.getFloatTy()), sat, mode);
  }

  /// __nv_cvt_e8m0_to_bf16raw: 2^(x-127) as bfloat16 bits (x = 0 is the
  /// subnormal 2^-127, 0xff NaN).
  llvm::Value *e8m0ToBf16(llvm::Value *x) {
    llvm::Value *r = b.CreateShl(b.CreateZExt(x, b.getInt16Ty()), 7);
    r = b.CreateSelect(b.CreateICmpEQ(x, b.getInt8(0)), b.getInt16(0x0040), r);
    return b.CreateSelect(b.CreateICmpEQ(x, b.getInt8(0xFF)), b.getInt16(0x7FFF), r);
  }

  /// The e8m0 constructors of integers: the exponent of the smallest power
  /// of two at least |v| (0 for 0), as CUDA's do through float, double or a
  /// bfloat16 rounded up.
  llvm::Value *intToE8m0(llvm::Value *v, bool isSigned) {
    llvm::Value *wide = isSigned ? b.CreateSExt(v, b.getInt64Ty()) : b.CreateZExt(v, b.getInt64Ty());
    llvm::Value *magnitude = isSigned ? b.CreateBinaryIntrinsic(llvm::Intrinsic::abs, wide, b.getFalse()) : wide;
    llvm::Value *lz = b.CreateBinaryIntrinsic(llvm::Intrinsic::ctlz, b.CreateSub(magnitude, b.getInt64(1)), b.getFalse());
    llvm::Value *e = b.CreateSub(b.getInt64(64 + 127), lz);
    e = b.CreateSelect(b.CreateICmpEQ(magnitude, b.getInt64(0)), b.getInt64(0), e);
    return b.CreateTrunc(e, b.getInt8Ty());
  }

private:
  bool hardware() const { return !L.target.isHost() && targetAtLeast(L, 8, 9); }
  /// A cvt reads no memory: the same conversion twice is computed once.
  static llvm::Value *pure(llvm::Value *call) {
    auto *c = llvm::cast<llvm::CallInst>(call);
    c->setDoesNotAccessMemory();
    c->setDoesNotThrow();
    c->addFnAttr(llvm::Attribute::WillReturn);
    return c;
  }

  Lowerer &L;
  llvm::IRBuilder<> &b;
};

} // namespace

llvm::Value *Lowerer::fp8Construct(llvm::Value *v, const ScalarType *from, const Fp8Type *to) {
  Fp8Bits bits(*this);
  llvm::Value *sat = b.getTrue();
  if (to->format == Fp8Type::E8M0) {
    if (from->isInt() || from->isBool())
      return bits.intToE8m0(v, from->isSigned && !from->isBool());
    llvm::Value *up = b.getInt64(2); // cudaRoundPosInf
    if (valueType(from)->isDoubleTy())
      return bits.doubleToE8m0(v, sat, up);
    return bits.floatToE8m0(convert(v, from, types().floatType(32), {}), sat, up);
  }
  llvm::Value *e4m3 = b.getInt1(to->format == Fp8Type::E4M3);
  if (valueType(from)->isDoubleTy()) // float64, or a Python float (numba's float64)
    return bits.fromDouble(v, sat, e4m3);
  return bits.fromFloat(convert(v, from, types().floatType(32), {}), sat, e4m3);
}

llvm::Value *Lowerer::convertFp8(llvm::Value *v, const Type *from, const Type *to, const Span &at) {
  auto *sf = dyn_cast<Fp8Type>(from);
  auto *st = dyn_cast<ScalarType>(to);
  if (!sf) {
    if (auto *s = dyn_cast<ScalarType>(from); s && !s->isComplex())
      return fp8Construct(v, s, cast<Fp8Type>(to));
    fail(at, "cannot convert " + from->str() + " to " + to->str());
  }
  if (!st || st->isComplex())
    fail(at, "cannot convert " + from->str() + " to " + to->str());
  Fp8Bits bits(*this);
  if (st->isBool()) // CUDA's operator bool: e8m0 is never zero
    return sf->format == Fp8Type::E8M0 ? b.getTrue() : b.CreateICmpNE(b.CreateAnd(v, 0x7F), b.getInt8(0));
  if (st->isFloat() && st->bits == 16 && !st->isBFloat16())
    return bits.toHalf(v, sf->format);
  if (st->isBFloat16() && sf->format == Fp8Type::E8M0)
    return b.CreateBitCast(bits.e8m0ToBf16(v), b.getBFloatTy());
  llvm::Value *f = bits.toFloat(v, sf->format); // exact: the other conversions start from it
  if (st->isFloat())
    return b.CreateFPCast(f, valueType(st));
  // Integers: toward zero, saturating, NaN 0 (CUDA's through __half2int_rz and friends).
  return b.CreateIntrinsic(st->isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat,
                           {valueType(st), f->getType()}, {f});
}

llvm::Value *Lowerer::fp8Call(const frontend::CallExpr *c, const Fp8Function &f) {
  Fp8Bits bits(*this);
  const Expr *arg = c->args[0];
  llvm::Value *x = expr(arg);
  const Type *xt = typeOf(arg);
  if (f.kind == F::Construct)
    return fp8Construct(x, cast<ScalarType>(xt), cast<Fp8Type>(typeOf(c)));
  if (f.kind == F::E8m0ToBf16Raw) {
    llvm::Value *byte = convert(x, xt, types().intType(8, false), arg->span());
    return b.CreateInsertValue(llvm::UndefValue::get(valueType(typeOf(c))), bits.e8m0ToBf16(byte), {0});
  }
  llvm::Value *i64Sat = convert(expr(c->args[1]), typeOf(c->args[1]), types().intType(64), c->args[1]->span());
  llvm::Value *third = convert(expr(c->args[2]), typeOf(c->args[2]), types().intType(64), c->args[2]->span());
  llvm::Value *sat = b.CreateICmpEQ(i64Sat, b.getInt64(1));      // __NV_SATFINITE
  llvm::Value *e4m3 = b.CreateICmpEQ(third, b.getInt64(0));      // __NV_E4M3
  const ScalarType *f32 = types().floatType(32), *f64 = types().floatType(64);
  // One number: x itself; a pair: element k.
  auto one = [&](llvm::Value *value, const Type *type) -> llvm::Value * {
    switch (f.from) {
    case F::Float:
    case F::Float2: {
      llvm::Value *fx = convert(value, type, f32, arg->span());
      return f.kind == F::ToFp8 ? bits.fromFloat(fx, sat, e4m3) : bits.floatToE8m0(fx, sat, third);
    }
    case F::Double:
    case F::Double2: {
      llvm::Value *dx = convert(value, type, f64, arg->span());
      return f.kind == F::ToFp8 ? bits.fromDouble(dx, sat, e4m3) : bits.doubleToE8m0(dx, sat, third);
    }
    case F::Bf16Raw: {
      llvm::Value *raw = b.CreateExtractValue(value, {0});
      if (f.kind == F::ToE8m0)
        return bits.bf16ToE8m0(raw, sat, b.CreateICmpEQ(third, b.getInt64(2)));
      llvm::Value *fx = b.CreateBitCast(b.CreateShl(b.CreateZExt(raw, b.getInt32Ty()), 16), b.getFloatTy());
      return bits.fromFloat(fx, sat, e4m3);
    }
    }
    return nullptr;
  };
  if (f.from != F::Float2 && f.from != F::Double2)
    return one(x, xt);
  auto *pair = cast<TupleType>(xt);
  llvm::Value *lo = one(b.CreateExtractValue(x, {0}), pair->elts[0]);
  llvm::Value *hi = one(b.CreateExtractValue(x, {1}), pair->elts[1]);
  return b.CreateOr(b.CreateShl(b.CreateZExt(hi, b.getInt16Ty()), 8), b.CreateZExt(lo, b.getInt16Ty()));
}

} // namespace ptxforge::compiler
