//===- compiler/Compiler.cpp - Driving one kernel through every stage -----===//

#include "compiler/Compiler.h"
#include "compiler/LowerGpu.h"
#include "compiler/LowerImpl.h"
#include "compiler/Pipeline.h"
#include "compiler/Capability.h"

#include <llvm/Config/llvm-config.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/AsmParser/Parser.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/SourceMgr.h>
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

/// Lowering, libdevice, O3 and PTX, into `module`. False with `error` set on
/// a user error; LLVM's fatal errors come out as LlvmFatalError.
bool lowerToPtx(const AstContext &ast, const TypedFunction &typed, llvm::Module &module, const Options &options,
                KernelArtifacts &out, Stopwatch &clock, Diagnostic &error) {
  llvm::TargetMachine *tm = targetMachine(options);
  module.setTargetTriple(kTriple);
  module.setDataLayout(tm->createDataLayout());
  LowerOptions lo;
  lo.fastmath = options.fastmath;
  lo.fmaContraction = options.fmaContraction;
  lo.lineinfo = options.lineinfo;
  lo.ccMajor = options.ccMajor;
  lo.ccMinor = options.ccMinor;
  LowerSession session;
  Lowerer lowerer(typed, module, lo, session);
  llvm::Function *kernel = nullptr;
  try {
    kernel = lowerer.lowerFunction(options.device ? Linkage::Exported : Linkage::Kernel, out.entryName);
  } catch (const DiagnosticError &e) {
    error = e.diagnostic();
    return false;
  }
  std::string verifyErrors;
  llvm::raw_string_ostream vos(verifyErrors);
  if (llvm::verifyModule(module, &vos)) {
    error.span = ast.function().span;
    error.message = "internal compiler error: invalid LLVM IR was generated for '" + ast.function().name +
                    "'; please report it with this kernel.\n" + verifyErrors;
    return false;
  }
  if (options.keepIr)
    out.llvm = print(module);
  out.msLowering = clock.lap();

  if (lowerer.needsLibdevice()) {
    std::string linkError;
    if (!linkLibdevice(module, options.fastmath, linkError)) {
      error.span = ast.function().span;
      error.message = linkError;
      return false;
    }
  }
  for (llvm::Function &f : module) {
    if (&f != kernel && !f.isDeclaration())
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
    // The inliner keeps "unsafe-fp-math" only where every inlined callee has
    // it: libdevice's functions need it too, or fastmath loses div.approx.
    if (options.fastmath && !f.isDeclaration())
      f.addFnAttr("unsafe-fp-math", "true");
  }
  addKernelAnnotations(module, kernel, options);
  out.cooperative = module.getNamedMetadata(kCooperativeMetadata) != nullptr;
  optimize(module, *tm, options.optLevel);
  if (options.keepIr)
    out.llvmOpt = print(module);
  out.msOptimizing = clock.lap();

  out.ptx = emitPtx(module, *tm);
  out.msPtx = clock.lap();
  return true;
}

/// Keeps the first error LLVM reports through its context (without a
/// handler, LLVM prints it and exits the process).
void collectLlvmError(const llvm::DiagnosticInfo *info, void *context) {
  if (info->getSeverity() != llvm::DS_Error)
    return;
  auto &first = *static_cast<std::string *>(context);
  if (!first.empty())
    return;
  llvm::raw_string_ostream os(first);
  llvm::DiagnosticPrinterRawOStream printer(os);
  info->print(printer);
}

} // namespace

/// The parameter space of a kernel under PTX ISA 7.8 (0x1100 bytes).
constexpr std::int64_t kMaxParamBytes = 4352;

std::string compilerVersion() { return std::string("ptxforge 0.1.0; LLVM ") + LLVM_VERSION_STRING; }

std::unique_ptr<KernelArtifacts> compileKernel(const AstContext &ast, const std::vector<const Type *> &argTypes,
                                               const GlobalEnv &globals, const Options &options, Stage upTo,
                                               Diagnostic &error) {
  if (std::string why = capabilityError(options.ccMajor, options.ccMinor); !why.empty()) {
    error.span = ast.function().span;
    error.message = why;
    return nullptr;
  }
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
  // PTX ISA 7.8 gives a kernel 4352 bytes of parameters (ptxas rejects more):
  // say so at the parameter that goes past them.
  std::int64_t paramBytes = 0;
  for (std::size_t i = 0; i < out->params.size(); ++i) {
    std::size_t first = out->abi.size();
    appendAbi(out->params[i], out->abi);
    for (std::size_t j = first; j < out->abi.size(); ++j) {
      int size = out->abi[j].size();
      paramBytes = (paramBytes + size - 1) / size * size + size;
    }
    if (!options.device && paramBytes > kMaxParamBytes) {
      error.span = ast.function().params[i].span;
      error.message = "kernel '" + ast.function().name + "' takes too many parameter bytes: " +
                      std::to_string(paramBytes) + " up to '" + ast.function().params[i].name + "', where a kernel " +
                      "has " + std::to_string(kMaxParamBytes) + " (an array takes 8 bytes plus 8 per dimension, 16 "
                      "per dimension if it is not contiguous); pass fewer, larger arrays (stack them in one "
                      "n-d array)";
      return nullptr;
    }
  }
  out->entryName = ast.function().name;
  out->typed = typed->str();
  out->msTyping = clock.lap();
  if (upTo == Stage::Typed)
    return out;

  // LLVM state that a fatal error leaves behind is leaked, never reused.
  auto ctx = std::make_unique<llvm::LLVMContext>();
  std::string llvmError;
  ctx->setDiagnosticHandlerCallBack(collectLlvmError, &llvmError);
  auto module = std::make_unique<llvm::Module>(ast.function().name, *ctx);
  installLlvmErrorHandler();
  auto internalError = [&](const std::string &why) {
    error.span = ast.function().span;
    error.message = "internal compiler error: LLVM failed on '" + ast.function().name + "' (compute capability " +
                    std::to_string(options.ccMajor) + "." + std::to_string(options.ccMinor) + "): " + why +
                    "; please report it with this kernel";
  };
  try {
    if (!lowerToPtx(ast, *typed, *module, options, *out, clock, error))
      return nullptr;
  } catch (const LlvmFatalError &e) {
    (void)module.release();
    (void)ctx.release();
    forgetTargetMachines();
    internalError(e.what());
    return nullptr;
  }
  if (!llvmError.empty()) {
    internalError(llvmError);
    return nullptr;
  }
  if (upTo == Stage::Ptx || upTo == Stage::Llvm)
    return out;

  CubinOptions co;
  co.ccMajor = options.ccMajor;
  co.ccMinor = options.ccMinor;
  co.lineInfo = options.lineinfo;
  co.maxRegisters = options.maxRegisters;
  out->cubin = assembleCubin(out->ptx, co);
  out->msCubin = clock.lap();
  return out;
}


std::string ptxFromLlvmIr(const std::string &ir, const Options &options, std::string &error) {
  if (std::string why = capabilityError(options.ccMajor, options.ccMinor); !why.empty()) {
    error = why;
    return {};
  }
  auto ctx = std::make_unique<llvm::LLVMContext>();
  std::string llvmError;
  ctx->setDiagnosticHandlerCallBack(collectLlvmError, &llvmError);
  installLlvmErrorHandler();
  llvm::SMDiagnostic parseError;
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(ir, parseError, *ctx);
  if (!module) {
    error = "the LLVM IR does not parse: " + parseError.getMessage().str();
    return {};
  }
  std::string ptx;
  try {
    llvm::TargetMachine *tm = targetMachine(options);
    module->setTargetTriple(kTriple);
    module->setDataLayout(tm->createDataLayout());
    optimize(*module, *tm, options.optLevel);
    ptx = emitPtx(*module, *tm);
  } catch (const LlvmFatalError &e) {
    (void)module.release();
    (void)ctx.release();
    forgetTargetMachines();
    error = std::string("LLVM failed: ") + e.what();
    return {};
  }
  if (!llvmError.empty()) {
    error = "LLVM failed: " + llvmError;
    return {};
  }
  return ptx;
}

} // namespace ptxforge::compiler
