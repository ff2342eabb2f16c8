//===- compiler/Cubin.h - PTX to cubin, and what a cubin holds ------------===//
//
// PTX is assembled in-process by nvJitLink (opened with dlopen) where it can
// be found, else by a ptxas process. Neither needs a GPU. A cubin's ELF
// sections tell each kernel's registers and memory use without a GPU.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "runtime/Cubin.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ptxforge::compiler {

/// Which assembler made a cubin.
enum class Assembler { None, NvJitLink, Ptxas };
const char *assemblerName(Assembler a);

struct CubinOptions {
  int ccMajor = 9, ccMinor = 0;
  int optLevel = 3;      ///< ptxas -O
  bool lineInfo = false; ///< keep .loc line tables (-lineinfo)
  bool debugInfo = false; ///< full debug information (-g), which PTX with `.target ..., debug` needs
  int maxRegisters = 0;  ///< 0: no cap
  bool verbose = false;  ///< ask the assembler for its resource report in `log`
  /// Force one assembler (tests); None lets assembleCubin choose.
  Assembler only = Assembler::None;
};

struct CubinResult {
  std::string cubin;      ///< empty when assembly failed or no assembler exists
  Assembler by = Assembler::None;
  std::string log;        ///< the assembler's info log
  std::string error;      ///< why `cubin` is empty
  bool ok() const { return !cubin.empty(); }
};

/// Assembles `ptx` for sm_<ccMajor><ccMinor>: with nvJitLink once
/// warmAssembler has warmed it, with a ptxas process before that (or when
/// nvJitLink is missing; nvJitLink when ptxas is). When neither is found
/// the result is empty with `error` set, and the caller may hand the PTX to
/// the driver's JIT instead. Thread-safe.
CubinResult assembleCubin(std::string_view ptx, const CubinOptions &options);

/// One more input that nvJitLink links with a kernel's PTX. The kinds are
/// nvJitLink's own input types.
struct LinkData {
  enum Kind { Cubin = 1, Ptx = 2, LtoIr = 3, Fatbin = 4, Object = 5, Library = 6 } kind;
  std::string name;  ///< the file's name, for messages
  std::string bytes; ///< its contents (PTX without a trailing NUL is fine)
};

/// Assembles `ptx` and links `inputs` into one cubin with nvJitLink (with
/// link-time optimisation when an input is LTO-IR). Without nvJitLink the
/// result is empty with `error` set: ptxas alone cannot link.
CubinResult linkCubin(std::string_view ptx, const std::vector<LinkData> &inputs, const CubinOptions &options);

/// Starts, once per process, a background thread that loads nvJitLink and
/// assembles a one-instruction kernel with it, after which assembleCubin
/// uses nvJitLink; until then it runs ptxas, so that no assembly waits for
/// nvJitLink's start-up (100-300 ms on the GPU machine). The launch path
/// calls it after its first compilation. Returns at once; later calls do
/// nothing.
void warmAssembler();

/// A cubin's resources are read by the runtime library (runtime/Cubin.h),
/// which needs no LLVM.
using runtime::KernelResources;
using runtime::cubinResources;

/// Where the CUDA toolkit is: $CUDA_HOME, $CUDA_PATH, the directory of
/// `ptxas` on PATH, /usr/local/cuda, then NVIDIA's pip packages. Empty when
/// none is found.
std::string findCudaHome();
/// libdevice.10.bc under the toolkit or the pip packages.
std::optional<std::string> findLibdevice();

} // namespace ptxforge::compiler
