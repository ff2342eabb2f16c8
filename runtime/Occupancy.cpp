//===- runtime/Occupancy.cpp - Blocks per multiprocessor ------------------===//
//
// Per block, with W = ceil(blockSize / 32) warps:
//   warps      maxThreadsPerSm / 32 / W
//   blocks     maxBlocksPerSm
//   registers  a warp takes R = roundup(registers * 32, 256) registers from
//              one of 4 sub-partitions: (registersPerSm / 4 / R) * 4 / W
//              warps' worth of blocks; none when R * roundup(W, 4) exceeds
//              the per-block register file
//   shared     S = roundup(static + dynamic + reserved, unit):
//              sharedPerSm / S; none when S exceeds the per-block limit
// The answer is the least of the four, and the first that attains it names
// the limiter.
//
//===----------------------------------------------------------------------===//
#include "runtime/Occupancy.h"
#include "runtime/DriverApi.h"

#include <algorithm>
#include <climits>

namespace ptxforge::runtime {

namespace {

int roundUp(int x, int unit) { return (x + unit - 1) / unit * unit; }
int divideUp(int x, int y) { return (x + y - 1) / y; }

/// Blocks that the registers allow, 0 when one block does not fit.
int registerLimit(const ArchLimits &a, int registers, int warpsPerBlock) {
  if (registers > a.maxRegistersPerThread)
    return 0;
  if (registers == 0)
    return INT_MAX;
  const int perWarp = roundUp(registers * 32, a.registerUnit);
  if (perWarp * roundUp(warpsPerBlock, a.subPartitions) > a.registersPerBlock)
    return 0;
  const int warpsPerSubPartition = a.registersPerSm / a.subPartitions / perWarp;
  return warpsPerSubPartition * a.subPartitions / warpsPerBlock;
}

} // namespace

std::optional<ArchLimits> archLimits(int cc) {
  ArchLimits a;
  a.cc = cc;
  switch (cc) {
  case 70: a.maxThreadsPerSm = 2048, a.maxBlocksPerSm = 32, a.sharedPerSm = 98304, a.sharedPerBlockOptin = 98304; break;
  case 75: a.maxThreadsPerSm = 1024, a.maxBlocksPerSm = 16, a.sharedPerSm = 65536, a.sharedPerBlockOptin = 65536; break;
  case 80:
  case 87:
    a.maxThreadsPerSm = cc == 80 ? 2048 : 1536, a.maxBlocksPerSm = cc == 80 ? 32 : 16;
    a.sharedPerSm = 167936, a.sharedPerBlockOptin = 166912;
    break;
  case 86:
  case 89:
    a.maxThreadsPerSm = 1536, a.maxBlocksPerSm = cc == 86 ? 16 : 24, a.sharedPerSm = 102400,
    a.sharedPerBlockOptin = 101376;
    break;
  case 90:
  case 100:
    a.maxThreadsPerSm = 2048, a.maxBlocksPerSm = 32, a.sharedPerSm = 233472, a.sharedPerBlockOptin = 232448;
    break;
  case 120:
    a.maxThreadsPerSm = 1536, a.maxBlocksPerSm = 24, a.sharedPerSm = 102400, a.sharedPerBlockOptin = 101376;
    break;
  default: return std::nullopt;
  }
  if (cc < 80) { // Volta and Turing: 256-byte shared units, nothing reserved
    a.sharedUnit = 256;
    a.reservedSharedPerBlock = 0;
  } else {
    a.reservedSharedPerBlock = 1024;
  }
  return a;
}

std::optional<Occupancy> computeOccupancy(int cc, int registers, int staticShared, int dynamicShared, int blockSize,
                                          int maxThreadsBound) {
  std::optional<ArchLimits> arch = archLimits(cc);
  if (!arch)
    return std::nullopt;
  const ArchLimits &a = *arch;
  Occupancy o;
  o.blockSize = blockSize;
  o.maxWarpsPerSm = a.maxThreadsPerSm / 32;
  const int maxBlock = maxThreadsBound > 0 ? std::min(maxThreadsBound, a.maxThreadsPerBlock) : a.maxThreadsPerBlock;
  if (blockSize <= 0 || blockSize > maxBlock) {
    o.limiter = "a block of " + std::to_string(blockSize) + " threads cannot launch (at most " +
                std::to_string(maxBlock) + (maxThreadsBound > 0 ? ", the kernel's launch bound)" : ")");
    return o;
  }
  const int warps = divideUp(blockSize, 32);
  const int shared = roundUp(staticShared + dynamicShared + a.reservedSharedPerBlock, a.sharedUnit);
  const int sharedLimitPerBlock =
      (staticShared + dynamicShared > a.sharedPerBlock ? a.sharedPerBlockOptin : a.sharedPerBlock) +
      a.reservedSharedPerBlock;
  const std::pair<int, const char *> limits[] = {
      {o.maxWarpsPerSm / warps, "warps"},
      {a.maxBlocksPerSm, "blocks"},
      {registerLimit(a, registers, warps), "registers"},
      {shared > sharedLimitPerBlock ? 0 : shared == 0 ? INT_MAX : a.sharedPerSm / shared, "shared memory"},
  };
  o.blocksPerSm = INT_MAX;
  for (auto [blocks, name] : limits)
    if (blocks < o.blocksPerSm)
      o.blocksPerSm = blocks, o.limiter = name;
  o.warpsPerSm = o.blocksPerSm * warps;
  o.ratio = double(o.warpsPerSm) / o.maxWarpsPerSm;
  return o;
}

std::optional<int> computeMaxThreadsPerBlock(int cc, int registers, int maxThreadsBound) {
  std::optional<ArchLimits> arch = archLimits(cc);
  if (!arch)
    return std::nullopt;
  int best = maxThreadsBound > 0 ? std::min(maxThreadsBound, arch->maxThreadsPerBlock) : arch->maxThreadsPerBlock;
  while (best > 0 && registerLimit(*arch, registers, divideUp(best, 32)) == 0)
    best = (divideUp(best, 32) - 1) * 32;
  return best;
}

Occupancy deviceOccupancy(const Function &fn, int blockSize, int dynamicShared) {
  ensureContext(fn.device);
  int blocks = 0;
  PF_CHECK_CU(cuOccupancyMaxActiveBlocksPerMultiprocessor, &blocks, static_cast<CUfunction>(fn.handle), blockSize,
              static_cast<std::size_t>(dynamicShared));
  const DeviceInfo &device = detail::cachedDeviceInfo(fn.device);
  const int cc = device.ccMajor * 10 + device.ccMinor;
  Occupancy o;
  if (auto computed = computeOccupancy(cc, fn.numRegs, fn.staticSharedBytes, dynamicShared, blockSize))
    o = *computed;
  CUdevice handle = 0;
  PF_CHECK_CU(cuDeviceGet, &handle, fn.device);
  int maxThreadsPerSm = 0;
  PF_CHECK_CU(cuDeviceGetAttribute, &maxThreadsPerSm, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, handle);
  o.blockSize = blockSize;
  o.blocksPerSm = blocks;
  o.maxWarpsPerSm = maxThreadsPerSm / 32;
  o.warpsPerSm = blocks * divideUp(blockSize, 32);
  o.ratio = o.maxWarpsPerSm ? double(o.warpsPerSm) / o.maxWarpsPerSm : 0;
  o.fromDriver = true;
  return o;
}

} // namespace ptxforge::runtime
