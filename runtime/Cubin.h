//===- runtime/Cubin.h - What a cubin holds, read without a GPU -----------===//
//
// A cubin is an ELF64 file for EM_CUDA. Its header says which sm it is for;
// each kernel has .text.<k>, .nv.info.<k> (its parameters, launch bounds)
// and .nv.constant0.<k>, and the global .nv.info records registers and stack
// per function. The AOT loader, the inspection report and the compiler's
// resource summary all read it from here. LLVM-free; never throws.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ptxforge::runtime {

/// Per-kernel resource use as recorded in a cubin.
struct KernelResources {
  int registers = 0;
  int sharedBytes = 0; ///< static shared memory
  int localBytes = 0;  ///< local memory (stack frame and spills)
  int constBytes = 0;  ///< bank-0 parameter/constant space
  /// The launch bound (PTX .maxntid) as x*y*z; 0 when the kernel has none.
  int maxThreadsBound = 0;
};

/// Reads `kernel`'s resources out of the cubin's ELF sections; nullopt when
/// the cubin is malformed or holds no such kernel.
std::optional<KernelResources> cubinResources(std::string_view cubin, std::string_view kernel);

/// The compute capability a cubin was assembled for, as major*10+minor (90
/// for sm_90); nullopt when `cubin` is not an ELF file for EM_CUDA.
std::optional<int> cubinArch(std::string_view cubin);

/// The kernels (entry functions) of a cubin, in section order; empty when it
/// is malformed.
std::vector<std::string> cubinKernels(std::string_view cubin);

/// One kernel parameter: where it lies in the parameter buffer, in bytes.
struct ParamSlot {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
  bool operator==(const ParamSlot &) const = default;
};

/// `kernel`'s parameters in order, as the cubin records them
/// (EIATTR_KPARAM_INFO); nullopt when malformed or no such kernel.
std::optional<std::vector<ParamSlot>> cubinParams(std::string_view cubin, std::string_view kernel);

} // namespace ptxforge::runtime
