//===- runtime/Memory.h - Device memory and copies ------------------------===//
//
// DeviceBuffer owns one device allocation, HostBuffer one page-locked host
// allocation; copies between host and device go through them or the free
// functions below. Device memory comes from the device's stream-ordered pool
// and is freed stream-ordered on the legacy default stream, so a free never
// waits and never overtakes a kernel still using the memory (see
// docs/runtime.md).
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
  /// Allocates `bytes` (at least 1) on the current device, ordered on
  /// `stream` (0: the legacy default stream). Throws OutOfMemory.
  explicit DeviceBuffer(std::size_t bytes, void *stream = nullptr);
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

/// Allocates `bytes` (at least 1) of device memory on the current device,
/// stream-ordered on `stream` from the device's memory pool where the device
/// has one (cuMemAllocAsync), else with cuMemAlloc. When the pool is out of
/// memory it is trimmed and the allocation retried once; then OutOfMemory says
/// how much was asked for and how much is free.
std::uint64_t deviceAllocate(std::size_t bytes, void *stream = nullptr);
/// Frees memory from deviceAllocate, ordered after all work queued so far on
/// the legacy default stream and on every blocking stream of the device.
/// Deferred while a graph capture is in progress. Never throws.
void deviceFree(std::uint64_t ptr, int device) noexcept;
/// Frees what deviceFree deferred during graph captures (called when the
/// last capture ends).
void releaseDeferredFrees() noexcept;
/// How many device allocations made here are live (for leak tests).
std::size_t liveAllocations();

/// Page-locked host memory (cuMemHostAlloc). With `mapped`, the device can
/// read and write it through devicePointer().
class HostBuffer {
public:
  HostBuffer(std::size_t bytes, bool mapped, bool portable = true, bool writeCombined = false);
  ~HostBuffer();
  HostBuffer(const HostBuffer &) = delete;
  HostBuffer &operator=(const HostBuffer &) = delete;

  void *data() const { return data_; }
  std::size_t size() const { return size_; }
  /// The device address of mapped memory; 0 when not mapped.
  std::uint64_t devicePointer() const { return devicePtr_; }

private:
  void *data_ = nullptr;
  std::size_t size_ = 0;
  std::uint64_t devicePtr_ = 0;
};

/// Managed (unified) memory (cuMemAllocManaged): one address that the host
/// and the device both use, migrated on demand. With `attachGlobal` any
/// stream may use it; otherwise it is attached to the host. Freed with
/// cuMemFree, which waits for the device.
class ManagedBuffer {
public:
  ManagedBuffer(std::size_t bytes, bool attachGlobal = true);
  ~ManagedBuffer();
  ManagedBuffer(const ManagedBuffer &) = delete;
  ManagedBuffer &operator=(const ManagedBuffer &) = delete;

  std::uint64_t pointer() const { return ptr_; }
  std::size_t size() const { return size_; }

private:
  std::uint64_t ptr_ = 0;
  std::size_t size_ = 0;
};

/// Sets `bytes` bytes at `dst` to `value`, on `stream` (0: synchronous on the
/// legacy default stream).
void memsetDevice(std::uint64_t dst, unsigned char value, std::size_t bytes, void *stream = nullptr);

void copyHostToDevice(std::uint64_t dst, const void *src, std::size_t bytes, void *stream = nullptr);
void copyDeviceToHost(void *dst, std::uint64_t src, std::size_t bytes, void *stream = nullptr);
/// True when the host can read `ptr` directly: memory CUDA does not know
/// (malloc'd, numpy's), or CUDA's page-locked host memory.
bool hostReadable(std::uint64_t ptr);
void copyDeviceToDevice(std::uint64_t dst, std::uint64_t src, std::size_t bytes, void *stream = nullptr);

} // namespace ptxforge::runtime
