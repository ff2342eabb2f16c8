//===- frontend/TypeInferComplex.cpp - Complex numbers and cmath ----------===//
//
// Types what complex numbers add to the language: `complex(re, im)`, the
// attributes `.real` / `.imag` and the method `.conjugate()` of any number,
// and the cmath functions, which take real arguments as complex ones
// (float32 gives complex64, a Python number a Python complex).
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const Type *Inferer::scalarAttribute(const AttributeExpr *a, const ScalarType *s) {
  if (a->attr == "real" || a->attr == "imag")
    return s->isComplex() ? complexPart(s) : s;
  if (a->attr == "conjugate")
    return tc.builtinType("complex.conjugate");
  if (a->attr == "bit_count" && s->isInt() && !s->isBool())
    return tc.builtinType("int.bit_count");
  fail(a->span(), "numbers in kernels have .real, .imag and .conjugate() (integers .bit_count() too); '" + a->attr +
                      "' is not supported");
}

const Type *Inferer::complexCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args) {
  std::string name = b.id == BuiltinId::Cmath ? b.cmath->path : b.id == BuiltinId::ComplexCtor ? "complex" : "conjugate";
  std::size_t lo = b.id == BuiltinId::Cmath ? b.cmath->minArity : 0;
  std::size_t hi = b.id == BuiltinId::Cmath ? b.cmath->maxArity : b.id == BuiltinId::ComplexCtor ? 2 : 0;
  if (args.size() < lo || args.size() > hi)
    fail(c->span(), name + "() takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                        " argument(s), got " + std::to_string(args.size()));
  std::vector<const ScalarType *> s;
  for (std::size_t i = 0; i < args.size(); ++i)
    s.push_back(scalar(args[i], c->args[i], (name + "()'s argument").c_str()));
  if (b.id == BuiltinId::Conjugate) // z.conjugate(): the receiver's type
    return scalar(out.typeOf(cast<AttributeExpr>(c->callee)->value), c->callee, "the receiver of .conjugate()");
  if (b.id == BuiltinId::ComplexCtor) // complex(...) is a Python complex, computed as complex128
    return tc.complexType(128);
  const CmathFunction &f = *b.cmath;
  if (f.op == CmathFunction::Rect) {
    for (std::size_t i = 0; i < s.size(); ++i)
      if (s[i]->isComplex())
        fail(c->args[i]->span(), "cmath.rect() takes a real modulus and phase, not " + s[i]->str());
    return complexOf(promote(s[0], s[1]));
  }
  const ScalarType *t = complexOf(s[0]);
  if (s.size() == 2)
    t = promote(t, complexOf(s[1]));
  switch (f.op) {
  case CmathFunction::Phase: return complexPart(t);
  case CmathFunction::Polar: return tc.tupleType({complexPart(t), complexPart(t)});
  case CmathFunction::IsNan:
  case CmathFunction::IsInf:
  case CmathFunction::IsFinite: return tc.boolType();
  default: return t;
  }
}

} // namespace ptxforge::frontend
