//===- compiler/Compiler.cpp - Driving one kernel through every stage -----===//

#include "compiler/Compiler.h"
#include "compiler/Link.h"
#include "compiler/LowerGpu.h"
#include "compiler/LowerImpl.h"
#include "compiler/Pipeline.h"

#include <llvm/Config/llvm-config.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/raw_ostream.h>

#include <algorithm>
#include <chrono>
#include <tuple>

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
std::string llvmVersion() { return LLVM_VERSION_STRING; }

namespace {

/// The parameters on the `def` line, then each name that refers to a local,
/// ordered by position and kept once per line.
void collectVariables(const AstContext &ast, const TypedFunction &typed, std::vector<VariableUse> &out) {
  const FunctionDef &fn = ast.function();
  for (const auto &local : typed.locals)
    if (local->paramIndex >= 0 && local->type && local->paramIndex < static_cast<int>(fn.params.size())) {
      const Span &span = fn.params[local->paramIndex].span;
      out.push_back({span.line ? span.line : fn.span.line, span.col, local->name, local->type->str()});
    }
  for (const auto &[expr, ref] : typed.refs)
    if (ref.local && ref.local->type)
      out.push_back({expr->span().line, expr->span().col, ref.local->name, ref.local->type->str()});
  std::sort(out.begin(), out.end(), [](const VariableUse &a, const VariableUse &b) {
    return std::tie(a.line, a.col) < std::tie(b.line, b.col);
  });
  std::vector<VariableUse> once;
  for (VariableUse &v : out)
    if (std::none_of(once.begin(), once.end(),
                     [&](const VariableUse &u) { return u.line == v.line && u.name == v.name; }))
      once.push_back(std::move(v));
  out = std::move(once);
}

/// One kernel typed, and lowered into its own module of `ctx` when `upTo`
/// asks for more than the typed tree.
struct Lowered {
  std::unique_ptr<llvm::Module> module; ///< null when stopped at Stage::Typed
  llvm::Function *kernel = nullptr;
  bool needsLibdevice = false;
};

/// Types `ast` for `argTypes` and lowers it, filling `out`'s signature,
/// ABI, entry name (Options::entryName, else the function's name), typed
/// tree and, with keepIr, unoptimised IR. False on a user error.
bool typeAndLower(const AstContext &ast, const std::vector<const Type *> &argTypes, const GlobalEnv &globals,
                  const Options &options, Stage upTo, llvm::LLVMContext &ctx, KernelArtifacts &out, Lowered &lowered,
                  Diagnostic &error, Stopwatch &clock) {
  std::unique_ptr<TypedFunction> typed = inferTypes(ast, argTypes, globals, /*isKernel=*/!options.device, error);
  if (!typed)
    return false;
  out.params = typed->paramTypes;
  out.returnType = typed->returnType;
  Signature sig;
  sig.params = typed->paramTypes;
  sig.returnType = typed->returnType;
  out.signature = sig.str();
  for (const Type *t : out.params)
    appendAbi(t, out.abi);
  out.entryName = options.entryName.empty() ? ast.function().name : options.entryName;
  out.typed = typed->str();
  collectVariables(ast, *typed, out.variables);
  out.msTyping = clock.lap();
  if (upTo == Stage::Typed)
    return true;

  auto module = std::make_unique<llvm::Module>(out.entryName, ctx);
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
  try {
    lowered.kernel = lowerer.lowerFunction(options.device ? Linkage::Exported : Linkage::Kernel, out.entryName);
  } catch (const DiagnosticError &e) {
    error = e.diagnostic();
    return false;
  }
  if (session.di)
    session.di->finalize();
  for (const Diagnostic &w : session.warnings)
    out.warnings.push_back(w.render());
  out.debug = options.debug;
  out.debugSites = session.debugSites;
  out.linked = options.link;
  for (const DeviceFunctionRef *ext : session.externals)
    for (const LinkItem &item : ext->link)
      if (std::find(out.linked.begin(), out.linked.end(), item) == out.linked.end())
        out.linked.push_back(item);
  std::string verifyErrors;
  llvm::raw_string_ostream vos(verifyErrors);
  if (llvm::verifyModule(*module, &vos)) {
    error.span = ast.function().span;
    error.message = "internal compiler error: invalid LLVM IR was generated for '" + ast.function().name +
                    "'; please report it with this kernel.\n" + verifyErrors;
    return false;
  }
  if (options.keepIr)
    out.llvm = print(*module);
  out.cooperative = module->getNamedMetadata(kCooperativeMetadata) != nullptr;
  lowered.needsLibdevice = lowerer.needsLibdevice();
  lowered.module = std::move(module);
  out.msLowering = clock.lap();
  return true;
}

/// Links libdevice where the kernel calls it, makes every function but the
/// kernel internal and adds the kernel's launch-bound annotations: the
/// module is then ready to be linked with others or optimised alone.
bool prepareModule(Lowered &lowered, const AstContext &ast, const Options &options, Diagnostic &error) {
  llvm::Module &module = *lowered.module;
  if (lowered.needsLibdevice) {
    std::string linkError;
    if (!linkLibdevice(module, options.fastmath, linkError)) {
      error.span = ast.function().span;
      error.message = linkError;
      return false;
    }
  }
  for (llvm::Function &f : module) {
    if (&f != lowered.kernel && !f.isDeclaration())
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
    // The inliner keeps "unsafe-fp-math" only where every inlined callee has
    // it: libdevice's functions need it too, or fastmath loses div.approx.
    if (options.fastmath && !f.isDeclaration())
      f.addFnAttr("unsafe-fp-math", "true");
  }
  addKernelAnnotations(module, lowered.kernel, options);
  return true;
}

/// Records, for each kernel of `kernels` (artifacts and entry function), the
/// ABI slots of data pointers that LLVM proved the optimised kernel only reads
/// and never captures: a host array passed there need not be copied back.
void noteReadOnlyArguments(const std::vector<std::pair<KernelArtifacts *, llvm::Function *>> &kernels) {
  for (auto [out, kernel] : kernels)
    for (std::size_t i = 0; kernel && i < out->abi.size(); ++i)
      if (out->abi[i].role == AbiSlot::Data && kernel->getArg(i)->onlyReadsMemory() &&
          kernel->getArg(i)->hasNoCaptureAttr())
        out->readOnlyArgs.push_back(static_cast<int>(i));
}

/// Optimises `module` and emits its PTX and, for Stage::Cubin, its cubin;
/// `kernels` (none for a device function) get their read-only arguments.
/// The cubin is linked with `linked` (link= files and those of declare_device
/// functions) when there are any: false with `linkError` set when that fails.
bool optimizeAndEmit(llvm::Module &module, const Options &options, Stage upTo,
                     const std::vector<std::pair<KernelArtifacts *, std::string>> &kernels,
                     const std::vector<LinkItem> &linked, std::string *llvmOpt, std::string &ptx, CubinResult &cubin,
                     std::vector<std::string> &warnings, std::string &linkError, double &msOptimizing, double &msPtx,
                     double &msCubin, Stopwatch &clock) {
  llvm::TargetMachine *tm = targetMachine(options);
  optimize(module, *tm, options.optLevel);
  std::vector<std::pair<KernelArtifacts *, llvm::Function *>> entries;
  for (const auto &[artifacts, name] : kernels)
    entries.push_back({artifacts, module.getFunction(name)});
  noteReadOnlyArguments(entries);
  if (llvmOpt)
    *llvmOpt = print(module);
  msOptimizing = clock.lap();
  ptx = emitPtx(module, *tm);
  msPtx = clock.lap();
  if (upTo != Stage::Cubin)
    return true;
  CubinOptions co;
  co.ccMajor = options.ccMajor;
  co.ccMinor = options.ccMinor;
  co.lineInfo = options.lineinfo || options.debug;
  co.debugInfo = options.debug && options.optLevel == 0;
  if (co.debugInfo)
    co.optLevel = 0; // the assembler refuses to optimise code with full debug information
  co.maxRegisters = options.maxRegisters;
  co.driverVersion = options.driverVersion;
  if (linked.empty()) {
    cubin = assembleCubin(ptx, co);
  } else {
    // Files to link: no fallback to the driver's JIT, which cannot link them.
    std::vector<LinkData> inputs;
    if (prepareLinkInputs(linked, options.ccMajor, options.ccMinor, inputs, warnings, linkError))
      cubin = linkCubin(ptx, inputs, co);
    if (!cubin.ok()) {
      if (linkError.empty())
        linkError = cubin.error;
      return false;
    }
  }
  msCubin = clock.lap();
  return true;
}

} // namespace

std::unique_ptr<KernelArtifacts> compileKernel(const AstContext &ast, const std::vector<const Type *> &argTypes,
                                               const GlobalEnv &globals, const Options &options, Stage upTo,
                                               Diagnostic &error) {
  auto out = std::make_unique<KernelArtifacts>();
  Stopwatch clock;
  llvm::LLVMContext ctx;
  Lowered lowered;
  if (!typeAndLower(ast, argTypes, globals, options, upTo, ctx, *out, lowered, error, clock))
    return nullptr;
  if (upTo == Stage::Typed)
    return out;
  if (!prepareModule(lowered, ast, options, error))
    return nullptr;
  std::vector<std::pair<KernelArtifacts *, std::string>> kernels;
  if (!options.device)
    kernels.push_back({out.get(), out->entryName});
  std::string linkError;
  if (!optimizeAndEmit(*lowered.module, options, upTo, kernels, out->linked, options.keepIr ? &out->llvmOpt : nullptr,
                       out->ptx, out->cubin, out->warnings, linkError, out->msOptimizing, out->msPtx, out->msCubin,
                       clock)) {
    error.span = ast.function().span;
    error.errorClass = "LinkError";
    error.message = "cannot link '" + ast.function().name + "': " + linkError;
    return nullptr;
  }
  return out;
}

std::unique_ptr<ModuleArtifacts> compileModule(const std::vector<ModuleKernel> &kernels, const Options &options,
                                               Stage upTo, Diagnostic &error) {
  auto out = std::make_unique<ModuleArtifacts>();
  Stopwatch clock;
  llvm::LLVMContext ctx;
  std::unique_ptr<llvm::Module> linked;
  for (const ModuleKernel &k : kernels) {
    Options o = options;
    o.entryName = k.entryName;
    o.device = false;
    auto artifacts = std::make_unique<KernelArtifacts>();
    Lowered lowered;
    if (!typeAndLower(*k.ast, k.argTypes, *k.globals, o, upTo, ctx, *artifacts, lowered, error, clock))
      return nullptr;
    out->kernels.push_back(std::move(artifacts));
    if (upTo == Stage::Typed)
      continue;
    if (!prepareModule(lowered, *k.ast, o, error))
      return nullptr;
    // Each kernel's globals (constant arrays, libdevice's tables) are its own.
    for (llvm::GlobalVariable &g : lowered.module->globals())
      if (!g.isDeclaration())
        g.setLinkage(llvm::GlobalValue::InternalLinkage);
    if (!linked) {
      linked = std::move(lowered.module);
      linked->setModuleIdentifier(options.entryName.empty() ? k.entryName : options.entryName);
    } else if (llvm::Linker::linkModules(*linked, std::move(lowered.module))) {
      // Every symbol but the kernels is internal and the entry names are
      // distinct, so linking cannot clash.
      error.span = k.ast->function().span;
      error.message = "internal compiler error: linking kernel '" + k.entryName + "' into its module failed";
      return nullptr;
    }
  }
  if (!linked)
    return out;
  if (options.keepIr)
    out->llvm = print(*linked);
  double msOptimizing = 0, msPtx = 0, msCubin = 0;
  std::vector<std::pair<KernelArtifacts *, std::string>> entries;
  for (auto &k : out->kernels)
    entries.push_back({k.get(), k->entryName});
  std::vector<LinkItem> files; // every kernel's, once
  std::vector<std::string> warnings;
  for (auto &k : out->kernels)
    for (const LinkItem &item : k->linked)
      if (std::find(files.begin(), files.end(), item) == files.end())
        files.push_back(item);
  std::string linkError;
  if (!optimizeAndEmit(*linked, options, upTo, entries, files, options.keepIr ? &out->llvmOpt : nullptr, out->ptx,
                       out->cubin, warnings, linkError, msOptimizing, msPtx, msCubin, clock)) {
    error.span = kernels.front().ast->function().span;
    error.errorClass = "LinkError";
    error.message = "cannot link the module of '" + kernels.front().ast->function().name + "': " + linkError;
    return nullptr;
  }
  for (auto &k : out->kernels)
    k->warnings.insert(k->warnings.end(), warnings.begin(), warnings.end());
  return out;
}

} // namespace ptxforge::compiler
