//===- tests/runtime/OccupancyTest.cpp - Occupancy without a GPU ----------===//
//
// computeOccupancy against hand-worked sm_90 cases, and against the CUDA
// toolkit's own calculator (cuda_occupancy.h, header-only) over a sweep of
// registers, shared memory and block sizes for every architecture in the
// table.
//
//===----------------------------------------------------------------------===//
#include "runtime/Occupancy.h"

#include <gtest/gtest.h>

#if __has_include(<cuda_occupancy.h>)
#include <cuda_occupancy.h>
#define PF_HAVE_CUDA_OCCUPANCY 1
#endif

using namespace ptxforge::runtime;

TEST(Occupancy, HandWorkedSm90Cases) {
  // 32 registers, 256 threads: 8 warps a block, 8 blocks fill 64 warps.
  auto full = computeOccupancy(90, 32, 0, 0, 256);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->blocksPerSm, 8);
  EXPECT_DOUBLE_EQ(full->ratio, 1.0);
  // 128 registers: 4096 a warp, 4 warps per sub-partition, 16 a multiprocessor.
  auto regs = computeOccupancy(90, 128, 0, 0, 256);
  EXPECT_EQ(regs->blocksPerSm, 2);
  EXPECT_EQ(regs->limiter, "registers");
  EXPECT_DOUBLE_EQ(regs->ratio, 0.25);
  // 48 KiB of static shared memory: 49152 + 1024 reserved a block, 4 in 228 KiB.
  auto shared = computeOccupancy(90, 16, 49152, 0, 128);
  EXPECT_EQ(shared->blocksPerSm, 4);
  EXPECT_EQ(shared->limiter, "shared memory");
  // 32 threads: the 32-blocks limit comes first.
  EXPECT_EQ(computeOccupancy(90, 16, 0, 0, 32)->limiter, "blocks");
  // Too big a block, a launch bound, unknown architectures.
  EXPECT_EQ(computeOccupancy(90, 16, 0, 0, 2048)->blocksPerSm, 0);
  EXPECT_EQ(computeOccupancy(90, 16, 0, 0, 512, 256)->blocksPerSm, 0);
  EXPECT_FALSE(computeOccupancy(91, 16, 0, 0, 256));
  EXPECT_EQ(computeMaxThreadsPerBlock(90, 32), 1024);
  EXPECT_EQ(computeMaxThreadsPerBlock(90, 128), 512);
  EXPECT_EQ(computeMaxThreadsPerBlock(90, 255), 256);
  EXPECT_EQ(computeMaxThreadsPerBlock(90, 72), 896);
  EXPECT_EQ(computeMaxThreadsPerBlock(90, 32, 128), 128);
}

#ifdef PF_HAVE_CUDA_OCCUPANCY
TEST(Occupancy, AgreesWithTheToolkitsCalculator) {
  for (int cc : {70, 75, 80, 86, 87, 89, 90, 100, 120}) {
    ArchLimits a = *archLimits(cc);
    cudaOccDeviceProp prop;
    prop.computeMajor = cc / 10;
    prop.computeMinor = cc % 10;
    prop.maxThreadsPerBlock = a.maxThreadsPerBlock;
    prop.maxThreadsPerMultiprocessor = a.maxThreadsPerSm;
    prop.regsPerBlock = a.registersPerBlock;
    prop.regsPerMultiprocessor = a.registersPerSm;
    prop.warpSize = 32;
    prop.sharedMemPerBlock = a.sharedPerBlock;
    prop.sharedMemPerMultiprocessor = a.sharedPerSm;
    prop.numSms = 132;
    prop.sharedMemPerBlockOptin = a.sharedPerBlockOptin;
    prop.reservedSharedMemPerBlock = a.reservedSharedPerBlock;
    cudaOccDeviceState state;
    for (int regs : {0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 96, 128, 168, 200, 255})
      for (int staticShared : {0, 100, 4096, 16384, 40000})
        for (int dynamicShared : {0, 1, 8192, 60000})
          for (int block = 32; block <= 1024; block += 32) {
            cudaOccFuncAttributes attr;
            attr.maxThreadsPerBlock = 1024;
            attr.numRegs = regs;
            attr.sharedSizeBytes = staticShared;
            attr.partitionedGCConfig = PARTITIONED_GC_OFF;
            attr.shmemLimitConfig = FUNC_SHMEM_LIMIT_OPTIN; // the runtime raises the opt-in as needed
            attr.maxDynamicSharedSizeBytes = dynamicShared;
            attr.numBlockBarriers = 1;
            cudaOccResult result;
            ASSERT_EQ(cudaOccMaxActiveBlocksPerMultiprocessor(&result, &prop, &attr, &state, block, dynamicShared),
                      CUDA_OCC_SUCCESS);
            auto ours = computeOccupancy(cc, regs, staticShared, dynamicShared, block);
            ASSERT_TRUE(ours);
            ASSERT_EQ(ours->blocksPerSm, result.activeBlocksPerMultiprocessor)
                << "sm_" << cc << " regs " << regs << " static " << staticShared << " dynamic " << dynamicShared
                << " block " << block;
          }
  }
}
#endif
