//===- compiler/Pipeline.h - Libdevice, O3 and PTX emission ---------------===//
//
// Private to compiler/: the LLVM-facing stages after lowering.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/Compiler.h"

#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <stdexcept>

namespace ptxforge::compiler {

/// The triple and data layout every module is built with.
constexpr const char *kTriple = "nvptx64-nvidia-cuda";

/// The calling thread's NVPTX target machine for these options (sm_<cc>,
/// fast-math, FMA, optimisation level), made on first use and kept: a
/// TargetMachine is not shared between threads.
llvm::TargetMachine *targetMachine(const Options &options);

/// Links the libdevice functions that `module` declares, then makes every
/// function but the kernels internal. Returns false with `error` set when
/// libdevice cannot be found or read. `flushDenormals` (fast-math) answers
/// libdevice's __CUDA_FTZ with 1 and its __CUDA_PREC_SQRT with 0, as NVVM does.
bool linkLibdevice(llvm::Module &module, bool flushDenormals, std::string &error);

/// Runs LLVM's O<level> pipeline with the NVPTX target's own passes.
void optimize(llvm::Module &module, llvm::TargetMachine &tm, int optLevel);

/// Rewrites IR that LLVM 19's NVPTX back end mishandles (bfloat16 constants
/// as call arguments, .ftz on bfloat16 instructions): NvptxWorkarounds.cpp.
/// emitPtx runs it, after every optimisation.
void workAroundNvptxBugs(llvm::Module &module);

/// Emits PTX text.
std::string emitPtx(llvm::Module &module, llvm::TargetMachine &tm);

/// What LLVM's fatal-error handler throws instead of ending the process
/// (report_fatal_error, "Cannot select", LLVM running out of memory). LLVM
/// stops half-way through: the module, its context and the pass managers it
/// was running are left to leak, never reused or destroyed.
class LlvmFatalError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Installs, once per process, the fatal-error handler that throws
/// LlvmFatalError. LLVM's own frames have no cleanups, so nothing they own
/// is freed on the way out.
void installLlvmErrorHandler();

/// Drops the calling thread's cached target machines (leaking them), so that
/// a target machine that was in use when LLVM failed is never used again.
void forgetTargetMachines();

} // namespace ptxforge::compiler
