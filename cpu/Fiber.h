//===- cpu/Fiber.h - Stacks and context switches for CPU threads ----------===//
//
// A Fiber is a stack and a saved stack pointer. Switching saves the
// callee-saved registers and the floating-point control words on the
// current stack and loads another's: a few nanoseconds on x86-64, where the
// switch is eight instructions of assembly (Fiber.cpp). Other machines use
// ucontext. Stacks are mmap'd with a guard page below them and reused.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstddef>

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace ptxforge::cpu {

/// A saved execution context: a fiber's, or the scheduler's own.
struct Context {
#if defined(__x86_64__)
  void *sp = nullptr;
#else
  ucontext_t uc;
#endif
};

/// Saves the current context into `from` and resumes `to`.
void switchContext(Context &from, Context &to);

/// A stack of its own, and the context that runs on it.
class FiberStack {
public:
  FiberStack() = default;
  FiberStack(const FiberStack &) = delete;
  FiberStack &operator=(const FiberStack &) = delete;
  ~FiberStack();

  /// Makes sure the stack holds at least `bytes`; false when memory ran out.
  bool reserve(std::size_t bytes);
  /// Sets `context` up to call `fn(arg)` on this stack when first switched
  /// to; `fn` must never return (it switches away instead).
  void prepare(Context &context, void (*fn)(void *), void *arg);

private:
  char *base_ = nullptr; ///< the mapping, guard page first
  std::size_t size_ = 0; ///< usable bytes above the guard page
};

} // namespace ptxforge::cpu
