//===- compiler/LowerDebugInfo.cpp - Variables in the DWARF of debug=True -===//
//
// Full debug information (debug=True with opt=False) describes, beside the
// line tables of Lower.cpp, the function's signature and its variables, as
// numba-cuda does for cuda-gdb:
//
// - each parameter is a DILocalVariable (arg: 1, 2, ...) declared on its
//   stack slot (llvm.dbg.declare), which stays put at -O0;
// - a scalar local is described by llvm.dbg.value after each store into
//   its slot (the value it was given), an aggregate local (array, tuple,
//   record, complex) by llvm.dbg.declare on its slot;
// - a name whose webs (TypeInfer.cpp) have types that do not join is one
//   variable of a union type, its members named `_` and the member type, as
//   numba names them.
//
// Types: numbers are DIBasicTypes named as numba names them (int32,
// float64, bool with DW_ATE_boolean); an array is the structure it is in
// registers (data pointer, shape, byte strides); a record is a pointer to
// its structure (a record variable aliases the element); a tuple is a
// structure of its elements; a grid group is numba's 64-bit "GridGroup"
// handle (ptxforge's has no bits: it reads as 0). Without full debug
// information nothing here runs, and the IR is what it was without it.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"
#include "frontend/GpuBuiltins.h"

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/IR/DebugInfoMetadata.h>
#include <llvm/IR/Instructions.h>
#include <llvm/Support/Casting.h>

#include <algorithm>
#include <map>
#include <set>

namespace ptxforge::compiler {

using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

bool isGridGroup(const Type *t) {
  auto *p = dyn_cast<frontend::PathType>(t);
  return p && p->path == frontend::kGridGroupPath;
}

/// numba's name of a number type: weak Python ints and floats are int64 and
/// float64.
std::string numberName(const ScalarType *s) {
  if (s->isBool())
    return "bool";
  if (s->isInt())
    return (s->isSigned ? "int" : "uint") + std::to_string(s->bits);
  if (s->isFloat())
    return s->isBFloat16() ? "bfloat16" : "float" + std::to_string(s->bits);
  return "complex" + std::to_string(s->bits);
}

} // namespace

llvm::DIType *Lowerer::diElementType(const ScalarType *s) {
  llvm::DIType *&cached = session.diTypes[s];
  if (cached)
    return cached;
  llvm::DIBuilder &di = *session.di;
  if (auto *r = dyn_cast<RecordType>(s)) {
    std::vector<llvm::Metadata *> members;
    for (const RecordField &f : r->fields) {
      llvm::DIType *ft = diElementType(f.type);
      std::uint64_t bits = static_cast<std::uint64_t>(f.type->byteSize()) * 8;
      if (!f.shape.empty()) {
        std::vector<llvm::Metadata *> ranges;
        for (std::int64_t n : f.shape) {
          ranges.push_back(di.getOrCreateSubrange(0, n));
          bits *= static_cast<std::uint64_t>(n);
        }
        ft = di.createArrayType(bits, 0, ft, di.getOrCreateArray(ranges));
      }
      members.push_back(di.createMemberType(session.compileUnit, f.name, nullptr, 0, bits, 0,
                                            static_cast<std::uint64_t>(f.offset) * 8, llvm::DINode::FlagZero, ft));
    }
    cached = di.createStructType(session.compileUnit, r->str(), nullptr, 0, static_cast<std::uint64_t>(r->size) * 8,
                                 0, llvm::DINode::FlagZero, nullptr, di.getOrCreateArray(members));
    return cached;
  }
  unsigned encoding = s->isBool()      ? llvm::dwarf::DW_ATE_boolean
                      : s->isComplex() ? llvm::dwarf::DW_ATE_complex_float
                      : s->isFloat()   ? llvm::dwarf::DW_ATE_float
                      : s->isSigned    ? llvm::dwarf::DW_ATE_signed
                                       : llvm::dwarf::DW_ATE_unsigned;
  cached = di.createBasicType(numberName(s), static_cast<std::uint64_t>(s->byteSize()) * 8, encoding);
  return cached;
}

llvm::DIType *Lowerer::diType(const Type *t) {
  if (auto *e = dyn_cast<EnumType>(t))
    return diType(e->value);
  if (auto *r = dyn_cast<RecordType>(t)) // in registers, the address of the record (uniqued by LLVM)
    return session.di->createPointerType(diElementType(r), 64);
  if (auto *s = dyn_cast<ScalarType>(t))
    return diElementType(s);
  llvm::DIType *&cached = session.diTypes[t];
  if (cached)
    return cached;
  llvm::DIBuilder &di = *session.di;
  const llvm::DataLayout &layout = module.getDataLayout();
  if (auto *p = dyn_cast<frontend::PointerType>(t)) {
    cached = di.createPointerType(diElementType(p->elem), 64);
  } else if (isGridGroup(t)) {
    cached = di.createBasicType("GridGroup", 64, llvm::dwarf::DW_ATE_unsigned);
  } else if (auto *a = dyn_cast<ArrayType>(t)) {
    llvm::DIType *i64 = di.createBasicType("int64", 64, llvm::dwarf::DW_ATE_signed);
    auto extents = di.createArrayType(64u * a->ndim, 64, i64, di.getOrCreateArray({di.getOrCreateSubrange(0, a->ndim)}));
    llvm::Metadata *members[] = {
        di.createMemberType(session.compileUnit, "data", nullptr, 0, 64, 64, 0, llvm::DINode::FlagZero,
                            di.createPointerType(diElementType(a->dtype), 64)),
        di.createMemberType(session.compileUnit, "shape", nullptr, 0, 64u * a->ndim, 64, 64, llvm::DINode::FlagZero,
                            extents),
        di.createMemberType(session.compileUnit, "strides", nullptr, 0, 64u * a->ndim, 64, 64u + 64u * a->ndim,
                            llvm::DINode::FlagZero, extents)};
    cached = di.createStructType(session.compileUnit, a->str(), nullptr, 0, 64u + 128u * a->ndim, 64,
                                 llvm::DINode::FlagZero, nullptr, di.getOrCreateArray(members));
  } else if (auto *tt = dyn_cast<TupleType>(t)) {
    auto *st = cast<llvm::StructType>(valueType(tt));
    const llvm::StructLayout *sl = layout.getStructLayout(st);
    std::vector<llvm::Metadata *> members;
    for (unsigned i = 0; i < tt->elts.size(); ++i) {
      llvm::DIType *et = diType(tt->elts[i]);
      if (!et)
        continue;
      std::string name = i < tt->fields.size() ? tt->fields[i] : "f" + std::to_string(i);
      members.push_back(di.createMemberType(session.compileUnit, name, nullptr, 0,
                                            layout.getTypeSizeInBits(st->getElementType(i)), 0,
                                            sl->getElementOffsetInBits(i), llvm::DINode::FlagZero, et));
    }
    cached = di.createStructType(session.compileUnit, tt->str(), nullptr, 0, sl->getSizeInBits(), 0,
                                 llvm::DINode::FlagZero, nullptr, di.getOrCreateArray(members));
  }
  return cached; // none for values with no run-time content (functions, dtypes, None)
}

llvm::DISubroutineType *Lowerer::subroutineType() {
  llvm::DIBuilder &di = *session.di;
  std::vector<llvm::Metadata *> types;
  const Type *rt = tf.returnType;
  types.push_back(rt && rt->kind() != Type::Kind::Void ? diType(rt) : nullptr);
  for (const Type *t : tf.paramTypes) {
    llvm::DIType *d = diType(t);
    types.push_back(d ? d : di.createUnspecifiedType(t->str()));
  }
  return di.createSubroutineType(di.getOrCreateTypeArray(types));
}

void Lowerer::describeVariables() {
  if (!subprogram || !options.fullDebugInfo)
    return;
  llvm::DIBuilder &di = *session.di;
  llvm::DIFile *file = subprogram->getFile();
  llvm::DIExpression *plain = di.createExpression();
  auto location = [&](const Span &s) {
    return llvm::DILocation::get(ctx, s.line > 0 ? s.line : tf.fn->span.line, s.line > 0 ? s.col + 1 : 0,
                                 subprogram);
  };
  // The names in order of first appearance, each with its webs.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const frontend::Local *>> webs;
  for (const auto &local : tf.locals) {
    if (!local->type || !slots.count(local.get()))
      continue;
    auto [it, fresh] = webs.try_emplace(local->name);
    if (fresh)
      order.push_back(local->name);
    it->second.push_back(local.get());
  }
  auto scalarLike = [](const Type *t) {
    return (isa<ScalarType>(t) && !isa<RecordType>(t) && !cast<ScalarType>(t)->isComplex()) ||
           isa<frontend::PointerType>(t) || isa<RecordType>(t) || isGridGroup(t) ||
           (isa<EnumType>(t) && isa<ScalarType>(cast<EnumType>(t)->value));
  };
  // dbg.value after each store into `slot` but the zeros of the entry.
  auto valueAfterStores = [&](llvm::AllocaInst *slot, llvm::DILocalVariable *var, bool gridGroup) {
    std::vector<llvm::StoreInst *> stores;
    for (llvm::User *u : slot->users())
      if (auto *s = dyn_cast<llvm::StoreInst>(u); s && s->getPointerOperand() == slot && !zeroInits.count(s))
        stores.push_back(s);
    for (llvm::StoreInst *s : stores) {
      llvm::Value *v = gridGroup ? static_cast<llvm::Value *>(b.getInt64(0)) : s->getValueOperand();
      const llvm::DILocation *loc = s->getDebugLoc() ? s->getDebugLoc().get() : location(tf.fn->span);
      di.insertDbgValueIntrinsic(v, var, plain, loc, s->getNextNode());
    }
  };
  for (const std::string &name : order) {
    const auto &all = webs[name];
    std::vector<const frontend::Local *> locals;
    for (const frontend::Local *l : all) {
      if (l->paramIndex >= 0) { // a parameter: declared on its slot
        llvm::DIType *t = diType(l->type);
        if (!t)
          continue;
        auto *var = di.createParameterVariable(subprogram, name, static_cast<unsigned>(l->paramIndex) + 1, file,
                                               tf.fn->span.line, t, true);
        llvm::AllocaInst *slot = slots.at(l);
        di.insertDeclare(slot, var, plain, location(tf.fn->span), slot->getNextNode());
      } else if (diType(l->type)) {
        locals.push_back(l);
      }
    }
    if (locals.empty())
      continue;
    // One variable for the name: of its type, or of the union of its webs' types.
    std::map<std::string, const Type *> types;
    for (const frontend::Local *l : locals)
      types.emplace("_" + (isa<ScalarType>(l->type) && !isa<RecordType>(l->type)
                               ? numberName(cast<ScalarType>(l->type))
                               : l->type->str()),
                    l->type);
    llvm::DIType *type = diType(locals.front()->type);
    if (types.size() > 1) {
      std::vector<llvm::Metadata *> members;
      std::uint64_t size = 0;
      for (const auto &[member, t] : types) {
        llvm::DIType *mt = diType(t);
        size = std::max(size, mt->getSizeInBits());
        members.push_back(di.createMemberType(subprogram, member, file, 0, mt->getSizeInBits(), 0, 0,
                                              llvm::DINode::FlagZero, mt));
      }
      type = di.createUnionType(subprogram, "", file, 0, size, 0, llvm::DINode::FlagZero,
                                di.getOrCreateArray(members));
    }
    const frontend::Local *first = locals.front();
    auto *var = di.createAutoVariable(subprogram, name, file,
                                      first->firstAssign.line > 0 ? first->firstAssign.line : tf.fn->span.line, type,
                                      true);
    bool declared = false;
    for (const frontend::Local *l : locals) {
      llvm::AllocaInst *slot = slots.at(l);
      if (scalarLike(l->type)) {
        valueAfterStores(slot, var, isGridGroup(l->type));
      } else if (!declared) { // an aggregate lives in its slot (one slot per variable)
        di.insertDeclare(slot, var, plain, location(l->firstAssign), slot->getNextNode());
        declared = true;
      }
    }
  }
}

} // namespace ptxforge::compiler
