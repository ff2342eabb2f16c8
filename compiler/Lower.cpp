//===- compiler/Lower.cpp - Kernel entry, parameters and statements -------===//
//
// Declares the kernel with the ABI of compiler/Abi.h, rebuilds each argument
// from its parameters, gives every local an entry-block alloca, then lowers
// the statements. Loops keep a stack of (continue, break) targets; a
// `for ... in range` keeps its own counter, so assigning to the loop
// variable inside the body does not change the iteration, as in Python.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

#include <llvm/IR/Metadata.h>

namespace ptxforge::compiler {

using namespace frontend;

Lowerer::Lowerer(const TypedFunction &tf, llvm::Module &module, const LowerOptions &options, LowerSession &session)
    : tf(tf), module(module), session(session), ctx(module.getContext()), options(options), b(module.getContext()) {}

const Type *Lowerer::typeOf(const Expr *e) const {
  const Type *t = tf.typeOf(e);
  assert(t && "expression without a type");
  return t;
}

llvm::FastMathFlags Lowerer::floatFlags() const {
  llvm::FastMathFlags f;
  if (options.fastmath)
    f.setFast();
  else if (options.fmaContraction)
    f.setAllowContract();
  return f;
}

llvm::Type *Lowerer::memoryType(const ScalarType *t) {
  if (t->isBool())
    return b.getInt8Ty();
  return valueType(t);
}

llvm::Type *Lowerer::valueType(const Type *t) {
  if (isa<RecordType>(t) || isa<frontend::PointerType>(t)) // the address of its bytes
    return b.getPtrTy();
  if (auto *e = dyn_cast<EnumType>(t)) // an enum member is its value
    return valueType(e->value);
  if (auto *s = dyn_cast<ScalarType>(t)) {
    if (s->isBool())
      return b.getInt1Ty();
    if (s->isInt())
      return b.getIntNTy(s->bits);
    if (s->isFloat())
      return s->isBFloat16() ? b.getBFloatTy() : s->bits == 16 ? b.getHalfTy() : s->bits == 32 ? b.getFloatTy() : b.getDoubleTy();
    if (s->isComplex()) {
      llvm::Type *part = valueType(frontend::complexPart(s));
      return llvm::StructType::get(ctx, {part, part});
    }
  }
  if (auto *a = dyn_cast<ArrayType>(t)) {
    auto *dims = llvm::ArrayType::get(b.getInt64Ty(), a->ndim);
    return llvm::StructType::get(ctx, {b.getPtrTy(), dims, dims});
  }
  // A handle with no run-time content (a grid group), or a function, builtin
  // or dtype passed to a device function, which is specialised on it.
  if (isa<PathType>(t) || isa<frontend::FunctionType>(t) || isa<frontend::DtypeType>(t))
    return llvm::StructType::get(ctx);
  if (auto *tt = dyn_cast<TupleType>(t)) {
    std::vector<llvm::Type *> elts;
    for (const Type *e : tt->elts)
      elts.push_back(valueType(e));
    return llvm::StructType::get(ctx, elts);
  }
  return b.getVoidTy();
}

llvm::AllocaInst *Lowerer::entryAlloca(llvm::Type *t, const llvm::Twine &name) {
  llvm::IRBuilder<> entry(&fn->getEntryBlock(), fn->getEntryBlock().begin());
  return entry.CreateAlloca(t, nullptr, name);
}

void Lowerer::setLocation(const Span &span) {
  if (subprogram && span.line > 0)
    b.SetCurrentDebugLocation(llvm::DILocation::get(ctx, span.line, span.col + 1, subprogram));
}

// One compile unit per module (made with the first function), one DIFile per
// Python file, one DISubprogram per function: the callee's lines survive
// inlining as .loc ... inlined_at.
void Lowerer::createSubprogram(const std::string &name) {
  if (!session.di) {
    session.di = std::make_unique<llvm::DIBuilder>(module);
    module.addModuleFlag(llvm::Module::Warning, "Debug Info Version", llvm::DEBUG_METADATA_VERSION);
    module.addModuleFlag(llvm::Module::Warning, "Dwarf Version", 2);
  }
  llvm::DIBuilder &di = *session.di;
  const SourceFile *file = tf.fn->span.file;
  std::string path = file ? file->name : "<kernel>";
  llvm::DIFile *&diFile = session.diFiles[path];
  if (!diFile) {
    auto slash = path.rfind('/');
    diFile = di.createFile(slash == std::string::npos ? path : path.substr(slash + 1),
                           slash == std::string::npos ? "." : path.substr(0, slash));
  }
  if (!session.compileUnit)
    session.compileUnit = di.createCompileUnit(llvm::dwarf::DW_LANG_Python, diFile, "ptxforge", true, "", 0, "",
                                               options.fullDebugInfo ? llvm::DICompileUnit::FullDebug
                                                                     : llvm::DICompileUnit::DebugDirectivesOnly);
  subprogram = di.createFunction(diFile, tf.fn->name, name, diFile, tf.fn->span.line,
                                 di.createSubroutineType(di.getOrCreateTypeArray({})), tf.fn->span.line,
                                 llvm::DINode::FlagZero, llvm::DISubprogram::SPFlagDefinition);
  fn->setSubprogram(subprogram);
}

void Lowerer::startDeadBlock() { b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "dead", fn)); }

//===-- Entry -------------------------------------------------------------===//

// Rebuilds one argument of type `t` from the parameters starting at `next`.
static llvm::Value *rebuildArgument(Lowerer &L, const Type *t, llvm::Function::arg_iterator &next) {
  auto &b = L.b;
  if (auto *e = dyn_cast<EnumType>(t))
    return rebuildArgument(L, e->value, next);
  if (auto *s = dyn_cast<ScalarType>(t); s && s->isComplex()) { // two parameters, real and imaginary
    llvm::Value *re = &*next++;
    return L.makeComplex({re, &*next++});
  }
  if (auto *s = dyn_cast<ScalarType>(t)) {
    llvm::Value *v = &*next++;
    return s->isBool() ? b.CreateICmpNE(v, b.getInt8(0)) : v;
  }
  if (isa<RecordType>(t) || isa<frontend::PointerType>(t))
    return &*next++;
  if (auto *a = dyn_cast<ArrayType>(t)) {
    llvm::Value *agg = llvm::UndefValue::get(L.valueType(a));
    agg = b.CreateInsertValue(agg, &*next++, {0});
    std::vector<llvm::Value *> shape;
    for (int d = 0; d < a->ndim; ++d) {
      shape.push_back(&*next++);
      agg = b.CreateInsertValue(agg, shape.back(), {1u, static_cast<unsigned>(d)});
    }
    // Byte strides: passed for layout A, derived from the shape for C and F.
    llvm::Value *stride = b.getInt64(a->dtype->byteSize());
    std::vector<llvm::Value *> strides(a->ndim);
    if (a->layout == Layout::A) {
      for (int d = 0; d < a->ndim; ++d)
        strides[d] = &*next++;
    } else if (a->layout == Layout::C) {
      for (int d = a->ndim - 1; d >= 0; --d) {
        strides[d] = stride;
        stride = b.CreateMul(stride, shape[d], "", true, true);
      }
    } else {
      for (int d = 0; d < a->ndim; ++d) {
        strides[d] = stride;
        stride = b.CreateMul(stride, shape[d], "", true, true);
      }
    }
    for (int d = 0; d < a->ndim; ++d)
      agg = b.CreateInsertValue(agg, strides[d], {2u, static_cast<unsigned>(d)});
    return agg;
  }
  auto *tt = cast<TupleType>(t);
  llvm::Value *agg = llvm::UndefValue::get(L.valueType(tt));
  for (unsigned i = 0; i < tt->elts.size(); ++i)
    agg = b.CreateInsertValue(agg, rebuildArgument(L, tt->elts[i], next), {i});
  return agg;
}

static llvm::Type *abiType(llvm::IRBuilder<> &b, const AbiSlot &slot) {
  switch (slot.kind) {
  case AbiSlot::I8: return b.getInt8Ty();
  case AbiSlot::I16: return b.getInt16Ty();
  case AbiSlot::I32: return b.getInt32Ty();
  case AbiSlot::I64: return b.getInt64Ty();
  case AbiSlot::F16: return b.getHalfTy();
  case AbiSlot::BF16: return b.getBFloatTy();
  case AbiSlot::F32: return b.getFloatTy();
  case AbiSlot::F64: return b.getDoubleTy();
  case AbiSlot::Ptr: return b.getPtrTy();
  }
  return nullptr;
}

llvm::Function *Lowerer::lowerFunction(Linkage linkage, const std::string &name) {
  bool isKernel = linkage == Linkage::Kernel;
  bool internal = linkage == Linkage::Internal;
  std::vector<AbiSlot> abi;
  std::vector<llvm::Type *> params;
  if (internal) {
    for (const Type *t : tf.paramTypes)
      params.push_back(valueType(t));
  } else {
    for (const Type *t : tf.paramTypes)
      appendAbi(t, abi);
    for (const AbiSlot &s : abi)
      params.push_back(abiType(b, s));
  }
  const Type *rt = tf.returnType;
  bool returnsValue = rt && rt->kind() != Type::Kind::Void;
  auto *fnType = llvm::FunctionType::get(returnsValue ? valueType(rt) : b.getVoidTy(), params, false);
  fn = llvm::Function::Create(fnType, internal ? llvm::GlobalValue::InternalLinkage : llvm::GlobalValue::ExternalLinkage,
                              name, module);
  session.functions[&tf] = fn;
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  if (options.fastmath) {
    fn->addFnAttr("unsafe-fp-math", "true");
    fn->addFnAttr("denormal-fp-math-f32", "preserve-sign,preserve-sign");
  }
  // Kernels are marked through nvvm.annotations in LLVM 19.
  if (isKernel) {
    llvm::Metadata *md[] = {llvm::ValueAsMetadata::get(fn), llvm::MDString::get(ctx, "kernel"),
                            llvm::ValueAsMetadata::get(b.getInt32(1))};
    module.getOrInsertNamedMetadata("nvvm.annotations")->addOperand(llvm::MDNode::get(ctx, md));
  }

  // Name parameters after the Python arguments; data pointers never alias
  // the parameter space and are aligned to their element size.
  if (internal) {
    auto arg = fn->arg_begin();
    for (std::size_t i = 0; i < tf.paramTypes.size(); ++i, ++arg)
      arg->setName(tf.fn->params[i].name);
  } else {
    auto arg = fn->arg_begin();
    for (std::size_t i = 0; i < tf.paramTypes.size(); ++i) {
      std::vector<AbiSlot> one;
      appendAbi(tf.paramTypes[i], one);
      for (const AbiSlot &s : one) {
        const char *suffix = s.role == AbiSlot::Data ? ".data" : s.role == AbiSlot::Shape ? ".shape" :
                             s.role == AbiSlot::Stride ? ".stride" : "";
        arg->setName(tf.fn->params[i].name + suffix);
        if (s.role == AbiSlot::Data) {
          auto *at = dyn_cast<ArrayType>(tf.paramTypes[i]);
          const ScalarType *item = at ? at->dtype : dyn_cast<RecordType>(tf.paramTypes[i]);
          auto *record = item ? dyn_cast<RecordType>(item) : nullptr;
          if (item) // an array's pointer or a record's (not one inside a tuple)
            arg->addAttr(llvm::Attribute::getWithAlignment(
                ctx, llvm::Align(record ? record->alignment() : elementAlign(item))));
        }
        if (s.role == AbiSlot::Shape || s.role == AbiSlot::Stride)
          arg->addAttr(llvm::Attribute::NoUndef);
        ++arg;
      }
    }
  }

  if (options.lineinfo)
    createSubprogram(name);

  auto *entry = llvm::BasicBlock::Create(ctx, "entry", fn);
  b.SetInsertPoint(entry);
  setLocation(tf.fn->span);
  returnBlock = llvm::BasicBlock::Create(ctx, "return", fn);
  if (returnsValue) { // falling off the end returns zeros (Python's None has no device form)
    returnSlot = b.CreateAlloca(valueType(rt), nullptr, "retval");
    b.CreateStore(llvm::Constant::getNullValue(valueType(rt)), returnSlot);
  }

  for (const auto &local : tf.locals) {
    if (!local->type)
      continue;
    llvm::Type *t = valueType(local->type);
    llvm::AllocaInst *slot = b.CreateAlloca(t, nullptr, local->name);
    slots[local.get()] = slot;
    if (local->paramIndex < 0 && isa<ScalarType>(local->type))
      b.CreateStore(llvm::Constant::getNullValue(t), slot); // read-before-write gives 0, not poison
  }
  auto next = fn->arg_begin();
  for (const auto &local : tf.locals) {
    if (local->paramIndex < 0)
      continue;
    const Type *pt = tf.paramTypes[local->paramIndex];
    llvm::Value *v = internal ? static_cast<llvm::Value *>(&*next++) : rebuildArgument(*this, pt, next);
    b.CreateStore(convert(v, pt, local->type, local->firstAssign), slots.at(local.get()));
  }

  block(tf.fn->body);
  if (!b.GetInsertBlock()->getTerminator())
    b.CreateBr(returnBlock);
  b.SetInsertPoint(returnBlock);
  if (returnSlot)
    b.CreateRet(b.CreateLoad(returnSlot->getAllocatedType(), returnSlot));
  else
    b.CreateRetVoid();
  return fn;
}

//===-- Statements --------------------------------------------------------===//

void Lowerer::block(const Block &blk) {
  for (const Stmt *s : blk)
    stmt(s);
}

void Lowerer::stmt(const Stmt *s) {
  setLocation(s->span());
  switch (s->kind()) {
  case Stmt::Kind::Expr: {
    auto *e = cast<ExprStmt>(s);
    if (!isa<StrConstExpr>(e->value)) // docstrings
      expr(e->value);
    return;
  }
  case Stmt::Kind::Assign: {
    auto *a = cast<AssignStmt>(s);
    llvm::Value *v = expr(a->value);
    for (const Expr *t : a->targets)
      store(t, v, typeOf(a->value));
    return;
  }
  case Stmt::Kind::AugAssign: {
    // The target's array and indices are evaluated once, as in Python.
    auto *a = cast<AugAssignStmt>(s);
    auto *rhsType = cast<ScalarType>(typeOf(a->value));
    llvm::Value *ptr = nullptr, *current = nullptr;
    const Type *targetType = nullptr;
    llvm::AllocaInst *slot = nullptr;
    unsigned align = 0;
    if (const RecordField *field = fieldOf(a->target)) {
      ptr = fieldPointer(a->target, align);
      current = loadElement(ptr, field->type, align);
      targetType = field->type;
    } else if (auto *sub = dyn_cast<SubscriptExpr>(a->target)) {
      const ArrayType *at = nullptr;
      ptr = elementPointer(sub, at);
      current = loadElement(ptr, at->dtype);
      targetType = at->dtype;
    } else {
      const Local *local = tf.refOf(a->target)->local;
      slot = slots.at(local);
      current = b.CreateLoad(slot->getAllocatedType(), slot);
      targetType = local->type;
    }
    llvm::Value *rhs = expr(a->value);
    const ScalarType *opType = binOpResultType(a->op, cast<ScalarType>(targetType), rhsType);
    llvm::Value *result = binOp(a->op, current, targetType, rhs, rhsType, opType, s->span());
    result = convert(result, opType, targetType, s->span());
    if (ptr)
      storeElement(ptr, result, cast<ScalarType>(targetType), align);
    else
      b.CreateStore(result, slot);
    return;
  }
  case Stmt::Kind::If: {
    auto *i = cast<IfStmt>(s);
    llvm::Value *cond = truthy(expr(i->test), typeOf(i->test));
    auto *thenBB = llvm::BasicBlock::Create(ctx, "if.then", fn);
    auto *elseBB = llvm::BasicBlock::Create(ctx, "if.else", fn);
    auto *endBB = llvm::BasicBlock::Create(ctx, "if.end", fn);
    b.CreateCondBr(cond, thenBB, elseBB);
    b.SetInsertPoint(thenBB);
    block(i->body);
    if (!b.GetInsertBlock()->getTerminator())
      b.CreateBr(endBB);
    b.SetInsertPoint(elseBB);
    block(i->orelse);
    if (!b.GetInsertBlock()->getTerminator())
      b.CreateBr(endBB);
    b.SetInsertPoint(endBB);
    return;
  }
  case Stmt::Kind::While: {
    auto *w = cast<WhileStmt>(s);
    auto *condBB = llvm::BasicBlock::Create(ctx, "while.cond", fn);
    auto *bodyBB = llvm::BasicBlock::Create(ctx, "while.body", fn);
    auto *elseBB = llvm::BasicBlock::Create(ctx, "while.else", fn);
    auto *endBB = llvm::BasicBlock::Create(ctx, "while.end", fn);
    b.CreateBr(condBB);
    b.SetInsertPoint(condBB);
    setLocation(w->test->span());
    b.CreateCondBr(truthy(expr(w->test), typeOf(w->test)), bodyBB, elseBB);
    b.SetInsertPoint(bodyBB);
    loops.push_back({condBB, endBB});
    block(w->body);
    loops.pop_back();
    if (!b.GetInsertBlock()->getTerminator())
      b.CreateBr(condBB);
    b.SetInsertPoint(elseBB);
    block(w->orelse);
    if (!b.GetInsertBlock()->getTerminator())
      b.CreateBr(endBB);
    b.SetInsertPoint(endBB);
    return;
  }
  case Stmt::Kind::For:
    if (auto u = tf.unrolled.find(cast<ForStmt>(s)); u != tf.unrolled.end())
      forUnrolled(cast<ForStmt>(s), u->second);
    else if (isa<frontend::RangeType>(typeOf(cast<ForStmt>(s)->iter)))
      forRange(cast<ForStmt>(s));
    else if (isa<TupleType>(typeOf(cast<ForStmt>(s)->iter)))
      forTuple(cast<ForStmt>(s));
    else
      forArray(cast<ForStmt>(s));
    return;
  case Stmt::Kind::Break:
  case Stmt::Kind::Continue:
    b.CreateBr(isa<BreakStmt>(s) ? loops.back().breakTarget : loops.back().continueTarget);
    startDeadBlock();
    return;
  case Stmt::Kind::Return: {
    auto *r = cast<ReturnStmt>(s);
    if (returnSlot && r->value)
      b.CreateStore(convert(expr(r->value), typeOf(r->value), tf.returnType, r->span()), returnSlot);
    b.CreateBr(returnBlock);
    startDeadBlock();
    return;
  }
  case Stmt::Kind::Pass:
    return;
  case Stmt::Kind::Raise:
    raiseStmt(cast<frontend::RaiseStmt>(s));
    return;
  case Stmt::Kind::Assert:
    assertStmt(cast<frontend::AssertStmt>(s));
    return;
  }
}

// The skeleton of every `for`: a counter apart from the user's variable (so
// assigning the variable in the body does not change the iteration), the
// condition, the body with break/continue targets, the step, and the `else`
// block that runs when the condition, not a break, ends the loop.
void Lowerer::countedLoop(const ForStmt *f, llvm::Value *start, llvm::Value *step,
                          const std::function<llvm::Value *(llvm::Value *)> &condition,
                          const std::function<void(llvm::Value *)> &bind) {
  llvm::Type *it = start->getType();
  llvm::AllocaInst *counter = entryAlloca(it, "for.i");
  b.CreateStore(start, counter);
  auto *condBB = llvm::BasicBlock::Create(ctx, "for.cond", fn);
  auto *bodyBB = llvm::BasicBlock::Create(ctx, "for.body", fn);
  auto *latchBB = llvm::BasicBlock::Create(ctx, "for.inc", fn);
  auto *elseBB = llvm::BasicBlock::Create(ctx, "for.else", fn);
  auto *endBB = llvm::BasicBlock::Create(ctx, "for.end", fn);
  b.CreateBr(condBB);
  b.SetInsertPoint(condBB);
  llvm::Value *i = b.CreateLoad(it, counter);
  b.CreateCondBr(condition(i), bodyBB, elseBB);
  b.SetInsertPoint(bodyBB);
  bind(i);
  loops.push_back({latchBB, endBB});
  block(f->body);
  loops.pop_back();
  if (!b.GetInsertBlock()->getTerminator())
    b.CreateBr(latchBB);
  b.SetInsertPoint(latchBB);
  b.CreateStore(b.CreateAdd(b.CreateLoad(it, counter), step), counter);
  b.CreateBr(condBB);
  b.SetInsertPoint(elseBB);
  block(f->orelse);
  if (!b.GetInsertBlock()->getTerminator())
    b.CreateBr(endBB);
  b.SetInsertPoint(endBB);
}

void Lowerer::forRange(const ForStmt *f) {
  const CallExpr *call = cast<CallExpr>(f->iter); // typing guarantees range(...)
  if (auto spread = tf.rewrites.find(call); spread != tf.rewrites.end()) // range(*bounds)
    call = cast<CallExpr>(spread->second);
  const auto *rt = cast<frontend::RangeType>(typeOf(f->iter));
  const ScalarType *et = rt->elt;
  llvm::Type *it = valueType(et);
  auto [start, stop, step] = rangeArguments(call, et);
  bool isSigned = et->isSigned;
  auto condition = [&](llvm::Value *i) -> llvm::Value * {
    llvm::Value *up = isSigned ? b.CreateICmpSLT(i, stop) : b.CreateICmpULT(i, stop);
    auto *constStep = llvm::dyn_cast<llvm::ConstantInt>(step);
    if (constStep && !constStep->isNegative())
      return up;
    llvm::Value *down = b.CreateICmpSGT(i, stop);
    if (constStep)
      return down; // a negative constant step
    // A run-time zero step runs no iterations (a constant one is a CompileError).
    llvm::Value *zero = llvm::ConstantInt::get(it, 0);
    llvm::Value *positive = isSigned ? b.CreateICmpSGT(step, zero) : b.CreateICmpNE(step, zero);
    llvm::Value *negative = isSigned ? b.CreateICmpSLT(step, zero) : b.getFalse();
    return b.CreateOr(b.CreateAnd(positive, up), b.CreateAnd(negative, down));
  };
  countedLoop(f, start, step, condition, [&](llvm::Value *i) { store(f->target, i, et); });
}

std::array<llvm::Value *, 3> Lowerer::rangeArguments(const frontend::CallExpr *call, const ScalarType *et) {
  llvm::Type *it = valueType(et);
  std::vector<llvm::Value *> args;
  for (const Expr *a : call->args)
    args.push_back(convert(expr(a), typeOf(a), et, a->span()));
  if (args.size() == 1)
    return {llvm::ConstantInt::get(it, 0), args[0], llvm::ConstantInt::get(it, 1)};
  return {args[0], args[1], args.size() == 3 ? args[2] : llvm::ConstantInt::get(it, 1)};
}

// `for v in a`: the first axis of `a`; v is an element of a 1-d array, else a
// view of one row.
void Lowerer::forArray(const ForStmt *f) {
  auto *at = cast<ArrayType>(typeOf(f->iter));
  llvm::Value *array = expr(f->iter);
  llvm::Value *extent = b.CreateExtractValue(array, {1u, 0u});
  llvm::Value *stride = b.CreateExtractValue(array, {2u, 0u});
  llvm::Value *data = b.CreateExtractValue(array, {0});
  auto bind = [&](llvm::Value *i) {
    llvm::Value *ptr = b.CreateGEP(b.getInt8Ty(), data, b.CreateMul(i, stride));
    if (at->ndim == 1) {
      store(f->target, loadElement(ptr, at->dtype), at->dtype);
      return;
    }
    auto *rowType = cast<ArrayType>(types().arrayType(at->dtype, at->ndim - 1,
                                                      at->layout == Layout::C ? Layout::C : Layout::A, at->readonly));
    llvm::Value *row = llvm::UndefValue::get(valueType(rowType));
    row = b.CreateInsertValue(row, ptr, {0});
    for (unsigned d = 1; d < static_cast<unsigned>(at->ndim); ++d) {
      row = b.CreateInsertValue(row, b.CreateExtractValue(array, {1u, d}), {1u, d - 1});
      row = b.CreateInsertValue(row, b.CreateExtractValue(array, {2u, d}), {2u, d - 1});
    }
    store(f->target, row, rowType);
  };
  countedLoop(f, b.getInt64(0), b.getInt64(1), [&](llvm::Value *i) { return b.CreateICmpSLT(i, extent); }, bind);
}

// `for x in literal_unroll(t)`: the copies of the body one after another
// (frontend/Unroll.cpp); `continue` goes to the next copy, `break` past the
// `else` block.
void Lowerer::forUnrolled(const ForStmt *f, const std::vector<frontend::Block> &copies) {
  auto *endBB = llvm::BasicBlock::Create(ctx, "unroll.end", fn);
  for (const frontend::Block &copy : copies) {
    auto *nextBB = llvm::BasicBlock::Create(ctx, "unroll.next", fn);
    loops.push_back({nextBB, endBB});
    block(copy);
    loops.pop_back();
    if (!b.GetInsertBlock()->getTerminator())
      b.CreateBr(nextBB);
    b.SetInsertPoint(nextBB);
  }
  block(f->orelse);
  if (!b.GetInsertBlock()->getTerminator())
    b.CreateBr(endBB);
  b.SetInsertPoint(endBB);
}

// `for v in (a, b, c)`: the elements, converted to the loop variable's type,
// go into a small local array that a counted loop reads; LLVM unrolls it.
void Lowerer::forTuple(const ForStmt *f) {
  auto *tt = cast<TupleType>(typeOf(f->iter));
  const Type *et = tf.refOf(f->target)->local->type; // typing allows only a name here
  llvm::Value *tuple = expr(f->iter);
  llvm::Type *elementType = valueType(et);
  const auto n = static_cast<unsigned>(tt->elts.size());
  llvm::AllocaInst *items = entryAlloca(llvm::ArrayType::get(elementType, n), "for.items");
  for (unsigned k = 0; k < n; ++k)
    b.CreateStore(convert(b.CreateExtractValue(tuple, {k}), tt->elts[k], et, f->iter->span()),
                  b.CreateConstInBoundsGEP2_32(items->getAllocatedType(), items, 0, k));
  auto bind = [&](llvm::Value *i) {
    llvm::Value *ptr = b.CreateInBoundsGEP(items->getAllocatedType(), items, {b.getInt64(0), i});
    store(f->target, b.CreateLoad(elementType, ptr), et);
  };
  countedLoop(f, b.getInt64(0), b.getInt64(1), [&](llvm::Value *i) { return b.CreateICmpSLT(i, b.getInt64(n)); },
              bind);
}

void Lowerer::store(const Expr *target, llvm::Value *value, const Type *valueType) {
  if (auto *n = dyn_cast<NameExpr>(target)) {
    const Local *local = tf.refOf(n)->local;
    b.CreateStore(convert(value, valueType, local->type, target->span()), slots.at(local));
    return;
  }
  if (auto *t = dyn_cast<TupleExpr>(target)) {
    auto *tt = cast<TupleType>(valueType);
    if (frontend::hasStarred(t->elts))
      return storeStarred(t, value, tt);
    for (unsigned i = 0; i < t->elts.size(); ++i)
      store(t->elts[i], b.CreateExtractValue(value, {i}), tt->elts[i]);
    return;
  }
  if (fieldOf(target))
    return storeField(target, value, valueType);
  auto *sub = cast<SubscriptExpr>(target);
  if (isa<ArrayType>(typeOf(sub))) {
    assignView(sub, value, valueType);
    return;
  }
  const ArrayType *at = nullptr;
  llvm::Value *ptr = elementPointer(sub, at);
  storeElement(ptr, convert(value, valueType, at->dtype, target->span()), at->dtype);
}

// `view[...] = value`: a number fills the view; an array is copied in,
// broadcast as NumPy does (its axes line up with the view's last ones, and an
// extent of 1 repeats). Shapes that do not broadcast store nothing: numba-cuda
// raises there, and a kernel's exception only ends the thread. Each axis runs
// in the direction that reads a source element before it is overwritten when
// the two overlap with equal strides (`a[1:] = a[:-1]` copies as memmove does).
void Lowerer::assignView(const frontend::SubscriptExpr *target, llvm::Value *value, const Type *valueType) {
  storeIntoView(arrayView(target), cast<ArrayType>(typeOf(target)), value, valueType, target->span());
}

void Lowerer::storeIntoView(llvm::Value *view, const ArrayType *vt, llvm::Value *value, const Type *valueType,
                            const Span &at) {
  auto *src = dyn_cast<ArrayType>(valueType);
  llvm::Value *fill = src ? nullptr : convert(value, valueType, vt->dtype, at);
  const unsigned nd = static_cast<unsigned>(vt->ndim), skip = src ? nd - static_cast<unsigned>(src->ndim) : nd;
  llvm::Value *dst = b.CreateExtractValue(view, {0});
  llvm::Value *from = src ? b.CreateExtractValue(value, {0}) : nullptr;
  llvm::Value *fits = b.getTrue(), *after = src ? b.CreateICmpUGT(dst, from) : b.getFalse();
  std::vector<llvm::Value *> extents, dstSteps, srcSteps, downward;
  for (unsigned d = 0; d < nd; ++d) {
    extents.push_back(b.CreateExtractValue(view, {1u, d}));
    dstSteps.push_back(b.CreateExtractValue(view, {2u, d}));
    srcSteps.push_back(b.getInt64(0));
    if (d >= skip) {
      llvm::Value *extent = b.CreateExtractValue(value, {1u, d - skip});
      llvm::Value *repeats = b.CreateICmpEQ(extent, b.getInt64(1));
      fits = b.CreateAnd(fits, b.CreateOr(repeats, b.CreateICmpEQ(extent, extents[d])));
      srcSteps[d] = b.CreateSelect(repeats, b.getInt64(0), b.CreateExtractValue(value, {2u, d - skip}));
    }
    downward.push_back(b.CreateXor(after, b.CreateICmpSLT(dstSteps[d], b.getInt64(0))));
  }
  auto *bodyBB = llvm::BasicBlock::Create(ctx, "view.store", fn);
  auto *endBB = llvm::BasicBlock::Create(ctx, "view.end", fn);
  b.CreateCondBr(fits, bodyBB, endBB);
  b.SetInsertPoint(bodyBB);
  // One loop per axis, outermost first; offsets accumulate in bytes.
  std::function<void(unsigned, llvm::Value *, llvm::Value *)> nest = [&](unsigned d, llvm::Value *dstAt,
                                                                          llvm::Value *srcAt) {
    if (d == nd) {
      llvm::Value *v = fill;
      if (src)
        v = convert(loadElement(b.CreateGEP(b.getInt8Ty(), from, srcAt), src->dtype), src->dtype, vt->dtype, at);
      storeElement(b.CreateGEP(b.getInt8Ty(), dst, dstAt), v, vt->dtype);
      return;
    }
    llvm::BasicBlock *pre = b.GetInsertBlock();
    auto *loopBB = llvm::BasicBlock::Create(ctx, "view.axis", fn);
    auto *nextBB = llvm::BasicBlock::Create(ctx, "view.next", fn);
    b.CreateCondBr(b.CreateICmpSGT(extents[d], b.getInt64(0)), loopBB, nextBB);
    b.SetInsertPoint(loopBB);
    llvm::PHINode *i = b.CreatePHI(b.getInt64Ty(), 2);
    i->addIncoming(b.getInt64(0), pre);
    llvm::Value *k = b.CreateSelect(downward[d], b.CreateSub(b.CreateSub(extents[d], b.getInt64(1)), i), i);
    nest(d + 1, b.CreateAdd(dstAt, b.CreateMul(k, dstSteps[d])), b.CreateAdd(srcAt, b.CreateMul(k, srcSteps[d])));
    llvm::Value *next = b.CreateAdd(i, b.getInt64(1));
    i->addIncoming(next, b.GetInsertBlock());
    b.CreateCondBr(b.CreateICmpSLT(next, extents[d]), loopBB, nextBB);
    b.SetInsertPoint(nextBB);
  };
  nest(0, b.getInt64(0), b.getInt64(0));
  b.CreateBr(endBB);
  b.SetInsertPoint(endBB);
}

} // namespace ptxforge::compiler
