//===- compiler/AotHeader.h - Entry names and C headers of AOT modules ----===//
//
// An AOT module holds every signature of one kernel. Each signature needs an
// entry name of its own when there are several, and a C declaration that a
// C or C++ program can launch it by: its parameters as C types, an array as
// the exact struct the compiler passes (compiler/Abi.h: data pointer, shape,
// and strides for layout 'A'). LLVM-free.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/Compiler.h"

#include <string>
#include <vector>

namespace ptxforge::compiler {

/// `name` for a kernel's only signature; with several, `name__` and a code
/// per parameter type (saxpy__f32_f32a1C_f32a1C_f32a1C), so that each
/// signature has an entry of its own.
std::string mangledEntryName(const std::string &name, const std::vector<const frontend::Type *> &params,
                             bool several);

/// One signature in a generated header.
struct HeaderKernel {
  const KernelArtifacts *artifacts = nullptr;
  std::vector<std::string> paramNames; ///< the Python parameter names
};

/// The C header NAME.h for the AOT module of kernel NAME: a declaration per
/// signature, each preceded by a comment line that ptxforge.load_module
/// reads back:
///   /* ptxforge-kernel: <kernel> <entry> <cooperative|-> void(<params>) */
/// `about` is the banner's description of where the module came from.
std::string aotHeader(const std::string &moduleName, const std::vector<HeaderKernel> &kernels,
                      const std::string &about);

/// The C type of a scalar parameter (float, int64_t, bool, ...).
std::string cScalarType(const frontend::ScalarType *t);

} // namespace ptxforge::compiler
