//===- compiler/LowerGpu.cpp - Lowering the GPU features' calls -----------===//
//
// Shared arrays are the target's shared memory (addrspace(3) globals on the
// GPU, the block's buffer on the CPU) cast to a generic pointer and wrapped
// in an ordinary C-layout array value, so indexing, passing to device
// functions and atomics all work unchanged; NVPTX's address-space inference
// then emits ld.shared/st.shared/atom.shared. Barriers, warp votes and
// shuffles are the target's (numba's argument orders); 64-bit shuffles are
// two 32-bit ones.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"

#include <llvm/IR/InlineAsm.h>


namespace ptxforge::compiler {

using namespace frontend;
using G = GpuIntrinsic;

std::optional<std::int64_t> gpuConstInt(const Lowerer &L, const Expr *e) {
  if (auto *i = dyn_cast<IntConstExpr>(e)) // as typing's constInt: a literal past int64 is no int64 constant
    return i->bigUnsigned ? std::nullopt : std::optional<std::int64_t>(i->value);
  if (auto *u = dyn_cast<UnaryOpExpr>(e); u && u->op == UnaryOpKind::Minus)
    if (auto v = gpuConstInt(L, u->operand))
      return -*v;
  if (const NameRef *ref = L.tf.refOf(e); ref && ref->global)
    return ref->global->intValue;
  if (auto *n = dyn_cast<NameExpr>(e); n && (!L.tf.refOf(e) || L.tf.refOf(e)->local))
    if (auto known = L.tf.constLocals.find(n->id); known != L.tf.constLocals.end())
      return known->second; // `N = 100` once: numba's constant inference
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

/// The alignment= of local.array/shared.array (typing checked it), or none (absent or None).
std::optional<std::uint64_t> gpuAlignment(const Lowerer &L, const Expr *e) {
  if (!e || !isa<ScalarType>(L.typeOf(e)))
    return std::nullopt;
  return static_cast<std::uint64_t>(*gpuConstInt(L, e));
}

/// The static shared memory a block may use without opting in (48 KiB).
constexpr std::uint64_t kStaticSharedLimit = 48 * 1024;

// shared.array(shape, dtype[, alignment]): a fresh static shared array per
// call site (one per evaluation site, so a loop reuses it, as in CUDA), or
// for shape 0 the dynamic shared memory, whose length is the launch's
// dynamic shared size over the item size.
llvm::Value *sharedArray(Lowerer &L, const CallExpr *c, const std::vector<const Expr *> &a) {
  auto &b = L.b;
  auto *at = cast<ArrayType>(L.typeOf(c));
  std::vector<std::int64_t> shape = gpuConstShape(L, a[0]);
  const std::uint64_t item = at->dtype->byteSize();
  const std::uint64_t align = gpuAlignment(L, a[2]).value_or(std::max<std::uint64_t>(16, llvm::PowerOf2Ceil(item)));
  llvm::Value *data = nullptr;
  std::vector<llvm::Value *> extents;
  if (shape.size() == 1 && shape[0] == 0) {
    data = L.target.dynamicShared(L, align);
    llvm::Value *bytes = L.target.readRegister(L, Register::DynamicSharedBytes);
    extents.push_back(b.CreateUDiv(b.CreateZExt(bytes, b.getInt64Ty()), b.getInt64(item)));
  } else {
    constexpr std::uint64_t kHuge = std::uint64_t(1) << 40; // far past any limit; no overflow below it
    std::uint64_t count = 1;
    for (std::int64_t d : shape) {
      count = count > kHuge / static_cast<std::uint64_t>(d) ? kHuge : count * static_cast<std::uint64_t>(d);
      extents.push_back(b.getInt64(d));
    }
    std::uint64_t before = L.target.staticSharedBytes(L);
    if (count * item + before > kStaticSharedLimit)
      fail(c->span(), "static shared memory is limited to 48 KiB (49152 bytes) per block; this array needs " +
                          (count >= kHuge ? std::string("far more than that")
                                          : std::to_string(count * item) + " bytes") +
                          (before ? " on top of " + std::to_string(before) + " already declared" : std::string()) +
                          ". For more, use a dynamic shared array (shape 0) sized by the launch's fourth "
                          "parameter, kernel[blocks, threads, stream, shared_bytes]");
    auto *arrTy = llvm::ArrayType::get(L.memoryType(at->dtype), count);
    // numba's names: _cudapy_smem_N, N counting the module's shared arrays
    std::string name;
    for (unsigned n = 1; name.empty() || L.module.getNamedGlobal(name); ++n)
      name = "_cudapy_smem_" + std::to_string(n);
    data = L.target.staticShared(L, arrTy, align, name);
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
  ShuffleKind kind = id == G::ShflSync       ? ShuffleKind::Idx
                     : id == G::ShflUpSync   ? ShuffleKind::Up
                     : id == G::ShflDownSync ? ShuffleKind::Down
                                             : ShuffleKind::Xor;
  // c packs the clamp (lane 31) and the segment mask: 0 for shfl_up, as in CUDA.
  llvm::Value *clamp = b.getInt32(id == G::ShflUpSync ? 0 : 0x1f);
  llvm::Value *mask = mask32(L, a[0]);
  llvm::Value *value = as(L, a[1], rt);
  llvm::Value *lane = as(L, a[2], types().intType(32));
  unsigned bits = rt->isBool() ? 1 : rt->bits;
  llvm::Type *intTy = b.getIntNTy(bits);
  llvm::Value *v = rt->isFloat() ? b.CreateBitCast(value, intTy) : value;
  auto one = [&](llvm::Value *x) { return L.target.shuffle(L, kind, mask, x, lane, clamp); };
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
  return L.target.match(L, id == G::MatchAllSync, mask, v); // match_all's {i32, i1} is Tuple(int32, bool)'s type
}

// this_grid().sync(): the target's grid barrier; the module is marked as
// needing a cooperative launch.
void gridSync(Lowerer &L, const Span &at) {
  requireSm70(L, at, "cg.this_grid().sync()");
  L.module.getOrInsertNamedMetadata(kCooperativeMetadata);
  L.target.gridSync(L);
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
  // With alignment=, numba's name for it (_cudapy_lmem) and exactly that alignment.
  std::optional<std::uint64_t> align = gpuAlignment(*this, a[2]);
  llvm::AllocaInst *storage =
      entryAlloca(llvm::ArrayType::get(memoryType(at->dtype), count), align ? "_cudapy_lmem" : "local.array");
  storage->setAlignment(llvm::Align(align.value_or(16)));
  return contiguousArray(at, storage, shape);
}

llvm::Value *Lowerer::gpuCall(const CallExpr *c, const BuiltinInfo &info) {
  auto id = static_cast<G>(info.gpu);
  std::vector<const Expr *> a = bindGpuArgs(c, id);
  if (isAtomic(id))
    return lowerAtomic(*this, c, id);
  using namespace llvm::Intrinsic; // ctpop, bitreverse, ...
  auto rt = [&] { return cast<ScalarType>(typeOf(c)); };
  auto barrier = [&](BarrierKind kind) { return target.barrier(*this, kind, predicate32(*this, a[0])); };
  switch (id) {
  case G::SharedArray: return sharedArray(*this, c, a);
  case G::LocalArray: return localArray(c, a);
  case G::ConstArrayLike: return expr(a[0]); // global arrays are constants already

  case G::SyncThreadsCount: return barrier(BarrierKind::Count);
  case G::SyncThreadsAnd: return barrier(BarrierKind::And);
  case G::SyncThreadsOr: return barrier(BarrierKind::Or);
  case G::SyncWarp: target.warpSync(*this, mask32(*this, a[0])); return nullptr;
  case G::ThreadFence: target.fence(*this, FenceScope::Device); return nullptr;
  case G::ThreadFenceBlock: target.fence(*this, FenceScope::Block); return nullptr;
  case G::ThreadFenceSystem: target.fence(*this, FenceScope::System); return nullptr;

  case G::ShflSync:
  case G::ShflUpSync:
  case G::ShflDownSync:
  case G::ShflXorSync: return shuffle(*this, c, id, a);
  case G::AllSync:
  case G::AnySync:
  case G::EqSync: {
    VoteKind kind = id == G::AllSync ? VoteKind::All : id == G::AnySync ? VoteKind::Any : VoteKind::Uni;
    llvm::Value *mask = mask32(*this, a[0]);
    return target.vote(*this, kind, mask, truthy(expr(a[1]), typeOf(a[1])));
  }
  case G::BallotSync: {
    llvm::Value *mask = mask32(*this, a[0]);
    return target.vote(*this, VoteKind::Ballot, mask, truthy(expr(a[1]), typeOf(a[1])));
  }
  case G::MatchAnySync:
  case G::MatchAllSync: return match(*this, id, a, c->span());
  case G::ActiveMask: return target.activeMask(*this);
  case G::LanemaskLt: return target.readRegister(*this, Register::LanemaskLt);

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
    target.nanosleep(*this, as(*this, a[0], types().intType(32, false)));
    return nullptr;
  case G::Clock64: return target.readRegister(*this, Register::Clock64);
  case G::ThisGrid: // numba's rule: a kernel that takes its grid group is launched cooperatively
    module.getOrInsertNamedMetadata(kCooperativeMetadata);
    return llvm::ConstantStruct::get(llvm::StructType::get(ctx), {});
  case G::GridSync: gridSync(*this, c->span()); return nullptr;
  default: break;
  }
  fail(c->span(), "this builtin cannot be compiled");
}

} // namespace ptxforge::compiler
