//===- frontend/TypeInferMemory.cpp - Cache-hint loads and stores ---------===//
//
// numba-cuda's ldca/ldcg/ldcs/ldlu/ldcv(array, i) and
// stcg/stcs/stwb/stwt(array, i, value): an element of an integer or float
// array in global memory, indexed by an integer (1-d) or a tuple of ndim
// integers, or the i-th number after a pointer, with numba's messages for
// the wrong ones.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const Type *Inferer::cacheHintCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args) {
  const std::string path = cast<PathType>(out.typeOf(c->callee))->path;
  const std::string name = path.substr(path.rfind('.') + 1);
  const bool store = b.id == BuiltinId::CacheStore;
  const std::size_t arity = store ? 3 : 2;
  if (args.size() != arity)
    fail(c->span(), name + "() takes " + std::to_string(arity) + " arguments (" +
                        (store ? "array, i, value" : "array, i") + "), got " + std::to_string(args.size()));
  auto *at = dyn_cast<ArrayType>(args[0]);
  auto *pt = dyn_cast<PointerType>(args[0]);
  if (!at && !pt)
    fail(c->args[0]->span(), name + "() operates on arrays or pointers, not " + args[0]->str());
  const ScalarType *dt = at ? at->dtype : pt->elem;
  if (isa<RecordType>(dt) || !(dt->isInt() || dt->isFloat()))
    fail(c->args[0]->span(), name + " requires array of integer or float type, got " + dt->str());
  if (at && at->readonly)
    fail(c->args[0]->span(), name + "() reads and writes global memory; this array is a constant frozen into "
                                    "the kernel, so index it instead");
  // The index: an integer for a 1-d array, a tuple of ndim integers for more.
  const Type *it = args[1];
  const Span &is = c->args[1]->span();
  auto isInteger = [](const Type *t) {
    auto *s = dyn_cast<ScalarType>(t);
    return s && (s->isInt() || s->isBool());
  };
  if (auto *tt = dyn_cast<TupleType>(it)) {
    if (pt)
      fail(is, "Pointers only support scalar indexing, got tuple of " + std::to_string(tt->elts.size()));
    if (static_cast<int>(tt->elts.size()) != at->ndim)
      fail(is, "Expected " + std::to_string(at->ndim) + " indices, got " + std::to_string(tt->elts.size()));
    for (const Type *e : tt->elts)
      if (!isInteger(e))
        fail(is, it->str() + " is not a valid index");
  } else if (isInteger(it)) {
    if (at && at->ndim != 1)
      fail(is, "Expected " + std::to_string(at->ndim) + " indices, got a scalar");
  } else {
    auto *s = dyn_cast<ScalarType>(it);
    fail(is, (s ? tc.strong(s)->str() : it->str()) + " is not a valid index");
  }
  if (!store)
    return dt;
  const ScalarType *v = scalar(args[2], c->args[2], (name + "()'s value").c_str());
  if (v->isComplex())
    fail(c->args[2]->span(), name + "() cannot store a complex number into " + args[0]->str());
  return tc.noneType();
}

} // namespace ptxforge::frontend
