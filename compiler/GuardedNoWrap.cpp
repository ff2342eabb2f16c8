//===- compiler/GuardedNoWrap.cpp - nsw from the conditions that guard an add //
//
// A Python int32 counter wraps on overflow, so the lowering adds without
// `nsw`. A loop over a row strided by the block size
//
//     j = cuda.threadIdx.x            # int32
//     while j < x.shape[1]:           # sext(j) < n, in int64
//         ...
//         j += 256                    # add i32 j, 256: may wrap
//
// then has no trip count: scalar evolution cannot look through the sign
// extension of a counter that may wrap, so the loop is neither widened nor
// unrolled (nvcc's C `int` cannot overflow, so nvcc unrolls it four times).
// Yet the add cannot wrap: it runs only when j < n, and when the launch
// proved n below 2^30 (LaunchFacts::Small), j + 256 < 2^31.
//
// LLVM's CorrelatedValuePropagation proves such facts from the conditions
// on x itself but not on sext(x) or zext(x), which is the form a comparison
// of an int32 with an int64 extent takes. This pass fills that gap: for each
// `add x, C` without nsw it intersects LazyValueInfo's range of x with what
// every dominating branch condition says of x, of sext(x) or of zext(x)
// (`and`s of conditions on their true edge, `or`s on their false one), the
// other operand's range taken from LazyValueInfo, and sets nsw when no value
// left can overflow.
//
// Sound in SSA: a branch edge that dominates the add is taken after the
// latest definition of x on every path to the add (x's definition
// dominates the comparison that uses it), so the condition held for the
// value the add reads.
//
//===----------------------------------------------------------------------===//

#include "compiler/GuardedNoWrap.h"

#include <llvm/Analysis/LazyValueInfo.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/ConstantRange.h>
#include <llvm/IR/Dominators.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/Operator.h>
#include <llvm/IR/PatternMatch.h>

namespace ptxforge::compiler {

namespace {

using namespace llvm::PatternMatch;

constexpr unsigned kMaxDominators = 16; ///< dominating blocks looked at per add
constexpr unsigned kMaxDepth = 4;       ///< nesting of and/or/not looked through

enum class Ext { None, Sign, Zero };

/// How `v` is x: x itself, or its sign or zero extension.
std::optional<Ext> asX(llvm::Value *v, llvm::Value *x) {
  if (v == x)
    return Ext::None;
  if (match(v, m_SExt(m_Specific(x))))
    return Ext::Sign;
  if (match(v, m_ZExt(m_Specific(x))))
    return Ext::Zero;
  return std::nullopt;
}

/// A range holding every value `v` may take, from its definition alone:
/// constants, the `range` of arguments and calls, casts and arithmetic of
/// such (LazyValueInfo drops an argument's range outside the entry block).
llvm::ConstantRange staticRange(llvm::Value *v, unsigned depth) {
  unsigned bits = v->getType()->getIntegerBitWidth();
  llvm::ConstantRange full = llvm::ConstantRange::getFull(bits);
  if (auto *c = llvm::dyn_cast<llvm::ConstantInt>(v))
    return llvm::ConstantRange(c->getValue());
  if (auto *a = llvm::dyn_cast<llvm::Argument>(v))
    return a->getRange().value_or(full);
  if (depth >= kMaxDepth)
    return full;
  if (auto *call = llvm::dyn_cast<llvm::CallBase>(v))
    return call->getRange().value_or(full).intersectWith(
        llvm::computeConstantRange(v, /*ForSigned=*/true, /*UseInstrInfo=*/true));
  if (auto *cast = llvm::dyn_cast<llvm::CastInst>(v)) {
    if (!cast->getSrcTy()->isIntegerTy())
      return full;
    return staticRange(cast->getOperand(0), depth + 1).castOp(cast->getOpcode(), bits);
  }
  if (auto *op = llvm::dyn_cast<llvm::BinaryOperator>(v)) {
    llvm::ConstantRange l = staticRange(op->getOperand(0), depth + 1);
    llvm::ConstantRange r = staticRange(op->getOperand(1), depth + 1);
    if (auto *ob = llvm::dyn_cast<llvm::OverflowingBinaryOperator>(op)) {
      unsigned noWrap = (ob->hasNoSignedWrap() ? llvm::OverflowingBinaryOperator::NoSignedWrap : 0) |
                        (ob->hasNoUnsignedWrap() ? llvm::OverflowingBinaryOperator::NoUnsignedWrap : 0);
      return l.overflowingBinaryOp(op->getOpcode(), r, noWrap);
    }
    return l.binaryOp(op->getOpcode(), r);
  }
  if (auto *sel = llvm::dyn_cast<llvm::SelectInst>(v))
    return staticRange(sel->getTrueValue(), depth + 1).unionWith(staticRange(sel->getFalseValue(), depth + 1));
  return llvm::computeConstantRange(v, /*ForSigned=*/true, /*UseInstrInfo=*/true);
}

/// `v`'s range at `at`: LazyValueInfo's, within its static one.
llvm::ConstantRange rangeOf(llvm::Value *v, llvm::Instruction *at, llvm::LazyValueInfo &lvi) {
  return lvi.getConstantRange(v, at, /*UndefAllowed=*/false).intersectWith(staticRange(v, 0));
}

/// A range holding every value of `x` for which `cond` is `truth`.
llvm::ConstantRange rangeWhen(llvm::Value *cond, bool truth, llvm::Value *x, llvm::LazyValueInfo &lvi,
                              unsigned depth) {
  unsigned bits = x->getType()->getIntegerBitWidth();
  llvm::ConstantRange full = llvm::ConstantRange::getFull(bits);
  llvm::Value *a = nullptr, *b = nullptr;
  if (depth < kMaxDepth) {
    if ((truth && match(cond, m_LogicalAnd(m_Value(a), m_Value(b)))) ||
        (!truth && match(cond, m_LogicalOr(m_Value(a), m_Value(b)))))
      return rangeWhen(a, truth, x, lvi, depth + 1).intersectWith(rangeWhen(b, truth, x, lvi, depth + 1));
    if (match(cond, m_Not(m_Value(a))))
      return rangeWhen(a, !truth, x, lvi, depth + 1);
  }
  auto *cmp = llvm::dyn_cast<llvm::ICmpInst>(cond);
  if (!cmp)
    return full;
  llvm::CmpInst::Predicate pred = truth ? cmp->getPredicate() : cmp->getInversePredicate();
  llvm::Value *lhs = cmp->getOperand(0), *rhs = cmp->getOperand(1);
  std::optional<Ext> ext = asX(lhs, x);
  if (!ext) {
    ext = asX(rhs, x);
    if (!ext)
      return full;
    std::swap(lhs, rhs);
    pred = llvm::CmpInst::getSwappedPredicate(pred);
  }
  llvm::ConstantRange other = rangeOf(rhs, cmp, lvi);
  llvm::ConstantRange allowed = llvm::ConstantRange::makeAllowedICmpRegion(pred, other);
  if (*ext == Ext::None)
    return allowed;
  // The extended values allowed, back in x's width.
  unsigned wide = allowed.getBitWidth();
  bool sign = *ext == Ext::Sign;
  llvm::ConstantRange image = sign ? full.signExtend(wide) : full.zeroExtend(wide);
  auto prefer = sign ? llvm::ConstantRange::Signed : llvm::ConstantRange::Unsigned;
  return allowed.intersectWith(image, prefer).truncate(bits);
}

/// A range holding every value `x` may have at `add`.
llvm::ConstantRange rangeAt(llvm::Value *x, llvm::Instruction *add, llvm::DominatorTree &dt,
                            llvm::LazyValueInfo &lvi) {
  llvm::ConstantRange r = rangeOf(x, add, lvi);
  llvm::BasicBlock *at = add->getParent();
  llvm::DomTreeNode *node = dt.getNode(at);
  for (unsigned n = 0; n < kMaxDominators && node && node->getIDom() && !r.isEmptySet(); ++n) {
    node = node->getIDom();
    llvm::BasicBlock *from = node->getBlock();
    auto *br = llvm::dyn_cast<llvm::BranchInst>(from->getTerminator());
    if (!br || !br->isConditional() || br->getSuccessor(0) == br->getSuccessor(1))
      continue;
    for (unsigned s = 0; s < 2; ++s)
      if (dt.dominates(llvm::BasicBlockEdge(from, br->getSuccessor(s)), at))
        r = r.intersectWith(rangeWhen(br->getCondition(), s == 0, x, lvi, 0));
  }
  return r;
}

/// True when `x` is never negative at `add` (x + C, nsw, C > 0): by its
/// range, or as a counter that starts non-negative and grows by `add` alone.
bool nonNegative(llvm::Value *x, llvm::BinaryOperator *add, llvm::LazyValueInfo &lvi) {
  if (rangeOf(x, add, lvi).isAllNonNegative())
    return true;
  auto *phi = llvm::dyn_cast<llvm::PHINode>(x);
  if (!phi)
    return false;
  bool counts = false;
  for (unsigned i = 0; i < phi->getNumIncomingValues(); ++i) {
    llvm::Value *in = phi->getIncomingValue(i);
    if (in == add) {
      counts = true;
      continue;
    }
    if (!rangeOf(in, phi->getIncomingBlock(i)->getTerminator(), lvi).isAllNonNegative())
      return false;
  }
  return counts;
}

/// `ext(add (trunc X), C)` as `add X, ext(C)` in X's type, where the flags
/// (nuw for a zext, nsw for a sext, on the trunc and the add) say that no
/// bit is lost: IndVarSimplify leaves a widened counter so, and InstCombine
/// would otherwise mask every unrolled copy's index (`and 0xffffffff`).
/// Returns the replacement, or nullptr.
llvm::Value *widenExtendedAdd(llvm::CastInst &ext) {
  bool zero = llvm::isa<llvm::ZExtInst>(ext);
  if (!zero && !llvm::isa<llvm::SExtInst>(ext))
    return nullptr;
  auto *add = llvm::dyn_cast<llvm::BinaryOperator>(ext.getOperand(0));
  llvm::Instruction *narrow = nullptr;
  const llvm::APInt *c = nullptr;
  if (!add || add->getOpcode() != llvm::Instruction::Add || !match(add, m_c_Add(m_Instruction(narrow), m_APInt(c))))
    return nullptr;
  auto *trunc = llvm::dyn_cast<llvm::TruncInst>(narrow);
  if (!trunc || trunc->getOperand(0)->getType() != ext.getType())
    return nullptr;
  if (zero ? !(add->hasNoUnsignedWrap() && trunc->hasNoUnsignedWrap())
           : !(add->hasNoSignedWrap() && trunc->hasNoSignedWrap()))
    return nullptr;
  // X fits the narrow type and so does the narrow sum, so the wide sum is
  // exact: below 2^n (unsigned, a zext: no wrap in either sense) or within
  // the narrow signed range (a sext: no signed wrap).
  unsigned wide = ext.getType()->getIntegerBitWidth();
  llvm::APInt wideC = zero ? c->zext(wide) : c->sext(wide);
  auto *out = llvm::BinaryOperator::CreateAdd(trunc->getOperand(0), llvm::ConstantInt::get(ext.getType(), wideC),
                                              ext.getName(), ext.getIterator());
  out->setHasNoUnsignedWrap(zero);
  out->setHasNoSignedWrap(true);
  return out;
}

} // namespace

llvm::PreservedAnalyses GuardedNoWrap::run(llvm::Function &f, llvm::FunctionAnalysisManager &fam) {
  auto &dt = fam.getResult<llvm::DominatorTreeAnalysis>(f);
  auto &lvi = fam.getResult<llvm::LazyValueAnalysis>(f);
  bool changed = false;
  for (llvm::BasicBlock &bb : f) {
    if (!dt.isReachableFromEntry(&bb))
      continue;
    for (llvm::Instruction &inst : llvm::make_early_inc_range(bb)) {
      if (auto *ext = llvm::dyn_cast<llvm::CastInst>(&inst); ext && ext->getType()->isIntegerTy()) {
        if (llvm::Value *wide = widenExtendedAdd(*ext)) {
          ext->replaceAllUsesWith(wide);
          ext->eraseFromParent();
          changed = true;
        }
        continue;
      }
      auto *add = llvm::dyn_cast<llvm::BinaryOperator>(&inst);
      llvm::Value *x = nullptr;
      const llvm::APInt *c = nullptr;
      if (!add || add->getOpcode() != llvm::Instruction::Add || !add->getType()->isIntegerTy() ||
          (add->hasNoSignedWrap() && add->hasNoUnsignedWrap()) || !match(add, m_c_Add(m_Value(x), m_APInt(c))) ||
          llvm::isa<llvm::Constant>(x))
        continue;
      if (!add->hasNoSignedWrap()) {
        llvm::ConstantRange safe = llvm::ConstantRange::makeGuaranteedNoWrapRegion(
            llvm::Instruction::Add, llvm::ConstantRange(*c), llvm::OverflowingBinaryOperator::NoSignedWrap);
        if (!safe.contains(rangeAt(x, add, dt, lvi)))
          continue;
        add->setHasNoSignedWrap(true);
        changed = true;
      }
      // x >= 0 and C > 0 without signed overflow: no unsigned one either.
      if (!add->hasNoUnsignedWrap() && c->isStrictlyPositive() && nonNegative(x, add, lvi)) {
        add->setHasNoUnsignedWrap(true);
        changed = true;
      }
    }
  }
  if (!changed)
    return llvm::PreservedAnalyses::all();
  llvm::PreservedAnalyses kept;
  kept.preserveSet<llvm::CFGAnalyses>();
  return kept;
}

} // namespace ptxforge::compiler
