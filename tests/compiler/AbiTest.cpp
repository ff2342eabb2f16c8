//===- tests/compiler/AbiTest.cpp - Kernel parameters in the PTX ----------===//
//
// compiler/Abi.h flattens each argument into PTX parameters: arrays as a
// data pointer and their shape, plus byte strides for layout A only;
// tuples element by element. The same list must appear in the .entry
// signature, and the layout must decide where strides come from.
//
//===----------------------------------------------------------------------===//
#include "../support/Compile.h"
#include "../support/FileCheck.h"

#include <gtest/gtest.h>

using namespace pftest;
using ptxforge::compiler::AbiSlot;

namespace {

/// The `.param` declarations of the .entry's signature, one per element.
std::vector<std::string> entryParams(const std::string &ptx) {
  std::vector<std::string> out;
  std::size_t start = ptx.find(".entry"), end = ptx.find(")\n{", start);
  if (start == std::string::npos || end == std::string::npos)
    return out;
  std::string sig = ptx.substr(start, end - start);
  for (std::size_t p = sig.find(".param "); p != std::string::npos; p = sig.find(".param ", p + 1)) {
    std::size_t stop = sig.find_first_of(",\n", p);
    std::string decl = sig.substr(p + 7, stop - p - 7);
    out.push_back(decl.substr(0, decl.rfind(' '))); // ".u64", ".f32", ...
  }
  return out;
}

// def touch(a):
//     pass
// compiled for one argument of the given type: every parameter stays in the
// signature even when unused.
std::vector<std::string> paramsFor(const char *type, std::size_t *abiSize = nullptr) {
  Kernel k(R"(
def touch(a):
    pass
)");
  k.def("touch", {"a"}, {k.at(2).pass()});
  auto out = compileOk(k, {type});
  if (!out)
    return {};
  if (abiSize)
    *abiSize = out->abi.size();
  EXPECT_TRUE(runPtxas(out->ptx).ok || ptxasPath().empty()) << out->ptx;
  return entryParams(out->ptx);
}

using Params = std::vector<std::string>;

TEST(Abi, ArrayOfLayoutAPassesShapeAndStrides) {
  std::size_t n = 0;
  EXPECT_EQ(paramsFor("float32[:, :]", &n), (Params{".u64", ".u64", ".u64", ".u64", ".u64"}));
  EXPECT_EQ(n, 5u);
}

TEST(Abi, ContiguousArraysPassTheShapeOnly) {
  EXPECT_EQ(paramsFor("float32[:, ::1]"), (Params{".u64", ".u64", ".u64"}));
  EXPECT_EQ(paramsFor("float32[::1, :]"), (Params{".u64", ".u64", ".u64"}));
  EXPECT_EQ(paramsFor("int8[::1]"), (Params{".u64", ".u64"}));
  EXPECT_EQ(paramsFor("float64[:, :, ::1]").size(), 4u);
  EXPECT_EQ(paramsFor("float64[:, :, :]").size(), 7u);
}

TEST(Abi, ScalarsPassAtTheirWidth) {
  EXPECT_EQ(paramsFor("float32"), (Params{".f32"}));
  EXPECT_EQ(paramsFor("float64"), (Params{".f64"}));
  EXPECT_EQ(paramsFor("int32"), (Params{".u32"}));
  EXPECT_EQ(paramsFor("uint16"), (Params{".u16"}));
  EXPECT_EQ(paramsFor("bool"), (Params{".u8"}));
  // NVPTX declares a half parameter as two aligned bytes: the same 2 bytes.
  EXPECT_EQ(paramsFor("float16"), (Params{".align 2 .b8"}));
}

TEST(Abi, TuplesFlattenInOrder) {
  EXPECT_EQ(paramsFor("UniTuple(int32, 2)"), (Params{".u32", ".u32"}));
  EXPECT_EQ(paramsFor("Tuple(float64, int8, float32[::1])"), (Params{".f64", ".u8", ".u64", ".u64"}));
}

TEST(Abi, SlotsNameTheirRoleAndDimension) {
  std::vector<AbiSlot> slots;
  ptxforge::compiler::appendAbi(ty("float32[:, :]"), slots);
  ASSERT_EQ(slots.size(), 5u);
  EXPECT_EQ(slots[0].role, AbiSlot::Data);
  EXPECT_EQ(slots[0].kind, AbiSlot::Ptr);
  EXPECT_EQ(slots[1].role, AbiSlot::Shape);
  EXPECT_EQ(slots[2].dim, 1);
  EXPECT_EQ(slots[3].role, AbiSlot::Stride);
  EXPECT_EQ(slots[4].dim, 1);
  EXPECT_EQ(slots[4].size(), 8);
  EXPECT_EQ(ptxforge::compiler::scalarSlot(types().boolType()).size(), 1);
  EXPECT_EQ(ptxforge::compiler::scalarSlot(types().floatType(16)).kind, AbiSlot::F16);
}

// def corner(m, out):
//     i, j = pf.grid(2)
//     out[0] = m[i, j]
std::unique_ptr<KernelArtifacts> corner(const char *layout) {
  Kernel k(R"(
def corner(m, out):
    i, j = pf.grid(2)
    out[0] = m[i, j]
)");
  k.def("corner", {"m", "out"},
        {k.at(2).assign(k.tuple({k.name("i"), k.name("j")}), k.call("pf.grid", {k.num(2)})),
         k.at(3).assign(k.sub(k.name("out"), k.num(0)), k.sub(k.name("m"), {k.name("i"), k.name("j")}))});
  return compileOk(k, {layout, "float32[::1]"});
}

TEST(Abi, LayoutADereferencesThroughThePassedStrides) {
  auto out = corner("float32[:, :]");
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvmOpt, R"(
    CHECK: define void @corner(ptr {{.*}}%m.data, i64 {{.*}}%m.shape, i64 {{.*}}%m.shape1, i64 {{.*}}%m.stride, i64 {{.*}}%m.stride2
    CHECK: mul {{.*}}%m.stride
    CHECK: mul {{.*}}%m.stride2
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Abi, LayoutCStridesComeFromTheLastExtent) {
  // m[i, j] of a C array is m.data + 4 * (i * shape[1] + j): shape[0] unused.
  auto out = corner("float32[:, ::1]");
  ASSERT_TRUE(out);
  EXPECT_EQ(countOf(out->llvmOpt, "stride"), 0);
  EXPECT_TRUE(fileCheck(out->llvmOpt, "CHECK: {{(mul|shl) .*%m\\.shape1}}"));
  EXPECT_EQ(countOf(out->llvmOpt, "%m.shape,"), 1) << "shape[0] is used beyond the signature";
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Abi, LayoutFStridesComeFromTheFirstExtent) {
  auto out = corner("float32[::1, :]");
  ASSERT_TRUE(out);
  EXPECT_EQ(countOf(out->llvmOpt, "stride"), 0);
  // m[i, j] of an F array is m.data + 4 * i + (4 * shape[0]) * j.
  EXPECT_TRUE(fileCheck(out->llvmOpt, "CHECK: {{(mul|shl) .*%m\\.shape,}}"));
  EXPECT_EQ(countOf(out->llvmOpt, "%m.shape1"), 1) << "shape[1] is used beyond the signature";
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Abi, PtxasHelperRejectsBrokenPtx) {
  if (ptxasPath().empty())
    GTEST_SKIP() << "ptxas not found";
  PtxasResult r = runPtxas(".version 7.8\n.target sm_90\n.address_size 64\n.visible .entry k() { bogus.op; }\n");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.log.find("error"), std::string::npos) << r.log;
}

} // namespace
