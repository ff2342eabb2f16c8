//===- compiler/LowerMath.cpp - math functions of other shapes -------------===//
//
// The math functions that are not "floats in, one float out": frexp and
// modf return a tuple, their second part through a pointer to a local as
// libdevice's __nv_frexp / __nv_modf take it; ldexp takes an int32 exponent;
// radians and degrees multiply by a constant, rounded once in the argument's
// float type, as numba does.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::mathSpecial(const CallExpr *c, const MathFunction &m) {
  const Type *rt = typeOf(c);
  auto *tt = dyn_cast<TupleType>(rt);
  auto *ft = cast<ScalarType>(tt ? tt->elts[0] : rt);
  const bool f32 = !ft->weak && ft->bits == 32;
  llvm::Type *lt = valueType(ft);
  llvm::Value *x = convert(expr(c->args[0]), typeOf(c->args[0]), ft, c->args[0]->span());
  if (m.scale != 0) {
    llvm::IRBuilder<>::FastMathFlagGuard guard(b);
    b.setFastMathFlags(floatFlags());
    return b.CreateFMul(x, llvm::ConstantFP::get(lt, m.scale));
  }
  const char *name = f32 ? m.f32 : m.f64;
  if (m.result == MathFunction::Ldexp) {
    llvm::Value *n = convert(expr(c->args[1]), typeOf(c->args[1]), types().intType(32), c->args[1]->span());
    return libdevice(name, lt, {x, n});
  }
  // frexp, modf: the second result comes back through a local.
  llvm::Type *second = m.result == MathFunction::Frexp ? static_cast<llvm::Type *>(b.getInt32Ty()) : lt;
  llvm::AllocaInst *slot = entryAlloca(second, "math.out");
  llvm::Value *first = libdevice(name, lt, {x, slot});
  llvm::Value *agg = llvm::UndefValue::get(valueType(rt));
  agg = b.CreateInsertValue(agg, first, {0});
  return b.CreateInsertValue(agg, b.CreateLoad(second, slot), {1});
}

} // namespace ptxforge::compiler
