//===- compiler/LowerGlobals.cpp - Device arrays captured from globals ----===//
//
// A global (or closure variable) holding device memory becomes an array
// value whose data pointer, shape and strides are constants, as numba-cuda
// bakes them in: reading or writing it touches that memory directly, with no
// parameter. The Python side keeps no reference beyond the function's own
// globals, so the array must outlive the kernel's launches (as in numba).
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::deviceArrayGlobal(const GlobalValue &g) {
  const ArrayType *at = deviceArrayType(g);
  llvm::Value *agg = llvm::UndefValue::get(valueType(at));
  agg = b.CreateInsertValue(agg, b.CreateIntToPtr(b.getInt64(g.address), b.getPtrTy()), {0});
  for (unsigned d = 0; d < g.shape.size(); ++d) {
    agg = b.CreateInsertValue(agg, b.getInt64(g.shape[d]), {1u, d});
    agg = b.CreateInsertValue(agg, b.getInt64(g.strides[d]), {2u, d});
  }
  return agg;
}

} // namespace ptxforge::compiler
