//===- compiler/LowerPrint.cpp - print() through vprintf ------------------===//
//
// One print() is one vprintf call, so the lines of different threads never
// mix: a format string made at compile time (signed ints as %lld, unsigned
// as %llu, floats widened to double as %f, bools as %s of "True"/"False",
// strings written in place as their text, tuples as "(a, b)") and a local
// buffer holding the values, each 8 bytes and 8-aligned as vprintf reads
// them. CUDA's printf formats at most 32 values per call; beyond that the
// raw format string is printed instead, and compilation warns.
//
//===----------------------------------------------------------------------===//

#include "compiler/LowerImpl.h"

namespace ptxforge::compiler {

using namespace frontend;

namespace {

/// vprintf formats at most this many values (the CUDA programming guide's limit).
constexpr std::size_t kMaxPrintValues = 32;

/// Text written verbatim into a printf format.
std::string escapePercent(const std::string &text) {
  std::string out;
  for (char ch : text) {
    out += ch;
    if (ch == '%')
      out += '%';
  }
  return out;
}

} // namespace

llvm::Value *Lowerer::printCall(const CallExpr *c) {
  std::string format, sep = " ", end = "\n";
  for (const frontend::Keyword &k : c->keywords) {
    if (k.name == "sep")
      sep = cast<StrConstExpr>(k.value)->value;
    else if (k.name == "end")
      end = cast<StrConstExpr>(k.value)->value;
  }
  std::vector<llvm::Value *> values; // each an i64, a double or a pointer
  // Each distinct string once per module, in constant memory.
  auto constantString = [&](const std::string &text, const char *name) -> llvm::Value * {
    llvm::GlobalVariable *&gv = session.strings[text];
    if (!gv) {
      llvm::Constant *init = llvm::ConstantDataArray::getString(ctx, text);
      gv = new llvm::GlobalVariable(module, init->getType(), true, llvm::GlobalValue::PrivateLinkage, init, name,
                                    nullptr, llvm::GlobalValue::NotThreadLocal,
                                    target.constantSpace(init->getType()->getArrayNumElements()));
      gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
    }
    return b.CreateAddrSpaceCast(gv, b.getPtrTy());
  };
  // Appends the format of one value of type `t` and its arguments.
  std::function<void(llvm::Value *, const Type *)> one = [&](llvm::Value *v, const Type *t) {
    if (auto *tt = dyn_cast<TupleType>(t)) {
      format += "(";
      for (unsigned i = 0; i < tt->elts.size(); ++i) {
        if (i)
          format += ", ";
        one(b.CreateExtractValue(v, {i}), tt->elts[i]);
      }
      format += tt->elts.size() == 1 ? ",)" : ")";
      return;
    }
    auto *s = cast<ScalarType>(t);
    if (s->isBool()) {
      format += "%s";
      llvm::Value *yes = constantString("True", "__pf_print_true"), *no = constantString("False", "__pf_print_false");
      values.push_back(b.CreateSelect(v, yes, no));
    } else if (s->isInt()) {
      format += s->isSigned ? "%lld" : "%llu";
      values.push_back(b.CreateIntCast(v, b.getInt64Ty(), s->isSigned));
    } else if (s->isComplex()) {
      Complex z = splitComplex(v);
      format += "(%f%+fj)";
      values.push_back(b.CreateFPExt(z.re, b.getDoubleTy()));
      values.push_back(b.CreateFPExt(z.im, b.getDoubleTy()));
    } else {
      format += "%f";
      llvm::Value *d = v;
      if (s->isBFloat16() || s->bits == 16)
        d = b.CreateFPExt(d, b.getFloatTy());
      values.push_back(d->getType()->isDoubleTy() ? d : b.CreateFPExt(d, b.getDoubleTy()));
    }
  };
  static const BuiltinId dim3[][3] = {
      {BuiltinId::ThreadIdxX, BuiltinId::ThreadIdxY, BuiltinId::ThreadIdxZ},
      {BuiltinId::BlockIdxX, BuiltinId::BlockIdxY, BuiltinId::BlockIdxZ},
      {BuiltinId::BlockDimX, BuiltinId::BlockDimY, BuiltinId::BlockDimZ},
      {BuiltinId::GridDimX, BuiltinId::GridDimY, BuiltinId::GridDimZ}};
  for (std::size_t i = 0; i < c->args.size(); ++i) {
    const Expr *a = c->args[i];
    if (i)
      format += escapePercent(sep);
    if (auto *str = dyn_cast<StrConstExpr>(a)) {
      format += escapePercent(str->value);
      continue;
    }
    const Type *t = typeOf(a);
    if (auto *p = dyn_cast<PathType>(t)) { // pf.threadIdx and the like: (x, y, z)
      const std::string &path = p->path;
      int which = path == "ptxforge.threadIdx" ? 0 : path == "ptxforge.blockIdx" ? 1 : path == "ptxforge.blockDim" ? 2 : 3;
      format += "(%lld, %lld, %lld)";
      for (BuiltinId id : dim3[which])
        values.push_back(b.CreateZExt(builtinValue(id), b.getInt64Ty()));
      continue;
    }
    one(expr(a), t);
  }
  format += escapePercent(end);

  llvm::FunctionCallee vprintf = module.getOrInsertFunction(
      "vprintf", llvm::FunctionType::get(b.getInt32Ty(), {b.getPtrTy(), b.getPtrTy()}, false));
  if (values.size() > kMaxPrintValues) {
    Diagnostic warning;
    warning.severity = Severity::Warning;
    warning.span = c->span();
    warning.message = "print() formats at most 32 values in a kernel (a limit of CUDA's printf); this call has " +
                      std::to_string(values.size()) + ", so the kernel prints its format string instead";
    session.warnings.push_back(std::move(warning));
    llvm::AllocaInst *buffer = entryAlloca(b.getPtrTy(), "print.args");
    b.CreateStore(constantString(format, "__pf_print_format"), buffer);
    b.CreateCall(vprintf, {constantString("%s", "__pf_print_raw"), buffer});
    return nullptr;
  }
  llvm::Value *args = llvm::ConstantPointerNull::get(b.getPtrTy());
  if (!values.empty()) {
    std::vector<llvm::Type *> fields;
    for (llvm::Value *v : values)
      fields.push_back(v->getType());
    auto *st = llvm::StructType::get(ctx, fields);
    llvm::AllocaInst *buffer = entryAlloca(st, "print.args");
    buffer->setAlignment(llvm::Align(8));
    for (unsigned i = 0; i < values.size(); ++i)
      b.CreateStore(values[i], b.CreateStructGEP(st, buffer, i));
    args = buffer;
  }
  b.CreateCall(vprintf, {constantString(format, "__pf_print_format"), args});
  return nullptr;
}

} // namespace ptxforge::compiler
