//===- compiler/Link.h - Files linked into a kernel -----------------------===//
//
// `link=[...]` on a kernel and on declare_device name files that nvJitLink
// links with the kernel's PTX: PTX, cubins, fatbins, objects, libraries and
// LTO-IR as they are, CUDA C compiled first with NVRTC (opened with dlopen,
// from the CUDA toolkit or NVIDIA's pip packages, like nvJitLink).
// LLVM-free.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/Cubin.h"
#include "frontend/Builtins.h"

#include <string>
#include <vector>

namespace ptxforge::compiler {

/// The kind a file's extension says it holds; false with `error` set for an
/// extension nvJitLink cannot take (or none).
bool linkKindOf(const std::string &path, LinkData::Kind &kind, bool &isCudaSource, std::string &error);

/// Reads and classifies `items`, compiling CUDA C sources with NVRTC for
/// sm_<cc>. NVRTC's log of a successful compile is appended to `warnings`.
/// Returns false with `error` set when a file is missing or unreadable, has
/// an unknown extension, or does not compile.
bool prepareLinkInputs(const std::vector<frontend::LinkItem> &items, int ccMajor, int ccMinor,
                       std::vector<LinkData> &out, std::vector<std::string> &warnings, std::string &error);

/// Compiles CUDA C `source` (named `name` in messages) to relocatable PTX for
/// compute_<cc> with NVRTC. False with `error` set (NVRTC's result and log)
/// when it does not compile or NVRTC cannot be found; `log` gets NVRTC's log.
bool compileCudaSource(const std::string &source, const std::string &name, int ccMajor, int ccMinor,
                       std::string &ptx, std::string &log, std::string &error);

/// The NVRTC library that CUDA C sources go to (opened on first use, and
/// kept): its path, or empty with `error` saying why none was found.
std::string nvrtcPath(std::string &error);

} // namespace ptxforge::compiler
