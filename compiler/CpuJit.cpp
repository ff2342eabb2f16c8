//===- compiler/CpuJit.cpp - Host target machine, entry wrapper, ORC JIT --===//
//
// One LLJIT per process. Each kernel is compiled to an object file here
// (with the calling thread's target machine, so compilations run in
// parallel) and linked into a JITDylib of its own, which resolves external
// symbols from one shared dylib holding the CPU runtime's table
// (cpu/HostMath.cpp) and nothing else; dropping the kernel removes its
// dylib and frees its code.
//
//===----------------------------------------------------------------------===//

#include "compiler/CpuJit.h"
#include "compiler/DebugRecord.h"
#include "cpu/Abi.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Support/SmallVectorMemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>

#include <atomic>
#include <map>
#include <mutex>
#include <tuple>

namespace ptxforge::compiler {

namespace {

void initializeHost() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

std::unique_ptr<llvm::TargetMachine> createHostMachine(const Options &options) {
  initializeHost();
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    llvm::consumeError(builder.takeError());
    return nullptr;
  }
  llvm::TargetOptions to;
  to.AllowFPOpFusion = options.fastmath || options.fmaContraction ? llvm::FPOpFusion::Fast : llvm::FPOpFusion::Standard;
  if (options.fastmath)
    to.UnsafeFPMath = true;
  builder->setOptions(to);
  builder->setRelocationModel(llvm::Reloc::PIC_);
  builder->setCodeModel(llvm::CodeModel::Small);
  builder->setCodeGenOptLevel(options.optLevel >= 2   ? llvm::CodeGenOptLevel::Default
                              : options.optLevel == 1 ? llvm::CodeGenOptLevel::Less
                                                      : llvm::CodeGenOptLevel::None);
  auto tm = builder->createTargetMachine();
  if (!tm) {
    llvm::consumeError(tm.takeError());
    return nullptr;
  }
  return std::move(*tm);
}

/// The process's JIT and the dylib of the runtime's symbols.
struct HostJit {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  llvm::orc::JITDylib *runtime = nullptr;
  std::atomic<std::uint64_t> next{0};
  std::string error;
};

HostJit &hostJit() {
  static HostJit *instance = [] {
    auto *h = new HostJit; // leaked: kernels may be dropped while the process exits
    initializeHost();
    auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!builder) {
      h->error = llvm::toString(builder.takeError());
      return h;
    }
    auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*builder)).create();
    if (!jit) {
      h->error = llvm::toString(jit.takeError());
      return h;
    }
    h->jit = std::move(*jit);
    llvm::orc::ExecutionSession &es = h->jit->getExecutionSession();
    h->runtime = &es.createBareJITDylib("ptxforge.cpu.runtime");
    llvm::orc::SymbolMap symbols;
    const cpu::Symbol *table = hostRuntime();
    if (!table) {
      h->error = "no CPU runtime is registered (compiler::setHostRuntime)";
      return h;
    }
    for (const cpu::Symbol *s = table; s->name; ++s)
      symbols[h->jit->mangleAndIntern(s->name)] = {llvm::orc::ExecutorAddr::fromPtr(s->address),
                                                   llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
    if (llvm::Error e = h->runtime->define(llvm::orc::absoluteSymbols(std::move(symbols))))
      h->error = llvm::toString(std::move(e));
    return h;
  }();
  return *instance;
}

std::atomic<const cpu::Symbol *> registeredRuntime{nullptr};

} // namespace

void setHostRuntime(const cpu::Symbol *symbols) { registeredRuntime.store(symbols); }
const cpu::Symbol *hostRuntime() { return registeredRuntime.load(); }

llvm::TargetMachine *hostTargetMachine(const Options &options) {
  using Key = std::tuple<bool, bool, int>;
  thread_local std::map<Key, std::unique_ptr<llvm::TargetMachine>> machines;
  auto &tm = machines[Key{options.fastmath, options.fmaContraction, options.optLevel}];
  if (!tm)
    tm = createHostMachine(options);
  return tm.get();
}

llvm::Function *addHostEntry(llvm::Module &module, llvm::Function *kernel) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::IRBuilder<> b(ctx);
  auto *entry = llvm::Function::Create(llvm::FunctionType::get(b.getVoidTy(), {b.getPtrTy()}, false),
                                       llvm::GlobalValue::ExternalLinkage, kHostEntry, module);
  entry->addFnAttr(llvm::Attribute::NoUnwind);
  for (const char *attr : {"unsafe-fp-math", "denormal-fp-math-f32"})
    if (kernel->hasFnAttribute(attr))
      entry->addFnAttr(kernel->getFnAttribute(attr));
  llvm::Argument *params = entry->getArg(0);
  params->setName("params");
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", entry));
  std::vector<llvm::Value *> args;
  unsigned i = 0;
  for (llvm::Argument &a : kernel->args()) {
    llvm::Value *slot = b.CreateLoad(b.getPtrTy(), b.CreateConstInBoundsGEP1_64(b.getPtrTy(), params, i++));
    args.push_back(b.CreateLoad(a.getType(), slot, a.getName()));
  }
  b.CreateCall(kernel, args);
  b.CreateRetVoid();
  return entry;
}

std::uint32_t hostStackBytes(const llvm::Module &module) {
  const llvm::DataLayout &dl = module.getDataLayout();
  std::uint64_t frames = 0;
  for (const llvm::Function &f : module)
    for (const llvm::BasicBlock &bb : f)
      for (const llvm::Instruction &inst : bb)
        if (auto *a = llvm::dyn_cast<llvm::AllocaInst>(&inst))
          if (auto size = a->getAllocationSize(dl))
            frames += size->getFixedValue();
  constexpr std::uint64_t kRoom = 64 * 1024; // libm, the runtime's calls, spills
  std::uint64_t total = kRoom + 2 * frames;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(total, 64u << 20));
}

std::string emitHostAssembly(llvm::Module &module, llvm::TargetMachine &tm) {
  llvm::SmallString<8192> text;
  llvm::raw_svector_ostream os(text);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::AssemblyFile))
    return "";
  pm.run(module);
  return std::string(text.str());
}

bool jitHostModule(llvm::Module &module, llvm::TargetMachine &tm, cpu::KernelCode &code, std::string &error) {
  HostJit &h = hostJit();
  if (!h.jit) {
    error = "the CPU target's JIT could not start: " + h.error;
    return false;
  }
  llvm::SmallVector<char, 0> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager pm;
    if (tm.addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile)) {
      error = "the host target machine cannot emit object files";
      return false;
    }
    pm.run(module);
  }
  llvm::orc::ExecutionSession &es = h.jit->getExecutionSession();
  llvm::orc::JITDylib &jd = es.createBareJITDylib("ptxforge.kernel." + std::to_string(h.next++));
  jd.addToLinkOrder(*h.runtime);
  auto buffer = std::make_unique<llvm::SmallVectorMemoryBuffer>(std::move(object), module.getName(), false);
  auto release = [&es, &jd] {
    if (llvm::Error e = es.removeJITDylib(jd))
      llvm::consumeError(std::move(e));
  };
  if (llvm::Error e = h.jit->addObjectFile(jd, std::move(buffer))) {
    error = "linking the CPU code failed: " + llvm::toString(std::move(e));
    release();
    return false;
  }
  auto address = h.jit->lookup(jd, kHostEntry);
  if (!address) {
    error = "linking the CPU code failed: " + llvm::toString(address.takeError());
    release();
    return false;
  }
  code.entry = address->toPtr<cpu::KernelCode::Entry>();
  if (module.getNamedGlobal(kDebugGlobal)) {
    auto global = h.jit->lookup(jd, kDebugGlobal);
    if (!global) {
      error = "linking the CPU code failed: " + llvm::toString(global.takeError());
      release();
      return false;
    }
    code.debugGlobal = global->toPtr<void *>();
  }
  code.owner = std::shared_ptr<void>(nullptr, [release](void *) { release(); });
  return true;
}

} // namespace ptxforge::compiler
