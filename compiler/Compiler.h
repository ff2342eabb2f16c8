//===- compiler/Compiler.h - One kernel, from tree to PTX and cubin -------===//
//
// The compiler's entry point: type a function for one signature, lower it
// to LLVM IR, link libdevice, optimise, emit PTX and assemble a cubin,
// stopping at the stage asked for. LLVM-free interface; thread-safe (each
// compilation has its own LLVMContext).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/Abi.h"
#include "compiler/Cubin.h"
#include "compiler/DebugRecord.h"
#include "frontend/Ast.h"
#include "frontend/Builtins.h"

#include <memory>
#include <string>
#include <vector>

namespace ptxforge::compiler {

struct Options {
  int ccMajor = 9, ccMinor = 0;
  bool fastmath = false;      ///< approximate division/sqrt/transcendentals, flush denormals
  bool fmaContraction = true; ///< fuse a*b+c into fma
  bool lineinfo = false;      ///< .loc line tables pointing at the Python source
  int optLevel = 3;
  int maxRegisters = 0;       ///< 0: no cap
  int maxThreadsPerBlock = 0; ///< launch bounds (PTX .maxntid); 0: none
  int minBlocksPerSm = 0;     ///< launch bounds (PTX .minnctapersm), with maxThreadsPerBlock
  bool keepIr = false;        ///< keep the LLVM IR text (inspect_llvm, --emit=llvm)
  bool device = false;        ///< a device function (.func returning a value), not a kernel
  /// The PTX entry (or .func) name; empty: the Python function's name.
  std::string entryName;
  /// Files linked into the kernel's cubin (`link=[...]`), besides those of
  /// the declare_device functions it calls.
  std::vector<frontend::LinkItem> link;
  /// The debug mode: array indices and divisions checked, `raise` and
  /// `assert` reported through the record of compiler/DebugRecord.h; line
  /// tables as with `lineinfo`.
  bool debug = false;
  /// The CUDA driver the cubin must load on (cuDriverGetVersion; 0: none
  /// present). No assembler of a newer CUDA major version is used
  /// (CubinOptions::driverVersion); the cache keys its major version.
  int driverVersion = 0;
};

enum class Stage { Typed, Llvm, Ptx, Cubin };

/// A variable named on a source line, with its type (for inspect_types).
struct VariableUse {
  int line = 0, col = 0;
  std::string name, type;
};

/// Everything one compilation produced, up to the stage asked for. A field
/// added here is stored in disk-cache entries too (compiler/KernelCache.cpp).
struct KernelArtifacts {
  std::string entryName;   ///< the PTX .entry name
  std::string signature;   ///< "(float32, float32[::1])"
  std::vector<const frontend::Type *> params;
  const frontend::Type *returnType = nullptr;
  std::vector<AbiSlot> abi; ///< flattened parameters
  std::string typed;        ///< the typed tree
  /// Every parameter and local variable where the kernel's source names it,
  /// by line and column, once per line.
  std::vector<VariableUse> variables;
  std::string llvm;         ///< LLVM IR before optimisation (with Options::keepIr)
  std::string llvmOpt;      ///< LLVM IR after optimisation (with Options::keepIr)
  std::string ptx;
  CubinResult cubin;
  /// Every file linked into the cubin: Options::link, then the files of the
  /// declare_device functions called.
  std::vector<frontend::LinkItem> linked;
  /// The kernel calls pf.cg.this_grid().sync(): it must be launched with
  /// cuLaunchCooperativeKernel, all of its blocks co-resident.
  bool cooperative = false;
  /// Compiled in debug mode: the module defines kDebugGlobal, which the
  /// loader points at a DebugRecord; `debugSites` are the places that report.
  bool debug = false;
  std::vector<DebugSite> debugSites;
  /// Warnings for the user, rendered as "file:line:col: warning: ..." with
  /// the source line (the Python side issues them with warnings.warn).
  std::vector<std::string> warnings;
  /// ABI slots (indices into `abi`) of array and record data pointers the
  /// kernel provably never writes (LLVM inferred readonly and nocapture after
  /// optimisation): a host array passed there need not be copied back.
  std::vector<int> readOnlyArgs;
  /// Read from the disk cache (compiler/KernelCache.h), not compiled: the
  /// IR texts are empty and the timings zero.
  bool fromCache = false;
  /// Milliseconds spent in each stage.
  double msTyping = 0, msLowering = 0, msOptimizing = 0, msPtx = 0, msCubin = 0;
};

/// Compiles the kernel (or, with Options::device, the device function) in
/// `ast` for `argTypes`. On a user error (the
/// program is wrong) returns nullptr with `error` filled in.
std::unique_ptr<KernelArtifacts> compileKernel(const frontend::AstContext &ast,
                                               const std::vector<const frontend::Type *> &argTypes,
                                               const frontend::GlobalEnv &globals, const Options &options,
                                               Stage upTo, frontend::Diagnostic &error);

/// One kernel signature of a module that compileModule builds.
struct ModuleKernel {
  const frontend::AstContext *ast = nullptr;
  std::vector<const frontend::Type *> argTypes;
  const frontend::GlobalEnv *globals = nullptr;
  std::string entryName; ///< distinct within the module
};

/// Several kernels compiled into one PTX module and one cubin (the AOT
/// compiler's unit: every signature of one kernel, for one architecture).
struct ModuleArtifacts {
  /// Per kernel: its signature, ABI, entry name, typed tree and unoptimised
  /// IR (with keepIr); their PTX and cubin are the module's.
  std::vector<std::unique_ptr<KernelArtifacts>> kernels;
  std::string llvm;    ///< the linked module before optimisation (with keepIr)
  std::string llvmOpt; ///< after optimisation (with keepIr)
  std::string ptx;
  CubinResult cubin;
};

/// Types and lowers each kernel in its own module, links them (libdevice
/// and device functions stay private to each), then optimises, emits one
/// PTX and assembles one cubin for `options` (whose entryName, if any, names
/// the module). On a user error returns nullptr with `error` filled in.
std::unique_ptr<ModuleArtifacts> compileModule(const std::vector<ModuleKernel> &kernels, const Options &options,
                                               Stage upTo, frontend::Diagnostic &error);

/// Whether LLVM's NVPTX target has been initialised in this process. It is
/// done on the first compilation that goes past typing, never at load time,
/// so that a process that only loads AOT kernels never pays for it.
bool compilerInitialized();

/// The version string that keys caches: ptxforge's and LLVM's.
std::string compilerVersion();
/// The version of the LLVM linked in ("19.1.7").
std::string llvmVersion();

} // namespace ptxforge::compiler
