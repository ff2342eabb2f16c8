//===- runtime/DriverApi.h - The driver's entry points, for runtime/ only -===//
//
// The table of libcuda function pointers (typed from cuda.h, resolved by
// dlsym of the symbol each declaration stands for), the one checking macro every driver call goes through,
// and the per-device caches that Memory.cpp and Module.cpp share. Private to
// runtime/: nothing outside it includes this header.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Driver.h"
#include "runtime/Module.h"

#include <cuda.h>

namespace ptxforge::runtime::detail {

/// Every driver entry point the runtime calls. The names are cuda.h's base
/// names; cuda.h's macros map some to their versioned symbols (cuMemAlloc to
/// cuMemAlloc_v2), and dlsym looks up exactly that symbol.
#define PF_CU_FUNCTIONS(X)                                                     \
  X(cuInit)                                                                    \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDeviceTotalMem)                                                          \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxSetCurrent)                                                           \
  X(cuCtxSynchronize)                                                          \
  X(cuMemGetInfo)                                                              \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemcpyHtoD)                                                              \
  X(cuMemcpyDtoH)                                                              \
  X(cuMemcpyDtoD)                                                              \
  X(cuMemcpyHtoDAsync)                                                         \
  X(cuMemcpyDtoHAsync)                                                         \
  X(cuMemcpyDtoDAsync)                                                         \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuModuleGetGlobal)                                                         \
  X(cuFuncGetAttribute)                                                        \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)                                                            \
  X(cuLaunchCooperativeKernel)                                                 \
  X(cuOccupancyMaxActiveBlocksPerMultiprocessor)                               \
  X(cuOccupancyMaxPotentialBlockSize)                                          \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamQuery)                                                             \
  X(cuStreamWaitEvent)                                                         \
  X(cuStreamIsCapturing)                                                       \
  X(cuStreamBeginCapture)                                                      \
  X(cuStreamEndCapture)                                                        \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy)                                                            \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventQuery)                                                              \
  X(cuEventElapsedTime)                                                        \
  X(cuGraphInstantiate)                                                        \
  X(cuGraphLaunch)                                                             \
  X(cuGraphExecDestroy)                                                        \
  X(cuGraphDestroy)                                                            \
  X(cuGraphGetNodes)                                                           \
  X(cuMemAllocAsync)                                                           \
  X(cuMemFreeAsync)                                                            \
  X(cuDeviceGetDefaultMemPool)                                                 \
  X(cuMemPoolSetAttribute)                                                     \
  X(cuMemPoolTrimTo)                                                           \
  X(cuMemHostAlloc)                                                            \
  X(cuMemFreeHost)                                                             \
  X(cuMemAllocManaged)                                                         \
  X(cuMemHostGetDevicePointer)                                                 \
  X(cuMemsetD8)                                                                \
  X(cuPointerGetAttribute)                                                     \
  X(cuMemsetD8Async)

/// Entry points that newer drivers alone have; null where the driver lacks
/// them, and callers fall back.
#define PF_CU_OPTIONAL_FUNCTIONS(X)                                            \
  X(cuFuncGetParamInfo) /* CUDA 12.4 */

/// The resolved entry points. All null until loadDriver() succeeds.
struct DriverApi {
#define PF_CU_MEMBER(name) decltype(&::name) name = nullptr;
  PF_CU_FUNCTIONS(PF_CU_MEMBER)
#undef PF_CU_MEMBER
};

struct OptionalDriverApi {
#define PF_CU_MEMBER(name) decltype(&::name) name = nullptr;
  PF_CU_OPTIONAL_FUNCTIONS(PF_CU_MEMBER)
#undef PF_CU_MEMBER
};
extern OptionalDriverApi gCuOptional;

/// The one table. Read without locking: it is written once, inside
/// loadDriver()'s std::call_once, before any caller can get past it.
extern DriverApi gCu;

/// Opens libcuda.so.1 and resolves gCu (once; cheap afterwards). Does not call
/// cuInit. Throws CudaUnavailable when the library or an entry point is
/// missing.
void loadDriver();

/// Throws CudaError for `result`: "<call> failed: CUDA_ERROR_X (text)".
[[noreturn]] void throwCudaError(CUresult result, const char *call);

/// Throws CudaError unless `result` is CUDA_SUCCESS.
inline void checkCu(CUresult result, const char *call) {
  if (result != CUDA_SUCCESS) [[unlikely]]
    throwCudaError(result, call);
}

/// Calls driver function `fn` with the given arguments and throws CudaError
/// naming `fn` when it fails: PF_CHECK_CU(cuMemFree, ptr). The driver must
/// be loaded (ensureContext or loadDriver first).
#define PF_CHECK_CU(fn, ...)                                                   \
  ::ptxforge::runtime::detail::checkCu(                                        \
      ::ptxforge::runtime::detail::gCu.fn(__VA_ARGS__), #fn)

/// The device's attributes, queried once and cached. Waits for cuInit;
/// throws CudaUnavailable, or std::invalid_argument for a bad ordinal.
const DeviceInfo &cachedDeviceInfo(int ordinal);

/// Checks a launch configuration against the kernel's and the device's
/// limits; throws std::invalid_argument naming the limit and the value.
/// Returns true when the dynamic shared memory needs the function's opt-in
/// attribute raised first. Needs no driver (tests pass a made-up device).
bool validateLaunch(const Function &fn, const LaunchConfig &config,
                    const DeviceInfo &device);

/// Drops what launch() remembers about `function` (its raised shared-memory
/// limit); Module::function calls it, since a handle may be reused after its
/// module is unloaded.
void forgetFunction(void *function);

/// Remembers `fn` as the last kernel launched on its device, so that a fault
/// reported later (by a synchronize or a copy) can name it.
void noteLaunch(const Function &fn);
/// For a kernel fault (an illegal address, a trap, a misaligned access):
/// " (raised by kernel 'name', the last one launched on device N)"; else "".
std::string faultNote(int code);

} // namespace ptxforge::runtime::detail
