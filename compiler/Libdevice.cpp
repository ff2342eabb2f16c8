//===- compiler/Libdevice.cpp - Linking NVIDIA's libdevice ----------------===//
//
// libdevice.10.bc is read from disk once per process and kept as bytes;
// each compilation parses it lazily in its own LLVMContext, so linking with
// LinkOnlyNeeded materialises only the __nv_* functions the kernel calls.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"

#include <llvm/Bitcode/BitcodeReader.h>
#include <llvm/IR/Constants.h>
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
  return true;
}

} // namespace ptxforge::compiler
