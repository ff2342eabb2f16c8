//===- runtime/Memory.h - Device memory and copies ------------------------===//
//
// DeviceBuffer owns one device allocation; copies between host and device
// go through it. Freed on destruction.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>

namespace ptxforge::runtime {

/// One block of device memory on the current device, freed on destruction.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  /// Allocates `bytes` (at least 1) on the current device. Throws OutOfMemory.
  explicit DeviceBuffer(std::size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer &&other) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&other) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;

  std::uint64_t devicePointer() const { return ptr_; }
  std::size_t size() const { return size_; }
  /// The device the memory is on (currentDevice() when it was allocated).
  int device() const { return device_; }

  /// Copies host memory in; `stream` 0 is the legacy default stream.
  /// With a non-zero stream the copy is asynchronous.
  void copyFromHost(const void *src, std::size_t bytes, void *stream = nullptr);
  /// Copies to host memory; synchronous unless a stream is given.
  void copyToHost(void *dst, std::size_t bytes, void *stream = nullptr) const;

private:
  std::uint64_t ptr_ = 0;
  std::size_t size_ = 0;
  int device_ = 0;
};

void copyHostToDevice(std::uint64_t dst, const void *src, std::size_t bytes, void *stream = nullptr);
void copyDeviceToHost(void *dst, std::uint64_t src, std::size_t bytes, void *stream = nullptr);
void copyDeviceToDevice(std::uint64_t dst, std::uint64_t src, std::size_t bytes, void *stream = nullptr);

} // namespace ptxforge::runtime
