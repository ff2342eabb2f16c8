//===- frontend/TypeInferVector.cpp - numba-cuda's vector types ------------===//
//
// float32x4(a, b, c, d), int16x2(v1, s), double3(v2, z): numba-cuda's CUDA
// vector types are namedtuples of 1-4 numbers of one type with the fields
// x, y, z, w. A constructor takes numbers (converted to the element type) and
// vectors of the same element type whose elements together fill it, in order.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

/// The number of elements a vector type of element type `base` holds, or 0
/// when `t` is no such vector type.
int vectorLanes(const Type *t, const ScalarType *base) {
  auto *tt = dyn_cast<TupleType>(t);
  if (!tt || tt->fields.empty() || tt->elts.empty() || tt->elts.size() > 4 || tt->elts[0] != base)
    return 0;
  const std::string want = base->str() + "x" + std::to_string(tt->elts.size());
  return tt->className == want ? static_cast<int>(tt->elts.size()) : 0;
}

const TupleType *vectorType(const ScalarType *base, int lanes) {
  static const char *kFields[] = {"x", "y", "z", "w"};
  return types().namedTupleType(base->str() + "x" + std::to_string(lanes),
                                std::vector<std::string>(kFields, kFields + lanes),
                                std::vector<const Type *>(static_cast<std::size_t>(lanes), base));
}

const Type *Inferer::vectorCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args) {
  const std::string name = b.dtype->str() + "x" + std::to_string(b.lanes);
  int filled = 0;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (int n = vectorLanes(args[i], b.dtype)) {
      filled += n;
      continue;
    }
    auto *s = dyn_cast<ScalarType>(args[i]);
    if (!s || s->isComplex() || isa<RecordType>(s))
      fail(c->args[i]->span(), name + "() takes numbers and " + b.dtype->str() + " vectors, not " + args[i]->str());
    filled += 1;
  }
  if (filled != b.lanes)
    fail(c->span(), name + "() needs " + std::to_string(b.lanes) + " element" + (b.lanes == 1 ? "" : "s") +
                        " in all, got " + std::to_string(filled));
  return vectorType(b.dtype, b.lanes);
}

} // namespace ptxforge::frontend
