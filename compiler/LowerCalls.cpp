//===- compiler/LowerCalls.cpp - Builtins, NVVM intrinsics, libdevice -----===//
//
// Thread-hierarchy values are the target's registers; math functions are
// named as libdevice's __nv_* functions, which the target turns into
// libdevice calls (linked in afterwards) or host library calls.
//
//===----------------------------------------------------------------------===//

#include "compiler/Abi.h"
#include "compiler/LowerGpu.h"
#include "compiler/LowerImpl.h"
#include "frontend/Libdevice.h"


namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::builtinValue(BuiltinId id) {
  // A coarsened kernel's logical thread `lane` of C = B * G (compiler/Abi.h):
  // lane % B within the block and lane / B among the G logical blocks of a
  // physical one. threadIdx.x is B * tid.x + lane % B, blockDim.x is
  // B * ntid.x, blockIdx.x is G * ctaid.x + lane / B and gridDim.x is
  // G * nctaid.x (the launch divided block.x by B and grid.x by G). Only
  // the GPU target coarsens (compiler/Compiler.cpp).
  if (lane) {
    const int blockPart = blockCoarsen(options.coarsen), gridPart = gridCoarsen(options.coarsen);
    llvm::Value *B = b.getInt32(blockPart), *G = b.getInt32(gridPart);
    switch (id) {
    case BuiltinId::ThreadIdxX:
      return b.CreateAdd(b.CreateMul(target.readRegister(*this, Register::TidX), B, "", true, true),
                         gridPart > 1 ? b.CreateURem(lane, B) : lane, "", true, true);
    case BuiltinId::BlockDimX: return b.CreateMul(target.readRegister(*this, Register::NtidX), B, "", true, true);
    case BuiltinId::BlockIdxX:
      if (gridPart > 1)
        return b.CreateAdd(b.CreateMul(target.readRegister(*this, Register::CtaidX), G, "", true, true),
                           b.CreateUDiv(lane, B), "", true, true);
      break;
    case BuiltinId::GridDimX:
      if (gridPart > 1)
        return b.CreateMul(target.readRegister(*this, Register::NctaidX), G, "", true, true);
      break;
    default: break;
    }
  }
  switch (id) {
  case BuiltinId::ThreadIdxX: return target.readRegister(*this, Register::TidX);
  case BuiltinId::ThreadIdxY: return target.readRegister(*this, Register::TidY);
  case BuiltinId::ThreadIdxZ: return target.readRegister(*this, Register::TidZ);
  case BuiltinId::BlockDimX: return target.readRegister(*this, Register::NtidX);
  case BuiltinId::BlockDimY: return target.readRegister(*this, Register::NtidY);
  case BuiltinId::BlockDimZ: return target.readRegister(*this, Register::NtidZ);
  case BuiltinId::BlockIdxX: return target.readRegister(*this, Register::CtaidX);
  case BuiltinId::BlockIdxY: return target.readRegister(*this, Register::CtaidY);
  case BuiltinId::BlockIdxZ: return target.readRegister(*this, Register::CtaidZ);
  case BuiltinId::GridDimX: return target.readRegister(*this, Register::NctaidX);
  case BuiltinId::GridDimY: return target.readRegister(*this, Register::NctaidY);
  case BuiltinId::GridDimZ: return target.readRegister(*this, Register::NctaidZ);
  case BuiltinId::LaneId: return target.readRegister(*this, Register::LaneId);
  case BuiltinId::WarpSize: return b.getInt32(32);
  default: break;
  }
  llvm_unreachable("not a builtin value");
}

llvm::Value *Lowerer::kernelValue(BuiltinId id) {
  llvm::Value *v = builtinValue(id);
  return isDim3Value(id) ? b.CreateZExt(v, b.getInt64Ty()) : v;
}

// grid(n): the global thread index along each axis, computed in int64 so
// that no grid size overflows it; gridsize(n): the threads along each axis.
llvm::Value *Lowerer::grid(bool size, int ndim) {
  static const BuiltinId tid[] = {BuiltinId::ThreadIdxX, BuiltinId::ThreadIdxY, BuiltinId::ThreadIdxZ};
  static const BuiltinId ntid[] = {BuiltinId::BlockDimX, BuiltinId::BlockDimY, BuiltinId::BlockDimZ};
  static const BuiltinId ctaid[] = {BuiltinId::BlockIdxX, BuiltinId::BlockIdxY, BuiltinId::BlockIdxZ};
  static const BuiltinId nctaid[] = {BuiltinId::GridDimX, BuiltinId::GridDimY, BuiltinId::GridDimZ};
  std::vector<llvm::Value *> axes;
  for (int d = 0; d < ndim; ++d) {
    auto wide = [&](BuiltinId id) { return b.CreateZExt(builtinValue(id), b.getInt64Ty()); };
    if (lane && d == 0 && !size) {
      // A coarsened kernel's logical x: the same base for every lane of a
      // logical block, plus the lane, so that ConstraintElimination relates
      // the lanes' indices.
      const int blockPart = blockCoarsen(options.coarsen), gridPart = gridCoarsen(options.coarsen);
      llvm::Value *c = b.getInt64(blockPart);
      llvm::Value *tidX = b.CreateZExt(target.readRegister(*this, Register::TidX), b.getInt64Ty());
      llvm::Value *ntidX = b.CreateZExt(target.readRegister(*this, Register::NtidX), b.getInt64Ty());
      llvm::Value *blockX = wide(ctaid[0]); // the logical block (builtinValue)
      llvm::Value *base =
          b.CreateMul(b.CreateAdd(b.CreateMul(blockX, ntidX, "", true, true), tidX, "", true, true), c, "",
                      true, true);
      llvm::Value *inBlock = gridPart > 1 ? b.CreateURem(lane, b.getInt32(blockPart)) : lane;
      axes.push_back(b.CreateAdd(base, b.CreateZExt(inBlock, b.getInt64Ty()), "", true, true));
      continue;
    }
    llvm::Value *v = size ? b.CreateMul(wide(ntid[d]), wide(nctaid[d]), "", true, true)
                          : b.CreateAdd(b.CreateMul(wide(ctaid[d]), wide(ntid[d]), "", true, true), wide(tid[d]),
                                        "", true, true);
    axes.push_back(v);
  }
  if (ndim == 1)
    return axes[0];
  llvm::Type *tt = valueType(types().tupleType(std::vector<const Type *>(ndim, types().intType(64))));
  llvm::Value *agg = llvm::UndefValue::get(tt);
  for (int d = 0; d < ndim; ++d)
    agg = b.CreateInsertValue(agg, axes[d], {static_cast<unsigned>(d)});
  return agg;
}

llvm::Value *Lowerer::libdevice(const char *name, llvm::Type *ret, llvm::ArrayRef<llvm::Value *> args) {
  llvm::Value *result = target.math(*this, name, ret, args);
  if (options.fastmath)
    if (auto *call = llvm::dyn_cast<llvm::CallInst>(result))
      call->setFastMathFlags(floatFlags());
  return result;
}

llvm::Value *Lowerer::libdeviceCall(const CallExpr *c, const LibdeviceFunction &f) {
  // Out-values live in the entry block; their addresses follow the value
  // arguments, and the call's result is (return value?, out-values...).
  std::vector<llvm::Value *> args;
  for (std::size_t i = 0; i < f.params.size(); ++i)
    args.push_back(convert(expr(c->args[i]), typeOf(c->args[i]), f.params[i], c->args[i]->span()));
  std::vector<llvm::AllocaInst *> outs;
  for (const ScalarType *t : f.outs) {
    outs.push_back(entryAlloca(valueType(t), f.name + ".out"));
    args.push_back(outs.back());
  }
  llvm::Value *ret = libdevice(f.symbol.c_str(), f.ret ? valueType(f.ret) : b.getVoidTy(), args);
  if (outs.empty())
    return ret;
  std::vector<llvm::Value *> parts;
  if (f.ret)
    parts.push_back(ret);
  for (llvm::AllocaInst *slot : outs)
    parts.push_back(b.CreateLoad(slot->getAllocatedType(), slot));
  if (parts.size() == 1)
    return parts[0];
  llvm::Value *agg = llvm::UndefValue::get(valueType(f.result));
  for (unsigned i = 0; i < parts.size(); ++i)
    agg = b.CreateInsertValue(agg, parts[i], {i});
  return agg;
}

llvm::Value *Lowerer::mathCall(const MathFunction &m, std::vector<llvm::Value *> args, const ScalarType *t) {
  // `t` is the promoted argument type; float32 arguments use the float32
  // variant, everything else float64.
  bool f32 = mathInFloat32(m, t);
  llvm::Type *ft = f32 ? b.getFloatTy() : b.getDoubleTy();
  for (llvm::Value *&a : args) {
    if (a->getType()->isIntegerTy())
      a = b.CreateSIToFP(a, ft);
    else if (a->getType() != ft)
      a = b.CreateFPCast(a, ft);
  }
  const char *name = f32 ? m.f32 : m.f64;
  if (f32 && options.fastmath) {
    // numba-cuda's fastmath: these float32 functions become libdevice's fast
    // approximations (cos.approx, lg2.approx, ex2.approx ...), and tanh the
    // tanh.approx instruction where the target has it (the targets decide).
    static const std::unordered_map<std::string, const char *> fast = {
        {"__nv_cosf", "__nv_fast_cosf"},   {"__nv_sinf", "__nv_fast_sinf"},     {"__nv_tanf", "__nv_fast_tanf"},
        {"__nv_expf", "__nv_fast_expf"},   {"__nv_log2f", "__nv_fast_log2f"},   {"__nv_log10f", "__nv_fast_log10f"},
        {"__nv_logf", "__nv_fast_logf"},   {"__nv_powf", "__nv_fast_powf"},     {"__nv_tanhf", "__nv_fast_tanhf"},
    };
    if (auto it = fast.find(name); it != fast.end())
      name = it->second;
  }
  switch (m.result) {
  case MathFunction::Bool:
    return b.CreateICmpNE(libdevice(name, b.getInt32Ty(), args), b.getInt32(0));
  case MathFunction::Int:
    return target.floatToInt(*this, libdevice(name, ft, args), b.getInt64Ty(), true);
  case MathFunction::Float:
  case MathFunction::Frexp: // mathSpecial's
  case MathFunction::Modf:
  case MathFunction::Ldexp:
    break;
  }
  // Exact operations map to NVPTX instructions without a libdevice call.
  llvm::IRBuilder<>::FastMathFlagGuard guard(b);
  b.setFastMathFlags(floatFlags());
  std::string path = m.path; // "math.sqrt", or the ufunc "numpy.sqrt"
  path = path.substr(path.find('.') + 1);
  llvm::Value *result = nullptr;
  if (path == "sqrt")
    result = b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, args[0]);
  else if (path == "fabs")
    result = b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, args[0]);
  else if (path == "copysign")
    result = b.CreateBinaryIntrinsic(llvm::Intrinsic::copysign, args[0], args[1]);
  else
    result = libdevice(name, ft, args);
  return result;
}

// len(range(start, stop, step)): the count of values, as CPython computes it;
// 0 for a zero step, which CPython rejects when the range is made.
llvm::Value *Lowerer::rangeLength(const frontend::CallExpr *range) {
  auto *et = cast<frontend::RangeType>(typeOf(range))->elt;
  auto [start, stop, step] = rangeArguments(range, et);
  return rangeCount(start, stop, step, et);
}

llvm::Value *Lowerer::rangeCount(llvm::Value *start, llvm::Value *stop, llvm::Value *step, const ScalarType *et) {
  llvm::Value *zero = b.getInt64(0), *one = b.getInt64(1);
  auto wide = [&](llvm::Value *v) { return b.CreateIntCast(v, b.getInt64Ty(), et->isSigned); };
  start = wide(start), stop = wide(stop), step = wide(step);
  llvm::Value *negative = b.CreateICmpSLT(step, zero);
  llvm::Value *span = b.CreateSelect(negative, b.CreateSub(start, stop), b.CreateSub(stop, start));
  llvm::Value *by = b.CreateSelect(negative, b.CreateNeg(step), step);
  llvm::Value *safe = b.CreateSelect(b.CreateICmpEQ(by, zero), one, by);
  llvm::Value *count = b.CreateSDiv(b.CreateAdd(span, b.CreateSub(safe, one)), safe);
  return b.CreateSelect(b.CreateAnd(b.CreateICmpSGT(span, zero), b.CreateICmpNE(by, zero)), count, zero);
}

llvm::Value *Lowerer::minMax(bool isMax, const CallExpr *c) {
  auto *rt = cast<ScalarType>(typeOf(c));
  auto isF32F64 = [](const Type *t) {
    auto *s = dyn_cast<ScalarType>(t);
    return s && s->isFloat() && (s->bits == 32 || s->bits == 64);
  };
  if (c->args.size() == 2 && isF32F64(rt) && isF32F64(typeOf(c->args[0])) && isF32F64(typeOf(c->args[1]))) {
    // numba-cuda's max/min of two float32/float64 values: fmax/fmin (a NaN operand is ignored), one
    // max.f32/max.f64 instruction; three or more, or an integer among them, keep Python's rule below.
    llvm::Value *x = convert(expr(c->args[0]), typeOf(c->args[0]), rt, c->args[0]->span());
    llvm::Value *y = convert(expr(c->args[1]), typeOf(c->args[1]), rt, c->args[1]->span());
    return b.CreateBinaryIntrinsic(isMax ? llvm::Intrinsic::maxnum : llvm::Intrinsic::minnum, x, y);
  }
  llvm::Value *acc = nullptr;
  for (const Expr *a : c->args) {
    llvm::Value *v = convert(expr(a), typeOf(a), rt, a->span());
    if (!acc) {
      acc = v;
      continue;
    }
    llvm::Value *better;
    if (rt->isFloat()) // Python keeps the first on ties and NaN comparisons
      better = isMax ? b.CreateFCmpOGT(v, acc) : b.CreateFCmpOLT(v, acc);
    else if (rt->isSigned && !rt->isBool())
      better = isMax ? b.CreateICmpSGT(v, acc) : b.CreateICmpSLT(v, acc);
    else
      better = isMax ? b.CreateICmpUGT(v, acc) : b.CreateICmpULT(v, acc);
    acc = b.CreateSelect(better, v, acc);
  }
  return acc;
}

// Integer power by squaring; a negative exponent gives 0 except for bases
// 1 and -1 (Python would give a float; numba's int ** int stays an int).
llvm::Value *Lowerer::intPow(llvm::Value *base, llvm::Value *exp, const ScalarType *t) {
  llvm::Type *ty = base->getType();
  auto *pre = b.GetInsertBlock();
  auto *loop = llvm::BasicBlock::Create(ctx, "ipow.loop", fn);
  auto *done = llvm::BasicBlock::Create(ctx, "ipow.done", fn);
  llvm::Value *negative = t->isSigned ? b.CreateICmpSLT(exp, llvm::ConstantInt::get(ty, 0)) : b.getFalse();
  llvm::Value *e0 = b.CreateSelect(negative, llvm::ConstantInt::get(ty, 0), exp);
  b.CreateCondBr(b.CreateICmpEQ(e0, llvm::ConstantInt::get(ty, 0)), done, loop);
  b.SetInsertPoint(loop);
  llvm::PHINode *result = b.CreatePHI(ty, 2), *x = b.CreatePHI(ty, 2), *e = b.CreatePHI(ty, 2);
  result->addIncoming(llvm::ConstantInt::get(ty, 1), pre);
  x->addIncoming(base, pre);
  e->addIncoming(e0, pre);
  llvm::Value *odd = b.CreateTrunc(e, b.getInt1Ty());
  llvm::Value *nextResult = b.CreateSelect(odd, b.CreateMul(result, x), result);
  llvm::Value *nextE = b.CreateLShr(e, llvm::ConstantInt::get(ty, 1));
  llvm::Value *nextX = b.CreateMul(x, x);
  result->addIncoming(nextResult, loop);
  x->addIncoming(nextX, loop);
  e->addIncoming(nextE, loop);
  b.CreateCondBr(b.CreateICmpEQ(nextE, llvm::ConstantInt::get(ty, 0)), done, loop);
  b.SetInsertPoint(done);
  llvm::PHINode *out = b.CreatePHI(ty, 2);
  out->addIncoming(llvm::ConstantInt::get(ty, 1), pre);
  out->addIncoming(nextResult, loop);
  if (!t->isSigned)
    return out;
  // Negative exponents: 1 ** -n == 1, (-1) ** -n == +-1, others 0.
  llvm::Value *one = llvm::ConstantInt::get(ty, 1), *minusOne = llvm::ConstantInt::getSigned(ty, -1);
  llvm::Value *oddExp = b.CreateTrunc(exp, b.getInt1Ty());
  llvm::Value *negResult = b.CreateSelect(
      b.CreateICmpEQ(base, one), one,
      b.CreateSelect(b.CreateICmpEQ(base, minusOne), b.CreateSelect(oddExp, minusOne, one), llvm::ConstantInt::get(ty, 0)));
  return b.CreateSelect(negative, negResult, out);
}

llvm::Value *Lowerer::deviceCall(const CallExpr *c, const TypedFunction &callee) {
  if (callee.external)
    return externalCall(c, callee);
  llvm::Function *f = nullptr;
  auto found = session.functions.find(&callee);
  if (found != session.functions.end()) {
    f = found->second;
  } else {
    // Each typed signature of a device function is its own internal LLVM
    // function; O3's inliner decides whether calls stay calls.
    LowerOptions calleeOptions = options; // launch facts and coarsening are the kernel's alone
    calleeOptions.facts = nullptr;
    calleeOptions.kernelFacts = nullptr;
    calleeOptions.coarsen = 1;
    Lowerer inner(callee, module, calleeOptions, session);
    f = inner.lowerFunction(Linkage::Internal, callee.fn->name + "__" + std::to_string(session.functions.size()));
    if (callee.inlining == frontend::DeviceFunctionRef::Inlining::Always)
      f->addFnAttr(llvm::Attribute::AlwaysInline);
    else if (callee.inlining == frontend::DeviceFunctionRef::Inlining::Never)
      f->addFnAttr(llvm::Attribute::NoInline);
    needsLibdevice_ |= inner.needsLibdevice(); // the module links libdevice for the callee's math too
  }
  std::vector<llvm::Value *> args;
  for (std::size_t i = 0; i < c->args.size(); ++i) {
    const Type *pt = callee.paramTypes[i];
    if (frontend::isStaticValue(pt)) // a function, builtin or dtype: the callee is specialised on it
      continue;                       // and takes it as nothing (holdsNothing)
    llvm::Value *v = convert(expr(c->args[i]), typeOf(c->args[i]), pt, c->args[i]->span());
    if (!holdsNothing(pt)) // () is passed as nothing (lowerFunction)
      args.push_back(v);
  }
  llvm::CallInst *call = b.CreateCall(f, args);
  if (holdsNothing(callee.returnType))
    return llvm::Constant::getNullValue(valueType(callee.returnType));
  return f->getReturnType()->isVoidTy() ? nullptr : call;
}

llvm::Value *Lowerer::call(const CallExpr *c) {
  const Type *ct = typeOf(c->callee);
  if (isa<FunctionType>(ct))
    return deviceCall(c, *tf.calls.at(c));
  if (isa<DtypeType>(ct)) {
    const Expr *a = c->args[0];
    return convert(expr(a), typeOf(a), typeOf(c), c->span()); // float(float32) is float32, as typed
  }
  const BuiltinInfo *info = lookupBuiltin(cast<PathType>(ct)->path);
  auto constArg = [&](std::size_t i) -> std::int64_t {
    const Expr *a = c->args[i];
    return *gpuConstInt(*this, a); // typing checked it is known
  };
  switch (info->id) {
  case BuiltinId::Grid: return grid(false, static_cast<int>(constArg(0)));
  case BuiltinId::GridSize: return grid(true, static_cast<int>(constArg(0)));
  case BuiltinId::SyncThreads:
    target.barrier(*this, BarrierKind::Plain, nullptr);
    return nullptr;
  case BuiltinId::Range:
  case BuiltinId::Enumerate:
  case BuiltinId::Zip:
    return nullptr; // consumed by forRange and forIter
  case BuiltinId::Len: {
    const Type *at = typeOf(c->args[0]);
    if (auto *tt = dyn_cast<TupleType>(at))
      return b.getInt64(tt->elts.size());
    if (isa<ArrayType>(at))
      return b.CreateExtractValue(expr(c->args[0]), {1u, 0u});
    return rangeLength(cast<frontend::CallExpr>(c->args[0])); // typing allows only range(...) calls
  }
  case BuiltinId::FromBuffer: // the array's data pointer: its first element's address
    return b.CreateExtractValue(expr(c->args[0]), {0u});
  case BuiltinId::CArray:
  case BuiltinId::FArray: { // the pointer, the shape, and the strides of contiguous C or Fortran order
    auto *at = cast<ArrayType>(typeOf(c));
    const Type *st = typeOf(c->args[1]);
    llvm::Value *shape = expr(c->args[1]);
    std::vector<llvm::Value *> extents;
    if (auto *tt = dyn_cast<TupleType>(st)) {
      for (unsigned d = 0; d < tt->elts.size(); ++d)
        extents.push_back(convert(b.CreateExtractValue(shape, {d}), tt->elts[d], types().intType(64), c->span()));
    } else {
      extents.push_back(convert(shape, st, types().intType(64), c->span()));
    }
    llvm::Value *agg = llvm::UndefValue::get(valueType(at));
    agg = b.CreateInsertValue(agg, expr(c->args[0]), {0});
    llvm::Value *stride = b.getInt64(at->dtype->byteSize());
    const int n = static_cast<int>(extents.size());
    for (int k = 0; k < n; ++k) {
      unsigned d = static_cast<unsigned>(info->id == BuiltinId::CArray ? n - 1 - k : k);
      agg = b.CreateInsertValue(agg, extents[d], {1u, d});
      agg = b.CreateInsertValue(agg, stride, {2u, d});
      stride = b.CreateMul(stride, extents[d]);
    }
    return agg;
  }
  case BuiltinId::VectorCtor: { // float32x4(v2, a, b): the elements in order, each as the element type
    auto *vt = cast<TupleType>(typeOf(c));
    llvm::Value *agg = llvm::UndefValue::get(valueType(vt));
    unsigned at = 0;
    for (const Expr *a : c->args) {
      llvm::Value *v = expr(a);
      const Type *t = typeOf(a);
      if (auto *tt = dyn_cast<TupleType>(t)) {
        for (unsigned k = 0; k < tt->elts.size(); ++k)
          agg = b.CreateInsertValue(agg, b.CreateExtractValue(v, {k}), {at++});
      } else {
        agg = b.CreateInsertValue(agg, convert(v, t, info->dtype, a->span()), {at++});
      }
    }
    return agg;
  }
  case BuiltinId::Min: return minMax(false, c);
  case BuiltinId::Max: return minMax(true, c);
  case BuiltinId::Abs: {
    auto *rt = cast<ScalarType>(typeOf(c));
    if (auto *at = cast<ScalarType>(typeOf(c->args[0])); at->isComplex())
      return convert(complexAbs(expr(c->args[0]), at), complexPart(at), rt, c->span());
    if (const HalfFunction *h = halfMathFunction("math.fabs", rt)) // abs.f16, as numba emits
      return halfCall(*h, {c->args[0]}, c->span());
    llvm::Value *v = convert(expr(c->args[0]), typeOf(c->args[0]), rt, c->span());
    if (rt->isFloat())
      return b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v);
    if (!rt->isSigned)
      return v;
    return b.CreateBinaryIntrinsic(llvm::Intrinsic::abs, v, b.getFalse());
  }
  case BuiltinId::Round: return roundCall(c);
  case BuiltinId::Gpu:
    return gpuCall(c, *info);
  case BuiltinId::Cmath:
  case BuiltinId::ComplexCtor:
  case BuiltinId::Conjugate:
    return complexCall(c, *info);
  case BuiltinId::CacheLoad:
  case BuiltinId::CacheStore:
    return cacheHint(c, cast<PathType>(ct)->path);
  case BuiltinId::ArrayMethod:
    return arrayMethod(c, cast<PathType>(ct)->path);
  case BuiltinId::Ufunc:
    return ufuncCall(c, *info->ufunc);
  case BuiltinId::Half:
    return halfCall(*info->half, {c->args.begin(), c->args.end()}, c->span());
  case BuiltinId::Fp8:
    return fp8Call(c, *info->fp8);
  case BuiltinId::Operator:
    return operatorCall(c, *info->op);
  case BuiltinId::Print:
    return printCall(c);
  case BuiltinId::Libdevice:
    return libdeviceCall(c, *info->libdevice);
  case BuiltinId::BitCount: {
    const Expr *receiver = cast<frontend::AttributeExpr>(c->callee)->value;
    llvm::Value *v = convert(expr(receiver), typeOf(receiver), typeOf(c), c->span());
    return b.CreateUnaryIntrinsic(llvm::Intrinsic::ctpop, v);
  }
  case BuiltinId::Math: {
    if (c->args.size() == 1)
      if (const HalfFunction *h = halfMathFunction(info->math->path, cast<ScalarType>(typeOf(c->args[0]))))
        return halfCall(*h, {c->args[0]}, c->span());
    if (info->math->result >= MathFunction::Frexp || info->math->scale != 0)
      return mathSpecial(c, *info->math);
    std::vector<llvm::Value *> args;
    const ScalarType *t = nullptr;
    for (const Expr *a : c->args) {
      args.push_back(expr(a));
      auto *s = cast<ScalarType>(typeOf(a));
      t = t ? promote(t, s) : s;
      if (s->isBool())
        args.back() = b.CreateZExt(args.back(), b.getInt64Ty());
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      auto *s = cast<ScalarType>(typeOf(c->args[i]));
      if (s->isInt() && !s->isSigned)
        args[i] = b.CreateUIToFP(args[i], b.getDoubleTy());
    }
    return mathCall(*info->math, args, t);
  }
  default:
    break;
  }
  fail(c->span(), "this builtin cannot be compiled");
}

} // namespace ptxforge::compiler
