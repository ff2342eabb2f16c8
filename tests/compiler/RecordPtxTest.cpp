//===- tests/compiler/RecordPtxTest.cpp - IR and PTX of record fields -----===//
//
// Fields of structured-array records are loads and stores at their byte
// offsets, aligned as the dtype allows (a packed dtype's fields are read
// byte by byte), nested arrays are views in place, whole records are copied
// by size, and a record argument is one pointer parameter. Every PTX is
// assembled by ptxas for sm_90.
//
//===----------------------------------------------------------------------===//
#include "../support/Compile.h"
#include "../support/FileCheck.h"

#include <gtest/gtest.h>

using namespace pftest;

namespace {

// np.dtype([('x', 'f4'), ('n', 'i2'), ('v', 'f8', 2), ('ok', '?')], align=True)
const char *kAlignedArray = "Record(x[type=float32;offset=0],n[type=int16;offset=4],"
                            "v[type=nestedarray(float64, (2,));offset=8],ok[type=bool;offset=24];32;True)[::1]";
// np.dtype([('a', 'i1'), ('b', 'f4'), ('c', 'f8')])
const char *kPackedArray = "Record(a[type=int8;offset=0],b[type=float32;offset=1],c[type=float64;offset=5];13;False)[::1]";

// def f(a):
//     i = pf.grid(1)
//     a[i].x = a[i].v[1] * 2
//     a[i]['ok'] = True
TEST(RecordPtx, AlignedFieldsAreSingleLoadsAndStoresAtTheirOffsets) {
  Kernel k(R"(
def f(a):
    i = pf.grid(1)
    a[i].x = a[i].v[1] * 2
    a[i]['ok'] = True
)");
  k.def("f", {"a"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.attr(k.elem("a", "i"), "x"),
                        k.bin(Mul, k.sub(k.attr(k.elem("a", "i"), "v"), k.num(1)), k.num(2))),
         k.at(4).assign(k.sub(k.elem("a", "i"), k.str("ok")), k.boolean(true))});
  auto out = compileOk(k, {kAlignedArray});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: define void @f(ptr align 16 %a.data, i64 noundef range(i64 0, -9223372036854775808) %a.shape)
    CHECK: getelementptr inbounds i8, ptr {{.*}}, i64 8
    CHECK: load double, ptr {{.*}}, align 8
    CHECK: store float {{.*}}, align 4
    CHECK: getelementptr inbounds i8, ptr {{.*}}, i64 24
    CHECK: store i8 1, ptr {{.*}}, align 1
  )"));
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: ld.global.f64 {{.*}}+16]
    CHECK: st.global.f32
    CHECK: st.global.u8 {{.*}}+24]
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

// def f(a):
//     a[3].b += 1.0
TEST(RecordPtx, PackedFieldsAtOddOffsetsAreReadByteByByte) {
  Kernel k(R"(
def f(a):
    a[3].b += 1.0
)");
  k.def("f", {"a"}, {k.at(2).aug(k.attr(k.sub(k.name("a"), k.num(3)), "b"), Add, k.flt(1.0))});
  auto out = compileOk(k, {kPackedArray});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: define void @f(ptr align 1 %a.data
    CHECK: load float, ptr {{.*}}, align 1
    CHECK: fadd contract float
    CHECK: store float {{.*}}, align 1
  )"));
  EXPECT_EQ(countOf(out->ptx, "ld.global.f32"), 0);
  EXPECT_EQ(countOf(out->ptx, "ld.global.u8"), 4);
  EXPECT_EQ(countOf(out->ptx, "st.global.u8"), 4);
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

// def f(a, i, j):
//     a[i] = a[j]
TEST(RecordPtx, AssigningARecordCopiesItsBytes) {
  Kernel k(R"(
def f(a, i, j):
    a[i] = a[j]
)");
  k.def("f", {"a", "i", "j"}, {k.at(2).assign(k.elem("a", "i"), k.elem("a", "j"))});
  auto out = compileOk(k, {kAlignedArray, "int64", "int64"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: call void @llvm.memcpy.p0.p0.i64(ptr align 16 {{.*}}, ptr align 16 {{.*}}, i64 32, i1 false)
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

// def f(r, out):
//     out[0] = r.n
//     r.x = 2.5
TEST(RecordPtx, ARecordArgumentIsOnePointer) {
  Kernel k(R"(
def f(r, out):
    out[0] = r.n
    r.x = 2.5
)");
  k.def("f", {"r", "out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.attr(k.name("r"), "n")),
         k.at(3).assign(k.attr(k.name("r"), "x"), k.flt(2.5))});
  const std::string record(kAlignedArray, std::string(kAlignedArray).size() - 5); // without "[::1]"
  auto out = compileOk(k, {record.c_str(), "int32[::1]"});
  ASSERT_TRUE(out);
  EXPECT_TRUE(fileCheck(out->llvm, R"(
    CHECK: define void @f(ptr align 16 %r.data, ptr align 4 %out.data, i64 noundef range(i64 0, -9223372036854775808) %out.shape)
  )"));
  EXPECT_TRUE(fileCheck(out->ptx, R"(
    CHECK: .param .u64 f_param_0,
    CHECK: ld.global.s16 {{.*}}+4]
    CHECK: st.global.u32
    CHECK: mov.b32 {{.*}}, 1075838976
    CHECK: st.global.u32
  )"));
  PF_EXPECT_PTXAS_ACCEPTS(out->ptx);
}

} // namespace
