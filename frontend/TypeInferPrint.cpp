//===- frontend/TypeInferPrint.cpp - print() in kernels --------------------===//
//
// print(a, "text", b) prints numbers, bools, strings written in place,
// tuples of these and the dim3 values (pf.threadIdx, pf.blockDim, ...),
// separated by spaces and ended by a newline (or `sep=` and `end=` given as
// string literals). compiler/LowerPrint.cpp builds the vprintf call.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

namespace {

bool printable(const Type *t) {
  if (auto *s = dyn_cast<ScalarType>(t))
    return !isa<RecordType>(t) && (s->isBool() || s->isInt() || s->isFloat() || s->isComplex());
  if (auto *tt = dyn_cast<TupleType>(t)) {
    for (const Type *e : tt->elts)
      if (!printable(e))
        return false;
    return true;
  }
  return false;
}

} // namespace

bool isDim3Path(const std::string &path) {
  return path == "ptxforge.threadIdx" || path == "ptxforge.blockIdx" || path == "ptxforge.blockDim" ||
         path == "ptxforge.gridDim";
}

const Type *Inferer::printCall(const CallExpr *c) {
  for (const Keyword &k : c->keywords) {
    if (k.name == "flush")
      continue;
    if ((k.name != "sep" && k.name != "end") || !isa<StrConstExpr>(k.value))
      fail(k.span, k.name == "sep" || k.name == "end"
                       ? "print()'s " + k.name + "= must be a string written in place"
                       : "print() in a kernel takes sep= and end= only; it always writes to the standard output");
  }
  bool unknown = false;
  for (const Expr *a : c->args) {
    if (isa<StrConstExpr>(a))
      continue;
    const Type *t = expr(a);
    if (!t) {
      unknown = true;
      continue;
    }
    if (auto *p = dyn_cast<PathType>(t); p && isDim3Path(p->path))
      continue;
    if (!printable(t))
      fail(a->span(), "print() in a kernel prints numbers, bools, strings written in place, tuples of these "
                      "and pf.threadIdx-like values, not " + t->str());
  }
  return unknown ? nullptr : tc.noneType();
}

} // namespace ptxforge::frontend
