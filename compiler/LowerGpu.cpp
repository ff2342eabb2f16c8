//===- compiler/LowerGpu.cpp - Lowering the GPU features' calls -----------===//
//
// Shared arrays are addrspace(3) globals whose address is cast to generic
// and wrapped in an ordinary C-layout array value, so indexing, passing to
// device functions and atomics all work unchanged; NVPTX's address-space
// inference then emits ld.shared/st.shared/atom.shared. Barriers, warp
// votes and shuffles map onto NVVM intrinsics (numba's argument orders);
// 64-bit shuffles are two 32-bit ones. A grid barrier uses the workspace
// the driver gives a cooperative launch (%envreg1/%envreg2), as CUDA's own
// cooperative_groups headers do, so no device runtime is linked.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"

#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/IntrinsicsNVPTX.h>

namespace ptxforge::compiler {

using namespace frontend;
using G = GpuIntrinsic;

std::optional<std::int64_t> gpuConstInt(const Lowerer &L, const Expr *e) {
  if (auto *i = dyn_cast<IntConstExpr>(e))
    return i->value;
  if (auto *u = dyn_cast<UnaryOpExpr>(e); u && u->op == UnaryOpKind::Minus)
    if (auto v = gpuConstInt(L, u->operand))
      return -*v;
  if (const NameRef *ref = L.tf.refOf(e); ref && ref->global)
    return ref->global->intValue;
  return std::nullopt;
}

std::vector<std::int64_t> gpuConstShape(const Lowerer &L, const Expr *e) {
  std::vector<std::int64_t> shape;
  if (auto *tup = dyn_cast<TupleExpr>(e)) {
    for (const Expr *d : tup->elts)
      shape.push_back(*gpuConstInt(L, d));
  } else if (const NameRef *ref = L.tf.refOf(e); ref && ref->global && ref->global->kind == GlobalValue::Tuple) {
    for (const GlobalValue &d : ref->global->elements)
      shape.push_back(d.intValue);
  } else {
    shape.push_back(*gpuConstInt(L, e));
  }
  return shape;
}

llvm::Value *inlineAsm(Lowerer &L, llvm::Type *ret, llvm::ArrayRef<llvm::Value *> args, const char *text,
                       const char *constraints, bool sideEffects) {
  std::vector<llvm::Type *> params;
  for (llvm::Value *a : args)
    params.push_back(a->getType());
  auto *asmFn = llvm::InlineAsm::get(llvm::FunctionType::get(ret, params, false), text, constraints, sideEffects);
  return L.b.CreateCall(asmFn, args);
}

void requireSm(const Lowerer &L, const Span &at, int major, int minor, const std::string &what) {
  if (!targetAtLeast(L, major, minor))
    fail(at, what + " needs a GPU of compute capability " + std::to_string(major) + "." + std::to_string(minor) +
                 " or newer; this kernel is compiled for sm_" +
                 std::to_string(L.options.ccMajor * 10 + L.options.ccMinor));
}

void requireSm70(const Lowerer &L, const Span &at, const std::string &what) { requireSm(L, at, 7, 0, what); }

namespace {

constexpr unsigned kSharedSpace = 3;
/// The static shared memory a block may use without opting in (48 KiB).
constexpr std::uint64_t kStaticSharedLimit = 48 * 1024;
/// The one extern shared array every dynamic shared array starts at.
constexpr const char *kDynamicShared = "__pf_dynamic_shared";

/// The bytes of static shared memory the module's globals already take.
std::uint64_t staticSharedBytes(llvm::Module &m) {
  std::uint64_t total = 0;
  for (llvm::GlobalVariable &g : m.globals())
    if (g.getAddressSpace() == kSharedSpace && g.hasInitializer())
      total += m.getDataLayout().getTypeAllocSize(g.getValueType());
  return total;
}

// shared.array(shape, dtype[, alignment]): a fresh addrspace(3) global per
// call site (one per evaluation site, so a loop reuses it, as in CUDA), or
// for shape 0 the extern dynamic array whose length is the launch's dynamic
// shared size over the item size.
llvm::Value *sharedArray(Lowerer &L, const CallExpr *c, const std::vector<const Expr *> &a) {
  auto &b = L.b;
  auto *at = cast<ArrayType>(L.typeOf(c));
  std::vector<std::int64_t> shape = gpuConstShape(L, a[0]);
  const std::uint64_t item = at->dtype->byteSize();
  const std::uint64_t align = a[2] ? static_cast<std::uint64_t>(*gpuConstInt(L, a[2])) : std::max<std::uint64_t>(16, item);
  llvm::Value *data = nullptr;
  std::vector<llvm::Value *> extents;
  if (shape.size() == 1 && shape[0] == 0) {
    llvm::GlobalVariable *gv = L.module.getNamedGlobal(kDynamicShared);
    if (!gv) {
      gv = new llvm::GlobalVariable(L.module, llvm::ArrayType::get(b.getInt8Ty(), 0), false,
                                    llvm::GlobalValue::ExternalLinkage, nullptr, kDynamicShared, nullptr,
                                    llvm::GlobalValue::NotThreadLocal, kSharedSpace);
      gv->setAlignment(llvm::Align(16));
    }
    if (gv->getAlign().valueOrOne().value() < align)
      gv->setAlignment(llvm::Align(align));
    llvm::Value *bytes = inlineAsm(L, b.getInt32Ty(), {}, "mov.u32 $0, %dynamic_smem_size;", "=r", false);
    extents.push_back(b.CreateUDiv(b.CreateZExt(bytes, b.getInt64Ty()), b.getInt64(item)));
    data = b.CreateAddrSpaceCast(gv, b.getPtrTy());
  } else {
    constexpr std::uint64_t kHuge = std::uint64_t(1) << 40; // far past any limit; no overflow below it
    std::uint64_t count = 1;
    for (std::int64_t d : shape) {
      count = count > kHuge / static_cast<std::uint64_t>(d) ? kHuge : count * static_cast<std::uint64_t>(d);
      extents.push_back(b.getInt64(d));
    }
    std::uint64_t before = staticSharedBytes(L.module);
    if (count * item + before > kStaticSharedLimit)
      fail(c->span(), "static shared memory is limited to 48 KiB (49152 bytes) per block; this array needs " +
                          (count >= kHuge ? std::string("far more than that")
                                          : std::to_string(count * item) + " bytes") +
                          (before ? " on top of " + std::to_string(before) + " already declared" : std::string()) +
                          ". For more, use a dynamic shared array (shape 0) sized by the launch's fourth "
                          "parameter, kernel[blocks, threads, stream, shared_bytes]");
    auto *arrTy = llvm::ArrayType::get(L.memoryType(at->dtype), count);
    std::string name = "__pf_shared_" + std::to_string(c->span().line) + "_" + std::to_string(c->span().col);
    auto *gv = new llvm::GlobalVariable(L.module, arrTy, false, llvm::GlobalValue::InternalLinkage,
                                        llvm::UndefValue::get(arrTy), name, nullptr,
                                        llvm::GlobalValue::NotThreadLocal, kSharedSpace);
    gv->setAlignment(llvm::Align(align));
    data = b.CreateAddrSpaceCast(gv, b.getPtrTy());
  }
  // An ordinary C-layout array value: {data, shape, byte strides}.
  llvm::Value *agg = llvm::UndefValue::get(L.valueType(at));
  agg = b.CreateInsertValue(agg, data, {0});
  std::uint64_t stride = item;
  std::vector<llvm::Value *> strides(shape.size());
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    strides[d] = b.getInt64(stride);
    stride *= static_cast<std::uint64_t>(std::max<std::int64_t>(shape[d], 1));
  }
  for (unsigned d = 0; d < shape.size(); ++d) {
    agg = b.CreateInsertValue(agg, extents[d], {1u, d});
    agg = b.CreateInsertValue(agg, strides[d], {2u, d});
  }
  return agg;
}

/// `e` converted to the scalar type `t`.
llvm::Value *as(Lowerer &L, const Expr *e, const ScalarType *t) {
  return L.convert(L.expr(e), L.typeOf(e), t, e->span());
}

/// A warp mask argument as i32 (0xffffffff when omitted).
llvm::Value *mask32(Lowerer &L, const Expr *e) {
  if (!e)
    return L.b.getInt32(0xffffffffu);
  return as(L, e, types().intType(32, false));
}

llvm::Value *predicate32(Lowerer &L, const Expr *e) {
  return L.b.CreateZExt(L.truthy(L.expr(e), L.typeOf(e)), L.b.getInt32Ty());
}

// shfl_*_sync(mask, value, lane): values of up to 32 bits travel as one
// i32, 64-bit ones as two; floats as their bits.
llvm::Value *shuffle(Lowerer &L, const CallExpr *c, G id, const std::vector<const Expr *> &a) {
  auto &b = L.b;
  auto *rt = cast<ScalarType>(L.typeOf(c));
  llvm::Intrinsic::ID op = id == G::ShflSync     ? llvm::Intrinsic::nvvm_shfl_sync_idx_i32
                           : id == G::ShflUpSync ? llvm::Intrinsic::nvvm_shfl_sync_up_i32
                           : id == G::ShflDownSync ? llvm::Intrinsic::nvvm_shfl_sync_down_i32
                                                   : llvm::Intrinsic::nvvm_shfl_sync_bfly_i32;
  // c packs the clamp (lane 31) and the segment mask: 0 for shfl_up, as in CUDA.
  llvm::Value *clamp = b.getInt32(id == G::ShflUpSync ? 0 : 0x1f);
  llvm::Value *mask = mask32(L, a[0]);
  llvm::Value *value = as(L, a[1], rt);
  llvm::Value *lane = as(L, a[2], types().intType(32));
  unsigned bits = rt->isBool() ? 1 : rt->bits;
  llvm::Type *intTy = b.getIntNTy(bits);
  llvm::Value *v = rt->isFloat() ? b.CreateBitCast(value, intTy) : value;
  auto one = [&](llvm::Value *x) { return b.CreateIntrinsic(op, {}, {mask, x, lane, clamp}); };
  llvm::Value *result;
  if (bits <= 32) {
    result = b.CreateTrunc(one(b.CreateZExt(v, b.getInt32Ty())), intTy);
  } else {
    llvm::Value *lo = one(b.CreateTrunc(v, b.getInt32Ty()));
    llvm::Value *hi = one(b.CreateTrunc(b.CreateLShr(v, 32), b.getInt32Ty()));
    result = b.CreateOr(b.CreateShl(b.CreateZExt(hi, intTy), 32), b.CreateZExt(lo, intTy));
  }
  return rt->isFloat() ? b.CreateBitCast(result, L.valueType(rt)) : result;
}

// match_any_sync / match_all_sync: the value as i32 or i64 bits.
llvm::Value *match(Lowerer &L, G id, const std::vector<const Expr *> &a, const Span &at) {
  auto &b = L.b;
  requireSm70(L, at, id == G::MatchAnySync ? "match_any_sync()" : "match_all_sync()");
  llvm::Value *mask = mask32(L, a[0]);
  auto *vt = types().strong(cast<ScalarType>(L.typeOf(a[1])));
  llvm::Value *v = as(L, a[1], vt);
  bool wide = vt->bits > 32;
  if (vt->isFloat())
    v = b.CreateBitCast(v, b.getIntNTy(vt->bits));
  v = wide ? v : b.CreateZExt(v, b.getInt32Ty());
  llvm::Intrinsic::ID op = id == G::MatchAnySync
                               ? (wide ? llvm::Intrinsic::nvvm_match_any_sync_i64 : llvm::Intrinsic::nvvm_match_any_sync_i32)
                               : (wide ? llvm::Intrinsic::nvvm_match_all_sync_i64p : llvm::Intrinsic::nvvm_match_all_sync_i32p);
  return b.CreateIntrinsic(op, {}, {mask, v}); // match_all's {i32, i1} is Tuple(int32, bool)'s type
}

// this_grid().sync(): block barrier; one thread per block adds to the
// barrier word of the driver's grid workspace (block 0 adds so that the top
// bit flips when every block has arrived) and spins until it flips; block
// barrier again. Acquire/release at GPU scope order the memory around it.
void gridSync(Lowerer &L, const Span &at) {
  auto &b = L.b;
  requireSm70(L, at, "cg.this_grid().sync()");
  L.module.getOrInsertNamedMetadata(kCooperativeMetadata);
  using namespace llvm::Intrinsic;
  b.CreateIntrinsic(nvvm_barrier0, {}, {});
  auto reg = [&](ID id) { return b.CreateIntrinsic(id, {}, {}); };
  llvm::Value *tidSum = b.CreateAdd(b.CreateAdd(reg(nvvm_read_ptx_sreg_tid_x), reg(nvvm_read_ptx_sreg_tid_y)),
                                    reg(nvvm_read_ptx_sreg_tid_z));
  auto *arrive = llvm::BasicBlock::Create(L.ctx, "gridsync.arrive", L.fn);
  auto *spin = llvm::BasicBlock::Create(L.ctx, "gridsync.spin", L.fn);
  auto *done = llvm::BasicBlock::Create(L.ctx, "gridsync.done", L.fn);
  b.CreateCondBr(b.CreateICmpEQ(tidSum, b.getInt32(0)), arrive, done);

  b.SetInsertPoint(arrive);
  llvm::Value *blocks = b.CreateMul(b.CreateMul(reg(nvvm_read_ptx_sreg_nctaid_x), reg(nvvm_read_ptx_sreg_nctaid_y)),
                                    reg(nvvm_read_ptx_sreg_nctaid_z));
  llvm::Value *ctaSum = b.CreateAdd(b.CreateAdd(reg(nvvm_read_ptx_sreg_ctaid_x), reg(nvvm_read_ptx_sreg_ctaid_y)),
                                    reg(nvvm_read_ptx_sreg_ctaid_z));
  llvm::Value *first = b.CreateSub(b.getInt32(0x80000000u), b.CreateSub(blocks, b.getInt32(1)));
  llvm::Value *add = b.CreateSelect(b.CreateICmpEQ(ctaSum, b.getInt32(0)), first, b.getInt32(1));
  // The workspace is {u32 size; u32 barrier}; its address is envreg1 (high
  // half) : envreg2 (low half), as cooperative_groups' load_env_reg64<1, 2>.
  llvm::Value *hi = b.CreateZExt(reg(nvvm_read_ptx_sreg_envreg1), b.getInt64Ty());
  llvm::Value *lo = b.CreateZExt(reg(nvvm_read_ptx_sreg_envreg2), b.getInt64Ty());
  llvm::Value *workspace = b.CreateIntToPtr(b.CreateOr(b.CreateShl(hi, 32), lo), b.getPtrTy());
  llvm::Value *word = b.CreateConstInBoundsGEP1_64(b.getInt8Ty(), workspace, 4);
  llvm::Value *old = inlineAsm(L, b.getInt32Ty(), {word, add}, "atom.add.release.gpu.u32 $0, [$1], $2;",
                               "=r,l,r,~{memory}", true);
  b.CreateBr(spin);

  b.SetInsertPoint(spin);
  llvm::Value *now = inlineAsm(L, b.getInt32Ty(), {word}, "ld.acquire.gpu.u32 $0, [$1];", "=r,l,~{memory}", true);
  llvm::Value *flipped = b.CreateICmpNE(b.CreateAnd(b.CreateXor(old, now), b.getInt32(0x80000000u)), b.getInt32(0));
  b.CreateCondBr(flipped, done, spin);

  b.SetInsertPoint(done);
  b.CreateIntrinsic(nvvm_barrier0, {}, {});
}

} // namespace

// pf.local.array: a per-thread array in the entry block (uninitialised, as
// in numba); SROA keeps it in registers when every index is a constant.
// Typing checked that each extent is a constant, so each lowers to one.
llvm::Value *Lowerer::localArray(const frontend::CallExpr *c, const std::vector<const frontend::Expr *> &a) {
  auto *at = cast<ArrayType>(typeOf(c));
  std::vector<std::int64_t> shape = gpuConstShape(*this, a[0]);
  std::int64_t count = 1;
  for (std::int64_t d : shape)
    count *= d;
  llvm::AllocaInst *storage = entryAlloca(llvm::ArrayType::get(memoryType(at->dtype), count), "local.array");
  storage->setAlignment(llvm::Align(16));
  return contiguousArray(at, storage, shape);
}

llvm::Value *Lowerer::gpuCall(const CallExpr *c, const BuiltinInfo &info) {
  auto id = static_cast<G>(info.gpu);
  std::vector<const Expr *> a = bindGpuArgs(c, id);
  if (isAtomic(id))
    return lowerAtomic(*this, c, id);
  using namespace llvm::Intrinsic;
  auto rt = [&] { return cast<ScalarType>(typeOf(c)); };
  switch (id) {
  case G::SharedArray: return sharedArray(*this, c, a);
  case G::LocalArray: return localArray(c, a);
  case G::ConstArrayLike: return expr(a[0]); // global arrays are constants already

  case G::SyncThreadsCount: return b.CreateIntrinsic(nvvm_barrier0_popc, {}, {predicate32(*this, a[0])});
  case G::SyncThreadsAnd: return b.CreateIntrinsic(nvvm_barrier0_and, {}, {predicate32(*this, a[0])});
  case G::SyncThreadsOr: return b.CreateIntrinsic(nvvm_barrier0_or, {}, {predicate32(*this, a[0])});
  case G::SyncWarp: b.CreateIntrinsic(nvvm_bar_warp_sync, {}, {mask32(*this, a[0])}); return nullptr;
  case G::ThreadFence: b.CreateIntrinsic(nvvm_membar_gl, {}, {}); return nullptr;
  case G::ThreadFenceBlock: b.CreateIntrinsic(nvvm_membar_cta, {}, {}); return nullptr;
  case G::ThreadFenceSystem: b.CreateIntrinsic(nvvm_membar_sys, {}, {}); return nullptr;

  case G::ShflSync:
  case G::ShflUpSync:
  case G::ShflDownSync:
  case G::ShflXorSync: return shuffle(*this, c, id, a);
  case G::AllSync:
  case G::AnySync:
  case G::EqSync: {
    ID op = id == G::AllSync ? nvvm_vote_all_sync : id == G::AnySync ? nvvm_vote_any_sync : nvvm_vote_uni_sync;
    llvm::Value *mask = mask32(*this, a[0]);
    return b.CreateIntrinsic(op, {}, {mask, truthy(expr(a[1]), typeOf(a[1]))});
  }
  case G::BallotSync: {
    llvm::Value *mask = mask32(*this, a[0]);
    return b.CreateIntrinsic(nvvm_vote_ballot_sync, {}, {mask, truthy(expr(a[1]), typeOf(a[1]))});
  }
  case G::MatchAnySync:
  case G::MatchAllSync: return match(*this, id, a, c->span());
  case G::ActiveMask: return b.CreateIntrinsic(nvvm_activemask, {}, {});
  case G::LanemaskLt: return b.CreateIntrinsic(nvvm_read_ptx_sreg_lanemask_lt, {}, {});

  case G::Popc: return b.CreateUnaryIntrinsic(ctpop, as(*this, a[0], rt()));
  case G::Brev: return b.CreateUnaryIntrinsic(bitreverse, as(*this, a[0], rt()));
  case G::Clz: return b.CreateBinaryIntrinsic(ctlz, as(*this, a[0], rt()), b.getFalse());
  case G::Ffs: {
    // The 1-based position of the lowest set bit, 0 for 0 (CUDA's __ffs).
    const ScalarType *t = types().strong(cast<ScalarType>(typeOf(a[0])));
    llvm::Value *x = as(*this, a[0], t);
    llvm::Value *tz = b.CreateZExtOrTrunc(b.CreateBinaryIntrinsic(cttz, x, b.getTrue()), b.getInt32Ty());
    return b.CreateSelect(b.CreateICmpEQ(x, llvm::ConstantInt::get(x->getType(), 0)), b.getInt32(0),
                          b.CreateAdd(tz, b.getInt32(1)));
  }
  case G::Fma: {
    const ScalarType *t = types().strong(rt());
    llvm::IRBuilder<>::FastMathFlagGuard guard(b);
    b.setFastMathFlags(floatFlags());
    return b.CreateIntrinsic(llvm::Intrinsic::fma, {valueType(t)}, {as(*this, a[0], t), as(*this, a[1], t), as(*this, a[2], t)});
  }
  case G::Cbrt: {
    const ScalarType *t = types().strong(rt());
    return libdevice(t->bits == 32 ? "__nv_cbrtf" : "__nv_cbrt", valueType(t), {as(*this, a[0], t)});
  }
  case G::Selp: {
    llvm::Value *test = truthy(expr(a[0]), typeOf(a[0]));
    llvm::Value *x = as(*this, a[1], rt()), *y = as(*this, a[2], rt());
    return b.CreateSelect(test, x, y);
  }
  case G::Nanosleep:
    requireSm70(*this, c->span(), "nanosleep()");
    b.CreateIntrinsic(nvvm_nanosleep, {}, {as(*this, a[0], types().intType(32, false))});
    return nullptr;
  case G::Clock64: return b.CreateIntrinsic(nvvm_read_ptx_sreg_clock64, {}, {});
  case G::ThisGrid: return llvm::ConstantStruct::get(llvm::StructType::get(ctx), {});
  case G::GridSync: gridSync(*this, c->span()); return nullptr;
  default: break;
  }
  fail(c->span(), "this builtin cannot be compiled");
}

} // namespace ptxforge::compiler
