//===- compiler/Compiler.cpp - Driving one kernel through every stage -----===//

#include "compiler/Compiler.h"
#include "compiler/LowerGpu.h"
#include "compiler/Link.h"
#include "compiler/LowerImpl.h"
#include "compiler/Pipeline.h"

#include <llvm/Config/llvm-config.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <chrono>

namespace ptxforge::compiler {

using namespace frontend;

namespace {
class Stopwatch {
public:
  double lap() {
    auto now = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(now - last).count();
    last = now;
    return ms;
  }

private:
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

std::string print(const llvm::Module &m) {
  std::string text;
  llvm::raw_string_ostream os(text);
  m.print(os, nullptr);
  return text;
}
/// Launch bounds and the register cap as nvvm.annotations on the kernel:
/// PTX .maxntid, .minnctapersm and .maxnreg, which ptxas and the driver's JIT
/// both honour.
void addKernelAnnotations(llvm::Module &module, llvm::Function *kernel, const Options &options) {
  if (options.device)
    return;
  llvm::LLVMContext &ctx = module.getContext();
  auto annotate = [&](const char *key, int value) {
    if (value <= 0)
      return;
    llvm::Metadata *md[] = {llvm::ValueAsMetadata::get(kernel), llvm::MDString::get(ctx, key),
                            llvm::ValueAsMetadata::get(llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx), value))};
    module.getOrInsertNamedMetadata("nvvm.annotations")->addOperand(llvm::MDNode::get(ctx, md));
  };
  annotate("maxntidx", options.maxThreadsPerBlock);
  annotate("minctasm", options.maxThreadsPerBlock > 0 ? options.minBlocksPerSm : 0);
  annotate("maxnreg", options.maxRegisters);
}
} // namespace

std::string compilerVersion() { return std::string("ptxforge 0.1.0; LLVM ") + LLVM_VERSION_STRING; }

std::unique_ptr<KernelArtifacts> compileKernel(const AstContext &ast, const std::vector<const Type *> &argTypes,
                                               const GlobalEnv &globals, const Options &options, Stage upTo,
                                               Diagnostic &error) {
  auto out = std::make_unique<KernelArtifacts>();
  Stopwatch clock;
  std::unique_ptr<TypedFunction> typed = inferTypes(ast, argTypes, globals, /*isKernel=*/!options.device, error);
  if (!typed)
    return nullptr;
  out->params = typed->paramTypes;
  out->returnType = typed->returnType;
  Signature sig;
  sig.params = typed->paramTypes;
  sig.returnType = typed->returnType;
  out->signature = sig.str();
  for (const Type *t : out->params)
    appendAbi(t, out->abi);
  out->entryName = ast.function().name;
  out->typed = typed->str();
  out->msTyping = clock.lap();
  if (upTo == Stage::Typed)
    return out;

  llvm::LLVMContext ctx;
  auto module = std::make_unique<llvm::Module>(ast.function().name, ctx);
  llvm::TargetMachine *tm = targetMachine(options);
  module->setTargetTriple(kTriple);
  module->setDataLayout(tm->createDataLayout());
  LowerOptions lo;
  lo.fastmath = options.fastmath;
  lo.fmaContraction = options.fmaContraction;
  lo.lineinfo = options.lineinfo || options.debug;
  lo.debug = options.debug;
  lo.fullDebugInfo = options.debug && options.optLevel == 0;
  lo.ccMajor = options.ccMajor;
  lo.ccMinor = options.ccMinor;
  LowerSession session;
  Lowerer lowerer(*typed, *module, lo, session);
  llvm::Function *kernel = nullptr;
  try {
    kernel = lowerer.lowerFunction(options.device ? Linkage::Exported : Linkage::Kernel, out->entryName);
  } catch (const DiagnosticError &e) {
    error = e.diagnostic();
    return nullptr;
  }
  if (session.di)
    session.di->finalize();
  for (const Diagnostic &w : session.warnings)
    out->warnings.push_back(w.render());
  out->debug = options.debug;
  out->debugSites = session.debugSites;
  out->linked = options.link;
  for (const DeviceFunctionRef *ext : session.externals)
    for (const LinkItem &item : ext->link)
      if (std::find(out->linked.begin(), out->linked.end(), item) == out->linked.end())
        out->linked.push_back(item);
  std::string verifyErrors;
  llvm::raw_string_ostream vos(verifyErrors);
  if (llvm::verifyModule(*module, &vos)) {
    error.span = ast.function().span;
    error.message = "internal compiler error: invalid LLVM IR was generated for '" + ast.function().name +
                    "'; please report it with this kernel.\n" + verifyErrors;
    return nullptr;
  }
  if (options.keepIr)
    out->llvm = print(*module);
  out->msLowering = clock.lap();

  if (lowerer.needsLibdevice()) {
    std::string linkError;
    if (!linkLibdevice(*module, options.fastmath, linkError)) {
      error.span = ast.function().span;
      error.message = linkError;
      return nullptr;
    }
  }
  for (llvm::Function &f : *module) {
    if (&f != kernel && !f.isDeclaration())
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
    // The inliner keeps "unsafe-fp-math" only where every inlined callee has
    // it: libdevice's functions need it too, or fastmath loses div.approx.
    if (options.fastmath && !f.isDeclaration())
      f.addFnAttr("unsafe-fp-math", "true");
  }
  addKernelAnnotations(*module, kernel, options);
  out->cooperative = module->getNamedMetadata(kCooperativeMetadata) != nullptr;
  optimize(*module, *tm, options.optLevel);
  if (!options.device)
    for (std::size_t i = 0; i < out->abi.size(); ++i)
      if (out->abi[i].role == AbiSlot::Data && kernel->getArg(i)->onlyReadsMemory() &&
          kernel->getArg(i)->hasNoCaptureAttr())
        out->readOnlyArgs.push_back(static_cast<int>(i));
  if (options.keepIr)
    out->llvmOpt = print(*module);
  out->msOptimizing = clock.lap();

  out->ptx = emitPtx(*module, *tm);
  out->msPtx = clock.lap();
  if (upTo == Stage::Ptx || upTo == Stage::Llvm)
    return out;

  CubinOptions co;
  co.ccMajor = options.ccMajor;
  co.ccMinor = options.ccMinor;
  co.lineInfo = options.lineinfo || options.debug;
  co.debugInfo = lo.fullDebugInfo;
  if (co.debugInfo)
    co.optLevel = 0; // the assembler refuses to optimise code with full debug information
  co.maxRegisters = options.maxRegisters;
  if (out->linked.empty()) {
    out->cubin = assembleCubin(out->ptx, co);
  } else {
    // Files to link: no fallback to the driver's JIT, which cannot link them.
    std::vector<LinkData> inputs;
    std::string linkError;
    if (prepareLinkInputs(out->linked, options.ccMajor, options.ccMinor, inputs, out->warnings, linkError))
      out->cubin = linkCubin(out->ptx, inputs, co);
    if (!out->cubin.ok()) {
      error.span = ast.function().span;
      error.errorClass = "LinkError";
      error.message = "cannot link '" + ast.function().name + "': " +
                      (linkError.empty() ? out->cubin.error : linkError);
      return nullptr;
    }
  }
  out->msCubin = clock.lap();
  return out;
}

} // namespace ptxforge::compiler
