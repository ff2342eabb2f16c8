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
#include "cpu/Abi.h"
#include "cpu/Runtime.h"
#include "frontend/Ast.h"
#include "frontend/Builtins.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ptxforge::compiler {

/// What a launch proved about its arguments, for a kernel specialised to it
/// (docs/performance.md, "Launch-time specialisation"). The default knows
/// nothing and gives the general kernel, right for every launch.
struct LaunchFacts {
  enum : std::uint8_t {
    /// An array: its data pointer, and every stride but the unit one of a
    /// C or F array, are multiples of 16 bytes.
    Aligned = 1,
    /// An array: every extent is below 2^62. A Python int: -2^62 <= v < 2^62.
    Bounded = 2,
    /// An array: every extent is below 2^30 and every element lies within
    /// 2^31 - 1 bytes of the data pointer (implies Bounded). A 32-bit
    /// counter compared with such an extent and stepped by less than 2^30
    /// cannot overflow.
    Small = 4,
  };
  std::vector<std::uint8_t> params; ///< per parameter (missing or 0: nothing known)
  bool disjoint = false;            ///< no two arrays among the arguments share a byte
  int coarsen = 1;                  ///< logical threads per physical thread along x (1: none)

  std::uint8_t of(std::size_t param) const { return param < params.size() ? params[param] : 0; }
  bool any() const;
  /// "x:aligned+small, y:bounded; disjoint; coarsen 4"; "" for the general kernel.
  std::string str(const std::vector<std::string> &names) const;
};

struct Options {
  int ccMajor = 9, ccMinor = 0;
  bool fastmath = false;      ///< approximate division/sqrt/transcendentals, flush denormals
  bool fmaContraction = true; ///< fuse a*b+c into fma
  bool lineinfo = false;      ///< .loc line tables pointing at the Python source
  int optLevel = 3;
  int maxRegisters = 0;       ///< 0: no cap
  int maxThreadsPerBlock = 0; ///< launch bounds (PTX .maxntid); 0: none
  int minBlocksPerSm = 0;     ///< launch bounds (PTX .minnctapersm), with maxThreadsPerBlock
  int maxClusterRank = 0;     ///< launch bounds (PTX .maxclusterrank, sm_90), with maxThreadsPerBlock
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
  bool host = false;          ///< the CPU target: code for this machine, run by cpu/, not PTX
  LaunchFacts facts;          ///< launch-time specialisation (kernels only)
  /// The CUDA driver the cubin must load on (cuDriverGetVersion; 0: none
  /// present). No assembler of a newer CUDA major version is used
  /// (CubinOptions::driverVersion); the cache keys its major version.
  int driverVersion = 0;
};

/// How far to go. For the CPU target, Ptx stops after optimisation (with
/// the host assembly in `hostAssembly`) and Cubin ends with machine code
/// loaded in the process's JIT.
enum class Stage { Typed, Llvm, Ptx, Cubin };

/// The CPU target's runtime functions (cpu::runtimeSymbols() of
/// libptxforge_runtime), which the code compiled for the host calls. The
/// compiler holds no runtime: whoever runs CPU kernels registers the table
/// once (the Python module does at import); until then the CPU target
/// refuses to compile, saying so.
void setHostRuntime(const cpu::Symbol *symbols);
const cpu::Symbol *hostRuntime();

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
  std::string hostAssembly; ///< the CPU target's assembly (Stage::Ptx)
  std::shared_ptr<cpu::KernelCode> cpu; ///< the CPU target's loaded code (Stage::Cubin)
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
  /// Logical threads each physical thread runs along x: a launch of this
  /// kernel divides block.x by it (LaunchFacts::coarsen, when the kernel
  /// allows it; else 1).
  int coarsen = 1;
  /// The kernel's threads are independent and its body straight-line, so
  /// a launch may coarsen it.
  bool coarsenable = false;
  /// Per parameter: the kernel may write memory reachable from it.
  std::vector<bool> written;
  /// The launch facts the kernel was specialised for (coarsen as applied)
  /// and their spelling (LaunchFacts::str).
  LaunchFacts facts;
  std::string specialization;
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

/// Optimises `ir` (LLVM IR text) and emits PTX for it, under the same guard
/// as compileKernel: a failure LLVM reports, fatal or not, comes back as
/// `error` (and an empty result) with the process alive and later compiles
/// unaffected. For tests and for reproducing back-end failures.
std::string ptxFromLlvmIr(const std::string &ir, const Options &options, std::string &error);

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
