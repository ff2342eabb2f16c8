//===- compiler/LowerRecords.cpp - Fields of structured-array records -----===//
//
// A record is a pointer to its bytes (in an array, or a kernel argument's
// copy). A scalar field is loaded and stored at its byte offset with the
// alignment the record's layout guarantees (a packed dtype's fields may sit
// at odd offsets; LLVM then splits the access); a nested array field becomes
// a C-contiguous array view of the bytes in place (`r.f = b` stores into that
// view). Copying a whole record
// (`a[i] = a[j]`) copies its size in bytes.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

const RecordField *Lowerer::fieldOf(const Expr *e) const {
  auto it = tf.fields.find(e);
  return it == tf.fields.end() ? nullptr : it->second;
}

llvm::Value *Lowerer::fieldPointer(const Expr *e, unsigned &align) {
  const Expr *base = isa<AttributeExpr>(e) ? cast<AttributeExpr>(e)->value : cast<SubscriptExpr>(e)->value;
  auto *record = cast<RecordType>(typeOf(base));
  const RecordField *field = fieldOf(e);
  align = static_cast<unsigned>(record->fieldAlignment(*field));
  return b.CreateInBoundsGEP(b.getInt8Ty(), expr(base), b.getInt64(field->offset), field->name);
}

llvm::Value *Lowerer::fieldValue(const Expr *e) {
  const RecordField *field = fieldOf(e);
  unsigned align = 0;
  llvm::Value *ptr = fieldPointer(e, align);
  if (field->shape.empty())
    return loadElement(ptr, field->type, align);
  return contiguousArray(cast<ArrayType>(typeOf(e)), ptr, field->shape);
}

void Lowerer::storeField(const Expr *target, llvm::Value *value, const Type *valueType) {
  const RecordField *field = fieldOf(target);
  if (!field->shape.empty())
    return storeIntoView(fieldValue(target), cast<ArrayType>(typeOf(target)), value, valueType, target->span());
  unsigned align = 0;
  llvm::Value *ptr = fieldPointer(target, align);
  storeElement(ptr, convert(value, valueType, field->type, target->span()), field->type, align);
}

void Lowerer::copyRecord(llvm::Value *to, llvm::Value *from, const RecordType *record) {
  llvm::Align align(record->alignment());
  b.CreateMemCpy(to, align, from, align, record->size);
}

} // namespace ptxforge::compiler
