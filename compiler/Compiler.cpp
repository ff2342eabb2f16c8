//===- compiler/Compiler.cpp - Driving one kernel through every stage -----===//

#include "compiler/Compiler.h"
#include "compiler/Abi.h"
#include "compiler/Capability.h"
#include "compiler/CpuJit.h"
#include "compiler/KernelFacts.h"
#include "compiler/Link.h"
#include "compiler/LowerGpu.h"
#include "compiler/LowerImpl.h"
#include "compiler/Pipeline.h"

#include <llvm/AsmParser/Parser.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/IR/DiagnosticInfo.h>
#include <llvm/IR/DiagnosticPrinter.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/SourceMgr.h>
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
/// PTX .maxntid, .minnctapersm, .maxclusterrank and .maxnreg, which ptxas
/// and the driver's JIT both honour.
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
  annotate("maxclusterrank", options.maxThreadsPerBlock > 0 ? options.maxClusterRank : 0);
  annotate("maxnreg", options.maxRegisters);
}
} // namespace

bool LaunchFacts::any() const {
  for (std::uint8_t p : params)
    if (p)
      return true;
  return disjoint || coarsen > 1;
}

std::string LaunchFacts::str(const std::vector<std::string> &names) const {
  std::string out;
  for (std::size_t i = 0; i < params.size() && i < names.size(); ++i) {
    if (!params[i])
      continue;
    std::string what;
    if (params[i] & Aligned)
      what += "aligned";
    if (params[i] & (Small | Bounded))
      what += std::string(what.empty() ? "" : "+") + (params[i] & Small ? "small" : "bounded");
    out += (out.empty() ? "" : ", ") + names[i] + ":" + what;
  }
  if (disjoint)
    out += out.empty() ? "disjoint" : "; disjoint";
  if (coarsen > 1)
    out += (out.empty() ? "coarsen " : "; coarsen ") + std::to_string(coarsen);
  return out;
}

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

/// The parameter space of a kernel under PTX ISA 7.8 (0x1100 bytes).
constexpr std::int64_t kMaxParamBytes = 4352;

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

/// A compilation's LLVM context, with LLVM's error reports kept in `error`.
/// After a fatal error (LlvmFatalError) call abandon(): the context and its
/// modules are leaked, never destroyed or reused, and the thread's target
/// machines are dropped.
struct GuardedContext {
  std::unique_ptr<llvm::LLVMContext> ctx = std::make_unique<llvm::LLVMContext>();
  std::string error;
  GuardedContext() {
    ctx->setDiagnosticHandlerCallBack(collectLlvmError, &error);
    installLlvmErrorHandler();
  }
  void abandon(std::unique_ptr<llvm::Module> &module) {
    (void)module.release();
    (void)ctx.release();
    forgetTargetMachines();
  }
};

/// The CompileError for a failure that LLVM, not the front end, reported.
void llvmFailed(const AstContext &ast, const Options &options, const std::string &why, Diagnostic &error) {
  error.span = ast.function().span;
  error.message = "internal compiler error: LLVM failed on '" + ast.function().name + "' (compute capability " +
                  std::to_string(options.ccMajor) + "." + std::to_string(options.ccMinor) + "): " + why +
                  "; please report it with this kernel";
}

/// One kernel typed, and lowered into its own module of `ctx` when `upTo`
/// asks for more than the typed tree.
struct Lowered {
  std::unique_ptr<llvm::Module> module; ///< null when stopped at Stage::Typed
  llvm::Function *kernel = nullptr;
  bool needsLibdevice = false;
  HostKernelInfo hostInfo; ///< the CPU target: what the lowering learnt for the runtime
  int coarsen = 1; ///< logical threads per physical thread (KernelArtifacts::coarsen)
};

/// The coarsening a coarsenable kernel gets from a launch allowing `allowed`
/// (compiler/Abi.h): the block's part as allowed, and logical blocks per
/// physical one doubled, within what is allowed, until each physical thread
/// loads at least kInFlightBytes from independent elements (a copy of
/// float32: 4 threads of 4 bytes, two logical blocks, two 128-bit loads
/// issued before any store) while the copies stay small. A kernel loading
/// nothing (a fill) gains nothing from it.
int coarsening(const KernelFacts &kf, int allowed) {
  constexpr int kInFlightBytes = 32;
  const int blockPart = blockCoarsen(allowed);
  int g = 1;
  while (g < gridCoarsen(allowed) && kf.loadBytes > 0 && blockPart * g * kf.loadBytes < kInFlightBytes &&
         2 * g * kf.weight <= 200)
    g *= 2;
  return blockPart * g;
}

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
  // PTX ISA 7.8 gives a kernel 4352 bytes of parameters (ptxas rejects more):
  // say so at the parameter that goes past them.
  std::int64_t paramBytes = 0;
  for (std::size_t i = 0; i < out.params.size(); ++i) {
    std::size_t first = out.abi.size();
    appendAbi(out.params[i], out.abi);
    for (std::size_t j = first; j < out.abi.size(); ++j) {
      int size = out.abi[j].size();
      paramBytes = (paramBytes + size - 1) / size * size + size;
    }
    if (!options.device && paramBytes > kMaxParamBytes && i < ast.function().params.size()) {
      error.span = ast.function().params[i].span;
      error.message = "kernel '" + ast.function().name + "' takes too many parameter bytes: " +
                      std::to_string(paramBytes) + " up to '" + ast.function().params[i].name + "', where a kernel " +
                      "has " + std::to_string(kMaxParamBytes) + " (an array takes 8 bytes plus 8 per dimension, 16 "
                      "per dimension if it is not contiguous); pass fewer, larger arrays (stack them in one "
                      "n-d array)";
      return false;
    }
  }
  out.entryName = options.entryName.empty() ? ast.function().name : options.entryName;
  out.typed = typed->str();
  collectVariables(ast, *typed, out.variables);
  KernelFacts kernelFacts;
  // Launch facts and coarsening are the GPU's code generation choices: the
  // CPU target compiles the general kernel (its launches pass no facts).
  const LaunchFacts noFacts;
  const LaunchFacts &facts = options.host ? noFacts : options.facts;
  if (!options.device) {
    // The one analysis of what the kernel writes: lowering marks the rest
    // readonly (and noalias where nothing is written or the launch proved
    // the arrays disjoint), and a launch skips copying them back.
    kernelFacts = analyzeKernel(*typed);
    out.written = kernelFacts.written;
    for (std::size_t p = 0, slot = 0; p < out.params.size(); ++p) {
      std::vector<AbiSlot> one;
      appendAbi(out.params[p], one);
      for (const AbiSlot &s : one) {
        if (s.role == AbiSlot::Data && !out.written[p])
          out.readOnlyArgs.push_back(static_cast<int>(slot));
        ++slot;
      }
    }
    out.coarsenable = kernelFacts.coarsenable;
    // Coarsened threads run in turn, not in lockstep: only threads that never
    // touch each other's memory (KernelFacts: own elements alone) on arrays
    // that do not overlap (a view of `out` passed as `x` would let one thread
    // read what another wrote) may be coarsened.
    out.coarsen = kernelFacts.coarsenable && facts.disjoint && facts.coarsen > 1 ? coarsening(kernelFacts, facts.coarsen) : 1;
    LaunchFacts applied = facts;
    applied.coarsen = out.coarsen;
    std::vector<std::string> names;
    for (const frontend::Param &p : ast.function().params)
      names.push_back(p.name);
    out.specialization = applied.str(names);
    out.facts = std::move(applied);
  }
  out.msTyping = clock.lap();
  if (upTo == Stage::Typed)
    return true;

  const bool host = options.host;
  if (host && !hostRuntime()) {
    error.span = ast.function().span;
    error.message = "the CPU target has no runtime in this process: call compiler::setHostRuntime("
                    "cpu::runtimeSymbols()) first";
    return false;
  }
  if (host && !options.link.empty()) {
    error.span = ast.function().span;
    error.message = "'" + ast.function().name + "' links files (link=...) built for the GPU: the CPU target cannot "
                    "run them; launch this kernel on the GPU";
    return false;
  }
  auto module = std::make_unique<llvm::Module>(out.entryName, ctx);
  llvm::TargetMachine *tm = host ? hostTargetMachine(options) : targetMachine(options);
  if (!tm) {
    error.span = ast.function().span;
    error.message = "the CPU target is not available: LLVM knows no code generator for this machine";
    return false;
  }
  module->setTargetTriple(host ? tm->getTargetTriple().str() : kTriple);
  module->setDataLayout(tm->createDataLayout());
  LowerOptions lo;
  lo.fastmath = options.fastmath;
  lo.fmaContraction = options.fmaContraction;
  lo.lineinfo = options.lineinfo || options.debug;
  lo.debug = options.debug;
  lo.fullDebugInfo = options.debug && options.optLevel == 0;
  lo.ccMajor = host ? 9 : options.ccMajor; // the CPU target has every feature of sm_90
  lo.ccMinor = host ? 0 : options.ccMinor;
  if (!options.device) {
    lo.facts = &facts;
    lo.kernelFacts = &kernelFacts;
    lo.coarsen = out.coarsen;
  }
  std::unique_ptr<LowerTarget> target = host ? makeHostTarget(lowered.hostInfo) : makeNvptxTarget();
  LowerSession session{*target, {}};
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
  lowered.coarsen = out.coarsen;
  lowered.module = std::move(module);
  out.msLowering = clock.lap();
  return true;
}

/// Links libdevice where the kernel calls it, makes every function but the
/// kernel internal and adds the kernel's launch-bound annotations: the
/// module is then ready to be linked with others or optimised alone.
bool prepareModule(Lowered &lowered, const AstContext &ast, const Options &options, Diagnostic &error) {
  llvm::Module &module = *lowered.module;
  if (options.host) {
    // The CPU runtime calls a wrapper that unpacks the parameters; the kernel
    // itself becomes internal and is inlined into it.
    llvm::Function *entry = options.device ? lowered.kernel : addHostEntry(module, lowered.kernel);
    for (llvm::Function &f : module)
      if (&f != entry && !f.isDeclaration())
        f.setLinkage(llvm::GlobalValue::InternalLinkage);
    return true;
  }
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
  Options annotated = options;
  if (lowered.coarsen > 1 && annotated.maxThreadsPerBlock > 0) // the physical block is smaller
    annotated.maxThreadsPerBlock = std::max(1, annotated.maxThreadsPerBlock / blockCoarsen(lowered.coarsen));
  addKernelAnnotations(module, lowered.kernel, annotated);
  return true;
}

/// Optimises `module` and emits its PTX and, for Stage::Cubin, its cubin.
/// The cubin is linked with `linked` (link= files and those of declare_device
/// functions) when there are any: false with `linkError` set when that fails.
bool optimizeAndEmit(llvm::Module &module, const Options &options, Stage upTo, const std::vector<LinkItem> &linked, std::string *llvmOpt, std::string &ptx, CubinResult &cubin,
                     std::vector<std::string> &warnings, std::string &linkError, double &msOptimizing, double &msPtx,
                     double &msCubin, Stopwatch &clock) {
  llvm::TargetMachine *tm = targetMachine(options);
  optimize(module, *tm, options.optLevel);
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

/// The CPU target's end of the pipeline: optimises `module` for this machine,
/// then emits its assembly (up to Stage::Ptx) or compiles it into the
/// process's JIT (Stage::Cubin), filling `out.cpu`.
bool optimizeAndJit(llvm::Module &module, const Options &options, Stage upTo, const HostKernelInfo &info,
                    KernelArtifacts &out, std::string &jitError, Stopwatch &clock) {
  llvm::TargetMachine *tm = hostTargetMachine(options);
  optimize(module, *tm, options.optLevel);
  if (options.keepIr)
    out.llvmOpt = print(module);
  out.msOptimizing = clock.lap();
  if (upTo != Stage::Cubin || options.device) {
    out.hostAssembly = emitHostAssembly(module, *tm);
    out.msPtx = clock.lap();
    return true;
  }
  auto code = std::make_shared<cpu::KernelCode>();
  code->name = out.entryName;
  code->fibers = info.synchronizes;
  code->cooperative = out.cooperative;
  code->staticSharedBytes = static_cast<std::uint32_t>(info.staticSharedBytes);
  code->sharedAlign = static_cast<std::uint32_t>(info.sharedAlign);
  code->maxThreadsPerBlock = options.maxThreadsPerBlock > 0 ? static_cast<std::uint32_t>(options.maxThreadsPerBlock) : 0;
  code->stackBytes = hostStackBytes(module);
  if (!jitHostModule(module, *tm, *code, jitError))
    return false;
  out.cpu = std::move(code);
  out.msCubin = clock.lap();
  return true;
}

/// opt=False (optLevel 0) keeps the unoptimised shape numba gives: a*b+c
/// stays a multiply and an add (no fma contraction), as NVVM does at -opt=0.
Options unoptimisedShape(const Options &options) {
  Options o = options;
  if (o.optLevel == 0)
    o.fmaContraction = false;
  return o;
}

} // namespace

std::unique_ptr<KernelArtifacts> compileKernel(const AstContext &ast, const std::vector<const Type *> &argTypes,
                                               const GlobalEnv &globals, const Options &requested, Stage upTo,
                                               Diagnostic &error) {
  const Options options = unoptimisedShape(requested);
  if (std::string why = options.host ? "" : capabilityError(options.ccMajor, options.ccMinor); !why.empty()) {
    error.span = ast.function().span;
    error.message = why;
    return nullptr;
  }
  auto out = std::make_unique<KernelArtifacts>();
  Stopwatch clock;
  GuardedContext guard;
  Lowered lowered;
  try {
    if (!typeAndLower(ast, argTypes, globals, options, upTo, *guard.ctx, *out, lowered, error, clock))
      return nullptr;
    if (upTo == Stage::Typed)
      return out;
    if (!prepareModule(lowered, ast, options, error))
      return nullptr;
    if (options.host) {
      std::string jitError;
      if (!optimizeAndJit(*lowered.module, options, upTo, lowered.hostInfo, *out, jitError, clock)) {
        error.span = ast.function().span;
        error.message = "internal compiler error: the CPU target could not load '" + ast.function().name +
                        "': " + jitError;
        return nullptr;
      }
      return out;
    }
    std::string linkError;
    if (!optimizeAndEmit(*lowered.module, options, upTo, out->linked,
                         options.keepIr ? &out->llvmOpt : nullptr, out->ptx, out->cubin, out->warnings, linkError,
                         out->msOptimizing, out->msPtx, out->msCubin, clock)) {
      error.span = ast.function().span;
      error.errorClass = "LinkError";
      error.message = "cannot link '" + ast.function().name + "': " + linkError;
      return nullptr;
    }
  } catch (const LlvmFatalError &e) {
    guard.abandon(lowered.module);
    llvmFailed(ast, options, e.what(), error);
    return nullptr;
  }
  if (!guard.error.empty()) {
    llvmFailed(ast, options, guard.error, error);
    return nullptr;
  }
  return out;
}

std::unique_ptr<ModuleArtifacts> compileModule(const std::vector<ModuleKernel> &kernels, const Options &requested,
                                               Stage upTo, Diagnostic &error) {
  const Options options = unoptimisedShape(requested);
  if (options.host) {
    error.span = kernels.empty() ? Span{} : kernels.front().ast->function().span;
    error.message = "the CPU target compiles kernels when they are launched; ahead-of-time modules are for the GPU";
    return nullptr;
  }
  if (std::string why = capabilityError(options.ccMajor, options.ccMinor); !why.empty() && !kernels.empty()) {
    error.span = kernels.front().ast->function().span;
    error.message = why;
    return nullptr;
  }
  auto out = std::make_unique<ModuleArtifacts>();
  Stopwatch clock;
  GuardedContext guard;
  llvm::LLVMContext &ctx = *guard.ctx;
  std::unique_ptr<llvm::Module> linked;
  const AstContext *current = kernels.empty() ? nullptr : kernels.front().ast;
  try {
    for (const ModuleKernel &k : kernels) {
      current = k.ast;
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
    std::vector<LinkItem> files; // every kernel's, once
    std::vector<std::string> warnings;
    for (auto &k : out->kernels)
      for (const LinkItem &item : k->linked)
        if (std::find(files.begin(), files.end(), item) == files.end())
          files.push_back(item);
    std::string linkError;
    if (!optimizeAndEmit(*linked, options, upTo, files, options.keepIr ? &out->llvmOpt : nullptr, out->ptx,
                         out->cubin, warnings, linkError, msOptimizing, msPtx, msCubin, clock)) {
      error.span = kernels.front().ast->function().span;
      error.errorClass = "LinkError";
      error.message = "cannot link the module of '" + kernels.front().ast->function().name + "': " + linkError;
      return nullptr;
    }
    for (auto &k : out->kernels)
      k->warnings.insert(k->warnings.end(), warnings.begin(), warnings.end());
  } catch (const LlvmFatalError &e) {
    guard.abandon(linked);
    llvmFailed(*current, options, e.what(), error);
    return nullptr;
  }
  if (!guard.error.empty() && current) {
    llvmFailed(*current, options, guard.error, error);
    return nullptr;
  }
  return out;
}

std::string ptxFromLlvmIr(const std::string &ir, const Options &options, std::string &error) {
  if (std::string why = capabilityError(options.ccMajor, options.ccMinor); !why.empty()) {
    error = why;
    return {};
  }
  GuardedContext guard;
  llvm::SMDiagnostic parseError;
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(ir, parseError, *guard.ctx);
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
    guard.abandon(module);
    error = std::string("LLVM failed: ") + e.what();
    return {};
  }
  if (!guard.error.empty()) {
    error = "LLVM failed: " + guard.error;
    return {};
  }
  return ptx;
}

} // namespace ptxforge::compiler
