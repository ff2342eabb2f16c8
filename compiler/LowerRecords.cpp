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

bool Lowerer::storeConstString(const AssignStmt *a) {
  auto *cs = dyn_cast<CharSeqType>(typeOf(a->value));
  if (!cs)
    return false;
  const Expr *target = a->targets[0];
  llvm::Value *ptr = nullptr;
  if (fieldOf(target)) {
    unsigned align = 1;
    ptr = fieldPointer(target, align);
  } else {
    const ArrayType *at = nullptr;
    ptr = elementPointer(cast<SubscriptExpr>(target), at);
  }
  // NumPy's bytes: the first `count` characters, zero-padded; U is UCS-4, little-endian.
  const std::string &text = cast<StrConstExpr>(a->value)->value;
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(cs->byteSize()), 0);
  if (!cs->unicode) {
    std::copy_n(text.begin(), std::min(text.size(), bytes.size()), bytes.begin());
  } else {
    std::size_t at = 0;
    for (std::size_t i = 0; i < text.size() && at + 4 <= bytes.size();) { // UTF-8 to code points
      auto c = static_cast<unsigned char>(text[i]);
      int extra = c < 0x80 ? 0 : c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
      std::uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
      for (int k = 1; k <= extra && i + k < text.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
      i += static_cast<std::size_t>(extra) + 1;
      for (int k = 0; k < 4; ++k)
        bytes[at++] = static_cast<std::uint8_t>(cp >> (8 * k));
    }
  }
  llvm::Constant *value = llvm::ConstantDataArray::get(ctx, bytes);
  b.CreateAlignedStore(value, ptr, llvm::Align(1));
  return true;
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
