//===- frontend/Types.h - The kernel language's types ---------------------===//
//
// Types are immutable and interned for the life of the process by
// TypeContext, so they compare by pointer and can key caches shared across
// threads. Scalar types may be *weak*: Python scalars (literals and `int` /
// `float` arguments) follow NumPy 2's NEP 50 rule and take the kind of the
// strong operand they meet, so `x[i] * 2.0` stays float32.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Casting.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ptxforge::frontend {

class Type {
public:
  enum class Kind { Void, None, Bool, Int, Float, Complex, Array, Tuple, Range, Iter, Module, Builtin, Dtype, Slice, Function,
              Record, Enum, Pointer, Fp8, Optional };
  Kind kind() const { return kind_; }
  /// The numba spelling: int32, float32[:, ::1], Tuple(int64, float32), ...
  /// Weak scalars print as Python's names: int, float, complex.
  const std::string &str() const { return str_; }
  virtual ~Type() = default;

protected:
  Type(Kind k, std::string s) : kind_(k), str_(std::move(s)) {}

private:
  Kind kind_;
  std::string str_;
};

/// bool, int8..uint64, float16..float64, bfloat16, complex64/128.
class ScalarType : public Type {
public:
  ScalarType(Kind k, int bits, bool isSigned, bool weak, std::string s, bool bfloat = false)
      : Type(k, std::move(s)), bits(bits), isSigned(isSigned), weak(weak), bfloat(bfloat) {}
  static bool classof(const Type *t) {
    return t->kind() == Kind::Bool || t->kind() == Kind::Int || t->kind() == Kind::Float ||
           t->kind() == Kind::Complex;
  }
  bool isBool() const { return kind() == Kind::Bool; }
  bool isInt() const { return kind() == Kind::Int; }
  bool isFloat() const { return kind() == Kind::Float; }
  bool isComplex() const { return kind() == Kind::Complex; }
  /// bfloat16: a float of 16 bits with float32's exponent range.
  bool isBFloat16() const { return bfloat; }
  /// An enum.IntEnum member (IntEnumType): an int64 that knows its class.
  bool isIntEnum() const { return intEnum_; }
  /// Size in memory, in bytes (bool is one byte, as in NumPy).
  int byteSize() const { return isBool() ? 1 : bits / 8; }
  /// 0 bool, 1 int, 2 float, 3 complex: NumPy's kind order.
  int category() const;

  const int bits;     ///< bool: 1; complex: both parts together
  const bool isSigned;
  const bool weak;
  const bool bfloat; ///< bfloat16 rather than float16 (bits is 16 for both)

protected:
  bool intEnum_ = false;
};

/// The type of an enum.IntEnum member, numba's IntEnumMember(cls, int64):
/// an int64 wherever a number goes (arithmetic promotes it to int64), which
/// keeps its class for `is`, `==` against other enums and `.value`.
class IntEnumType : public ScalarType {
public:
  IntEnumType(std::string cls, std::string s)
      : ScalarType(Kind::Int, 64, true, false, std::move(s)), cls(std::move(cls)) {
    intEnum_ = true;
  }
  static bool classof(const Type *t) {
    return t->kind() == Kind::Int && static_cast<const ScalarType *>(t)->isIntEnum();
  }
  const std::string cls; ///< "module.Qualified.Name"
};

/// numba's CPointer(T), spelled `float32*`: the address of numbers in device
/// memory, from a declared signature. `p[i]` reads and writes the i-th
/// number after it (C's pointer arithmetic: no wraparound, no bounds).
class PointerType : public Type {
public:
  PointerType(const ScalarType *elem, std::string s) : Type(Kind::Pointer, std::move(s)), elem(elem) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Pointer; }
  const ScalarType *elem;
};

/// The type of an enum.Enum member, numba's EnumMember(cls, value type): only
/// compared (==, !=, is, is not) and read (.value); its representation is
/// its value's.
class EnumType : public Type {
public:
  EnumType(std::string cls, const Type *value, std::string s)
      : Type(Kind::Enum, std::move(s)), cls(std::move(cls)), value(value) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Enum; }
  const std::string cls;
  const Type *value; ///< a scalar or a tuple of them
};

/// numba-cuda's FP8 types (CUDA's cuda_fp8.h): a byte in one of the OCP
/// formats e4m3 (no infinities, NaN 0x7f/0xff), e5m2 (IEEE-like) or e8m0
/// (an unsigned power of two, 2^(x-127), NaN 0xff). As in CUDA they are
/// storage types: they convert to and from the numbers (a dtype call, a
/// constructor) and compare as nothing else, so they are no ScalarType and
/// arithmetic on them is a typing error. frontend/Fp8Builtins.cpp.
class Fp8Type : public Type {
public:
  enum Format { E4M3, E5M2, E8M0 };
  Fp8Type(Format format, std::string s) : Type(Kind::Fp8, std::move(s)), format(format) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Fp8; }
  const Format format;
};

/// numba's Optional(T), spelled `OptionalType(T)`: what a device function
/// returns when some paths return a value and others None (or fall off its
/// end). `r is None` tests it at run time; used where a T goes, it is its
/// value (as numba's cast, unchecked; a None's value is 0). In registers
/// {T value, i1 valid}, numba's data model; a zero is None.
class OptionalType : public Type {
public:
  OptionalType(const Type *value, std::string s) : Type(Kind::Optional, std::move(s)), value(value) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Optional; }
  const Type *value; ///< never None, void or another Optional
};

enum class Layout { C, F, A };

/// One field of a record: a number at a byte offset, or a nested array
/// (`('v', 'f4', 3)`: `shape` non-empty) of such numbers stored in place.
struct RecordField {
  std::string name;
  const ScalarType *type; ///< the element type of a nested array
  std::int64_t offset;
  std::vector<std::int64_t> shape;
};

/// The dtype of a NumPy structured array (numba's Record), spelled
/// `Record(x[type=float32;offset=0],...;size;aligned)`. It derives from
/// ScalarType so that it can be an ArrayType's dtype (views, loops and the
/// ABI then treat record arrays like any other), but classof keeps it apart:
/// isa<ScalarType>(record) is false, and bits is the record's size. In
/// registers a record is a pointer to its bytes, as in numba: `r = a[i]`
/// aliases the element, so `r.x = v` writes into `a`.
class RecordType : public ScalarType {
public:
  RecordType(std::vector<RecordField> fields, int size, bool aligned, std::string s)
      : ScalarType(Kind::Record, size * 8, false, false, std::move(s)), fields(std::move(fields)), size(size),
        aligned(aligned) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Record; }
  /// The field called `name`, or nullptr.
  const RecordField *field(const std::string &name) const;
  /// The alignment a record's address is known to have: the largest of its
  /// fields' (1 for a record of no fields).
  int alignment() const;
  /// The alignment of `f`'s address: its type's, unless the record packs it
  /// at an offset (or in a size) that only a smaller power of two divides.
  int fieldAlignment(const RecordField &f) const;

  const std::vector<RecordField> fields; ///< by offset
  const int size;
  const bool aligned; ///< numpy's isalignedstruct (align=True)
};


class ArrayType : public Type {
public:
  ArrayType(const ScalarType *dtype, int ndim, Layout layout, bool readonly, std::string s)
      : Type(Kind::Array, std::move(s)), dtype(dtype), ndim(ndim), layout(layout), readonly(readonly) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Array; }
  const ScalarType *dtype;
  const int ndim;
  const Layout layout;
  /// A global array frozen into the kernel (and views of one): no stores.
  const bool readonly;
};

class TupleType : public Type {
public:
  TupleType(std::vector<const Type *> elts, std::string s, std::string className = {},
            std::vector<std::string> fields = {})
      : Type(Kind::Tuple, std::move(s)), elts(std::move(elts)), className(std::move(className)),
        fields(std::move(fields)) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Tuple; }
  /// The index of the field called `name` of a namedtuple, or -1.
  int fieldIndex(const std::string &name) const;
  const std::vector<const Type *> elts;
  /// A namedtuple's class name and field names (one per element); empty
  /// for a plain tuple.
  const std::string className;
  const std::vector<std::string> fields;
};

/// The value of `range(...)`; its elements are `elt`.
class RangeType : public Type {
public:
  RangeType(const ScalarType *elt, std::string s) : Type(Kind::Range, std::move(s)), elt(elt) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Range; }
  const ScalarType *elt;
};

/// enumerate(...) or zip(...) over ranges, arrays and other such iterators:
/// only a `for` loop's iterable. `elt` is the type of one step's value.
class IterType : public Type {
public:
  IterType(const Type *elt, std::string s) : Type(Kind::Iter, std::move(s)), elt(elt) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Iter; }
  const Type *elt;
};

/// A namespace (`ptxforge`, `math`, `ptxforge.threadIdx`) or a builtin
/// function/value (`ptxforge.grid`, `builtins.range`), named by its path.
class PathType : public Type {
public:
  PathType(Kind k, std::string path) : Type(k, path), path(std::move(path)) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Module || t->kind() == Kind::Builtin; }
  const std::string path;
};

/// A scalar type used as a value: `np.float32`, `pf.int64`, `float`.
class DtypeType : public Type {
public:
  DtypeType(const ScalarType *dtype, std::string s) : Type(Kind::Dtype, std::move(s)), dtype(dtype) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Dtype; }
  const ScalarType *dtype;
};

struct DeviceFunctionRef;

/// A device function used as a value (the callee of a call).
class FunctionType : public Type {
public:
  FunctionType(const DeviceFunctionRef *ref, std::string s) : Type(Kind::Function, std::move(s)), ref(ref) {}
  static bool classof(const Type *t) { return t->kind() == Kind::Function; }
  const DeviceFunctionRef *ref;
};

/// Interns every type. Thread-safe; types live until the process ends.
class TypeContext {
public:
  static TypeContext &get();

  const Type *voidType();
  const Type *noneType();
  const Type *sliceType();
  const ScalarType *boolType();
  const ScalarType *intType(int bits, bool isSigned = true, bool weak = false);
  const ScalarType *floatType(int bits, bool weak = false);
  const ScalarType *complexType(int bits, bool weak = false);
  const ScalarType *bfloat16Type();
  const ArrayType *arrayType(const ScalarType *dtype, int ndim, Layout layout, bool readonly = false);
  /// A record type; nullptr with `error` set when the fields do not fit in
  /// `size` bytes, overlap, or repeat a name.
  const RecordType *recordType(std::vector<RecordField> fields, int size, bool aligned, std::string &error);
  const TupleType *tupleType(std::vector<const Type *> elts);
  /// A namedtuple: "NamedTuple(Point, x=int64, y=float64)".
  const TupleType *namedTupleType(const std::string &className, std::vector<std::string> fields,
                                  std::vector<const Type *> elts);
  const RangeType *rangeType(const ScalarType *elt);
  /// `what` is "enumerate" or "zip"; `elt` the tuple one step gives.
  const IterType *iterType(const std::string &what, const Type *elt);
  const PathType *moduleType(const std::string &path);
  const PathType *builtinType(const std::string &path);
  const DtypeType *dtypeType(const ScalarType *dtype);
  const FunctionType *functionType(const DeviceFunctionRef *ref, const std::string &name);
  /// EnumMember(cls, value) and IntEnumMember(cls, int64).
  const EnumType *enumType(const std::string &cls, const Type *value);
  const IntEnumType *intEnumType(const std::string &cls);
  /// CPointer(elem): "elem*".
  const PointerType *pointerType(const ScalarType *elem);
  /// OptionalType(value); an Optional's own value type for an Optional.
  const OptionalType *optionalType(const Type *value);
  /// fp8_e4m3, fp8_e5m2, fp8_e8m0.
  const Fp8Type *fp8Type(Fp8Type::Format format);
  /// CUDA's __nv_bfloat16_raw, the bits of a bfloat16 in a struct: the
  /// namedtuple "NamedTuple(bfloat16_raw, x=uint16)".
  const TupleType *bfloat16RawType();

  /// The strong form of a weak scalar (int -> int64, float -> float64).
  const ScalarType *strong(const ScalarType *t);
  /// A scalar type by NumPy name ("float32", "uint8", "bool", "int", "float"),
  /// or nullptr.
  const ScalarType *scalarByName(const std::string &name);

private:
  TypeContext();
  struct Impl;
  Impl *impl_;
};

/// Shorthand for TypeContext::get().
inline TypeContext &types() { return TypeContext::get(); }

/// NumPy's promotion of two scalar types for arithmetic, with NEP 50 weak
/// scalars: a weak operand adopts the strong operand's type when its kind
/// is no higher. Never returns a weak type unless both are weak.
const ScalarType *promote(const ScalarType *a, const ScalarType *b);

/// The type of each part of a complex type: float32 for complex64, float64
/// for complex128, a weak float for a weak complex.
const ScalarType *complexPart(const ScalarType *c);

/// The complex type that holds `t`'s values, by NumPy's promotion: complex64
/// for float32 (and narrower), complex128 for float64 and wide ints, a weak
/// complex for a weak scalar; a complex type is its own.
const ScalarType *complexOf(const ScalarType *t);

/// The numba spelling of an array type's layout part ("[:, ::1]").
std::string layoutSpelling(int ndim, Layout layout);

/// Parses one numba type ("float32", "int64[:, ::1]", "float64[::1, :]",
/// "Tuple(int32, float32)", "UniTuple(int64, 2)", "NamedTuple(Point, x=int64, y=float64)",
/// "Record(x[type=float32;offset=0],v[type=nestedarray(int32, (2,));offset=4];12;False)[::1]");
/// nullptr with `error` set on failure.
const Type *parseType(const std::string &text, std::string &error);

/// A parsed numba signature string: "void(float32, float32[::1])" or
/// "(float32, float32[::1])" (return type then defaults to void).
struct Signature {
  const Type *returnType = nullptr;
  /// No return type was written ("(int64, int64)"): void for a kernel; a
  /// device function's is inferred from its body, as numba does.
  bool returnInferred = false;
  std::vector<const Type *> params;
  /// "(float32, float32[::1])"
  std::string str() const;
};
/// Parses a signature string; returns false with `error` set on failure.
bool parseSignature(const std::string &text, Signature &out, std::string &error);

} // namespace ptxforge::frontend
