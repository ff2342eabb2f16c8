//===- tests/runtime/DriverTest.cpp - Driver loading, devices, errors -----===//
//
// Without a driver every entry point must fail with CudaUnavailable and a
// reason, never crash; with one, device queries and contexts must work from
// any thread. The first group runs everywhere, the second needs a GPU.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTest.h"

#include "runtime/Memory.h"
#include "runtime/Module.h"

#include <atomic>
#include <dlfcn.h>
#include <thread>
#include <vector>

using namespace ptxforge::runtime;

namespace {

bool libcudaLoads() {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib)
    dlclose(lib);
  return lib != nullptr;
}

} // namespace

TEST(DriverNoGpu, UnavailableHasAReason) {
  if (isAvailable())
    GTEST_SKIP() << "a CUDA device is present";
  std::string reason = unavailableReason();
  EXPECT_NE(reason.find("compiling and inspecting work without one"),
            std::string::npos)
      << reason;
  if (!libcudaLoads()) {
    EXPECT_NE(reason.find("libcuda.so.1"), std::string::npos) << reason;
  }
  EXPECT_EQ(deviceCount(), 0);
  EXPECT_EQ(unavailableReason(), reason) << "the reason must not change";
}

TEST(DriverNoGpu, EveryEntryPointThrowsCudaUnavailable) {
  if (isAvailable())
    GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(ensureContext(), CudaUnavailable);
  EXPECT_THROW(ensureContext(0), CudaUnavailable);
  EXPECT_THROW(computeCapability(), CudaUnavailable);
  EXPECT_THROW(deviceInfo(0), CudaUnavailable);
  EXPECT_THROW(memoryInfo(), CudaUnavailable);
  EXPECT_THROW(synchronize(), CudaUnavailable);
  EXPECT_THROW(selectDevice(0), CudaUnavailable);
  EXPECT_THROW(DeviceBuffer(16), CudaUnavailable);
  EXPECT_THROW(Module::load(fixtures::kWriteTidPtx, 0), CudaUnavailable);
  int host = 0;
  EXPECT_THROW(copyHostToDevice(0x1000, &host, sizeof host), CudaUnavailable);
  EXPECT_EQ(currentDevice(), 0);
}

TEST(DriverNoGpu, AsyncStartFailureReachesTheWaiter) {
  if (isAvailable())
    GTEST_SKIP() << "a CUDA device is present";
  startInitAsync(0);
  startInitAsync(0);
  EXPECT_THROW(computeCapability(0), CudaUnavailable);
  EXPECT_THROW(ensureContext(0), CudaUnavailable);
}

TEST(Driver, ConcurrentFirstUseIsSafe) {
  std::atomic<int> available{0}, unavailable{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      try {
        ensureContext(0);
        ++available;
      } catch (const CudaUnavailable &) {
        ++unavailable;
      } catch (...) {
        ++other;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(available.load() + unavailable.load(), 8);
  EXPECT_TRUE(available.load() == 0 || unavailable.load() == 0)
      << "all threads must see the same outcome";
  EXPECT_EQ(available.load() == 8, isAvailable());
}

TEST(Driver, ErrorTextIsHarmlessWithOrWithoutADriver) {
  std::string text = errorText(1);
  EXPECT_FALSE(text.empty());
  if (isAvailable()) {
    EXPECT_NE(text.find("CUDA_ERROR_INVALID_VALUE"), std::string::npos) << text;
  }
  EXPECT_FALSE(errorText(123456).empty());
}

TEST(Driver, CudaErrorCarriesCodeAndCall) {
  CudaError e(700, "cuLaunchKernel", "cuLaunchKernel failed: boom");
  EXPECT_EQ(e.code(), 700);
  EXPECT_EQ(e.call(), "cuLaunchKernel");
  EXPECT_STREQ(e.what(), "cuLaunchKernel failed: boom");
}

TEST(Driver, OutOfMemorySaysWhatWasAskedAndFree) {
  OutOfMemory e(std::size_t(1) << 50, std::size_t(10) << 20,
                std::size_t(80) << 30);
  EXPECT_STREQ(e.what(), "out of device memory: asked for 1125899906842624 "
                         "bytes (1073741824.0 MiB), 10 MiB free of 81920 MiB");
  EXPECT_EQ(e.requested(), std::size_t(1) << 50);
  EXPECT_EQ(e.code(), 2); // CUDA_ERROR_OUT_OF_MEMORY
  const CudaError &base = e;
  EXPECT_EQ(base.call(), "cuMemAlloc");
}

TEST(DriverGpu, DeviceInfoIsSane) {
  PF_REQUIRE_GPU();
  ASSERT_GE(deviceCount(), 1);
  DeviceInfo info = deviceInfo(0);
  EXPECT_EQ(info.ordinal, 0);
  EXPECT_FALSE(info.name.empty());
  EXPECT_GE(info.ccMajor, 5);
  EXPECT_GT(info.multiprocessors, 0);
  EXPECT_GE(info.maxThreadsPerBlock, 512);
  EXPECT_GE(info.maxBlockDim[0], 512);
  EXPECT_GE(info.maxBlockDim[2], 1);
  EXPECT_GE(info.maxGridDim[0], 65535);
  EXPECT_GE(info.maxGridDim[1], 1);
  EXPECT_GE(info.maxSharedPerBlock, 48 * 1024);
  EXPECT_GE(info.maxSharedPerBlockOptin, info.maxSharedPerBlock);
  EXPECT_EQ(info.warpSize, 32);
  EXPECT_GT(info.totalMemory, 0u);
  EXPECT_EQ(computeCapability(0), std::make_pair(info.ccMajor, info.ccMinor));
  EXPECT_TRUE(unavailableReason().empty());
}

// A process that exits while the background start-up runs exits cleanly
// (with or without a GPU): libcuda is opened before the exit handler that
// joins the thread is registered, so its destructors run after the join.
TEST(Driver, ExitDuringBackgroundStartUpIsClean) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (int i = 0; i < 4; ++i)
    EXPECT_EXIT(
        {
          startInitAsync(0);
          std::exit(0);
        },
        ::testing::ExitedWithCode(0), "^$");
}

TEST(DriverGpu, AsyncStartThenContextOnManyThreads) {
  PF_REQUIRE_GPU();
  startInitAsync(0);
  auto cc = computeCapability(0);
  EXPECT_GE(cc.first, 5);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      try {
        ensureContext(0);
        ensureContext(0);
        synchronize();
      } catch (...) {
        ++failures;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(DriverGpu, BadOrdinalsAreRejected) {
  PF_REQUIRE_GPU();
  EXPECT_THROW(deviceInfo(deviceCount()), std::invalid_argument);
  EXPECT_THROW(selectDevice(-1), std::invalid_argument);
  EXPECT_THROW(ensureContext(deviceCount()), std::invalid_argument);
  selectDevice(0);
  EXPECT_EQ(currentDevice(), 0);
}

TEST(DriverGpu, MemoryInfoAndSynchronize) {
  PF_REQUIRE_GPU();
  auto [freeBytes, totalBytes] = memoryInfo();
  EXPECT_GT(totalBytes, 0u);
  EXPECT_GT(freeBytes, 0u);
  EXPECT_LE(freeBytes, totalBytes);
  EXPECT_NO_THROW(synchronize());
  EXPECT_NE(errorText(700).find("CUDA_ERROR_ILLEGAL_ADDRESS"),
            std::string::npos);
}
