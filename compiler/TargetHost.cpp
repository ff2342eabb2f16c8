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

#include <algorithm>
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

// libdevice's integer functions, bit casts and round-to-nearest operations
// (the host's own rounding) as IR; null for the rest. The other rounding
// modes (_rd, _ru, _rz) have no CPU form.
llvm::Value *integerOrExact(Lowerer &L, const std::string &name, llvm::Type *ret, llvm::ArrayRef<llvm::Value *> args) {
  auto &b = L.b;
  if (args.empty())
    return nullptr;
  llvm::Value *x = args[0];
  llvm::Value *y = args.size() > 1 ? args[1] : nullptr;
  auto fit = [&](llvm::Value *v) { return b.CreateZExtOrTrunc(v, ret); };
  auto wide = [&](llvm::Value *v, bool isSigned) {
    llvm::Type *t = b.getIntNTy(v->getType()->getIntegerBitWidth() * 2);
    return isSigned ? b.CreateSExt(v, t) : b.CreateZExt(v, t);
  };
  using namespace llvm;
  if (name == "clz" || name == "clzll")
    return fit(b.CreateBinaryIntrinsic(Intrinsic::ctlz, x, b.getFalse()));
  if (name == "popc" || name == "popcll")
    return fit(b.CreateUnaryIntrinsic(Intrinsic::ctpop, x));
  if (name == "brev" || name == "brevll")
    return b.CreateUnaryIntrinsic(Intrinsic::bitreverse, x);
  if (name == "ffs" || name == "ffsll") {
    Value *t = fit(b.CreateAdd(b.CreateBinaryIntrinsic(Intrinsic::cttz, x, b.getFalse()),
                               ConstantInt::get(x->getType(), 1)));
    return b.CreateSelect(b.CreateIsNull(x), ConstantInt::get(ret, 0), t);
  }
  if (name == "abs" || name == "llabs")
    return b.CreateBinaryIntrinsic(Intrinsic::abs, x, b.getFalse());
  if (y && x->getType()->isIntegerTy() && y->getType() == x->getType()) {
    if (name == "min" || name == "llmin")
      return b.CreateBinaryIntrinsic(Intrinsic::smin, x, y);
    if (name == "max" || name == "llmax")
      return b.CreateBinaryIntrinsic(Intrinsic::smax, x, y);
    if (name == "umin" || name == "ullmin")
      return b.CreateBinaryIntrinsic(Intrinsic::umin, x, y);
    if (name == "umax" || name == "ullmax")
      return b.CreateBinaryIntrinsic(Intrinsic::umax, x, y);
    const bool isSigned = name == "mulhi" || name == "mul64hi" || name == "hadd" || name == "rhadd" ||
                          name == "mul24" || name == "sad";
    const unsigned bits = x->getType()->getIntegerBitWidth();
    if (name == "mulhi" || name == "umulhi" || name == "mul64hi" || name == "umul64hi")
      return b.CreateTrunc(b.CreateLShr(b.CreateMul(wide(x, isSigned), wide(y, isSigned)), bits), ret);
    if (name == "hadd" || name == "uhadd" || name == "rhadd" || name == "urhadd") {
      Value *sum = b.CreateAdd(wide(x, isSigned), wide(y, isSigned));
      if (name == "rhadd" || name == "urhadd")
        sum = b.CreateAdd(sum, ConstantInt::get(sum->getType(), 1));
      return b.CreateTrunc(isSigned ? b.CreateAShr(sum, 1) : b.CreateLShr(sum, 1), ret);
    }
    if (name == "mul24" || name == "umul24") {
      auto low = [&](Value *v) {
        Value *up = b.CreateShl(v, bits - 24);
        return isSigned ? b.CreateAShr(up, bits - 24) : b.CreateLShr(up, bits - 24);
      };
      return b.CreateMul(low(x), low(y));
    }
    if ((name == "sad" || name == "usad") && args.size() == 3) {
      Value *d = b.CreateSub(wide(x, isSigned), wide(y, isSigned));
      return b.CreateAdd(b.CreateTrunc(b.CreateBinaryIntrinsic(Intrinsic::abs, d, b.getFalse()), ret), args[2]);
    }
  }
  if (name.find("_as_") != std::string::npos && args.size() == 1 &&
      x->getType()->getPrimitiveSizeInBits() == ret->getPrimitiveSizeInBits())
    return b.CreateBitCast(x, ret);
  // Round to nearest even: the host's own arithmetic.
  const bool rn = name.size() > 3 && name.compare(name.size() - 3, 3, "_rn") == 0;
  if (!rn)
    return nullptr;
  const std::string op = name.substr(0, name.size() - 3);
  if (y && (op == "fadd" || op == "dadd"))
    return b.CreateFAdd(x, y);
  if (y && (op == "fsub" || op == "dsub"))
    return b.CreateFSub(x, y);
  if (y && (op == "fmul" || op == "dmul"))
    return b.CreateFMul(x, y);
  if (y && (op == "fdiv" || op == "ddiv"))
    return b.CreateFDiv(x, y);
  if (op == "fsqrt" || op == "dsqrt")
    return b.CreateUnaryIntrinsic(Intrinsic::sqrt, x);
  if (op == "frsqrt")
    return b.CreateFDiv(ConstantFP::get(ret, 1.0), b.CreateUnaryIntrinsic(Intrinsic::sqrt, x));
  if ((op == "fma" || op == "fmaf") && args.size() == 3)
    return b.CreateIntrinsic(Intrinsic::fma, {ret}, args);
  const bool fromInt = x->getType()->isIntegerTy();
  if (fromInt && ret->isFloatingPointTy()) // int2float_rn, ull2double_rn, ...
    return op[0] == 'u' ? b.CreateUIToFP(x, ret) : b.CreateSIToFP(x, ret);
  if (x->getType()->isFloatingPointTy() && ret->isFloatingPointTy()) // double2float_rn
    return b.CreateFPTrunc(x, ret);
  return nullptr; // float2int_rn & co.: saturation and NaN as PTX's cvt, not here yet
}

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
  if (llvm::Value *v = integerOrExact(L, name, ret, args))
    return v;
  std::vector<llvm::Value *> callArgs(args.begin(), args.end());
  if (name.rfind("fast_", 0) == 0 && name != "fast_fdividef" && name != "fast_sincosf")
    name = name.substr(5); // libdevice's fast approximations: libm's exact functions are within their bounds
  if (name == "sinpi" || name == "sinpif" || name == "cospi" || name == "cospif" || name == "sincospi" ||
      name == "sincospif") {
    // sin(pi x) and cos(pi x) in double, after taking out an even integer
    // (exactly): x - 2 rint(x / 2) is in [-1, 1].
    const bool single = name.back() == 'f';
    llvm::Type *d = b.getDoubleTy();
    llvm::Value *xd = single ? b.CreateFPExt(x, d) : x;
    llvm::Value *whole = b.CreateUnaryIntrinsic(llvm::Intrinsic::rint, b.CreateFMul(xd, llvm::ConstantFP::get(d, 0.5)));
    llvm::Value *r = b.CreateFSub(xd, b.CreateFMul(whole, llvm::ConstantFP::get(d, 2.0)));
    llvm::Value *t = b.CreateFMul(r, llvm::ConstantFP::get(d, 3.14159265358979323846));
    auto libm = [&](const char *fn) {
      llvm::FunctionCallee c = L.module.getOrInsertFunction(fn, llvm::FunctionType::get(d, {d}, false));
      llvm::cast<llvm::Function>(c.getCallee())->setDoesNotAccessMemory();
      llvm::Value *v = b.CreateCall(c, {t});
      return single ? b.CreateFPTrunc(v, x->getType()) : v;
    };
    if (name.rfind("sincospi", 0) == 0) { // out-values through the pointers that follow x
      b.CreateStore(libm("sin"), args[1]);
      return b.CreateStore(libm("cos"), args[2]);
    }
    return libm(name.rfind("sinpi", 0) == 0 ? "sin" : "cos");
  }
  if (name == "rcbrt" || name == "rcbrtf") {
    llvm::FunctionCallee cbrt = L.module.getOrInsertFunction(name == "rcbrt" ? "cbrt" : "cbrtf",
                                                             llvm::FunctionType::get(ret, {ret}, false));
    llvm::cast<llvm::Function>(cbrt.getCallee())->setDoesNotAccessMemory();
    return b.CreateFDiv(llvm::ConstantFP::get(ret, 1.0), b.CreateCall(cbrt, {x}));
  }
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
  // As with -fno-math-errno; libdevice's out-values (sincos, modf, frexp,
  // remquo ...) are written through pointer arguments.
  if (std::none_of(params.begin(), params.end(), [](llvm::Type *t) { return t->isPointerTy(); }))
    f->setDoesNotAccessMemory();
  else
    f->setOnlyAccessesArgMemory();
  return b.CreateCall(fn, callArgs);
}

} // namespace

std::unique_ptr<LowerTarget> makeHostTarget(HostKernelInfo &info) { return std::make_unique<HostTarget>(info); }

} // namespace ptxforge::compiler
