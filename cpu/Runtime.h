//===- cpu/Runtime.h - Running compiled kernels on the CPU ----------------===//
//
// The CPU target's runtime: blocks run in parallel on a pool of worker
// threads; a block's threads run one after another when the kernel never
// synchronises, and as fibers otherwise, switching only at barriers and
// warp collectives, so that syncthreads, warp shuffles, votes and matches
// (lockstep warps of 32) and grid barriers behave as on the GPU. LLVM-free;
// the code comes from compiler/CpuJit.cpp.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace ptxforge::cpu {

/// A kernel compiled for the host, and what its launch needs to know.
struct KernelCode {
  /// Runs one thread: `params` points to each parameter's value, in the
  /// order and types of compiler/Abi.h (as cuLaunchKernel's kernelParams).
  using Entry = void (*)(void **params);
  Entry entry = nullptr;
  std::string name;
  bool fibers = false;      ///< it synchronises (barriers, warp collectives): threads run as fibers
  bool cooperative = false; ///< it calls this_grid().sync(): every block runs at once
  std::uint32_t staticSharedBytes = 0;
  std::uint32_t sharedAlign = 16; ///< the largest alignment of a shared array
  std::uint32_t maxThreadsPerBlock = 0; ///< its launch bounds; 0: the GPU's 1024
  std::uint32_t stackBytes = 0;   ///< a fiber's stack
  /// Debug mode: the module's __pf_debug global (compiler/DebugRecord.h's
  /// DebugGlobal), which the host points at its record; null otherwise.
  void *debugGlobal = nullptr;
  std::shared_ptr<void> owner;    ///< keeps the JIT's code alive
};

struct LaunchShape {
  std::uint32_t grid[3] = {1, 1, 1};
  std::uint32_t block[3] = {1, 1, 1};
  std::uint32_t dynamicSharedBytes = 0;
};

/// What a launch ended with.
struct LaunchResult {
  enum Status { Ok, BadLaunch, Trapped, Deadlock, OutOfMemory } status = Ok;
  std::string message; ///< for every status but Ok
};

/// Runs `code` over the grid and returns when every thread has finished
/// (or the launch stopped: a trap, a deadlock). Launches from several
/// threads take turns. Thread-safe.
LaunchResult launch(const KernelCode &code, const LaunchShape &shape, void **params);

/// The worker threads blocks run on (PTXFORGE_CPU_THREADS, else one per core).
int workerCount();

} // namespace ptxforge::cpu
