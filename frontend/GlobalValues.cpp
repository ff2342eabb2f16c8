//===- frontend/GlobalValues.cpp - Globals beyond numbers and modules -----===//
//
// The types of the globals the Python side describes with more than a
// value: device arrays captured by address.
//
//===----------------------------------------------------------------------===//

#include "frontend/Builtins.h"

namespace ptxforge::frontend {

const ArrayType *deviceArrayType(const GlobalValue &g) {
  const int ndim = static_cast<int>(g.shape.size());
  auto contiguous = [&](bool cOrder) {
    std::int64_t step = g.type->byteSize();
    for (int k = 0; k < ndim; ++k) {
      int d = cOrder ? ndim - 1 - k : k;
      if (g.shape[d] != 1 && g.strides[d] != step)
        return false;
      step *= g.shape[d];
    }
    return true;
  };
  Layout layout = contiguous(true) ? Layout::C : contiguous(false) ? Layout::F : Layout::A;
  return types().arrayType(g.type, ndim, layout, false);
}

} // namespace ptxforge::frontend
