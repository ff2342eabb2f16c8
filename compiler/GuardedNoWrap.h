//===- compiler/GuardedNoWrap.h - nsw from the conditions that guard an add ===//
//
// Private to compiler/: a function pass that marks `add x, C` nsw where the
// branch conditions that lead to it bound x, also through a sign or zero
// extension of x (GuardedNoWrap.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <llvm/IR/PassManager.h>

namespace ptxforge::compiler {

/// Sets `nsw` on each `add x, C` (C a constant) that cannot overflow given
/// the conditions of the branches that dominate it.
struct GuardedNoWrap : llvm::PassInfoMixin<GuardedNoWrap> {
  llvm::PreservedAnalyses run(llvm::Function &f, llvm::FunctionAnalysisManager &fam);
};

} // namespace ptxforge::compiler
