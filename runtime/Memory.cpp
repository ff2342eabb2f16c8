//===- runtime/Memory.cpp - Device allocations and copies -----------------===//
//
// cuMemAlloc / cuMemFree behind DeviceBuffer, and the three copy directions,
// synchronous on the legacy default stream or asynchronous on a given one.
// Running out of memory is its own exception, saying how much was free.
//
//===----------------------------------------------------------------------===//
#include "runtime/Memory.h"
#include "runtime/DriverApi.h"

#include <cstdio>
#include <utility>

namespace ptxforge::runtime {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

std::string outOfMemoryMessage(std::size_t requested, std::size_t freeBytes,
                               std::size_t totalBytes) {
  char text[200];
  std::snprintf(text, sizeof text,
                "out of device memory: asked for %zu bytes (%.1f MiB), "
                "%.0f MiB free of %.0f MiB",
                requested, static_cast<double>(requested) / kMiB,
                static_cast<double>(freeBytes) / kMiB,
                static_cast<double>(totalBytes) / kMiB);
  return text;
}

/// Frees without throwing: errors at this point (a driver already shut down
/// at exit, CUDA_ERROR_DEINITIALIZED, or a sticky kernel fault) leave nothing
/// that a caller could do.
void freeQuietly(std::uint64_t ptr, int device) noexcept {
  if (ptr == 0)
    return;
  try {
    ensureContext(device);
  } catch (...) {
    return;
  }
  detail::gCu.cuMemFree(static_cast<CUdeviceptr>(ptr));
}

void checkFits(std::size_t bytes, std::size_t size, const char *direction) {
  if (bytes > size)
    throw std::invalid_argument("copy of " + std::to_string(bytes) + " bytes " +
                                direction + " a device buffer of " +
                                std::to_string(size) + " bytes");
}

void hostToDevice(std::uint64_t dst, const void *src, std::size_t bytes,
                  void *stream) {
  if (stream)
    PF_CHECK_CU(cuMemcpyHtoDAsync, dst, src, bytes,
                static_cast<CUstream>(stream));
  else
    PF_CHECK_CU(cuMemcpyHtoD, dst, src, bytes);
}

void deviceToHost(void *dst, std::uint64_t src, std::size_t bytes,
                  void *stream) {
  if (stream)
    PF_CHECK_CU(cuMemcpyDtoHAsync, dst, src, bytes,
                static_cast<CUstream>(stream));
  else
    PF_CHECK_CU(cuMemcpyDtoH, dst, src, bytes);
}

} // namespace

OutOfMemory::OutOfMemory(std::size_t requested, std::size_t freeBytes,
                         std::size_t totalBytes)
    : CudaError(CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc",
                outOfMemoryMessage(requested, freeBytes, totalBytes)),
      requested_(requested) {}

DeviceBuffer::DeviceBuffer(std::size_t bytes)
    : size_(bytes), device_(currentDevice()) {
  ensureContext(device_);
  CUdeviceptr ptr = 0;
  CUresult result = detail::gCu.cuMemAlloc(&ptr, bytes == 0 ? 1 : bytes);
  if (result == CUDA_ERROR_OUT_OF_MEMORY) {
    std::size_t freeBytes = 0, totalBytes = 0;
    detail::gCu.cuMemGetInfo(&freeBytes, &totalBytes);
    throw OutOfMemory(bytes, freeBytes, totalBytes);
  }
  detail::checkCu(result, "cuMemAlloc");
  ptr_ = ptr;
}

DeviceBuffer::~DeviceBuffer() { freeQuietly(ptr_, device_); }

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : ptr_(std::exchange(other.ptr_, 0)), size_(std::exchange(other.size_, 0)),
      device_(other.device_) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    freeQuietly(ptr_, device_);
    ptr_ = std::exchange(other.ptr_, 0);
    size_ = std::exchange(other.size_, 0);
    device_ = other.device_;
  }
  return *this;
}

void DeviceBuffer::copyFromHost(const void *src, std::size_t bytes,
                                void *stream) {
  checkFits(bytes, size_, "into");
  if (bytes == 0)
    return;
  ensureContext(device_);
  hostToDevice(ptr_, src, bytes, stream);
}

void DeviceBuffer::copyToHost(void *dst, std::size_t bytes,
                              void *stream) const {
  checkFits(bytes, size_, "out of");
  if (bytes == 0)
    return;
  ensureContext(device_);
  deviceToHost(dst, ptr_, bytes, stream);
}

void copyHostToDevice(std::uint64_t dst, const void *src, std::size_t bytes,
                      void *stream) {
  if (bytes == 0)
    return;
  ensureContext(currentDevice());
  hostToDevice(dst, src, bytes, stream);
}

void copyDeviceToHost(void *dst, std::uint64_t src, std::size_t bytes,
                      void *stream) {
  if (bytes == 0)
    return;
  ensureContext(currentDevice());
  deviceToHost(dst, src, bytes, stream);
}

void copyDeviceToDevice(std::uint64_t dst, std::uint64_t src, std::size_t bytes,
                        void *stream) {
  if (bytes == 0)
    return;
  ensureContext(currentDevice());
  if (stream)
    PF_CHECK_CU(cuMemcpyDtoDAsync, dst, src, bytes,
                static_cast<CUstream>(stream));
  else
    PF_CHECK_CU(cuMemcpyDtoD, dst, src, bytes);
}

} // namespace ptxforge::runtime
