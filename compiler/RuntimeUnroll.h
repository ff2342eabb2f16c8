//===- compiler/RuntimeUnroll.h - Unroll hints for memory-latency loops ---===//
//
// Private to compiler/: a function pass that asks LLVM's unroller to unroll
// small loops with a run-time trip count four times (RuntimeUnroll.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <llvm/IR/PassManager.h>

namespace ptxforge::compiler {

/// Adds `llvm.loop.unroll.count 4` to small innermost loads-bearing loops
/// whose trip count is computable but not constant.
struct RuntimeUnrollHints : llvm::PassInfoMixin<RuntimeUnrollHints> {
  llvm::PreservedAnalyses run(llvm::Function &f, llvm::FunctionAnalysisManager &fam);
};

} // namespace ptxforge::compiler
