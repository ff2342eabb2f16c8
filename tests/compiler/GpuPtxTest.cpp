//===- tests/compiler/GpuPtxTest.cpp - PTX of the GPU execution features --===//
//
// Shared arrays, shared-memory atomics, launch bounds and the register cap
// as PTX directives, and the grid barrier that makes a kernel cooperative.
// Each kernel's Python text sits beside the tree built from it; every PTX
// is assembled by ptxas for sm_90. tests/python/test_gpu_features.py covers
// each intrinsic from Python.
//
//===----------------------------------------------------------------------===//
#include "../support/Compile.h"
#include "../support/FileCheck.h"

#include <gtest/gtest.h>

using namespace pftest;

namespace {

const char *kHistSource = R"(
def hist(data, out):
    counts = pf.shared.array(64, pf.int32)
    counts[pf.threadIdx.x] = 0
    pf.syncthreads()
    old = pf.atomic.add(counts, data[pf.threadIdx.x], 1)
    pf.syncthreads()
    out[pf.threadIdx.x] = counts[pf.threadIdx.x] + old
)";

void buildHist(Kernel &k) {
  auto tid = [&] { return k.path("pf.threadIdx.x"); };
  k.def("hist", {"data", "out"},
        {k.at(2).assign(k.name("counts"), k.call("pf.shared.array", {k.num(64), k.path("pf.int32")})),
         k.at(3).assign(k.sub(k.name("counts"), tid()), k.num(0)),
         k.at(4).expr(k.call("pf.syncthreads", {})),
         k.at(5).assign(k.name("old"), k.call("pf.atomic.add", {k.name("counts"), k.sub(k.name("data"), tid()),
                                                                 k.num(1)})),
         k.at(6).expr(k.call("pf.syncthreads", {})),
         k.at(7).assign(k.sub(k.name("out"), tid()),
                        k.bin(Add, k.sub(k.name("counts"), tid()), k.name("old")))});
}

TEST(GpuPtx, SharedArrayAndSharedAtomics) {
  Kernel k(kHistSource);
  buildHist(k);
  auto out = compileOk(k, {"int32[::1]", "int32[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .visible .entry hist(
    CHECK: .shared .align 16 .b8 {{[\w$]+}}[256];
    CHECK: st.shared.u32
    CHECK: bar.sync{{\s+}}0;
    CHECK: atom.shared.add.u32
    CHECK: bar.sync{{\s+}}0;
    CHECK: ld.shared.u32
  )"));
  // The IR keeps the array in addrspace(3) and hands the kernel a generic pointer.
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: addrspace(3) global [64 x i32] undef, align 16
    CHECK: atomicrmw add ptr
  )"));
  EXPECT_FALSE(out->cooperative);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(GpuPtx, LaunchBoundsAndRegisterCapBecomeDirectives) {
  Kernel k(kHistSource);
  buildHist(k);
  Options o;
  o.maxThreadsPerBlock = 256;
  o.minBlocksPerSm = 2;
  o.maxRegisters = 32;
  auto out = compileOk(k, {"int32[::1]", "int32[::1]"}, o);
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .visible .entry hist(
    CHECK: .maxntid 256, 1, 1
    CHECK: .minnctapersm 2
  )"));
  EXPECT_NE(out->ptx.find(".maxnreg 32"), std::string::npos) << out->ptx;
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

const char *kGridSyncSource = R"(
def gs(a):
    a[0] = 1.0
    pf.cg.this_grid().sync()
    a[1] = a[0]
)";

TEST(GpuPtx, GridSyncIsCooperativeAndUsesTheDriverWorkspace) {
  Kernel k(kGridSyncSource);
  k.def("gs", {"a"},
        {k.at(2).assign(k.sub(k.name("a"), k.num(0)), k.flt(1.0)),
         k.at(3).expr(k.call(k.attr(k.call("pf.cg.this_grid", {}), "sync"), {})),
         k.at(4).assign(k.sub(k.name("a"), k.num(1)), k.sub(k.name("a"), k.num(0)))});
  auto out = compileOk(k, {"float32[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->cooperative);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: bar.sync{{\s+}}0;
    CHECK: %envreg1
    CHECK: atom.add.release.gpu.u32
    CHECK: ld.acquire.gpu.u32
    CHECK: bar.sync{{\s+}}0;
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(GpuPtx, TooMuchStaticSharedMemoryIsAnErrorAtTheCall) {
  Kernel k(R"(
def big(out):
    s = pf.shared.array(20000, pf.float32)
    out[0] = s[0]
)");
  k.def("big", {"out"},
        {k.at(2).assign(k.name("s"), k.call("pf.shared.array", {k.num(20000), k.path("pf.float32")},
                                              k.loc("pf.shared.array(20000, pf.float32)"))),
         k.at(3).assign(k.sub(k.name("out"), k.num(0)), k.sub(k.name("s"), k.num(0)))});
  Diagnostic d = compileError(k, {"float32[::1]"});
  EXPECT_EQ(d.span.line, 2);
  EXPECT_EQ(d.span.col, 8);
  EXPECT_NE(d.message.find("48 KiB"), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("80000 bytes"), std::string::npos) << d.message;
}

TEST(GpuPtx, AtomicOnTheWrongElementTypeNamesTheTypesAllowed) {
  Kernel k(R"(
def bad(a):
    pf.atomic.inc(a, 0, 1)
)");
  k.def("bad", {"a"},
        {k.at(2).expr(k.call("pf.atomic.inc", {k.name("a", k.loc("a,")), k.num(0), k.num(1)}))});
  Diagnostic d = compileError(k, {"float32[::1]"});
  EXPECT_EQ(d.span.line, 2);
  EXPECT_NE(d.message.find("atomic.inc() works on arrays of uint32 and uint64, not float32[::1]"), std::string::npos)
      << d.message;
}

} // namespace
