//===- runtime/Occupancy.h - Theoretical occupancy, with or without a GPU -===//
//
// How many blocks of a kernel fit on one multiprocessor at a block size:
// the least of what warps, blocks, registers and shared memory allow. On a
// GPU the driver says (cuOccupancyMaxActiveBlocksPerMultiprocessor); without
// one it is computed here from the kernel's registers and shared memory (as
// a cubin records them) and the architecture's documented limits (the CUDA
// Programming Guide's table of compute capabilities, and the allocation
// rules of the toolkit's cuda_occupancy.h), with no carveout preference set.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "Module.h"

#include <optional>
#include <string>

namespace ptxforge::runtime {

/// One architecture's per-multiprocessor limits.
struct ArchLimits {
  int cc = 0;                    ///< 90 for sm_90
  int maxThreadsPerSm = 0;
  int maxBlocksPerSm = 0;
  int maxThreadsPerBlock = 1024;
  int registersPerSm = 65536;
  int registersPerBlock = 65536;
  int maxRegistersPerThread = 255;
  int registerUnit = 256;        ///< registers are allocated per warp in these units
  int subPartitions = 4;         ///< warps' registers come from one of these quarters
  int sharedPerSm = 0;           ///< the largest shared memory carveout, bytes
  int sharedPerBlock = 49152;    ///< without the opt-in attribute
  int sharedPerBlockOptin = 0;
  int sharedUnit = 128;          ///< shared memory allocation granularity
  int reservedSharedPerBlock = 0; ///< what the driver keeps per block (sm_80 and up: 1 KiB)
};

/// The limits of sm_<cc>; nullopt for an architecture not in the table
/// (sm_70, 75, 80, 86, 87, 89, 90, 100, 120 are).
std::optional<ArchLimits> archLimits(int cc);

struct Occupancy {
  int blockSize = 0;
  int blocksPerSm = 0;    ///< resident blocks per multiprocessor
  int warpsPerSm = 0;     ///< blocksPerSm x warps per block
  int maxWarpsPerSm = 0;
  double ratio = 0;       ///< warpsPerSm / maxWarpsPerSm
  /// What stops more blocks: "warps", "blocks", "registers", "shared memory",
  /// or, for 0 blocks, why none fits.
  std::string limiter;
  bool fromDriver = false; ///< the driver's figure rather than the computed one
};

/// The occupancy of a kernel with `registers` per thread and `staticShared`
/// bytes of static shared memory, launched with blocks of `blockSize`
/// threads and `dynamicShared` bytes of dynamic shared memory, on sm_<cc>.
/// `maxThreadsBound` is its launch bound (0: none). nullopt for an
/// architecture archLimits does not know.
std::optional<Occupancy> computeOccupancy(int cc, int registers, int staticShared, int dynamicShared, int blockSize,
                                          int maxThreadsBound = 0);

/// The largest block a kernel with these registers and launch bound can be
/// launched with on sm_<cc> (the driver's CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK).
std::optional<int> computeMaxThreadsPerBlock(int cc, int registers, int maxThreadsBound = 0);

/// The driver's occupancy for a loaded kernel on its device; the limiter is
/// the computed one's when the architecture is known.
Occupancy deviceOccupancy(const Function &fn, int blockSize, int dynamicShared);

} // namespace ptxforge::runtime
