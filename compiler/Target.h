//===- compiler/Target.h - What differs between the GPU and CPU lowering --===//
//
// One typed tree, two back ends: Lower*.cpp build the same IR for both, and
// ask a LowerTarget for the few things that differ: the thread-hierarchy
// registers, barriers, warp collectives, fences, where shared and constant
// memory live, the math library, and how a kernel is declared. NVPTX answers
// with NVVM intrinsics, address spaces and libdevice (TargetNvptx.cpp); the
// host answers with calls into the CPU runtime (cpu/), one flat address
// space and libm (TargetHost.cpp).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Ast.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <cstdint>
#include <memory>

namespace ptxforge::compiler {

class Lowerer;

/// A thread-hierarchy value (a PTX special register), i32 unless noted.
enum class Register {
  TidX, TidY, TidZ, NtidX, NtidY, NtidZ, CtaidX, CtaidY, CtaidZ, NctaidX, NctaidY, NctaidZ,
  LaneId, LanemaskLt,
  Clock64,            ///< i64
  DynamicSharedBytes, ///< the launch's dynamic shared memory size
};

/// Block-wide barriers: plain, or reducing a predicate over the block.
enum class BarrierKind { Plain, Count, And, Or };
enum class ShuffleKind { Idx, Up, Down, Xor };
enum class VoteKind { All, Any, Uni, Ballot };
enum class FenceScope { Block, Device, System };

class LowerTarget {
public:
  virtual ~LowerTarget() = default;

  /// True for the host (CPU) target.
  virtual bool isHost() const = 0;
  /// The module's triple and data layout are set by the compiler driver;
  /// this names the kernel as an entry point (NVPTX: nvvm.annotations).
  virtual void declareKernel(Lowerer &L, llvm::Function *kernel) = 0;

  virtual llvm::Value *readRegister(Lowerer &L, Register r) = 0;
  /// syncthreads() (`predicate` null) or syncthreads_count/and/or (an i32
  /// predicate, returning the i32 result).
  virtual llvm::Value *barrier(Lowerer &L, BarrierKind kind, llvm::Value *predicate) = 0;
  virtual void warpSync(Lowerer &L, llvm::Value *mask) = 0;
  virtual void fence(Lowerer &L, FenceScope scope) = 0;
  /// One 32-bit lane exchange: shfl.sync with PTX's clamp/segment operand.
  virtual llvm::Value *shuffle(Lowerer &L, ShuffleKind kind, llvm::Value *mask, llvm::Value *value,
                               llvm::Value *lane, llvm::Value *clamp) = 0;
  /// all/any/uni give an i1, ballot an i32.
  virtual llvm::Value *vote(Lowerer &L, VoteKind kind, llvm::Value *mask, llvm::Value *predicate) = 0;
  /// match_any_sync gives an i32 mask; match_all_sync a {i32, i1} pair.
  /// `value` is i32 or i64.
  virtual llvm::Value *match(Lowerer &L, bool all, llvm::Value *mask, llvm::Value *value) = 0;
  virtual llvm::Value *activeMask(Lowerer &L) = 0;
  virtual void nanosleep(Lowerer &L, llvm::Value *ns) = 0;
  /// cg.this_grid().sync(): every thread of the grid arrives before any goes on.
  virtual void gridSync(Lowerer &L) = 0;
  /// Ends the calling thread (a `raise`, a failed check): barriers stop
  /// waiting for it. Leaves the builder after an `unreachable`.
  virtual void stopThread(Lowerer &L) = 0;
  /// Stops every thread of the kernel and fails the launch (a bounds
  /// violation in debug mode). Leaves the builder after an `unreachable`.
  virtual void stopKernel(Lowerer &L) = 0;

  /// A generic pointer to a new static shared array of `type` (one per
  /// evaluation site); `name` is unique to the call site.
  virtual llvm::Value *staticShared(Lowerer &L, llvm::Type *type, std::uint64_t align, const std::string &name) = 0;
  /// The bytes of static shared memory declared so far in this module.
  virtual std::uint64_t staticSharedBytes(Lowerer &L) = 0;
  /// A generic pointer to the dynamic shared memory, aligned to `align`.
  virtual llvm::Value *dynamicShared(Lowerer &L, std::uint64_t align) = 0;
  /// The address space of a read-only global array of `bytes` bytes.
  virtual unsigned constantSpace(std::uint64_t bytes) const = 0;
  /// The address space of a writable module global the host reads (the
  /// debug mode's __pf_debug).
  virtual unsigned globalSpace() const = 0;

  /// Calls the math function libdevice names `name` (`__nv_sinf`, ...).
  virtual llvm::Value *math(Lowerer &L, const char *name, llvm::Type *ret, llvm::ArrayRef<llvm::Value *> args) = 0;
  /// float -> int conversion. PTX's cvt saturates (NaN gives 0), so the
  /// host saturates too; NVPTX's fptosi already lowers to that cvt.
  virtual llvm::Value *floatToInt(Lowerer &L, llvm::Value *v, llvm::Type *to, bool isSigned) = 0;
};

/// What the host target learns while lowering a module, for the CPU runtime.
struct HostKernelInfo {
  bool synchronizes = false; ///< barriers or warp collectives: threads run as fibers
  std::uint64_t staticSharedBytes = 0;
  std::uint64_t sharedAlign = 16;
};

/// The NVPTX target (TargetNvptx.cpp).
std::unique_ptr<LowerTarget> makeNvptxTarget();
/// The host target (TargetHost.cpp), which fills `info`.
std::unique_ptr<LowerTarget> makeHostTarget(HostKernelInfo &info);

} // namespace ptxforge::compiler
