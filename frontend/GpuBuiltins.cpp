//===- frontend/GpuBuiltins.cpp - Table entries of the GPU features -------===//

#include "frontend/Builtins.h"
#include "frontend/GpuBuiltins.h"

namespace ptxforge::frontend {

void addGpuBuiltins(std::unordered_map<std::string, BuiltinInfo> &table) { (void)table; }

} // namespace ptxforge::frontend
