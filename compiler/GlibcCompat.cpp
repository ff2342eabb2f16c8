//===- compiler/GlibcCompat.cpp - glibc functions newer than the wheel's floor ===//
//
// Debian 12's LLVM libraries (glibc 2.36) call arc4random, which glibc has
// only since 2.36; everything else libptxforge needs is in glibc 2.34. This
// definition binds LLVM's calls inside libptxforge (the version script keeps
// it local), so the wheel honestly claims manylinux_2_34 (RHEL 9, Ubuntu
// 22.04) instead of 2_36. getrandom is glibc 2.25.
//
//===----------------------------------------------------------------------===//
#include <sys/random.h>

#include <cerrno>
#include <cstdint>

extern "C" std::uint32_t arc4random(void) {
  std::uint32_t value = 0;
  while (getrandom(&value, sizeof value, 0) != static_cast<ssize_t>(sizeof value))
    if (errno != EINTR && errno != EAGAIN)
      break; // no entropy source at all: LLVM only seeds hashes with it
  return value;
}
