//===- frontend/TypeInferRecords.cpp - Fields of structured-array records -===//
//
// A record (an element of a NumPy structured array) is read and written
// field by field: `r.x`, `r['x']` and `r[0]` (the first field by offset)
// name a field, whose type is its scalar type or, for a nested array field,
// a C-contiguous array view of its elements. Each resolved field is kept in
// TypedFunction::fields for lowering.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

namespace ptxforge::frontend {

static std::string fieldNames(const RecordType *r) {
  std::string names;
  for (const RecordField &f : r->fields)
    names += (names.empty() ? "" : ", ") + f.name;
  return names.empty() ? "none" : names;
}

const Type *Inferer::recordField(const Expr *e, const RecordType *r, const std::string &name, const Span &at) {
  const RecordField *f = r->field(name);
  if (!f)
    fail(at, "the record has no field '" + name + "'; its fields are " + fieldNames(r) +
                 " (fields of types kernels cannot hold, such as strings, are left out)");
  out.fields[e] = f;
  if (f->shape.empty())
    return f->type;
  return tc.arrayType(f->type, static_cast<int>(f->shape.size()), Layout::C);
}

// r['x'] by name, or r[i] by position (a constant int, negative from the end).
const Type *Inferer::recordSubscript(const SubscriptExpr *s, const RecordType *r) {
  if (auto *name = dyn_cast<StrConstExpr>(s->index))
    return recordField(s, r, name->value, s->index->span());
  auto position = constInt(s->index);
  if (!position)
    fail(s->index->span(), "a record is indexed by a field name in quotes (r['x']) or a constant position");
  std::int64_t count = static_cast<std::int64_t>(r->fields.size());
  std::int64_t i = *position < 0 ? *position + count : *position;
  if (i < 0 || i >= count)
    fail(s->index->span(), "field position " + std::to_string(*position) + " is out of range for a record of " +
                               std::to_string(count) + " field(s)");
  out.exprTypes[s->index] = tc.intType(64, true, true);
  return recordField(s, r, r->fields[i].name, s->index->span());
}

// `r.x = v`, `r['x'] = v`: a number into a scalar field (converted to its
// type, as numba does); a nested array field takes a number (filled) or an
// array (copied in, broadcast as a view assignment is).
void Inferer::storeField(const Expr *target, const Type *field, const Type *value, const Span &at) {
  if (!field || !value)
    return;
  const std::string &name = out.fields.at(target)->name;
  if (auto *view = dyn_cast<ArrayType>(field))
    return storeView(view, value, at); // filled or copied into in place, as numba does
  if (!isa<ScalarType>(value))
    fail(at, "cannot store " + value->str() + " into field '" + name + "' of type " + field->str());
}

} // namespace ptxforge::frontend
