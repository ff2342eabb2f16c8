//===- compiler/LowerExternal.cpp - Calls of declare_device functions -----===//
//
// A function declared with declare_device is defined in a linked file; it is
// called with numba's ABI, so that code written for numba links unchanged:
//
//   numba ABI   i32 name(ret *out, args...)   the status is ignored
//   C ABI       ret name(args...)
//
// Arguments are flattened as numba's data model flattens them: a bool is one
// byte; a complex number its two parts; a tuple its elements; a record its
// address; an array {meminfo, parent, nitems, itemsize, data, shape...,
// strides...} with null meminfo and parent.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"
#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

namespace {

void flattenArgument(Lowerer &L, llvm::Value *v, const Type *t, std::vector<llvm::Value *> &out) {
  auto &b = L.b;
  if (isa<RecordType>(t) || isa<PointerType>(t)) { // a record by reference; a pointer (numba's CPointer) as is
    out.push_back(v);
    return;
  }
  if (auto *s = dyn_cast<ScalarType>(t)) {
    if (s->isBool()) {
      out.push_back(b.CreateZExt(v, b.getInt8Ty()));
    } else if (s->isComplex()) {
      Lowerer::Complex z = L.splitComplex(v);
      out.push_back(z.re);
      out.push_back(z.im);
    } else {
      out.push_back(v);
    }
    return;
  }
  if (auto *a = dyn_cast<ArrayType>(t)) {
    llvm::Value *nitems = b.getInt64(1);
    for (unsigned d = 0; d < static_cast<unsigned>(a->ndim); ++d)
      nitems = b.CreateMul(nitems, b.CreateExtractValue(v, {1u, d}));
    out.push_back(llvm::ConstantPointerNull::get(b.getPtrTy())); // meminfo
    out.push_back(llvm::ConstantPointerNull::get(b.getPtrTy())); // parent
    out.push_back(nitems);
    out.push_back(b.getInt64(a->dtype->byteSize()));
    out.push_back(b.CreateExtractValue(v, {0}));
    for (unsigned field : {1u, 2u})
      for (unsigned d = 0; d < static_cast<unsigned>(a->ndim); ++d)
        out.push_back(b.CreateExtractValue(v, {field, d}));
    return;
  }
  auto *tt = cast<TupleType>(t);
  for (unsigned i = 0; i < tt->elts.size(); ++i)
    flattenArgument(L, b.CreateExtractValue(v, {i}), tt->elts[i], out);
}

/// The type a value of `t` has in memory and as a return value (bool: i8).
llvm::Type *returnMemoryType(Lowerer &L, const Type *t) {
  if (auto *s = dyn_cast<ScalarType>(t); s && s->isBool())
    return L.b.getInt8Ty();
  return L.valueType(t);
}

} // namespace

llvm::Value *Lowerer::externalCall(const CallExpr *c, const TypedFunction &callee) {
  const DeviceFunctionRef &ref = *callee.external;
  if (target.isHost())
    fail(c->span(), "'" + ref.name + "' is a declare_device function, defined in a file linked for the GPU "
                    "(CUDA C++, PTX or LTO-IR): the CPU target cannot run it; launch this kernel on the GPU");
  if (std::find(session.externals.begin(), session.externals.end(), &ref) == session.externals.end())
    session.externals.push_back(&ref);
  if (ref.cooperative) // declare_device(use_cooperative=True): it synchronizes the grid, as numba takes it
    module.getOrInsertNamedMetadata(kCooperativeMetadata);
  const Type *rt = callee.returnType;
  const bool returnsVoid = rt->kind() == Type::Kind::Void || rt->kind() == Type::Kind::None;
  std::vector<llvm::Value *> args;
  llvm::AllocaInst *slot = nullptr;
  if (!ref.cAbi) {
    slot = entryAlloca(returnsVoid ? b.getInt8Ty() : returnMemoryType(*this, rt), ref.name + ".ret");
    args.push_back(slot);
  }
  for (std::size_t i = 0; i < c->args.size(); ++i) {
    const Type *pt = callee.paramTypes[i];
    flattenArgument(*this, convert(expr(c->args[i]), typeOf(c->args[i]), pt, c->args[i]->span()), pt, args);
  }
  std::vector<llvm::Type *> params;
  for (llvm::Value *a : args)
    params.push_back(a->getType());
  llvm::Type *ret = !ref.cAbi ? b.getInt32Ty() : returnsVoid ? b.getVoidTy() : returnMemoryType(*this, rt);
  auto *fnType = llvm::FunctionType::get(ret, params, false);
  llvm::Function *f = module.getFunction(ref.name);
  if (f && f->getFunctionType() != fnType)
    fail(c->span(), "the device function '" + ref.name + "' is declared twice with different signatures");
  if (!f) {
    f = llvm::Function::Create(fnType, llvm::GlobalValue::ExternalLinkage, ref.name, module);
    f->addFnAttr(llvm::Attribute::NoUnwind);
  }
  llvm::CallInst *call = b.CreateCall(f, args);
  if (returnsVoid)
    return nullptr;
  llvm::Value *result = ref.cAbi ? static_cast<llvm::Value *>(call) : b.CreateLoad(slot->getAllocatedType(), slot);
  if (auto *s = dyn_cast<ScalarType>(rt); s && s->isBool())
    result = b.CreateICmpNE(result, b.getInt8(0));
  return result;
}

} // namespace ptxforge::compiler
