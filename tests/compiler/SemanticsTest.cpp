//===- tests/compiler/SemanticsTest.cpp - Python semantics in the IR ------===//
//
// Integer `//`, `%`, shifts and `/` on compile-time constants fold while the
// IR is built, so the optimised IR stores the exact value Python (with the
// documented fixed-width rules) gives; on run-time values the sign fix-up
// must be in the IR. Then a set of kernels covering the statement and
// expression forms, each assembled by ptxas.
//
//===----------------------------------------------------------------------===//
#include "../support/Compile.h"
#include "../support/FileCheck.h"

#include <gtest/gtest.h>

#include <climits>

using namespace pftest;

namespace {

struct IntCase {
  std::int64_t a, b, floorDiv, mod;
};

// def divmod_(out):
//     out[0] = A // B
//     out[1] = A % B
// with A and B int32 constants from the kernel's globals.
class IntFloorDivMod : public ::testing::TestWithParam<IntCase> {};

TEST_P(IntFloorDivMod, FoldsToPythonsResult) {
  const IntCase &c = GetParam();
  Kernel k(R"(
def divmod_(out):
    out[0] = A // B
    out[1] = A % B
)");
  k.def("divmod_", {"out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.bin(FloorDiv, k.name("A"), k.name("B"))),
         k.at(3).assign(k.sub(k.name("out"), k.num(1)), k.bin(Mod, k.name("A"), k.name("B")))});
  GlobalEnv env = Kernel::env();
  env["A"] = {GlobalValue::Constant, "", types().intType(32), c.a};
  env["B"] = {GlobalValue::Constant, "", types().intType(32), c.b};
  auto out = compileOk(k, {"int32[::1]"}, {}, Stage::Ptx, env);
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvmOpt, "CHECK: store i32 " + std::to_string(c.floorDiv) + ", ptr %out.data\n" +
                                          "CHECK: store i32 " + std::to_string(c.mod) + ", ptr"))
      << c.a << " // " << c.b;
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

// Python: divmod(a, b); by zero gives 0 (numba's CUDA model); MIN // -1
// wraps to MIN in int32.
INSTANTIATE_TEST_SUITE_P(Table, IntFloorDivMod,
                         ::testing::Values(IntCase{7, 2, 3, 1}, IntCase{-7, 2, -4, 1}, IntCase{7, -2, -4, -1},
                                           IntCase{-7, -2, 3, -1}, IntCase{6, -3, -2, 0}, IntCase{-6, 3, -2, 0},
                                           IntCase{0, -5, 0, 0}, IntCase{5, 0, 0, 0}, IntCase{-1, 7, -1, 6},
                                           IntCase{INT32_MIN, -1, INT32_MIN, 0}, IntCase{INT32_MIN, 1, INT32_MIN, 0}));

TEST(Semantics, RuntimeFloorDivisionCarriesTheSignFix) {
  Kernel k(R"(
def fdiv(a, b, out):
    out[0] = a // b
)");
  k.def("fdiv", {"a", "b", "out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.bin(FloorDiv, k.name("a"), k.name("b")))});
  auto out = compileOk(k, {"int32", "int32", "int32[::1]"});
  ASSERT_TRUE(out);
  // Safe divisor, truncating division, then: rem != 0 and (rem ^ d) < 0 -> q - 1.
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: icmp eq i32 %b{{[0-9]*}}, 0
    CHECK: sdiv i32
    CHECK: srem i32
    CHECK: xor i32
    CHECK: icmp slt i32
    CHECK: sub i32 {{.*}}, 1
    CHECK: select i1
  )"));
  EXPECT_TRUE(fileCheck(out->ptx, "CHECK: div.s32"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, UnsignedFloorDivisionNeedsNoSignFix) {
  Kernel k(R"(
def fdiv(a, b, out):
    out[0] = a // b
)");
  k.def("fdiv", {"a", "b", "out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.bin(FloorDiv, k.name("a"), k.name("b")))});
  auto out = compileOk(k, {"uint32", "uint32", "uint32[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, "CHECK: udiv i32"));
  EXPECT_EQ(countOf(out->llvm, "sdiv"), 0);
  EXPECT_EQ(countOf(out->llvm, "srem"), 0);
  EXPECT_TRUE(fileCheck(out->ptx, "CHECK: div.u32"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, ShiftsTrueDivisionAndComparisonsFold) {
  Kernel k(R"(
def ops(out, f):
    out[0] = A << B
    out[1] = A >> B
    out[2] = A >> 1
    f[0] = A / 16
    f[1] = A ** 2
)");
  k.def("ops", {"out", "f"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.bin(LShift, k.name("A"), k.name("B"))),
         k.at(3).assign(k.sub(k.name("out"), k.num(1)), k.bin(RShift, k.name("A"), k.name("B"))),
         k.at(4).assign(k.sub(k.name("out"), k.num(2)), k.bin(RShift, k.name("A"), k.num(1))),
         k.at(5).assign(k.sub(k.name("f"), k.num(0)), k.bin(Div, k.name("A"), k.num(16))),
         k.at(6).assign(k.sub(k.name("f"), k.num(1)), k.bin(Pow, k.name("A"), k.num(2)))});
  GlobalEnv env = Kernel::env();
  env["A"] = {GlobalValue::Constant, "", types().intType(32), -8};
  env["B"] = {GlobalValue::Constant, "", types().intType(32), 40};
  auto out = compileOk(k, {"int32[::1]", "float64[::1]"}, {}, Stage::Ptx, env);
  ASSERT_TRUE(out);
  // Shifts by the width or more give 0, or the sign for >> of a negative.
  EXPECT_TRUE(fileCheck(out->llvmOpt, R"(
    CHECK: store i32 0, ptr %out.data
    CHECK: store i32 -1, ptr
    CHECK: store i32 -4, ptr
    CHECK: store double -5.000000e-01, ptr %f.data
    CHECK: store double 6.400000e+01, ptr
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, FloatFloorDivisionAndModuloUseFmodWithTheSignFix) {
  Kernel k(R"(
def fmod_(x, y, out):
    out[0] = x[0] // y[0]
    out[1] = x[0] % y[0]
)");
  k.def("fmod_", {"x", "y", "out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)),
                        k.bin(FloorDiv, k.sub(k.name("x"), k.num(0)), k.sub(k.name("y"), k.num(0)))),
         k.at(3).assign(k.sub(k.name("out"), k.num(1)),
                        k.bin(Mod, k.sub(k.name("x"), k.num(0)), k.sub(k.name("y"), k.num(0))))});
  auto out = compileOk(k, {"float32[::1]", "float32[::1]", "float32[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: call {{.*}}float @__nv_fmodf(
    CHECK: call {{.*}}float @llvm.floor.f32(
    CHECK: call {{.*}}float @llvm.copysign.f32(
    CHECK: call {{.*}}float @__nv_fmodf(
    CHECK: call {{.*}}float @llvm.copysign.f32(
  )"));
  EXPECT_EQ(countOf(out->ptx, ".extern"), 0);
  EXPECT_EQ(countOf(out->ptx, ".f64"), 0);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

//===-- Statement and expression forms, each through ptxas ----------------===//

TEST(Semantics, WhileWithBreakAndContinue) {
  Kernel k(R"(
def count(x, out):
    n = 0
    i = 0
    while i < x.size:
        i += 1
        if x[i - 1] < 0:
            continue
        if n >= 10:
            break
        n += 1
    out[0] = n
)");
  k.def("count", {"x", "out"},
        {k.at(2).assign(k.name("n"), k.num(0)), k.at(3).assign(k.name("i"), k.num(0)),
         k.at(4).while_(k.cmp(k.name("i"), Lt, k.attr(k.name("x"), "size")))
             .body({k.at(5).aug(k.name("i"), Add, k.num(1)),
                    k.at(6).if_(k.cmp(k.sub(k.name("x"), k.bin(Sub, k.name("i"), k.num(1))), Lt, k.num(0)))
                        .then({k.at(7).continue_()}),
                    k.at(8).if_(k.cmp(k.name("n"), GtE, k.num(10))).then({k.at(9).break_()}),
                    k.at(10).aug(k.name("n"), Add, k.num(1))}),
         k.at(11).assign(k.sub(k.name("out"), k.num(0)), k.name("n"))});
  auto out = compileOk(k, {"float32[::1]", "int64[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: while.cond:
    CHECK: while.body:
    CHECK: while.end:
  )"));
  EXPECT_TRUE(fileCheck(out->ptx, "CHECK: st.global.u64"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, RangeWithANegativeConstantStepCountsDown) {
  Kernel k(R"(
def rev(x):
    for i in range(x.size - 1, -1, -1):
        x[i] = i
)");
  k.def("rev", {"x"},
        {k.at(2).for_(k.name("i"), k.call("range", {k.bin(Sub, k.attr(k.name("x"), "size"), k.num(1)),
                                                     k.neg(k.num(1)), k.neg(k.num(1))}))
             .body({k.at(3).assign(k.elem("x", "i"), k.name("i"))})});
  auto out = compileOk(k, {"int64[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: for.cond:
    CHECK: icmp sgt i64
    CHECK: for.inc:
    CHECK: add i64 {{.*}}, -1
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, RangeWithARuntimeStepChecksItsSign) {
  Kernel k(R"(
def strided(x, s):
    for i in range(0, x.size, s):
        x[i] = 1.0
)");
  k.def("strided", {"x", "s"},
        {k.at(2).for_(k.name("i"), k.call("range", {k.num(0), k.attr(k.name("x"), "size"), k.name("s")}))
             .body({k.at(3).assign(k.elem("x", "i"), k.flt(1.0))})});
  auto out = compileOk(k, {"float64[::1]", "int32"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: for.cond:
    CHECK: icmp slt i64
    CHECK: icmp sgt i64
    CHECK: icmp sgt i64 %{{.*}}, 0
    CHECK: icmp slt i64 %{{.*}}, 0
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, BoolAndInt8ArraysMinMaxAbsAndConditionals) {
  Kernel k(R"(
def mix(flags, small, out):
    i = pf.grid(1)
    v = small[i] if flags[i] else -small[i]
    flags[i] = 0 < v < 100 and not flags[i]
    out[i] = max(abs(v), 3) + min(v, small[0], 7)
)");
  k.def("mix", {"flags", "small", "out"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.name("v"), k.ifexp(k.elem("flags", "i"), k.elem("small", "i"), k.neg(k.elem("small", "i")))),
         k.at(4).assign(k.elem("flags", "i"),
                        k.and_({k.chain(k.num(0), Lt, k.name("v"), Lt, k.num(100)), k.not_(k.elem("flags", "i"))})),
         k.at(5).assign(k.elem("out", "i"),
                        k.bin(Add, k.call("max", {k.call("abs", {k.name("v")}), k.num(3)}),
                              k.call("min", {k.name("v"), k.sub(k.name("small"), k.num(0)), k.num(7)})))});
  auto out = compileOk(k, {"bool[::1]", "int8[::1]", "int16[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: load i8
    CHECK: icmp ne i8 {{.*}}, 0
    CHECK: zext i1 {{.*}} to i8
  )"));
  // x if c else y, 0 < v < 100 and ..., each with its own join block.
  for (const char *block : {"\nifexp.end:", "\ncmp.end:", "\nboolop.end:"})
    EXPECT_EQ(countOf(out->llvm, block), 1) << block;
  EXPECT_TRUE(fileCheck(out->llvm, "CHECK: @llvm.abs.i8"));
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: ld.global.u8
    CHECK: st.global.u8
    CHECK: st.global.u16
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, Float16ArithmeticUsesHalfInstructions) {
  Kernel k(R"(
def h(x, y, out):
    i = pf.grid(1)
    out[i] = x[i] * y[i] + x[i]
)");
  k.def("h", {"x", "y", "out"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.elem("out", "i"),
                        k.bin(Add, k.bin(Mul, k.elem("x", "i"), k.elem("y", "i")), k.elem("x", "i")))});
  auto out = compileOk(k, {"float16[::1]", "float16[::1]", "float16[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->ptx, "CHECK: fma.rn.f16"));
  EXPECT_EQ(countOf(out->ptx, ".f32"), 0) << "sm_90 has native f16 arithmetic";
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, CastsTuplesAndArrayAttributes) {
  Kernel k(R"(
def casts(m, t, out):
    i, j = pf.grid(2)
    rows, cols = m.shape
    if i < rows and j < cols:
        out[i, j] = np.float32(m[i, j]) * t[1] + int(t[0]) + m.strides[1] + len(t)
)");
  k.def("casts", {"m", "t", "out"},
        {k.at(2).assign(k.tuple({k.name("i"), k.name("j")}), k.call("pf.grid", {k.num(2)})),
         k.at(3).assign(k.tuple({k.name("rows"), k.name("cols")}), k.attr(k.name("m"), "shape")),
         k.at(4).if_(k.and_({k.cmp(k.name("i"), Lt, k.name("rows")), k.cmp(k.name("j"), Lt, k.name("cols"))}))
             .then({k.at(5).assign(
                 k.sub(k.name("out"), {k.name("i"), k.name("j")}),
                 k.bin(Add,
                       k.bin(Add,
                             k.bin(Add,
                                   k.bin(Mul, k.call("np.float32", {k.sub(k.name("m"), {k.name("i"), k.name("j")})}),
                                         k.sub(k.name("t"), k.num(1))),
                                   k.call("int", {k.sub(k.name("t"), k.num(0))})),
                             k.sub(k.attr(k.name("m"), "strides"), k.num(1))),
                       k.call("len", {k.name("t")})))})});
  auto out = compileOk(k, {"float64[:, :]", "Tuple(int32, float32)", "float32[:, ::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: fptrunc double {{.*}} to float
    CHECK: sext i32 {{.*}} to i64
  )"));
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: cvt.rn.f32.f64
    CHECK: st.global.f32
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

TEST(Semantics, IntegerPowerLoopsAndFloatSquareIsAMultiply) {
  Kernel k(R"(
def powers(n, x, out, f):
    out[0] = n ** 5
    f[0] = x ** 2.0
    f[1] = x ** 0.5
)");
  k.def("powers", {"n", "x", "out", "f"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.bin(Pow, k.name("n"), k.num(5))),
         k.at(3).assign(k.sub(k.name("f"), k.num(0)), k.bin(Pow, k.name("x"), k.flt(2.0))),
         k.at(4).assign(k.sub(k.name("f"), k.num(1)), k.bin(Pow, k.name("x"), k.flt(0.5)))});
  auto out = compileOk(k, {"int32", "float32", "int32[::1]", "float32[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: ipow.loop:
    CHECK: fmul contract float %x{{[0-9]*}}, %x
    CHECK: call {{.*}}float @__nv_powf(float %x{{[0-9]*}}, float 5.000000e-01)
  )"));
  EXPECT_EQ(countOf(out->ptx, ".extern"), 0);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

} // namespace
