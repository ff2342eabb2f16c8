//===- compiler/LowerGpu.cpp - Lowering the GPU features' calls -----------===//

#include "compiler/LowerImpl.h"
#include "frontend/GpuBuiltins.h"

namespace ptxforge::compiler {

llvm::Value *Lowerer::gpuCall(const frontend::CallExpr *c, const frontend::BuiltinInfo &info) {
  frontend::fail(c->span(), "this builtin cannot be compiled");
}

} // namespace ptxforge::compiler
