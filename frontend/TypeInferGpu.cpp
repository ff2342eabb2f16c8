//===- frontend/TypeInferGpu.cpp - Typing the GPU features' calls ---------===//

#include "frontend/GpuBuiltins.h"
#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

const Type *Inferer::gpuCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args) {
  fail(c->span(), "this builtin cannot be called");
}

} // namespace ptxforge::frontend
