//===- compiler/TargetHost.cpp - The CPU's side of the lowering -----------===//
//
// Code for the CPU target reads its thread's indices from the ThreadState
// the CPU runtime gives it (cpu/Abi.h): one call of __pf_cpu_thread() per
// function, then invariant loads. Barriers, warp collectives and grid
// barriers are calls into the runtime, which switches fibers there. Shared
// arrays are offsets into the block's shared buffer; there is one address
// space. Math functions are libm's (libdevice's __nv_sinf is sinf), or LLVM
// intrinsics where those are exact.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"
#include "compiler/LowerImpl.h"
#include "compiler/Target.h"
#include "cpu/Abi.h"

#include <llvm/IR/MDBuilder.h>

#include <cstring>
#include <string_view>
#include <unordered_map>

namespace ptxforge::compiler {

namespace {

using namespace cpu;

/// True when the CPU runtime's symbol table defines `name`.
bool hostHas(const std::string &name) {
  for (const Symbol *s = hostRuntime(); s && s->name; ++s)
    if (name == s->name)
      return true;
  return false;
}

class HostTarget final : public LowerTarget {
public:
  explicit HostTarget(HostKernelInfo &info) : info_(info) {}

  bool isHost() const override { return true; }
  void declareKernel(Lowerer &L, llvm::Function *kernel) override {}

  llvm::Value *readRegister(Lowerer &L, Register r) override {
    switch (r) {
    case Register::TidX: return field(L, offsets::kTid, 0, 1024);
    case Register::TidY: return field(L, offsets::kTid + 4, 0, 1024);
    case Register::TidZ: return field(L, offsets::kTid + 8, 0, 64);
    case Register::NtidX: return field(L, offsets::kNtid, 1, 1025);
    case Register::NtidY: return field(L, offsets::kNtid + 4, 1, 1025);
    case Register::NtidZ: return field(L, offsets::kNtid + 8, 1, 65);
    case Register::CtaidX: return field(L, offsets::kCtaid, 0, 0x7fffffff);
    case Register::CtaidY: return field(L, offsets::kCtaid + 4, 0, 65535);
    case Register::CtaidZ: return field(L, offsets::kCtaid + 8, 0, 65535);
    case Register::NctaidX: return field(L, offsets::kNctaid, 1, 0x80000000u);
    case Register::NctaidY: return field(L, offsets::kNctaid + 4, 1, 65536);
    case Register::NctaidZ: return field(L, offsets::kNctaid + 8, 1, 65536);
    case Register::LaneId: return field(L, offsets::kLaneId, 0, 32);
    case Register::LanemaskLt: {
      llvm::Value *lane = field(L, offsets::kLaneId, 0, 32);
      return L.b.CreateSub(L.b.CreateShl(L.b.getInt32(1), lane), L.b.getInt32(1));
    }
    case Register::Clock64: return call(L, symbols::kClock64, L.b.getInt64Ty(), {}, false);
    case Register::DynamicSharedBytes: return field(L, offsets::kDynamicSharedBytes, 0, 0);
    }
    llvm_unreachable("register");
  }

  llvm::Value *barrier(Lowerer &L, BarrierKind kind, llvm::Value *predicate) override {
    info_.synchronizes = true;
    std::int32_t op = kind == BarrierKind::Plain   ? kBarrierPlain
                      : kind == BarrierKind::Count ? kBarrierCount
                      : kind == BarrierKind::And   ? kBarrierAnd
                                                   : kBarrierOr;
    llvm::Value *r = call(L, symbols::kBarrier, L.b.getInt32Ty(),
                          {thread(L), L.b.getInt32(op), predicate ? predicate : L.b.getInt32(0)}, true);
    return kind == BarrierKind::Plain ? nullptr : r;
  }

  void warpSync(Lowerer &L, llvm::Value *mask) override { warp(L, kWarpSync, mask, L.b.getInt64(0)); }

  void fence(Lowerer &L, FenceScope) override { L.b.CreateFence(llvm::AtomicOrdering::SequentiallyConsistent); }

  llvm::Value *shuffle(Lowerer &L, ShuffleKind kind, llvm::Value *mask, llvm::Value *value, llvm::Value *lane,
                       llvm::Value *clamp) override {
    std::int32_t op = kind == ShuffleKind::Idx    ? kShflIdx
                      : kind == ShuffleKind::Up   ? kShflUp
                      : kind == ShuffleKind::Down ? kShflDown
                                                  : kShflXor;
    auto &b = L.b;
    llvm::Value *r = warp(L, op, mask, b.CreateZExt(value, b.getInt64Ty()), lane, clamp);
    return b.CreateTrunc(r, b.getInt32Ty());
  }

  llvm::Value *vote(Lowerer &L, VoteKind kind, llvm::Value *mask, llvm::Value *predicate) override {
    auto &b = L.b;
    std::int32_t op = kind == VoteKind::All   ? kVoteAll
                      : kind == VoteKind::Any ? kVoteAny
                      : kind == VoteKind::Uni ? kVoteUni
                                              : kVoteBallot;
    llvm::Value *r = warp(L, op, mask, b.CreateZExt(predicate, b.getInt64Ty()));
    return kind == VoteKind::Ballot ? b.CreateTrunc(r, b.getInt32Ty()) : b.CreateICmpNE(r, b.getInt64(0));
  }

  llvm::Value *match(Lowerer &L, bool all, llvm::Value *mask, llvm::Value *value) override {
    auto &b = L.b;
    llvm::Value *r = warp(L, all ? kMatchAll : kMatchAny, mask, b.CreateZExt(value, b.getInt64Ty()));
    llvm::Value *lanes = b.CreateTrunc(r, b.getInt32Ty());
    if (!all)
      return lanes;
    llvm::Value *pair = llvm::UndefValue::get(llvm::StructType::get(L.ctx, {b.getInt32Ty(), b.getInt1Ty()}));
    pair = b.CreateInsertValue(pair, lanes, {0});
    return b.CreateInsertValue(pair, b.CreateICmpNE(b.CreateLShr(r, 32), b.getInt64(0)), {1});
  }

  // The lanes that reach it together: a collective of the warp's live lanes,
  // completed among those that came when the others cannot come.
  llvm::Value *activeMask(Lowerer &L) override {
    auto &b = L.b;
    return b.CreateTrunc(warp(L, kActiveMask, b.getInt32(-1), b.getInt64(0)), b.getInt32Ty());
  }

  void nanosleep(Lowerer &L, llvm::Value *ns) override {
    call(L, symbols::kNanosleep, L.b.getVoidTy(), {ns}, false);
  }

  void gridSync(Lowerer &L) override {
    info_.synchronizes = true;
    call(L, symbols::kGridSync, L.b.getVoidTy(), {thread(L)}, true);
  }

  llvm::Value *staticShared(Lowerer &L, llvm::Type *type, std::uint64_t align, const std::string &) override {
    const std::uint64_t size = L.module.getDataLayout().getTypeAllocSize(type);
    const std::uint64_t offset = (info_.staticSharedBytes + align - 1) / align * align;
    info_.staticSharedBytes = offset + size;
    info_.sharedAlign = std::max(info_.sharedAlign, align);
    return L.b.CreateInBoundsGEP(L.b.getInt8Ty(), pointerField(L, offsets::kStaticShared), L.b.getInt64(offset));
  }

  std::uint64_t staticSharedBytes(Lowerer &) override { return info_.staticSharedBytes; }

  llvm::Value *dynamicShared(Lowerer &L, std::uint64_t align) override {
    info_.sharedAlign = std::max(info_.sharedAlign, align);
    return pointerField(L, offsets::kDynamicShared);
  }

  unsigned constantSpace(std::uint64_t) const override { return 0; }
  unsigned globalSpace() const override { return 0; }

  // The runtime ends the thread: a fiber is parked for good, a thread run
  // alone returns to the scheduler's loop (longjmp; kernel code holds no
  // resources to release).
  void stopThread(Lowerer &L) override {
    call(L, symbols::kExit, L.b.getVoidTy(), {thread(L)}, true, /*noReturn=*/true);
    L.b.CreateUnreachable();
  }

  void stopKernel(Lowerer &L) override {
    call(L, symbols::kTrap, L.b.getVoidTy(), {thread(L)}, true, /*noReturn=*/true);
    L.b.CreateUnreachable();
  }

  llvm::Value *math(Lowerer &L, const char *libdeviceName, llvm::Type *ret,
                    llvm::ArrayRef<llvm::Value *> args) override;

  // PTX's cvt saturates, and NaN converts to 0.
  llvm::Value *floatToInt(Lowerer &L, llvm::Value *v, llvm::Type *to, bool isSigned) override {
    return L.b.CreateIntrinsic(isSigned ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat,
                               {to, v->getType()}, {v});
  }

private:
  /// The running thread's ThreadState: one call per function, at its entry.
  llvm::Value *thread(Lowerer &L) {
    llvm::Value *&ts = threads_[L.fn];
    if (!ts) {
      llvm::IRBuilder<> entry(&L.fn->getEntryBlock(), L.fn->getEntryBlock().begin());
      entry.SetCurrentDebugLocation(L.b.getCurrentDebugLocation());
      llvm::FunctionCallee fn = L.module.getOrInsertFunction(symbols::kThread,
                                                             llvm::FunctionType::get(L.b.getPtrTy(), false));
      auto *f = llvm::cast<llvm::Function>(fn.getCallee());
      // The same value whenever one thread asks: code may read it once and keep it.
      f->setDoesNotThrow();
      f->setWillReturn();
      f->setDoesNotAccessMemory();
      ts = entry.CreateCall(fn, {}, "thread");
    }
    return ts;
  }

  llvm::Value *field(Lowerer &L, unsigned offset, unsigned lo, unsigned hi) {
    llvm::Value *at = L.b.CreateConstInBoundsGEP1_64(L.b.getInt8Ty(), thread(L), offset);
    llvm::LoadInst *load = L.b.CreateAlignedLoad(L.b.getInt32Ty(), at, llvm::Align(4));
    load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(L.ctx, {}));
    if (hi > lo)
      load->setMetadata(llvm::LLVMContext::MD_range,
                        llvm::MDBuilder(L.ctx).createRange(llvm::APInt(32, lo), llvm::APInt(32, hi)));
    return load;
  }

  llvm::Value *pointerField(Lowerer &L, unsigned offset) {
    llvm::Value *at = L.b.CreateConstInBoundsGEP1_64(L.b.getInt8Ty(), thread(L), offset);
    llvm::LoadInst *load = L.b.CreateAlignedLoad(L.b.getPtrTy(), at, llvm::Align(8));
    load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(L.ctx, {}));
    load->setMetadata(llvm::LLVMContext::MD_nonnull, llvm::MDNode::get(L.ctx, {}));
    return load;
  }

  /// A call of the runtime function `name`; `synchronizes`: other threads
  /// run meanwhile, so it may read and write any memory.
  llvm::Value *call(Lowerer &L, const char *name, llvm::Type *ret, llvm::ArrayRef<llvm::Value *> args,
                    bool synchronizes, bool noReturn = false) {
    std::vector<llvm::Type *> params;
    for (llvm::Value *a : args)
      params.push_back(a->getType());
    llvm::FunctionCallee fn = L.module.getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
    auto *f = llvm::cast<llvm::Function>(fn.getCallee());
    f->setDoesNotThrow();
    if (noReturn)
      f->setDoesNotReturn();
    else if (!synchronizes)
      f->setWillReturn();
    llvm::CallInst *c = L.b.CreateCall(fn, args);
    if (synchronizes) // never duplicated or merged: every thread must reach the same call
      c->setConvergent();
    return c;
  }

  llvm::Value *warp(Lowerer &L, std::int32_t op, llvm::Value *mask, llvm::Value *value,
                    llvm::Value *lane = nullptr, llvm::Value *clamp = nullptr) {
    info_.synchronizes = true;
    auto &b = L.b;
    return call(L, symbols::kWarp, b.getInt64Ty(),
                {thread(L), b.getInt32(op), mask, value, lane ? lane : b.getInt32(0), clamp ? clamp : b.getInt32(0)},
                true);
  }

  HostKernelInfo &info_;
  std::unordered_map<llvm::Function *, llvm::Value *> threads_;
};

// libdevice's names on the host. Exact operations are LLVM intrinsics; the
// tests of libdevice's __nv_isnand & co. (which return int) are compares;
// the rest are libm's functions of the same name less the prefix.
llvm::Value *HostTarget::math(Lowerer &L, const char *libdeviceName, llvm::Type *ret,
                              llvm::ArrayRef<llvm::Value *> args) {
  auto &b = L.b;
  std::string name = libdeviceName;
  if (name.rfind("__nv_", 0) == 0)
    name = name.substr(5);
  using llvm::Intrinsic::ID;
  static const std::unordered_map<std::string, ID> intrinsics = {
      {"sqrt", llvm::Intrinsic::sqrt},         {"sqrtf", llvm::Intrinsic::sqrt},
      {"fabs", llvm::Intrinsic::fabs},         {"fabsf", llvm::Intrinsic::fabs},
      {"floor", llvm::Intrinsic::floor},       {"floorf", llvm::Intrinsic::floor},
      {"ceil", llvm::Intrinsic::ceil},         {"ceilf", llvm::Intrinsic::ceil},
      {"trunc", llvm::Intrinsic::trunc},       {"truncf", llvm::Intrinsic::trunc},
      {"rint", llvm::Intrinsic::rint},         {"rintf", llvm::Intrinsic::rint},
      {"nearbyint", llvm::Intrinsic::nearbyint}, {"nearbyintf", llvm::Intrinsic::nearbyint},
      {"round", llvm::Intrinsic::round},       {"roundf", llvm::Intrinsic::round},
      {"copysign", llvm::Intrinsic::copysign}, {"copysignf", llvm::Intrinsic::copysign},
      {"fmin", llvm::Intrinsic::minnum},       {"fminf", llvm::Intrinsic::minnum},
      {"fmax", llvm::Intrinsic::maxnum},       {"fmaxf", llvm::Intrinsic::maxnum},
      {"fma", llvm::Intrinsic::fma},           {"fmaf", llvm::Intrinsic::fma},
  };
  if (auto it = intrinsics.find(name); it != intrinsics.end())
    return b.CreateIntrinsic(it->second, {ret}, args);
  auto asInt = [&](llvm::Value *test) { return b.CreateZExt(test, ret); };
  llvm::Value *x = args.empty() ? nullptr : args[0];
  if (name == "isnand" || name == "isnanf")
    return asInt(b.CreateFCmpUNO(x, x));
  if (name == "isinfd" || name == "isinff")
    return asInt(b.CreateFCmpOEQ(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x),
                                 llvm::ConstantFP::getInfinity(x->getType())));
  if (name == "isfinited" || name == "finitef")
    return asInt(b.CreateFCmpOLT(b.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x),
                                 llvm::ConstantFP::getInfinity(x->getType())));
  if (name == "signbitd" || name == "signbitf")
    return asInt(b.CreateICmpSLT(b.CreateBitCast(x, b.getIntNTy(x->getType()->getPrimitiveSizeInBits())),
                                 llvm::ConstantInt::get(b.getIntNTy(x->getType()->getPrimitiveSizeInBits()), 0)));
  if (name == "rsqrt" || name == "rsqrtf")
    return b.CreateFDiv(llvm::ConstantFP::get(ret, 1.0), b.CreateUnaryIntrinsic(llvm::Intrinsic::sqrt, x));
  if (name == "frcp_rn" || name == "drcp_rn")
    return b.CreateFDiv(llvm::ConstantFP::get(ret, 1.0), x);
  if (name == "fdividef" || name == "fdivide")
    return b.CreateFDiv(x, args[1]);
  if (name == "saturatef")
    return b.CreateBinaryIntrinsic(llvm::Intrinsic::minnum,
                                   b.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, x, llvm::ConstantFP::get(ret, 0.0)),
                                   llvm::ConstantFP::get(ret, 1.0));
  std::vector<llvm::Value *> callArgs(args.begin(), args.end());
  if (name == "powi" || name == "powif") { // exact for the powers of ten round() asks for
    name = name == "powi" ? "pow" : "powf";
    callArgs[1] = b.CreateSIToFP(callArgs[1], ret);
  }
  if (!hostHas(name))
    fail(L.at, "the math function '" + std::string(libdeviceName) +
                   "' has no CPU form yet (the CPU target has no libm function '" + name + "')");
  std::vector<llvm::Type *> params;
  for (llvm::Value *a : callArgs)
    params.push_back(a->getType());
  llvm::FunctionCallee fn = L.module.getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
  auto *f = llvm::cast<llvm::Function>(fn.getCallee());
  f->setDoesNotThrow();
  f->setWillReturn();
  f->setDoesNotAccessMemory(); // as with -fno-math-errno
  return b.CreateCall(fn, callArgs);
}

} // namespace

std::unique_ptr<LowerTarget> makeHostTarget(HostKernelInfo &info) { return std::make_unique<HostTarget>(info); }

} // namespace ptxforge::compiler
