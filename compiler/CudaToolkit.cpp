//===- compiler/CudaToolkit.cpp - Finding the CUDA toolkit at run time ----===//
//
// Looks for the toolkit in the usual places and in NVIDIA's pip packages
// (CUDA 13 wheels install under site-packages/nvidia/cu13, CUDA 12 ones under
// nvidia/cuda_nvcc and nvidia/nvjitlink), without running Python.
//
//===----------------------------------------------------------------------===//
#include "compiler/CudaToolkit.h"
#include "compiler/Cubin.h"

#include <dlfcn.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace ptxforge::compiler {
namespace {

bool isDirectory(const std::string &path) {
  struct stat st;
  return !path.empty() && stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool isFile(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
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

/// Appends every directory matching the glob `pattern`, in descending name
/// order (python3.12 before python3.11).
void appendGlob(std::vector<std::string> &out, const std::string &pattern) {
  glob_t matches;
  if (glob(pattern.c_str(), GLOB_ONLYDIR | GLOB_NOSORT, nullptr, &matches) == 0) {
    std::vector<std::string> found(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
    std::sort(found.rbegin(), found.rend());
    out.insert(out.end(), found.begin(), found.end());
  }
  globfree(&matches);
}

/// The directory of `ptxas` on PATH, or empty.
std::string ptxasOnPath() {
  std::string path = env("PATH");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos)
      end = path.size();
    std::string dir = path.substr(start, end - start);
    if (!dir.empty() && isExecutable(dir + "/ptxas"))
      return dir;
    start = end + 1;
  }
  return "";
}

/// site-packages of the running libptxforge: it is installed as
/// site-packages/ptxforge/libptxforge.so, so look one and two levels up.
void appendOwnSitePackages(std::vector<std::string> &out) {
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(&pipSitePackages), &info) == 0 || !info.dli_fname)
    return;
  std::string dir = parentOf(info.dli_fname);
  for (int up = 0; up < 2 && !dir.empty(); ++up) {
    dir = parentOf(dir);
    if (isDirectory(dir + "/nvidia"))
      out.push_back(dir);
  }
}

void appendUnique(std::vector<std::string> &out, const std::string &dir) {
  if (isDirectory(dir) && std::find(out.begin(), out.end(), dir) == out.end())
    out.push_back(dir);
}

bool looksLikeToolkit(const std::string &root) {
  return isExecutable(root + "/bin/ptxas") || isFile(root + "/nvvm/libdevice/libdevice.10.bc") ||
         isFile(root + "/include/cuda.h") || isFile(root + "/lib64/libnvJitLink.so") ||
         isFile(root + "/lib/libnvJitLink.so.13");
}

} // namespace

std::vector<std::string> pipSitePackages() {
  std::vector<std::string> sites;
  appendOwnSitePackages(sites);
  for (const char *prefix : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
    std::string root = env(prefix);
    if (!root.empty())
      appendGlob(sites, root + "/lib/python3*/site-packages");
  }
  std::string pythonPath = env("PYTHONPATH");
  size_t start = 0;
  while (start < pythonPath.size()) {
    size_t end = std::min(pythonPath.find(':', start), pythonPath.size());
    sites.push_back(pythonPath.substr(start, end - start));
    start = end + 1;
  }
  std::string home = env("HOME");
  if (!home.empty())
    appendGlob(sites, home + "/.local/lib/python3*/site-packages");
  appendGlob(sites, "/usr/local/lib/python3*/dist-packages");
  appendGlob(sites, "/usr/local/lib/python3*/site-packages");
  sites.push_back("/usr/lib/python3/dist-packages");
  std::vector<std::string> unique;
  for (const std::string &site : sites)
    appendUnique(unique, site);
  return unique;
}

// The lookups below are computed once and never destroyed, since background
// threads (the assembler's warm-up) may read them while the process exits.

const std::vector<std::string> &toolkitRoots() {
  static const std::vector<std::string> &roots = *new std::vector<std::string>([] {
    std::vector<std::string> out;
    appendUnique(out, env("CUDA_HOME"));
    appendUnique(out, env("CUDA_PATH"));
    std::string ptxasDir = ptxasOnPath();
    if (!ptxasDir.empty())
      appendUnique(out, parentOf(ptxasDir));
    appendUnique(out, "/usr/local/cuda");
    for (const std::string &site : pipSitePackages())
      for (const char *package : {"cu13", "cuda_nvcc", "nvjitlink"})
        appendUnique(out, site + "/nvidia/" + package);
    return out;
  }());
  return roots;
}

std::string findCudaHome() {
  static const std::string &home = *new std::string([] {
    for (const std::string &root : toolkitRoots())
      if (looksLikeToolkit(root))
        return root;
    return std::string();
  }());
  return home;
}

std::optional<std::string> findLibdevice() {
  static const std::optional<std::string> &libdevice = *new std::optional<std::string>(
      []() -> std::optional<std::string> {
        for (const std::string &root : toolkitRoots()) {
          std::string path = root + "/nvvm/libdevice/libdevice.10.bc";
          if (isFile(path))
            return path;
        }
        return std::nullopt;
      }());
  return libdevice;
}

const std::string &findPtxas() {
  static const std::string &ptxas = *new std::string([] {
    for (const std::string &root : toolkitRoots())
      if (isExecutable(root + "/bin/ptxas"))
        return root + "/bin/ptxas";
    return std::string();
  }());
  return ptxas;
}

std::vector<std::string> nvJitLinkCandidates() {
  std::vector<std::string> out = {"libnvJitLink.so.13", "libnvJitLink.so"};
  for (const std::string &root : toolkitRoots())
    for (const char *lib : {"/lib64/", "/lib/"})
      for (const char *name : {"libnvJitLink.so.13", "libnvJitLink.so", "libnvJitLink.so.12"}) {
        std::string path = root + lib + name;
        if (isFile(path))
          out.push_back(path);
      }
  return out;
}

} // namespace ptxforge::compiler
