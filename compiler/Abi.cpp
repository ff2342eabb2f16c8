//===- compiler/Abi.cpp - Flattening argument types into parameters -------===//

#include "compiler/Abi.h"

#include <cassert>

namespace ptxforge::compiler {

using namespace frontend;

int AbiSlot::size() const {
  switch (kind) {
  case I8: return 1;
  case I16:
  case F16:
  case BF16: return 2;
  case I32:
  case F32: return 4;
  default: return 8;
  }
}

AbiSlot scalarSlot(const ScalarType *t) {
  if (t->isBool())
    return {AbiSlot::I8};
  if (t->isFloat())
    return {t->isBFloat16() ? AbiSlot::BF16 : t->bits == 16 ? AbiSlot::F16 : t->bits == 32 ? AbiSlot::F32 : AbiSlot::F64};
  assert(t->isInt() && "complex scalars are passed as tuples");
  switch (t->bits) {
  case 8: return {AbiSlot::I8};
  case 16: return {AbiSlot::I16};
  case 32: return {AbiSlot::I32};
  default: return {AbiSlot::I64};
  }
}

void appendAbi(const Type *type, std::vector<AbiSlot> &out) {
  if (auto *e = dyn_cast<EnumType>(type)) // an enum member is passed as its value
    return appendAbi(e->value, out);
  if (auto *s = dyn_cast<ScalarType>(type); s && s->isComplex()) {
    AbiSlot part{s->bits == 64 ? AbiSlot::F32 : AbiSlot::F64};
    out.push_back(part); // real
    out.push_back(part); // imaginary
    return;
  }
  if (auto *s = dyn_cast<ScalarType>(type)) {
    out.push_back(scalarSlot(s));
    return;
  }
  if (isa<PointerType>(type)) {
    out.push_back({AbiSlot::Ptr, AbiSlot::Data});
    return;
  }
  if (isa<RecordType>(type)) { // passed by reference, as in numba
    out.push_back({AbiSlot::Ptr, AbiSlot::Data});
    return;
  }
  if (auto *a = dyn_cast<ArrayType>(type)) {
    out.push_back({AbiSlot::Ptr, AbiSlot::Data});
    for (int d = 0; d < a->ndim; ++d)
      out.push_back({AbiSlot::I64, AbiSlot::Shape, d});
    if (a->layout == Layout::A)
      for (int d = 0; d < a->ndim; ++d)
        out.push_back({AbiSlot::I64, AbiSlot::Stride, d});
    return;
  }
  if (auto *t = dyn_cast<TupleType>(type)) {
    for (const Type *e : t->elts)
      appendAbi(e, out);
    return;
  }
  assert(false && "type has no ABI");
}

} // namespace ptxforge::compiler
