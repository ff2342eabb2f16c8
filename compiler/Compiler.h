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
  bool keepIr = false;        ///< keep the LLVM IR text (inspect_llvm, --emit=llvm)
  bool device = false;        ///< a device function (.func returning a value), not a kernel
  LaunchFacts facts;          ///< launch-time specialisation (kernels only)
};

enum class Stage { Typed, Llvm, Ptx, Cubin };

/// Everything one compilation produced, up to the stage asked for. A field
/// added here is stored in disk-cache entries too (compiler/KernelCache.cpp).
struct KernelArtifacts {
  std::string entryName;   ///< the PTX .entry name
  std::string signature;   ///< "(float32, float32[::1])"
  std::vector<const frontend::Type *> params;
  const frontend::Type *returnType = nullptr;
  std::vector<AbiSlot> abi; ///< flattened parameters
  std::string typed;        ///< the typed tree
  std::string llvm;         ///< LLVM IR before optimisation (with Options::keepIr)
  std::string llvmOpt;      ///< LLVM IR after optimisation (with Options::keepIr)
  std::string ptx;
  CubinResult cubin;
  /// The kernel calls pf.cg.this_grid().sync(): it must be launched with
  /// cuLaunchCooperativeKernel, all of its blocks co-resident.
  bool cooperative = false;
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

/// The version string that keys caches: ptxforge's and LLVM's.
std::string compilerVersion();

} // namespace ptxforge::compiler
