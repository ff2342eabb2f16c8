//===- compiler/Pipeline.cpp - Target machine, O3, PTX --------------------===//

#include "compiler/Pipeline.h"
#include "compiler/Capability.h"
#include "compiler/GuardedNoWrap.h"
#include "compiler/NarrowCounters.h"
#include "compiler/RuntimeUnroll.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/DebugInfoMetadata.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/ErrorHandling.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/Transforms/Scalar/InferAddressSpaces.h>
#include <llvm/Transforms/Scalar/InferAlignment.h>
#include <llvm/Transforms/Vectorize/LoadStoreVectorizer.h>
#include <llvm/Transforms/Utils/Mem2Reg.h>

#include <atomic>
#include <map>
#include <mutex>
#include <tuple>

namespace ptxforge::compiler {

static std::atomic<bool> gTargetInitialized{false};

bool compilerInitialized() { return gTargetInitialized.load(std::memory_order_relaxed); }

static const llvm::Target *nvptxTarget() {
  static const llvm::Target *target = [] {
    gTargetInitialized.store(true, std::memory_order_relaxed);
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
    std::string error;
    return llvm::TargetRegistry::lookupTarget(kTriple, error);
  }();
  return target;
}

static std::unique_ptr<llvm::TargetMachine> createTargetMachine(const Options &options) {
  const llvm::Target *target = nvptxTarget();
  llvm::TargetOptions to;
  to.AllowFPOpFusion = options.fastmath || options.fmaContraction ? llvm::FPOpFusion::Fast : llvm::FPOpFusion::Standard;
  if (options.fastmath) {
    to.UnsafeFPMath = true;
    to.NoInfsFPMath = false;
    to.NoNaNsFPMath = false;
  }
  // The processor LLVM knows (sm_90 for newer GPUs) at one explicit PTX ISA
  // version, so that intrinsics that need a newer ISA than a processor's
  // minimum (shfl.sync on sm_50) still select (Capability.h).
  std::string cpu = ptxProcessor(options.ccMajor, options.ccMinor);
  std::string features = "+ptx" + std::to_string(kPtxIsaMajor) + std::to_string(kPtxIsaMinor);
  auto level = options.optLevel >= 3 ? llvm::CodeGenOptLevel::Aggressive
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                       : llvm::CodeGenOptLevel::None;
  return std::unique_ptr<llvm::TargetMachine>(
      target->createTargetMachine(kTriple, cpu, features, to, llvm::Reloc::PIC_, std::nullopt, level));
}

namespace {
using MachineKey = std::tuple<int, int, bool, bool, int>;
thread_local std::map<MachineKey, std::unique_ptr<llvm::TargetMachine>> machines;
} // namespace

void forgetTargetMachines() {
  for (auto &[key, tm] : machines)
    (void)tm.release();
  machines.clear();
}

[[noreturn]] static void throwFatalError(void *, const char *reason, bool) { throw LlvmFatalError(reason); }

void installLlvmErrorHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::install_fatal_error_handler(throwFatalError, nullptr);
    llvm::install_bad_alloc_error_handler(throwFatalError, nullptr);
  });
}

llvm::TargetMachine *targetMachine(const Options &options) {
  MachineKey key{options.ccMajor, options.ccMinor, options.fastmath, options.fmaContraction, options.optLevel};
  auto &tm = machines[key];
  if (!tm)
    tm = createTargetMachine(options);
  return tm.get();
}

void optimize(llvm::Module &module, llvm::TargetMachine &tm, int optLevel) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  // nsw on the adds the branches guarding them bound (an int32 counter below
  // an extent the launch proved small), after each InstCombine: before loop
  // rotation and IndVarSimplify, which then widen and count such loops.
  pb.registerPeepholeEPCallback(
      [](llvm::FunctionPassManager &fpm, llvm::OptimizationLevel) { fpm.addPass(GuardedNoWrap()); });
  // Loops with a run-time trip count: unrolled four times, as nvcc does.
  pb.registerVectorizerStartEPCallback(
      [](llvm::FunctionPassManager &fpm, llvm::OptimizationLevel) { fpm.addPass(RuntimeUnrollHints()); });
  // Adjacent loads and stores become vector ones (with the alignment known
  // bits prove) before the SimplifyCFG that ends function simplification
  // can sink the last copies of a coarsened kernel's two versions into one
  // block, apart from the others.
  // Accesses through generic pointers cast from a specific address space (a
  // constant or shared array) first take that space, as the NVPTX back end
  // would do only after these passes: the alignment of a constant array's
  // elements is then provable (known bits stop at an address-space cast), so
  // a complex64 element of const memory is one ld.const.v2.f32, as NVVM gives.
  // The host target has no flat address space: the pass leaves its IR alone.
  pb.registerScalarOptimizerLateEPCallback([](llvm::FunctionPassManager &fpm, llvm::OptimizationLevel) {
    fpm.addPass(llvm::InferAddressSpacesPass());
    fpm.addPass(llvm::InferAlignmentPass());
    fpm.addPass(llvm::LoadStoreVectorizerPass());
  });
  // 64-bit counters that the launch's facts bound below 2^32 count in 32
  // bits on the GPU, as nvcc's `int` counters do (one add and one compare a
  // trip instead of two each), before codegen's loop strength reduction.
  if (tm.getTargetTriple().isNVPTX())
    pb.registerOptimizerLastEPCallback([](llvm::ModulePassManager &mpm, llvm::OptimizationLevel) {
      mpm.addPass(llvm::createModuleToFunctionPassAdaptor(NarrowCounters()));
    });
  llvm::OptimizationLevel level = optLevel >= 3   ? llvm::OptimizationLevel::O3
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                                  : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = optLevel == 0 ? pb.buildO0DefaultPipeline(level)
                                              : pb.buildPerModuleDefaultPipeline(level);
  // opt=False keeps each variable in its stack slot (the PTX's local depot),
  // as numba's -opt=0 does, except in a function of more than
  // kMaxStackSlots of them: a kernel of 2000 locals in local memory took
  // ptxas 19 s to assemble, 0.3 s from registers. Under full debug
  // information variables always keep their slots (their dbg.declare).
  constexpr std::size_t kMaxStackSlots = 256;
  bool fullDebug = false;
  for (const llvm::DICompileUnit *cu : module.debug_compile_units())
    fullDebug |= cu->getEmissionKind() == llvm::DICompileUnit::FullDebug;
  bool huge = false;
  for (const llvm::Function &f : module)
    if (!f.isDeclaration()) {
      std::size_t slots = 0;
      for (const llvm::Instruction &i : f.getEntryBlock())
        slots += llvm::isa<llvm::AllocaInst>(i);
      huge |= slots > kMaxStackSlots;
    }
  if (optLevel == 0 && !fullDebug && huge)
    mpm.addPass(llvm::createModuleToFunctionPassAdaptor(llvm::PromotePass()));
  mpm.run(module, mam);
  // GlobalOpt gives internal functions fastcc, which NVPTX's code does not
  // use (the PTX is the same); the optimised IR keeps the C convention that
  // the lowering gave them, as numba's IR has (`call void @f(...)`).
  if (tm.getTargetTriple().isNVPTX())
    for (llvm::Function &f : module)
      if (f.getCallingConv() == llvm::CallingConv::Fast) {
        f.setCallingConv(llvm::CallingConv::C);
        for (llvm::User *u : f.users())
          if (auto *call = llvm::dyn_cast<llvm::CallBase>(u); call && call->getCalledFunction() == &f)
            call->setCallingConv(llvm::CallingConv::C);
      }
}

std::string emitPtx(llvm::Module &module, llvm::TargetMachine &tm) {
  workAroundNvptxBugs(module);
  llvm::SmallString<8192> text;
  llvm::raw_svector_ostream os(text);
  // Owned by hand: if LLVM fails while it runs, the pass manager (and the
  // machine functions it holds) is leaked, not destroyed half-way.
  auto pm = std::make_unique<llvm::legacy::PassManager>();
  bool failed = tm.addPassesToEmitFile(*pm, os, nullptr, llvm::CodeGenFileType::AssemblyFile);
  assert(!failed && "NVPTX cannot emit assembly");
  (void)failed;
  try {
    pm->run(module);
  } catch (const LlvmFatalError &) {
    (void)pm.release();
    throw;
  }
  return std::string(text.str());
}

} // namespace ptxforge::compiler
