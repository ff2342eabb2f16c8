//===- python/bindings/DLPack.h - DLPack's C structs -----------------------===//
//
// The structs of DLPack (https://dmlc.github.io/dlpack/latest/c_api.html),
// laid out as the spec's C header, for the capsules Runtime.cpp exports and
// consumes and for the torch tensors FastLaunch.cpp reads.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>

namespace ptxforge::bindings {

struct DLDevice {
  std::int32_t deviceType; ///< kDLCPU = 1, kDLCUDA = 2, kDLCUDAHost = 3
  std::int32_t deviceId;
};
struct DLDataType {
  std::uint8_t code; ///< kDLInt 0, kDLUInt 1, kDLFloat 2, kDLBfloat 4, kDLComplex 5, kDLBool 6
  std::uint8_t bits;
  std::uint16_t lanes;
};
struct DLTensor {
  void *data;
  DLDevice device;
  std::int32_t ndim;
  DLDataType dtype;
  std::int64_t *shape;
  std::int64_t *strides; ///< in elements; null for C-contiguous
  std::uint64_t byteOffset;
};
struct DLManagedTensor {
  DLTensor tensor;
  void *managerContext;
  void (*deleter)(DLManagedTensor *);
};
struct DLPackVersion {
  std::uint32_t major, minor;
};
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void *managerContext;
  void (*deleter)(DLManagedTensorVersioned *);
  std::uint64_t flags;
  DLTensor tensor;
};

constexpr std::int32_t kDLCPU = 1, kDLCUDA = 2;
constexpr std::uint8_t kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4, kDLComplex = 5, kDLBool = 6;

} // namespace ptxforge::bindings
