//===- compiler/Capability.h - Compute capabilities and the PTX for them ---===//
//
// Which capabilities exist, which NVPTX processor and PTX ISA version LLVM
// writes for each (LLVM 19 knows nothing past sm_90: newer GPUs get sm_90
// PTX, assembled for their own arch), and the check that turns a nonsense
// capability into a clear error before LLVM sees it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <string>

namespace ptxforge::compiler {

/// The PTX ISA version every module is written at (.version 7.8): the
/// lowest that sm_90 needs, above every intrinsic's minimum (shfl.sync and
/// votes need 6.0, activemask 6.2, nanosleep 6.3), accepted by CUDA 11.8 and
/// newer assemblers and drivers.
inline constexpr int kPtxIsaMajor = 7, kPtxIsaMinor = 8;

/// The newest compute capability LLVM's NVPTX back end knows (sm_90).
inline constexpr int kNewestLlvmMajor = 9, kNewestLlvmMinor = 0;

/// Empty when (major, minor) is a compute capability ptxforge compiles for;
/// otherwise a message naming the supported ones.
std::string capabilityError(long long major, long long minor);

/// "5.0, 5.2, ... 12.1": every capability capabilityError accepts.
std::string knownCapabilities();

/// The NVPTX processor whose PTX runs on (major, minor): sm_<major><minor>
/// itself where LLVM knows it, else the newest one LLVM knows below it
/// (sm_90 for 10.0 and newer; sm_87 for 8.8). PTX is forward-compatible:
/// PTX for sm_XY assembles for every sm_MN with MN >= XY.
std::string ptxProcessor(int major, int minor);

/// "sm_<major><minor>", the real arch a cubin is assembled for.
std::string realArch(int major, int minor);

} // namespace ptxforge::compiler
