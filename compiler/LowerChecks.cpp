//===- compiler/LowerChecks.cpp - The debug mode's checks and `raise` -----===//
//
// One place emits every check of the debug mode, in target-independent IR,
// so that every back end gets the same checks and the same record
// (compiler/DebugRecord.h is the contract):
//
//   - each integer array index is checked against its extent (after Python's
//     wrapping of negatives); a violation reports and stops the kernel;
//   - each division (/, //, % on numbers) checks its divisor; zero reports
//     ZeroDivisionError with Python's message and ends the thread;
//   - `raise` reports its exception and ends the thread; a failed `assert`
//     reports AssertionError;
//   - a run-time tuple index out of range reports IndexError.
//
// The report itself is one internal, cold function, __pf_debug_report, so
// the checks cost a compare and a never-taken branch in the hot path.
// Without debug mode nothing is checked, and `raise` just ends the thread
// (what numba-cuda's kernels do: the exception goes nowhere).
//
// What differs between targets are LowerTarget's hooks: a fence at system
// scope, ending the thread, stopping the kernel (trapping), and the address
// space of the record's global.
//
//===----------------------------------------------------------------------===//

#include "compiler/DebugRecord.h"
#include "compiler/LowerImpl.h"

#include <llvm/IR/MDBuilder.h>

#include <cstddef>

namespace ptxforge::compiler {

using namespace frontend;

namespace {

/// The source text a span covers (its first line only).
std::string sourceText(const Span &s) {
  if (!s.file || s.line <= 0)
    return "";
  const std::string &line = s.file->line(s.line);
  std::size_t begin = std::min<std::size_t>(static_cast<std::size_t>(s.col), line.size());
  std::size_t end = s.endLine == s.line ? std::min<std::size_t>(static_cast<std::size_t>(s.endCol), line.size())
                                        : line.size();
  return end > begin ? line.substr(begin, end - begin) : line.substr(begin);
}

/// The constant a raise's argument or an assert's message was written as.
DebugArgument constantArgument(const Lowerer &L, const Expr *e) {
  DebugArgument a{DebugArgument::None, "", 0, 0};
  double sign = 1;
  if (auto *u = dyn_cast<UnaryOpExpr>(e)) {
    sign = u->op == UnaryOpKind::Minus ? -1 : 1;
    e = u->operand;
  }
  if (auto *s = dyn_cast<StrConstExpr>(e)) {
    a.kind = DebugArgument::Str;
    a.text = s->value;
  } else if (auto *i = dyn_cast<IntConstExpr>(e)) {
    a.kind = DebugArgument::Int;
    a.intValue = static_cast<std::int64_t>(sign) * i->value;
  } else if (auto *f = dyn_cast<FloatConstExpr>(e)) {
    a.kind = DebugArgument::Float;
    a.floatValue = sign * f->value;
  } else if (auto *b = dyn_cast<BoolConstExpr>(e)) {
    a.kind = DebugArgument::Bool;
    a.intValue = b->value;
  } else if (const NameRef *ref = L.tf.refOf(e); ref && ref->global) {
    const GlobalValue &g = *ref->global;
    a.kind = g.type->isBool() ? DebugArgument::Bool : g.type->isInt() ? DebugArgument::Int : DebugArgument::Float;
    a.intValue = g.intValue;
    a.floatValue = g.floatValue;
  }
  return a;
}

} // namespace

unsigned Lowerer::addDebugSite(DebugSite site, const Span &at) {
  site.function = tf.fn ? tf.fn->name : "";
  site.file = at.file ? at.file->name : "<unknown>";
  site.line = at.line;
  site.col = at.col + 1;
  if (site.source.empty())
    site.source = sourceText(at);
  session.debugSites.push_back(std::move(site));
  return static_cast<unsigned>(session.debugSites.size() - 1);
}

// __pf_debug = { ptr record, i32 claim }: external, so that the host finds
// it by name and LLVM assumes nothing about its contents.
llvm::GlobalVariable *Lowerer::debugGlobal() {
  if (llvm::GlobalVariable *g = module.getNamedGlobal(kDebugGlobal))
    return g;
  auto *type = llvm::StructType::get(ctx, {b.getPtrTy(), b.getInt32Ty(), b.getInt32Ty()});
  auto *g = new llvm::GlobalVariable(module, type, false, llvm::GlobalValue::ExternalLinkage,
                                     llvm::Constant::getNullValue(type), kDebugGlobal, nullptr,
                                     llvm::GlobalValue::NotThreadLocal, target.globalSpace(),
                                     /*isExternallyInitialized=*/true);
  g->setAlignment(llvm::Align(8));
  return g;
}

// void __pf_debug_report(i32 site, i32 ndim, i32 nindex, i32 axis, ptr values)
// `values` holds kDebugMaxDims indices then kDebugMaxDims extents, or is null.
llvm::Function *Lowerer::debugReportFunction() {
  if (session.debugReport)
    return session.debugReport;
  llvm::Type *i32 = b.getInt32Ty(), *i64 = b.getInt64Ty(), *ptr = b.getPtrTy();
  auto *fnType = llvm::FunctionType::get(b.getVoidTy(), {i32, i32, i32, i32, ptr}, false);
  auto *f = llvm::Function::Create(fnType, llvm::GlobalValue::InternalLinkage, "__pf_debug_report", module);
  f->addFnAttr(llvm::Attribute::NoInline);
  f->addFnAttr(llvm::Attribute::Cold);
  f->addFnAttr(llvm::Attribute::NoUnwind);
  session.debugReport = f;

  llvm::IRBuilder<>::InsertPointGuard guard(b);
  llvm::Function *outer = fn;
  fn = f; // builtinValue() and the block helpers build into this function
  auto *entry = llvm::BasicBlock::Create(ctx, "entry", f);
  auto *claim = llvm::BasicBlock::Create(ctx, "claim", f);
  auto *write = llvm::BasicBlock::Create(ctx, "write", f);
  auto *done = llvm::BasicBlock::Create(ctx, "done", f);
  b.SetInsertPoint(entry);
  b.SetCurrentDebugLocation(llvm::DebugLoc());
  auto arg = f->arg_begin();
  llvm::Value *site = &*arg++, *ndim = &*arg++, *nindex = &*arg++, *axis = &*arg++, *values = &*arg++;
  llvm::Value *global = b.CreateAddrSpaceCast(debugGlobal(), ptr);
  llvm::LoadInst *record = b.CreateAlignedLoad(ptr, global, llvm::Align(8), /*isVolatile=*/true);
  b.CreateCondBr(b.CreateIsNull(record), done, claim);

  b.SetInsertPoint(claim); // the first failing thread wins; the others only stop
  llvm::Value *claimWord = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), global, 8);
  llvm::Value *swapped = b.CreateAtomicCmpXchg(claimWord, b.getInt32(0), b.getInt32(1), llvm::MaybeAlign(4),
                                               llvm::AtomicOrdering::SequentiallyConsistent,
                                               llvm::AtomicOrdering::SequentiallyConsistent);
  b.CreateCondBr(b.CreateExtractValue(swapped, {1}), write, done);

  b.SetInsertPoint(write);
  auto field = [&](unsigned offset) { return b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), record, offset); };
  auto store32 = [&](llvm::Value *v, unsigned offset) {
    b.CreateAlignedStore(v, field(offset), llvm::Align(4), /*isVolatile=*/true);
  };
  store32(site, offsetof(DebugRecord, site));
  static const BuiltinId position[] = {BuiltinId::ThreadIdxX, BuiltinId::ThreadIdxY, BuiltinId::ThreadIdxZ,
                                       BuiltinId::BlockIdxX,  BuiltinId::BlockIdxY,  BuiltinId::BlockIdxZ};
  for (unsigned i = 0; i < 6; ++i)
    store32(builtinValue(position[i]), offsetof(DebugRecord, thread) + 4 * i);
  store32(ndim, offsetof(DebugRecord, ndim));
  store32(nindex, offsetof(DebugRecord, nindex));
  store32(axis, offsetof(DebugRecord, axis));
  store32(b.getInt32(0), offsetof(DebugRecord, reserved));
  auto *copy = llvm::BasicBlock::Create(ctx, "copy", f);
  auto *publish = llvm::BasicBlock::Create(ctx, "publish", f);
  b.CreateCondBr(b.CreateIsNull(values), publish, copy);
  b.SetInsertPoint(copy);
  for (unsigned k = 0; k < 2 * kDebugMaxDims; ++k) {
    llvm::Value *v = b.CreateAlignedLoad(i64, b.CreateConstInBoundsGEP1_64(i64, values, k), llvm::Align(8));
    b.CreateAlignedStore(v, field(offsetof(DebugRecord, index) + 8 * k), llvm::Align(8), /*isVolatile=*/true);
  }
  b.CreateBr(publish);
  b.SetInsertPoint(publish); // the fields, then the status, each made visible to the host
  target.fence(*this, FenceScope::System);
  store32(b.getInt32(1), offsetof(DebugRecord, status));
  target.fence(*this, FenceScope::System);
  b.CreateBr(done);
  b.SetInsertPoint(done);
  b.CreateRetVoid();
  fn = outer;
  return f;
}

void Lowerer::reportAndStop(unsigned site, bool wholeKernel, llvm::Value *values, llvm::Value *ndim,
                            llvm::Value *nindex, llvm::Value *axis) {
  llvm::Value *zero = b.getInt32(0);
  b.CreateCall(debugReportFunction(), {b.getInt32(site), ndim ? ndim : zero, nindex ? nindex : zero,
                                       axis ? axis : zero, values ? values : llvm::ConstantPointerNull::get(b.getPtrTy())});
  if (wholeKernel)
    target.stopKernel(*this);
  else
    target.stopThread(*this);
  startDeadBlock();
}

void Lowerer::checkIndices(const Span &at, const ArrayType *arrayType, llvm::Value *array,
                           const std::vector<CheckedIndex> &indices) {
  if (!options.debug || indices.empty())
    return;
  std::vector<llvm::Value *> bad;
  llvm::Value *anyBad = b.getFalse();
  for (const CheckedIndex &c : indices) {
    llvm::Value *extent = b.CreateExtractValue(array, {1u, c.axis});
    bad.push_back(b.CreateICmpUGE(c.wrapped, extent));
    anyBad = b.CreateOr(anyBad, bad.back());
  }
  auto *failBB = llvm::BasicBlock::Create(ctx, "index.bad", fn);
  auto *okBB = llvm::BasicBlock::Create(ctx, "index.ok", fn);
  b.CreateCondBr(anyBad, failBB, okBB, llvm::MDBuilder(ctx).createBranchWeights(1, 1u << 20));
  b.SetInsertPoint(failBB);
  DebugSite site{DebugSite::Bounds};
  unsigned id = addDebugSite(site, at);
  llvm::Type *i64 = b.getInt64Ty();
  auto *valuesType = llvm::ArrayType::get(i64, 2 * kDebugMaxDims);
  llvm::AllocaInst *values = entryAlloca(valuesType, "debug.values");
  values->setAlignment(llvm::Align(8));
  for (unsigned k = 0; k < indices.size() && k < static_cast<unsigned>(kDebugMaxDims); ++k)
    b.CreateStore(indices[k].raw, b.CreateConstInBoundsGEP2_32(valuesType, values, 0, k));
  for (unsigned d = 0; d < static_cast<unsigned>(arrayType->ndim) && d < static_cast<unsigned>(kDebugMaxDims); ++d)
    b.CreateStore(b.CreateExtractValue(array, {1u, d}),
                  b.CreateConstInBoundsGEP2_32(valuesType, values, 0, kDebugMaxDims + d));
  // The first axis out of range.
  llvm::Value *axis = b.getInt32(indices.back().axis);
  for (std::size_t k = indices.size(); k-- > 0;)
    axis = b.CreateSelect(bad[k], b.getInt32(indices[k].axis), axis);
  reportAndStop(id, /*wholeKernel=*/true, values, b.getInt32(arrayType->ndim),
                b.getInt32(static_cast<unsigned>(indices.size())), axis);
  b.CreateBr(okBB); // startDeadBlock left a dead block to close
  b.SetInsertPoint(okBB);
}

void Lowerer::checkDivisor(BinOpKind op, const Type *dividendType, llvm::Value *divisor, const Type *divisorType,
                           const ScalarType *result, const Span &at) {
  if (!options.debug || (op != BinOpKind::Div && op != BinOpKind::FloorDiv && op != BinOpKind::Mod))
    return;
  if (options.fastmath && op == BinOpKind::Div && result->isFloat() && result->bits == 32)
    return; // numba-cuda's fastmath float32 division is div.approx, unchecked: x / 0 gives inf
  // Python's messages: which one depends on the operator and the operands' kinds.
  const bool ints = !cast<ScalarType>(dividendType)->isFloat() && !cast<ScalarType>(divisorType)->isFloat();
  const char *message = result->isComplex()           ? "complex division by zero"
                        : result->isFloat() && op == BinOpKind::Div
                            ? (ints ? "division by zero" : "float division by zero")
                        : result->isFloat() && op == BinOpKind::FloorDiv ? "float floor division by zero"
                        : result->isFloat()                              ? "float modulo"
                        : op == BinOpKind::Mod                           ? "integer modulo by zero"
                                                                         : "integer division or modulo by zero";
  if (auto *c = llvm::dyn_cast<llvm::ConstantInt>(divisor); c && !c->isZero())
    return; // a constant divisor that is not zero: nothing to check
  if (auto *c = llvm::dyn_cast<llvm::ConstantFP>(divisor); c && !c->isZero())
    return;
  llvm::Value *isZero = b.CreateNot(truthy(divisor, divisorType));
  auto *failBB = llvm::BasicBlock::Create(ctx, "divide.zero", fn);
  auto *okBB = llvm::BasicBlock::Create(ctx, "divide.ok", fn);
  b.CreateCondBr(isZero, failBB, okBB, llvm::MDBuilder(ctx).createBranchWeights(1, 1u << 20));
  b.SetInsertPoint(failBB);
  DebugSite site{DebugSite::ZeroDivision};
  site.message = message;
  reportAndStop(addDebugSite(site, at), /*wholeKernel=*/false);
  b.CreateBr(okBB);
  b.SetInsertPoint(okBB);
}

void Lowerer::raiseStmt(const RaiseStmt *r) {
  if (options.debug) {
    auto *call = dyn_cast<CallExpr>(r->exc);
    const Expr *cls = call ? call->callee : r->exc;
    const GlobalValue &g = *tf.refOf(cls)->global;
    DebugSite site{DebugSite::Raise};
    site.exceptionName = g.path;
    site.exceptionId = static_cast<int>(g.intValue);
    if (call)
      for (const Expr *a : call->args)
        site.args.push_back(constantArgument(*this, a));
    reportAndStop(addDebugSite(site, r->span()), /*wholeKernel=*/false);
    return;
  }
  target.stopThread(*this); // the exception goes nowhere, but the thread does not go on
  startDeadBlock();
}

void Lowerer::assertStmt(const AssertStmt *a) {
  if (!options.debug)
    return; // as in Python run with -O
  llvm::Value *holds = truthy(expr(a->test), typeOf(a->test));
  auto *failBB = llvm::BasicBlock::Create(ctx, "assert.fail", fn);
  auto *okBB = llvm::BasicBlock::Create(ctx, "assert.ok", fn);
  b.CreateCondBr(holds, okBB, failBB, llvm::MDBuilder(ctx).createBranchWeights(1u << 20, 1));
  b.SetInsertPoint(failBB);
  DebugSite site{DebugSite::Assert};
  site.exceptionName = "AssertionError";
  if (a->msg)
    site.args.push_back(constantArgument(*this, a->msg));
  reportAndStop(addDebugSite(site, a->span()), /*wholeKernel=*/false);
  b.CreateBr(okBB);
  b.SetInsertPoint(okBB);
}

void Lowerer::checkTupleIndex(llvm::Value *index, llvm::Value *size, const Span &at) {
  if (!options.debug)
    return;
  auto *failBB = llvm::BasicBlock::Create(ctx, "tuple.bad", fn);
  auto *okBB = llvm::BasicBlock::Create(ctx, "tuple.ok", fn);
  b.CreateCondBr(b.CreateICmpUGE(index, size), failBB, okBB, llvm::MDBuilder(ctx).createBranchWeights(1, 1u << 20));
  b.SetInsertPoint(failBB);
  DebugSite site{DebugSite::TupleIndex};
  site.message = "tuple index out of range";
  reportAndStop(addDebugSite(site, at), /*wholeKernel=*/false);
  b.CreateBr(okBB);
  b.SetInsertPoint(okBB);
}

} // namespace ptxforge::compiler
