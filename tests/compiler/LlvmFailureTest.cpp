//===- tests/compiler/LlvmFailureTest.cpp - LLVM's failures are errors ----===//
//
// A module that LLVM cannot compile (an intrinsic the target cannot select)
// gives an error, not an abort; the thread's later compiles, and other
// threads' compiles meanwhile, still work.
//
//===----------------------------------------------------------------------===//
#include "compiler/Compiler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

using namespace ptxforge::compiler;

namespace {

// llvm.nvvm.nanosleep needs sm_70: on sm_60 instruction selection fails
// ("Cannot select"), which LLVM reports with report_fatal_error.
constexpr const char *kUnselectable = R"(
declare void @llvm.nvvm.nanosleep(i32)
define void @k(i32 %t) {
  call void @llvm.nvvm.nanosleep(i32 %t)
  ret void
}
!nvvm.annotations = !{!0}
!0 = !{ptr @k, !"kernel", i32 1}
)";

constexpr const char *kFine = R"(
define void @k(ptr addrspace(1) %p, float %v) {
  store float %v, ptr addrspace(1) %p
  ret void
}
!nvvm.annotations = !{!0}
!0 = !{ptr @k, !"kernel", i32 1}
)";

Options at(int major, int minor) {
  Options o;
  o.ccMajor = major;
  o.ccMinor = minor;
  return o;
}

} // namespace

TEST(LlvmFailure, CannotSelectIsAnErrorAndTheThreadStillCompiles) {
  for (int round = 0; round < 20; ++round) {
    std::string error;
    std::string ptx = ptxFromLlvmIr(kUnselectable, at(6, 0), error);
    EXPECT_TRUE(ptx.empty());
    EXPECT_NE(error.find("LLVM failed: Cannot select"), std::string::npos) << error;
    error.clear();
    ptx = ptxFromLlvmIr(kFine, at(6, 0), error);
    EXPECT_TRUE(error.empty()) << error;
    EXPECT_NE(ptx.find("st.global.f32"), std::string::npos) << ptx;
  }
}

TEST(LlvmFailure, SameIrSelectsWhereTheTargetHasIt) {
  std::string error;
  std::string ptx = ptxFromLlvmIr(kUnselectable, at(7, 0), error);
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_NE(ptx.find("nanosleep.u32"), std::string::npos) << ptx;
}

TEST(LlvmFailure, FailuresOnSomeThreadsLeaveTheOthersAlone) {
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &wrong] {
      for (int i = 0; i < 15; ++i) {
        bool bad = (t + i) % 2 == 0;
        std::string error;
        std::string ptx = ptxFromLlvmIr(bad ? kUnselectable : kFine, at(6, 0), error);
        if (bad != ptx.empty() || bad == error.empty())
          ++wrong;
      }
    });
  for (std::thread &t : threads)
    t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(LlvmFailure, IrThatDoesNotParseIsAnError) {
  std::string error;
  EXPECT_TRUE(ptxFromLlvmIr("define void @k( {", at(9, 0), error).empty());
  EXPECT_NE(error.find("does not parse"), std::string::npos) << error;
}
