//===- frontend/GpuBuiltins.h - GPU execution features' builtins ----------===//
//
// The ids of ptxforge's GPU execution features (shared memory, barriers,
// atomics, warp intrinsics, cooperative groups), carried in BuiltinInfo::gpu.
//
//===----------------------------------------------------------------------===//
#pragma once

namespace ptxforge::frontend {

enum class GpuIntrinsic : int {
  None = 0,
};

} // namespace ptxforge::frontend
