//===- compiler/CudaToolkit.h - Where the CUDA parts are ------------------===//
//
// One lookup of every CUDA part ptxforge opens at run time (libdevice,
// nvJitLink, NVRTC, ptxas, nvdisasm, headers), in NVIDIA's pip packages
// first, then $CUDA_HOME, $CUDA_PATH, the toolkit of `ptxas` on PATH and
// /usr/local/cuda. The library knows no Python: the embedding program (the
// Python binding) hands in the directories that hold NVIDIA's pip packages.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace ptxforge::compiler {

/// What a lookup reads: the directories holding NVIDIA's pip packages
/// (site-packages; each may hold nvidia/cu13, nvidia/nvjitlink ...) and the
/// environment. Tests build one by hand; the process-wide one comes from
/// setPackageRoots and the environment.
struct ToolkitSearch {
  std::vector<std::string> packageRoots; ///< best first; those without nvidia/ are skipped
  std::string cudaHome;                  ///< $CUDA_HOME
  std::string cudaPath;                  ///< $CUDA_PATH
  std::string path;                      ///< $PATH, searched for ptxas (a conda-style toolkit)
  std::string systemRoot = "/usr/local/cuda";

  /// `roots` with the process's environment.
  static ToolkitSearch fromEnvironment(std::vector<std::string> roots);
};

/// Where each part was found, computed once from a ToolkitSearch. Paths are
/// empty (lists empty) where a part is missing.
struct Toolkit {
  /// Existing directories laid out like a toolkit (bin/, lib/ or lib64/,
  /// nvvm/, include/), best first: every NVIDIA pip package directory of
  /// each package root (nvidia/cu13 before the CUDA 12 ones), then
  /// $CUDA_HOME, $CUDA_PATH, the parent of ptxas's directory on PATH, and
  /// /usr/local/cuda.
  std::vector<std::string> roots;
  std::string home;       ///< the first non-pip root that looks like a toolkit
  std::string libdevice;  ///< nvvm/libdevice/libdevice.10.bc
  std::string ptxas;      ///< bin/ptxas
  std::string nvdisasm;   ///< bin/nvdisasm
  /// Files named libnvJitLink.so.N (N = 13, then 12) or libnvJitLink.so, in
  /// lookup order, then the bare sonames for the loader's own search.
  std::vector<std::string> nvJitLink;
  /// The same for libnvrtc.
  std::vector<std::string> nvrtc;
  /// include/ directories holding cuda headers, for NVRTC.
  std::vector<std::string> includeDirs;

  static Toolkit find(const ToolkitSearch &search);
};

/// Sets the directories searched for NVIDIA's pip packages, best first (the
/// Python binding passes sys.path once, at import). Later lookups see them;
/// parts already opened (nvJitLink, libdevice's bytes) stay as they are.
void setPackageRoots(std::vector<std::string> roots);

/// The process-wide lookup, made on first use from setPackageRoots' roots
/// and the environment, and again after each setPackageRoots.
std::shared_ptr<const Toolkit> toolkit();

/// The major version in a library's soname suffix (libnvJitLink.so.12 ->
/// 12), 0 for none.
int sonameMajor(const std::string &path);

} // namespace ptxforge::compiler
