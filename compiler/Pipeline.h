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

namespace ptxforge::compiler {

/// The triple and data layout every module is built with.
constexpr const char *kTriple = "nvptx64-nvidia-cuda";

/// The calling thread's NVPTX target machine for these options (sm_<cc>,
/// fast-math, FMA, optimisation level), made on first use and kept: a
/// TargetMachine is not shared between threads.
llvm::TargetMachine *targetMachine(const Options &options);

/// Links the libdevice functions that `module` declares, then makes every
/// function but the kernels internal. Returns false with `error` set when
/// libdevice cannot be found or read.
bool linkLibdevice(llvm::Module &module, bool flushDenormals, std::string &error);

/// Runs LLVM's O<level> pipeline with the NVPTX target's own passes.
void optimize(llvm::Module &module, llvm::TargetMachine &tm, int optLevel);

/// Emits PTX text.
std::string emitPtx(llvm::Module &module, llvm::TargetMachine &tm);

} // namespace ptxforge::compiler
