//===- compiler/Link.cpp - Link inputs: files, and CUDA C through NVRTC ---===//
//
// NVRTC is opened with dlopen once per process, from NVIDIA's pip packages
// (nvidia/cu13, nvidia/cuda_nvrtc), a CUDA toolkit or the loader's path
// (CudaToolkit.h), and kept. CUDA C is compiled to relocatable PTX (-rdc=true, so that its
// extern "C" __device__ functions stay visible to the linker) with the
// toolkit's include directories on the include path.
//
//===----------------------------------------------------------------------===//

#include "compiler/Link.h"
#include "compiler/CudaToolkit.h"

#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <type_traits>

namespace ptxforge::compiler {

namespace {

/// The NVRTC C API as nvrtc.h declares it; results are nvrtcResult, 0 for success.
struct Nvrtc {
  using Program = void *;
  const char *(*errorString)(int) = nullptr;
  int (*create)(Program *, const char *, const char *, int, const char *const *, const char *const *) = nullptr;
  int (*destroy)(Program *) = nullptr;
  int (*compile)(Program, int, const char *const *) = nullptr;
  int (*logSize)(Program, size_t *) = nullptr;
  int (*log)(Program, char *) = nullptr;
  int (*ptxSize)(Program, size_t *) = nullptr;
  int (*ptx)(Program, char *) = nullptr;
  std::string path;  ///< what dlopen opened
  std::string error; ///< why nothing was opened, when `path` is empty
};

Nvrtc loadNvrtc() {
  Nvrtc api;
  for (const std::string &candidate : toolkit()->nvrtc) {
    void *lib = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib)
      continue;
    auto resolve = [&](const char *name, auto &fn) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
      return fn != nullptr;
    };
    if (resolve("nvrtcGetErrorString", api.errorString) && resolve("nvrtcCreateProgram", api.create) &&
        resolve("nvrtcDestroyProgram", api.destroy) && resolve("nvrtcCompileProgram", api.compile) &&
        resolve("nvrtcGetProgramLogSize", api.logSize) && resolve("nvrtcGetProgramLog", api.log) &&
        resolve("nvrtcGetPTXSize", api.ptxSize) && resolve("nvrtcGetPTX", api.ptx)) {
      api.path = candidate;
      return api;
    }
    dlclose(lib);
  }
  api.error = "NVRTC (libnvrtc.so) was not found by the loader, under the CUDA toolkit or in NVIDIA's pip "
              "packages; install it with `pip install nvidia-cuda-nvrtc` or set CUDA_HOME";
  return api;
}

const Nvrtc &nvrtc() {
  static const Nvrtc api = loadNvrtc();
  return api;
}

std::string baseName(const std::string &path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool readFile(const std::string &path, std::string &bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream data;
  data << in.rdbuf();
  bytes = data.str();
  return static_cast<bool>(in) || in.eof();
}

} // namespace

bool compileCudaSource(const std::string &source, const std::string &name, int ccMajor, int ccMinor,
                       std::string &ptx, std::string &log, std::string &error) {
  const Nvrtc &api = nvrtc();
  if (api.path.empty()) {
    error = "cannot compile " + name + ": " + api.error;
    return false;
  }
  Nvrtc::Program program = nullptr;
  int status = api.create(&program, source.c_str(), name.c_str(), 0, nullptr, nullptr);
  if (status != 0) {
    error = "NVRTC cannot create a program for " + name + ": " + api.errorString(status);
    return false;
  }
  std::vector<std::string> options = {"-arch=compute_" + std::to_string(ccMajor * 10 + ccMinor), "-rdc=true"};
  for (const std::string &dir : toolkit()->includeDirs)
    options.push_back("-I" + dir);
  std::vector<const char *> argv;
  for (const std::string &o : options)
    argv.push_back(o.c_str());
  status = api.compile(program, static_cast<int>(argv.size()), argv.data());
  size_t size = 0;
  if (api.logSize(program, &size) == 0 && size > 1) {
    log.assign(size, '\0');
    if (api.log(program, log.data()) == 0)
      log.resize(std::strlen(log.c_str()));
    else
      log.clear();
  }
  if (status == 0 && api.ptxSize(program, &size) == 0) {
    ptx.assign(size, '\0');
    if (api.ptx(program, ptx.data()) != 0)
      ptx.clear();
  }
  bool ok = status == 0 && !ptx.empty();
  if (!ok) {
    // NVRTC_ERROR_COMPILATION and the like, as nvrtc.h spells them.
    std::string result = api.errorString(status);
    error = result + ": " + name + " does not compile" + (log.empty() ? "" : ":\n" + log);
  }
  api.destroy(&program);
  return ok;
}

bool linkKindOf(const std::string &path, LinkData::Kind &kind, bool &isCudaSource, std::string &error) {
  std::string base = baseName(path);
  auto dot = base.rfind('.');
  isCudaSource = false;
  if (dot == std::string::npos || dot == 0) {
    error = "Don't know how to link file with no extension: " + path +
            " (link takes .ptx, .cubin, .fatbin, .o, .a, .ltoir and .cu files)";
    return false;
  }
  std::string ext = base.substr(dot + 1);
  if (ext == "ptx")
    kind = LinkData::Ptx;
  else if (ext == "cubin")
    kind = LinkData::Cubin;
  else if (ext == "fatbin")
    kind = LinkData::Fatbin;
  else if (ext == "o")
    kind = LinkData::Object;
  else if (ext == "a")
    kind = LinkData::Library;
  else if (ext == "ltoir")
    kind = LinkData::LtoIr;
  else if (ext == "cu") {
    kind = LinkData::Ptx;
    isCudaSource = true;
  } else {
    error = "Don't know how to link file with extension ." + ext + ": " + path +
            " (link takes .ptx, .cubin, .fatbin, .o, .a, .ltoir and .cu files)";
    return false;
  }
  return true;
}

bool prepareLinkInputs(const std::vector<frontend::LinkItem> &items, int ccMajor, int ccMinor,
                       std::vector<LinkData> &out, std::vector<std::string> &warnings, std::string &error) {
  for (const frontend::LinkItem &item : items) {
    std::string source;
    bool cuda = item.isSource;
    LinkData data{LinkData::Ptx, item.path, {}};
    if (cuda) {
      source = item.source;
    } else {
      if (!linkKindOf(item.path, data.kind, cuda, error))
        return false;
      if (!readFile(item.path, cuda ? source : data.bytes)) {
        error = "cannot link " + item.path + ": " + item.path + " not found or not readable";
        return false;
      }
    }
    if (cuda) {
      std::string log;
      data.kind = LinkData::Ptx;
      data.name = baseName(item.path);
      if (!compileCudaSource(source, data.name, ccMajor, ccMinor, data.bytes, log, error))
        return false;
      if (!log.empty())
        warnings.push_back("NVRTC log messages for " + data.name + ":\n" + log);
    }
    if (data.kind == LinkData::Ptx && (data.bytes.empty() || data.bytes.back() != '\0'))
      data.bytes.push_back('\0'); // nvJitLink reads PTX as a C string
    out.push_back(std::move(data));
  }
  return true;
}

std::string nvrtcPath(std::string &error) {
  const Nvrtc &api = nvrtc();
  error = api.error;
  return api.path;
}

} // namespace ptxforge::compiler
