//===- frontend/ArrayMethods.h - Array methods and numpy reductions -------===//
//
// The reductions and methods kernels call on arrays, as methods (a.sum(),
// a.copy(), a.view(np.int32)) or as numpy functions (np.sum(a),
// np.nanmax(a), np.count_nonzero(a)): one id per operation, named by the
// builtin's path ("ndarray.sum", "numpy.sum"). Typed in
// TypeInferArrays.cpp, lowered in compiler/LowerArrays.cpp.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

namespace ptxforge::frontend {

enum class ArrayOp {
  Sum, Prod, Min, Max, Mean, Var, Std, All, Any,
  NanSum, NanProd, NanMin, NanMax, NanMean, NanVar, NanStd,
  CountNonzero, ArgMin, ArgMax,
  Copy, View, Reshape,
};

/// The operation a "ndarray.<m>" or "numpy.<f>" builtin path names.
ArrayOp arrayOpOf(const std::string &path);

/// True for the method form (a.sum()), whose array is the callee's receiver.
inline bool isArrayMethodPath(const std::string &path) { return path.rfind("ndarray.", 0) == 0; }

} // namespace ptxforge::frontend
