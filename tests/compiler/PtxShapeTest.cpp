//===- tests/compiler/PtxShapeTest.cpp - IR and PTX shape of small kernels ===//
//
// Each kernel sits beside its expectations (FileCheck-style, see
// tests/support/FileCheck.h) on the PTX or the LLVM IR; every PTX is then
// assembled by ptxas for sm_90.
//
//===----------------------------------------------------------------------===//
#include "../support/Compile.h"
#include "../support/FileCheck.h"

#include <gtest/gtest.h>

using namespace pftest;

namespace {

// def saxpy(a, x, y, out):
//     i = pf.grid(1)
//     if i < x.size:
//         out[i] = a * x[i] + y[i]
void buildSaxpy(Kernel &k) {
  k.def("saxpy", {"a", "x", "y", "out"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).if_(k.cmp(k.name("i"), Lt, k.attr(k.name("x"), "size")))
             .then({k.at(4).assign(k.elem("out", "i"),
                                   k.bin(Add, k.bin(Mul, k.name("a"), k.elem("x", "i")), k.elem("y", "i")))})});
}
const char *kSaxpySource = R"(
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]
)";
const std::initializer_list<const char *> kSaxpySig = {"float32", "float32[::1]", "float32[::1]", "float32[::1]"};

TEST(PtxShape, SaxpyFusesIntoOneFma) {
  Kernel k(kSaxpySource);
  buildSaxpy(k);
  auto out = compileOk(k, kSaxpySig);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->entryName, "saxpy");
  EXPECT_EQ(out->signature, "(float32, float32[::1], float32[::1], float32[::1])");
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .target sm_90
    CHECK: .visible .entry saxpy(
    CHECK: %tid.x
    CHECK: ld.global.f32
    CHECK: fma.rn.f32
    CHECK: st.global.f32
    CHECK: ret;
  )"));
  EXPECT_EQ(countOf(out->ptx, "mul.rn.f32"), 0);
  EXPECT_EQ(countOf(out->ptx, "add.rn.f32"), 0);
  EXPECT_EQ(countOf(out->ptx, "fma.rn.f32"), 1);
  // The IR before optimisation allows contraction on both operations.
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: define void @saxpy(float %a, ptr readonly align 4 %x.data, i64 noundef range(i64 0, -9223372036854775808) %x.shape
    CHECK: fmul contract float
    CHECK: fadd contract float
    CHECK: !nvvm.annotations
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, GridIndexNeedsNoNegativeIndexWrap) {
  // pf.grid(1) is provably non-negative (special-register ranges, nuw/nsw
  // arithmetic), so the select for Python's x[-1] must fold away.
  Kernel k(kSaxpySource);
  buildSaxpy(k);
  auto out = compileOk(k, kSaxpySig);
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, "CHECK: select i1"));
  EXPECT_EQ(countOf(out->llvmOpt, "select"), 0) << out->llvmOpt;
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, NoContractionKeepsMulAndAddApart) {
  Kernel k(kSaxpySource);
  buildSaxpy(k);
  Options o;
  o.fmaContraction = false;
  auto out = compileOk(k, kSaxpySig, o);
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .visible .entry saxpy(
    CHECK: mul.rn.f32
    CHECK: add.rn.f32
  )"));
  EXPECT_EQ(countOf(out->ptx, "fma."), 0);
  EXPECT_EQ(countOf(out->llvm, "contract"), 0);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

// def divsqrt(x, y, out):
//     i = pf.grid(1)
//     out[i] = math.sqrt(x[i]) / y[i]
void buildDivSqrt(Kernel &k) {
  k.def("divsqrt", {"x", "y", "out"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.elem("out", "i"),
                        k.bin(Div, k.call("math.sqrt", {k.elem("x", "i")}), k.elem("y", "i")))});
}
const char *kDivSqrtSource = R"(
def divsqrt(x, y, out):
    i = pf.grid(1)
    out[i] = math.sqrt(x[i]) / y[i]
)";

TEST(PtxShape, Float32SqrtAndDivisionAreIeeeByDefault) {
  Kernel k(kDivSqrtSource);
  buildDivSqrt(k);
  auto out = compileOk(k, {"float32[::1]", "float32[::1]", "float32[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: sqrt.rn.f32
    CHECK: div.rn.f32
  )"));
  EXPECT_EQ(countOf(out->ptx, "approx"), 0);
  EXPECT_EQ(countOf(out->ptx, ".ftz"), 0);
  EXPECT_TRUE(fileCheck(out->llvm, "CHECK: call contract float @llvm.sqrt.f32"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, FastmathGivesApproximateFlushToZeroForms) {
  Kernel k(kDivSqrtSource);
  buildDivSqrt(k);
  Options o;
  o.fastmath = true;
  auto out = compileOk(k, {"float32[::1]", "float32[::1]", "float32[::1]"}, o);
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: sqrt.approx.ftz.f32
    CHECK: div.approx.ftz.f32
  )"));
  EXPECT_EQ(countOf(out->ptx, "sqrt.rn"), 0);
  EXPECT_EQ(countOf(out->ptx, "div.rn"), 0);
  EXPECT_TRUE(fileCheck(out->llvm, "CHECK: fdiv fast float"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, Float64SqrtAndDivisionStayIeeeEvenUnderFastmath) {
  // PTX has no approximate f64 sqrt/div of full range; rn forms are expected.
  Kernel k(kDivSqrtSource);
  buildDivSqrt(k);
  auto out = compileOk(k, {"float64[::1]", "float64[::1]", "float64[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: sqrt.rn.f64
    CHECK: div.rn.f64
  )"));
  EXPECT_EQ(countOf(out->ptx, ".f32"), 0);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

// def sine(x, out):
//     i = pf.grid(1)
//     out[i] = math.sin(x[i])
void buildSine(Kernel &k) {
  k.def("sine", {"x", "out"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.elem("out", "i"), k.call("math.sin", {k.elem("x", "i")}))});
}
const char *kSineSource = R"(
def sine(x, out):
    i = pf.grid(1)
    out[i] = math.sin(x[i])
)";

TEST(PtxShape, SinOfFloat32LinksLibdeviceAndLeavesNoExternalCall) {
  Kernel k(kSineSource);
  buildSine(k);
  auto out = compileOk(k, {"float32[::1]", "float32[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, "CHECK: declare float @__nv_sinf(float)"));
  EXPECT_EQ(countOf(out->llvmOpt, "declare float @__nv_sinf"), 0) << "libdevice was not linked";
  EXPECT_EQ(countOf(out->ptx, ".extern"), 0);
  EXPECT_EQ(countOf(out->ptx, "__nv_"), 0);
  EXPECT_EQ(countOf(out->ptx, "call"), 0) << "libdevice should be inlined";
  // The float32 variant: f32 loads, arithmetic and stores (libdevice's
  // slow-path reduction for huge arguments alone touches f64).
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .visible .entry sine(
    CHECK: ld.global.f32
    CHECK: fma.rn.f32
    CHECK: st.global.f32
  )"));
  EXPECT_EQ(countOf(out->llvm, "@__nv_sin("), 0);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, SinOfFloat64UsesDoublePrecision) {
  Kernel k(kSineSource);
  buildSine(k);
  auto out = compileOk(k, {"float64[::1]", "float64[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, "CHECK: declare double @__nv_sin(double)"));
  EXPECT_EQ(countOf(out->ptx, ".extern"), 0);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: ld.global.f64
    CHECK: fma.rn.f64
    CHECK: st.global.f64
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, LineinfoEmitsFileAndLocDirectives) {
  Kernel k(kSaxpySource, "/home/user/saxpy_kernels.py");
  buildSaxpy(k);
  Options o;
  o.lineinfo = true;
  auto out = compileOk(k, kSaxpySig, o);
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .visible .entry saxpy(
    CHECK: {{\.loc\s+1 2 5}}
    CHECK: {{\.loc\s+1 3 5}}
    CHECK: {{\.loc\s+1 4 9}}
    CHECK: {{\.file\s+1 "/home/user/saxpy_kernels.py"}}
  )"));
  EXPECT_EQ(countOf(out->ptx, ".section .debug_info"), 0) << "line tables only, no full debug info";
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, FullDebugInfoDescribesParametersAndLocals) {
  // debug with opt=0: parameters declared on their slots, the local i valued
  // at its assignment, numba's type names (LowerDebugInfo.cpp).
  Kernel k(kSaxpySource, "/home/user/saxpy_kernels.py");
  buildSaxpy(k);
  Options o;
  o.debug = true;
  o.optLevel = 0;
  auto out = compileOk(k, kSaxpySig, o);
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: define void @saxpy(
    CHECK: #dbg_declare(ptr %a1, {{![0-9]+}}, !DIExpression(),
    CHECK: #dbg_declare(ptr %x, {{![0-9]+}}, !DIExpression(),
    CHECK-NOT: #dbg_declare(ptr %i,
    CHECK: #dbg_value(i64 %{{[0-9]+}}, {{![0-9]+}}, !DIExpression(),
    CHECK: !DISubroutineType(types:
    CHECK: = !{null, {{![0-9]+}}, {{![0-9]+}}, {{![0-9]+}}, {{![0-9]+}}}
    CHECK: = !DIBasicType(name: "float32", size: 32, encoding: DW_ATE_float)
    CHECK: = !DICompositeType(tag: DW_TAG_structure_type, name: "float32[::1]", size: 192
    CHECK: = !DILocalVariable(name: "a", arg: 1,
    CHECK: = !DILocalVariable(name: "x", arg: 2,
    CHECK: = !DILocalVariable(name: "i", scope: {{![0-9]+}}, file: {{![0-9]+}}, line: 2, type:
    CHECK-COUNT-1: !DIBasicType(name: "int64", size: 64, encoding: DW_ATE_signed)
    CHECK-COUNT-4: !DILocalVariable({{.*}}arg:
  )")) << out->llvm;
  EXPECT_GT(countOf(out->ptx, ".debug_info"), 0) << "full DWARF: a .debug_info section";
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, NoLineinfoByDefault) {
  Kernel k(kSaxpySource);
  buildSaxpy(k);
  auto out = compileOk(k, kSaxpySig);
  ASSERT_TRUE(out);
  EXPECT_EQ(countOf(out->ptx, ".loc"), 0);
  EXPECT_EQ(countOf(out->ptx, ".file"), 0);
}

TEST(PtxShape, ThreadIndexReadsTheSpecialRegisters) {
  Kernel k(R"(
def tid(out):
    i = pf.threadIdx.x + pf.blockIdx.x * pf.blockDim.x
    out[i] = pf.threadIdx.y
    pf.syncthreads()
)");
  k.def("tid", {"out"},
        {k.at(2).assign(k.name("i"), k.bin(Add, k.path("pf.threadIdx.x"),
                                           k.bin(Mul, k.path("pf.blockIdx.x"), k.path("pf.blockDim.x")))),
         k.at(3).assign(k.elem("out", "i"), k.path("pf.threadIdx.y")),
         k.at(4).expr(k.call("pf.syncthreads", {}))});
  auto out = compileOk(k, {"int32[::1]"});
  ASSERT_TRUE(out);
  for (const char *reg : {"%tid.x", "%ctaid.x", "%ntid.x", "%tid.y"})
    EXPECT_EQ(countOf(out->ptx, reg), 1) << reg << "\n" << out->ptx;
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: st.global.u32
    CHECK: {{bar\.sync\s+0}}
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(PtxShape, CompilerVersionNamesLlvm19) {
  std::string v = ptxforge::compiler::compilerVersion();
  EXPECT_NE(v.find("ptxforge"), std::string::npos) << v;
  EXPECT_NE(v.find("LLVM 19."), std::string::npos) << v;
}

TEST(PtxShape, TypingErrorsComeBackFromCompileKernel) {
  Kernel k(R"(
def bad(x):
    x[0] = y
)");
  k.def("bad", {"x"}, {k.at(2).assign(k.sub(k.name("x"), k.num(0)), k.name("y", k.loc("y")))});
  Diagnostic d = compileError(k, {"float32[::1]"});
  EXPECT_EQ(d.render(), "kernel.py:2:12: error: NameError: name 'y' is not defined\n"
                        "        x[0] = y\n"
                        "               ^");
}

} // namespace
