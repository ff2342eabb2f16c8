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

ArrayFacts arrayFacts(std::uint64_t ptr, int ndim, const std::int64_t *shape, const std::int64_t *strides,
                      int itemsize, char layout) {
  // Bit values of LaunchFacts (compiler/Compiler.h), kept LLVM- and
  // header-free here for the launchers.
  constexpr std::uint8_t kAligned = 1, kBounded = 2, kSmall = 4;
  constexpr std::int64_t kBound = std::int64_t{1} << 62, kSmallBound = (std::int64_t{1} << 31) - 1;
  constexpr std::int64_t kSmallExtent = std::int64_t{1} << 30;
  ArrayFacts out;
  bool bounded = true, small = true, empty = false, overflow = false;
  __int128 below = 0, above = 0; // byte offsets of the lowest and highest element
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] < 0)
      return {0, 0, ~std::uint64_t{0}};
    empty |= shape[d] == 0;
    bounded = bounded && shape[d] < kBound;
    small = small && shape[d] < kSmallExtent;
    __int128 reach = static_cast<__int128>(shape[d] > 0 ? shape[d] - 1 : 0) * strides[d];
    (reach < 0 ? below : above) += reach;
  }
  const __int128 lo = static_cast<__int128>(ptr) + below, hi = static_cast<__int128>(ptr) + above + itemsize;
  overflow = lo < 0 || hi > static_cast<__int128>(~std::uint64_t{0});
  small = small && -below <= kSmallBound && above + itemsize - 1 <= kSmallBound;
  bool aligned = ptr % 16 == 0;
  const int unit = layout == 'C' ? ndim - 1 : layout == 'F' ? 0 : -1;
  for (int d = 0; d < ndim; ++d)
    if (d != unit)
      aligned = aligned && strides[d] % 16 == 0;
  out.bits = static_cast<std::uint8_t>((aligned ? kAligned : 0) | (bounded && !overflow ? kBounded : 0) |
                                       (small && !overflow ? kSmall | kBounded : 0));
  if (empty) {
    out.lo = out.hi = ptr;
  } else if (overflow) {
    out.lo = 0, out.hi = ~std::uint64_t{0};
  } else {
    out.lo = static_cast<std::uint64_t>(lo), out.hi = static_cast<std::uint64_t>(hi);
  }
  return out;
}

bool disjoint(const ArrayFacts *arrays, int n) {
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j)
      if (arrays[i].lo < arrays[j].hi && arrays[j].lo < arrays[i].hi)
        return false;
  return true;
}

int coarsenFor(unsigned blockX, unsigned blockY, unsigned blockZ, unsigned gridX) {
  const unsigned long long threads = 1ull * blockX * blockY * blockZ;
  if (blockX % kCoarsen != 0 || blockX == 0 || threads > 1024)
    return 1;
  int g = 1;
  while (g < kGridCoarsen && gridX >= kGridCoarsenMinBlocks && gridX % (2u * g) == 0)
    g *= 2;
  return kCoarsen * g;
}

} // namespace ptxforge::compiler
