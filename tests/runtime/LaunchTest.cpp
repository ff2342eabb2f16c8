//===- tests/runtime/LaunchTest.cpp - Module loading and launch checks ----===//
//
// The launch checks run against a made-up H100 with no GPU needed; on a GPU
// a hand-written PTX kernel is JIT-loaded, launched, and fed bad
// configurations that must be refused without harming the context.
//
//===----------------------------------------------------------------------===//
#include "RuntimeTest.h"

#include "runtime/DriverApi.h"
#include "runtime/Memory.h"
#include "runtime/Module.h"

#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

using namespace ptxforge::runtime;
using ptxforge::runtime::detail::validateLaunch;

namespace {

DeviceInfo madeUpH100() {
  DeviceInfo d;
  d.name = "made-up H100";
  d.ccMajor = 9;
  d.multiprocessors = 132;
  d.maxThreadsPerBlock = 1024;
  d.maxBlockDim[0] = d.maxBlockDim[1] = 1024;
  d.maxBlockDim[2] = 64;
  d.maxGridDim[0] = 2147483647;
  d.maxGridDim[1] = d.maxGridDim[2] = 65535;
  d.maxSharedPerBlock = 49152;
  d.maxSharedPerBlockOptin = 232448;
  return d;
}

Function madeUpKernel(int maxThreads = 1024, int staticShared = 0) {
  Function fn;
  fn.handle = reinterpret_cast<void *>(0x1);
  fn.name = "saxpy";
  fn.numRegs = 32;
  fn.maxThreadsPerBlock = maxThreads;
  fn.staticSharedBytes = staticShared;
  return fn;
}

LaunchConfig config(unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                    unsigned by = 1, unsigned bz = 1, unsigned shared = 0) {
  LaunchConfig c;
  c.grid[0] = gx, c.grid[1] = gy, c.grid[2] = gz;
  c.block[0] = bx, c.block[1] = by, c.block[2] = bz;
  c.sharedBytes = shared;
  return c;
}

/// The message of the std::invalid_argument that validateLaunch throws.
std::string refusal(const Function &fn, const LaunchConfig &c) {
  try {
    validateLaunch(fn, c, madeUpH100());
  } catch (const std::invalid_argument &e) {
    return e.what();
  }
  return "(accepted)";
}

std::vector<std::int32_t> readBack(const DeviceBuffer &buffer) {
  std::vector<std::int32_t> host(buffer.size() / sizeof(std::int32_t));
  buffer.copyToHost(host.data(), buffer.size());
  return host;
}

} // namespace

TEST(LaunchCheck, AcceptsWhatTheDeviceAllows) {
  EXPECT_FALSE(
      validateLaunch(madeUpKernel(), config(1, 1, 1, 1), madeUpH100()));
  EXPECT_FALSE(validateLaunch(
      madeUpKernel(), config(1u << 30, 65535, 65535, 32, 32), madeUpH100()));
  EXPECT_FALSE(validateLaunch(madeUpKernel(), config(1, 1, 1, 256, 1, 1, 49152),
                              madeUpH100()));
}

TEST(LaunchCheck, NamesTheLimitAndTheValue) {
  EXPECT_EQ(refusal(madeUpKernel(), config(1, 1, 1, 2048)),
            "block of 2048 threads (2048, 1, 1) exceeds this kernel's limit of "
            "1024 threads per block");
  EXPECT_EQ(refusal(madeUpKernel(512), config(1, 1, 1, 32, 32)),
            "block of 1024 threads (32, 32, 1) exceeds this kernel's limit of "
            "512 threads per block (set by its launch bounds or its 32 "
            "registers per thread; the device allows 1024)");
  EXPECT_EQ(refusal(madeUpKernel(), config(1, 70000, 1, 128)),
            "grid dimension y = 70000 exceeds the device's limit of 65535");
  EXPECT_EQ(refusal(madeUpKernel(), config(1, 1, 1, 1, 1, 128)),
            "block dimension z = 128 exceeds the device's limit of 64");
  EXPECT_EQ(
      refusal(madeUpKernel(), config(1, 0, 1, 128)),
      "a grid or block dimension is 0: grid (1, 0, 1), block (128, 1, 1)");
  EXPECT_EQ(
      refusal(madeUpKernel(1024, 4096), config(1, 1, 1, 128, 1, 1, 300000)),
      "dynamic shared memory of 300000 bytes exceeds the device's limit "
      "of 232448 bytes per block (static: 4096)");
  EXPECT_EQ(refusal(madeUpKernel(), config(1, 1, 1, 65536, 65536)),
            "block of 4294967296 threads (65536, 65536, 1) exceeds this "
            "kernel's limit of 1024 threads per block");
}

TEST(LaunchCheck, LargeSharedMemoryNeedsTheOptIn) {
  EXPECT_TRUE(validateLaunch(madeUpKernel(), config(1, 1, 1, 256, 1, 1, 49153),
                             madeUpH100()));
  EXPECT_TRUE(validateLaunch(madeUpKernel(1024, 1024),
                             config(1, 1, 1, 256, 1, 1, 49152), madeUpH100()));
  EXPECT_TRUE(validateLaunch(madeUpKernel(1024, 1024),
                             config(1, 1, 1, 256, 1, 1, 232448 - 1024),
                             madeUpH100()));
}

TEST(Launch, EmptyFunctionIsRefusedWithoutADriver) {
  EXPECT_THROW(launch(Function{}, LaunchConfig{}, nullptr),
               std::invalid_argument);
}

TEST(ModuleGpu, BrokenPtxReportsTheJitLog) {
  PF_REQUIRE_GPU();
  try {
    Module::load(fixtures::kBrokenPtx, currentDevice());
    FAIL() << "broken PTX loaded";
  } catch (const CudaError &e) {
    std::string what = e.what();
    EXPECT_EQ(e.code(), CUDA_ERROR_INVALID_PTX) << what;
    EXPECT_EQ(e.call(), "cuModuleLoadDataEx");
    EXPECT_EQ(
        what.rfind("cuModuleLoadDataEx failed: CUDA_ERROR_INVALID_PTX", 0), 0u)
        << what;
    EXPECT_NE(what.find('\n'), std::string::npos) << "no JIT log in: " << what;
    EXPECT_NE(what.find("bogus"), std::string::npos) << what;
  }
}

TEST(ModuleGpu, MissingKernelIsNamed) {
  PF_REQUIRE_GPU();
  auto module = Module::load(fixtures::kWriteTidPtx, currentDevice());
  try {
    module->function("no_such_kernel");
    FAIL() << "found a kernel that does not exist";
  } catch (const CudaError &e) {
    EXPECT_NE(std::string(e.what()).find("no_such_kernel"), std::string::npos)
        << e.what();
  }
}

TEST(ModuleGpu, LaunchChecksKeepTheContextUsable) {
  PF_REQUIRE_GPU();
  const int device = currentDevice();
  auto module = Module::load(fixtures::kWriteTidPtx, device);
  EXPECT_EQ(module->device(), device);
  Function fn = module->function("write_tid");
  EXPECT_EQ(fn.name, "write_tid");
  EXPECT_EQ(fn.device, device);
  EXPECT_GT(fn.numRegs, 0);
  EXPECT_GE(fn.maxThreadsPerBlock, 256);
  EXPECT_LE(fn.maxThreadsPerBlock, deviceInfo(device).maxThreadsPerBlock);
  EXPECT_EQ(fn.staticSharedBytes, 0);
  EXPECT_EQ(fn.localBytes, 0);

  const unsigned blocks = 4, threads = 256;
  DeviceBuffer out(blocks * threads * sizeof(std::int32_t));
  std::uint64_t ptr = out.devicePointer();
  void *params[] = {&ptr};
  launch(fn, config(blocks, 1, 1, threads), params);
  synchronize();
  std::vector<std::int32_t> got = readBack(out);
  for (unsigned i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], std::int32_t(i % threads)) << "at " << i;

  EXPECT_THROW(launch(fn, config(1, 1, 1, 2048), params),
               std::invalid_argument);
  EXPECT_THROW(launch(fn, config(1, 70000, 1, 32), params),
               std::invalid_argument);
  EXPECT_THROW(launch(fn, config(0, 1, 1, 32), params), std::invalid_argument);
  EXPECT_THROW(launch(fn, config(1, 1, 1, 32, 1, 1, 1u << 24), params),
               std::invalid_argument);

  // The context survived: a second valid launch runs and writes its result.
  std::vector<std::int32_t> zeros(got.size(), -1);
  out.copyFromHost(zeros.data(), zeros.size() * sizeof(std::int32_t));
  launch(fn, config(1, 1, 1, 128), params);
  synchronize();
  got = readBack(out);
  for (unsigned i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], i < 128 ? std::int32_t(i) : -1) << "at " << i;
}

TEST(ModuleGpu, OptInSharedMemoryAndOtherThreads) {
  PF_REQUIRE_GPU();
  const int device = currentDevice();
  const DeviceInfo info = deviceInfo(device);
  auto module = Module::load(fixtures::kWriteTidPtx, device);
  Function fn = module->function("write_tid");
  DeviceBuffer out(64 * sizeof(std::int32_t));
  std::uint64_t ptr = out.devicePointer();
  void *params[] = {&ptr};

  const unsigned optIn = unsigned(info.maxSharedPerBlockOptin);
  if (optIn > unsigned(info.maxSharedPerBlock)) {
    launch(fn,
           config(1, 1, 1, 64, 1, 1, unsigned(info.maxSharedPerBlock) + 1024),
           params);
    launch(fn, config(1, 1, 1, 64, 1, 1, optIn), params);
    launch(fn, config(1, 1, 1, 64, 1, 1, 1024), params);
    synchronize();
  }

  std::exception_ptr failure;
  std::thread worker([&] {
    try {
      launch(fn, config(1, 1, 1, 64), params);
      synchronize();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  worker.join();
  if (failure)
    std::rethrow_exception(failure);
  std::vector<std::int32_t> got = readBack(out);
  for (unsigned i = 0; i < got.size(); ++i)
    ASSERT_EQ(got[i], std::int32_t(i)) << "at " << i;
}
