//===- cpu/Fiber.cpp - Context switches and fiber stacks ------------------===//
//
// x86-64 (System V): the switch pushes rbp, rbx, r12-r15 and the MXCSR and
// x87 control words, stores rsp, loads the other rsp and pops the same. A
// new stack is laid out as if it had been switched away from just before
// entering pf_fiber_start, which calls fn(arg) from r13/r12 with the stack
// 16-byte aligned.
//
//===----------------------------------------------------------------------===//

#include "cpu/Fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
extern "C" void pf_fiber_switch(void **saveSp, void *loadSp);
extern "C" void pf_fiber_start();

asm(R"(
  .text
  .p2align 4
  .globl pf_fiber_switch
  .hidden pf_fiber_switch
  .type pf_fiber_switch,@function
pf_fiber_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size pf_fiber_switch, .-pf_fiber_switch

  .p2align 4
  .globl pf_fiber_start
  .hidden pf_fiber_start
  .type pf_fiber_start,@function
pf_fiber_start:
  movq %r12, %rdi
  callq *%r13
  ud2
  .size pf_fiber_start, .-pf_fiber_start
  .section .note.GNU-stack,"",@progbits
  .text
)");
#endif

namespace ptxforge::cpu {

namespace {
std::size_t pageSize() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}
} // namespace

void switchContext(Context &from, Context &to) {
#if defined(__x86_64__)
  pf_fiber_switch(&from.sp, to.sp);
#else
  swapcontext(&from.uc, &to.uc);
#endif
}

FiberStack::~FiberStack() {
  if (base_)
    munmap(base_, size_ + pageSize());
}

bool FiberStack::reserve(std::size_t bytes) {
  const std::size_t page = pageSize();
  bytes = (bytes + page - 1) / page * page;
  if (base_ && size_ >= bytes)
    return true;
  if (base_)
    munmap(base_, size_ + page);
  base_ = nullptr;
  size_ = 0;
  void *p = mmap(nullptr, bytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return false;
  base_ = static_cast<char *>(p);
  size_ = bytes;
  mprotect(base_, page, PROT_NONE); // overflowing the stack faults instead of corrupting a neighbour
  return true;
}

void FiberStack::prepare(Context &context, void (*fn)(void *), void *arg) {
#if defined(__x86_64__)
  char *top = base_ + pageSize() + size_;
  auto *slot = reinterpret_cast<std::uint64_t *>(top);
  *--slot = reinterpret_cast<std::uint64_t>(&pf_fiber_start); // "returned" to by the first switch
  *--slot = 0;                                                // rbp
  *--slot = 0;                                                // rbx
  *--slot = reinterpret_cast<std::uint64_t>(arg);             // r12
  *--slot = reinterpret_cast<std::uint64_t>(fn);              // r13
  *--slot = 0;                                                // r14
  *--slot = 0;                                                // r15
  --slot;                                                     // MXCSR and x87 control word: the current ones
  std::uint32_t mxcsr;
  std::uint16_t fpcw;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpcw));
  std::memcpy(reinterpret_cast<char *>(slot), &mxcsr, 4);
  std::memcpy(reinterpret_cast<char *>(slot) + 4, &fpcw, 2);
  context.sp = slot;
#else
  getcontext(&context.uc);
  context.uc.uc_stack.ss_sp = base_ + pageSize();
  context.uc.uc_stack.ss_size = size_;
  context.uc.uc_link = nullptr;
  // makecontext passes int arguments: the pointer travels in two halves.
  auto bits = reinterpret_cast<std::uintptr_t>(arg);
  static void (*entry)(void *);
  entry = fn;
  makecontext(&context.uc, reinterpret_cast<void (*)()>(+[](unsigned hi, unsigned lo) {
                entry(reinterpret_cast<void *>((static_cast<std::uintptr_t>(hi) << 32) | lo));
              }),
              2, static_cast<unsigned>(bits >> 32), static_cast<unsigned>(bits & 0xffffffffu));
#endif
}

} // namespace ptxforge::cpu
