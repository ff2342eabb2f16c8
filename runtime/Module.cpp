//===- runtime/Module.cpp - Loading images and looking up kernels ---------===//
//
// cuModuleLoadDataEx with the JIT's error and info logs captured, so that a
// PTX the driver rejects says why; cuModuleGetFunction with the kernel's
// resource attributes read once, at lookup, for launch() to check against.
//
//===----------------------------------------------------------------------===//
#include "runtime/Module.h"
#include "runtime/DriverApi.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace ptxforge::runtime {

namespace {

constexpr std::size_t kErrorLogBytes = 16 * 1024;
constexpr std::size_t kInfoLogBytes = 4 * 1024;

/// The text the driver wrote into a log buffer, without trailing blanks.
std::string logText(const std::vector<char> &buffer) {
  std::string text(buffer.data(), strnlen(buffer.data(), buffer.size()));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.pop_back();
  return text;
}

int functionAttribute(CUfunction function, CUfunction_attribute which) {
  int value = 0;
  PF_CHECK_CU(cuFuncGetAttribute, &value, which, function);
  return value;
}

} // namespace

std::shared_ptr<Module> Module::load(std::string_view image, int ordinal) {
  if (image.empty())
    throw std::invalid_argument("cannot load an empty module image");
  ensureContext(ordinal);

  // PTX must end in a NUL; a cubin's size is in its header, so a copy that
  // adds one is harmless for either.
  std::string terminated;
  const char *data = image.data();
  if (image.back() != '\0') {
    terminated.assign(image);
    data = terminated.c_str();
  }

  std::vector<char> errorLog(kErrorLogBytes, '\0');
  std::vector<char> infoLog(kInfoLogBytes, '\0');
  CUjit_option options[] = {
      CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
      CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void *values[] = {
      errorLog.data(),
      reinterpret_cast<void *>(static_cast<std::uintptr_t>(errorLog.size())),
      infoLog.data(),
      reinterpret_cast<void *>(static_cast<std::uintptr_t>(infoLog.size()))};
  CUmodule module = nullptr;
  CUresult result = detail::gCu.cuModuleLoadDataEx(
      &module, data, static_cast<unsigned>(std::size(options)), options,
      values);
  if (result != CUDA_SUCCESS) {
    std::string message = "cuModuleLoadDataEx failed: " + errorText(result);
    std::string log = logText(errorLog);
    if (log.empty())
      log = logText(infoLog);
    if (!log.empty())
      message += "\n" + log;
    throw CudaError(result, "cuModuleLoadDataEx", message);
  }
  return std::shared_ptr<Module>(new Module(module, ordinal));
}

Module::~Module() {
  try {
    ensureContext(device_);
  } catch (...) {
    return;
  }
  detail::gCu.cuModuleUnload(static_cast<CUmodule>(handle_));
}

Function Module::function(const std::string &name) const {
  ensureContext(device_);
  CUfunction handle = nullptr;
  CUresult result = detail::gCu.cuModuleGetFunction(
      &handle, static_cast<CUmodule>(handle_), name.c_str());
  if (result == CUDA_ERROR_NOT_FOUND)
    throw CudaError(result, "cuModuleGetFunction",
                    "cuModuleGetFunction failed: " + errorText(result) +
                        ": the module has no kernel named '" + name + "'");
  detail::checkCu(result, "cuModuleGetFunction");
  detail::forgetFunction(handle);

  Function fn;
  fn.handle = handle;
  fn.name = name;
  fn.device = device_;
  fn.numRegs = functionAttribute(handle, CU_FUNC_ATTRIBUTE_NUM_REGS);
  fn.maxThreadsPerBlock =
      functionAttribute(handle, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
  fn.staticSharedBytes =
      functionAttribute(handle, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES);
  fn.localBytes = functionAttribute(handle, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES);
  return fn;
}

} // namespace ptxforge::runtime

namespace ptxforge::runtime {

std::pair<std::uint64_t, std::size_t> Module::global(const std::string &name) const {
  ensureContext(device_);
  CUdeviceptr address = 0;
  std::size_t bytes = 0;
  CUresult result =
      detail::gCu.cuModuleGetGlobal(&address, &bytes, static_cast<CUmodule>(handle_), name.c_str());
  if (result == CUDA_ERROR_NOT_FOUND)
    return {0, 0};
  detail::checkCu(result, "cuModuleGetGlobal");
  return {static_cast<std::uint64_t>(address), bytes};
}

} // namespace ptxforge::runtime
