//===- tests/fakecuda/FakeCuda.cpp - A libcuda.so.1 with no GPU behind it --===//
//
// A stand-in for the CUDA driver, for tests and profiling on machines with
// no GPU: every entry point the runtime resolves (runtime/DriverApi.h)
// answers as one H200-like device would, "device" memory is host memory
// (so copies in and out work), and cuLaunchKernel runs nothing but records
// the launch (function, grid, block, shared bytes, stream and the first
// parameters, 8 bytes each) for the test to read through fakecuda_*.
//
// It is built as build/<dir>/fakecuda/libcuda.so.1 and is found only by a
// process started with that folder first on LD_LIBRARY_PATH
// (tests/python/test_launch_host_path.py, bench/launch_host_path.py). It is
// never installed.
//
//===----------------------------------------------------------------------===//
#include <cuda.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#define FAKE_API extern "C" __attribute__((visibility("default")))

namespace {

constexpr int kRecorded = 64;

struct LastLaunch {
  std::mutex mutex;
  std::uint64_t function = 0;
  unsigned dims[6] = {};
  unsigned shared = 0;
  std::uint64_t stream = 0;
  int nparams = 0; ///< how many parameters to record (fakecuda_record_params)
  std::uint64_t params[kRecorded] = {};
};

LastLaunch &last() {
  static LastLaunch *l = new LastLaunch;
  return *l;
}

std::atomic<long> gLaunches{0};
std::atomic<long> gWaits{0};
std::atomic<std::uintptr_t> gNextHandle{0x1000};

template <class T> T handle() { return reinterpret_cast<T>(gNextHandle.fetch_add(16)); }

void *allocate(std::size_t bytes) {
  void *p = nullptr;
  if (posix_memalign(&p, 256, bytes ? bytes : 1) != 0)
    return nullptr;
  std::memset(p, 0, bytes);
  return p;
}

CUresult record(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                unsigned shared, CUstream stream, void **params) {
  if (!f)
    return CUDA_ERROR_INVALID_HANDLE;
  LastLaunch &l = last();
  {
    std::lock_guard<std::mutex> lock(l.mutex);
    l.function = reinterpret_cast<std::uint64_t>(f);
    const unsigned dims[6] = {gx, gy, gz, bx, by, bz};
    std::memcpy(l.dims, dims, sizeof dims);
    l.shared = shared;
    l.stream = reinterpret_cast<std::uint64_t>(stream);
    for (int i = 0; i < l.nparams && params; ++i)
      std::memcpy(&l.params[i], params[i], 8);
  }
  gLaunches.fetch_add(1, std::memory_order_relaxed);
  return CUDA_SUCCESS;
}

} // namespace

// -- what tests read --------------------------------------------------------

FAKE_API long fakecuda_launches() { return gLaunches.load(); }
FAKE_API long fakecuda_stream_waits() { return gWaits.load(); }
/// Records the first `n` (at most 64) 8-byte parameters of each later launch.
FAKE_API void fakecuda_record_params(int n) {
  std::lock_guard<std::mutex> lock(last().mutex);
  last().nparams = n < 0 ? 0 : n > kRecorded ? kRecorded : n;
}
/// The last launch: dims = grid x, y, z, block x, y, z; params as recorded.
FAKE_API void fakecuda_last_launch(std::uint64_t *function, unsigned *dims, unsigned *shared, std::uint64_t *stream,
                                   std::uint64_t *params) {
  LastLaunch &l = last();
  std::lock_guard<std::mutex> lock(l.mutex);
  *function = l.function;
  std::memcpy(dims, l.dims, sizeof l.dims);
  *shared = l.shared;
  *stream = l.stream;
  std::memcpy(params, l.params, sizeof(std::uint64_t) * l.nparams);
}

// -- the driver ---------------------------------------------------------------

FAKE_API CUresult cuDriverGetVersion(int *v) {
  *v = 12080;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuInit(unsigned) { return CUDA_SUCCESS; }
FAKE_API CUresult cuGetErrorName(CUresult, const char **s) {
  *s = "CUDA_ERROR_FAKE";
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuGetErrorString(CUresult, const char **s) {
  *s = "an error of the fake driver";
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDeviceGetCount(int *n) {
  *n = 1;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDeviceGet(CUdevice *d, int ordinal) {
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *d = 0;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDeviceGetName(char *name, int len, CUdevice) {
  std::strncpy(name, "ptxforge fake CUDA device", static_cast<std::size_t>(len));
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDeviceGetAttribute(int *v, CUdevice_attribute a, CUdevice) {
  switch (a) {
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
  case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 132; break;
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = 1024; break;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X:
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y: *v = 1024; break;
  case CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z: *v = 64; break;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X: *v = 2147483647; break;
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y:
  case CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z: *v = 65535; break;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *v = 49152; break;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *v = 232448; break;
  case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *v = 32; break;
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: *v = 2048; break;
  case CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED: *v = 0; break;
  default: *v = 0; break;
  }
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDeviceTotalMem(size_t *bytes, CUdevice) {
  *bytes = size_t(1) << 37;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice) {
  static CUcontext context = handle<CUcontext>();
  *c = context;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }
FAKE_API CUresult cuCtxSynchronize() { return CUDA_SUCCESS; }
FAKE_API CUresult cuMemGetInfo(size_t *free, size_t *total) {
  *free = *total = size_t(1) << 37;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemAlloc(CUdeviceptr *p, size_t bytes) {
  void *m = allocate(bytes);
  if (!m)
    return CUDA_ERROR_OUT_OF_MEMORY;
  *p = reinterpret_cast<CUdeviceptr>(m);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemFree(CUdeviceptr p) {
  std::free(reinterpret_cast<void *>(p));
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemcpyHtoD(CUdeviceptr d, const void *s, size_t n) {
  std::memmove(reinterpret_cast<void *>(d), s, n);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemcpyDtoH(void *d, CUdeviceptr s, size_t n) {
  std::memmove(d, reinterpret_cast<const void *>(s), n);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemcpyDtoD(CUdeviceptr d, CUdeviceptr s, size_t n) {
  std::memmove(reinterpret_cast<void *>(d), reinterpret_cast<const void *>(s), n);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemcpyHtoDAsync(CUdeviceptr d, const void *s, size_t n, CUstream) { return cuMemcpyHtoD(d, s, n); }
FAKE_API CUresult cuMemcpyDtoHAsync(void *d, CUdeviceptr s, size_t n, CUstream) { return cuMemcpyDtoH(d, s, n); }
FAKE_API CUresult cuMemcpyDtoDAsync(CUdeviceptr d, CUdeviceptr s, size_t n, CUstream) {
  return cuMemcpyDtoD(d, s, n);
}
FAKE_API CUresult cuModuleLoadDataEx(CUmodule *m, const void *, unsigned, CUjit_option *, void **) {
  *m = handle<CUmodule>();
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuModuleUnload(CUmodule) { return CUDA_SUCCESS; }
FAKE_API CUresult cuModuleGetFunction(CUfunction *f, CUmodule, const char *) {
  *f = handle<CUfunction>();
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuModuleGetGlobal(CUdeviceptr *, size_t *, CUmodule, const char *) { return CUDA_ERROR_NOT_FOUND; }
FAKE_API CUresult cuFuncGetAttribute(int *v, CUfunction_attribute a, CUfunction) {
  *v = a == CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK ? 1024 : a == CU_FUNC_ATTRIBUTE_NUM_REGS ? 16
     : a == CU_FUNC_ATTRIBUTE_PTX_VERSION || a == CU_FUNC_ATTRIBUTE_BINARY_VERSION ? 90 : 0;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuFuncSetAttribute(CUfunction, CUfunction_attribute, int) { return CUDA_SUCCESS; }
FAKE_API CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                 unsigned bz, unsigned shared, CUstream s, void **params, void **) {
  return record(f, gx, gy, gz, bx, by, bz, shared, s, params);
}
FAKE_API CUresult cuLaunchCooperativeKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                                            unsigned by, unsigned bz, unsigned shared, CUstream s, void **params) {
  return record(f, gx, gy, gz, bx, by, bz, shared, s, params);
}
FAKE_API CUresult cuOccupancyMaxActiveBlocksPerMultiprocessor(int *n, CUfunction, int threads, size_t) {
  *n = threads > 0 ? 2048 / threads : 0;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuOccupancyMaxPotentialBlockSize(int *grid, int *block, CUfunction, CUoccupancyB2DSize, size_t,
                                                   int limit) {
  *block = limit > 0 && limit < 1024 ? limit : 1024;
  *grid = 264;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuStreamCreate(CUstream *s, unsigned) {
  *s = handle<CUstream>();
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuStreamDestroy(CUstream) { return CUDA_SUCCESS; }
FAKE_API CUresult cuStreamSynchronize(CUstream) { return CUDA_SUCCESS; }
FAKE_API CUresult cuStreamQuery(CUstream) { return CUDA_SUCCESS; }
FAKE_API CUresult cuStreamWaitEvent(CUstream, CUevent, unsigned) {
  gWaits.fetch_add(1);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuStreamIsCapturing(CUstream, CUstreamCaptureStatus *status) {
  *status = CU_STREAM_CAPTURE_STATUS_NONE;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuStreamBeginCapture(CUstream, CUstreamCaptureMode) { return CUDA_ERROR_NOT_SUPPORTED; }
FAKE_API CUresult cuStreamEndCapture(CUstream, CUgraph *) { return CUDA_ERROR_NOT_SUPPORTED; }
FAKE_API CUresult cuEventCreate(CUevent *e, unsigned) {
  *e = handle<CUevent>();
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuEventDestroy(CUevent) { return CUDA_SUCCESS; }
FAKE_API CUresult cuEventRecord(CUevent, CUstream) { return CUDA_SUCCESS; }
FAKE_API CUresult cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }
FAKE_API CUresult cuEventQuery(CUevent) { return CUDA_SUCCESS; }
FAKE_API CUresult cuEventElapsedTime(float *ms, CUevent, CUevent) {
  *ms = 0.0f;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuGraphInstantiate(CUgraphExec *, CUgraph, unsigned long long) { return CUDA_ERROR_NOT_SUPPORTED; }
FAKE_API CUresult cuGraphLaunch(CUgraphExec, CUstream) { return CUDA_ERROR_NOT_SUPPORTED; }
FAKE_API CUresult cuGraphExecDestroy(CUgraphExec) { return CUDA_SUCCESS; }
FAKE_API CUresult cuGraphDestroy(CUgraph) { return CUDA_SUCCESS; }
FAKE_API CUresult cuGraphGetNodes(CUgraph, CUgraphNode *, size_t *n) {
  *n = 0;
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemAllocAsync(CUdeviceptr *p, size_t bytes, CUstream) { return cuMemAlloc(p, bytes); }
FAKE_API CUresult cuMemFreeAsync(CUdeviceptr p, CUstream) { return cuMemFree(p); }
FAKE_API CUresult cuDeviceGetDefaultMemPool(CUmemoryPool *, CUdevice) { return CUDA_ERROR_NOT_SUPPORTED; }
FAKE_API CUresult cuMemPoolSetAttribute(CUmemoryPool, CUmemPool_attribute, void *) { return CUDA_ERROR_NOT_SUPPORTED; }
FAKE_API CUresult cuMemPoolTrimTo(CUmemoryPool, size_t) { return CUDA_ERROR_NOT_SUPPORTED; }
FAKE_API CUresult cuMemHostAlloc(void **p, size_t bytes, unsigned) {
  *p = allocate(bytes);
  return *p ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}
FAKE_API CUresult cuMemFreeHost(void *p) {
  std::free(p);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemAllocManaged(CUdeviceptr *p, size_t bytes, unsigned) { return cuMemAlloc(p, bytes); }
FAKE_API CUresult cuMemHostGetDevicePointer(CUdeviceptr *d, void *p, unsigned) {
  *d = reinterpret_cast<CUdeviceptr>(p);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuPointerGetAttribute(void *data, CUpointer_attribute a, CUdeviceptr) {
  // Every pointer is host memory here; the runtime asks for the memory type.
  if (a == CU_POINTER_ATTRIBUTE_MEMORY_TYPE) {
    *static_cast<unsigned *>(data) = CU_MEMORYTYPE_HOST;
    return CUDA_SUCCESS;
  }
  return CUDA_ERROR_INVALID_VALUE;
}
FAKE_API CUresult cuMemsetD8(CUdeviceptr d, unsigned char v, size_t n) {
  std::memset(reinterpret_cast<void *>(d), v, n);
  return CUDA_SUCCESS;
}
FAKE_API CUresult cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, CUstream) { return cuMemsetD8(d, v, n); }
