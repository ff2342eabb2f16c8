//===- compiler/Pipeline.cpp - Target machine, O3, PTX --------------------===//

#include "compiler/Pipeline.h"

#include <llvm/Analysis/CGSCCPassManager.h>
#include <llvm/Analysis/LoopAnalysisManager.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetOptions.h>

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
  // With no PTX feature named, LLVM writes the lowest PTX ISA the target
  // needs (7.8 for sm_90), which every CUDA 12+ driver accepts.
  std::string cpu = "sm_" + std::to_string(options.ccMajor * 10 + options.ccMinor);
  auto level = options.optLevel >= 3 ? llvm::CodeGenOptLevel::Aggressive
               : options.optLevel == 2 ? llvm::CodeGenOptLevel::Default
               : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                       : llvm::CodeGenOptLevel::None;
  return std::unique_ptr<llvm::TargetMachine>(
      target->createTargetMachine(kTriple, cpu, "", to, llvm::Reloc::PIC_, std::nullopt, level));
}

llvm::TargetMachine *targetMachine(const Options &options) {
  using Key = std::tuple<int, int, bool, bool, int>;
  thread_local std::map<Key, std::unique_ptr<llvm::TargetMachine>> machines;
  Key key{options.ccMajor, options.ccMinor, options.fastmath, options.fmaContraction, options.optLevel};
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
  llvm::OptimizationLevel level = optLevel >= 3   ? llvm::OptimizationLevel::O3
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                                  : llvm::OptimizationLevel::O0;
  llvm::ModulePassManager mpm = optLevel == 0 ? pb.buildO0DefaultPipeline(level)
                                              : pb.buildPerModuleDefaultPipeline(level);
  mpm.run(module, mam);
}

std::string emitPtx(llvm::Module &module, llvm::TargetMachine &tm) {
  llvm::SmallString<8192> text;
  llvm::raw_svector_ostream os(text);
  llvm::legacy::PassManager pm;
  bool failed = tm.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::AssemblyFile);
  assert(!failed && "NVPTX cannot emit assembly");
  (void)failed;
  pm.run(module);
  return std::string(text.str());
}

} // namespace ptxforge::compiler
