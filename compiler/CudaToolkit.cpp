//===- compiler/CudaToolkit.cpp - Finding CUDA's parts at run time --------===//
//
// NVIDIA's pip packages install CUDA 13 under site-packages/nvidia/cu13 (one
// toolkit-like tree: bin/, lib/, nvvm/, include/) and CUDA 12 under one
// directory per package (nvidia/nvjitlink, nvidia/cuda_nvcc, ...). Each such
// directory is searched like a toolkit root, before the toolkits named by
// the environment and /usr/local/cuda. The result is one immutable Toolkit,
// replaced whole when the package roots change.
//
//===----------------------------------------------------------------------===//
#include "compiler/CudaToolkit.h"
#include "compiler/Cubin.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>

namespace ptxforge::compiler {
namespace {

bool isDirectory(const std::string &path) {
  struct stat st;
  return !path.empty() && stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isFile(const std::string &path) {
  struct stat st;
  return !path.empty() && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool isExecutable(const std::string &path) { return isFile(path) && access(path.c_str(), X_OK) == 0; }

std::string parentOf(const std::string &path) {
  size_t end = path.find_last_not_of('/');
  if (end == std::string::npos)
    return "";
  size_t slash = path.rfind('/', end);
  if (slash == std::string::npos)
    return "";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string env(const char *name) {
  const char *value = std::getenv(name);
  return value ? value : "";
}

void appendUnique(std::vector<std::string> &out, const std::string &item) {
  if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end())
    out.push_back(item);
}

/// The directory of `tool` on the colon-separated `path`, or empty.
std::string directoryOnPath(const std::string &path, const char *tool) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find(':', start), path.size());
    std::string dir = path.substr(start, end - start);
    if (!dir.empty() && isExecutable(dir + "/" + tool))
      return dir;
    start = end + 1;
  }
  return "";
}

/// NVIDIA's pip package directories under site-packages/nvidia, best first:
/// CUDA 13's single tree, then the CUDA 12 (and 11) packages.
constexpr const char *kPipPackages[] = {"cu13",         "nvjitlink",      "cuda_nvcc", "cuda_nvrtc",
                                        "cuda_runtime", "cuda_nvdisasm"};

bool looksLikeToolkit(const std::string &root) {
  return isExecutable(root + "/bin/ptxas") || isFile(root + "/nvvm/libdevice/libdevice.10.bc") ||
         isFile(root + "/include/cuda.h");
}

/// Libraries named `stem`.so.MAJOR (majors best first) or `stem`.so in each
/// root's lib64/ and lib/, then the bare sonames for the loader's own search
/// (LD_LIBRARY_PATH, ldconfig, a copy another library already loaded).
std::vector<std::string> libraryCandidates(const std::vector<std::string> &roots, const std::string &stem) {
  std::vector<std::string> names = {stem + ".so.13", stem + ".so.12", stem + ".so"};
  std::vector<std::string> out;
  for (const std::string &root : roots)
    for (const char *lib : {"/lib64/", "/lib/"})
      for (const std::string &name : names)
        if (isFile(root + lib + name))
          appendUnique(out, root + lib + name);
  for (const std::string &name : names)
    out.push_back(name);
  return out;
}

struct Global {
  std::mutex mutex;
  std::vector<std::string> packageRoots;
  std::shared_ptr<const Toolkit> toolkit; ///< null until first asked for, and after a change
};

Global &global() {
  static Global *g = new Global; // never destroyed: lookups may run from other threads at exit
  return *g;
}

} // namespace

ToolkitSearch ToolkitSearch::fromEnvironment(std::vector<std::string> roots) {
  ToolkitSearch search;
  search.packageRoots = std::move(roots);
  search.cudaHome = env("CUDA_HOME");
  search.cudaPath = env("CUDA_PATH");
  search.path = env("PATH");
  return search;
}

Toolkit Toolkit::find(const ToolkitSearch &search) {
  Toolkit t;
  for (const std::string &site : search.packageRoots)
    if (isDirectory(site + "/nvidia"))
      for (const char *package : kPipPackages)
        if (isDirectory(site + "/nvidia/" + package))
          appendUnique(t.roots, site + "/nvidia/" + package);
  size_t firstSystemRoot = t.roots.size();
  std::string ptxasDir = directoryOnPath(search.path, "ptxas");
  for (const std::string &root :
       {search.cudaHome, search.cudaPath, ptxasDir.empty() ? std::string() : parentOf(ptxasDir), search.systemRoot})
    if (isDirectory(root))
      appendUnique(t.roots, root);

  for (size_t i = firstSystemRoot; i < t.roots.size() && t.home.empty(); ++i)
    if (looksLikeToolkit(t.roots[i]))
      t.home = t.roots[i];
  for (const std::string &root : t.roots) {
    if (t.libdevice.empty() && isFile(root + "/nvvm/libdevice/libdevice.10.bc"))
      t.libdevice = root + "/nvvm/libdevice/libdevice.10.bc";
    if (t.ptxas.empty() && isExecutable(root + "/bin/ptxas"))
      t.ptxas = root + "/bin/ptxas";
    if (t.nvdisasm.empty() && isExecutable(root + "/bin/nvdisasm"))
      t.nvdisasm = root + "/bin/nvdisasm";
    // CUDA 13 keeps CCCL (<cuda/std/...>, which curand_kernel.h and cuda/barrier include) in include/cccl,
    // which nvcc adds by itself; NVRTC is told.
    for (const char *include : {"/include", "/targets/x86_64-linux/include", "/include/cccl",
                                "/targets/x86_64-linux/include/cccl"})
      if (isDirectory(root + include))
        appendUnique(t.includeDirs, root + include);
  }
  t.nvJitLink = libraryCandidates(t.roots, "libnvJitLink");
  t.nvrtc = libraryCandidates(t.roots, "libnvrtc");
  return t;
}

void setPackageRoots(std::vector<std::string> roots) {
  Global &g = global();
  std::lock_guard<std::mutex> lock(g.mutex);
  g.packageRoots = std::move(roots);
  g.toolkit.reset();
}

std::shared_ptr<const Toolkit> toolkit() {
  Global &g = global();
  std::lock_guard<std::mutex> lock(g.mutex);
  if (!g.toolkit)
    g.toolkit = std::make_shared<const Toolkit>(Toolkit::find(ToolkitSearch::fromEnvironment(g.packageRoots)));
  return g.toolkit;
}

int sonameMajor(const std::string &path) {
  size_t so = path.rfind(".so.");
  if (so == std::string::npos)
    return 0;
  int major = 0;
  for (size_t i = so + 4; i < path.size() && path[i] >= '0' && path[i] <= '9'; ++i)
    major = major * 10 + (path[i] - '0');
  return major;
}

std::string findCudaHome() { return toolkit()->home; }

std::optional<std::string> findLibdevice() {
  const std::string &path = toolkit()->libdevice;
  return path.empty() ? std::nullopt : std::optional<std::string>(path);
}

} // namespace ptxforge::compiler
