//===- compiler/CudaToolkit.h - Where the CUDA tools are --------------------===//
//
// Internal to compiler/: the ordered list of places that may hold CUDA
// toolkit parts, shared by findCudaHome/findLibdevice (public, Cubin.h) and
// the assemblers in Cubin.cpp, which need ptxas and libnvJitLink.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>
#include <vector>

namespace ptxforge::compiler {

/// Existing directories that may hold toolkit parts, best first: $CUDA_HOME,
/// $CUDA_PATH, the toolkit of `ptxas` on PATH, /usr/local/cuda, then the
/// NVIDIA pip package roots (nvidia/cu13, nvidia/cuda_nvcc, nvidia/nvjitlink)
/// of the site-packages directories that pipSitePackages() lists. Computed
/// once per process (the environment is read on the first call).
const std::vector<std::string> &toolkitRoots();

/// site-packages directories searched for NVIDIA's pip packages, best first:
/// the one holding the running libptxforge (found with dladdr), $VIRTUAL_ENV,
/// $CONDA_PREFIX, $PYTHONPATH entries, ~/.local, then the system ones.
std::vector<std::string> pipSitePackages();

/// The `ptxas` executable of the first root that has one; empty if none.
const std::string &findPtxas();

/// Names and paths to try, in order, with dlopen for libnvJitLink: the
/// loader's own search first, then each toolkit root's lib64/ and lib/.
std::vector<std::string> nvJitLinkCandidates();

} // namespace ptxforge::compiler
