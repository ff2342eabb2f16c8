//===- compiler/TargetNvptx.cpp - The GPU's side of the lowering ----------===//
//
// Special registers, barriers, warp votes and shuffles are NVVM intrinsics
// (with the CUDA limits as ranges on the registers, so LLVM can prove
// indices non-negative); shared arrays are addrspace(3) globals, read-only
// global arrays addrspace(4) (constant memory) when they fit its 64 KiB;
// math functions are libdevice's, linked in after lowering. A grid barrier
// uses the workspace the driver gives a cooperative launch (%envreg1/2), as
// CUDA's own cooperative_groups headers do, so no device runtime is linked.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"
#include "compiler/Target.h"

#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/IntrinsicsNVPTX.h>
#include <llvm/IR/MDBuilder.h>

#include <string_view>

namespace ptxforge::compiler {

namespace {

using namespace llvm::Intrinsic;

constexpr unsigned kSharedSpace = 3;
/// The one extern shared array every dynamic shared array starts at.
constexpr const char *kDynamicShared = "__pf_dynamic_shared";

class NvptxTarget final : public LowerTarget {
public:
  bool isHost() const override { return false; }

  // Kernels are marked through nvvm.annotations in LLVM 19.
  void declareKernel(Lowerer &L, llvm::Function *kernel) override {
    llvm::Metadata *md[] = {llvm::ValueAsMetadata::get(kernel), llvm::MDString::get(L.ctx, "kernel"),
                            llvm::ValueAsMetadata::get(L.b.getInt32(1))};
    L.module.getOrInsertNamedMetadata("nvvm.annotations")->addOperand(llvm::MDNode::get(L.ctx, md));
  }

  llvm::Value *readRegister(Lowerer &L, Register r) override {
    // Ranges from the CUDA limits: blocks of at most 1024 threads
    // (z at most 64), grids of at most 2^31-1 x 65535 x 65535 blocks.
    switch (r) {
    case Register::TidX: return ranged(L, nvvm_read_ptx_sreg_tid_x, 0, 1024);
    case Register::TidY: return ranged(L, nvvm_read_ptx_sreg_tid_y, 0, 1024);
    case Register::TidZ: return ranged(L, nvvm_read_ptx_sreg_tid_z, 0, 64);
    case Register::NtidX: return ranged(L, nvvm_read_ptx_sreg_ntid_x, 1, 1025);
    case Register::NtidY: return ranged(L, nvvm_read_ptx_sreg_ntid_y, 1, 1025);
    case Register::NtidZ: return ranged(L, nvvm_read_ptx_sreg_ntid_z, 1, 65);
    case Register::CtaidX: return ranged(L, nvvm_read_ptx_sreg_ctaid_x, 0, 0x7fffffff);
    case Register::CtaidY: return ranged(L, nvvm_read_ptx_sreg_ctaid_y, 0, 65535);
    case Register::CtaidZ: return ranged(L, nvvm_read_ptx_sreg_ctaid_z, 0, 65535);
    case Register::NctaidX: return ranged(L, nvvm_read_ptx_sreg_nctaid_x, 1, 0x80000000u);
    case Register::NctaidY: return ranged(L, nvvm_read_ptx_sreg_nctaid_y, 1, 65536);
    case Register::NctaidZ: return ranged(L, nvvm_read_ptx_sreg_nctaid_z, 1, 65536);
    case Register::LaneId: return ranged(L, nvvm_read_ptx_sreg_laneid, 0, 32);
    case Register::LanemaskLt: return L.b.CreateIntrinsic(nvvm_read_ptx_sreg_lanemask_lt, {}, {});
    case Register::Clock64: return L.b.CreateIntrinsic(nvvm_read_ptx_sreg_clock64, {}, {});
    case Register::DynamicSharedBytes:
      return inlineAsm(L, L.b.getInt32Ty(), {}, "mov.u32 $0, %dynamic_smem_size;", "=r", false);
    }
    llvm_unreachable("register");
  }

  llvm::Value *barrier(Lowerer &L, BarrierKind kind, llvm::Value *predicate) override {
    switch (kind) {
    case BarrierKind::Plain: L.b.CreateIntrinsic(nvvm_barrier0, {}, {}); return nullptr;
    case BarrierKind::Count: return L.b.CreateIntrinsic(nvvm_barrier0_popc, {}, {predicate});
    case BarrierKind::And: return L.b.CreateIntrinsic(nvvm_barrier0_and, {}, {predicate});
    case BarrierKind::Or: return L.b.CreateIntrinsic(nvvm_barrier0_or, {}, {predicate});
    }
    llvm_unreachable("barrier");
  }

  void warpSync(Lowerer &L, llvm::Value *mask) override { L.b.CreateIntrinsic(nvvm_bar_warp_sync, {}, {mask}); }

  void fence(Lowerer &L, FenceScope scope) override {
    L.b.CreateIntrinsic(scope == FenceScope::Block    ? nvvm_membar_cta
                        : scope == FenceScope::Device ? nvvm_membar_gl
                                                      : nvvm_membar_sys,
                        {}, {});
  }

  llvm::Value *shuffle(Lowerer &L, ShuffleKind kind, llvm::Value *mask, llvm::Value *value, llvm::Value *lane,
                       llvm::Value *clamp) override {
    ID op = kind == ShuffleKind::Idx    ? nvvm_shfl_sync_idx_i32
            : kind == ShuffleKind::Up   ? nvvm_shfl_sync_up_i32
            : kind == ShuffleKind::Down ? nvvm_shfl_sync_down_i32
                                        : nvvm_shfl_sync_bfly_i32;
    return L.b.CreateIntrinsic(op, {}, {mask, value, lane, clamp});
  }

  llvm::Value *vote(Lowerer &L, VoteKind kind, llvm::Value *mask, llvm::Value *predicate) override {
    ID op = kind == VoteKind::All   ? nvvm_vote_all_sync
            : kind == VoteKind::Any ? nvvm_vote_any_sync
            : kind == VoteKind::Uni ? nvvm_vote_uni_sync
                                    : nvvm_vote_ballot_sync;
    return L.b.CreateIntrinsic(op, {}, {mask, predicate});
  }

  llvm::Value *match(Lowerer &L, bool all, llvm::Value *mask, llvm::Value *value) override {
    bool wide = value->getType()->getIntegerBitWidth() > 32;
    ID op = !all ? (wide ? nvvm_match_any_sync_i64 : nvvm_match_any_sync_i32)
                 : (wide ? nvvm_match_all_sync_i64p : nvvm_match_all_sync_i32p);
    return L.b.CreateIntrinsic(op, {}, {mask, value});
  }

  llvm::Value *activeMask(Lowerer &L) override { return L.b.CreateIntrinsic(nvvm_activemask, {}, {}); }

  void nanosleep(Lowerer &L, llvm::Value *ns) override { L.b.CreateIntrinsic(nvvm_nanosleep, {}, {ns}); }

  // Block barrier; one thread per block adds to the barrier word of the
  // driver's grid workspace (block 0 adds so that the top bit flips when
  // every block has arrived) and spins until it flips; block barrier again.
  // Acquire/release at GPU scope order the memory around it.
  void gridSync(Lowerer &L) override {
    auto &b = L.b;
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

  llvm::Value *staticShared(Lowerer &L, llvm::Type *type, std::uint64_t align, const std::string &name) override {
    auto *gv = new llvm::GlobalVariable(L.module, type, false, llvm::GlobalValue::InternalLinkage,
                                        llvm::UndefValue::get(type), name, nullptr, llvm::GlobalValue::NotThreadLocal,
                                        kSharedSpace);
    gv->setAlignment(llvm::Align(align));
    return L.b.CreateAddrSpaceCast(gv, L.b.getPtrTy());
  }

  std::uint64_t staticSharedBytes(Lowerer &L) override {
    std::uint64_t total = 0;
    for (llvm::GlobalVariable &g : L.module.globals())
      if (g.getAddressSpace() == kSharedSpace && g.hasInitializer())
        total += L.module.getDataLayout().getTypeAllocSize(g.getValueType());
    return total;
  }

  llvm::Value *dynamicShared(Lowerer &L, std::uint64_t align) override {
    llvm::GlobalVariable *gv = L.module.getNamedGlobal(kDynamicShared);
    if (!gv) {
      gv = new llvm::GlobalVariable(L.module, llvm::ArrayType::get(L.b.getInt8Ty(), 0), false,
                                    llvm::GlobalValue::ExternalLinkage, nullptr, kDynamicShared, nullptr,
                                    llvm::GlobalValue::NotThreadLocal, kSharedSpace);
      gv->setAlignment(llvm::Align(16));
    }
    if (gv->getAlign().valueOrOne().value() < align)
      gv->setAlignment(llvm::Align(align));
    return L.b.CreateAddrSpaceCast(gv, L.b.getPtrTy());
  }

  unsigned constantSpace(std::uint64_t bytes) const override { return bytes <= 64 * 1024 ? 4 : 1; }
  unsigned globalSpace() const override { return 1; }

  // `exit` ends the thread; barriers stop waiting for it.
  void stopThread(Lowerer &L) override {
    inlineAsm(L, L.b.getVoidTy(), {}, "exit;", "", true);
    L.b.CreateUnreachable();
  }

  // `trap` stops every thread of the kernel; the launch fails.
  void stopKernel(Lowerer &L) override {
    L.b.CreateIntrinsic(llvm::Intrinsic::trap, {}, {});
    L.b.CreateUnreachable();
  }

  llvm::Value *math(Lowerer &L, const char *name, llvm::Type *ret, llvm::ArrayRef<llvm::Value *> args) override {
    if (std::string_view(name) == "__nv_fast_tanhf") { // fastmath's tanh: one instruction from sm_75 on
      if (targetAtLeast(L, 7, 5))
        return inlineAsm(L, ret, args, "tanh.approx.f32 $0, $1;", "=f,f", false);
      name = "__nv_tanhf";
    }
    std::vector<llvm::Type *> params;
    for (llvm::Value *a : args)
      params.push_back(a->getType());
    llvm::FunctionCallee callee = L.module.getOrInsertFunction(name, llvm::FunctionType::get(ret, params, false));
    L.markLibdevice();
    return L.b.CreateCall(callee, args);
  }

  llvm::Value *floatToInt(Lowerer &L, llvm::Value *v, llvm::Type *to, bool isSigned) override {
    return isSigned ? L.b.CreateFPToSI(v, to) : L.b.CreateFPToUI(v, to);
  }

private:
  static llvm::Value *ranged(Lowerer &L, ID id, unsigned lo, unsigned hi) {
    llvm::CallInst *call = L.b.CreateIntrinsic(id, {}, {});
    call->setMetadata(llvm::LLVMContext::MD_range,
                      llvm::MDBuilder(L.ctx).createRange(llvm::APInt(32, lo), llvm::APInt(32, hi)));
    return call;
  }
};

} // namespace

std::unique_ptr<LowerTarget> makeNvptxTarget() { return std::make_unique<NvptxTarget>(); }

} // namespace ptxforge::compiler
