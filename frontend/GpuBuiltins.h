//===- frontend/GpuBuiltins.h - GPU execution features' builtins ----------===//
//
// The ids of ptxforge's GPU execution features (shared memory, barriers,
// atomics, warp intrinsics, cooperative groups), carried in BuiltinInfo::gpu.
// Names and semantics are numba-cuda's; docs/gpu.md lists them.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <vector>

namespace ptxforge::frontend {

class CallExpr;
class Expr;

enum class GpuIntrinsic : int {
  None = 0,
  // Arrays: pf.shared.array, and the markers of pf.local.array and
  // pf.const.array_like (another issue lowers those).
  SharedArray, LocalArray, ConstArrayLike,
  // Barriers and fences.
  SyncThreadsCount, SyncThreadsAnd, SyncThreadsOr, SyncWarp,
  ThreadFence, ThreadFenceBlock, ThreadFenceSystem,
  // Atomics on array elements; each returns the old value.
  AtomicAdd, AtomicSub, AtomicMax, AtomicMin, AtomicNanMax, AtomicNanMin, AtomicExch,
  AtomicAnd, AtomicOr, AtomicXor, AtomicInc, AtomicDec, AtomicCas, AtomicCompareAndSwap,
  // Warp intrinsics.
  ShflSync, ShflUpSync, ShflDownSync, ShflXorSync,
  AllSync, AnySync, EqSync, BallotSync, MatchAnySync, MatchAllSync, ActiveMask, LanemaskLt,
  // Bit and float intrinsics, timing.
  Popc, Brev, Clz, Ffs, Fma, Cbrt, Selp, Nanosleep, Clock64,
  // Cooperative groups: pf.cg.this_grid() and its .sync().
  ThisGrid, GridSync,
};

/// True for the atomics (the first argument is an array, the second an index).
inline bool isAtomic(GpuIntrinsic g) {
  return g >= GpuIntrinsic::AtomicAdd && g <= GpuIntrinsic::AtomicCompareAndSwap;
}

/// The path of the object pf.cg.this_grid() returns; `.sync` is a builtin
/// under it ("ptxforge.cg.GridGroup.sync").
inline constexpr const char *kGridGroupPath = "ptxforge.cg.GridGroup";

/// How a GPU builtin is called: its name in messages ("atomic.add") and
/// its parameters (numba-cuda's names), the first `required` of which must
/// be given.
struct GpuSignature {
  const char *name;
  std::vector<const char *> params;
  int required;
};
const GpuSignature &gpuSignature(GpuIntrinsic g);

/// Matches `c`'s positional and keyword arguments to `g`'s parameters, in
/// order; an omitted optional parameter is nullptr. A wrong call (too many
/// or too few arguments, an unknown or repeated keyword) fails with the
/// argument's span.
std::vector<const Expr *> bindGpuArgs(const CallExpr *c, GpuIntrinsic g);

} // namespace ptxforge::frontend
