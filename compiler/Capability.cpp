//===- compiler/Capability.cpp - Compute capabilities and their PTX targets ===//

#include "compiler/Capability.h"

#include <utility>

namespace ptxforge::compiler {
namespace {

/// Every compute capability of an NVIDIA GPU since Maxwell (CUDA 12 and 13
/// between them assemble all of these; 10.1 was renamed 11.0 in CUDA 13).
constexpr std::pair<int, int> kCapabilities[] = {
    {5, 0}, {5, 2}, {5, 3}, {6, 0}, {6, 1}, {6, 2}, {7, 0}, {7, 2}, {7, 5}, {8, 0},
    {8, 6}, {8, 7}, {8, 8}, {8, 9}, {9, 0}, {10, 0}, {10, 1}, {10, 3}, {11, 0}, {12, 0}, {12, 1}};

/// The processors LLVM 19's NVPTX back end knows, from sm_50 on.
constexpr int kLlvmProcessors[] = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90};

} // namespace

std::string knownCapabilities() {
  std::string out;
  for (auto [major, minor] : kCapabilities) {
    if (!out.empty())
      out += ", ";
    out += std::to_string(major) + "." + std::to_string(minor);
  }
  return out;
}

std::string capabilityError(long long major, long long minor) {
  for (auto [ma, mi] : kCapabilities)
    if (ma == major && mi == minor)
      return {};
  return "compute capability (" + std::to_string(major) + ", " + std::to_string(minor) +
         ") is not one ptxforge compiles for; the supported ones are " + knownCapabilities() +
         " (for 10.0 and newer the PTX is written for sm_90 and assembled for the GPU's own arch)";
}

std::string ptxProcessor(int major, int minor) {
  int wanted = major * 10 + minor, best = kLlvmProcessors[0];
  for (int sm : kLlvmProcessors)
    if (sm <= wanted)
      best = sm;
  return "sm_" + std::to_string(best);
}

std::string realArch(int major, int minor) { return "sm_" + std::to_string(major) + std::to_string(minor); }

} // namespace ptxforge::compiler
