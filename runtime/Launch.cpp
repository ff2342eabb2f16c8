//===- runtime/Launch.cpp - Checking a launch, then cuLaunchKernel --------===//
//
// A bad configuration is caught on the host with a message naming the limit,
// instead of the driver's bare CUDA_ERROR_INVALID_VALUE. The limits come from
// the Function (read at lookup) and the cached DeviceInfo, so a launch costs
// a few compares on top of cuLaunchKernel. Dynamic shared memory above the
// default 48 KiB raises the kernel's opt-in attribute once.
//
//===----------------------------------------------------------------------===//
#include "runtime/DriverApi.h"
#include "runtime/Module.h"

#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace ptxforge::runtime {

namespace {

std::string triple(const unsigned (&v)[3]) {
  return "(" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " +
         std::to_string(v[2]) + ")";
}

[[noreturn]] void badLaunch(const std::string &what,
                            const char *driverError = "CUDA_ERROR_INVALID_VALUE") {
  throw LaunchConfigError(what, driverError);
}

/// How far each kernel's CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES has
/// been raised. Never destroyed (launches may run during exit).
struct SharedOptIn {
  std::mutex mutex;
  std::unordered_map<void *, unsigned> raised;
};

SharedOptIn &sharedOptIn() {
  static SharedOptIn *cache = new SharedOptIn;
  return *cache;
}

void raiseSharedLimit(const Function &fn, unsigned bytes) {
  SharedOptIn &cache = sharedOptIn();
  std::lock_guard<std::mutex> lock(cache.mutex);
  unsigned &raised = cache.raised[fn.handle];
  if (raised >= bytes)
    return;
  PF_CHECK_CU(cuFuncSetAttribute, static_cast<CUfunction>(fn.handle),
              CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
              static_cast<int>(bytes));
  raised = bytes;
}

/// A cooperative launch: every block must be resident at once, or a grid
/// barrier would wait forever; the occupancy query says how many fit.
void launchCooperative(const Function &fn, const LaunchConfig &config,
                       void **params, const DeviceInfo &device) {
  const std::uint64_t blocks =
      std::uint64_t(config.grid[0]) * config.grid[1] * config.grid[2];
  const int threads =
      int(config.block[0] * config.block[1] * config.block[2]);
  int perSm = 0;
  PF_CHECK_CU(cuOccupancyMaxActiveBlocksPerMultiprocessor, &perSm,
              static_cast<CUfunction>(fn.handle), threads,
              std::size_t(config.sharedBytes));
  const std::uint64_t limit = std::uint64_t(perSm) * device.multiprocessors;
  if (blocks > limit)
    badLaunch("kernel '" + fn.name +
              "' synchronizes the whole grid (cg.this_grid().sync()), so "
              "all its blocks must be resident at once: the grid " +
              triple(config.grid) + " has " + std::to_string(blocks) +
              " blocks, but at most " + std::to_string(limit) + " (" +
              std::to_string(perSm) + " per multiprocessor x " +
              std::to_string(device.multiprocessors) +
              " multiprocessors) fit with " + std::to_string(threads) +
              " threads and " + std::to_string(config.sharedBytes) +
              " bytes of dynamic shared memory per block",
              "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE");
  CUresult result = detail::gCu.cuLaunchCooperativeKernel(
      static_cast<CUfunction>(fn.handle), config.grid[0], config.grid[1],
      config.grid[2], config.block[0], config.block[1], config.block[2],
      config.sharedBytes, static_cast<CUstream>(config.stream), params);
  if (result != CUDA_SUCCESS)
    throw CudaError(result, "cuLaunchCooperativeKernel",
                    "launching kernel '" + fn.name +
                        "' cooperatively failed: " + errorText(result));
}

} // namespace

namespace detail {

bool validateLaunch(const Function &fn, const LaunchConfig &config,
                    const DeviceInfo &device) {
  const unsigned(&grid)[3] = config.grid;
  const unsigned(&block)[3] = config.block;
  if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0 || block[0] == 0 ||
      block[1] == 0 || block[2] == 0)
    badLaunch("a grid or block dimension is 0: grid " + triple(grid) +
              ", block " + triple(block));

  const std::uint64_t threads =
      std::uint64_t(block[0]) * block[1] * std::uint64_t(block[2]);
  const int kernelLimit = fn.maxThreadsPerBlock > 0 ? fn.maxThreadsPerBlock
                                                    : device.maxThreadsPerBlock;
  if (threads > std::uint64_t(kernelLimit)) {
    std::string why = "block of " + std::to_string(threads) + " threads " +
                      triple(block) + " exceeds this kernel's limit of " +
                      std::to_string(kernelLimit) + " threads per block";
    if (kernelLimit < device.maxThreadsPerBlock)
      why += " (set by its launch bounds or its " + std::to_string(fn.numRegs) +
             " registers per thread; the device allows " +
             std::to_string(device.maxThreadsPerBlock) + ")";
    badLaunch(why);
  }

  static constexpr char kAxis[3] = {'x', 'y', 'z'};
  for (int i = 0; i < 3; ++i)
    if (block[i] > unsigned(device.maxBlockDim[i]))
      badLaunch(std::string("block dimension ") + kAxis[i] + " = " +
                std::to_string(block[i]) + " exceeds the device's limit of " +
                std::to_string(device.maxBlockDim[i]));
  for (int i = 0; i < 3; ++i)
    if (grid[i] > unsigned(device.maxGridDim[i]))
      badLaunch(std::string("grid dimension ") + kAxis[i] + " = " +
                std::to_string(grid[i]) + " exceeds the device's limit of " +
                std::to_string(device.maxGridDim[i]));

  const std::uint64_t shared =
      std::uint64_t(fn.staticSharedBytes) + config.sharedBytes;
  if (shared > std::uint64_t(device.maxSharedPerBlockOptin))
    badLaunch("dynamic shared memory of " + std::to_string(config.sharedBytes) +
              " bytes exceeds the device's limit of " +
              std::to_string(device.maxSharedPerBlockOptin) +
              " bytes per block (static: " +
              std::to_string(fn.staticSharedBytes) + ")");
  return config.sharedBytes > 0 &&
         shared > std::uint64_t(device.maxSharedPerBlock);
}

void forgetFunction(void *function) {
  SharedOptIn &cache = sharedOptIn();
  std::lock_guard<std::mutex> lock(cache.mutex);
  cache.raised.erase(function);
}

} // namespace detail

void launch(const Function &fn, const LaunchConfig &config, void **params) {
  if (!fn.handle)
    badLaunch("launch of an empty Function: look the kernel up with "
              "Module::function first",
              "CUDA_ERROR_INVALID_HANDLE");
  const DeviceInfo &device = detail::cachedDeviceInfo(fn.device);
  const bool optIn = detail::validateLaunch(fn, config, device);
  ensureContext(fn.device);
  if (optIn)
    raiseSharedLimit(fn, config.sharedBytes);
  if (config.cooperative || fn.cooperative) {
    launchCooperative(fn, config, params, device);
    detail::noteLaunch(fn);
    return;
  }
  CUresult result = detail::gCu.cuLaunchKernel(
      static_cast<CUfunction>(fn.handle), config.grid[0], config.grid[1],
      config.grid[2], config.block[0], config.block[1], config.block[2],
      config.sharedBytes, static_cast<CUstream>(config.stream), params,
      nullptr);
  if (result == CUDA_SUCCESS) [[likely]]
    detail::noteLaunch(fn);
  else
    throw CudaError(result, "cuLaunchKernel",
                    "launching kernel '" + fn.name +
                        "' failed: " + errorText(result) + detail::faultNote(result));
}

} // namespace ptxforge::runtime

namespace ptxforge::runtime {

int maxActiveBlocksPerMultiprocessor(const Function &fn, int threads, std::size_t sharedBytes) {
  ensureContext(fn.device);
  int perSm = 0;
  PF_CHECK_CU(cuOccupancyMaxActiveBlocksPerMultiprocessor, &perSm, static_cast<CUfunction>(fn.handle), threads,
              sharedBytes);
  return perSm;
}

void setSharedCarveout(const Function &fn, int percent) {
  ensureContext(fn.device);
  PF_CHECK_CU(cuFuncSetAttribute, static_cast<CUfunction>(fn.handle),
              CU_FUNC_ATTRIBUTE_PREFERRED_SHARED_MEMORY_CARVEOUT, percent);
}

int suggestedBlockSize(const Function &fn, std::size_t sharedBytes, int limit) {
  ensureContext(fn.device);
  int minGrid = 0, block = 0;
  PF_CHECK_CU(cuOccupancyMaxPotentialBlockSize, &minGrid, &block, static_cast<CUfunction>(fn.handle), nullptr,
              sharedBytes, limit);
  return block;
}

} // namespace ptxforge::runtime
