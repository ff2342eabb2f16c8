//===- compiler/Libdevice.cpp - Linking NVIDIA's libdevice ----------------===//
//
// libdevice.10.bc is read from disk once per process and kept as bytes;
// each compilation parses it lazily in its own LLVMContext, so linking with
// LinkOnlyNeeded materialises only the __nv_* functions the kernel calls.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/Instructions.h>
#include <llvm/Linker/Linker.h>
#include <llvm/Support/MemoryBuffer.h>

#include <fstream>
#include <mutex>
#include <sstream>

namespace ptxforge::compiler {

// The file's bytes, or an error, read once and never freed (a compile on
// another thread may still read them while the process exits).
static const std::string &libdeviceBytes(std::string &error) {
  static std::string &bytes = *new std::string, &loadError = *new std::string;
  static std::once_flag once;
  std::call_once(once, [] {
    std::optional<std::string> path = findLibdevice();
    if (!path) {
      loadError = "libdevice.10.bc was not found: set CUDA_HOME to the CUDA toolkit, or install the "
                  "nvidia-cuda-nvcc pip package";
      return;
    }
    std::ifstream in(*path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
    if (!in || bytes.empty())
      loadError = "could not read " + *path;
  });
  error = loadError;
  return bytes;
}

// LLVM 19's NVVMReflect answers only __CUDA_ARCH and __CUDA_FTZ, and 0 for any
// other name; libdevice's sqrtf, hypotf, normf, norm3df, norm4df and jnf ask
// __nvvm_reflect("__CUDA_PREC_SQRT") and would take sqrt.approx.f32 for that 0.
// NVVM answers 1 unless fast-math is on (-prec-sqrt=1 is its default, and
// numba-cuda's fastmath turns it off), so the answer is set here, before the
// pass runs.
static void answerPrecSqrt(llvm::Module &module, bool precise) {
  llvm::Function *reflect = module.getFunction("__nvvm_reflect");
  if (!reflect)
    return;
  std::vector<llvm::CallInst *> calls;
  for (llvm::User *user : reflect->users()) {
    auto *call = llvm::dyn_cast<llvm::CallInst>(user);
    llvm::StringRef name;
    if (call && call->getCalledFunction() == reflect && call->arg_size() == 1 &&
        llvm::getConstantStringInfo(call->getArgOperand(0), name) && name == "__CUDA_PREC_SQRT")
      calls.push_back(call);
  }
  for (llvm::CallInst *call : calls) {
    call->replaceAllUsesWith(llvm::ConstantInt::get(call->getType(), precise ? 1 : 0));
    call->eraseFromParent();
  }
}

bool linkLibdevice(llvm::Module &module, bool flushDenormals, std::string &error) {
  const std::string &bytes = libdeviceBytes(error);
  if (!error.empty())
    return false;
  auto buffer = llvm::MemoryBuffer::getMemBuffer(llvm::StringRef(bytes), "libdevice.10.bc", false);
  auto lazy = llvm::getLazyBitcodeModule(buffer->getMemBufferRef(), module.getContext());
  if (!lazy) {
    error = "libdevice.10.bc could not be parsed: " + llvm::toString(lazy.takeError());
    return false;
  }
  std::unique_ptr<llvm::Module> lib = std::move(*lazy);
  lib->setTargetTriple(module.getTargetTriple());
  lib->setDataLayout(module.getDataLayout());
  // libdevice asks __nvvm_reflect("__CUDA_FTZ"); NVVMReflect answers from
  // this flag.
  module.addModuleFlag(llvm::Module::Override, "nvvm-reflect-ftz", flushDenormals ? 1 : 0);
  if (llvm::Linker::linkModules(module, std::move(lib), llvm::Linker::LinkOnlyNeeded)) {
    error = "linking libdevice failed";
    return false;
  }
  answerPrecSqrt(module, !flushDenormals);
  return true;
}

} // namespace ptxforge::compiler
