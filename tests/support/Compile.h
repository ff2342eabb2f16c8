//===- tests/support/Compile.h - Compiling DSL kernels in tests -----------===//
//
// compileOk() compiles a Kernel for a signature given as numba strings and
// fails the test (with the rendered diagnostic) on a compile error;
// compileError() expects one and returns it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "KernelDsl.h"
#include "Ptxas.h"
#include "compiler/Compiler.h"

#include <gtest/gtest.h>

namespace pftest {

using ptxforge::compiler::KernelArtifacts;
using ptxforge::compiler::Options;
using ptxforge::compiler::Stage;

/// Compiles `k` to `stage`, keeping the IR text; nullptr (and a test
/// failure) on an error.
inline std::unique_ptr<KernelArtifacts> compileOk(const Kernel &k, std::initializer_list<const char *> sig,
                                                  Options options = {}, Stage stage = Stage::Ptx,
                                                  const GlobalEnv &env = Kernel::env()) {
  Diagnostic error;
  options.keepIr = true;
  auto out = ptxforge::compiler::compileKernel(k.ast(), tys(sig), env, options, stage, error);
  EXPECT_NE(out, nullptr) << error.render();
  return out;
}

/// Compiles `k` expecting a user error, which it returns.
inline Diagnostic compileError(const Kernel &k, std::initializer_list<const char *> sig, Options options = {},
                               const GlobalEnv &env = Kernel::env()) {
  Diagnostic error;
  auto out = ptxforge::compiler::compileKernel(k.ast(), tys(sig), env, options, Stage::Ptx, error);
  EXPECT_EQ(out, nullptr) << "expected a compile error; got PTX:\n" << (out ? out->ptx : "");
  return error;
}

} // namespace pftest
