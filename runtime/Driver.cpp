//===- runtime/Driver.cpp - Opening libcuda, cuInit, primary contexts -----===//
//
// libcuda.so.1 is opened with dlopen once and every entry point is resolved
// by dlsym of the symbol cuda.h declares, into gCu. cuInit and each device's primary context
// are made once, either on the caller's thread or on the one background
// thread that startInitAsync starts; failures are kept and rethrown to every
// caller. Nothing here runs driver code from a static destructor.
//
//===----------------------------------------------------------------------===//
#include "runtime/DriverApi.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <dlfcn.h>
#include <exception>
#include <link.h>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <unistd.h>

namespace ptxforge::runtime {

CudaError::CudaError(int code, std::string call, const std::string &message)
    : std::runtime_error(message), code_(code), call_(std::move(call)) {}

namespace detail {

DriverApi gCu;
OptionalDriverApi gCuOptional;

namespace {

constexpr const char *kNoGpuHint =
    "Launching kernels needs an NVIDIA GPU and its driver; compiling and "
    "inspecting work without one.";

/// What is known about one device. Each part is made once, by whichever
/// thread gets there first; a failure is kept and rethrown to every caller.
struct DeviceSlot {
  CUdevice device = 0;

  std::once_flag infoOnce;
  std::atomic<bool> infoReady{false};
  DeviceInfo info;
  std::exception_ptr infoError;

  std::once_flag contextOnce;
  CUcontext context = nullptr;
  std::exception_ptr contextError;
};

/// The process-wide driver state. Allocated once and never destroyed, so
/// that no driver call can run from a static destructor at exit.
struct State {
  std::once_flag loadOnce;
  std::string loadError;
  int driverVersion = 0;  ///< cuDriverGetVersion, where libcuda.so.1 loaded
  std::string driverPath; ///< where it was found

  std::once_flag initOnce;
  std::atomic<bool> initDone{false};
  std::exception_ptr initError;
  std::atomic<pid_t> initPid{0}; ///< the process that ran cuInit (a forked child is another)
  int deviceCount = 0;
  std::unique_ptr<DeviceSlot[]> slots;

  std::once_flag asyncOnce;
  std::mutex joinMutex;
  std::thread initThread;

  std::atomic<int> currentDevice{0};
};

State &state() {
  static State *s = new State;
  return *s;
}

/// The device whose primary context is current on this thread, -1 for none.
thread_local int tCurrentOrdinal = -1;

/// Where the dynamic loader found `lib`, for messages.
std::string libraryPath(void *lib) {
  link_map *map = nullptr;
  if (dlinfo(lib, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name)
    return map->l_name;
  return "libcuda.so.1";
}

/// dlopen + dlsym of every entry point. Returns the reason on failure, empty on success.
std::string openLibrary(State &s) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    return std::string("no CUDA driver: libcuda.so.1 could not be loaded (") +
           (why ? why : "unknown reason") + "). " + kNoGpuHint;
  }
  // Each entry point is resolved by the exact symbol that cuda.h's
  // declaration stands for (its macros map cuMemAlloc to cuMemAlloc_v2), so
  // the pointer always has the declared signature. cuGetProcAddress would
  // hand out the newest ABI for the requested version instead: for CUDA 13
  // that is cuCtxSynchronize(CUcontext), not cuda.h's cuCtxSynchronize(void).
  s.driverPath = libraryPath(lib);
  if (auto getVersion = reinterpret_cast<decltype(&::cuDriverGetVersion)>(dlsym(lib, "cuDriverGetVersion")))
    getVersion(&s.driverVersion);
  DriverApi api;
  const char *missing = nullptr;
#define PF_CU_SYMBOL_NAME(name) #name
#define PF_CU_SYMBOL(name) PF_CU_SYMBOL_NAME(name)
#define PF_CU_RESOLVE(name)                                                    \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(lib, PF_CU_SYMBOL(name))); \
  if (!api.name && !missing)                                                   \
    missing = PF_CU_SYMBOL(name);
  PF_CU_FUNCTIONS(PF_CU_RESOLVE)
#undef PF_CU_RESOLVE
  OptionalDriverApi optional;
#define PF_CU_RESOLVE_OPTIONAL(name)                                           \
  optional.name = reinterpret_cast<decltype(optional.name)>(dlsym(lib, PF_CU_SYMBOL(name)));
  PF_CU_OPTIONAL_FUNCTIONS(PF_CU_RESOLVE_OPTIONAL)
#undef PF_CU_RESOLVE_OPTIONAL
#undef PF_CU_SYMBOL
#undef PF_CU_SYMBOL_NAME
  if (missing) {
    return std::string("no CUDA driver: libcuda.so.1 (") + s.driverPath + ", CUDA " +
           std::to_string(s.driverVersion / 1000) + "." + std::to_string(s.driverVersion % 1000 / 10) +
           ") does not provide " + missing + "; update the NVIDIA driver. " + kNoGpuHint;
  }
  gCu = api;
  gCuOptional = optional;
  return {};
}

[[noreturn]] void noDevice(const std::string &why) {
  throw CudaUnavailable("no CUDA device: " + why + ". " + kNoGpuHint);
}

/// cuInit and the device count; runs once, on whichever thread comes first.
void initialize(State &s) {
  try {
    loadDriver();
    CUresult result = gCu.cuInit(0);
    if (result == CUDA_ERROR_STUB_LIBRARY)
      noDevice("the libcuda.so.1 found is the CUDA toolkit's stub, not the driver; take its folder off "
               "LD_LIBRARY_PATH");
    if (result != CUDA_SUCCESS)
      noDevice("cuInit failed with " + errorText(result));
    s.initPid.store(getpid(), std::memory_order_relaxed);
    int count = 0;
    result = gCu.cuDeviceGetCount(&count);
    if (result != CUDA_SUCCESS)
      noDevice("cuDeviceGetCount failed with " + errorText(result));
    if (count <= 0)
      noDevice("the driver loaded but reports no devices");
    auto slots = std::make_unique<DeviceSlot[]>(count);
    for (int i = 0; i < count; ++i)
      PF_CHECK_CU(cuDeviceGet, &slots[i].device, i);
    s.slots = std::move(slots);
    s.deviceCount = count;
  } catch (...) {
    s.initError = std::current_exception();
  }
  s.initDone.store(true, std::memory_order_release);
}

/// Waits for cuInit (running it here if nobody has) and rethrows its failure.
void waitInit() {
  State &s = state();
  if (!s.initDone.load(std::memory_order_acquire))
    std::call_once(s.initOnce, [&s] { initialize(s); });
  if (s.initError)
    std::rethrow_exception(s.initError);
}

DeviceSlot &slotFor(int ordinal) {
  waitInit();
  State &s = state();
  if (ordinal < 0 || ordinal >= s.deviceCount)
    throw std::invalid_argument(
        "CUDA device " + std::to_string(ordinal) + " does not exist: there " +
        (s.deviceCount == 1
             ? "is 1 device"
             : "are " + std::to_string(s.deviceCount) + " devices") +
        ", numbered from 0");
  return s.slots[ordinal];
}

int attribute(CUdevice device, CUdevice_attribute which) {
  int value = 0;
  PF_CHECK_CU(cuDeviceGetAttribute, &value, which, device);
  return value;
}

DeviceInfo queryInfo(int ordinal, CUdevice device) {
  DeviceInfo info;
  info.ordinal = ordinal;
  char name[256] = {};
  PF_CHECK_CU(cuDeviceGetName, name, static_cast<int>(sizeof name) - 1, device);
  info.name = name;
  info.ccMajor =
      attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  info.ccMinor =
      attribute(device, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  info.multiprocessors =
      attribute(device, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  info.maxThreadsPerBlock =
      attribute(device, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  info.maxBlockDim[0] = attribute(device, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X);
  info.maxBlockDim[1] = attribute(device, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y);
  info.maxBlockDim[2] = attribute(device, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z);
  info.maxGridDim[0] = attribute(device, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X);
  info.maxGridDim[1] = attribute(device, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y);
  info.maxGridDim[2] = attribute(device, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z);
  info.maxSharedPerBlock =
      attribute(device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
  info.maxSharedPerBlockOptin = std::max(
      info.maxSharedPerBlock,
      attribute(device, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN));
  info.warpSize = attribute(device, CU_DEVICE_ATTRIBUTE_WARP_SIZE);
  PF_CHECK_CU(cuDeviceTotalMem, &info.totalMemory, device);
  return info;
}

/// Retains the device's primary context once; later calls return it.
CUcontext primaryContext(int ordinal) {
  DeviceSlot &slot = slotFor(ordinal);
  std::call_once(slot.contextOnce, [&slot] {
    try {
      CUcontext context = nullptr;
      PF_CHECK_CU(cuDevicePrimaryCtxRetain, &context, slot.device);
      slot.context = context;
    } catch (...) {
      slot.contextError = std::current_exception();
    }
  });
  if (slot.contextError)
    std::rethrow_exception(slot.contextError);
  return slot.context;
}

/// The background thread's work. Failures stay in the state, for the callers
/// that wait on it to rethrow.
void warmUp(int ordinal) noexcept {
  try {
    cachedDeviceInfo(ordinal);
    primaryContext(ordinal);
  } catch (...) {
  }
}

} // namespace

void loadDriver() {
  State &s = state();
  std::call_once(s.loadOnce, [&s] { s.loadError = openLibrary(s); });
  if (!s.loadError.empty())
    throw CudaUnavailable(s.loadError);
}


void throwCudaError(CUresult result, const char *call) {
  // A child forked after cuInit inherits the initialised state, which the driver refuses
  // (CUDA_ERROR_NOT_INITIALIZED) in every call: say why, as numba does.
  const pid_t initPid = state().initPid.load(std::memory_order_relaxed);
  if (result == CUDA_ERROR_NOT_INITIALIZED && initPid != 0 && getpid() != initPid)
    throw CudaError(result, call,
                    std::string("CUDA initialized before forking: this process is a fork of one that had "
                                "initialised CUDA, which a forked child cannot use (") +
                        call + " failed: " + errorText(result) +
                        "); start GPU workers with the 'spawn' or 'forkserver' method, as in "
                        "multiprocessing.get_context('spawn')");
  throw CudaError(result, call, std::string(call) + " failed: " + errorText(result) + faultNote(result));
}

namespace {

/// The last kernel launched on each device, for naming the kernel a fault
/// came from when a later call reports it. Never destroyed.
struct LastLaunch {
  std::atomic<void *> handle{nullptr};
  std::mutex mutex;
  std::string name;
};

constexpr int kTrackedDevices = 64;

LastLaunch *lastLaunches() {
  static LastLaunch *table = new LastLaunch[kTrackedDevices];
  return table;
}

bool isKernelFault(int code) {
  switch (code) {
  case CUDA_ERROR_ILLEGAL_ADDRESS:
  case CUDA_ERROR_LAUNCH_TIMEOUT:
  case CUDA_ERROR_ASSERT:
  case CUDA_ERROR_HARDWARE_STACK_ERROR:
  case CUDA_ERROR_ILLEGAL_INSTRUCTION:
  case CUDA_ERROR_MISALIGNED_ADDRESS:
  case CUDA_ERROR_INVALID_ADDRESS_SPACE:
  case CUDA_ERROR_INVALID_PC:
  case CUDA_ERROR_LAUNCH_FAILED:
    return true;
  default:
    return false;
  }
}

} // namespace

void noteLaunch(const Function &fn) {
  if (fn.device < 0 || fn.device >= kTrackedDevices) [[unlikely]]
    return;
  LastLaunch &last = lastLaunches()[fn.device];
  if (last.handle.load(std::memory_order_relaxed) == fn.handle) [[likely]]
    return;
  std::lock_guard<std::mutex> lock(last.mutex);
  last.name = fn.name;
  last.handle.store(fn.handle, std::memory_order_relaxed);
}

std::string lastLaunchedKernelName(int device) {
  if (device < 0 || device >= kTrackedDevices)
    return {};
  LastLaunch &last = lastLaunches()[device];
  std::lock_guard<std::mutex> lock(last.mutex);
  return last.name;
}

std::string faultNote(int code) {
  if (!isKernelFault(code))
    return {};
  int device = tCurrentOrdinal >= 0 ? tCurrentOrdinal : state().currentDevice.load();
  if (device < 0 || device >= kTrackedDevices)
    return {};
  LastLaunch &last = lastLaunches()[device];
  std::lock_guard<std::mutex> lock(last.mutex);
  if (last.name.empty())
    return {};
  return " (raised by kernel '" + last.name + "', the last one launched on device " + std::to_string(device) +
         "; the device's context is now unusable: restart the process)";
}

const DeviceInfo &cachedDeviceInfo(int ordinal) {
  DeviceSlot &slot = slotFor(ordinal);
  if (slot.infoReady.load(std::memory_order_acquire) && !slot.infoError)
    return slot.info;
  std::call_once(slot.infoOnce, [&slot, ordinal] {
    try {
      slot.info = queryInfo(ordinal, slot.device);
    } catch (...) {
      slot.infoError = std::current_exception();
    }
    slot.infoReady.store(true, std::memory_order_release);
  });
  if (slot.infoError)
    std::rethrow_exception(slot.infoError);
  return slot.info;
}

} // namespace detail

int driverVersion() {
  detail::State &s = detail::state();
  std::call_once(s.loadOnce, [&s] { s.loadError = detail::openLibrary(s); });
  return s.driverVersion;
}

std::string driverPath() {
  driverVersion();
  return detail::state().driverPath;
}

using namespace detail;

std::string lastLaunchedKernel(int device) { return lastLaunchedKernelName(device); }

bool isAvailable() {
  try {
    waitInit();
    return true;
  } catch (...) {
    return false;
  }
}

std::string unavailableReason() {
  try {
    waitInit();
    return {};
  } catch (const std::exception &e) {
    return e.what();
  } catch (...) {
    return "the CUDA driver failed to start for an unknown reason";
  }
}

int deviceCount() {
  try {
    waitInit();
    return state().deviceCount;
  } catch (...) {
    return 0;
  }
}

void startInitAsync(int ordinal) {
  State &s = state();
  std::call_once(s.asyncOnce, [&s, ordinal] {
    if (s.initDone.load(std::memory_order_acquire) && s.initError)
      return;
    // libcuda is opened here, not on the thread: its static destructors are
    // then registered before the join below and run after it (exit() runs
    // handlers newest first), so the driver is not torn down under cuInit.
    try {
      loadDriver();
    } catch (...) {
      return; // no driver: waitInit reports it to whoever asks
    }
    std::atexit(joinInitThread);
    try {
      s.initThread = std::thread(warmUp, ordinal);
    } catch (const std::system_error &) {
      // No thread to be had: the first caller that needs the driver starts it.
    }
  });
}

void joinInitThread() {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.joinMutex);
  try {
    if (s.initThread.joinable() && s.initThread.get_id() != std::this_thread::get_id())
      s.initThread.join();
  } catch (...) {
  }
}

std::pair<int, int> computeCapability(int ordinal) {
  const DeviceInfo &info = cachedDeviceInfo(ordinal);
  return {info.ccMajor, info.ccMinor};
}

void ensureContext(int ordinal) {
  if (ordinal == tCurrentOrdinal) [[likely]]
    return;
  CUcontext context = primaryContext(ordinal);
  PF_CHECK_CU(cuCtxSetCurrent, context);
  tCurrentOrdinal = ordinal;
}

int currentDevice() {
  return state().currentDevice.load(std::memory_order_relaxed);
}

void selectDevice(int ordinal) {
  slotFor(ordinal);
  state().currentDevice.store(ordinal, std::memory_order_relaxed);
}

DeviceInfo deviceInfo(int ordinal) { return cachedDeviceInfo(ordinal); }

std::pair<std::size_t, std::size_t> memoryInfo() {
  ensureContext(currentDevice());
  std::size_t freeBytes = 0, totalBytes = 0;
  PF_CHECK_CU(cuMemGetInfo, &freeBytes, &totalBytes);
  return {freeBytes, totalBytes};
}

void synchronize() {
  ensureContext(currentDevice());
  PF_CHECK_CU(cuCtxSynchronize);
}

std::string errorText(int code) {
  std::string number = "CUDA error " + std::to_string(code);
  try {
    loadDriver();
  } catch (...) {
    return number;
  }
  const char *name = nullptr;
  const char *text = nullptr;
  auto result = static_cast<CUresult>(code);
  if (gCu.cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    return number + " (not known to this driver)";
  if (gCu.cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    return name;
  return std::string(name) + " (" + text + ")";
}

} // namespace ptxforge::runtime
