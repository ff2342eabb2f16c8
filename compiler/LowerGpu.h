//===- compiler/LowerGpu.h - Helpers shared by the GPU features' lowering -===//
//
// Private to compiler/: LowerGpu.cpp (shared memory, barriers, warp and bit
// intrinsics, cooperative groups), LowerGpuAtomics.cpp (atomics) and the
// other lowering files that emit inline PTX.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/LowerImpl.h"
#include "frontend/GpuBuiltins.h"

#include <optional>

namespace ptxforge::compiler {

/// The value of a compile-time integer: a literal, a negated literal, or a
/// global integer constant (what the type checker accepted as constant).
std::optional<std::int64_t> gpuConstInt(const Lowerer &L, const frontend::Expr *e);

/// The extents of a constant shape that typing accepted: an int, a tuple of
/// ints written out, or a name bound to a constant tuple.
std::vector<std::int64_t> gpuConstShape(const Lowerer &L, const frontend::Expr *e);

/// True when the target is at least sm_<major><minor>.
inline bool targetAtLeast(const Lowerer &L, int major, int minor = 0) {
  return L.options.ccMajor > major || (L.options.ccMajor == major && L.options.ccMinor >= minor);
}

/// Inline PTX `text` with LLVM inline-asm `constraints`, returning `ret`
/// (or void).
llvm::Value *inlineAsm(Lowerer &L, llvm::Type *ret, llvm::ArrayRef<llvm::Value *> args, const char *text,
                       const char *constraints, bool sideEffects);

/// Fails at `at` unless the target is sm_<major><minor> or newer, naming `what`.
void requireSm(const Lowerer &L, const frontend::Span &at, int major, int minor, const std::string &what);
/// Fails at `at` unless the target is sm_70 or newer, naming `what`.
void requireSm70(const Lowerer &L, const frontend::Span &at, const std::string &what);

/// The address of `ary[idx]` for an array expression and an index expression
/// (an integer, a tuple written out, or a tuple value) of the call `c`,
/// wrapping negative indices and checked in debug mode as `ary[idx]` is
/// (LowerGpuAtomics.cpp).
llvm::Value *elementPointerOf(Lowerer &L, const frontend::CallExpr *c, const frontend::Expr *ary,
                              const frontend::Expr *idx);

/// Lowers pf.atomic.*: the read-modify-write on the element, returning the
/// element's old value (LowerGpuAtomics.cpp).
llvm::Value *lowerAtomic(Lowerer &L, const frontend::CallExpr *c, frontend::GpuIntrinsic id);

/// The named metadata that marks a module whose kernel needs a cooperative
/// launch (it calls pf.cg.this_grid().sync()); compileKernel reads it.
inline constexpr const char *kCooperativeMetadata = "ptxforge.cooperative";

} // namespace ptxforge::compiler
