//===- compiler/NarrowCounters.h - 32-bit loop counters where they fit ----===//
//
// Private to compiler/: a function pass that turns a 64-bit loop counter
// whose values scalar evolution bounds below 2^32 into a 32-bit one, and the
// comparisons of it into 32-bit comparisons (NarrowCounters.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <llvm/IR/PassManager.h>

namespace ptxforge::compiler {

/// Narrows each `i64` counter `{start, +, C}` of a loop to `i32` when all of
/// its values fit in 32 bits unsigned.
struct NarrowCounters : llvm::PassInfoMixin<NarrowCounters> {
  llvm::PreservedAnalyses run(llvm::Function &f, llvm::FunctionAnalysisManager &fam);
};

} // namespace ptxforge::compiler
