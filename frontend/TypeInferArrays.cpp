//===- frontend/TypeInferArrays.cpp - Array methods and numpy reductions --===//
//
// Whole-array reductions (sum, prod, min, max, mean, var, std, all, any,
// their nan* forms, count_nonzero, argmin, argmax) with NumPy's result types,
// and the methods copy(), view(dtype) and reshape(shape). No axis argument:
// the reduction is over every element.
//
//===----------------------------------------------------------------------===//

#include "frontend/ArrayMethods.h"
#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const Type *Inferer::arrayMethodCall(const CallExpr *c, const std::vector<const Type *> &args) {
  const std::string path = cast<PathType>(out.typeOf(c->callee))->path;
  const ArrayOp op = arrayOpOf(path);
  const bool method = isArrayMethodPath(path);
  const std::string name = (method ? "." : "np.") + path.substr(path.find('.') + 1) + "()";
  // The array: the receiver of a.m(...), or np.f(a)'s first argument.
  const Expr *arrayExpr = method ? cast<AttributeExpr>(c->callee)->value : (c->args.empty() ? nullptr : c->args[0]);
  const std::size_t extra = op == ArrayOp::View ? 1 : 0; // view(dtype)
  const std::size_t given = method ? args.size() : args.size() - (args.empty() ? 0 : 1);
  const std::size_t first = method ? 0 : 1; // the first argument after the array
  if (op == ArrayOp::Reshape) {
    if ((!method && args.empty()) || given == 0)
      fail(c->span(), name + " takes the new shape: a.reshape(n, m) or a.reshape((n, m))");
  } else if ((!method && args.empty()) || given != extra) {
    fail(c->span(), name + (method ? "" : " takes the array and") + (extra ? " takes a dtype" : " takes no arguments") +
                        " in a kernel (no axis: it covers the whole array), got " + std::to_string(given));
  }
  const Type *base = out.typeOf(arrayExpr);
  auto *at = dyn_cast<ArrayType>(base);
  if (!at)
    fail(arrayExpr->span(), name + " needs an array, not " + base->str());
  const ScalarType *dt = at->dtype;
  if (isa<RecordType>(dt) && op != ArrayOp::Copy && op != ArrayOp::View && op != ArrayOp::Reshape)
    fail(arrayExpr->span(), name + " needs an array of numbers, not of records");
  const ScalarType *i64 = tc.intType(64), *f64 = tc.floatType(64);
  auto noOrder = [&] {
    if (dt->isComplex())
      fail(arrayExpr->span(), name + " needs ordered numbers; complex numbers have no order");
  };
  switch (op) {
  case ArrayOp::Sum:
  case ArrayOp::Prod:
  case ArrayOp::NanSum:
  case ArrayOp::NanProd:
    // NumPy: bool and smaller ints accumulate in the platform int (int64,
    // uint64 for unsigned ones); floats and complex keep their type.
    if (dt->isBool() || dt->isInt())
      return dt->isInt() && !dt->isSigned ? tc.intType(64, false) : i64;
    return dt;
  case ArrayOp::Min:
  case ArrayOp::Max:
  case ArrayOp::NanMin:
  case ArrayOp::NanMax:
    noOrder();
    return dt;
  case ArrayOp::Mean:
  case ArrayOp::NanMean:
    return dt->isBool() || dt->isInt() ? f64 : dt;
  case ArrayOp::Var:
  case ArrayOp::Std:
  case ArrayOp::NanVar:
  case ArrayOp::NanStd:
    return dt->isBool() || dt->isInt() ? f64 : dt->isComplex() ? complexPart(dt) : dt;
  case ArrayOp::All:
  case ArrayOp::Any: return tc.boolType();
  case ArrayOp::CountNonzero: return i64;
  case ArrayOp::ArgMin:
  case ArrayOp::ArgMax:
    noOrder();
    return i64;
  case ArrayOp::Copy: return tc.arrayType(dt, at->ndim, Layout::C);
  case ArrayOp::Reshape: {
    // The new extents: integers, or one tuple of them; one of them may be -1.
    std::vector<const Type *> dims(args.begin() + static_cast<std::ptrdiff_t>(first), args.end());
    if (given == 1 && isa<TupleType>(dims[0]))
      dims = cast<TupleType>(dims[0])->elts;
    for (const Type *d : dims)
      if (d->kind() != Type::Kind::Int)
        fail(c->args[first]->span(), name + "'s shape must be integers, not " + d->str());
    if (dims.empty())
      fail(c->span(), name + " to a 0-dimensional array is not supported in kernels; index the element instead");
    if (at->layout != Layout::C)
      fail(arrayExpr->span(), name + " needs a C-contiguous array (numba's rule: it returns a view, which a strided "
                                     "array cannot give); this one is " + at->str() + ": .copy() it first");
    return tc.arrayType(dt, static_cast<int>(dims.size()), Layout::C, at->readonly);
  }
  case ArrayOp::View: {
    const Expr *dtypeExpr = c->args[method ? 0 : 1];
    auto *d = dyn_cast<DtypeType>(out.typeOf(dtypeExpr));
    if (!d)
      fail(dtypeExpr->span(), ".view() takes a dtype such as np.int32, not " + out.typeOf(dtypeExpr)->str());
    const ScalarType *to = tc.strong(d->dtype);
    if (to->byteSize() == dt->byteSize())
      return tc.arrayType(to, at->ndim, at->layout, at->readonly);
    if (at->ndim == 0 || at->layout != Layout::C)
      fail(c->span(), ".view() to a dtype of another size needs a C-contiguous array of at least one dimension, "
                      "not " + at->str());
    return tc.arrayType(to, at->ndim, Layout::C, at->readonly);
  }
  }
  fail(c->span(), "this array method cannot be called");
}

} // namespace ptxforge::frontend
