//===- tests/frontend/RecordTypesTest.cpp - Records: spelling and typing --===//
//
// numba's Record spelling parsed and printed back, field layout facts, and
// the typing of field reads and writes in small kernels, with the errors a
// missing field or a store of the wrong kind gives (line and column).
//
//===----------------------------------------------------------------------===//
#include "../support/KernelDsl.h"
#include "frontend/TypeInfer.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace pftest;

namespace {

// np.dtype([('x', 'f4'), ('n', 'i2'), ('v', 'f8', 2), ('ok', '?')], align=True)
const char *kAligned = "Record(x[type=float32;offset=0],n[type=int16;offset=4],"
                       "v[type=nestedarray(float64, (2,));offset=8],ok[type=bool;offset=24];32;True)";
// np.dtype([('a', 'i1'), ('b', 'f4'), ('c', 'f8')]): packed, b and c at odd offsets
const char *kPacked = "Record(a[type=int8;offset=0],b[type=float32;offset=1],c[type=float64;offset=5];13;False)";

const RecordType *record(const std::string &text) {
  const Type *t = ty(text);
  return t ? dyn_cast<RecordType>(t) : nullptr;
}

TEST(RecordTypes, SpellingRoundTripsAndInterns) {
  const RecordType *r = record(kAligned);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str(), kAligned);
  EXPECT_EQ(r, record(kAligned));
  EXPECT_EQ(r->size, 32);
  EXPECT_TRUE(r->aligned);
  ASSERT_EQ(r->fields.size(), 4u);
  EXPECT_EQ(r->field("v")->offset, 8);
  EXPECT_EQ(r->field("v")->shape, std::vector<std::int64_t>{2});
  EXPECT_EQ(r->field("v")->type, types().floatType(64));
  EXPECT_EQ(r->field("nope"), nullptr);
  // A record is no number: classof keeps it apart from ScalarType.
  EXPECT_FALSE(isa<ScalarType>(static_cast<const Type *>(r)));
}

TEST(RecordTypes, FieldsAreSortedByOffsetAndAlignmentExtrasIgnored) {
  const RecordType *r =
      record("Record(y[type=int32;offset=4;alignment=4],x[type=float32;offset=0;alignment=4];8;True)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->str(), "Record(x[type=float32;offset=0],y[type=int32;offset=4];8;True)");
}

TEST(RecordTypes, ArraysOfRecords) {
  const Type *t = ty(std::string(kPacked) + "[:, ::1]");
  auto *a = t ? dyn_cast<ArrayType>(t) : nullptr;
  ASSERT_TRUE(a);
  EXPECT_EQ(a->ndim, 2);
  EXPECT_EQ(a->layout, Layout::C);
  EXPECT_EQ(a->dtype, record(kPacked));
  EXPECT_EQ(a->str(), std::string(kPacked) + "[:, ::1]");
}

TEST(RecordTypes, FieldAlignmentFollowsOffsetsAndSize) {
  const RecordType *packed = record(kPacked);
  ASSERT_TRUE(packed);
  EXPECT_EQ(packed->alignment(), 1); // 13 bytes: records at odd addresses
  EXPECT_EQ(packed->fieldAlignment(*packed->field("b")), 1);
  const RecordType *aligned = record(kAligned);
  EXPECT_EQ(aligned->alignment(), 16);
  EXPECT_EQ(aligned->fieldAlignment(*aligned->field("x")), 4);
  EXPECT_EQ(aligned->fieldAlignment(*aligned->field("v")), 8);
  EXPECT_EQ(aligned->fieldAlignment(*aligned->field("ok")), 1);
  // Packed but with 8-byte records: the float32 at offset 4 is aligned.
  const RecordType *pair = record("Record(x[type=int32;offset=0],y[type=float32;offset=4];8;False)");
  EXPECT_EQ(pair->fieldAlignment(*pair->field("y")), 4);
}

TEST(RecordTypes, BadSpellingsSayWhat) {
  std::string error;
  EXPECT_EQ(parseType("Record(x[type=float32;offset=2];4;False)", error), nullptr);
  EXPECT_NE(error.find("does not fit"), std::string::npos) << error;
  EXPECT_EQ(parseType("Record(x[type=int32;offset=0],x[type=int32;offset=4];8;False)", error), nullptr);
  EXPECT_NE(error.find("appears twice"), std::string::npos) << error;
  EXPECT_EQ(parseType("Record(x[type=str;offset=0];4;False)", error), nullptr);
  EXPECT_NE(error.find("unknown field type 'str'"), std::string::npos) << error;
  EXPECT_EQ(parseType("Record(x[type=int32;offset=0];4;Maybe)", error), nullptr);
  EXPECT_NE(error.find("True or False"), std::string::npos) << error;
  EXPECT_EQ(parseType("Record(x[type=nestedarray(int32, ());offset=0];4;False)", error), nullptr);
  EXPECT_EQ(parseType("Record(x[type=int32;offset=99999999999999];4;False)", error), nullptr);
}

/// A typed kernel and the spelling of its locals' types.
struct TypedKernel {
  std::unique_ptr<TypedFunction> fn;
  std::string local(const std::string &name) const {
    auto it = std::find_if(fn->locals.begin(), fn->locals.end(), [&](const auto &l) { return l->name == name; });
    return it == fn->locals.end() || !(*it)->type ? "<none>" : (*it)->type->str();
  }
};

TypedKernel typeOk(const Kernel &k, std::vector<const Type *> sig) {
  Diagnostic error;
  TypedKernel t{inferTypes(k.ast(), sig, Kernel::env(), /*isKernel=*/true, error)};
  EXPECT_TRUE(t.fn) << error.render();
  return t;
}

Diagnostic typeError(const Kernel &k, std::vector<const Type *> sig) {
  Diagnostic error;
  auto fn = inferTypes(k.ast(), sig, Kernel::env(), /*isKernel=*/true, error);
  EXPECT_FALSE(fn) << "expected a typing error";
  return error;
}

std::vector<const Type *> arrayOf(const char *rec, const char *dims = "[::1]") {
  return {ty(std::string(rec) + dims)};
}

TEST(RecordTyping, FieldReadsByAttributeNameAndPosition) {
  Kernel k(R"(
def f(a):
    r = a[0]
    x = r.x
    n = a[1]['n']
    v = r.v
    w = r.v[1]
    first = r[0]
    ok = a[0].ok
)");
  k.def("f", {"a"},
        {k.at(2).assign(k.name("r"), k.sub(k.name("a"), k.num(0))),
         k.at(3).assign(k.name("x"), k.attr(k.name("r"), "x")),
         k.at(4).assign(k.name("n"), k.sub(k.sub(k.name("a"), k.num(1)), k.str("n"))),
         k.at(5).assign(k.name("v"), k.attr(k.name("r"), "v")),
         k.at(6).assign(k.name("w"), k.sub(k.attr(k.name("r"), "v"), k.num(1))),
         k.at(7).assign(k.name("first"), k.sub(k.name("r"), k.num(0))),
         k.at(8).assign(k.name("ok"), k.attr(k.sub(k.name("a"), k.num(0)), "ok"))});
  TypedKernel t = typeOk(k, arrayOf(kAligned));
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.local("r"), kAligned);
  EXPECT_EQ(t.local("x"), "float32");
  EXPECT_EQ(t.local("n"), "int16");
  EXPECT_EQ(t.local("v"), "float64[::1]");
  EXPECT_EQ(t.local("w"), "float64");
  EXPECT_EQ(t.local("first"), "float32");
  EXPECT_EQ(t.local("ok"), "bool");
}

TEST(RecordTyping, StoresAndAugmentedAssignmentInTwoDimensions) {
  Kernel k(R"(
def f(a, i, j):
    a[i, j].x = 1
    a[i, j]['n'] += 2
    a[i, j] = a[j, i]
)");
  k.def("f", {"a", "i", "j"},
        {k.at(2).assign(k.attr(k.sub(k.name("a"), {k.name("i"), k.name("j")}), "x"), k.num(1)),
         k.at(3).aug(k.sub(k.sub(k.name("a"), {k.name("i"), k.name("j")}), k.str("n")), Add, k.num(2)),
         k.at(4).assign(k.sub(k.name("a"), {k.name("i"), k.name("j")}),
                        k.sub(k.name("a"), {k.name("j"), k.name("i")}))});
  TypedKernel t = typeOk(k, {ty(std::string(kAligned) + "[:, :]"), ty("int64"), ty("int64")});
  EXPECT_TRUE(t.fn);
}

// The error of a one-line body (line 2) of a kernel typed for kPacked[::1].
void expectErrorAt(const Kernel &k, int col, const std::string &message) {
  Diagnostic d = typeError(k, arrayOf(kPacked));
  EXPECT_EQ(d.span.line, 2);
  EXPECT_EQ(d.span.col, col);
  EXPECT_NE(d.message.find(message), std::string::npos) << d.message;
}

TEST(RecordTyping, MissingFieldsPointAtTheirNames) {
  Kernel k(R"(
def f(a):
    a[0].y = a[0].b
)");
  k.def("f", {"a"}, {k.at(2).assign(k.attr(k.sub(k.name("a"), k.num(0)), "y", k.loc("a[0].y")),
                                    k.attr(k.sub(k.name("a"), k.num(0)), "b"))});
  expectErrorAt(k, 4, "no field 'y'; its fields are a, b, c");

  Kernel byName(R"(
def f(a):
    v = a[0]['zz']
)");
  byName.def("f", {"a"}, {byName.at(2).assign(byName.name("v"), byName.sub(byName.sub(byName.name("a"), byName.num(0)),
                                                                             byName.str("zz", byName.loc("'zz'"))))});
  expectErrorAt(byName, 13, "no field 'zz'");
}

TEST(RecordTyping, StoresOfTheWrongKind) {
  Kernel k(R"(
def f(a, b):
    a[0].x = a[1]
)");
  k.def("f", {"a", "b"}, {k.at(2).assign(k.attr(k.sub(k.name("a"), k.num(0)), "x"),
                                         k.sub(k.name("a"), k.num(1), k.loc("a[1]")))});
  Diagnostic d = typeError(k, {ty(std::string(kAligned) + "[::1]"), ty("float32[::1]")});
  EXPECT_EQ(d.span.col, 13);
  EXPECT_NE(d.message.find("cannot store Record("), std::string::npos) << d.message;
  EXPECT_NE(d.message.find("into field 'x' of type float32"), std::string::npos) << d.message;

  Kernel k2(R"(
def f(a, b):
    a[0] = b[0]
)");
  k2.def("f", {"a", "b"}, {k2.at(2).assign(k2.sub(k2.name("a"), k2.num(0)), k2.sub(k2.name("b"), k2.num(0)))});
  Diagnostic d2 = typeError(k2, {ty(std::string(kAligned) + "[::1]"), ty("float32[::1]")});
  EXPECT_NE(d2.message.find("a record element takes a record of the same dtype"), std::string::npos) << d2.message;

  Kernel k3(R"(
def f(a):
    a[0].v = a[1]
)");
  k3.def("f", {"a"}, {k3.at(2).assign(k3.attr(k3.sub(k3.name("a"), k3.num(0)), "v"), k3.sub(k3.name("a"), k3.num(1)))});
  Diagnostic d3 = typeError(k3, arrayOf(kAligned));
  EXPECT_NE(d3.message.find("cannot store Record("), std::string::npos) << d3.message;
  EXPECT_NE(d3.message.find("into the array view float64[::1]"), std::string::npos) << d3.message;
}

TEST(RecordTyping, RecordsAreNotNumbers) {
  Kernel k(R"(
def f(a):
    s = a[0] + 1
)");
  k.def("f", {"a"}, {k.at(2).assign(k.name("s"), k.bin(Add, k.sub(k.name("a"), k.num(0)), k.num(1)))});
  Diagnostic d = typeError(k, arrayOf(kPacked));
  EXPECT_NE(d.message.find("operator '+' is not defined for Record("), std::string::npos) << d.message;

  Kernel k2(R"(
def f(a):
    pf.atomic.add(a, 0, 1)
)");
  k2.def("f", {"a"}, {k2.at(2).expr(k2.call("pf.atomic.add", {k2.name("a"), k2.num(0), k2.num(1)}))});
  Diagnostic d2 = typeError(k2, arrayOf(kPacked));
  EXPECT_NE(d2.message.find("works on arrays of"), std::string::npos) << d2.message;
}

TEST(RecordTyping, ARecordArgumentAndLoopsOverRecordArrays) {
  Kernel k(R"(
def f(rec, a, out):
    rec.x = 2.5
    for r in a:
        out[0] += r.x
)");
  k.def("f", {"rec", "a", "out"},
        {k.at(2).assign(k.attr(k.name("rec"), "x"), k.flt(2.5)),
         k.at(3).for_(k.name("r"), k.name("a"))
             .body({k.at(4).aug(k.sub(k.name("out"), k.num(0)), Add, k.attr(k.name("r"), "x"))})});
  TypedKernel t = typeOk(k, {ty(kAligned), ty(std::string(kAligned) + "[::1]"), ty("float32[::1]")});
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.local("r"), kAligned);
}

} // namespace
