//===- runtime/Memory.cpp - Device allocations and copies -----------------===//
//
// Device memory from each device's default pool (cuMemAllocAsync), freed
// stream-ordered on the legacy default stream; page-locked host memory; the
// three copy directions, synchronous on the legacy default stream or
// asynchronous on a given one. Running out of memory is its own exception,
// saying how much was free.
//
//===----------------------------------------------------------------------===//
#include "runtime/Memory.h"
#include "runtime/DriverApi.h"

#include "runtime/Stream.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <utility>
#include <vector>

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


/// Memory the pool keeps for reuse after frees, instead of handing it back to
/// the driver at every synchronisation. Trimmed to 0 when an allocation fails.
constexpr std::uint64_t kPoolKeepBytes = 64ull << 20;

/// Per device: its default pool (null where the device has none).
struct PoolSlot {
  std::once_flag once;
  CUmemoryPool pool = nullptr;
};

/// Allocation bookkeeping. Never destroyed: frees may run during exit.
struct Allocations {
  std::mutex mutex;
  std::vector<std::pair<std::uint64_t, int>> deferred; ///< freed during a capture
  std::vector<std::uint64_t> synchronous;             ///< made by cuMemAlloc
  PoolSlot pools[64];
  std::atomic<std::size_t> live{0};
};

Allocations &allocations() {
  static Allocations *a = new Allocations;
  return *a;
}

CUmemoryPool poolFor(int device) {
  if (device < 0 || device >= 64)
    return nullptr;
  PoolSlot &slot = allocations().pools[device];
  std::call_once(slot.once, [&slot, device] {
    CUdevice dev = 0;
    int supported = 0;
    if (detail::gCu.cuDeviceGet(&dev, device) != CUDA_SUCCESS ||
        detail::gCu.cuDeviceGetAttribute(&supported, CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED, dev) !=
            CUDA_SUCCESS ||
        !supported)
      return;
    CUmemoryPool pool = nullptr;
    if (detail::gCu.cuDeviceGetDefaultMemPool(&pool, dev) != CUDA_SUCCESS)
      return;
    cuuint64_t keep = kPoolKeepBytes;
    detail::gCu.cuMemPoolSetAttribute(pool, CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &keep);
    slot.pool = pool;
  });
  return slot.pool;
}

[[noreturn]] void throwOutOfMemory(std::size_t bytes) {
  std::size_t freeBytes = 0, totalBytes = 0;
  detail::gCu.cuMemGetInfo(&freeBytes, &totalBytes);
  throw OutOfMemory(bytes, freeBytes, totalBytes);
}

/// The pool's allocation, or a synchronous one while a capture is in
/// progress: a pool allocation would either join the capture (on the
/// capturing stream) or invalidate it (on the legacy stream).
CUresult tryAllocate(CUdeviceptr *ptr, std::size_t bytes, CUmemoryPool pool, void *stream, bool &synchronous) {
  synchronous = !pool || Graph::capturing();
  if (synchronous)
    return detail::gCu.cuMemAlloc(ptr, bytes);
  return detail::gCu.cuMemAllocAsync(ptr, bytes, static_cast<CUstream>(stream));
}

void freeNow(std::uint64_t ptr, int device) noexcept {
  try {
    ensureContext(device);
  } catch (...) {
    return;
  }
  Allocations &a = allocations();
  bool synchronous = false;
  {
    std::lock_guard<std::mutex> lock(a.mutex);
    for (std::uint64_t &p : a.synchronous)
      if (p == ptr) {
        p = a.synchronous.back();
        a.synchronous.pop_back();
        synchronous = true;
        break;
      }
  }
  // Errors here (a driver shut down at exit, a sticky kernel fault) leave
  // nothing a caller could do.
  if (synchronous)
    detail::gCu.cuMemFree(static_cast<CUdeviceptr>(ptr));
  else
    detail::gCu.cuMemFreeAsync(static_cast<CUdeviceptr>(ptr), nullptr);
  a.live.fetch_sub(1, std::memory_order_relaxed);
}

} // namespace

OutOfMemory::OutOfMemory(std::size_t requested, std::size_t freeBytes,
                         std::size_t totalBytes)
    : CudaError(CUDA_ERROR_OUT_OF_MEMORY, "cuMemAlloc",
                outOfMemoryMessage(requested, freeBytes, totalBytes)),
      requested_(requested) {}

std::uint64_t deviceAllocate(std::size_t bytes, void *stream) {
  const int device = currentDevice();
  ensureContext(device);
  const std::size_t size = bytes == 0 ? 1 : bytes;
  if (size > detail::cachedDeviceInfo(device).totalMemory)
    throwOutOfMemory(bytes); // more than the device has: no need to ask the driver
  CUmemoryPool pool = poolFor(device);
  CUdeviceptr ptr = 0;
  bool synchronous = false;
  CUresult result = tryAllocate(&ptr, size, pool, stream, synchronous);
  if (result == CUDA_ERROR_OUT_OF_MEMORY && pool) {
    // Memory the pool keeps, and frees still queued, may be what is missing.
    detail::gCu.cuCtxSynchronize();
    detail::gCu.cuMemPoolTrimTo(pool, 0);
    result = tryAllocate(&ptr, size, pool, stream, synchronous);
  }
  if (result == CUDA_ERROR_OUT_OF_MEMORY)
    throwOutOfMemory(bytes);
  detail::checkCu(result, synchronous ? "cuMemAlloc" : "cuMemAllocAsync");
  Allocations &a = allocations();
  if (synchronous) {
    std::lock_guard<std::mutex> lock(a.mutex);
    a.synchronous.push_back(ptr);
  }
  a.live.fetch_add(1, std::memory_order_relaxed);
  return ptr;
}

void deviceFree(std::uint64_t ptr, int device) noexcept {
  if (ptr == 0)
    return;
  if (Graph::capturing()) {
    Allocations &a = allocations();
    try {
      std::lock_guard<std::mutex> lock(a.mutex);
      a.deferred.emplace_back(ptr, device);
      return;
    } catch (...) {
    }
  }
  freeNow(ptr, device);
}

void releaseDeferredFrees() noexcept {
  std::vector<std::pair<std::uint64_t, int>> pending;
  {
    Allocations &a = allocations();
    std::lock_guard<std::mutex> lock(a.mutex);
    pending.swap(a.deferred);
  }
  for (auto [ptr, device] : pending)
    freeNow(ptr, device);
}

std::size_t liveAllocations() { return allocations().live.load(std::memory_order_relaxed); }

HostBuffer::HostBuffer(std::size_t bytes, bool mapped, bool portable, bool writeCombined) : size_(bytes) {
  ensureContext(currentDevice());
  unsigned flags = (mapped ? CU_MEMHOSTALLOC_DEVICEMAP : 0) | (portable ? CU_MEMHOSTALLOC_PORTABLE : 0) |
                   (writeCombined ? CU_MEMHOSTALLOC_WRITECOMBINED : 0);
  void *data = nullptr;
  CUresult result = detail::gCu.cuMemHostAlloc(&data, bytes == 0 ? 1 : bytes, flags);
  if (result == CUDA_ERROR_OUT_OF_MEMORY)
    throw CudaError(result, "cuMemHostAlloc",
                    "out of page-locked host memory: asked for " + std::to_string(bytes) + " bytes");
  detail::checkCu(result, "cuMemHostAlloc");
  data_ = data;
  if (mapped) {
    CUdeviceptr ptr = 0;
    result = detail::gCu.cuMemHostGetDevicePointer(&ptr, data, 0);
    if (result != CUDA_SUCCESS) {
      detail::gCu.cuMemFreeHost(data);
      detail::throwCudaError(result, "cuMemHostGetDevicePointer");
    }
    devicePtr_ = ptr;
  }
}

HostBuffer::~HostBuffer() {
  if (data_)
    detail::gCu.cuMemFreeHost(data_);
}

ManagedBuffer::ManagedBuffer(std::size_t bytes, bool attachGlobal) : size_(bytes) {
  ensureContext(currentDevice());
  CUdeviceptr ptr = 0;
  CUresult result = detail::gCu.cuMemAllocManaged(&ptr, bytes == 0 ? 1 : bytes,
                                                  attachGlobal ? CU_MEM_ATTACH_GLOBAL : CU_MEM_ATTACH_HOST);
  if (result == CUDA_ERROR_OUT_OF_MEMORY)
    throwOutOfMemory(bytes);
  detail::checkCu(result, "cuMemAllocManaged");
  ptr_ = ptr;
}

ManagedBuffer::~ManagedBuffer() {
  if (ptr_)
    detail::gCu.cuMemFree(ptr_);
}

void memsetDevice(std::uint64_t dst, unsigned char value, std::size_t bytes, void *stream) {
  if (bytes == 0)
    return;
  ensureContext(currentDevice());
  if (stream)
    PF_CHECK_CU(cuMemsetD8Async, dst, value, bytes, static_cast<CUstream>(stream));
  else
    PF_CHECK_CU(cuMemsetD8, dst, value, bytes);
}

DeviceBuffer::DeviceBuffer(std::size_t bytes, void *stream)
    : ptr_(deviceAllocate(bytes, stream)), size_(bytes), device_(currentDevice()) {}

DeviceBuffer::~DeviceBuffer() { deviceFree(ptr_, device_); }

DeviceBuffer::DeviceBuffer(DeviceBuffer &&other) noexcept
    : ptr_(std::exchange(other.ptr_, 0)), size_(std::exchange(other.size_, 0)),
      device_(other.device_) {}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&other) noexcept {
  if (this != &other) {
    deviceFree(ptr_, device_);
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

bool hostReadable(std::uint64_t ptr) {
  ensureContext(currentDevice());
  unsigned type = 0;
  // Memory the driver does not know is CUDA_ERROR_INVALID_VALUE: plain host memory.
  if (detail::gCu.cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE, static_cast<CUdeviceptr>(ptr)) !=
      CUDA_SUCCESS)
    return true;
  return type == CU_MEMORYTYPE_HOST;
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
