//===- compiler/NvptxWorkarounds.cpp - Steering around LLVM 19 NVPTX bugs -===//
//
// Run on the optimised module just before instruction selection, so that no
// later pass can undo them. Each fixes IR that LLVM 19's NVPTX back end
// mishandles (found by the fuzzer; the same IR crashes llc-19):
//
// - a bfloat16 constant (or an aggregate holding one) passed to a call that
//   is not inlined crashes instruction scheduling (SIGSEGV): the constant is
//   materialised into a register by a one-instruction inline asm;
// - in a function that flushes f32 denormals (fastmath), NVPTX puts .ftz on
//   bfloat16 add/sub/mul/fma/setp and on cvt.f32.bf16, which PTX does not
//   have (or has only from sm_90): such functions keep f32 denormals;
// - an atomic on local memory (pf.atomic.add on a pf.local.array, which
//   address-space inference proves local) cannot be selected ("Cannot select:
//   AtomicCmpSwap ... addrspace 5"); local memory is the thread's own, so the
//   atomic is the plain load, operation and store it means.
//
//===----------------------------------------------------------------------===//
#include "compiler/Pipeline.h"

#include <llvm/IR/Constants.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/Transforms/Utils/LowerAtomic.h>

namespace ptxforge::compiler {
namespace {

bool holdsBfloat(llvm::Type *t) {
  if (t->isBFloatTy())
    return true;
  if (auto *s = llvm::dyn_cast<llvm::StructType>(t))
    return llvm::any_of(s->elements(), holdsBfloat);
  if (auto *a = llvm::dyn_cast<llvm::ArrayType>(t))
    return holdsBfloat(a->getElementType());
  if (auto *v = llvm::dyn_cast<llvm::VectorType>(t))
    return holdsBfloat(v->getElementType());
  return false;
}

/// `c` rebuilt from instructions, its bfloat16 leaves coming out of inline
/// asm, so that instruction selection never sees a bfloat16 immediate.
llvm::Value *materialise(llvm::IRBuilder<> &b, llvm::Constant *c) {
  llvm::Type *t = c->getType();
  if (t->isBFloatTy()) {
    llvm::APInt bits = llvm::cast<llvm::ConstantFP>(c)->getValueAPF().bitcastToAPInt();
    auto *asmType = llvm::FunctionType::get(b.getInt16Ty(), {b.getInt16Ty()}, false);
    auto *mov = llvm::InlineAsm::get(asmType, "mov.b16 $0, $1;", "=h,h", /*hasSideEffects=*/false);
    llvm::Value *reg = b.CreateCall(mov, {b.getInt16(static_cast<std::uint16_t>(bits.getZExtValue()))});
    return b.CreateBitCast(reg, t);
  }
  if (!holdsBfloat(t) || llvm::isa<llvm::UndefValue>(c))
    return c;
  llvm::Value *out = llvm::PoisonValue::get(t);
  unsigned n = t->isStructTy()   ? t->getStructNumElements()
               : t->isArrayTy()  ? static_cast<unsigned>(t->getArrayNumElements())
                                 : static_cast<unsigned>(llvm::cast<llvm::FixedVectorType>(t)->getNumElements());
  for (unsigned i = 0; i < n; ++i) {
    llvm::Value *part = materialise(b, c->getAggregateElement(i));
    out = t->isVectorTy() ? b.CreateInsertElement(out, part, i) : b.CreateInsertValue(out, part, {i});
  }
  return out;
}

void materialiseBfloatCallArguments(llvm::Function &f) {
  for (llvm::BasicBlock &bb : f)
    for (llvm::Instruction &inst : bb) {
      auto *call = llvm::dyn_cast<llvm::CallBase>(&inst);
      if (!call || call->isInlineAsm() || llvm::isa<llvm::IntrinsicInst>(call))
        continue;
      for (llvm::Use &arg : call->args()) {
        auto *c = llvm::dyn_cast<llvm::Constant>(arg.get());
        if (c && holdsBfloat(c->getType())) {
          llvm::IRBuilder<> b(call);
          arg.set(materialise(b, c));
        }
      }
    }
}

bool hasBfloatArithmetic(const llvm::Function &f) {
  for (const llvm::BasicBlock &bb : f)
    for (const llvm::Instruction &inst : bb) {
      if (holdsBfloat(inst.getType()))
        return true;
      for (const llvm::Value *op : inst.operands())
        if (holdsBfloat(op->getType()))
          return true;
    }
  return false;
}

constexpr unsigned kLocalAddressSpace = 5;

/// A pointer into the thread's own memory: the local address space, or a
/// stack slot (an alloca, which NVPTX places in local memory).
bool isLocal(const llvm::Value *pointer) {
  return pointer->getType()->getPointerAddressSpace() == kLocalAddressSpace ||
         llvm::isa<llvm::AllocaInst>(llvm::getUnderlyingObject(pointer, 0));
}

void lowerLocalAtomics(llvm::Function &f) {
  std::vector<llvm::Instruction *> found;
  for (llvm::Instruction &i : llvm::instructions(f)) {
    if (auto *rmw = llvm::dyn_cast<llvm::AtomicRMWInst>(&i); rmw && isLocal(rmw->getPointerOperand()))
      found.push_back(rmw);
    else if (auto *cas = llvm::dyn_cast<llvm::AtomicCmpXchgInst>(&i); cas && isLocal(cas->getPointerOperand()))
      found.push_back(cas);
  }
  for (llvm::Instruction *i : found) {
    if (auto *rmw = llvm::dyn_cast<llvm::AtomicRMWInst>(i))
      llvm::lowerAtomicRMWInst(rmw);
    else
      llvm::lowerAtomicCmpXchgInst(llvm::cast<llvm::AtomicCmpXchgInst>(i));
  }
}

} // namespace

void workAroundNvptxBugs(llvm::Module &module) {
  for (llvm::Function &f : module) {
    if (f.isDeclaration())
      continue;
    lowerLocalAtomics(f);
    materialiseBfloatCallArguments(f);
    if (f.hasFnAttribute("denormal-fp-math-f32") && hasBfloatArithmetic(f))
      f.removeFnAttr("denormal-fp-math-f32");
  }
}

} // namespace ptxforge::compiler
