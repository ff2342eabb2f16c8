//===- frontend/TypeInferHalf.cpp - Typing cuda.fp16, cuda.bf16, fp8 calls ===//
//
// numba-cuda's half-precision functions take real numbers, which are
// converted to the half type (or, for the conversions, to the type the
// function's name gives); the result type is fixed by the function. So do
// its FP8 functions, whose enum arguments are integers.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const Type *Inferer::halfCall(const CallExpr *c, const HalfFunction &f, const std::vector<const Type *> &args) {
  const std::string name = f.shownName() + "()";
  if (args.size() != static_cast<std::size_t>(f.arity))
    fail(c->span(), name + " takes " + std::to_string(f.arity) + " argument(s), got " + std::to_string(args.size()));
  for (std::size_t i = 0; i < args.size(); ++i) {
    const ScalarType *s = scalar(args[i], c->args[i], (name + "'s argument").c_str());
    if (s->isComplex())
      fail(c->args[i]->span(), name + " takes real numbers, not " + s->str());
    if (f.kind == HalfFunction::FromBits && !s->isInt())
      fail(c->args[i]->span(), name + " takes the bits as an integer, not " + s->str());
  }
  switch (f.kind) {
  case HalfFunction::Compare:
  case HalfFunction::IsNan: return tc.boolType();
  case HalfFunction::IsInf: return tc.intType(32);
  case HalfFunction::ToFloat: return tc.floatType(32);
  case HalfFunction::ToInt:
  case HalfFunction::AsBits: return f.other;
  default: return f.halfType();
  }
}

const Type *Inferer::fp8Call(const CallExpr *c, const Fp8Function &f, const std::vector<const Type *> &args) {
  using F = Fp8Function;
  const std::string name = std::string(f.path).substr(sizeof("ptxforge.") - 1) + "()";
  const std::size_t arity = f.kind == F::Construct || f.kind == F::E8m0ToBf16Raw ? 1 : 3;
  if (args.size() != arity)
    fail(c->span(), name + " takes " + std::to_string(arity) + " argument(s), got " + std::to_string(args.size()));
  const ScalarType *u8 = tc.intType(8, false);
  const Type *x = args[0];
  auto real = [&](const Type *t, const Expr *e) {
    const ScalarType *s = scalar(t, e, (name + "'s argument").c_str());
    if (s->isComplex())
      fail(e->span(), name + " takes a real number, not " + s->str());
  };
  switch (f.from) {
  case F::Float:
  case F::Double: real(x, c->args[0]); break;
  case F::Bf16Raw:
    if (x != tc.bfloat16RawType())
      fail(c->args[0]->span(), name + " takes a bfloat16_raw (what cvt_e8m0_to_bf16raw() gives), not " + x->str());
    break;
  case F::Float2:
  case F::Double2: {
    auto *t = dyn_cast<TupleType>(x);
    if (!t || t->elts.size() != 2)
      fail(c->args[0]->span(), name + " takes a pair of numbers (" +
                                   (f.from == F::Float2 ? "float32x2" : "float64x2") + "), not " + x->str());
    for (const Type *e : t->elts)
      real(e, c->args[0]);
    break;
  }
  }
  for (std::size_t i = 1; i < args.size(); ++i)
    integer(args[i], c->args[i], (name + (i == 1 ? "'s saturation" : "'s interpretation or rounding")).c_str());
  switch (f.kind) {
  case F::Construct: return tc.fp8Type(static_cast<Fp8Type::Format>(f.format));
  case F::E8m0ToBf16Raw:
    integer(x, c->args[0], (name + "'s argument").c_str());
    return tc.bfloat16RawType();
  default: return f.from == F::Float2 || f.from == F::Double2 ? tc.intType(16, false) : u8;
  }
}

} // namespace ptxforge::frontend
