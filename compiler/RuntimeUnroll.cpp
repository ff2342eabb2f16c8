//===- compiler/RuntimeUnroll.cpp - Unroll hints for memory-latency loops -===//
//
// LLVM's runtime unroller leaves a loop alone when its trip count needs a
// division (a grid-stride loop, `i += gridsize`), which NVPTX counts as too
// costly to compute; nvcc unrolls such loops four times. One load per
// iteration leaves each warp one load in flight, so a grid-stride sum runs
// at the latency of memory instead of its bandwidth.
//
// This pass, run where the vectoriser would start (loops are rotated and
// simplified, SCEV knows their trip counts), asks for an unroll count of 4
// on each innermost loop that
//   - reads memory, has a trip count SCEV can compute but that is not a
//     constant (constant trip counts are LLVM's own unroller's business),
//   - is small (at most kMaxInstructions), and
//   - has no convergent call (a barrier or warp intrinsic) and no unroll
//     metadata of the user's.
// The unroller then peels the remainder and unrolls the rest, as nvcc does,
// and (as nvcc's) the unrolled loop carries no `.pragma "nounroll"`.
//
//===----------------------------------------------------------------------===//

#include "compiler/RuntimeUnroll.h"

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Metadata.h>

namespace ptxforge::compiler {

namespace {

constexpr unsigned kUnrollCount = 4;
constexpr unsigned kMaxInstructions = 48;

bool hasUnrollMetadata(const llvm::Loop &loop) {
  llvm::MDNode *id = loop.getLoopID();
  if (!id)
    return false;
  for (const llvm::MDOperand &op : id->operands()) {
    auto *node = llvm::dyn_cast<llvm::MDNode>(op.get());
    if (!node || node->getNumOperands() == 0)
      continue;
    if (auto *name = llvm::dyn_cast<llvm::MDString>(node->getOperand(0)))
      if (name->getString().starts_with("llvm.loop.unroll"))
        return true;
  }
  return false;
}

bool wantsUnroll(llvm::Loop &loop, llvm::ScalarEvolution &se) {
  if (!loop.isInnermost() || !loop.getLoopLatch() || hasUnrollMetadata(loop))
    return false;
  if (se.getSmallConstantTripCount(&loop) != 0)
    return false;
  if (llvm::isa<llvm::SCEVCouldNotCompute>(se.getBackedgeTakenCount(&loop)))
    return false;
  unsigned instructions = 0;
  bool loads = false;
  for (llvm::BasicBlock *bb : loop.blocks())
    for (llvm::Instruction &inst : *bb) {
      if (++instructions > kMaxInstructions)
        return false;
      if (auto *call = llvm::dyn_cast<llvm::CallBase>(&inst); call && call->isConvergent())
        return false;
      loads |= llvm::isa<llvm::LoadInst>(inst);
    }
  return loads;
}

void setUnrollCount(llvm::Loop &loop, unsigned count) {
  llvm::LLVMContext &ctx = loop.getHeader()->getContext();
  llvm::SmallVector<llvm::Metadata *, 4> ops{nullptr};
  if (llvm::MDNode *id = loop.getLoopID())
    for (unsigned i = 1; i < id->getNumOperands(); ++i)
      ops.push_back(id->getOperand(i));
  llvm::Metadata *hint[] = {llvm::MDString::get(ctx, "llvm.loop.unroll.count"),
                            llvm::ConstantAsMetadata::get(
                                llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), count))};
  ops.push_back(llvm::MDNode::get(ctx, hint));
  // The unrolled loop keeps LLVM from unrolling it again, but not ptxas:
  // LLVM's default (llvm.loop.unroll.disable) prints `.pragma "nounroll"`,
  // which nvcc leaves off its main loop, and ptxas unrolls that loop further
  // where it pays (softmax's row loops: 16 loads a trip in nvcc's SASS, 4 in
  // ours with the pragma). The remainder loop keeps the pragma, as nvcc's.
  llvm::Metadata *noRuntime[] = {llvm::MDString::get(ctx, "llvm.loop.unroll.runtime.disable")};
  llvm::Metadata *followup[] = {llvm::MDString::get(ctx, "llvm.loop.unroll.followup_unrolled"),
                                llvm::MDNode::get(ctx, noRuntime)};
  ops.push_back(llvm::MDNode::get(ctx, followup));
  llvm::MDNode *loopId = llvm::MDNode::getDistinct(ctx, ops);
  loopId->replaceOperandWith(0, loopId);
  loop.setLoopID(loopId);
}

} // namespace

llvm::PreservedAnalyses RuntimeUnrollHints::run(llvm::Function &f, llvm::FunctionAnalysisManager &fam) {
  auto &loops = fam.getResult<llvm::LoopAnalysis>(f);
  auto &se = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
  bool changed = false;
  for (llvm::Loop *loop : loops.getLoopsInPreorder())
    if (wantsUnroll(*loop, se)) {
      setUnrollCount(*loop, kUnrollCount);
      changed = true;
    }
  // Only metadata changed: every analysis stays valid.
  (void)changed;
  return llvm::PreservedAnalyses::all();
}

} // namespace ptxforge::compiler
