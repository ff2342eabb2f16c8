//===- tests/frontend/TypesTest.cpp - numba type strings and promotion ----===//
//
// parseType / parseSignature on numba's spellings (layouts C, F and A,
// tuples, errors with their column), the interning that lets types compare
// by pointer, and promote(): NumPy 2's table with NEP 50 weak scalars.
//
//===----------------------------------------------------------------------===//
#include "../support/KernelDsl.h"
#include "frontend/TypeInfer.h"

#include <gtest/gtest.h>

using namespace pftest;

namespace {

const ArrayType *arrayOf(const std::string &text) {
  const Type *t = ty(text);
  EXPECT_TRUE(isa<ArrayType>(t)) << text;
  return dyn_cast<ArrayType>(t);
}

std::string parseError(const std::string &text) {
  std::string error;
  EXPECT_EQ(parseType(text, error), nullptr) << "parsed: " << text;
  return error;
}

//===-- parseType ---------------------------------------------------------===//

TEST(ParseType, ScalarsByNumbaAndNumPyNames) {
  EXPECT_EQ(ty("float32"), types().floatType(32));
  EXPECT_EQ(ty("int64"), types().intType(64));
  EXPECT_EQ(ty("uint8"), types().intType(8, false));
  EXPECT_EQ(ty("bool"), types().boolType());
  EXPECT_EQ(ty("f8"), types().floatType(64));
  EXPECT_EQ(ty("intp"), types().intType(64));
  EXPECT_EQ(ty("float16")->str(), "float16");
}

TEST(ParseType, OneDimensionalContiguousIsC) {
  const ArrayType *a = arrayOf("float32[::1]");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->dtype, types().floatType(32));
  EXPECT_EQ(a->ndim, 1);
  EXPECT_EQ(a->layout, Layout::C);
  EXPECT_EQ(a->str(), "float32[::1]");
}

TEST(ParseType, LastUnitDimensionIsC) {
  const ArrayType *a = arrayOf("float64[:, ::1]");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ndim, 2);
  EXPECT_EQ(a->layout, Layout::C);
  EXPECT_EQ(a->str(), "float64[:, ::1]");
}

TEST(ParseType, FirstUnitDimensionIsF) {
  const ArrayType *a = arrayOf("int32[::1, :]");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->layout, Layout::F);
  EXPECT_EQ(a->str(), "int32[::1, :]");
}

TEST(ParseType, NoUnitDimensionIsA) {
  const ArrayType *a = arrayOf("float32[:, :]");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->layout, Layout::A);
  EXPECT_EQ(a->str(), "float32[:, :]");
  EXPECT_EQ(arrayOf("float32[:]")->layout, Layout::A);
}

TEST(ParseType, SpacingDoesNotMatterAndTypesAreInterned) {
  EXPECT_EQ(ty("float64[:,::1]"), ty("float64[ : , ::1 ]"));
  EXPECT_EQ(ty("float64[:, ::1]"), types().arrayType(types().floatType(64), 2, Layout::C));
  // A 1-d F array is the same thing as a 1-d C array.
  EXPECT_EQ(types().arrayType(types().floatType(32), 1, Layout::F), ty("float32[::1]"));
  // Arrays of weak scalars hold the strong type.
  EXPECT_EQ(types().arrayType(types().floatType(64, true), 1, Layout::C), ty("float64[::1]"));
}

TEST(ParseType, ThreeDimensionsAndZeroDimensions) {
  EXPECT_EQ(arrayOf("uint8[:, :, ::1]")->ndim, 3);
  EXPECT_EQ(arrayOf("uint8[::1, :, :]")->layout, Layout::F);
  const ArrayType *z = arrayOf("float32[]");
  ASSERT_TRUE(z);
  EXPECT_EQ(z->ndim, 0);
}

TEST(ParseType, UniTupleRepeatsItsElement) {
  const auto *t = dyn_cast<TupleType>(ty("UniTuple(int64, 2)"));
  ASSERT_TRUE(t);
  ASSERT_EQ(t->elts.size(), 2u);
  EXPECT_EQ(t->elts[0], types().intType(64));
  EXPECT_EQ(t->elts[1], types().intType(64));
  EXPECT_EQ(t->str(), "Tuple(int64, int64)");
}

TEST(ParseType, TupleOfMixedTypes) {
  const auto *t = dyn_cast<TupleType>(ty("Tuple(int32, float32)"));
  ASSERT_TRUE(t);
  ASSERT_EQ(t->elts.size(), 2u);
  EXPECT_EQ(t->elts[0], types().intType(32));
  EXPECT_EQ(t->elts[1], types().floatType(32));
  EXPECT_EQ(ty("Tuple(int32, Tuple(float32, float64[::1]))")->str(), "Tuple(int32, Tuple(float32, float64[::1]))");
}

TEST(ParseType, UnknownNameIsReportedAtItsColumn) {
  EXPECT_EQ(parseError("floot32"), "unknown type 'floot32' at column 1 of 'floot32'");
  EXPECT_EQ(parseError("Tuple(int32, flaot)"), "unknown type 'flaot' at column 14 of 'Tuple(int32, flaot)'");
}

TEST(ParseType, MalformedArraysAreReportedAtTheirColumn) {
  EXPECT_EQ(parseError("float32[:, ::1"), "expected ']' at column 15 of 'float32[:, ::1'");
  EXPECT_EQ(parseError("float32[x]"), "expected ':' or '::1' in an array type at column 9 of 'float32[x]'");
  EXPECT_NE(parseError("float32[::1, ::1]").find("only one dimension may be '::1'"), std::string::npos);
  EXPECT_NE(parseError("float32[:, ::1, :]").find("'::1' must mark the first or the last dimension"),
            std::string::npos);
  EXPECT_EQ(parseError("float32[:] junk"), "unexpected text after the type at column 12 of 'float32[:] junk'");
  EXPECT_EQ(parseError(""), "expected a type name at column 1 of ''");
}

TEST(ParseType, MalformedTuplesAreErrorsNotExceptions) {
  EXPECT_NE(parseError("UniTuple(int64)").find("expected ', count' in UniTuple"), std::string::npos);
  EXPECT_NE(parseError("UniTuple(int64, 65)").find("more than 64"), std::string::npos);
  // A count that overflows int must not throw out of the parser.
  EXPECT_NE(parseError("UniTuple(int64, 99999999999999999999)").find("more than 64"), std::string::npos);
  EXPECT_NE(parseError("Tuple(int32, float32").find("expected ')'"), std::string::npos);
}

//===-- parseSignature ----------------------------------------------------===//

TEST(ParseType, EnumMembersKeepTheirClass) {
  const Type *red = ty("EnumMember(colors.Color, int64)");
  ASSERT_TRUE(isa<EnumType>(red));
  EXPECT_EQ(cast<EnumType>(red)->cls, "colors.Color");
  EXPECT_EQ(cast<EnumType>(red)->value, ty("int64"));
  EXPECT_EQ(ty("EnumMember(planets.Planet, Tuple(float64, float64))")->str(),
            "EnumMember(planets.Planet, Tuple(float64, float64))");
  // An IntEnum member is an int64 that knows its class; arithmetic forgets it.
  const Type *circle = ty("IntEnumMember(shapes.Shape, int64)");
  ASSERT_TRUE(isa<IntEnumType>(circle));
  ASSERT_TRUE(isa<ScalarType>(circle));
  EXPECT_EQ(promote(cast<ScalarType>(circle), cast<ScalarType>(circle)), ty("int64"));
  EXPECT_EQ(promote(cast<ScalarType>(circle), cast<ScalarType>(ty("int"))), ty("int64"));
  EXPECT_NE(parseError("IntEnumMember(shapes.Shape, int32)").find("holds an int64"), std::string::npos);
}

TEST(ParseType, PointersToNumbers) {
  const Type *p = ty("float32*");
  ASSERT_TRUE(isa<PointerType>(p));
  EXPECT_EQ(cast<PointerType>(p)->elem, ty("float32"));
  EXPECT_EQ(p->str(), "float32*");
  EXPECT_EQ(ty("float32 *"), p); // interned, spacing aside
  EXPECT_NE(parseError("int*").find("a pointer points at numbers"), std::string::npos);
}

TEST(ParseSignature, ExplicitVoidReturn) {
  Signature sig;
  std::string error;
  ASSERT_TRUE(parseSignature("void(float32, float32[::1], float32[::1])", sig, error)) << error;
  EXPECT_EQ(sig.returnType, types().voidType());
  ASSERT_EQ(sig.params.size(), 3u);
  EXPECT_EQ(sig.params[0], types().floatType(32));
  EXPECT_EQ(sig.params[2], ty("float32[::1]"));
  EXPECT_EQ(sig.str(), "(float32, float32[::1], float32[::1])");
}

TEST(ParseSignature, BareParameterListDefaultsToVoid) {
  Signature sig;
  std::string error;
  ASSERT_TRUE(parseSignature("(int64[:, ::1], UniTuple(int32, 2))", sig, error)) << error;
  EXPECT_EQ(sig.returnType, types().voidType());
  EXPECT_EQ(sig.str(), "(int64[:, ::1], Tuple(int32, int32))");
  ASSERT_TRUE(parseSignature("float32(float32)", sig, error)) << error;
  EXPECT_EQ(sig.returnType, types().floatType(32));
  ASSERT_TRUE(parseSignature("void()", sig, error)) << error;
  EXPECT_TRUE(sig.params.empty());
}

TEST(ParseSignature, TrailingCommaAsInNumba) {
  Signature sig;
  std::string error;
  ASSERT_TRUE(parseSignature("void(int64,)", sig, error)) << error;
  EXPECT_EQ(sig.str(), "(int64)");
  ASSERT_TRUE(parseSignature("(float32[::1], int32, )", sig, error)) << error;
  EXPECT_EQ(sig.params.size(), 2u);
  EXPECT_FALSE(parseSignature("void(,)", sig, error));
  EXPECT_FALSE(parseSignature("void(int64,,)", sig, error));
}

TEST(ParseSignature, ErrorsNameTheColumn) {
  Signature sig;
  std::string error;
  EXPECT_FALSE(parseSignature("void(float32, flaot32)", sig, error));
  EXPECT_EQ(error, "unknown type 'flaot32' at column 15 of 'void(float32, flaot32)'");
  EXPECT_FALSE(parseSignature("void(float32", sig, error));
  EXPECT_EQ(error, "expected ')' at column 13 of 'void(float32'");
  EXPECT_FALSE(parseSignature("void float32", sig, error));
  EXPECT_EQ(error, "expected '(' at column 6 of 'void float32'");
  EXPECT_FALSE(parseSignature("void(float32) x", sig, error));
  EXPECT_EQ(error, "unexpected text after the signature at column 15 of 'void(float32) x'");
}

//===-- promote -----------------------------------------------------------===//

struct PromoteCase {
  const char *a, *b, *expected;
};

// Scalar names as scalarByName spells them; "int" and "float" are weak.
const ScalarType *scalar(const char *name) {
  const ScalarType *t = types().scalarByName(name);
  EXPECT_TRUE(t) << name;
  return t;
}

class PromoteTable : public ::testing::TestWithParam<PromoteCase> {};

TEST_P(PromoteTable, MatchesNumPy) {
  const PromoteCase &c = GetParam();
  const ScalarType *ab = promote(scalar(c.a), scalar(c.b)), *ba = promote(scalar(c.b), scalar(c.a));
  EXPECT_EQ(ab->str(), c.expected) << c.a << " + " << c.b;
  EXPECT_EQ(ba, ab) << "promotion must be symmetric: " << c.b << " + " << c.a;
}

// Expected values are NumPy 2.x's: (np.array([1], A) + np.array([1], B)).dtype
// and, for the weak rows, np.array([1], A) + <Python scalar> (NEP 50).
INSTANTIATE_TEST_SUITE_P(
    Strong, PromoteTable,
    ::testing::Values(PromoteCase{"int32", "float32", "float64"}, PromoteCase{"int8", "uint8", "int16"},
                      PromoteCase{"uint64", "int64", "float64"}, PromoteCase{"float16", "int16", "float32"},
                      PromoteCase{"float16", "int8", "float16"}, PromoteCase{"uint32", "int8", "int64"},
                      PromoteCase{"uint16", "int32", "int32"}, PromoteCase{"uint8", "uint32", "uint32"},
                      PromoteCase{"int16", "int64", "int64"}, PromoteCase{"float32", "float64", "float64"},
                      PromoteCase{"bool", "bool", "bool"}, PromoteCase{"bool", "uint8", "uint8"},
                      PromoteCase{"bool", "float16", "float16"}, PromoteCase{"float32", "int64", "float64"},
                      PromoteCase{"complex64", "float64", "complex128"},
                      PromoteCase{"complex64", "int8", "complex64"}));

INSTANTIATE_TEST_SUITE_P(
    WeakScalars, PromoteTable,
    ::testing::Values(PromoteCase{"float32", "float", "float32"}, PromoteCase{"float16", "float", "float16"},
                      PromoteCase{"int32", "int", "int32"}, PromoteCase{"uint8", "int", "uint8"},
                      PromoteCase{"int32", "float", "float64"}, PromoteCase{"float32", "int", "float32"},
                      // np.array([True]) + 1 is int64: the weak int takes its default type.
                      PromoteCase{"bool", "int", "int64"}, PromoteCase{"bool", "float", "float64"},
                      PromoteCase{"float32", "complex", "complex64"},
                      PromoteCase{"float64", "complex", "complex128"},
                      // Two Python scalars stay weak: the higher kind wins.
                      PromoteCase{"int", "float", "float"}, PromoteCase{"int", "int", "int"}));

// bfloat16 as torch and ml_dtypes promote it: kept against 8-bit ints, bool
// and Python scalars; float32 against float16 (neither holds the other).
INSTANTIATE_TEST_SUITE_P(
    BFloat16, PromoteTable,
    ::testing::Values(PromoteCase{"bfloat16", "bfloat16", "bfloat16"}, PromoteCase{"bfloat16", "float16", "float32"},
                      PromoteCase{"bfloat16", "int8", "bfloat16"}, PromoteCase{"bfloat16", "bool", "bfloat16"},
                      PromoteCase{"bfloat16", "int16", "float32"}, PromoteCase{"bfloat16", "float32", "float32"},
                      PromoteCase{"bfloat16", "float64", "float64"}, PromoteCase{"bfloat16", "int64", "float64"},
                      PromoteCase{"bfloat16", "float", "bfloat16"}, PromoteCase{"bfloat16", "int", "bfloat16"},
                      PromoteCase{"bfloat16", "complex64", "complex64"}));

TEST(Promote, OnlyTwoWeakOperandsGiveAWeakResult) {
  EXPECT_TRUE(promote(scalar("int"), scalar("float"))->weak);
  EXPECT_FALSE(promote(scalar("bool"), scalar("int"))->weak);
  EXPECT_FALSE(promote(scalar("int32"), scalar("float"))->weak);
}

TEST(BinOpResultType, FollowsPythonOperators) {
  auto result = [](BinOpKind op, const char *a, const char *b) {
    const ScalarType *t = binOpResultType(op, scalar(a), scalar(b));
    return t ? t->str() : std::string("<none>");
  };
  EXPECT_EQ(result(Div, "int32", "int32"), "float64");
  EXPECT_EQ(result(Div, "int", "int"), "float"); // 1 / 2 stays a Python float
  EXPECT_EQ(result(Div, "float32", "int"), "float32");
  EXPECT_EQ(result(FloorDiv, "int32", "int"), "int32");
  EXPECT_EQ(result(Add, "bool", "bool"), "int64"); // True + True == 2
  EXPECT_EQ(result(BitAnd, "bool", "bool"), "bool");
  EXPECT_EQ(result(LShift, "bool", "bool"), "int64");
  EXPECT_EQ(result(LShift, "float32", "int"), "<none>");
  EXPECT_EQ(result(BitOr, "float64", "int64"), "<none>");
  EXPECT_EQ(result(Pow, "int32", "int"), "int32");
}

} // namespace
