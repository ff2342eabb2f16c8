//===- tests/frontend/ComplexTypingTest.cpp - Typing complex numbers ------===//
//
// Complex literals are weak (NEP 50), complex types promote by NumPy's
// rules, cmath takes real arguments as complex ones, and what complex
// numbers cannot do is an error at its column.
//
//===----------------------------------------------------------------------===//
#include "../support/KernelDsl.h"
#include "frontend/TypeInfer.h"

#include <gtest/gtest.h>

using namespace pftest;

namespace {

/// Types `k` for `sig`: the function, or nullptr with `error` filled.
std::unique_ptr<TypedFunction> typeKernel(const Kernel &k, std::initializer_list<const char *> sig, Diagnostic &error) {
  return inferTypes(k.ast(), tys(sig), Kernel::env(), /*isKernel=*/true, error);
}

std::string localType(const TypedFunction &fn, const std::string &name) {
  for (const auto &l : fn.locals)
    if (l->name == name)
      return l->type ? l->type->str() : "<untyped>";
  return "<no such local>";
}

TEST(ComplexTyping, WeakImaginaryLiteralKeepsComplex64) {
  Kernel k(R"(
def f(x, z):
    a = z * 2j
    b = x * 1j
    c = abs(a) + a.real
    d = cmath.sqrt(x)
)");
  k.def("f", {"x", "z"},
        {k.at(2).assign(k.name("a"), k.bin(Mul, k.name("z"), k.imag(2))),
         k.at(3).assign(k.name("b"), k.bin(Mul, k.name("x"), k.imag(1))),
         k.at(4).assign(k.name("c"), k.bin(Add, k.call("abs", {k.name("a")}), k.attr(k.name("a"), "real"))),
         k.at(5).assign(k.name("d"), k.call("cmath.sqrt", {k.name("x")}))});
  Diagnostic error;
  auto fn = typeKernel(k, {"float32", "complex64"}, error);
  ASSERT_TRUE(fn) << error.render();
  EXPECT_EQ(localType(*fn, "a"), "complex64");
  EXPECT_EQ(localType(*fn, "b"), "complex64"); // float32 meeting a Python complex
  EXPECT_EQ(localType(*fn, "c"), "float32");
  EXPECT_EQ(localType(*fn, "d"), "complex64");
  fn = typeKernel(k, {"int32", "complex128"}, error);
  ASSERT_TRUE(fn) << error.render();
  EXPECT_EQ(localType(*fn, "b"), "complex128");
  EXPECT_EQ(localType(*fn, "c"), "float64");
}

TEST(ComplexTyping, LocalJoinsRealAndComplexAssignments) {
  Kernel k(R"(
def f(x, z):
    s = 0.0
    s += x
    s += z
)");
  k.def("f", {"x", "z"},
        {k.at(2).assign(k.name("s"), k.flt(0)), k.at(3).aug(k.name("s"), Add, k.name("x")),
         k.at(4).aug(k.name("s"), Add, k.name("z"))});
  Diagnostic error;
  auto fn = typeKernel(k, {"float32", "complex64"}, error);
  ASSERT_TRUE(fn) << error.render();
  EXPECT_EQ(localType(*fn, "s"), "complex64");
  EXPECT_EQ(promote(types().complexType(64), types().floatType(64)), types().complexType(128));
  EXPECT_EQ(promote(types().complexType(128, true), types().floatType(16)), types().complexType(64));
}

TEST(ComplexTyping, OrderingComplexNumbersIsAnErrorAtTheComparison) {
  Kernel k(R"(
def f(z, w, out):
    out[0] = z < w
)");
  k.def("f", {"z", "w", "out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.cmp(k.name("z", k.loc("z")), Lt, k.name("w"), k.loc("z < w")))});
  Diagnostic error;
  EXPECT_FALSE(typeKernel(k, {"complex64", "complex64", "bool[::1]"}, error));
  EXPECT_EQ(error.message, "complex numbers have no order; compare their abs() or .real instead");
  EXPECT_EQ(error.span.line, 2);
  EXPECT_EQ(error.span.col + 1, 14);
}

TEST(ComplexTyping, StoringComplexIntoARealArrayIsAnError) {
  Kernel k(R"(
def f(z, out):
    out[0] = z
)");
  k.def("f", {"z", "out"}, {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.name("z", k.loc("z")))});
  Diagnostic error;
  EXPECT_FALSE(typeKernel(k, {"complex128", "float64[::1]"}, error));
  EXPECT_NE(error.message.find("cannot store complex128 into an element of type float64"), std::string::npos)
      << error.message;
  EXPECT_EQ(error.span.col + 1, 14);
}

TEST(ComplexTyping, MathOnComplexPointsToCmath) {
  Kernel k(R"(
def f(z, out):
    out[0] = math.exp(z)
)");
  k.def("f", {"z", "out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.call("math.exp", {k.name("z", k.loc("z)"))}))});
  Diagnostic error;
  EXPECT_FALSE(typeKernel(k, {"complex64", "complex64[::1]"}, error));
  EXPECT_EQ(error.message, "math.exp() takes real numbers; use cmath for complex ones");
}

} // namespace
