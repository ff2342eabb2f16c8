//===- tests/compiler/CapabilityTest.cpp - Capabilities and PTX targets ---===//
#include "compiler/Capability.h"

#include <gtest/gtest.h>

using namespace ptxforge::compiler;

TEST(Capability, RealCapabilitiesAreAccepted) {
  for (auto [major, minor] : {std::pair{5, 0}, {6, 1}, {7, 0}, {7, 5}, {8, 0}, {8, 6}, {8, 8}, {8, 9}, {9, 0},
                              {10, 0}, {10, 3}, {11, 0}, {12, 0}, {12, 1}})
    EXPECT_EQ(capabilityError(major, minor), "") << major << "." << minor;
}

TEST(Capability, NonsenseCapabilitiesNameTheSupportedOnes) {
  for (auto [major, minor] : {std::pair{0LL, 0LL}, {9, 9}, {99, 0}, {-1, 0}, {3, 5}, {1LL << 40, 0}}) {
    std::string why = capabilityError(major, minor);
    EXPECT_NE(why.find("is not one ptxforge compiles for"), std::string::npos) << why;
    EXPECT_NE(why.find("5.0, 5.2"), std::string::npos) << why;
    EXPECT_NE(why.find("12.0, 12.1"), std::string::npos) << why;
  }
}

TEST(Capability, NewerGpusGetTheNewestProcessorLlvmKnows) {
  EXPECT_EQ(ptxProcessor(5, 0), "sm_50");
  EXPECT_EQ(ptxProcessor(8, 6), "sm_86");
  EXPECT_EQ(ptxProcessor(8, 8), "sm_87");
  EXPECT_EQ(ptxProcessor(9, 0), "sm_90");
  EXPECT_EQ(ptxProcessor(10, 0), "sm_90");
  EXPECT_EQ(ptxProcessor(12, 1), "sm_90");
  EXPECT_EQ(realArch(10, 3), "sm_103");
  EXPECT_EQ(realArch(12, 1), "sm_121");
}
