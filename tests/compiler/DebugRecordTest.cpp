//===- tests/compiler/DebugRecordTest.cpp - Decoding the debug record -----===//
//
// The host's side of the debug record's contract (compiler/DebugRecord.h):
// a record as a failing thread writes it decodes to the message the Python
// exception carries; an empty record or a bad site index decodes to nothing.
//
//===----------------------------------------------------------------------===//
#include "compiler/DebugRecord.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

using namespace ptxforge::compiler;

namespace {

DebugSite site(DebugSite::Kind kind) {
  DebugSite s{kind};
  s.function = "fill";
  s.file = "/work/kernels.py";
  s.line = 12;
  s.col = 9;
  return s;
}

DebugRecord record(std::uint32_t siteIndex) {
  DebugRecord r{};
  r.status = 1;
  r.site = siteIndex;
  r.thread[0] = 3;
  r.block[0] = 2;
  r.block[1] = 1;
  return r;
}

TEST(DebugRecord, LayoutIsTheContract) {
  EXPECT_EQ(offsetof(DebugRecord, site), 4u);
  EXPECT_EQ(offsetof(DebugRecord, thread), 8u);
  EXPECT_EQ(offsetof(DebugRecord, block), 20u);
  EXPECT_EQ(offsetof(DebugRecord, ndim), 32u);
  EXPECT_EQ(offsetof(DebugRecord, axis), 40u);
  EXPECT_EQ(offsetof(DebugRecord, index), 48u);
  EXPECT_EQ(offsetof(DebugRecord, shape), 112u);
  EXPECT_EQ(offsetof(DebugGlobal, claim), 8u);
}

TEST(DebugRecord, BoundsNamesIndexAxisShapeThreadAndBlock) {
  DebugSite s = site(DebugSite::Bounds);
  s.source = "out[i, j]";
  DebugRecord r = record(0);
  r.ndim = 2;
  r.nindex = 2;
  r.axis = 1;
  r.index[0] = 1;
  r.index[1] = -9;
  r.shape[0] = 4;
  r.shape[1] = 8;
  auto report = decodeDebugRecord(r, {s});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->message, "In function 'fill', file /work/kernels.py, line 12, tid=[3, 0, 0] ctaid=[2, 1, 0]: "
                             "index -9 is out of bounds for axis 1 with size 8 in out[i, j] "
                             "(index (1, -9), shape (4, 8))");
  EXPECT_EQ(report->thread[0], 3u);
  EXPECT_EQ(report->block[1], 1u);
}

TEST(DebugRecord, ZeroDivisionCarriesPythonsMessage) {
  DebugSite s = site(DebugSite::ZeroDivision);
  s.message = "integer division or modulo by zero";
  auto report = decodeDebugRecord(record(1), {site(DebugSite::Raise), s});
  ASSERT_TRUE(report);
  EXPECT_EQ(report->message, "In function 'fill', file /work/kernels.py, line 12, tid=[3, 0, 0] ctaid=[2, 1, 0]: "
                             "integer division or modulo by zero");
}

TEST(DebugRecord, RaiseGivesThePrefixForTheExceptionsArguments) {
  std::vector<DebugSite> sites = {site(DebugSite::Raise)}; // the report points into them
  auto report = decodeDebugRecord(record(0), sites);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->message, "In function 'fill', file /work/kernels.py, line 12, tid=[3, 0, 0] ctaid=[2, 1, 0]");
  EXPECT_STREQ(debugSiteKindName(report->site->kind), "raise");
}

TEST(DebugRecord, EmptyOrUnknownSiteDecodesToNothing) {
  DebugRecord empty{};
  EXPECT_FALSE(decodeDebugRecord(empty, {site(DebugSite::Raise)}));
  EXPECT_FALSE(decodeDebugRecord(record(5), {site(DebugSite::Raise)}));
}

} // namespace
