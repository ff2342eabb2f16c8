//===- runtime/Fatbin.h - Module images: cubins, fatbins and PTX ----------===//
//
// What cuModuleLoadData accepts: a cubin (ELF), PTX text, or a fatbin, which
// bundles cubins for several architectures and PTX for the driver's JIT.
// The fatbin container is written here, with no CUDA toolkit: the AOT
// compiler makes one fatbin from its per-arch cubins (docs/aot.md says
// why), and the loader reads any fatbin's table of contents to say which
// architectures it holds before the driver refuses it. LLVM-free.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ptxforge::runtime {

enum class ImageKind { Unknown, Cubin, Fatbin, Ptx };

/// What `image` is, from its first bytes.
ImageKind imageKind(std::string_view image);

/// One image inside a fatbin.
struct FatbinEntry {
  enum Kind { Ptx = 1, Cubin = 2 };
  Kind kind = Cubin;
  int arch = 0;            ///< 90 for an sm_90 cubin or compute_90 PTX
  std::string data;        ///< the cubin, or the PTX text without a NUL; empty when compressed
  bool compressed = false; ///< compressed by NVIDIA's fatbinary (its contents are not read here)
};

/// A fatbin holding `entries` in order, uncompressed, as `fatbinary -64
/// --compress=false` lays it out. A PTX entry's arch and ISA version come
/// from the entry and its `.version` line.
std::string writeFatbin(const std::vector<FatbinEntry> &entries);

/// The entries of a fatbin; nullopt with `error` set when `image` is not a
/// well-formed one (every size is checked against the image).
std::optional<std::vector<FatbinEntry>> readFatbin(std::string_view image, std::string &error);

/// The architectures an image has code for, as a reader would say them:
/// "sm_80, sm_90, compute_90". Empty for PTX without a .target line.
std::string describeArchs(std::string_view image);

/// Whether the driver of a device of compute capability `cc` (90 for 9.0)
/// can run some code in `image`: a cubin of the same major version and a
/// minor no higher, or PTX for an architecture no higher (which the driver
/// compiles). Unknown images are left to the driver (true).
bool imageRunsOn(std::string_view image, int cc);

} // namespace ptxforge::runtime
