//===- cpu/Printf.cpp - CUDA's vprintf for the CPU target -----------------===//
//
// Kernel code calls vprintf(format, args) as on the GPU: `args` is a buffer
// holding each value the format converts, every one 8 bytes and 8-aligned
// (print() passes only i64, double and string pointers). Each call formats
// its whole line first and writes it with one fwrite, so the lines of
// different threads never interleave, as on the GPU.
//
//===----------------------------------------------------------------------===//

#include "cpu/Abi.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

namespace ptxforge::cpu {

namespace {

/// Appends one conversion `spec` (from '%' to its letter) of the value in `slot`.
void convert(std::string &out, const std::string &spec, const unsigned char *slot) {
  char buffer[128];
  const char letter = spec.back();
  int n = 0;
  if (letter == 's') {
    const char *text;
    std::memcpy(&text, slot, sizeof text);
    out += text ? text : "(null)";
    return;
  }
  if (letter == 'f' || letter == 'e' || letter == 'g' || letter == 'E' || letter == 'G' || letter == 'a') {
    double d;
    std::memcpy(&d, slot, 8);
    n = std::snprintf(buffer, sizeof buffer, spec.c_str(), d);
  } else if (letter == 'c') {
    n = std::snprintf(buffer, sizeof buffer, "%c", static_cast<int>(slot[0]));
  } else if (letter == 'p') {
    void *v;
    std::memcpy(&v, slot, sizeof v);
    n = std::snprintf(buffer, sizeof buffer, "%p", v);
  } else { // d, i, u, x, X, o, whatever their length modifier: read as 64 bits
    std::string flags = spec.substr(0, spec.size() - 1);
    while (!flags.empty() && std::strchr("hlLqjzt", flags.back()))
      flags.pop_back();
    long long v;
    std::memcpy(&v, slot, 8);
    n = std::snprintf(buffer, sizeof buffer, (flags + "ll" + letter).c_str(), v);
  }
  if (n > 0)
    out.append(buffer, static_cast<std::size_t>(n) < sizeof buffer ? n : sizeof buffer - 1);
}

} // namespace

} // namespace ptxforge::cpu

extern "C" int __pf_cpu_vprintf(const char *format, const void *args) {
  using namespace ptxforge::cpu;
  std::string out;
  const auto *slot = static_cast<const unsigned char *>(args);
  for (const char *p = format; *p; ++p) {
    if (*p != '%') {
      out += *p;
      continue;
    }
    if (p[1] == '%') {
      out += '%';
      ++p;
      continue;
    }
    const char *start = p++;
    while (*p && !std::strchr("diouxXfFeEgGaAcsp", *p))
      ++p;
    if (!*p)
      break;
    if (!slot) { // no values: the conversion is printed as written
      out.append(start, p + 1);
      continue;
    }
    convert(out, std::string(start, p + 1), slot);
    slot += 8;
  }
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return static_cast<int>(out.size());
}
