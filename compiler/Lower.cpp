//===- compiler/Lower.cpp - Kernel entry, parameters and statements -------===//
//
// Declares the kernel with the ABI of compiler/Abi.h, rebuilds each argument
// from its parameters, gives every local an entry-block alloca, then lowers
// the statements. Loops keep a stack of (continue, break) targets; a
// `for ... in range` keeps its own counter, so assigning to the loop
// variable inside the body does not change the iteration, as in Python.
//
//===----------------------------------------------------------------------===//

#include "compiler/KernelFacts.h"
#include "compiler/LowerImpl.h"

#include <llvm/IR/Metadata.h>

#include <algorithm>

namespace ptxforge::compiler {

using namespace frontend;

Lowerer::Lowerer(const TypedFunction &tf, llvm::Module &module, const LowerOptions &options, LowerSession &session)
    : tf(tf), module(module), session(session), target(session.target), ctx(module.getContext()), options(options),
      b(module.getContext()) {}

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
  if (isa<RecordType>(t) || isa<CharSeqType>(t)) // its bytes (as a value, a record is their address)
    return llvm::ArrayType::get(b.getInt8Ty(), t->byteSize());
  return valueType(t);
}

bool holdsNothing(const Type *t) {
  if (isa<PathType>(t) || isa<frontend::FunctionType>(t) || isa<frontend::DtypeType>(t) ||
      t->kind() == Type::Kind::None)
    return true; // no run-time content (valueType)
  auto *tt = dyn_cast<TupleType>(t);
  return tt && std::all_of(tt->elts.begin(), tt->elts.end(), holdsNothing);
}

llvm::Type *Lowerer::valueType(const Type *t) {
  if (isa<RecordType>(t) || isa<frontend::PointerType>(t)) // the address of its bytes
    return b.getPtrTy();
  if (auto *e = dyn_cast<EnumType>(t)) // an enum member is its value
    return valueType(e->value);
  if (isa<frontend::Fp8Type>(t)) // its storage byte
    return b.getInt8Ty();
  if (auto *o = dyn_cast<frontend::OptionalType>(t)) // numba's model: {value, valid}; zero is None
    return llvm::StructType::get(ctx, {valueType(o->value), b.getInt1Ty()});
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
  if (isa<PathType>(t) || isa<frontend::FunctionType>(t) || isa<frontend::DtypeType>(t) ||
      t->kind() == Type::Kind::None) // None in a variable or passed to a device function
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
  at = span;
  setLine(span);
}

void Lowerer::setLine(const Span &span) {
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
                                 options.fullDebugInfo ? subroutineType()
                                                       : di.createSubroutineType(di.getOrCreateTypeArray({})),
                                 tf.fn->span.line,
                                 llvm::DINode::FlagZero, llvm::DISubprogram::SPFlagDefinition);
  fn->setSubprogram(subprogram);
}

void Lowerer::startDeadBlock() { b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "dead", fn)); }

//===-- Entry -------------------------------------------------------------===//

// Rebuilds one argument of type `t` from the parameters starting at `next`.
// `facts` are the launch's LaunchFacts bits for this argument.
static llvm::Value *rebuildArgument(Lowerer &L, const Type *t, llvm::Function::arg_iterator &next,
                                    std::uint8_t facts = 0) {
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
    // Aligned: every stride but the unit one is a multiple of 16 bytes, so
    // that rows keep the data pointer's alignment.
    const int unit = a->layout == Layout::C ? a->ndim - 1 : a->layout == Layout::F ? 0 : -1;
    for (int d = 0; d < a->ndim && (facts & LaunchFacts::Aligned); ++d)
      if (d != unit)
        b.CreateAssumption(b.CreateICmpEQ(b.CreateAnd(strides[d], b.getInt64(15)), b.getInt64(0)));
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

/// Stores a kernel argument of type `t` at `ptr`, a tuple element by
/// element: building a large tuple as one value (an insertvalue chain) makes
/// LLVM's IPSCCP take time cubic in its length (20 s for 500 float64s).
static void storeArgument(Lowerer &L, const Type *t, llvm::Function::arg_iterator &next, llvm::Value *ptr) {
  auto *tt = dyn_cast<TupleType>(t);
  if (!tt) {
    L.b.CreateStore(rebuildArgument(L, t, next), ptr);
    return;
  }
  llvm::Type *st = L.valueType(tt);
  for (unsigned i = 0; i < tt->elts.size(); ++i)
    storeArgument(L, tt->elts[i], next, L.b.CreateStructGEP(st, ptr, i));
}

llvm::Function *Lowerer::lowerFunction(Linkage linkage, const std::string &name) {
  bool isKernel = linkage == Linkage::Kernel;
  bool internal = linkage == Linkage::Internal;
  std::vector<AbiSlot> abi;
  std::vector<llvm::Type *> params;
  if (internal) {
    for (const Type *t : tf.paramTypes)
      if (!holdsNothing(t)) // NVPTX rejects empty parameters: () is passed as nothing
        params.push_back(valueType(t));
  } else {
    for (const Type *t : tf.paramTypes)
      appendAbi(t, abi);
    for (const AbiSlot &s : abi)
      params.push_back(abiType(b, s));
  }
  const Type *rt = tf.returnType;
  bool returnsValue = rt && rt->kind() != Type::Kind::Void && !holdsNothing(rt); // () comes back as nothing
  auto *fnType = llvm::FunctionType::get(returnsValue ? valueType(rt) : b.getVoidTy(), params, false);
  fn = llvm::Function::Create(fnType, internal ? llvm::GlobalValue::InternalLinkage : llvm::GlobalValue::ExternalLinkage,
                              name, module);
  session.functions[&tf] = fn;
  fn->addFnAttr(llvm::Attribute::NoUnwind);
  if (options.fastmath) {
    fn->addFnAttr("unsafe-fp-math", "true");
    fn->addFnAttr("denormal-fp-math-f32", "preserve-sign,preserve-sign");
  }
  if (isKernel)
    target.declareKernel(*this, fn);

  if (internal) {
    auto arg = fn->arg_begin();
    for (std::size_t i = 0; i < tf.paramTypes.size(); ++i)
      if (!holdsNothing(tf.paramTypes[i]))
        (arg++)->setName(tf.fn->params[i].name);
  } else {
    parameterAttributes();
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
    if (local->paramIndex < 0 && isa<ScalarType>(local->type)) {
      auto *zero = b.CreateStore(llvm::Constant::getNullValue(t), slot); // read-before-write gives 0, not poison
      if (options.fullDebugInfo)
        zeroInits.insert(zero);
    }
  }
  auto next = fn->arg_begin();
  std::vector<std::pair<const Local *, llvm::Value *>> paramValues;
  for (const auto &local : tf.locals) {
    if (local->paramIndex < 0)
      continue;
    const Type *pt = tf.paramTypes[local->paramIndex];
    std::uint8_t facts = options.facts ? options.facts->of(static_cast<std::size_t>(local->paramIndex)) : 0;
    if (!internal && pt == local->type && isa<TupleType>(pt)) {
      llvm::Value *slot = slots.at(local.get());
      storeArgument(*this, pt, next, slot);
      if (isKernel && options.coarsen > 1 && options.kernelFacts) // each coarsened lane starts from it
        paramValues.push_back({local.get(), b.CreateLoad(valueType(pt), slot)});
      continue;
    }
    llvm::Value *v = internal && holdsNothing(pt) ? llvm::Constant::getNullValue(valueType(pt))
                     : internal                   ? static_cast<llvm::Value *>(&*next++)
                                                  : rebuildArgument(*this, pt, next, facts);
    paramValues.push_back({local.get(), convert(v, pt, local->type, local->firstAssign)});
    b.CreateStore(paramValues.back().second, slots.at(local.get()));
  }

  if (isKernel && options.coarsen > 1 && options.kernelFacts)
    coarsenedBody(paramValues);
  else
    block(tf.fn->body);
  if (!b.GetInsertBlock()->getTerminator())
    b.CreateBr(returnBlock);
  b.SetInsertPoint(returnBlock);
  if (returnSlot)
    b.CreateRet(b.CreateLoad(returnSlot->getAllocatedType(), returnSlot));
  else
    b.CreateRetVoid();
  describeVariables();
  return fn;
}

//===-- Parameters and coarsening -----------------------------------------===//

// Parameters are named after the Python arguments. Data pointers never
// alias the parameter space and are aligned to their element size (16
// bytes when the launch proved it); extents are non-negative (below 2^62 or
// 2^30 when the launch proved it). Pointers the kernel never writes through
// are readonly; every data pointer is noalias when the launch proved the
// arrays disjoint, or when the kernel writes no argument's memory at all.
// noalias and readonly together let NVPTX load through the read-only data
// cache (ld.global.nc).
void Lowerer::parameterAttributes() {
  const LaunchFacts none;
  const LaunchFacts &facts = options.facts ? *options.facts : none;
  const KernelFacts *kf = options.kernelFacts;
  const bool anyWritten = !kf || kf->anyWritten();
  auto range = [&](std::int64_t lo, std::uint64_t hi) { // [lo, hi), hi as an unsigned bit pattern
    return llvm::Attribute::get(ctx, llvm::Attribute::Range,
                                llvm::ConstantRange(llvm::APInt(64, static_cast<std::uint64_t>(lo), true),
                                                    llvm::APInt(64, hi)));
  };
  auto arg = fn->arg_begin();
  for (std::size_t i = 0; i < tf.paramTypes.size(); ++i) {
    const Type *pt = tf.paramTypes[i];
    const std::uint8_t f = facts.of(i);
    const bool written = !kf || i >= kf->written.size() || kf->written[i];
    std::vector<AbiSlot> one;
    appendAbi(pt, one);
    auto *at = dyn_cast<ArrayType>(pt);
    for (const AbiSlot &s : one) {
      const char *suffix = s.role == AbiSlot::Data ? ".data" : s.role == AbiSlot::Shape ? ".shape" :
                           s.role == AbiSlot::Stride ? ".stride" : "";
      arg->setName(tf.fn->params[i].name + suffix);
      if (s.role == AbiSlot::Data) {
        const ScalarType *item = at ? at->dtype : dyn_cast<RecordType>(pt);
        auto *record = item ? dyn_cast<RecordType>(item) : nullptr;
        if (item) { // an array's pointer or a record's (not one inside a tuple)
          unsigned align = record ? record->alignment() : elementAlign(item);
          if (at && (f & LaunchFacts::Aligned))
            align = std::max(align, 16u);
          arg->addAttr(llvm::Attribute::getWithAlignment(ctx, llvm::Align(align)));
        }
        if (facts.disjoint || !anyWritten)
          arg->addAttr(llvm::Attribute::NoAlias);
        if (!written)
          arg->addAttr(llvm::Attribute::ReadOnly);
      }
      if (s.role == AbiSlot::Shape) {
        // Every launch path reads extents as non-negative int64 values.
        std::uint64_t hi = at && (f & LaunchFacts::Small)     ? std::uint64_t{1} << 30
                           : at && (f & LaunchFacts::Bounded) ? std::uint64_t{1} << 62
                                                              : std::uint64_t{1} << 63;
        arg->addAttr(range(0, hi));
      }
      if (s.role == AbiSlot::Shape || s.role == AbiSlot::Stride)
        arg->addAttr(llvm::Attribute::NoUndef);
      auto *scalar = dyn_cast<ScalarType>(pt);
      if (s.role == AbiSlot::Value && scalar && scalar->isInt() && scalar->bits == 64 && scalar->isSigned &&
          (f & LaunchFacts::Bounded))
        arg->addAttr(range(-(std::int64_t{1} << 62), std::uint64_t{1} << 62));
      ++arg;
    }
  }
}

// A kernel coarsened by C: each physical thread runs the logical threads
// C*t .. C*t + C-1 along x (threadIdx.x, blockDim.x and grid read as logical
// values, see builtinValue and grid), each with fresh locals and `return`
// ending only its own. When the body starts with side-effect-free
// assignments and an `if`, a test first asks whether every logical thread
// takes the `if` (skips it, when its body only returns); if so, the body is
// copied once per logical thread, in straight line, each copy taking the
// branch its test (pure, and already evaluated) gave, and the copies' loads
// and stores merge into vector ones. Otherwise (the grid's ragged edge, or a
// body not arranged so) one copy runs in a loop over the logical threads,
// with all its tests. (Re-running the pure prefix in a copy reads what the
// test read unless another thread wrote it meanwhile: a data race, whose
// outcome CUDA leaves open anyway.)
void Lowerer::coarsenedBody(const std::vector<std::pair<const Local *, llvm::Value *>> &params) {
  const KernelFacts &kf = *options.kernelFacts;
  const int copies = options.coarsen;
  auto reset = [&] { // locals as at the function's entry
    for (const auto &local : tf.locals)
      if (local->paramIndex < 0 && local->type && isa<ScalarType>(local->type))
        b.CreateStore(llvm::Constant::getNullValue(valueType(local->type)), slots.at(local.get()));
    for (const auto &[local, value] : params)
      b.CreateStore(value, slots.at(local));
  };
  llvm::BasicBlock *done = returnBlock;
  auto run = [&](llvm::Value *k) { // the body for logical thread k; ends in the block after it
    lane = k;
    reset();
    returnBlock = llvm::BasicBlock::Create(ctx, "lane.end", fn);
    block(tf.fn->body);
    if (!b.GetInsertBlock()->getTerminator())
      b.CreateBr(returnBlock);
    b.SetInsertPoint(returnBlock);
  };
  if (kf.guard) {
    const frontend::IfStmt *guard = kf.guard;
    const bool skips = guard->orelse.empty() && guard->body.size() == 1 && isa<frontend::ReturnStmt>(guard->body[0]);
    llvm::Value *all = b.getTrue();
    for (int k = 0; k < copies; ++k) {
      lane = b.getInt32(k);
      reset();
      for (std::size_t i = 0; i < kf.guardIndex; ++i)
        stmt(tf.fn->body[i]);
      llvm::Value *taken = truthy(expr(guard->test), typeOf(guard->test));
      all = b.CreateAnd(all, skips ? b.CreateNot(taken) : taken);
    }
    auto *uniform = llvm::BasicBlock::Create(ctx, "coarse.uniform", fn);
    auto *mixed = llvm::BasicBlock::Create(ctx, "coarse.mixed", fn);
    b.CreateCondBr(all, uniform, mixed);
    b.SetInsertPoint(uniform);
    knownIf = guard; // pure prefix, every test evaluated above: each copy's own is known
    knownTaken = !skips;
    for (int k = 0; k < copies; ++k)
      run(b.getInt32(k));
    knownIf = nullptr;
    b.CreateBr(done);
    b.SetInsertPoint(mixed);
  }
  llvm::AllocaInst *counter = entryAlloca(b.getInt32Ty(), "lane");
  b.CreateStore(b.getInt32(0), counter);
  auto *head = llvm::BasicBlock::Create(ctx, "lane.loop", fn);
  b.CreateBr(head);
  b.SetInsertPoint(head);
  llvm::Value *k = b.CreateLoad(b.getInt32Ty(), counter);
  run(k);
  llvm::Value *next = b.CreateAdd(k, b.getInt32(1), "", true, true);
  b.CreateStore(next, counter);
  b.CreateCondBr(b.CreateICmpULT(next, b.getInt32(copies)), head, done);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "coarse.end", fn)); // unreachable; the caller branches to done
  lane = nullptr;
  returnBlock = done;
}

//===-- Statements --------------------------------------------------------===//

void Lowerer::block(const Block &blk) {
  for (const Stmt *s : blk) {
    stmt(s);
    if (tf.endsBlock(s))
      return; // the rest was pruned when typed
  }
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
    if (copyTupleVariable(a) || storeConstString(a))
      return;
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
    if (i == knownIf) { // a coarsened kernel's uniform version: the test's value is known
      block(knownTaken ? i->body : i->orelse);
      return;
    }
    if (auto known = tf.constantIfs.find(i); known != tf.constantIfs.end()) { // pruned when typed
      expr(i->test); // for its side effects
      block(known->second ? i->body : i->orelse);
      return;
    }
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
    setLine(i->span()); // an empty else is the `if` line's, not the then block's last line
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
    else if (isa<frontend::IterType>(typeOf(cast<ForStmt>(s)->iter)))
      forIter(cast<ForStmt>(s));
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
    if (returnSlot && r->value && isa<frontend::NoneConstExpr>(r->value)) // an Optional's None
      b.CreateStore(llvm::Constant::getNullValue(valueType(tf.returnType)), returnSlot);
    else if (returnSlot && r->value)
      b.CreateStore(convert(expr(r->value), typeOf(r->value), tf.returnType, r->span()), returnSlot);
    else if (r->value && holdsNothing(tf.returnType))
      expr(r->value); // returns (): only its side effects matter
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
  setLine(f->span()); // the step and the test are the `for` line's, however the body ended (continue)
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

// `for ... in enumerate(...)` / `zip(...)`: every range, array and start
// value in the (possibly nested) call is evaluated once, left to right, before
// the loop; the counter runs to the shortest length, and each step's tuple is
// built from it. A 2-d or wider array gives views of its rows.
void Lowerer::forIter(const ForStmt *f) {
  struct Part {
    const Type *type;                    // the range, array or iterator type
    llvm::Value *value = nullptr;        // the array; a range's start; enumerate's start
    llvm::Value *step = nullptr;         // a range's step
    std::vector<Part> parts;             // an iterator's iterables
    const Type *elt = nullptr;           // a tuple's element type
  };
  llvm::Value *length = nullptr;
  auto shortest = [&](llvm::Value *n) { length = length ? b.CreateSelect(b.CreateICmpSLT(n, length), n, length) : n; };
  // `elt` is the type this part gives at each step.
  std::function<Part(const Expr *, const Type *)> prepare = [&](const Expr *e, const Type *elt) -> Part {
    Part p;
    p.type = typeOf(e);
    if (auto *tt = dyn_cast<TupleType>(p.type)) { // its elements, converted to their join, in a local array
      const auto n = static_cast<unsigned>(tt->elts.size());
      llvm::AllocaInst *items = entryAlloca(llvm::ArrayType::get(valueType(elt), n), "for.items");
      llvm::Value *whole = nullptr;
      for (unsigned k = 0; k < n; ++k)
        b.CreateStore(convert(tupleElement(e, k, whole), tt->elts[k], elt, e->span()),
                      b.CreateConstInBoundsGEP2_32(items->getAllocatedType(), items, 0, k));
      p.value = items;
      p.elt = elt;
      shortest(b.getInt64(n));
      return p;
    }
    if (isa<ArrayType>(p.type)) {
      p.value = expr(e);
      shortest(b.CreateExtractValue(p.value, {1u, 0u}));
      return p;
    }
    const auto *call = cast<frontend::CallExpr>(e); // typing allows only calls written in place
    if (auto spread = tf.rewrites.find(call); spread != tf.rewrites.end()) // range(*bounds)
      call = cast<frontend::CallExpr>(spread->second);
    if (auto *rt = dyn_cast<frontend::RangeType>(p.type)) {
      auto [start, stop, step] = rangeArguments(call, rt->elt);
      p.value = start, p.step = step;
      shortest(rangeCount(start, stop, step, rt->elt));
      return p;
    }
    bool isEnumerate = lookupBuiltin(cast<frontend::PathType>(typeOf(call->callee))->path)->id ==
                       frontend::BuiltinId::Enumerate;
    std::size_t n = isEnumerate ? 1 : call->args.size();
    auto *stepType = cast<TupleType>(cast<frontend::IterType>(p.type)->elt);
    for (std::size_t k = 0; k < n; ++k)
      p.parts.push_back(prepare(call->args[k], stepType->elts[k + (isEnumerate ? 1 : 0)]));
    if (isEnumerate)
      p.value = call->args.size() == 2 ? convert(expr(call->args[1]), typeOf(call->args[1]), types().intType(64),
                                                 call->args[1]->span())
                                       : b.getInt64(0);
    return p;
  };
  Part top = prepare(f->iter, cast<frontend::IterType>(typeOf(f->iter))->elt);
  std::function<llvm::Value *(const Part &, llvm::Value *)> at = [&](const Part &p, llvm::Value *i) -> llvm::Value * {
    if (p.elt) { // a tuple
      llvm::Type *items = llvm::cast<llvm::AllocaInst>(p.value)->getAllocatedType();
      return b.CreateLoad(valueType(p.elt), b.CreateInBoundsGEP(items, p.value, {b.getInt64(0), i}));
    }
    if (isa<frontend::RangeType>(p.type))
      return b.CreateAdd(p.value, b.CreateMul(b.CreateIntCast(i, p.value->getType(), true), p.step));
    if (auto *arr = dyn_cast<ArrayType>(p.type)) {
      llvm::Value *ptr = b.CreateGEP(b.getInt8Ty(), b.CreateExtractValue(p.value, {0}),
                                     b.CreateMul(i, b.CreateExtractValue(p.value, {2u, 0u})));
      if (arr->ndim == 1)
        return loadElement(ptr, arr->dtype);
      auto *rowType = cast<ArrayType>(types().arrayType(arr->dtype, arr->ndim - 1,
                                                        arr->layout == Layout::C ? Layout::C : Layout::A,
                                                        arr->readonly));
      llvm::Value *row = llvm::UndefValue::get(valueType(rowType));
      row = b.CreateInsertValue(row, ptr, {0});
      for (unsigned d = 1; d < static_cast<unsigned>(arr->ndim); ++d) {
        row = b.CreateInsertValue(row, b.CreateExtractValue(p.value, {1u, d}), {1u, d - 1});
        row = b.CreateInsertValue(row, b.CreateExtractValue(p.value, {2u, d}), {2u, d - 1});
      }
      return row;
    }
    auto *tt = cast<TupleType>(cast<frontend::IterType>(p.type)->elt);
    llvm::Value *tuple = llvm::UndefValue::get(valueType(tt));
    unsigned k = 0;
    if (p.value) // enumerate: the count first
      tuple = b.CreateInsertValue(tuple, b.CreateAdd(p.value, i), {k++});
    for (const Part &q : p.parts)
      tuple = b.CreateInsertValue(tuple, at(q, i), {k++});
    return tuple;
  };
  const Type *elt = cast<frontend::IterType>(top.type)->elt;
  countedLoop(f, b.getInt64(0), b.getInt64(1), [&](llvm::Value *i) { return b.CreateICmpSLT(i, length); },
              [&](llvm::Value *i) { store(f->target, at(top, i), elt); });
}

// `a = t` between tuple variables of one type copies memory: a whole-tuple
// load and store would make IPSCCP slow on long tuples (see tupleElement).
bool Lowerer::copyTupleVariable(const AssignStmt *a) {
  if (auto *literal = dyn_cast<TupleExpr>(a->value); literal && a->targets.size() == 1) {
    // `t = (x, y, ...)`: each element is stored into the variable's slot.
    const NameRef *to = isa<NameExpr>(a->targets[0]) ? tf.refOf(a->targets[0]) : nullptr;
    if (!to || !to->local)
      return false;
    return storeTupleLiteral(literal, to->local->type, slots.at(to->local));
  }
  const NameRef *from = tf.refOf(a->value);
  if (!from || !from->local || !isa<TupleType>(from->local->type))
    return false;
  for (const Expr *t : a->targets) {
    const NameRef *to = isa<NameExpr>(t) ? tf.refOf(t) : nullptr;
    if (!to || !to->local || to->local->type != from->local->type)
      return false;
  }
  llvm::AllocaInst *src = slots.at(from->local);
  std::uint64_t bytes = module.getDataLayout().getTypeAllocSize(src->getAllocatedType());
  for (const Expr *t : a->targets) {
    llvm::AllocaInst *dst = slots.at(tf.refOf(t)->local);
    if (dst != src)
      b.CreateMemCpy(dst, dst->getAlign(), src, src->getAlign(), bytes);
  }
  return true;
}

bool Lowerer::storeTupleLiteral(const TupleExpr *literal, const Type *to, llvm::Value *ptr) {
  auto *tt = dyn_cast<TupleType>(to);
  if (!tt || tt->elts.size() != literal->elts.size())
    return false;
  llvm::Type *st = valueType(tt);
  for (unsigned i = 0; i < tt->elts.size(); ++i) {
    const Expr *e = literal->elts[i];
    llvm::Value *field = b.CreateStructGEP(st, ptr, i);
    if (auto *inner = dyn_cast<TupleExpr>(e); inner && storeTupleLiteral(inner, tt->elts[i], field))
      continue;
    b.CreateStore(convert(expr(e), typeOf(e), tt->elts[i], e->span()), field);
  }
  return true;
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
  llvm::Value *tuple = nullptr;
  llvm::Type *elementType = valueType(et);
  const auto n = static_cast<unsigned>(tt->elts.size());
  llvm::AllocaInst *items = entryAlloca(llvm::ArrayType::get(elementType, n), "for.items");
  for (unsigned k = 0; k < n; ++k)
    b.CreateStore(convert(tupleElement(f->iter, k, tuple), tt->elts[k], et, f->iter->span()),
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
