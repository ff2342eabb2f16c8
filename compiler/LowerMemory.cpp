//===- compiler/LowerMemory.cpp - Cache-hint loads and stores -------------===//
//
// ldca(a, i) ... stwt(a, i, v): one `ld.global.<op>.b<bits>` or
// `st.global.<op>.b<bits>` on the element's address, which goes from generic
// to global (cvta.to.global) first. The instructions are inline PTX, as LLVM
// has no cache operators; they are marked as touching memory so that LLVM
// keeps them in order with the kernel's other loads and stores. The CPU
// target has one cache model: there they are plain loads and stores.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerGpu.h"

namespace ptxforge::compiler {

using namespace frontend;

llvm::Value *Lowerer::cacheHint(const CallExpr *c, const std::string &path) {
  const std::string op = path.substr(path.size() - 2);       // "ca", "cg", "wb", ...
  const bool store = path.compare(path.size() - 4, 2, "st") == 0;
  const Type *container = typeOf(c->args[0]);
  auto *pt = dyn_cast<frontend::PointerType>(container);
  const ScalarType *dt = pt ? pt->elem : cast<ArrayType>(container)->dtype;
  const int bits = dt->bits;
  llvm::Value *ptr = elementPointerOf(*this, c, c->args[0], c->args[1]);
  if (target.isHost()) {
    if (!store)
      return loadElement(ptr, dt);
    storeElement(ptr, convert(expr(c->args[2]), typeOf(c->args[2]), dt, c->args[2]->span()), dt);
    return nullptr;
  }
  llvm::Value *global = b.CreatePtrToInt(b.CreateAddrSpaceCast(ptr, b.getPtrTy(1)), b.getInt64Ty());
  // The value travels as an integer register of its width (8-bit values in
  // a 16-bit one, which PTX allows for sub-word loads and stores).
  llvm::Type *reg = b.getIntNTy(bits == 8 ? 16 : bits);
  const char *cons = bits <= 16 ? "h" : bits == 32 ? "r" : "l";
  const std::string width = ".b" + std::to_string(bits);
  if (!store) {
    std::string text = "ld.global." + op + width + " $0, [$1];";
    llvm::Value *v = inlineAsm(*this, reg, {global}, text.c_str(), (std::string("=") + cons + ",l,~{memory}").c_str(),
                               true);
    if (bits == 8)
      v = b.CreateTrunc(v, b.getInt8Ty());
    return b.CreateBitCast(v, valueType(dt));
  }
  llvm::Value *v = convert(expr(c->args[2]), typeOf(c->args[2]), dt, c->args[2]->span());
  v = b.CreateBitCast(v, b.getIntNTy(bits));
  if (bits == 8)
    v = b.CreateZExt(v, reg);
  std::string text = "st.global." + op + width + " [$0], $1;";
  inlineAsm(*this, b.getVoidTy(), {global, v}, text.c_str(), (std::string("l,") + cons + ",~{memory}").c_str(), true);
  return nullptr;
}

} // namespace ptxforge::compiler
