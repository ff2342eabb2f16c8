//===- tests/compiler/SpecializePtxTest.cpp - PTX of launch-time facts -----===//
//
// The shape of the PTX that launch facts (LaunchFacts: alignment, extent
// bounds, disjoint arrays, coarsening) buy, against the general kernel's:
// the grid-stride sum and a row loop of an int32 counter unrolled four
// times with no index wrap, saxpy with
// 128-bit loads and stores, ld.global.nc for arrays nothing writes. Every PTX
// is assembled by ptxas for sm_90.
//
//===----------------------------------------------------------------------===//
#include "../support/Compile.h"
#include "../support/FileCheck.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

using namespace pftest;
using ptxforge::compiler::LaunchFacts;

namespace {

/// The text of each loop of `ptx`: from a label to the last branch back to it.
std::vector<std::string> loops(const std::string &ptx) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while ((at = ptx.find("$L__BB", at)) != std::string::npos) {
    std::size_t colon = ptx.find(':', at), eol = ptx.find('\n', at);
    if (colon == std::string::npos || colon > eol) { // a branch target, not a label
      at = eol;
      continue;
    }
    std::string label = ptx.substr(at, colon - at);
    std::size_t back = ptx.rfind("bra \t" + label + ";");
    if (back == std::string::npos)
      back = ptx.rfind("bra.uni \t" + label + ";");
    if (back != std::string::npos && back > at)
      out.push_back(ptx.substr(at, back - at));
    at = eol;
  }
  return out;
}

// def gsum(x, out):
//     i = pf.grid(1)
//     stride = pf.gridsize(1)
//     acc = pf.float32(0)
//     while i < x.shape[0]:
//         acc += x[i]
//         i += stride
//     pf.atomic.add(out, 0, acc)
const char *kSumSource = R"(
def gsum(x, out):
    i = pf.grid(1)
    stride = pf.gridsize(1)
    acc = pf.float32(0)
    while i < x.shape[0]:
        acc += x[i]
        i += stride
    pf.atomic.add(out, 0, acc)
)";

void buildSum(Kernel &k) {
  k.def("gsum", {"x", "out"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.name("stride"), k.call("pf.gridsize", {k.num(1)})),
         k.at(4).assign(k.name("acc"), k.call("pf.float32", {k.num(0)})),
         k.at(5)
             .while_(k.cmp(k.name("i"), Lt, k.sub(k.attr(k.name("x"), "shape"), k.num(0))))
             .then({k.at(6).aug(k.name("acc"), Add, k.elem("x", "i")),
                    k.at(7).aug(k.name("i"), Add, k.name("stride"))}),
         k.at(8).expr(k.call("pf.atomic.add", {k.name("out"), k.num(0), k.name("acc")}))});
}

const char *kSaxpySource = R"(
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]
)";
void buildSaxpy(Kernel &k) {
  k.def("saxpy", {"a", "x", "y", "out"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).if_(k.cmp(k.name("i"), Lt, k.attr(k.name("x"), "size")))
             .then({k.at(4).assign(k.elem("out", "i"),
                                   k.bin(Add, k.bin(Mul, k.name("a"), k.elem("x", "i")), k.elem("y", "i")))})});
}
const std::initializer_list<const char *> kSaxpySig = {"float32", "float32[::1]", "float32[::1]", "float32[::1]"};

ptxforge::compiler::Options withFacts(std::vector<std::uint8_t> params, bool disjoint, int coarsen = 1) {
  ptxforge::compiler::Options o;
  o.facts.params = std::move(params);
  o.facts.disjoint = disjoint;
  o.facts.coarsen = coarsen;
  return o;
}

constexpr std::uint8_t kAll = LaunchFacts::Aligned | LaunchFacts::Bounded | LaunchFacts::Small;

// The row loop of a softmax with an int32 counter (plus a weak literal)
// strided by the block size, compared with an int64 extent. (threadIdx.x
// itself is int64: the counter is made int32 here to test the wrap.)
const char *kRowSource = R"(
def rowsum(x, out):
    j = pf.int32(pf.threadIdx.x)
    acc = pf.float32(0)
    while j < x.shape[1]:
        acc += x[pf.blockIdx.x, j]
        j += 256
    out[pf.blockIdx.x] = acc
)";
/// The row loop: `j = pf.int32(pf.threadIdx.x)` (kRowSource) or, with
/// `int32Counter` false, `j = pf.threadIdx.x` (kRow64Source).
void buildRow(Kernel &k, std::int64_t step = 256, bool int32Counter = true) {
  k.def("rowsum", {"x", "out"},
        {k.at(2).assign(k.name("j"), int32Counter ? k.call("pf.int32", {k.path("pf.threadIdx.x")})
                                                  : k.path("pf.threadIdx.x")),
         k.at(3).assign(k.name("acc"), k.call("pf.float32", {k.num(0)})),
         k.at(4)
             .while_(k.cmp(k.name("j"), Lt, k.sub(k.attr(k.name("x"), "shape"), k.num(1))))
             .then({k.at(5).aug(k.name("acc"), Add, k.sub(k.name("x"), {k.path("pf.blockIdx.x"), k.name("j")})),
                    k.at(6).aug(k.name("j"), Add, k.num(step))}),
         k.at(7).assign(k.sub(k.name("out"), k.path("pf.blockIdx.x")), k.name("acc"))});
}

TEST(SpecializePtx, RowLoopOfAnInt32CounterUnrollsBelowSmallExtents) {
  // `j += 256` on an int32 may wrap, so the lowering adds without nsw and
  // scalar evolution cannot count the trips of `sext(j) < n`. With extents
  // below 2^30 (small) the add runs only while j < n, so j + 256 < 2^31:
  // GuardedNoWrap marks it nsw (and nuw: j starts at threadIdx.x >= 0), and
  // the loop gets nvcc's shape: a remainder loop, then four loads a trip
  // at constant offsets, no index wrap, no 32-bit masks.
  Kernel k(kRowSource);
  buildRow(k);
  auto out = compileOk(k, {"float32[:, ::1]", "float32[::1]"}, withFacts({kAll, kAll}, true));
  ASSERT_TRUE(out);
  std::vector<std::string> bodies = loops(out->ptx);
  ASSERT_EQ(bodies.size(), 2u) << out->ptx; // the remainder loop, then the unrolled one
  EXPECT_EQ(countOf(bodies[0], "ld.global.nc.f32"), 1) << bodies[0];
  EXPECT_EQ(countOf(bodies[1], "ld.global.nc.f32"), 4) << bodies[1];
  // As nvcc's: ptxas may unroll the main loop further (it does, to 16 loads a
  // trip in softmax's SASS), not the remainder.
  EXPECT_EQ(countOf(bodies[0], ".pragma \"nounroll\""), 1) << bodies[0];
  EXPECT_EQ(countOf(bodies[1], ".pragma \"nounroll\""), 0) << bodies[1];
  // One address register, four constant offsets (as nvcc's [%rd+1024] ...).
  std::regex load(R"(ld\.global\.nc\.f32\s+%f\d+, \[(%rd\d+)(\+-?\d+)?\])");
  std::set<std::string> bases;
  for (std::sregex_iterator m(bodies[1].begin(), bodies[1].end(), load), end; m != end; ++m)
    bases.insert((*m)[1]);
  EXPECT_EQ(bases.size(), 1u) << bodies[1];
  for (const std::string &body : bodies) {
    EXPECT_EQ(countOf(body, "shr.s64"), 0) << body; // no wrap of a negative j
    EXPECT_EQ(countOf(body, "and.b64"), 0) << body; // no zext of a wrapping int32
  }
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(SpecializePtx, RowLoopKeepsOneLoadWhereTheCounterMayWrap) {
  // The general kernel (extents up to 2^63) and a step that can carry j past
  // 2^31 - 1 below a small extent (j < 2^30, j + 1.5e9 >= 2^31) keep the add
  // as it is: one load per trip.
  for (auto [facts, step] : {std::pair<std::uint8_t, std::int64_t>{0, 256}, {kAll, 1500000000}}) {
    Kernel k(kRowSource);
    buildRow(k, step);
    auto out = compileOk(k, {"float32[:, ::1]", "float32[::1]"}, withFacts({facts, facts}, true));
    ASSERT_TRUE(out);
    std::vector<std::string> bodies = loops(out->ptx);
    ASSERT_EQ(bodies.size(), 1u) << out->ptx;
    EXPECT_EQ(countOf(bodies[0], "ld.global.nc.f32"), 1) << bodies[0];
    PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
  }
}

// The same row loop as numba code writes it: the counter is threadIdx.x,
// an int64 (compiler/NarrowCounters.cpp).
const char *kRow64Source = R"(
def rowsum(x, out):
    j = pf.threadIdx.x
    acc = pf.float32(0)
    while j < x.shape[1]:
        acc += x[pf.blockIdx.x, j]
        j += 256
    out[pf.blockIdx.x] = acc
)";

TEST(SpecializePtx, Int64RowCounterCountsIn32BitsBelowSmallExtents) {
  // Below 2^30 the int64 counter's values fit in 32 bits: one setp.lt.u32 a
  // trip of the unrolled loop, as nvcc's `int` counter; with extents up to
  // 2^62 it stays 64-bit.
  Kernel k(kRow64Source);
  buildRow(k, 256, /*int32Counter=*/false);
  for (bool small : {true, false}) {
    std::uint8_t facts = small ? kAll : LaunchFacts::Aligned | LaunchFacts::Bounded;
    auto out = compileOk(k, {"float32[:, ::1]", "float32[::1]"}, withFacts({facts, facts}, true));
    ASSERT_TRUE(out);
    std::vector<std::string> bodies = loops(out->ptx);
    ASSERT_FALSE(bodies.empty()) << out->ptx;
    const std::string &main = bodies.back();
    EXPECT_EQ(countOf(main, "setp.lt.u32"), small ? 1 : 0) << main;
    EXPECT_EQ(countOf(main, "setp.lt.u64"), small ? 0 : 1) << main;
    EXPECT_EQ(countOf(main, "ld.global.nc.f32"), 4) << main; // an int64 counter cannot wrap: unrolled

    PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
  }
}

TEST(SpecializePtx, GeneralGridStrideSumKeepsTheWrapAndOneLoadPerIteration) {
  // With no bound on the extent, `i += stride` may wrap past 2^63 (Python
  // ints wrap like int64 here), so x[i] must keep Python's negative-index
  // wrap and SCEV has no trip count: one load per iteration.
  Kernel k(kSumSource);
  buildSum(k);
  auto out = compileOk(k, {"float32[::1]", "float32[::1]"});
  ASSERT_TRUE(out);
  std::vector<std::string> bodies = loops(out->ptx);
  ASSERT_EQ(bodies.size(), 1u) << out->ptx;
  EXPECT_EQ(countOf(bodies[0], "ld.global.f32"), 1) << bodies[0];
  EXPECT_EQ(countOf(bodies[0], "shr.s64"), 1) << bodies[0]; // the wrap: i + (i >> 63 & extent)
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(SpecializePtx, BoundedExtentsUnrollTheGridStrideSumFourTimes) {
  // Extents below 2^62 make `i += stride` provably free of overflow (CVP adds
  // nsw), i provably non-negative (the wrap folds away) and the trip count
  // computable; RuntimeUnrollHints asks for four, as nvcc unrolls.
  Kernel k(kSumSource);
  buildSum(k);
  auto out = compileOk(k, {"float32[::1]", "float32[::1]"}, withFacts({LaunchFacts::Bounded, LaunchFacts::Bounded}, false));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->specialization, "x:bounded, out:bounded");
  std::vector<std::string> bodies = loops(out->ptx);
  ASSERT_EQ(bodies.size(), 2u) << out->ptx; // the remainder loop, then the unrolled one
  EXPECT_EQ(countOf(bodies[1], "ld.global.f32"), 4) << bodies[1];
  for (const std::string &body : bodies)
    EXPECT_EQ(countOf(body, "shr.s64"), 0) << body;
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: i64 noundef range(i64 0, 4611686018427387904) %x.shape
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(SpecializePtx, DisjointArraysLoadThroughTheReadOnlyCache) {
  // x is never written and no argument overlaps another: noalias readonly,
  // so every load of x is ld.global.nc; out (written) gets no readonly.
  Kernel k(kSumSource);
  buildSum(k);
  auto out = compileOk(k, {"float32[::1]", "float32[::1]"}, withFacts({kAll, kAll}, true));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->written, (std::vector<bool>{false, true}));
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: ptr noalias readonly align 16 %x.data, i64 noundef range(i64 0, 1073741824) %x.shape, ptr noalias align 16 %out.data
  )"));
  EXPECT_EQ(countOf(out->ptx, "ld.global.nc.f32"), 5) << out->ptx; // 1 in the remainder loop, 4 unrolled
  EXPECT_EQ(countOf(out->ptx, "ld.global.f32"), 0);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(SpecializePtx, AlignedCoarsenedSaxpyUses128BitLoadsAndStores) {
  Kernel k(kSaxpySource);
  buildSaxpy(k);
  auto out = compileOk(k, kSaxpySig, withFacts({0, kAll, kAll, kAll}, true, 4));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->coarsen, 4);
  EXPECT_EQ(out->specialization, "x:aligned+small, y:aligned+small, out:aligned+small; disjoint; coarsen 4");
  // The version for four in-bounds threads: two vector loads, four fma, one
  // vector store; then the one for the grid's ragged end, element by element.
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .visible .entry saxpy(
    CHECK: ld.global.nc.v4.f32
    CHECK: ld.global.nc.v4.f32
    CHECK: fma.rn.f32
    CHECK: fma.rn.f32
    CHECK: fma.rn.f32
    CHECK: fma.rn.f32
    CHECK: st.global.v4.f32
    CHECK: ld.global.nc.f32
    CHECK: st.global.f32
  )"));
  EXPECT_EQ(countOf(out->ptx, "ld.global.nc.v4.f32"), 2);
  EXPECT_EQ(countOf(out->ptx, "st.global.v4.f32"), 1);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(SpecializePtx, UnalignedArraysKeepScalarAccesses) {
  // Without the alignment fact only 4 bytes are known: no vector access.
  constexpr std::uint8_t small = LaunchFacts::Bounded | LaunchFacts::Small;
  Kernel k(kSaxpySource);
  buildSaxpy(k);
  auto out = compileOk(k, kSaxpySig, withFacts({0, small, small, small}, true, 4));
  ASSERT_TRUE(out);
  EXPECT_EQ(countOf(out->ptx, ".v2."), 0) << out->ptx;
  EXPECT_EQ(countOf(out->ptx, ".v4."), 0);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(SpecializePtx, GeneralSaxpyHasNoReadOnlyCacheLoads) {
  // x and y may be out itself: no noalias, no .nc, one thread per element.
  Kernel k(kSaxpySource);
  buildSaxpy(k);
  auto out = compileOk(k, kSaxpySig);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->coarsen, 1);
  EXPECT_TRUE(out->coarsenable);
  EXPECT_EQ(countOf(out->ptx, ".nc"), 0);
  EXPECT_EQ(countOf(out->ptx, "ld.global.f32"), 2);
}

TEST(SpecializePtx, ABarrierOrALoopForbidsCoarsening) {
  Kernel k(R"(
def f(x):
    i = pf.grid(1)
    pf.syncthreads()
    x[i] = 1
)");
  k.def("f", {"x"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})), k.at(3).expr(k.call("pf.syncthreads", {})),
         k.at(4).assign(k.elem("x", "i"), k.num(1))});
  auto out = compileOk(k, {"float32[::1]"}, withFacts({kAll}, true, 4));
  ASSERT_TRUE(out);
  EXPECT_FALSE(out->coarsenable);
  EXPECT_EQ(out->coarsen, 1);
  EXPECT_EQ(out->specialization, "x:aligned+small; disjoint");

  Kernel sum(kSumSource);
  buildSum(sum);
  auto loop = compileOk(sum, {"float32[::1]", "float32[::1]"}, withFacts({kAll, kAll}, true, 4));
  ASSERT_TRUE(loop);
  EXPECT_FALSE(loop->coarsenable);
  EXPECT_EQ(loop->coarsen, 1);
}

} // namespace
