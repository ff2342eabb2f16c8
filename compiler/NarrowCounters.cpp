//===- compiler/NarrowCounters.cpp - 32-bit loop counters where they fit --===//
//
// A kernel's counters are int64 wherever Python's ints are: `j =
// cuda.threadIdx.x` (int64, so that numba's index idiom cannot wrap) then
// `while j < x.shape[1]: ...; j += 256`. nvcc's `int` counter is 32 bits,
// and on the GPU a 64-bit add or compare is two instructions. When the
// launch proved the extent small (LaunchFacts::Small), scalar evolution
// bounds the counter below 2^32: this pass then keeps it in an i32 phi
// (`add nuw`), gives its other users `zext nneg` of it (address arithmetic,
// which loop strength reduction rewrites into its own pointer counters
// anyway), and compares it in 32 bits where the other side fits too.
//
// Sound: scalar evolution's unsigned ranges of the phi and of its next value
// hold for every value they take, so the 32-bit add does not wrap and the
// zero extension gives back the 64-bit values exactly; a comparison moves to
// 32 bits only when both sides fit (unsigned and equality predicates), or
// both fit in 31 bits (signed ones).
//
//===----------------------------------------------------------------------===//

#include "compiler/NarrowCounters.h"

#include <llvm/Analysis/LoopInfo.h>
#include <llvm/Analysis/ScalarEvolution.h>
#include <llvm/Analysis/ScalarEvolutionExpressions.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/PatternMatch.h>

namespace ptxforge::compiler {

namespace {

using namespace llvm::PatternMatch;

/// True when every value of `v` (an i64) is below 2^bits, unsigned.
bool fits(llvm::ScalarEvolution &se, llvm::Value *v, unsigned bits) {
  if (!se.isSCEVable(v->getType()))
    return false;
  return se.getUnsignedRange(se.getSCEV(v)).getUnsignedMax().getActiveBits() <= bits;
}

/// `cmp` compares `wide` (the zero extension of `narrow`) with its other
/// operand: in 32 bits when the other operand fits. True if rewritten.
bool narrowCompare(llvm::ScalarEvolution &se, llvm::ICmpInst *cmp, llvm::Value *wide, llvm::Value *narrow) {
  unsigned side = cmp->getOperand(0) == wide ? 0 : 1;
  llvm::Value *other = cmp->getOperand(1 - side);
  if (other == wide)
    return false;
  bool isSigned = cmp->isSigned();
  if (!fits(se, other, isSigned ? 31 : 32) || (isSigned && !fits(se, wide, 31)))
    return false;
  llvm::IRBuilder<> b(cmp);
  llvm::Value *otherNarrow = b.CreateTrunc(other, narrow->getType());
  cmp->setOperand(side, narrow);
  cmp->setOperand(1 - side, otherNarrow);
  return true;
}

/// The largest value the counter `phi` (`next` = `phi + step` on the latch)
/// takes, if known: from scalar evolution's range of `phi`, or else from the
/// latch's exit test `next < n` (which every value after the first passed)
/// and the range of the first value under the loop's guards.
std::optional<llvm::APInt> largestValue(llvm::ScalarEvolution &se, llvm::Loop &loop, llvm::PHINode &phi,
                                        llvm::BinaryOperator &next, const llvm::APInt &step) {
  llvm::APInt direct = se.getUnsignedRange(se.getSCEV(&phi)).getUnsignedMax();
  if (direct.getActiveBits() <= 32)
    return direct;
  auto *br = llvm::dyn_cast<llvm::BranchInst>(loop.getLoopLatch()->getTerminator());
  llvm::Value *n = nullptr;
  llvm::ICmpInst::Predicate pred;
  if (!br || !br->isConditional() || !match(br->getCondition(), m_ICmp(pred, m_Specific(&next), m_Value(n))))
    return std::nullopt;
  bool continuesWhenTrue = br->getSuccessor(0) == loop.getHeader();
  if (!continuesWhenTrue)
    pred = llvm::ICmpInst::getInversePredicate(pred);
  if (pred != llvm::ICmpInst::ICMP_ULT && pred != llvm::ICmpInst::ICMP_SLT && pred != llvm::ICmpInst::ICMP_NE)
    return std::nullopt;
  auto bounded = [&](llvm::Value *v) {
    return se.getUnsignedRange(se.applyLoopGuards(se.getSCEV(v), &loop)).getUnsignedMax();
  };
  llvm::APInt first = bounded(phi.getIncomingValueForBlock(loop.getLoopPredecessor())), limit = bounded(n);
  // `next != n` bounds next only when it steps onto n exactly: leave it.
  if (pred == llvm::ICmpInst::ICMP_NE || limit.isZero())
    return std::nullopt;
  // A signed `next < n` with n below 2^63 bounds the unsigned next too only
  // if next cannot be negative: it is at most the counter's value plus the
  // step, both below 2^32 once checked by the caller.
  llvm::APInt later = limit - 1;
  return llvm::APIntOps::umax(first, later);
}

bool narrowCounter(llvm::ScalarEvolution &se, llvm::Loop &loop, llvm::PHINode &phi) {
  // The one block outside the loop that enters it (a preheader, or the exit
  // of an unrolled loop's remainder, which may also skip this loop).
  llvm::BasicBlock *pre = loop.getLoopPredecessor(), *latch = loop.getLoopLatch();
  if (!pre || !latch || phi.getNumIncomingValues() != 2 || !phi.getType()->isIntegerTy(64))
    return false;
  llvm::Value *next = phi.getIncomingValueForBlock(latch), *start = phi.getIncomingValueForBlock(pre);
  const llvm::APInt *step = nullptr;
  auto *add = llvm::dyn_cast<llvm::BinaryOperator>(next);
  if (!add || !match(add, m_Add(m_Specific(&phi), m_APInt(step))) || step->isNegative() || step->isZero())
    return false;
  std::optional<llvm::APInt> top = largestValue(se, loop, phi, *add, *step);
  if (!top || top->getActiveBits() > 32 || (*top + *step).getActiveBits() > 32)
    return false;
  bool below31 = (*top + *step).getActiveBits() <= 31;
  // Worth it only where a comparison moves to 32 bits.
  bool compared = false;
  for (llvm::Value *v : {static_cast<llvm::Value *>(&phi), next})
    for (llvm::User *u : v->users())
      compared |= llvm::isa<llvm::ICmpInst>(u);
  if (!compared)
    return false;

  llvm::Type *i32 = llvm::Type::getInt32Ty(phi.getContext());
  llvm::IRBuilder<> b(&phi);
  llvm::PHINode *phi32 = b.CreatePHI(i32, 2, phi.getName() + ".i32");
  b.SetInsertPoint(pre->getTerminator());
  phi32->addIncoming(b.CreateTrunc(start, i32), pre);
  b.SetInsertPoint(add);
  auto *next32 = llvm::cast<llvm::BinaryOperator>(
      b.CreateAdd(phi32, llvm::ConstantInt::get(i32, step->trunc(32)), add->getName() + ".i32", /*HasNUW=*/true,
                  /*HasNSW=*/below31));
  phi32->addIncoming(next32, latch);

  // Everything else sees the zero extensions; comparisons see the i32s.
  b.SetInsertPoint(phi.getParent()->getFirstNonPHIIt());
  llvm::Value *phiWide = b.CreateZExt(phi32, phi.getType(), phi.getName() + ".wide", /*IsNonNeg=*/true);
  b.SetInsertPoint(next32->getNextNode());
  llvm::Value *nextWide = b.CreateZExt(next32, phi.getType(), add->getName() + ".wide", /*IsNonNeg=*/true);
  for (auto [old, wide, narrow] : {std::tuple<llvm::Value *, llvm::Value *, llvm::Value *>{&phi, phiWide, phi32},
                                   {next, nextWide, next32}}) {
    llvm::SmallVector<llvm::Use *, 8> uses;
    for (llvm::Use &u : old->uses())
      uses.push_back(&u);
    for (llvm::Use *u : uses) {
      if (u->getUser() == add || u->getUser() == &phi)
        continue; // the old counter's own cycle, deleted below
      auto *cmp = llvm::dyn_cast<llvm::ICmpInst>(u->getUser());
      u->set(wide);
      if (cmp)
        narrowCompare(se, cmp, wide, narrow);
    }
  }
  // The old cycle now feeds only itself.
  phi.replaceAllUsesWith(llvm::PoisonValue::get(phi.getType()));
  add->replaceAllUsesWith(llvm::PoisonValue::get(add->getType()));
  add->eraseFromParent();
  phi.eraseFromParent();
  return true;
}

} // namespace

llvm::PreservedAnalyses NarrowCounters::run(llvm::Function &f, llvm::FunctionAnalysisManager &fam) {
  auto &loops = fam.getResult<llvm::LoopAnalysis>(f);
  auto &se = fam.getResult<llvm::ScalarEvolutionAnalysis>(f);
  bool changed = false;
  for (llvm::Loop *loop : loops.getLoopsInPreorder()) {
    llvm::SmallVector<llvm::PHINode *, 4> phis;
    for (llvm::PHINode &phi : loop->getHeader()->phis())
      phis.push_back(&phi);
    for (llvm::PHINode *phi : phis)
      if (narrowCounter(se, *loop, *phi)) {
        changed = true;
        se.forgetLoop(loop);
      }
  }
  if (!changed)
    return llvm::PreservedAnalyses::all();
  llvm::PreservedAnalyses kept;
  kept.preserveSet<llvm::CFGAnalyses>();
  return kept;
}

} // namespace ptxforge::compiler
