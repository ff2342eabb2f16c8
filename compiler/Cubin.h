//===- compiler/Cubin.h - PTX to cubin, and what a cubin holds ------------===//
//
// PTX is assembled in-process by nvJitLink (opened with dlopen) where it can
// be found, else by a ptxas process. Neither needs a GPU. Where a driver is
// present, neither is used when its CUDA major version is newer than the
// driver's, whose own JIT then compiles the PTX. A cubin's ELF sections tell
// each kernel's registers and memory use without a GPU.
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
  /// The CUDA driver the cubin must load on (cuDriverGetVersion: 12040 for
  /// 12.4); 0 for none (compiling with no driver present). See fitsDriver.
  int driverVersion = 0;
};

/// The one rule that matches assemblers to the driver: a tool of CUDA
/// `toolMajor` (nvJitLink or ptxas; 0 when unknown) makes cubins that the
/// driver `driverVersion` loads when its major version is not newer than
/// the driver's (CUDA's minor-version compatibility covers the rest). With
/// no driver (0) every tool fits.
bool fitsDriver(int toolMajor, int driverVersion);

/// One assembler as found on this machine.
struct AssemblerInfo {
  Assembler kind = Assembler::None;
  std::string path;      ///< the library or executable; empty when not found
  int major = 0, minor = 0; ///< its CUDA version; 0.0 when unknown
  std::string error;     ///< why it is missing
  std::string version() const; ///< "13.0", or "" when unknown
};

/// What assembleCubin does for a driver: the assembler a run-time compile
/// uses once nvJitLink is warm (None: the driver's JIT compiles the PTX),
/// why, and what was found. No GPU needed; the caller passes the driver's
/// version (the Python binding reads it from the runtime).
struct AssemblerChoice {
  Assembler by = Assembler::None;
  std::string reason;
  AssemblerInfo nvJitLink; ///< the newest nvJitLink that fits the driver, else the first found
  AssemblerInfo ptxas;
};
AssemblerChoice chooseAssembler(int driverVersion);

struct CubinResult {
  std::string cubin;      ///< empty when assembly failed or no assembler exists
  Assembler by = Assembler::None;
  std::string log;        ///< the assembler's info log
  std::string error;      ///< why `cubin` is empty
  bool ok() const { return !cubin.empty(); }
};

/// Assembles `ptx` for sm_<ccMajor><ccMinor>: with nvJitLink once
/// warmAssembler has warmed it, with a ptxas process before that (or when
/// nvJitLink is missing; nvJitLink when ptxas is), each only where it fits
/// options.driverVersion. When neither is found or fits, the result is
/// empty with `error` set, and the caller hands the PTX to the driver's JIT
/// instead. Thread-safe.
CubinResult assembleCubin(std::string_view ptx, const CubinOptions &options);

/// One more input that nvJitLink links with a kernel's PTX. The kinds are
/// nvJitLink's own input types.
struct LinkData {
  enum Kind { Cubin = 1, Ptx = 2, LtoIr = 3, Fatbin = 4, Object = 5, Library = 6 } kind;
  std::string name;  ///< the file's name, for messages
  std::string bytes; ///< its contents (PTX without a trailing NUL is fine)
};

/// Assembles `ptx` and links `inputs` into one cubin with nvJitLink (with
/// link-time optimisation when an input is LTO-IR). Without an nvJitLink that
/// fits the driver the result is empty with `error` set: ptxas alone cannot
/// link.
CubinResult linkCubin(std::string_view ptx, const std::vector<LinkData> &inputs, const CubinOptions &options);

/// Starts, once per process, a background thread that loads nvJitLink and
/// assembles a one-instruction kernel with it, after which assembleCubin
/// uses nvJitLink; until then it runs ptxas, so that no assembly waits for
/// nvJitLink's start-up (100-300 ms on the GPU machine). The launch path
/// calls it after its first compilation, with the driver's version (the
/// nvJitLink that fits it is the one warmed). Returns at once; later calls
/// do nothing.
void warmAssembler(int driverVersion = 0);

/// A cubin's resources are read by the runtime library (runtime/Cubin.h),
/// which needs no LLVM.
using runtime::KernelResources;
using runtime::cubinResources;

/// Where the CUDA toolkit is: $CUDA_HOME, $CUDA_PATH, the directory of
/// `ptxas` on PATH or /usr/local/cuda (NVIDIA's pip packages are no
/// toolkit). Empty when none is found. See CudaToolkit.h for the lookups.
std::string findCudaHome();
/// libdevice.10.bc in NVIDIA's pip packages (nvidia-nvvm; nvidia-cuda-nvcc-cu12)
/// or under a toolkit, in that order.
std::optional<std::string> findLibdevice();

} // namespace ptxforge::compiler
