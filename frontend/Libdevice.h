//===- frontend/Libdevice.h - numba-cuda's cuda.libdevice functions --------===//
//
// The table of libdevice functions kernels call by name
// (`libdevice.sincos(x)`), with numba-cuda's names and types.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Types.h"

#include <string>
#include <unordered_map>
#include <vector>

namespace ptxforge::frontend {

struct BuiltinInfo;

/// One libdevice function as kernels see it.
struct LibdeviceFunction {
  std::string name;                       ///< "sincos", the Python name
  std::string symbol;                     ///< "__nv_sincos"
  const ScalarType *ret = nullptr;        ///< libdevice's return type; nullptr: void
  std::vector<const ScalarType *> params; ///< the value parameters, in order
  std::vector<const ScalarType *> outs;   ///< the out-values, pointer parameters after `params`
  const Type *result = nullptr;           ///< what the call gives: ret, or (ret?, outs...)
};

/// Every function of `ptxforge.libdevice`, in name order.
const std::vector<LibdeviceFunction> &libdeviceFunctions();

/// Adds `ptxforge.libdevice` and its functions to the builtin table.
void addLibdeviceBuiltins(std::unordered_map<std::string, BuiltinInfo> &table);

} // namespace ptxforge::frontend
