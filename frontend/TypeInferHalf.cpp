//===- frontend/TypeInferHalf.cpp - Typing cuda.fp16 / cuda.bf16 calls ----===//
//
// numba-cuda's half-precision functions take real numbers, which are
// converted to the half type (or, for the conversions, to the type the
// function's name gives); the result type is fixed by the function.
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

} // namespace ptxforge::frontend
