//===- runtime/Aot.cpp - AOT modules: loading, kernel lookup, checked launch ===//
//
// Before the driver sees an image, its kind and architectures are read here,
// so that a file that is not a module, or has no code for the device, is an
// error that names both; a kernel's parameters come from the driver where
// it can say (cuFuncGetParamInfo) and from the image's cubin otherwise.
//
//===----------------------------------------------------------------------===//
#include "runtime/Aot.h"
#include "runtime/DriverApi.h"
#include "runtime/Fatbin.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ptxforge::runtime {

namespace {

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string archName(int cc) { return "sm_" + std::to_string(cc); }

/// The cubin in `image` that a device of compute capability `cc` runs: the
/// image itself, or the fatbin's uncompressed cubin of the same major
/// version with the highest minor no higher than the device's. Empty when
/// the image shows none (PTX, compressed entries).
std::string cubinFor(const std::string &image, int cc) {
  ImageKind kind = imageKind(image);
  if (kind == ImageKind::Cubin)
    return image;
  if (kind != ImageKind::Fatbin)
    return {};
  std::string error;
  auto entries = readFatbin(image, error);
  const FatbinEntry *best = nullptr;
  if (entries)
    for (const FatbinEntry &e : *entries)
      if (e.kind == FatbinEntry::Cubin && !e.compressed && e.arch / 10 == cc / 10 && e.arch <= cc &&
          (!best || e.arch > best->arch))
        best = &e;
  return best ? best->data : std::string();
}

std::string describeSlots(const std::vector<ParamSlot> &slots) {
  std::string text;
  for (const ParamSlot &s : slots)
    text += (text.empty() ? "" : ", ") + std::to_string(s.size) + "@" + std::to_string(s.offset);
  return "[" + text + "]";
}

} // namespace

LaunchConfig launchConfig(Dim3 grid, Dim3 block, unsigned sharedBytes, void *stream) {
  LaunchConfig c;
  c.grid[0] = grid.x, c.grid[1] = grid.y, c.grid[2] = grid.z;
  c.block[0] = block.x, c.block[1] = block.y, c.block[2] = block.z;
  c.sharedBytes = sharedBytes;
  c.stream = stream;
  return c;
}

void ArgBuffer::append(const void *data, std::size_t size, std::size_t align) {
  std::size_t offset = (size_ + align - 1) / align * align;
  size_ = offset + size;
  storage_.resize((size_ + 7) / 8, 0);
  std::memcpy(reinterpret_cast<unsigned char *>(storage_.data()) + offset, data, size);
  arguments_.push_back({static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size)});
}

void checkArguments(const std::string &kernel, const std::vector<ParamSlot> &params, const ArgBuffer &args) {
  auto fail = [&](const std::string &why) {
    throw std::invalid_argument("kernel '" + kernel + "': " + why + " (parameters as size@offset: " +
                                describeSlots(params) + "; arguments: " + describeSlots(args.arguments()) +
                                "); pass the types its generated header declares");
  };
  std::size_t p = 0;
  for (std::size_t a = 0; a < args.arguments().size(); ++a) {
    const ParamSlot &arg = args.arguments()[a];
    const std::string which = "argument " + std::to_string(a + 1);
    if (p >= params.size())
      fail(which + " is one too many: the kernel takes " + std::to_string(params.size()) + " parameters");
    if (params[p].offset != arg.offset)
      fail(which + " starts at byte " + std::to_string(arg.offset) + " of the parameter buffer, but parameter " +
           std::to_string(p + 1) + " starts at byte " + std::to_string(params[p].offset));
    std::uint32_t end = arg.offset + arg.size;
    while (p < params.size() && params[p].offset + params[p].size <= end)
      ++p;
    if ((p > 0 ? params[p - 1].offset + params[p - 1].size : 0) != end)
      fail(which + " is " + std::to_string(arg.size) + " bytes, which does not end where a parameter ends" +
           (p < params.size() ? " (parameter " + std::to_string(p + 1) + " is " + std::to_string(params[p].size) +
                                    " bytes at byte " + std::to_string(params[p].offset) + ")"
                              : std::string()));
  }
  if (p != params.size())
    fail("it takes " + std::to_string(params.size()) + " parameters, the arguments cover " + std::to_string(p));
}

void Kernel::launchPacked(const LaunchConfig &config, const ArgBuffer &args) const {
  checkArguments(function_.name, params_, args);
  std::vector<void *> pointers;
  pointers.reserve(params_.size());
  for (const ParamSlot &slot : params_)
    pointers.push_back(const_cast<unsigned char *>(args.data()) + slot.offset);
  ensureContext(function_.device);
  runtime::launch(function_, config, pointers.data());
}

AotModule AotModule::load(const std::string &path, int device) {
  return fromImage(readFile(path), path, device);
}

AotModule AotModule::fromImage(std::string image, const std::string &name, int device) {
  if (imageKind(image) == ImageKind::Unknown)
    throw std::runtime_error("'" + name + "' is not a cubin, fatbin or PTX file (" + std::to_string(image.size()) +
                             " bytes); load what `ptxforge compile` wrote");
  if (device < 0)
    device = currentDevice();
  DeviceInfo info = deviceInfo(device);
  const int cc = info.ccMajor * 10 + info.ccMinor;
  if (!imageRunsOn(image, cc))
    throw std::runtime_error("'" + name + "' has code for " + describeArchs(image) + ", none of which runs on device " +
                             std::to_string(device) + " (" + info.name + ", " + archName(cc) +
                             "); compile it with --arch " + archName(cc));
  AotModule m;
  m.module_ = Module::load(image, device);
  m.cubin_ = cubinFor(image, cc);
  m.image_ = std::move(image);
  m.name_ = name;
  m.device_ = device;
  return m;
}

std::vector<std::string> AotModule::kernelNames() const { return cubinKernels(cubin_); }

Kernel AotModule::kernel(const std::string &entry) const {
  Kernel k;
  k.module_ = module_;
  try {
    k.function_ = module_->function(entry);
  } catch (const CudaError &e) {
    if (e.code() != CUDA_ERROR_NOT_FOUND)
      throw;
    std::string names;
    for (const std::string &n : kernelNames())
      names += (names.empty() ? "" : ", ") + n;
    throw std::invalid_argument("'" + name_ + "' has no kernel named '" + entry + "'" +
                                (names.empty() ? std::string() : "; it has " + names));
  }
  // The driver's parameter list where it can give one, else the cubin's.
  auto *paramInfo = detail::gCuOptional.cuFuncGetParamInfo;
  if (paramInfo) {
    for (std::size_t i = 0;; ++i) {
      std::size_t offset = 0, size = 0;
      if (paramInfo(static_cast<CUfunction>(k.function_.handle), i, &offset, &size) != CUDA_SUCCESS)
        break;
      k.params_.push_back({static_cast<std::uint32_t>(offset), static_cast<std::uint32_t>(size)});
    }
    return k;
  }
  std::optional<std::vector<ParamSlot>> fromCubin = cubinParams(cubin_, entry);
  if (!fromCubin)
    throw std::runtime_error("cannot tell the parameters of kernel '" + entry + "' in '" + name_ +
                             "': the driver is older than CUDA 12.4 (no cuFuncGetParamInfo) and the image has no "
                             "uncompressed cubin for this device; update the NVIDIA driver");
  k.params_ = std::move(*fromCubin);
  return k;
}

} // namespace ptxforge::runtime
