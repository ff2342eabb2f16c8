//===- runtime/Module.h - Loaded modules, their functions, and launches ---===//
//
// A Module is one cuModuleLoadData image (cubin, or PTX for the driver's JIT)
// in the current context. Launch validates the configuration against the
// device's limits before calling cuLaunchKernel.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace ptxforge::runtime {

/// A kernel in a loaded module. Valid while its Module lives.
struct Function {
  void *handle = nullptr; ///< CUfunction
  std::string name;
  int device = 0;
  int numRegs = 0;
  int maxThreadsPerBlock = 0;
  int staticSharedBytes = 0;
  int localBytes = 0;
  /// Every launch is cooperative (LaunchConfig::cooperative): the kernel
  /// synchronizes its whole grid. Set by whoever loaded it.
  bool cooperative = false;
};

/// One loaded image. Unloaded on destruction.
class Module {
public:
  /// Loads a cubin or a NUL-free PTX text into the current context of device
  /// `ordinal` (ensureContext first). On failure the CudaError's message holds
  /// the driver's error log.
  static std::shared_ptr<Module> load(std::string_view image, int ordinal);
  ~Module();
  Module(const Module &) = delete;
  Module &operator=(const Module &) = delete;

  /// Looks up a kernel by its PTX entry name. Throws CudaError when absent.
  Function function(const std::string &name) const;
  /// The device address and size of the module global `name`; {0, 0} when
  /// the module has none. Throws CudaError on other failures.
  std::pair<std::uint64_t, std::size_t> global(const std::string &name) const;
  int device() const { return device_; }

private:
  Module(void *handle, int device) : handle_(handle), device_(device) {}
  void *handle_; ///< CUmodule
  int device_;
};

struct LaunchConfig {
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned sharedBytes = 0;
  void *stream = nullptr; ///< CUstream; nullptr is the default stream
  /// Launch with cuLaunchCooperativeKernel, after checking that every block
  /// can be resident at once (kernels that call pf.cg.this_grid().sync()).
  bool cooperative = false;
};

/// Checks `config` against the function's and the device's limits and
/// launches. `params` is cuLaunchKernel's kernelParams array. Throws
/// std::invalid_argument (naming the limit and the value asked for) for a
/// bad configuration, CudaError when the launch fails.
void launch(const Function &fn, const LaunchConfig &config, void **params);

} // namespace ptxforge::runtime
