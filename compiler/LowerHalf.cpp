//===- compiler/LowerHalf.cpp - cuda.fp16 and cuda.bf16 functions ---------===//
//
// Arithmetic, comparisons, min/max and rounding are LLVM operations on half
// and bfloat, which NVPTX emits as the native sm_90 instructions (add.f16,
// fma.rn.bf16, setp.lt.f16, max.NaN.f16, cvt.rmi.f16.f16). As in CUDA's
// headers, `hadd` may fuse with a neighbouring `hmul` into an fma while
// `hadd_rn` never does. Transcendentals compute in float32 through libdevice
// and round once. Conversions with a named rounding mode, which LLVM cannot
// express, and habs of float16 (which LLVM 19 widens to float32) are inline
// `cvt` / `abs.f16` instructions. The CPU target has no PTX: there a named
// rounding is the nearest conversion stepped one unit in the last place where
// it went the wrong way, and habs and tanh_approx are the plain operations.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"

#include <limits>

namespace ptxforge::compiler {

using namespace frontend;
using H = HalfFunction;

namespace {

/// PTX's name of a scalar type in a cvt: f16, bf16, f32, f64, s8 ... u64.
std::string ptxType(const ScalarType *t) {
  if (t->isFloat())
    return t->isBFloat16() ? "bf16" : "f" + std::to_string(t->bits);
  return (t->isSigned ? "s" : "u") + std::to_string(t->bits);
}

/// The inline-asm constraint of a register holding `bits` bits.
const char *constraint(int bits, bool isFloat) {
  if (isFloat)
    return bits == 32 ? "f" : "d";
  return bits == 16 ? "h" : bits == 32 ? "r" : "l";
}

const char *roundingSuffix(H::Mode m, bool toInteger) {
  switch (m) {
  case H::Zero: return toInteger ? "rzi" : "rz";
  case H::Down: return toInteger ? "rmi" : "rm";
  case H::Up: return toInteger ? "rpi" : "rp";
  default: return toInteger ? "rni" : "rn";
  }
}

/// The half or bfloat `r` (of type `half`), the nearest conversion of `x` (of
/// type `from`), moved one unit in the last place where it lies on the wrong
/// side of `x` for rounding mode `m` (the host's form of cvt.rz/rm/rp). Both
/// are compared in double, where the half is exact; an integer beyond 2^53 is
/// past every finite half, so its inexact double still orders right.
llvm::Value *stepToMode(Lowerer &L, llvm::Value *r, llvm::Value *x, const ScalarType *from, H::Mode m) {
  auto &b = L.b;
  llvm::Type *f64 = b.getDoubleTy();
  llvm::Value *back = b.CreateFPExt(r, f64);
  llvm::Value *wide = from->isFloat() ? b.CreateFPExt(x, f64)
                      : from->isSigned ? b.CreateSIToFP(x, f64)
                                       : b.CreateUIToFP(x, f64);
  llvm::Value *bits = b.CreateBitCast(r, b.getInt16Ty());
  llvm::Value *negative = b.CreateICmpSLT(bits, b.getInt16(0));
  llvm::Value *smaller = b.CreateSub(bits, b.getInt16(1)); // one step toward zero
  llvm::Value *larger = b.CreateAdd(bits, b.getInt16(1));  // one step away from zero
  llvm::Value *step = nullptr, *to = nullptr;
  switch (m) {
  case H::Zero:
    step = b.CreateFCmpOGT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, back),
                           b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, wide));
    to = smaller;
    break;
  case H::Down:
    step = b.CreateFCmpOGT(back, wide);
    to = b.CreateSelect(negative, larger, smaller);
    break;
  default: // Up
    step = b.CreateFCmpOLT(back, wide);
    to = b.CreateSelect(negative, smaller, larger);
    break;
  }
  return b.CreateBitCast(b.CreateSelect(step, to, bits), r->getType());
}

} // namespace

llvm::Value *Lowerer::halfCall(const HalfFunction &f, const std::vector<const Expr *> &args, const Span &at) {
  const ScalarType *ht = f.halfType();
  std::vector<llvm::Value *> a;
  for (const Expr *e : args) {
    const ScalarType *to = f.kind == H::FromScalar || f.kind == H::FromBits ? f.other : ht;
    a.push_back(convert(expr(e), typeOf(e), to, e->span()));
  }
  llvm::Type *half = valueType(ht);
  llvm::Type *i16 = b.getInt16Ty();
  llvm::IRBuilder<>::FastMathFlagGuard guard(b);
  b.setFastMathFlags(f.mode == H::Contract ? floatFlags() : llvm::FastMathFlags());
  auto constant = [&](double v) { return llvm::ConstantFP::get(half, v); };
  auto clamp = [&](llvm::Value *r) -> llvm::Value * {
    if (f.mode == H::Saturate) // NaN and -0.0 give +0.0
      return b.CreateSelect(b.CreateFCmpOGT(r, constant(0)),
                            b.CreateSelect(b.CreateFCmpOLT(r, constant(1)), r, constant(1)), constant(0));
    if (f.mode == H::Relu)
      return b.CreateSelect(b.CreateFCmpOLT(r, constant(0)), constant(0), r);
    return r;
  };
  const std::string name = f.shownName() + "()";
  switch (f.kind) {
  case H::Arith:
    switch (static_cast<BinOpKind>(f.op)) {
    case BinOpKind::Add: return clamp(b.CreateFAdd(a[0], a[1]));
    case BinOpKind::Sub: return clamp(b.CreateFSub(a[0], a[1]));
    case BinOpKind::Mul: return clamp(b.CreateFMul(a[0], a[1]));
    default: return clamp(b.CreateFDiv(a[0], a[1]));
    }
  case H::Fma: return clamp(b.CreateIntrinsic(llvm::Intrinsic::fma, {half}, {a[0], a[1], a[2]}));
  case H::Neg: return b.CreateFNeg(a[0]);
  case H::Abs:
    if (!target.isHost() && !ht->isBFloat16() && targetAtLeast(*this, 5, 3))
      return b.CreateBitCast(inlineAsm(*this, i16, {b.CreateBitCast(a[0], i16)}, "abs.f16 $0, $1;", "=h,h", false),
                             half);
    return b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, a[0]);
  case H::Max: return b.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, a[0], a[1]);
  case H::Min: return b.CreateBinaryIntrinsic(llvm::Intrinsic::minnum, a[0], a[1]);
  case H::MaxNan: return b.CreateBinaryIntrinsic(llvm::Intrinsic::maximum, a[0], a[1]);
  case H::MinNan: return b.CreateBinaryIntrinsic(llvm::Intrinsic::minimum, a[0], a[1]);
  case H::Compare: {
    using P = llvm::CmpInst::Predicate;
    static const P ordered[] = {P::FCMP_OEQ, P::FCMP_ONE, P::FCMP_OLT, P::FCMP_OLE, P::FCMP_OGT, P::FCMP_OGE};
    static const P unordered[] = {P::FCMP_UEQ, P::FCMP_UNE, P::FCMP_ULT, P::FCMP_ULE, P::FCMP_UGT, P::FCMP_UGE};
    return b.CreateFCmp((f.mode == H::Unordered ? unordered : ordered)[f.op], a[0], a[1]);
  }
  case H::IsNan: return b.CreateFCmpUNO(a[0], a[0]);
  case H::IsInf: { // CUDA's __hisinf: 1 for +inf, -1 for -inf, else 0
    double inf = std::numeric_limits<double>::infinity();
    return b.CreateSelect(b.CreateFCmpOEQ(a[0], constant(inf)), b.getInt32(1),
                          b.CreateSelect(b.CreateFCmpOEQ(a[0], constant(-inf)), b.getInt32(-1), b.getInt32(0)));
  }
  case H::TanhApprox:
    if (!target.isHost() && (ht->isBFloat16() ? targetAtLeast(*this, 9) : targetAtLeast(*this, 7, 5))) {
      const char *text = ht->isBFloat16() ? "tanh.approx.bf16 $0, $1;" : "tanh.approx.f16 $0, $1;";
      return b.CreateBitCast(inlineAsm(*this, i16, {b.CreateBitCast(a[0], i16)}, text, "=h,h", false), half);
    }
    return b.CreateFPTrunc(libdevice("__nv_tanhf", b.getFloatTy(), {b.CreateFPExt(a[0], b.getFloatTy())}), half);
  case H::Math:
    return b.CreateFPTrunc(libdevice(f.libdevice, b.getFloatTy(), {b.CreateFPExt(a[0], b.getFloatTy())}), half);
  case H::Round: {
    static const llvm::Intrinsic::ID ids[] = {llvm::Intrinsic::trunc, llvm::Intrinsic::ceil, llvm::Intrinsic::floor,
                                              llvm::Intrinsic::rint};
    return b.CreateUnaryIntrinsic(ids[f.op], a[0]);
  }
  case H::ToFloat: return b.CreateFPExt(a[0], b.getFloatTy());
  case H::AsBits: return b.CreateBitCast(a[0], i16);
  case H::FromBits: return b.CreateBitCast(a[0], half);
  case H::FromScalar: {
    if (f.mode == H::Nearest) // one rounding, as LLVM's conversions do
      return convert(a[0], f.other, ht, at);
    bool fromFloat = f.other->isFloat();
    if (target.isHost())
      return stepToMode(*this, convert(a[0], f.other, ht, at), a[0], f.other, f.mode);
    if (ht->isBFloat16())
      requireSm(*this, at, fromFloat ? 8 : 9, 0, name);
    std::string text = std::string("cvt.") + roundingSuffix(f.mode, false) + "." + ptxType(ht) + "." +
                       ptxType(f.other) + " $0, $1;";
    std::string cons = std::string("=h,") + constraint(f.other->bits, fromFloat);
    return b.CreateBitCast(inlineAsm(*this, i16, {a[0]}, text.c_str(), cons.c_str(), false), half);
  }
  case H::ToInt: {
    // cvt saturates out-of-range values and gives 0 for NaN, as CUDA's
    // __half2int_* do; LLVM's fptosi would leave them undefined.
    if (ht->isBFloat16())
      requireSm(*this, at, 9, 0, name);
    // An 8-bit result converts to 16 bits (saturating there) and clamps.
    const ScalarType *to = f.other->bits == 8 ? types().intType(16, f.other->isSigned) : f.other;
    llvm::Value *r = nullptr;
    if (target.isHost()) { // round as the mode says, then the target's saturating conversion
      static const llvm::Intrinsic::ID ids[] = {llvm::Intrinsic::trunc, llvm::Intrinsic::floor, llvm::Intrinsic::ceil};
      llvm::Value *x = b.CreateFPExt(a[0], b.getFloatTy());
      x = b.CreateUnaryIntrinsic(f.mode == H::Zero   ? ids[0]
                                 : f.mode == H::Down ? ids[1]
                                 : f.mode == H::Up   ? ids[2]
                                                     : llvm::Intrinsic::rint,
                                 x);
      r = target.floatToInt(*this, x, b.getIntNTy(to->bits), to->isSigned);
    } else {
      std::string text = std::string("cvt.") + roundingSuffix(f.mode, true) + "." + ptxType(to) + "." +
                         ptxType(ht) + " $0, $1;";
      std::string cons = std::string("=") + constraint(to->bits, false) + ",h";
      r = inlineAsm(*this, b.getIntNTy(to->bits), {b.CreateBitCast(a[0], i16)}, text.c_str(), cons.c_str(), false);
    }
    if (f.other->bits == 8) {
      if (f.other->isSigned)
        r = b.CreateBinaryIntrinsic(llvm::Intrinsic::smin, b.CreateBinaryIntrinsic(llvm::Intrinsic::smax, r,
                                                                                   b.getInt16(-128)),
                                    b.getInt16(127));
      else
        r = b.CreateBinaryIntrinsic(llvm::Intrinsic::umin, r, b.getInt16(255));
      r = b.CreateTrunc(r, b.getInt8Ty());
    }
    return r;
  }
  }
  llvm_unreachable("half function kind");
}

// numba-cuda's casts between float16 and integers: one cvt, rounding to the
// nearest (even) integer (cvt.rni.s32.f16: numba's int(float16(2.5)) is 2 and
// int(float16(2.7)) is 3), saturating, NaN giving 0; and cvt.rn.f16.s8 from
// integers of every width. The CPU target rounds to even and then makes its
// saturating conversion.
llvm::Value *Lowerer::convertHalfInt(llvm::Value *v, const ScalarType *from, const ScalarType *to) {
  const bool toInt = to->isInt();
  const ScalarType *integer = toInt ? to : from;
  if (target.isHost()) {
    if (!toInt)
      return integer->isSigned ? b.CreateSIToFP(v, b.getHalfTy()) : b.CreateUIToFP(v, b.getHalfTy());
    llvm::Value *x = b.CreateUnaryIntrinsic(llvm::Intrinsic::roundeven, b.CreateFPExt(v, b.getFloatTy()));
    return target.floatToInt(*this, x, b.getIntNTy(to->bits), to->isSigned);
  }
  const std::string cons = integer->bits == 8 ? "c" : constraint(integer->bits, false);
  if (toInt) {
    std::string text = "cvt.rni." + ptxType(to) + ".f16 $0, $1;";
    return inlineAsm(*this, b.getIntNTy(to->bits), {b.CreateBitCast(v, b.getInt16Ty())}, text.c_str(),
                     ("=" + cons + ",h").c_str(), false);
  }
  std::string text = "cvt.rn.f16." + ptxType(from) + " $0, $1;";
  return b.CreateBitCast(inlineAsm(*this, b.getInt16Ty(), {v}, text.c_str(), ("=h," + cons).c_str(), false),
                         b.getHalfTy());
}

} // namespace ptxforge::compiler
