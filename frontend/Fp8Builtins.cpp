//===- frontend/Fp8Builtins.cpp - The ptxforge.fp8 namespace --------------===//
//
// numba-cuda's bindings of CUDA's cuda_fp8.h under their numba-cuda names
// (numba.cuda._internal.cuda_fp8): the types fp8_e4m3, fp8_e5m2 and
// fp8_e8m0, the __nv_cvt_* conversions of storage bytes (cvt_float_to_fp8
// ...), and the members of the enums those take, so that
// `pf.fp8.cvt_float_to_fp8(x, pf.fp8.saturation_t.SATFINITE,
// pf.fp8.fp8_interpretation_t.E4M3)` reads as in CUDA.
//
//===----------------------------------------------------------------------===//

#include "frontend/Builtins.h"

#include <deque>

namespace ptxforge::frontend {

void addFp8Builtins(std::unordered_map<std::string, BuiltinInfo> &table) {
  using F = Fp8Function;
  static const Fp8Function kFunctions[] = {
      {F::Construct, F::Float, Fp8Type::E4M3, "ptxforge.fp8.fp8_e4m3"},
      {F::Construct, F::Float, Fp8Type::E5M2, "ptxforge.fp8.fp8_e5m2"},
      {F::Construct, F::Float, Fp8Type::E8M0, "ptxforge.fp8.fp8_e8m0"},
      {F::ToFp8, F::Float, 0, "ptxforge.fp8.cvt_float_to_fp8"},
      {F::ToFp8, F::Double, 0, "ptxforge.fp8.cvt_double_to_fp8"},
      {F::ToFp8, F::Bf16Raw, 0, "ptxforge.fp8.cvt_bfloat16raw_to_fp8"},
      {F::ToFp8, F::Float2, 0, "ptxforge.fp8.cvt_float2_to_fp8x2"},
      {F::ToFp8, F::Double2, 0, "ptxforge.fp8.cvt_double2_to_fp8x2"},
      {F::ToE8m0, F::Float, 0, "ptxforge.fp8.cvt_float_to_e8m0"},
      {F::ToE8m0, F::Double, 0, "ptxforge.fp8.cvt_double_to_e8m0"},
      {F::ToE8m0, F::Bf16Raw, 0, "ptxforge.fp8.cvt_bfloat16raw_to_e8m0"},
      {F::ToE8m0, F::Float2, 0, "ptxforge.fp8.cvt_float2_to_e8m0x2"},
      {F::ToE8m0, F::Double2, 0, "ptxforge.fp8.cvt_double2_to_e8m0x2"},
      {F::E8m0ToBf16Raw, F::Float, 0, "ptxforge.fp8.cvt_e8m0_to_bf16raw"},
  };
  table["ptxforge.fp8"] = {BuiltinInfo::Namespace};
  for (const Fp8Function &f : kFunctions) {
    BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Fp8};
    info.fp8 = &f;
    table[f.path] = info;
  }
  // The enums, with CUDA's values (cudaRoundMode is the CUDA runtime's).
  static const std::pair<const char *, std::vector<std::pair<const char *, int>>> kEnums[] = {
      {"saturation_t", {{"NOSAT", 0}, {"SATFINITE", 1}}},
      {"fp8_interpretation_t", {{"E4M3", 0}, {"E5M2", 1}}},
      {"cudaRoundMode", {{"cudaRoundNearest", 0}, {"cudaRoundZero", 1}, {"cudaRoundPosInf", 2}, {"cudaRoundMinInf", 3}}},
  };
  for (const auto &[name, members] : kEnums) {
    std::string ns = std::string("ptxforge.fp8.") + name;
    table[ns] = {BuiltinInfo::Namespace};
    for (auto [member, value] : members) {
      BuiltinInfo info{BuiltinInfo::IntConstant};
      info.intConstant = value;
      table[ns + "." + member] = info;
    }
  }
}

} // namespace ptxforge::frontend
