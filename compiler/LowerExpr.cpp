//===- compiler/LowerExpr.cpp - Expressions, operators, conversions -------===//
//
// Operators follow Python on fixed-width numbers: `//` floors and `%` takes
// the divisor's sign; integer division by zero gives 0 (numba's CUDA error
// model), shifts by the width or more give 0 (or the sign), and integer
// arithmetic wraps. Float arithmetic carries `contract` (FMA) by default and
// every fast-math flag under fastmath.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"
#include "compiler/LowerImpl.h"

#include <limits>

#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/xxhash.h>

namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::convert(llvm::Value *v, const Type *from, const Type *to, const Span &at) {
  if (from == to)
    return v;
  if (!from || !to)
    fail(at, "internal: a conversion of an untyped value");
  if (isa<Fp8Type>(from) || isa<Fp8Type>(to))
    return convertFp8(v, from, to, at);
  if (auto *ot = dyn_cast<frontend::OptionalType>(to)) { // None, a value or another Optional
    llvm::Type *lt = valueType(ot);
    if (from->kind() == Type::Kind::None)
      return llvm::Constant::getNullValue(lt);
    llvm::Value *valid = b.getTrue();
    if (auto *of = dyn_cast<frontend::OptionalType>(from)) {
      valid = b.CreateExtractValue(v, {1});
      v = b.CreateExtractValue(v, {0});
      from = of->value;
    }
    llvm::Value *value = b.CreateSelect(valid, convert(v, from, ot->value, at), llvm::Constant::getNullValue(
                                                                                   valueType(ot->value)));
    return b.CreateInsertValue(b.CreateInsertValue(llvm::UndefValue::get(lt), value, {0}), valid, {1});
  }
  if (auto *of = dyn_cast<frontend::OptionalType>(from)) // its value, unchecked, as numba's cast
    return convert(b.CreateExtractValue(v, {0}), of->value, to, at);
  auto *sf = dyn_cast<ScalarType>(from), *st = dyn_cast<ScalarType>(to);
  if (auto *df = sf ? dyn_cast<DatetimeType>(sf) : nullptr, *dt = st ? dyn_cast<DatetimeType>(st) : nullptr; df && dt) {
    // to a finer unit: scaled, NaT kept (NumPy's casts)
    std::int64_t factor = df->delta == dt->delta ? datetimeFactor(df->unit, dt->unit) : 0;
    if (!factor)
      fail(at, "cannot convert " + from->str() + " to " + to->str() + " in kernels");
    if (factor == 1)
      return v;
    llvm::Value *nat = b.getInt64(std::numeric_limits<std::int64_t>::min());
    return b.CreateSelect(b.CreateICmpEQ(v, nat), nat, b.CreateMul(v, b.getInt64(factor)));
  }
  if (sf && st) {
    if (sf->isComplex() || st->isComplex())
      return convertComplex(v, sf, st, at);
    llvm::Type *dest = valueType(st);
    if (v->getType() == dest)
      return v;
    if (st->isBool())
      return truthy(v, sf);
    if (sf->isBool())
      return st->isFloat() ? b.CreateUIToFP(v, dest) : b.CreateZExt(v, dest);
    if (sf->isInt() && st->isInt())
      return b.CreateIntCast(v, dest, sf->isSigned);
    if ((sf->isInt() && st->isFloat() && st->bits == 16 && !st->isBFloat16()) ||
        (sf->isFloat() && sf->bits == 16 && !sf->isBFloat16() && st->isInt()))
      return convertHalfInt(v, sf, st);
    if (sf->isInt() && st->isFloat())
      return sf->isSigned ? b.CreateSIToFP(v, dest) : b.CreateUIToFP(v, dest);
    if (sf->isFloat() && st->isInt())
      return target.floatToInt(*this, v, dest, st->isSigned);
    if (sf->isFloat() && st->isFloat()) {
      if (v->getType()->getPrimitiveSizeInBits() == dest->getPrimitiveSizeInBits())
        v = b.CreateFPExt(v, b.getFloatTy()); // float16 <-> bfloat16: through float32, exactly
      return b.CreateFPCast(v, dest);
    }
  }
  if (isa<ArrayType>(from) && isa<ArrayType>(to))
    return v; // only the layout differs; the representation is the same
  auto *tf_ = dyn_cast<TupleType>(from), *tt = dyn_cast<TupleType>(to);
  if (tf_ && tt && tf_->elts.size() == tt->elts.size()) {
    llvm::Value *agg = llvm::UndefValue::get(valueType(tt));
    for (unsigned i = 0; i < tt->elts.size(); ++i)
      agg = b.CreateInsertValue(agg, convert(b.CreateExtractValue(v, {i}), tf_->elts[i], tt->elts[i], at), {i});
    return agg;
  }
  fail(at, "cannot convert " + from->str() + " to " + to->str());
}

llvm::Value *Lowerer::truthy(llvm::Value *v, const Type *t) {
  if (isa<Fp8Type>(t))
    return convertFp8(v, t, types().boolType(), {});
  if (auto *o = dyn_cast<frontend::OptionalType>(t)) // None is false
    return b.CreateAnd(b.CreateExtractValue(v, {1}), truthy(b.CreateExtractValue(v, {0}), o->value));
  auto *s = cast<ScalarType>(t);
  if (s->isBool())
    return v;
  if (s->isComplex())
    return complexTruthy(v);
  if (s->isFloat()) // NaN is true in Python
    return b.CreateFCmpUNE(v, llvm::ConstantFP::get(v->getType(), 0.0));
  return b.CreateICmpNE(v, llvm::ConstantInt::get(v->getType(), 0));
}

llvm::Value *Lowerer::constant(const GlobalValue &g) {
  if (g.kind == GlobalValue::Array)
    return globalArray(g);
  if (g.kind == GlobalValue::DeviceArray)
    return deviceArrayGlobal(g);
  if (g.kind == GlobalValue::NoneValue)
    return llvm::UndefValue::get(llvm::StructType::get(ctx)); // no content, as the literal None
  if (g.kind == GlobalValue::EnumMember)
    return constant(g.elements[0]); // the value, of the class's value type (checked in Python)
  if (g.kind == GlobalValue::Tuple) {
    std::vector<llvm::Value *> values;
    for (const GlobalValue &e : g.elements)
      values.push_back(constant(e));
    std::vector<llvm::Type *> fields;
    for (llvm::Value *v : values)
      fields.push_back(v->getType());
    llvm::Value *agg = llvm::UndefValue::get(llvm::StructType::get(ctx, fields));
    for (unsigned i = 0; i < values.size(); ++i)
      agg = b.CreateInsertValue(agg, values[i], {i});
    return agg;
  }
  const ScalarType *t = types().strong(g.type);
  llvm::Type *lt = valueType(t);
  if (t->isBool())
    return b.getInt1(g.intValue != 0);
  if (t->isInt())
    return llvm::ConstantInt::get(lt, static_cast<std::uint64_t>(g.intValue), t->isSigned);
  if (t->isComplex())
    return complexConstant(g.complexValue.real(), g.complexValue.imag(), t);
  return llvm::ConstantFP::get(lt, g.floatValue);
}

llvm::Value *Lowerer::tupleElement(const Expr *e, unsigned k, llvm::Value *&whole) {
  // An element of a tuple variable is loaded alone: loading the whole tuple
  // and extracting from it makes LLVM's IPSCCP take time cubic in the
  // tuple's length (seconds for a few hundred elements).
  auto *tt = cast<TupleType>(typeOf(e));
  if (const NameRef *ref = tf.refOf(e); ref && ref->local && ref->local->type == tt) {
    llvm::AllocaInst *slot = slots.at(ref->local);
    return b.CreateLoad(valueType(tt->elts[k]), b.CreateStructGEP(slot->getAllocatedType(), slot, k));
  }
  if (!whole)
    whole = expr(e);
  return b.CreateExtractValue(whole, {k});
}

// An expression's value. A call that returns nothing (pf.syncthreads(),
// pf.nanosleep(1)) has the value None, whose representation is empty: it can
// be kept in a variable (`i = pf.syncthreads()`) like a None written out.
llvm::Value *Lowerer::expr(const Expr *e) {
  llvm::Value *v = exprValue(e);
  if (tf.unwrapped.count(e)) // an Optional used as its value
    return b.CreateExtractValue(v, {0});
  if (!v)
    if (const Type *t = tf.typeOf(e); t && t->kind() == Type::Kind::None)
      return llvm::UndefValue::get(llvm::StructType::get(ctx));
  return v;
}

llvm::Value *Lowerer::exprValue(const Expr *e) {
  if (auto pin = pinned.find(e); pin != pinned.end()) // a `*` operand, evaluated once
    return pin->second;
  if (auto spread = tf.rewrites.find(e); spread != tf.rewrites.end())
    return spreadExpr(e, spread->second);
  switch (e->kind()) {
  case Expr::Kind::Name: {
    const NameRef *ref = tf.refOf(e);
    if (ref && ref->local) {
      llvm::AllocaInst *slot = slots.at(ref->local);
      return b.CreateLoad(slot->getAllocatedType(), slot, ref->local->name);
    }
    if (ref && ref->global)
      return constant(*ref->global);
    if (ref && ref->builtin && ref->builtin->kind == BuiltinInfo::Value)
      return kernelValue(ref->builtin->id);
    if (ref && ref->builtin && ref->builtin->kind == BuiltinInfo::Constant)
      return llvm::ConstantFP::get(b.getDoubleTy(), ref->builtin->constant);
    if (ref && ref->builtin && ref->builtin->kind == BuiltinInfo::IntConstant)
      return b.getInt64(static_cast<std::uint64_t>(ref->builtin->intConstant));
    if (ref && ref->builtin && ref->builtin->kind == BuiltinInfo::ComplexConstant)
      return complexConstant(0.0, ref->builtin->constant, cast<ScalarType>(typeOf(e)));
    return nullptr; // a namespace, function or dtype: no run-time value
  }
  case Expr::Kind::IntConst: {
    auto *i = cast<IntConstExpr>(e);
    return b.getInt64(static_cast<std::uint64_t>(i->value));
  }
  case Expr::Kind::FloatConst: return llvm::ConstantFP::get(b.getDoubleTy(), cast<FloatConstExpr>(e)->value);
  case Expr::Kind::ComplexConst: {
    std::complex<double> z = cast<ComplexConstExpr>(e)->value;
    return complexConstant(z.real(), z.imag(), cast<ScalarType>(typeOf(e)));
  }
  case Expr::Kind::BoolConst: return b.getInt1(cast<BoolConstExpr>(e)->value);
  case Expr::Kind::NoneConst: return llvm::UndefValue::get(llvm::StructType::get(ctx)); // no content
  case Expr::Kind::BinOp: {
    auto *bin = cast<BinOpExpr>(e);
    llvm::Value *l = expr(bin->lhs), *r = expr(bin->rhs);
    return binOp(bin->op, l, typeOf(bin->lhs), r, typeOf(bin->rhs), typeOf(e), e->span());
  }
  case Expr::Kind::UnaryOp: {
    auto *u = cast<UnaryOpExpr>(e);
    return unaryOp(u->op, expr(u->operand), typeOf(u->operand), typeOf(e), e->span());
  }
  case Expr::Kind::BoolOp: return boolOp(cast<BoolOpExpr>(e));
  case Expr::Kind::Compare: return compare(cast<CompareExpr>(e));
  case Expr::Kind::Call: return call(cast<CallExpr>(e));
  case Expr::Kind::Attribute: {
    auto *a = cast<AttributeExpr>(e);
    if (const NameRef *ref = tf.refOf(e)) {
      if (ref->builtin && ref->builtin->kind == BuiltinInfo::Value)
        return kernelValue(ref->builtin->id);
      if (ref->builtin && ref->builtin->kind == BuiltinInfo::Constant)
        return llvm::ConstantFP::get(b.getDoubleTy(), ref->builtin->constant);
      if (ref->builtin && ref->builtin->kind == BuiltinInfo::IntConstant)
        return b.getInt64(static_cast<std::uint64_t>(ref->builtin->intConstant));
      if (ref->builtin && ref->builtin->kind == BuiltinInfo::ComplexConstant)
        return complexConstant(0.0, ref->builtin->constant, cast<ScalarType>(typeOf(e)));
      if (ref->global) // an enum class's member
        return constant(*ref->global);
      return nullptr;
    }
    const Type *bt = typeOf(a->value);
    if ((isa<EnumType>(bt) || isa<IntEnumType>(bt)) && a->attr == "value")
      return expr(a->value); // a member is represented by its value
    if (isa<RecordType>(bt))
      return fieldValue(e);
    if (auto *at = dyn_cast<ArrayType>(bt))
      return arrayAttribute(expr(a->value), at, a->attr);
    if (isa<ScalarType>(bt))
      return scalarAttribute(a);
    if (auto *tt = dyn_cast<TupleType>(bt); tt && !tt->fields.empty()) // a namedtuple's field
      return b.CreateExtractValue(expr(a->value), {static_cast<unsigned>(tt->fieldIndex(a->attr))});
    fail(e->span(), "unsupported attribute");
  }
  case Expr::Kind::Subscript: {
    auto *s = cast<SubscriptExpr>(e);
    if (const NameRef *ref = tf.refOf(e); ref && ref->global) // Cls['member']
      return constant(*ref->global);
    if (fieldOf(e))
      return fieldValue(e);
    if (auto *tt = dyn_cast<TupleType>(typeOf(s->value))) {
      if (!isConstantTupleIndex(s->index))
        return tupleElementAtRunTime(s, tt);
      std::int64_t i = *gpuConstInt(*this, s->index); // typing checked it is known
      if (i < 0)
        i += static_cast<std::int64_t>(tt->elts.size());
      llvm::Value *whole = nullptr;
      return tupleElement(s->value, static_cast<unsigned>(i), whole);
    }
    if (isa<ArrayType>(typeOf(e)))
      return arrayView(s);
    const ArrayType *at = nullptr;
    llvm::Value *ptr = elementPointer(s, at);
    return loadElement(ptr, at->dtype);
  }
  case Expr::Kind::Tuple: {
    auto *t = cast<TupleExpr>(e);
    llvm::Value *agg = llvm::UndefValue::get(valueType(typeOf(e)));
    for (unsigned i = 0; i < t->elts.size(); ++i)
      agg = b.CreateInsertValue(agg, expr(t->elts[i]), {i});
    return agg;
  }
  case Expr::Kind::IfExp: return ifExp(cast<IfExpExpr>(e));
  default:
    break;
  }
  fail(e->span(), "this expression cannot be compiled");
}

// A global numpy array: its bytes in constant memory (addrspace 4) when they
// fit its 64 KiB, else in read-only global memory, once per module. It is
// named by its contents, so that the same kernel gives the same PTX in
// every compilation.
llvm::Value *Lowerer::globalArray(const GlobalValue &g) {
  const ScalarType *dtype = types().strong(g.type);
  std::string shape;
  for (std::int64_t d : g.shape)
    shape += "_" + std::to_string(d);
  std::string name = "ptxforge.global." + dtype->str() + shape + "." + llvm::utohexstr(llvm::xxh3_64bits(g.data));
  llvm::GlobalVariable *gv = module.getNamedGlobal(name);
  std::size_t count = g.data.size() / dtype->byteSize();
  if (!gv) {
    llvm::Type *elem = dtype->isComplex() ? valueType(complexPart(dtype)) : memoryType(dtype);
    if (dtype->isComplex())
      count *= 2; // the parts, interleaved
    if (isa<RecordType>(dtype)) // a structured array: its bytes, read through field addresses
      elem = b.getInt8Ty(), count = g.data.size();
    llvm::Constant *init = llvm::ConstantDataArray::getRaw(g.data, count, elem);
    unsigned space = target.constantSpace(g.data.size());
    gv = new llvm::GlobalVariable(module, init->getType(), true, llvm::GlobalValue::InternalLinkage, init, name,
                                  nullptr, llvm::GlobalValue::NotThreadLocal, space);
    gv->setAlignment(llvm::Align(16));
  }
  auto *at = types().arrayType(dtype, static_cast<int>(g.shape.size()), Layout::C, true);
  return contiguousArray(at, b.CreateAddrSpaceCast(gv, b.getPtrTy()), g.shape);
}

std::vector<Lowerer::Index> Lowerer::indexValues(const SubscriptExpr *s) {
  std::vector<Index> out;
  // `a[idx]` with idx a tuple value (`idx = (i, j)`, `a[pf.grid(2)]`).
  auto *tt = dyn_cast<TupleType>(typeOf(s->index));
  if (tt && !isa<frontend::TupleExpr>(s->index)) {
    llvm::Value *tuple = expr(s->index);
    for (unsigned k = 0; k < tt->elts.size(); ++k)
      out.push_back({b.CreateExtractValue(tuple, {k}), cast<ScalarType>(tt->elts[k]), nullptr});
    return out;
  }
  std::vector<const Expr *> written{s->index};
  if (auto *t = dyn_cast<frontend::TupleExpr>(s->index))
    written.assign(t->elts.begin(), t->elts.end());
  for (const Expr *e : written) {
    if (auto *slice = dyn_cast<SliceExpr>(e))
      out.push_back({nullptr, nullptr, slice});
    else
      out.push_back({expr(e), cast<ScalarType>(typeOf(e)), nullptr});
  }
  return out;
}

llvm::Value *Lowerer::contiguousArray(const ArrayType *at, llvm::Value *data, const std::vector<std::int64_t> &shape) {
  llvm::Value *agg = llvm::UndefValue::get(valueType(at));
  agg = b.CreateInsertValue(agg, data, {0});
  std::int64_t stride = at->dtype->byteSize();
  for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
    agg = b.CreateInsertValue(agg, b.getInt64(shape[d]), {1u, static_cast<unsigned>(d)});
    agg = b.CreateInsertValue(agg, b.getInt64(stride), {2u, static_cast<unsigned>(d)});
    stride *= shape[d];
  }
  return agg;
}

llvm::Value *Lowerer::arrayAttribute(llvm::Value *array, const ArrayType *at, const std::string &attr) {
  if (attr == "real" || attr == "imag") { // the same shape and byte strides over one part of each element
    if (!at->dtype->isComplex() || attr == "real")
      return array;
    llvm::Value *data = b.CreateExtractValue(array, {0});
    data = b.CreateInBoundsGEP(b.getInt8Ty(), data, b.getInt64(at->dtype->byteSize() / 2));
    return b.CreateInsertValue(array, data, {0});
  }
  if (attr == "ctypes") // only a.ctypes.data is typed: the array itself, whose .data is the address
    return array;
  if (attr == "data")
    return b.CreatePtrToInt(b.CreateExtractValue(array, {0}), b.getInt64Ty());
  if (attr == "ndim")
    return b.getInt64(at->ndim);
  if (attr == "size") {
    llvm::Value *size = b.getInt64(1);
    for (unsigned d = 0; d < static_cast<unsigned>(at->ndim); ++d)
      size = b.CreateMul(size, b.CreateExtractValue(array, {1u, d}), "", true, true);
    return size;
  }
  unsigned field = attr == "shape" ? 1 : 2;
  llvm::Value *agg = llvm::UndefValue::get(valueType(types().tupleType(std::vector<const Type *>(at->ndim, types().intType(64)))));
  for (unsigned d = 0; d < static_cast<unsigned>(at->ndim); ++d)
    agg = b.CreateInsertValue(agg, b.CreateExtractValue(array, {field, d}), {d});
  return agg;
}

//===-- Arrays ------------------------------------------------------------===//

llvm::Value *Lowerer::elementPointer(const SubscriptExpr *s, const ArrayType *&at) {
  if (auto *pt = dyn_cast<frontend::PointerType>(typeOf(s->value))) { // p[i]: C's pointer arithmetic
    at = types().arrayType(pt->elem, 1, Layout::C);                    // (for the caller's at->dtype)
    llvm::Value *i = wrapIndex(expr(s->index), cast<ScalarType>(typeOf(s->index)), nullptr);
    return b.CreateGEP(b.getInt8Ty(), expr(s->value), b.CreateMul(i, b.getInt64(pt->elem->byteSize())));
  }
  at = cast<ArrayType>(typeOf(s->value));
  llvm::Value *array = expr(s->value);
  std::vector<Index> indices = indexValues(s);
  llvm::Value *offset = b.getInt64(0);
  std::vector<CheckedIndex> checked;
  for (unsigned d = 0; d < indices.size(); ++d) {
    llvm::Value *extent = b.CreateExtractValue(array, {1u, d});
    llvm::Value *i = wrapIndex(indices[d].value, indices[d].type, extent);
    if (options.debug)
      checked.push_back({d, wrapIndex(indices[d].value, indices[d].type, nullptr), i});
    llvm::Value *stride = b.CreateExtractValue(array, {2u, d});
    offset = b.CreateAdd(offset, b.CreateMul(i, stride, "", false, true), "", false, true);
  }
  checkIndices(s->span(), at, array, checked);
  llvm::Value *data = b.CreateExtractValue(array, {0});
  return b.CreateInBoundsGEP(b.getInt8Ty(), data, offset);
}

// A signed index counts from the end when negative, as in Python and numba.
llvm::Value *Lowerer::wrapIndex(llvm::Value *i, const ScalarType *t, llvm::Value *extent) {
  i = t->isBool() ? b.CreateZExt(i, b.getInt64Ty()) : b.CreateIntCast(i, b.getInt64Ty(), t->isSigned);
  if (t->isSigned && !t->isBool() && extent) // no extent: the index as written, in int64
    // negative + non-negative extent: the sum cannot overflow.
    i = b.CreateSelect(b.CreateICmpSLT(i, b.getInt64(0)), b.CreateAdd(i, extent, "", false, true), i);
  return i;
}

// Basic indexing to a view: ints drop their dimension, slices keep theirs
// with CPython's normalisation of start, stop and step (PySlice_AdjustIndices),
// and the dimensions not named are kept whole.
llvm::Value *Lowerer::arrayView(const SubscriptExpr *s) {
  auto *at = cast<ArrayType>(typeOf(s->value));
  auto *vt = cast<ArrayType>(typeOf(s));
  llvm::Value *array = expr(s->value);
  std::vector<Index> indices = indexValues(s);
  llvm::Value *zero = b.getInt64(0), *one = b.getInt64(1), *minusOne = b.getInt64(-1);
  llvm::Value *offset = zero;
  std::vector<llvm::Value *> shape, strides;
  std::vector<CheckedIndex> checked;
  for (unsigned d = 0; d < static_cast<unsigned>(at->ndim); ++d) {
    llvm::Value *extent = b.CreateExtractValue(array, {1u, d});
    llvm::Value *stride = b.CreateExtractValue(array, {2u, d});
    const Index *index = d < indices.size() ? &indices[d] : nullptr;
    const SliceExpr *slice = index ? index->slice : nullptr;
    if (index && !slice) {
      llvm::Value *i = wrapIndex(index->value, index->type, extent);
      if (options.debug)
        checked.push_back({d, wrapIndex(index->value, index->type, nullptr), i});
      offset = b.CreateAdd(offset, b.CreateMul(i, stride));
      continue;
    }
    if (!slice) { // not named: the whole dimension
      shape.push_back(extent);
      strides.push_back(stride);
      continue;
    }
    auto bound = [&](const Expr *e) {
      auto *t = cast<ScalarType>(typeOf(e));
      return t->isBool() ? b.CreateZExt(expr(e), b.getInt64Ty()) : b.CreateIntCast(expr(e), b.getInt64Ty(), t->isSigned);
    };
    llvm::Value *step = slice->step ? bound(slice->step) : one;
    llvm::Value *negative = b.CreateICmpSLT(step, zero);
    // Clamp one bound the way CPython does for this step's direction.
    auto adjust = [&](const Expr *e, llvm::Value *absent) -> llvm::Value * {
      if (!e)
        return absent;
      llvm::Value *v = bound(e);
      llvm::Value *wrapped = b.CreateAdd(v, extent);
      llvm::Value *low = b.CreateSelect(negative, minusOne, zero);
      llvm::Value *high = b.CreateSelect(negative, b.CreateSub(extent, one), extent);
      llvm::Value *fromEnd = b.CreateSelect(b.CreateICmpSLT(wrapped, zero), low, wrapped);
      llvm::Value *inRange = b.CreateSelect(b.CreateICmpSGE(v, extent), high, v);
      return b.CreateSelect(b.CreateICmpSLT(v, zero), fromEnd, inRange);
    };
    llvm::Value *start = adjust(slice->lower, b.CreateSelect(negative, b.CreateSub(extent, one), zero));
    llvm::Value *stop = adjust(slice->upper, b.CreateSelect(negative, minusOne, extent));
    // length = ceil((stop - start) / step) when that is positive, else 0.
    llvm::Value *span = b.CreateSelect(negative, b.CreateSub(start, stop), b.CreateSub(stop, start));
    llvm::Value *absStep = b.CreateSelect(negative, b.CreateNeg(step), step);
    llvm::Value *safeStep = b.CreateSelect(b.CreateICmpEQ(absStep, zero), one, absStep);
    llvm::Value *length = b.CreateSDiv(b.CreateAdd(span, b.CreateSub(safeStep, one)), safeStep);
    length = b.CreateSelect(b.CreateICmpSGT(span, zero), length, zero);
    offset = b.CreateAdd(offset, b.CreateMul(start, stride));
    shape.push_back(length);
    strides.push_back(b.CreateMul(stride, step));
  }
  checkIndices(s->span(), at, array, checked);
  llvm::Value *view = llvm::UndefValue::get(valueType(vt));
  llvm::Value *data = b.CreateGEP(b.getInt8Ty(), b.CreateExtractValue(array, {0}), offset);
  view = b.CreateInsertValue(view, data, {0});
  for (unsigned d = 0; d < shape.size(); ++d) {
    view = b.CreateInsertValue(view, shape[d], {1u, d});
    view = b.CreateInsertValue(view, strides[d], {2u, d});
  }
  return view;
}

llvm::Value *Lowerer::loadElement(llvm::Value *ptr, const ScalarType *dtype, unsigned align) {
  if (isa<RecordType>(dtype))
    return ptr;
  if (dtype->isComplex())
    return loadComplex(ptr, dtype, align);
  llvm::Type *mt = memoryType(dtype);
  llvm::Value *v = b.CreateAlignedLoad(mt, ptr, llvm::Align(align ? align : dtype->byteSize()));
  return dtype->isBool() ? b.CreateICmpNE(v, b.getInt8(0)) : v;
}

void Lowerer::storeElement(llvm::Value *ptr, llvm::Value *v, const ScalarType *dtype, unsigned align) {
  if (auto *record = dyn_cast<RecordType>(dtype))
    return copyRecord(ptr, v, record);
  if (dtype->isComplex())
    return storeComplex(ptr, v, dtype, align);
  if (dtype->isBool())
    v = b.CreateZExt(v, b.getInt8Ty());
  b.CreateAlignedStore(v, ptr, llvm::Align(align ? align : dtype->byteSize()));
}

//===-- Operators ---------------------------------------------------------===//

llvm::Value *Lowerer::binOp(BinOpKind op, llvm::Value *l, const Type *lt, llvm::Value *r, const Type *rt,
                            const Type *resultType, const Span &at) {
  auto *result = cast<ScalarType>(resultType);
  if (auto *d = dyn_cast<DatetimeType>(result)) { // datetime/timedelta +-: in the result's unit; NaT if either is
    llvm::Value *nat = b.getInt64(std::numeric_limits<std::int64_t>::min());
    llvm::Value *either = b.CreateOr(b.CreateICmpEQ(l, nat), b.CreateICmpEQ(r, nat));
    auto in = [&](llvm::Value *v, const Type *t) {
      return convert(v, t, types().datetimeType(d->unit, cast<DatetimeType>(t)->delta), at);
    };
    l = in(l, lt);
    r = in(r, rt);
    return b.CreateSelect(either, nat, op == BinOpKind::Add ? b.CreateAdd(l, r) : b.CreateSub(l, r));
  }
  checkDivisor(op, lt, r, rt, result, at); // debug mode only
  if (result->isComplex())
    return complexBinOp(op, l, lt, r, rt, result, at);
  if (op == BinOpKind::LShift || op == BinOpKind::RShift || result->isInt() || result->isBool()) {
    // Integer work happens in the result type (bool for & | ^ on bools).
    l = convert(l, lt, result, at);
    r = convert(r, rt, result, at);
    return intBinOp(op, l, r, result);
  }
  // Float ops: `/` on ints converts both sides to the float result.
  l = convert(l, lt, result, at);
  r = convert(r, rt, result, at);
  return floatBinOp(op, l, r, result);
}

llvm::Value *Lowerer::unaryOp(UnaryOpKind op, llvm::Value *v, const Type *ot, const Type *rt, const Span &at) {
  switch (op) {
  case UnaryOpKind::Not: return b.CreateNot(truthy(v, ot));
  case UnaryOpKind::Plus: return convert(v, ot, rt, at);
  case UnaryOpKind::Minus: {
    v = convert(v, ot, rt, at);
    if (cast<ScalarType>(rt)->isComplex())
      return complexNegate(v);
    if (cast<ScalarType>(rt)->isFloat())
      return b.CreateFNeg(v);
    return b.CreateNeg(v);
  }
  case UnaryOpKind::Invert: return b.CreateNot(convert(v, ot, rt, at));
  }
  return nullptr;
}

llvm::Value *Lowerer::intBinOp(BinOpKind op, llvm::Value *l, llvm::Value *r, const ScalarType *t) {
  llvm::Type *ty = l->getType();
  auto zero = llvm::ConstantInt::get(ty, 0);
  auto one = llvm::ConstantInt::get(ty, 1);
  unsigned bits = ty->getIntegerBitWidth();
  switch (op) {
  case BinOpKind::Add: return b.CreateAdd(l, r);
  case BinOpKind::Sub: return b.CreateSub(l, r);
  case BinOpKind::Mul: return b.CreateMul(l, r);
  case BinOpKind::BitAnd: return b.CreateAnd(l, r);
  case BinOpKind::BitOr: return b.CreateOr(l, r);
  case BinOpKind::BitXor: return b.CreateXor(l, r);
  case BinOpKind::LShift:
  case BinOpKind::RShift: {
    // Shifting by the width or more: 0, or all sign bits for >> of a
    // negative signed value.
    llvm::Value *tooFar = b.CreateICmpUGE(r, llvm::ConstantInt::get(ty, bits));
    llvm::Value *amount = b.CreateSelect(tooFar, zero, r);
    if (op == BinOpKind::LShift)
      return b.CreateSelect(tooFar, zero, b.CreateShl(l, amount));
    if (!t->isSigned)
      return b.CreateSelect(tooFar, zero, b.CreateLShr(l, amount));
    llvm::Value *fill = b.CreateAShr(l, llvm::ConstantInt::get(ty, bits - 1));
    return b.CreateSelect(tooFar, fill, b.CreateAShr(l, amount));
  }
  case BinOpKind::FloorDiv:
  case BinOpKind::Mod: {
    // x // 0 and x % 0 give 0; a safe divisor keeps LLVM's udiv/sdiv defined.
    llvm::Value *isZero = b.CreateICmpEQ(r, zero);
    if (!t->isSigned) {
      llvm::Value *d = b.CreateSelect(isZero, one, r);
      llvm::Value *q = op == BinOpKind::FloorDiv ? b.CreateUDiv(l, d) : b.CreateURem(l, d);
      return b.CreateSelect(isZero, zero, q);
    }
    // Signed: also avoid MIN / -1, whose quotient is -MIN (wraps to MIN).
    llvm::Value *minusOne = llvm::ConstantInt::getSigned(ty, -1);
    llvm::Value *isMinusOne = b.CreateICmpEQ(r, minusOne);
    llvm::Value *d = b.CreateSelect(b.CreateOr(isZero, isMinusOne), one, r);
    llvm::Value *q = b.CreateSDiv(l, d);
    llvm::Value *rem = b.CreateSRem(l, d);
    // Python rounds toward negative infinity: adjust when the remainder is
    // non-zero and its sign differs from the divisor's.
    llvm::Value *adjust = b.CreateAnd(b.CreateICmpNE(rem, zero), b.CreateICmpSLT(b.CreateXor(rem, d), zero));
    llvm::Value *result;
    if (op == BinOpKind::FloorDiv) {
      result = b.CreateSelect(adjust, b.CreateSub(q, one), q);
      result = b.CreateSelect(isMinusOne, b.CreateNeg(l), result);
    } else {
      result = b.CreateSelect(adjust, b.CreateAdd(rem, d), rem);
      result = b.CreateSelect(isMinusOne, zero, result);
    }
    return b.CreateSelect(isZero, zero, result);
  }
  case BinOpKind::Pow: return intPow(l, r, t);
  default: break;
  }
  llvm_unreachable("integer operator");
}

llvm::Value *Lowerer::floatBinOp(BinOpKind op, llvm::Value *l, llvm::Value *r, const ScalarType *t) {
  llvm::IRBuilder<>::FastMathFlagGuard guard(b);
  b.setFastMathFlags(floatFlags());
  llvm::Type *ty = l->getType();
  switch (op) {
  case BinOpKind::Add: return b.CreateFAdd(l, r);
  case BinOpKind::Sub: return b.CreateFSub(l, r);
  case BinOpKind::Mul: return b.CreateFMul(l, r);
  case BinOpKind::Div: return b.CreateFDiv(l, r);
  case BinOpKind::Pow: {
    if (auto *c = llvm::dyn_cast<llvm::ConstantFP>(r); c && c->isExactlyValue(2.0))
      return b.CreateFMul(l, l); // exact: x**2 is one rounding either way
    const MathFunction *pow = lookupBuiltin("math.pow")->math;
    return b.CreateFPCast(mathCall(*pow, {l, r}, t), ty); // 16-bit floats: computed in float32
  }
  case BinOpKind::FloorDiv:
  case BinOpKind::Mod: {
    // CPython's float divmod: mod = fmod(a, b) moved to b's sign; floor
    // division from (a - mod) / b rounded to the nearest integer.
    const MathFunction *fmod = lookupBuiltin("math.fmod")->math;
    llvm::Value *zero = llvm::ConstantFP::get(ty, 0.0);
    llvm::Value *mod = b.CreateFPCast(mathCall(*fmod, {l, r}, t), ty); // exact: fmod's result fits
    llvm::Value *modNonZero = b.CreateFCmpUNE(mod, zero);
    llvm::Value *signsDiffer = b.CreateXor(b.CreateFCmpOLT(r, zero), b.CreateFCmpOLT(mod, zero));
    llvm::Value *fix = b.CreateAnd(modNonZero, signsDiffer);
    llvm::Value *fixedMod = b.CreateSelect(fix, b.CreateFAdd(mod, r), mod);
    if (op == BinOpKind::Mod) {
      // A zero remainder takes the divisor's sign.
      llvm::Value *signedZero = b.CreateIntrinsic(llvm::Intrinsic::copysign, {ty}, {zero, r});
      return b.CreateSelect(modNonZero, fixedMod, signedZero);
    }
    llvm::Value *div = b.CreateFDiv(b.CreateFSub(l, mod), r);
    div = b.CreateSelect(fix, b.CreateFSub(div, llvm::ConstantFP::get(ty, 1.0)), div);
    llvm::Value *floorDiv = b.CreateUnaryIntrinsic(llvm::Intrinsic::floor, div);
    llvm::Value *roundUp = b.CreateFCmpOGT(b.CreateFSub(div, floorDiv), llvm::ConstantFP::get(ty, 0.5));
    floorDiv = b.CreateSelect(roundUp, b.CreateFAdd(floorDiv, llvm::ConstantFP::get(ty, 1.0)), floorDiv);
    llvm::Value *divNonZero = b.CreateFCmpUNE(div, zero);
    llvm::Value *signedZero = b.CreateIntrinsic(llvm::Intrinsic::copysign, {ty}, {zero, b.CreateFDiv(l, r)});
    return b.CreateSelect(divNonZero, floorDiv, signedZero);
  }
  default: break;
  }
  llvm_unreachable("float operator");
}

llvm::Value *Lowerer::compareOne(CmpOpKind op, llvm::Value *l, const Type *lt, llvm::Value *r, const Type *rt) {
  if (op == CmpOpKind::In || op == CmpOpKind::NotIn) { // `in` a tuple: == with any element
    auto *tt = cast<TupleType>(rt);
    llvm::Value *found = b.getFalse();
    for (unsigned i = 0; i < tt->elts.size(); ++i)
      found = b.CreateOr(found, compareOne(CmpOpKind::Eq, l, lt, b.CreateExtractValue(r, {i}), tt->elts[i]));
    return op == CmpOpKind::In ? found : b.CreateNot(found);
  }
  if (llvm::Value *v = enumCompare(op, l, lt, r, rt))
    return v;
  bool noneOperand = lt->kind() == Type::Kind::None || rt->kind() == Type::Kind::None;
  if (noneOperand && (isa<frontend::OptionalType>(lt) || isa<frontend::OptionalType>(rt))) {
    llvm::Value *valid = b.CreateExtractValue(isa<frontend::OptionalType>(lt) ? l : r, {1});
    bool positive = op == CmpOpKind::Is || op == CmpOpKind::Eq; // `r is None`: not valid
    return positive ? b.CreateNot(valid) : valid;
  }
  if (noneOperand && op == CmpOpKind::Eq) // None equals only None, as `is`
    op = CmpOpKind::Is;
  else if (noneOperand && op == CmpOpKind::NotEq)
    op = CmpOpKind::IsNot;
  bool bools = lt->kind() == Type::Kind::Bool && rt->kind() == Type::Kind::Bool;
  if (bools && op == CmpOpKind::Is) // True and False are singletons: 'is' is '=='
    op = CmpOpKind::Eq;
  else if (bools && op == CmpOpKind::IsNot)
    op = CmpOpKind::NotEq;
  if (op == CmpOpKind::Is || op == CmpOpKind::IsNot) {
    bool same = (lt->kind() == Type::Kind::None) == (rt->kind() == Type::Kind::None);
    return b.getInt1(op == CmpOpKind::Is ? same : !same);
  }
  auto *sl = cast<ScalarType>(lt), *sr = cast<ScalarType>(rt);
  if (auto *dl = dyn_cast<DatetimeType>(sl), *dr = dyn_cast<DatetimeType>(sr); dl && dr) {
    // in the finer unit; NaT compares unequal to everything, itself included (NumPy)
    llvm::Value *nat = b.getInt64(std::numeric_limits<std::int64_t>::min());
    llvm::Value *either = b.CreateOr(b.CreateICmpEQ(l, nat), b.CreateICmpEQ(r, nat));
    const DatetimeType *common = datetimeFactor(dl->unit, dr->unit) ? dr : dl;
    l = convert(l, lt, common, {});
    r = convert(r, rt, common, {});
    using P = llvm::CmpInst::Predicate;
    static const P preds[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_SLT, P::ICMP_SLE, P::ICMP_SGT, P::ICMP_SGE};
    llvm::Value *cmp = b.CreateICmp(preds[static_cast<int>(op)], l, r);
    return op == CmpOpKind::NotEq ? b.CreateOr(either, cmp) : b.CreateAnd(b.CreateNot(either), cmp);
  }
  // Compare exactly: a weak int meets other ints as int64, never narrowed.
  const ScalarType *ct = promote(sl, sr);
  if (ct->isInt() && (sl->weak || sr->weak))
    ct = promote(types().strong(sl), types().strong(sr));
  l = convert(l, lt, ct, {});
  r = convert(r, rt, ct, {});
  if (ct->isComplex())
    return complexCompare(op, l, r);
  if (ct->isFloat()) {
    using P = llvm::CmpInst::Predicate;
    static const P preds[] = {P::FCMP_OEQ, P::FCMP_UNE, P::FCMP_OLT, P::FCMP_OLE, P::FCMP_OGT, P::FCMP_OGE};
    return b.CreateFCmp(preds[static_cast<int>(op)], l, r);
  }
  using P = llvm::CmpInst::Predicate;
  static const P sp[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_SLT, P::ICMP_SLE, P::ICMP_SGT, P::ICMP_SGE};
  static const P up[] = {P::ICMP_EQ, P::ICMP_NE, P::ICMP_ULT, P::ICMP_ULE, P::ICMP_UGT, P::ICMP_UGE};
  if (l->getType()->isIntegerTy(1) && op != CmpOpKind::Eq && op != CmpOpKind::NotEq) {
    // NVPTX cannot select an ordered compare of i1 (left unoptimised, as
    // under opt=False): compare the bools as bytes.
    l = b.CreateZExt(l, b.getInt8Ty());
    r = b.CreateZExt(r, b.getInt8Ty());
  }
  return b.CreateICmp((ct->isSigned && !ct->isBool() ? sp : up)[static_cast<int>(op)], l, r);
}

llvm::Value *Lowerer::compare(const CompareExpr *c) {
  llvm::Value *left = expr(c->left);
  const Type *lt = typeOf(c->left);
  if (c->ops.size() == 1)
    return compareOne(c->ops[0], left, lt, expr(c->comparators[0]), typeOf(c->comparators[0]));
  // a < b < c: each middle operand evaluated once; stop at the first false.
  auto *endBB = llvm::BasicBlock::Create(ctx, "cmp.end", fn);
  std::vector<std::pair<llvm::Value *, llvm::BasicBlock *>> incoming;
  for (std::size_t i = 0; i < c->ops.size(); ++i) {
    llvm::Value *right = expr(c->comparators[i]);
    const Type *rt = typeOf(c->comparators[i]);
    llvm::Value *result = compareOne(c->ops[i], left, lt, right, rt);
    if (i + 1 == c->ops.size()) {
      incoming.push_back({result, b.GetInsertBlock()});
      b.CreateBr(endBB);
      break;
    }
    auto *next = llvm::BasicBlock::Create(ctx, "cmp.next", fn);
    incoming.push_back({b.getFalse(), b.GetInsertBlock()});
    b.CreateCondBr(result, next, endBB);
    b.SetInsertPoint(next);
    left = right;
    lt = rt;
  }
  b.SetInsertPoint(endBB);
  llvm::PHINode *phi = b.CreatePHI(b.getInt1Ty(), incoming.size());
  for (auto &[v, bb] : incoming)
    phi->addIncoming(v, bb);
  return phi;
}

llvm::Value *Lowerer::boolOp(const BoolOpExpr *e) {
  // Python returns the deciding operand: `a or b` is a if a is true, else b.
  const Type *rt = typeOf(e);
  auto *endBB = llvm::BasicBlock::Create(ctx, "boolop.end", fn);
  std::vector<std::pair<llvm::Value *, llvm::BasicBlock *>> incoming;
  for (std::size_t i = 0; i < e->values.size(); ++i) {
    const Expr *v = e->values[i];
    llvm::Value *value = expr(v);
    llvm::Value *asResult = convert(value, typeOf(v), rt, v->span());
    if (i + 1 == e->values.size()) {
      incoming.push_back({asResult, b.GetInsertBlock()});
      b.CreateBr(endBB);
      break;
    }
    llvm::Value *t = truthy(value, typeOf(v));
    auto *next = llvm::BasicBlock::Create(ctx, "boolop.next", fn);
    incoming.push_back({asResult, b.GetInsertBlock()});
    if (e->op == BoolOpKind::And)
      b.CreateCondBr(t, next, endBB);
    else
      b.CreateCondBr(t, endBB, next);
    b.SetInsertPoint(next);
  }
  b.SetInsertPoint(endBB);
  llvm::PHINode *phi = b.CreatePHI(valueType(rt), incoming.size());
  for (auto &[v, bb] : incoming)
    phi->addIncoming(v, bb);
  return phi;
}

llvm::Value *Lowerer::ifExp(const IfExpExpr *e) {
  const Type *rt = typeOf(e);
  llvm::Value *cond = truthy(expr(e->test), typeOf(e->test));
  auto *thenBB = llvm::BasicBlock::Create(ctx, "ifexp.then", fn);
  auto *elseBB = llvm::BasicBlock::Create(ctx, "ifexp.else", fn);
  auto *endBB = llvm::BasicBlock::Create(ctx, "ifexp.end", fn);
  b.CreateCondBr(cond, thenBB, elseBB);
  b.SetInsertPoint(thenBB);
  llvm::Value *tv = convert(expr(e->body), typeOf(e->body), rt, e->body->span());
  llvm::BasicBlock *thenEnd = b.GetInsertBlock();
  b.CreateBr(endBB);
  b.SetInsertPoint(elseBB);
  llvm::Value *ev = convert(expr(e->orelse), typeOf(e->orelse), rt, e->orelse->span());
  llvm::BasicBlock *elseEnd = b.GetInsertBlock();
  b.CreateBr(endBB);
  b.SetInsertPoint(endBB);
  llvm::PHINode *phi = b.CreatePHI(valueType(rt), 2);
  phi->addIncoming(tv, thenEnd);
  phi->addIncoming(ev, elseEnd);
  return phi;
}

} // namespace ptxforge::compiler
