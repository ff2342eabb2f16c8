//===- cpu/Abi.h - What CPU kernel code and the CPU runtime share ---------===//
//
// The contract between code the host target lowers (compiler/TargetHost.cpp)
// and the runtime that runs it (cpu/Scheduler.cpp): the per-thread record
// the code reads its indices from, the runtime functions it calls, and the
// operation codes they take. LLVM-free.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>

namespace ptxforge::cpu {

/// One CUDA thread as its code sees it; filled by the scheduler before the
/// thread starts and never changed while it runs (the code reads it with
/// invariant loads). `__pf_cpu_thread()` returns the running thread's.
struct ThreadState {
  std::uint32_t tid[3];
  std::uint32_t ntid[3];
  std::uint32_t ctaid[3];
  std::uint32_t nctaid[3];
  std::uint32_t laneid;
  std::uint32_t dynamicSharedBytes;
  char *staticShared;  ///< the block's static shared arrays
  char *dynamicShared; ///< the block's dynamic shared memory
  void *fiber;         ///< the scheduler's record of this thread (null when not a fiber)
};

/// Byte offsets of ThreadState's fields, for the lowering.
namespace offsets {
constexpr unsigned kTid = offsetof(ThreadState, tid);
constexpr unsigned kNtid = offsetof(ThreadState, ntid);
constexpr unsigned kCtaid = offsetof(ThreadState, ctaid);
constexpr unsigned kNctaid = offsetof(ThreadState, nctaid);
constexpr unsigned kLaneId = offsetof(ThreadState, laneid);
constexpr unsigned kDynamicSharedBytes = offsetof(ThreadState, dynamicSharedBytes);
constexpr unsigned kStaticShared = offsetof(ThreadState, staticShared);
constexpr unsigned kDynamicShared = offsetof(ThreadState, dynamicShared);
} // namespace offsets

/// Operations of __pf_cpu_barrier (block-wide) ...
enum BarrierOp : std::int32_t { kBarrierPlain, kBarrierCount, kBarrierAnd, kBarrierOr };

/// ... and of __pf_cpu_warp (a warp collective over the lanes in `mask`).
enum WarpOp : std::int32_t {
  kWarpSync,    ///< syncwarp(mask)
  kShflIdx,     ///< shfl.sync.idx: value from lane `arg` (PTX's clamp operand in `clamp`)
  kShflUp,
  kShflDown,
  kShflXor,
  kVoteAll,     ///< 1 when every lane's predicate (`value` != 0) holds
  kVoteAny,
  kVoteUni,
  kVoteBallot,  ///< the lanes whose predicate holds
  kMatchAny,    ///< the lanes whose `value` equals this lane's
  kMatchAll,    ///< the group's mask | 1 << 32 when every `value` is equal, else 0
  kActiveMask,  ///< the lanes that arrive together (the others, if they cannot come, diverged)
};

/// The runtime functions the code calls, by their symbol names.
namespace symbols {
constexpr const char *kThread = "__pf_cpu_thread";   ///< ThreadState *()
constexpr const char *kBarrier = "__pf_cpu_barrier"; ///< i32 (ThreadState *, i32 op, i32 predicate)
constexpr const char *kWarp = "__pf_cpu_warp"; ///< i64 (ThreadState *, i32 op, i32 mask, i64 value, i32 arg, i32 clamp)
constexpr const char *kGridSync = "__pf_cpu_grid_sync"; ///< void (ThreadState *)
constexpr const char *kNanosleep = "__pf_cpu_nanosleep"; ///< void (i32 ns)
constexpr const char *kClock64 = "__pf_cpu_clock64";     ///< i64 ()
constexpr const char *kTrap = "__pf_cpu_trap";           ///< void (ThreadState *), never returns
constexpr const char *kExit = "__pf_cpu_exit";           ///< void (ThreadState *), never returns
} // namespace symbols

/// The symbols CPU kernel code may reference that the runtime defines
/// (its own functions, libm's, and the float16/bfloat16 conversions LLVM
/// calls on the host): a null-terminated table.
struct Symbol {
  const char *name;
  void *address;
};
const Symbol *runtimeSymbols();

} // namespace ptxforge::cpu
