//===- tests/compiler/ComplexPtxTest.cpp - IR and PTX of complex kernels --===//
//
// Complex values are {T, T} pairs: complex64 work stays in float32 (loads,
// FMAs, libdevice's float32 functions), a complex scalar argument is two
// parameters, and array elements are accessed part by part at NumPy's
// alignment. Every PTX is assembled by ptxas for sm_90.
//
//===----------------------------------------------------------------------===//
#include "../support/Compile.h"
#include "../support/FileCheck.h"

#include <gtest/gtest.h>

using namespace pftest;

namespace {

// def cmul(a, b, out, z):
//     i = pf.grid(1)
//     if i < out.size:
//         out[i] = a[i] * b[i] + z
void buildCmul(Kernel &k) {
  k.def("cmul", {"a", "b", "out", "z"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).if_(k.cmp(k.name("i"), Lt, k.attr(k.name("out"), "size")))
             .then({k.at(4).assign(k.elem("out", "i"),
                                   k.bin(Add, k.bin(Mul, k.elem("a", "i"), k.elem("b", "i")), k.name("z")))})});
}
const char *kCmulSource = R"(
def cmul(a, b, out, z):
    i = pf.grid(1)
    if i < out.size:
        out[i] = a[i] * b[i] + z
)";

TEST(ComplexPtx, Complex64MultiplyAddStaysFloat32) {
  Kernel k(kCmulSource);
  buildCmul(k);
  auto out = compileOk(k, {"complex64[::1]", "complex64[::1]", "complex64[::1]", "complex64"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: define void @cmul(ptr align 4 %a.data, i64 noundef %a.shape
    CHECK: float %z, float %z
    CHECK: load float, ptr
    CHECK: fmul contract float
  )")) << out->llvm;
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .visible .entry cmul(
    CHECK: .param .f32 cmul_param_6
    CHECK: .param .f32 cmul_param_7
    CHECK: ld.global.f32
    CHECK: fma.rn.f32
    CHECK: st.global.f32
  )")) << out->ptx;
  EXPECT_EQ(countOf(out->ptx, "ld.global.f32"), 4);
  EXPECT_EQ(countOf(out->ptx, "st.global.f32"), 2);
  EXPECT_EQ(countOf(out->ptx, ".f64"), 0);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

// def root(z, out):
//     out[0] = cmath.sqrt(z[0]) / z[1] + abs(z[2])
TEST(ComplexPtx, CmathCallsLibdeviceOfThePartType) {
  Kernel k(R"(
def root(z, out):
    out[0] = cmath.sqrt(z[0]) / z[1] + abs(z[2])
)");
  k.def("root", {"z", "out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)),
                        k.bin(Add, k.bin(Div, k.call("cmath.sqrt", {k.sub(k.name("z"), k.num(0))}),
                                         k.sub(k.name("z"), k.num(1))),
                              k.call("abs", {k.sub(k.name("z"), k.num(2))})))});
  auto single = compileOk(k, {"complex64[::1]", "complex64[::1]"});
  ASSERT_TRUE(single);
  EXPECT_TRUE(fileCheck(single->llvm, "CHECK: call float @__nv_hypotf(")) << single->llvm;
  EXPECT_EQ(countOf(single->llvm, "@__nv_hypot("), 0);
  EXPECT_EQ(countOf(single->ptx, ".f64"), 0);
  EXPECT_TRUE(fileCheck(single->ptx, "CHECK: div.rn.f32")) << single->ptx;
  PF_EXPECT_PTXAS_ACCEPTS(single->ptx);
  auto dbl = compileOk(k, {"complex128[::1]", "complex128[::1]"});
  ASSERT_TRUE(dbl);
  EXPECT_TRUE(fileCheck(dbl->llvm, "CHECK: call double @__nv_hypot(")) << dbl->llvm;
  EXPECT_TRUE(fileCheck(dbl->ptx, "CHECK: ld.global.f64")) << dbl->ptx;
  PF_EXPECT_PTXAS_ACCEPTS(dbl->ptx);
}

// def cmp(z, w, out):
//     out[0] = z == w
TEST(ComplexPtx, EqualityComparesBothParts) {
  Kernel k(R"(
def cmp(z, w, out):
    out[0] = z == w
)");
  k.def("cmp", {"z", "w", "out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.cmp(k.name("z"), Eq, k.name("w")))});
  auto out = compileOk(k, {"complex128", "complex", "bool[::1]"});
  ASSERT_TRUE(out);
  EXPECT_EQ(countOf(out->llvm, "fcmp oeq double"), 2) << out->llvm;
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

} // namespace
