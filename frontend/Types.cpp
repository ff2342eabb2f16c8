//===- frontend/Types.cpp - Interning, promotion, numba type strings ------===//

#include "frontend/Types.h"
#include "frontend/Builtins.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <mutex>

namespace ptxforge::frontend {

int ScalarType::category() const {
  switch (kind()) {
  case Kind::Bool: return 0;
  case Kind::Int: return 1;
  case Kind::Float: return 2;
  default: return 3;
  }
}

// The alignment a scalar needs in memory: its size (a complex number's part).
static int naturalAlignment(const ScalarType *t) { return t->isComplex() ? t->byteSize() / 2 : t->byteSize(); }

// The largest power of two dividing `n`, at most `cap`; `cap` for 0.
static int powerOfTwoDividing(std::int64_t n, int cap) {
  int p = 1;
  while (p < cap && n % (2 * p) == 0)
    p *= 2;
  return p;
}

const RecordField *RecordType::field(const std::string &name) const {
  for (const RecordField &f : fields)
    if (f.name == name)
      return &f;
  return nullptr;
}

// Records sit at multiples of their size from an allocation's start (which
// the driver aligns to 256 bytes), so their addresses are known to be
// aligned to the largest power of two dividing the size, up to 16.
int RecordType::alignment() const { return powerOfTwoDividing(size, 16); }

int RecordType::fieldAlignment(const RecordField &f) const {
  return std::min(naturalAlignment(f.type), powerOfTwoDividing(f.offset, alignment()));
}

struct TypeContext::Impl {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<Type>> types;
};

TypeContext &TypeContext::get() {
  static TypeContext *ctx = new TypeContext(); // never destroyed: types outlive all users
  return *ctx;
}

TypeContext::TypeContext() : impl_(new Impl) {}

// Each accessor builds its key first and allocates only on a miss.
template <typename T, typename Make>
static const T *lookupOrMake(std::mutex &m, std::map<std::string, std::unique_ptr<Type>> &map,
                             const std::string &key, Make make) {
  std::lock_guard<std::mutex> lock(m);
  auto it = map.find(key);
  if (it == map.end())
    it = map.emplace(key, std::unique_ptr<Type>(make())).first;
  return static_cast<const T *>(it->second.get());
}

#define PF_INTERN(T, key, expr) lookupOrMake<T>(impl_->mutex, impl_->types, key, [&]() -> Type * { return expr; })

const Type *TypeContext::voidType() {
  struct VoidType : Type { VoidType() : Type(Kind::Void, "void") {} };
  return PF_INTERN(Type, "void", new VoidType());
}
const Type *TypeContext::noneType() {
  struct NoneType : Type { NoneType() : Type(Kind::None, "none") {} };
  return PF_INTERN(Type, "none", new NoneType());
}
const Type *TypeContext::sliceType() {
  struct SliceType : Type { SliceType() : Type(Kind::Slice, "slice") {} };
  return PF_INTERN(Type, "slice", new SliceType());
}
const ScalarType *TypeContext::boolType() {
  return PF_INTERN(ScalarType, "bool", new ScalarType(Type::Kind::Bool, 1, false, false, "bool"));
}
const ScalarType *TypeContext::intType(int bits, bool isSigned, bool weak) {
  std::string name = weak ? "int" : (isSigned ? "int" : "uint") + std::to_string(bits);
  if (weak)
    bits = 64, isSigned = true;
  return PF_INTERN(ScalarType, name, new ScalarType(Type::Kind::Int, bits, isSigned, weak, name));
}
const ScalarType *TypeContext::floatType(int bits, bool weak) {
  std::string name = weak ? "float" : "float" + std::to_string(bits);
  if (weak)
    bits = 64;
  return PF_INTERN(ScalarType, name, new ScalarType(Type::Kind::Float, bits, true, weak, name));
}
const ScalarType *TypeContext::bfloat16Type() {
  return PF_INTERN(ScalarType, "bfloat16", new ScalarType(Type::Kind::Float, 16, true, false, "bfloat16", true));
}
const ScalarType *TypeContext::complexType(int bits, bool weak) {
  std::string name = weak ? "complex" : "complex" + std::to_string(bits);
  if (weak)
    bits = 128;
  return PF_INTERN(ScalarType, name, new ScalarType(Type::Kind::Complex, bits, true, weak, name));
}

std::string layoutSpelling(int ndim, Layout layout) {
  if (ndim == 0)
    return "[]";
  std::string s = "[";
  for (int i = 0; i < ndim; ++i) {
    if (i)
      s += ", ";
    bool unit = (layout == Layout::C && i == ndim - 1) || (layout == Layout::F && i == 0);
    s += unit ? "::1" : ":";
  }
  return s + "]";
}

const ArrayType *TypeContext::arrayType(const ScalarType *dtype, int ndim, Layout layout, bool readonly) {
  dtype = strong(dtype);
  if (ndim <= 1 && layout == Layout::F)
    layout = Layout::C; // a 1-d contiguous array is both; numba calls it C
  std::string name = (readonly ? "readonly " : "") + dtype->str() + layoutSpelling(ndim, layout);
  return PF_INTERN(ArrayType, name, new ArrayType(dtype, ndim, layout, readonly, name));
}
// numba's spelling of a field's type: "float32", "nestedarray(float32, (3,))".
static std::string fieldTypeSpelling(const RecordField &f) {
  if (f.shape.empty())
    return f.type->str();
  std::string s = "nestedarray(" + f.type->str() + ", (";
  for (std::size_t i = 0; i < f.shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(f.shape[i]);
  return s + (f.shape.size() == 1 ? ",))" : "))");
}

static std::int64_t fieldBytes(const RecordField &f) {
  std::int64_t n = f.type->byteSize();
  for (std::int64_t d : f.shape)
    n *= d;
  return n;
}

const RecordType *TypeContext::recordType(std::vector<RecordField> fields, int size, bool aligned,
                                          std::string &error) {
  if (size < 1)
    return error = "a record has at least one byte", nullptr;
  std::sort(fields.begin(), fields.end(), [](const RecordField &a, const RecordField &b) {
    return a.offset != b.offset ? a.offset < b.offset : a.name < b.name;
  });
  std::string name = "Record(";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const RecordField &f = fields[i];
    for (std::size_t j = 0; j < i; ++j)
      if (fields[j].name == f.name)
        return error = "field '" + f.name + "' appears twice", nullptr;
    for (std::int64_t d : f.shape)
      if (d < 1 || d > size)
        return error = "field '" + f.name + "' has an empty or oversized shape", nullptr;
    if (f.type->weak || isa<RecordType>(f.type) || f.offset < 0 || f.offset + fieldBytes(f) > size)
      return error = "field '" + f.name + "' does not fit in a record of " + std::to_string(size) + " bytes", nullptr;
    name += (i ? "," : "") + f.name + "[type=" + fieldTypeSpelling(f) + ";offset=" + std::to_string(f.offset) + "]";
  }
  name += ";" + std::to_string(size) + ";" + (aligned ? "True" : "False") + ")";
  return PF_INTERN(RecordType, name, new RecordType(std::move(fields), size, aligned, name));
}

const TupleType *TypeContext::tupleType(std::vector<const Type *> elts) {
  std::string name = "Tuple(";
  for (std::size_t i = 0; i < elts.size(); ++i)
    name += (i ? ", " : "") + elts[i]->str();
  name += ")";
  return PF_INTERN(TupleType, name, new TupleType(elts, name));
}
const TupleType *TypeContext::namedTupleType(const std::string &className, std::vector<std::string> fields,
                                             std::vector<const Type *> elts) {
  std::string name = "NamedTuple(" + className;
  for (std::size_t i = 0; i < elts.size(); ++i)
    name += ", " + fields[i] + "=" + elts[i]->str();
  name += ")";
  return PF_INTERN(TupleType, name, new TupleType(elts, name, className, std::move(fields)));
}

int TupleType::fieldIndex(const std::string &name) const {
  for (std::size_t i = 0; i < fields.size(); ++i)
    if (fields[i] == name)
      return static_cast<int>(i);
  return -1;
}

const RangeType *TypeContext::rangeType(const ScalarType *elt) {
  std::string name = "range(" + elt->str() + ")";
  return PF_INTERN(RangeType, name, new RangeType(elt, name));
}
const IterType *TypeContext::iterType(const std::string &what, const Type *elt) {
  std::string name = what + "(" + elt->str() + ")";
  return PF_INTERN(IterType, name, new IterType(elt, name));
}
const PathType *TypeContext::moduleType(const std::string &path) {
  return PF_INTERN(PathType, "module " + path, new PathType(Type::Kind::Module, path));
}
const PathType *TypeContext::builtinType(const std::string &path) {
  return PF_INTERN(PathType, "builtin " + path, new PathType(Type::Kind::Builtin, path));
}
const DtypeType *TypeContext::dtypeType(const ScalarType *dtype) {
  std::string name = "class(" + dtype->str() + ")";
  return PF_INTERN(DtypeType, name, new DtypeType(dtype, name));
}
const FunctionType *TypeContext::functionType(const DeviceFunctionRef *ref, const std::string &name) {
  std::string key = "function " + std::to_string(ref->serial);
  return PF_INTERN(FunctionType, key, new FunctionType(ref, "device function " + name));
}
const EnumType *TypeContext::enumType(const std::string &cls, const Type *value) {
  std::string name = "EnumMember(" + cls + ", " + value->str() + ")";
  return PF_INTERN(EnumType, name, new EnumType(cls, value, name));
}
const IntEnumType *TypeContext::intEnumType(const std::string &cls) {
  std::string name = "IntEnumMember(" + cls + ", int64)";
  return PF_INTERN(IntEnumType, name, new IntEnumType(cls, name));
}
const PointerType *TypeContext::pointerType(const ScalarType *elem) {
  std::string name = elem->str() + "*";
  return PF_INTERN(PointerType, name, new PointerType(elem, name));
}
const OptionalType *TypeContext::optionalType(const Type *value) {
  if (auto *o = dyn_cast<OptionalType>(value))
    return o;
  std::string name = "OptionalType(" + value->str() + ")";
  return PF_INTERN(OptionalType, name, new OptionalType(value, name));
}
const Fp8Type *TypeContext::fp8Type(Fp8Type::Format format) {
  static const char *const names[] = {"fp8_e4m3", "fp8_e5m2", "fp8_e8m0"};
  std::string name = names[format];
  return PF_INTERN(Fp8Type, name, new Fp8Type(format, name));
}
const TupleType *TypeContext::bfloat16RawType() {
  return namedTupleType("bfloat16_raw", {"x"}, {intType(16, false)});
}
#undef PF_INTERN

const ScalarType *TypeContext::strong(const ScalarType *t) {
  if (!t->weak)
    return t;
  if (t->isInt())
    return intType(64);
  if (t->isFloat())
    return floatType(64);
  return complexType(128);
}

const ScalarType *TypeContext::scalarByName(const std::string &n) {
  if (n == "bool" || n == "bool_" || n == "boolean" || n == "b1")
    return boolType();
  if (n == "int")
    return intType(64, true, true);
  if (n == "float")
    return floatType(64, true);
  if (n == "complex")
    return complexType(128, true);
  if (n == "bfloat16" || n == "bf16")
    return bfloat16Type();
  static const std::map<std::string, std::pair<char, int>> table = {
      {"int8", {'i', 8}},       {"int16", {'i', 16}},     {"int32", {'i', 32}},      {"int64", {'i', 64}},
      {"uint8", {'u', 8}},      {"uint16", {'u', 16}},    {"uint32", {'u', 32}},     {"uint64", {'u', 64}},
      {"float16", {'f', 16}},   {"float32", {'f', 32}},   {"float64", {'f', 64}},    {"complex64", {'c', 64}},
      {"complex128", {'c', 128}}, {"intp", {'i', 64}},    {"uintp", {'u', 64}},      {"intc", {'i', 32}},
      {"uintc", {'u', 32}},     {"float_", {'f', 64}},    {"double", {'f', 64}},     {"single", {'f', 32}},
      {"half", {'f', 16}},      {"f2", {'f', 16}},        {"f4", {'f', 32}},         {"f8", {'f', 64}},
      {"i1", {'i', 8}},         {"i2", {'i', 16}},        {"i4", {'i', 32}},         {"i8", {'i', 64}},
      {"u1", {'u', 8}},         {"u2", {'u', 16}},        {"u4", {'u', 32}},         {"u8", {'u', 64}},
      {"c8", {'c', 64}},        {"c16", {'c', 128}},      {"byte", {'i', 8}},        {"ubyte", {'u', 8}},
      {"short", {'i', 16}},     {"ushort", {'u', 16}},    {"longlong", {'i', 64}},   {"ulonglong", {'u', 64}},
  };
  auto it = table.find(n);
  if (it == table.end())
    return nullptr;
  auto [k, bits] = it->second;
  switch (k) {
  case 'i': return intType(bits, true);
  case 'u': return intType(bits, false);
  case 'f': return floatType(bits);
  default: return complexType(bits);
  }
}

// The smallest float that holds every value of an integer type exactly
// enough for NumPy: 8-bit ints fit float16, 16-bit float32, wider float64.
static int floatBitsFor(const ScalarType *i) { return i->bits <= 8 ? 16 : i->bits <= 16 ? 32 : 64; }

static const ScalarType *promoteStrong(const ScalarType *a, const ScalarType *b) {
  TypeContext &tc = types();
  if (a == b)
    return a;
  if (a->category() < b->category())
    std::swap(a, b); // a has the higher kind
  if (b->isBool())
    return a;
  if (a->isInt()) { // both ints
    if (a->isSigned == b->isSigned)
      return tc.intType(std::max(a->bits, b->bits), a->isSigned);
    const ScalarType *s = a->isSigned ? a : b, *u = a->isSigned ? b : a;
    if (s->bits > u->bits)
      return s;
    if (u->bits < 64)
      return tc.intType(u->bits * 2, true);
    return tc.floatType(64); // uint64 with a signed int: NumPy gives float64
  }
  if (a->isFloat()) {
    int bits = b->isFloat() ? b->bits : floatBitsFor(b);
    // bfloat16 keeps its kind against 8-bit ints and bool (as ml_dtypes and
    // torch do); against float16 neither holds the other, so float32.
    if (a->isBFloat16() || b->isBFloat16()) {
      const ScalarType *bf = a->isBFloat16() ? a : b, *other = a->isBFloat16() ? b : a;
      if (other->isFloat() && other->bits == 16 && !other->isBFloat16())
        return tc.floatType(32);
      return bits <= 16 && a->bits <= 16 ? bf : tc.floatType(std::max({a->bits, bits, 32}));
    }
    return tc.floatType(std::max(a->bits, bits));
  }
  // complex
  int partBits = b->isComplex() ? b->bits / 2 : b->isFloat() ? b->bits : floatBitsFor(b);
  return tc.complexType(std::max(a->bits, std::max(partBits, 32) * 2));
}

const ScalarType *promote(const ScalarType *a, const ScalarType *b) {
  TypeContext &tc = types();
  if (a->isIntEnum()) // an IntEnum member computes as the int64 it is
    a = tc.intType(64);
  if (b->isIntEnum())
    b = tc.intType(64);
  if (a->weak && b->weak)
    return a->category() >= b->category() ? a : b;
  if (a->weak || b->weak) {
    const ScalarType *w = a->weak ? a : b, *s = a->weak ? b : a;
    if (w->category() <= s->category())
      return s;
    // A weak scalar of a higher kind: its default type, but a float32
    // meeting a Python complex gives complex64, as in NEP 50.
    if (w->isComplex() && s->isFloat())
      return tc.complexType(std::max(64, s->bits * 2));
    return promoteStrong(tc.strong(w), s);
  }
  return promoteStrong(a, b);
}

const ScalarType *complexPart(const ScalarType *c) {
  return types().floatType(c->bits / 2, c->weak);
}

const ScalarType *complexOf(const ScalarType *t) {
  TypeContext &tc = types();
  if (t->isComplex())
    return t;
  if (t->weak)
    return tc.complexType(128, true);
  return promote(t, tc.complexType(64));
}

//===-- numba type strings ------------------------------------------------===//

namespace {
class TypeParser {
public:
  explicit TypeParser(const std::string &t) : text(t) {}
  const std::string &text;
  std::size_t pos = 0;
  std::string error;

  void skip() {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos])))
      ++pos;
  }
  bool eat(char c) {
    skip();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool eat(const char *s) {
    skip();
    std::size_t n = std::char_traits<char>::length(s);
    if (text.compare(pos, n, s) == 0) {
      pos += n;
      return true;
    }
    return false;
  }
  std::string ident() {
    skip();
    std::size_t start = pos;
    while (pos < text.size() && (std::isalnum(static_cast<unsigned char>(text[pos])) || text[pos] == '_'))
      ++pos;
    return text.substr(start, pos - start);
  }
  const Type *fail(const std::string &msg) {
    if (error.empty())
      error = msg + " at column " + std::to_string(pos + 1) + " of '" + text + "'";
    return nullptr;
  }

  const Type *type() {
    skip();
    std::size_t start = pos;
    std::string name = ident();
    if (name.empty())
      return fail("expected a type name");
    if (name == "Tuple" || name == "UniTuple")
      return tuple(name == "UniTuple");
    if (name == "EnumMember" || name == "IntEnumMember")
      return enumMember(name == "IntEnumMember");
    if (name == "NamedTuple")
      return namedTuple();
    if (name == "void" || name == "none")
      return name == "void" ? types().voidType() : types().noneType();
    if (name == "fp8_e4m3" || name == "fp8_e5m2" || name == "fp8_e8m0") // numba-cuda's FP8 types
      return types().fp8Type(name == "fp8_e4m3" ? Fp8Type::E4M3 : name == "fp8_e5m2" ? Fp8Type::E5M2 : Fp8Type::E8M0);
    if (name == "OptionalType") { // numba's Optional(T)
      if (!eat('('))
        return fail("expected '(' after OptionalType");
      const Type *value = type();
      if (!value || !eat(')'))
        return value ? fail("expected ')'") : nullptr;
      if (value->kind() == Type::Kind::None || value->kind() == Type::Kind::Void)
        return fail("an Optional holds a value, not " + value->str());
      return types().optionalType(value);
    }
    const ScalarType *scalar = name == "Record" ? record() : types().scalarByName(name);
    if (!scalar && !error.empty())
      return nullptr;
    if (!scalar) {
      pos = start; // point at the name, not past it
      return fail("unknown type '" + name + "'");
    }
    if (eat('*')) // numba's CPointer
      return isa<RecordType>(scalar) || scalar->weak ? fail("a pointer points at numbers") : types().pointerType(scalar);
    if (!eat('['))
      return scalar;
    return array(scalar);
  }

  // A non-negative decimal integer of at most 12 digits.
  bool integer(std::int64_t &out) {
    skip();
    std::size_t start = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
      ++pos;
    if (start == pos || pos - start > 12)
      return pos = start, false;
    out = std::stoll(text.substr(start, pos - start));
    return true;
  }

  // After "Record": "(name[type=T;offset=N],...;size;True|False)", T a
  // scalar name or "nestedarray(T, (d0, d1,))". numba's ";alignment=N" of a
  // field is accepted and ignored.
  const ScalarType *record() {
    if (!eat('('))
      return fail("expected '(' after Record"), nullptr;
    std::vector<RecordField> fields;
    while (!eat(';')) {
      if (!fields.empty() && !eat(','))
        return fail("expected ',' or ';' in a Record"), nullptr;
      RecordField f;
      f.name = ident();
      if (f.name.empty())
        return fail("expected a field name"), nullptr;
      if (!eat('[') || !eat("type="))
        return fail("expected '[type=' after field '" + f.name + "'"), nullptr;
      if (!fieldType(f))
        return nullptr;
      if (!eat(';') || !eat("offset=") || !integer(f.offset))
        return fail("expected ';offset=N' in field '" + f.name + "'"), nullptr;
      std::int64_t ignored;
      if (eat(';') && (!eat("alignment=") || !integer(ignored)))
        return fail("expected ';alignment=N' or ']' in field '" + f.name + "'"), nullptr;
      if (!eat(']'))
        return fail("expected ']' after field '" + f.name + "'"), nullptr;
      fields.push_back(std::move(f));
    }
    std::int64_t size = 0;
    if (!integer(size) || size > (1 << 20) || !eat(';'))
      return fail("expected the record's size in bytes and ';'"), nullptr;
    bool aligned = eat("True");
    if (!aligned && !eat("False"))
      return fail("expected True or False (aligned) in a Record"), nullptr;
    if (!eat(')'))
      return fail("expected ')' closing the Record"), nullptr;
    std::string why;
    const RecordType *r = types().recordType(std::move(fields), static_cast<int>(size), aligned, why);
    return r ? r : (fail("invalid Record: " + why), nullptr);
  }

  bool fieldType(RecordField &f) {
    std::string name = ident();
    bool nested = name == "nestedarray";
    if (nested && (!eat('(') || (name = ident()).empty()))
      return fail("expected 'nestedarray(type, (shape))'"), false;
    f.type = types().scalarByName(name);
    if (!f.type || f.type->weak)
      return fail("unknown field type '" + name + "'"), false;
    if (!nested)
      return true;
    if (!eat(',') || !eat('('))
      return fail("expected ', (shape)' in a nestedarray"), false;
    do {
      std::int64_t d = 0;
      if (eat(')'))
        break; // "(3,)": a trailing comma
      if (!integer(d))
        return fail("expected an extent in a nestedarray's shape"), false;
      f.shape.push_back(d);
      if (eat(')'))
        break;
      if (!eat(','))
        return fail("expected ',' or ')' in a nestedarray's shape"), false;
    } while (true);
    if (f.shape.empty() || f.shape.size() > 8 || !eat(')'))
      return fail("expected a nestedarray of 1 to 8 dimensions"), false;
    return true;
  }

  // "[:, ::1]": one entry a dimension, "::1" marking the unit-stride one.
  const Type *array(const ScalarType *dtype) {
    int ndim = 0, unitAt = -1, units = 0;
    if (eat(']'))
      return types().arrayType(dtype, 0, Layout::C);
    do {
      if (eat("::1")) {
        unitAt = ndim;
        ++units;
      } else if (!eat(':')) {
        return fail("expected ':' or '::1' in an array type");
      }
      ++ndim;
    } while (eat(','));
    if (!eat(']'))
      return fail("expected ']'");
    if (units > 1)
      return fail("only one dimension may be '::1'");
    Layout layout = Layout::A;
    if (unitAt == ndim - 1)
      layout = Layout::C;
    else if (unitAt == 0)
      layout = Layout::F;
    else if (unitAt >= 0)
      return fail("'::1' must mark the first or the last dimension");
    return types().arrayType(dtype, ndim, layout);
  }

  const Type *tuple(bool uni) {
    if (!eat('('))
      return fail("expected '('");
    std::vector<const Type *> elts;
    if (uni) {
      const Type *elt = type();
      if (!elt)
        return nullptr;
      if (!eat(','))
        return fail("expected ', count' in UniTuple");
      skip();
      std::size_t start = pos;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])))
        ++pos;
      if (start == pos)
        return fail("expected a count in UniTuple");
      // Checked by length first: std::stoi throws on a count past INT_MAX.
      if (pos - start > 2 || std::stoi(text.substr(start, pos - start)) > 64) {
        pos = start;
        return fail("UniTuple of more than 64 elements");
      }
      int n = std::stoi(text.substr(start, pos - start));
      elts.assign(n, elt);
    } else if (!eat(')')) {
      do {
        const Type *elt = type();
        if (!elt)
          return nullptr;
        elts.push_back(elt);
      } while (eat(','));
    } else {
      return types().tupleType({});
    }
    if (!eat(')'))
      return fail("expected ')'");
    return types().tupleType(std::move(elts));
  }

  // After "EnumMember" / "IntEnumMember": "(module.Class, valuetype)"; the
  // class is named up to its comma. An IntEnum's value is int64.
  const Type *enumMember(bool isInt) {
    if (!eat('('))
      return fail("expected '(' after EnumMember");
    skip();
    std::size_t comma = text.find(',', pos);
    if (comma == std::string::npos || comma == pos)
      return fail("expected 'class, type' in EnumMember");
    std::string cls = text.substr(pos, comma - pos);
    pos = comma + 1;
    const Type *value = type();
    if (!value)
      return nullptr;
    if (!eat(')'))
      return fail("expected ')' closing EnumMember");
    if (isInt)
      return value == types().intType(64) ? types().intEnumType(cls) : fail("an IntEnumMember holds an int64");
    if (!isa<ScalarType>(value) && !isa<TupleType>(value))
      return fail("an EnumMember holds a number or a tuple");
    return types().enumType(cls, value);
  }

  // NamedTuple(Point, x=int64, y=float64)
  const Type *namedTuple() {
    if (!eat('('))
      return fail("expected '('");
    std::string className = ident();
    if (className.empty())
      return fail("expected the namedtuple's class name");
    std::vector<std::string> fields;
    std::vector<const Type *> elts;
    while (eat(',')) {
      std::string field = ident();
      if (field.empty() || !eat('='))
        return fail("expected 'field=type'");
      for (const std::string &f : fields)
        if (f == field)
          return fail("field '" + field + "' appears twice");
      const Type *elt = type();
      if (!elt)
        return nullptr;
      fields.push_back(field);
      elts.push_back(elt);
    }
    if (!eat(')'))
      return fail("expected ')'");
    return types().namedTupleType(className, std::move(fields), std::move(elts));
  }

  bool atEnd() {
    skip();
    return pos == text.size();
  }
};
} // namespace

const Type *parseType(const std::string &text, std::string &error) {
  TypeParser p(text);
  const Type *t = p.type();
  if (t && !p.atEnd())
    t = p.fail("unexpected text after the type");
  error = p.error;
  return t;
}

std::string Signature::str() const {
  std::string s = "(";
  for (std::size_t i = 0; i < params.size(); ++i)
    s += (i ? ", " : "") + params[i]->str();
  return s + ")";
}

bool parseSignature(const std::string &text, Signature &out, std::string &error) {
  TypeParser p(text);
  out = Signature();
  auto failed = [&](const char *message) {
    if (message)
      p.fail(message);
    error = p.error;
    return false;
  };
  p.skip();
  if (p.pos < text.size() && text[p.pos] != '(') {
    out.returnType = p.type();
    if (!out.returnType)
      return failed(nullptr);
  } else {
    out.returnType = types().voidType();
    out.returnInferred = true;
  }
  if (!p.eat('('))
    return failed("expected '('");
  if (!p.eat(')')) {
    // A trailing comma is allowed, as in numba's "void(int64,)".
    do {
      if (!out.params.empty() && p.eat(')'))
        break;
      const Type *t = p.type();
      if (!t)
        return failed(nullptr);
      out.params.push_back(t);
      if (!p.eat(',')) {
        if (!p.eat(')'))
          return failed("expected ')'");
        break;
      }
    } while (true);
  }
  if (!p.atEnd())
    return failed("unexpected text after the signature");
  return true;
}

} // namespace ptxforge::frontend
