//===- runtime/Driver.h - The CUDA driver, opened at run time -------------===//
//
// libcuda.so.1 is opened with dlopen on first use and each entry point is
// resolved by the versioned symbol cuda.h declares; nothing links against it. Importing,
// compiling and inspecting never touch it, so they work with no GPU.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace ptxforge::runtime {

/// No usable CUDA driver or device: libcuda is missing, cuInit failed, or
/// there are no devices. The message says which and what to do.
class CudaUnavailable : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// A driver call failed. what() reads "cuMemAlloc failed: CUDA_ERROR_... (text)".
class CudaError : public std::runtime_error {
public:
  CudaError(int code, std::string call, const std::string &message);
  /// The CUresult value.
  int code() const { return code_; }
  /// The name of the driver call that failed.
  const std::string &call() const { return call_; }

private:
  int code_;
  std::string call_;
};

/// Device memory ran out. what() says how much was asked for and how much is free.
class OutOfMemory : public CudaError {
public:
  OutOfMemory(std::size_t requested, std::size_t freeBytes, std::size_t totalBytes);
  std::size_t requested() const { return requested_; }

private:
  std::size_t requested_;
};

/// What one device is.
struct DeviceInfo {
  int ordinal = 0;
  std::string name;
  int ccMajor = 0, ccMinor = 0;
  int multiprocessors = 0;
  int maxThreadsPerBlock = 0;
  int maxBlockDim[3] = {0, 0, 0};
  int maxGridDim[3] = {0, 0, 0};
  int maxSharedPerBlock = 0;       ///< static limit, bytes
  int maxSharedPerBlockOptin = 0;  ///< with the opt-in attribute, bytes
  int warpSize = 32;
  std::size_t totalMemory = 0;
};

/// True when libcuda loads, cuInit succeeds and there is at least one device.
/// Never throws.
bool isAvailable();
/// Why isAvailable() is false; empty when it is true.
std::string unavailableReason();
/// Number of devices (0 when unavailable).
int deviceCount();
/// The CUDA version the installed driver supports, as cuDriverGetVersion
/// gives it (13000 for 13.0), read without cuInit; 0 when no libcuda.so.1
/// loads. Never throws.
int driverVersion();
/// Where the dynamic loader found libcuda.so.1; empty when it did not.
std::string driverPath();

/// Starts cuInit and the creation of device `ordinal`'s primary context on a
/// background thread and returns at once, so that the caller can compile
/// meanwhile. Calling it again is harmless.
void startInitAsync(int ordinal = 0);
/// Waits for cuInit and returns the compute capability of the device.
/// Throws CudaUnavailable.
std::pair<int, int> computeCapability(int ordinal = 0);
/// Waits for the device's primary context and makes it current on the
/// calling thread. Throws CudaUnavailable or CudaError.
void ensureContext(int ordinal = 0);
/// The device used when none is named (the one select_device picked, else 0).
int currentDevice();
void selectDevice(int ordinal);
DeviceInfo deviceInfo(int ordinal);
/// (free, total) device memory, bytes, of the current device.
std::pair<std::size_t, std::size_t> memoryInfo();
/// Waits for all work on the current device (cuCtxSynchronize).
void synchronize();
/// The text of a CUresult: "CUDA_ERROR_ILLEGAL_ADDRESS (an illegal memory access ...)".
std::string errorText(int code);

} // namespace ptxforge::runtime
