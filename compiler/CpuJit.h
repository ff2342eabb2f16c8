//===- compiler/CpuJit.h - The CPU target's machine code ------------------===//
//
// Private to compiler/: the host's target machine, the entry wrapper the CPU
// runtime calls per thread, and the process's ORC JIT (LLJIT) that links
// each kernel's object code into memory.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/Compiler.h"
#include "cpu/Runtime.h"

#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

namespace ptxforge::compiler {

/// The calling thread's target machine for this CPU (its own features:
/// code runs where it is compiled), made on first use and kept.
llvm::TargetMachine *hostTargetMachine(const Options &options);

/// The entry point the CPU runtime calls for each thread.
constexpr const char *kHostEntry = "__pf_entry";

/// Adds `void __pf_entry(ptr params)`, which loads each of `kernel`'s
/// parameters from the value params[i] points to and calls it.
llvm::Function *addHostEntry(llvm::Module &module, llvm::Function *kernel);

/// The stack a thread of `module` (optimised) needs: its functions' frames
/// (no recursion: their sum bounds any call chain) and room for the libm
/// and runtime functions it calls.
std::uint32_t hostStackBytes(const llvm::Module &module);

/// The host assembly of `module`.
std::string emitHostAssembly(llvm::Module &module, llvm::TargetMachine &tm);

/// Compiles `module` to machine code and links it into the process's JIT;
/// fills `code.entry` and `code.owner`. Returns false with `error` set.
bool jitHostModule(llvm::Module &module, llvm::TargetMachine &tm, cpu::KernelCode &code, std::string &error);

} // namespace ptxforge::compiler
