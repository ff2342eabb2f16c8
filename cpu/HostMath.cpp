//===- cpu/HostMath.cpp - The symbols CPU kernel code links against -------===//
//
// The JIT resolves a kernel's external symbols from this table alone: the
// runtime's entry points (Scheduler.cpp), the C library's math functions
// (named as libm names them; compiler/TargetHost.cpp maps libdevice's
// names onto them), and the float16/bfloat16 conversions LLVM calls on x86
// where the CPU lacks instructions for them. The conversions round to
// nearest even from the bits, so they never depend on the compiler's own
// half-precision support.
//
//===----------------------------------------------------------------------===//

#include "cpu/Abi.h"

#include <cmath>
#include <cstdint>
#include <cstring>

extern "C" {
void *__pf_cpu_thread();
std::int32_t __pf_cpu_barrier(void *, std::int32_t, std::int32_t);
std::uint64_t __pf_cpu_warp(void *, std::int32_t, std::uint32_t, std::uint64_t, std::int32_t, std::int32_t);
void __pf_cpu_grid_sync(void *);
void __pf_cpu_nanosleep(std::uint32_t);
std::uint64_t __pf_cpu_clock64();
void __pf_cpu_trap(void *);
void __pf_cpu_exit(void *);
int __pf_cpu_vprintf(const char *, const void *);
}

// glibc 2.35 gave hypot and hypotf new symbol versions; the older ones (the
// same results) keep the library within manylinux_2_34 (tools/wheel-check).
#if defined(__GLIBC__) && defined(__x86_64__)
__asm__(".symver hypot,hypot@GLIBC_2.2.5");
__asm__(".symver hypotf,hypotf@GLIBC_2.2.5");
#endif

namespace ptxforge::cpu {

namespace {

// -- float16 and bfloat16 from and to their bits ----------------------------------

float halfBitsToFloat(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t(h & 0x8000) << 16;
  std::uint32_t exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13); // inf, NaN (payload kept)
  } else if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else { // subnormal: normalise
      int shift = 0;
      while (!(mant & 0x400))
        mant <<= 1, ++shift;
      bits = sign | std::uint32_t(127 - 15 - shift + 1) << 23 | (mant & 0x3ff) << 13;
    }
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Rounds `bits` (a double) to a format with `mantBits` stored mantissa
/// bits, exponent bias `bias` and `expBits` exponent bits; returns its bits.
std::uint32_t roundDouble(double d, int mantBits, int expBits) {
  std::uint64_t b;
  std::memcpy(&b, &d, 8);
  const std::uint32_t sign = static_cast<std::uint32_t>(b >> 63) << (mantBits + expBits);
  const int maxExp = (1 << expBits) - 1, bias = (1 << (expBits - 1)) - 1;
  const int e = static_cast<int>((b >> 52) & 0x7ff);
  std::uint64_t m = b & ((std::uint64_t(1) << 52) - 1);
  if (e == 0x7ff) // inf or NaN (quiet)
    return sign | std::uint32_t(maxExp) << mantBits | (m ? 1u << (mantBits - 1) : 0);
  if (e == 0 && m == 0)
    return sign;
  int exp = e - 1023 + bias; // the target's biased exponent
  m |= std::uint64_t(1) << 52; // the implicit bit (double subnormals are far below any target's range)
  // Keep mantBits bits after the leading one; subnormals keep fewer.
  int drop = 52 - mantBits;
  if (exp <= 0) {
    drop += 1 - exp;
    exp = 0;
  }
  if (drop > 62)
    return sign; // far below the smallest subnormal: zero
  std::uint64_t kept = m >> drop, rest = m & ((std::uint64_t(1) << drop) - 1), half = std::uint64_t(1) << (drop - 1);
  if (rest > half || (rest == half && (kept & 1)))
    ++kept;
  // `kept` includes the implicit bit for normals; a carry into the next binade moves the exponent.
  std::uint64_t out;
  if (exp == 0) {
    out = kept; // subnormal, or the smallest normal when the rounding carried into bit mantBits
  } else {
    if (kept >> (mantBits + 1)) {
      kept >>= 1;
      ++exp;
    }
    if (exp >= maxExp)
      return sign | std::uint32_t(maxExp) << mantBits; // overflow: inf
    out = std::uint64_t(exp) << mantBits | (kept & ((std::uint64_t(1) << mantBits) - 1));
  }
  return sign | static_cast<std::uint32_t>(out);
}

_Float16 fromBits(std::uint16_t bits) {
  _Float16 h;
  std::memcpy(&h, &bits, 2);
  return h;
}

std::uint16_t toBits(_Float16 h) {
  std::uint16_t bits;
  std::memcpy(&bits, &h, 2);
  return bits;
}

// bfloat16 travels in the same register as float16 (x86-64's psABI); only its bits matter.
float extendHalf(_Float16 h) { return halfBitsToFloat(toBits(h)); }
double extendHalfToDouble(_Float16 h) { return halfBitsToFloat(toBits(h)); }
_Float16 truncFloatToHalf(float f) { return fromBits(static_cast<std::uint16_t>(roundDouble(f, 10, 5))); }
_Float16 truncDoubleToHalf(double d) { return fromBits(static_cast<std::uint16_t>(roundDouble(d, 10, 5))); }
_Float16 truncFloatToBf16(float f) { return fromBits(static_cast<std::uint16_t>(roundDouble(f, 7, 8))); }
_Float16 truncDoubleToBf16(double d) { return fromBits(static_cast<std::uint16_t>(roundDouble(d, 7, 8))); }

double exp10d(double x) { return std::pow(10.0, x); }
float exp10f_(float x) { return std::pow(10.0f, x); }

#define PF_D(name) {#name, reinterpret_cast<void *>(static_cast<double (*)(double)>(&::name))},
#define PF_F(name) {#name, reinterpret_cast<void *>(static_cast<float (*)(float)>(&::name))},
#define PF_DD(name) {#name, reinterpret_cast<void *>(static_cast<double (*)(double, double)>(&::name))},
#define PF_FF(name) {#name, reinterpret_cast<void *>(static_cast<float (*)(float, float)>(&::name))},
#define PF_UNARY(name) PF_D(name) PF_F(name##f)
#define PF_BINARY(name) PF_DD(name) PF_FF(name##f)
#define PF_FN(name, fn) {name, reinterpret_cast<void *>(fn)},

const Symbol kSymbols[] = {
    // The runtime.
    PF_FN(symbols::kThread, &__pf_cpu_thread)
    PF_FN(symbols::kBarrier, &__pf_cpu_barrier)
    PF_FN(symbols::kWarp, &__pf_cpu_warp)
    PF_FN(symbols::kGridSync, &__pf_cpu_grid_sync)
    PF_FN(symbols::kNanosleep, &__pf_cpu_nanosleep)
    PF_FN(symbols::kClock64, &__pf_cpu_clock64)
    PF_FN(symbols::kTrap, &__pf_cpu_trap)
    PF_FN(symbols::kExit, &__pf_cpu_exit)
    PF_FN("vprintf", &__pf_cpu_vprintf) // print(), as CUDA's device printf
    // float16 and bfloat16 conversions (compiler-rt's names).
    PF_FN("__extendhfsf2", &extendHalf)
    PF_FN("__gnu_h2f_ieee", &extendHalf)
    PF_FN("__extendhfdf2", &extendHalfToDouble)
    PF_FN("__truncsfhf2", &truncFloatToHalf)
    PF_FN("__gnu_f2h_ieee", &truncFloatToHalf)
    PF_FN("__truncdfhf2", &truncDoubleToHalf)
    PF_FN("__truncsfbf2", &truncFloatToBf16)
    PF_FN("__truncdfbf2", &truncDoubleToBf16)
    // libm.
    PF_UNARY(acos) PF_UNARY(acosh) PF_UNARY(asin) PF_UNARY(asinh) PF_UNARY(atan) PF_UNARY(atanh)
    PF_UNARY(cbrt) PF_UNARY(ceil) PF_UNARY(cos) PF_UNARY(cosh) PF_UNARY(erf) PF_UNARY(erfc)
    PF_UNARY(exp) PF_UNARY(exp2) PF_UNARY(expm1) PF_UNARY(fabs) PF_UNARY(floor) PF_UNARY(lgamma)
    PF_UNARY(log) PF_UNARY(log10) PF_UNARY(log1p) PF_UNARY(log2) PF_UNARY(logb) PF_UNARY(nearbyint)
    PF_UNARY(rint) PF_UNARY(round) PF_UNARY(sin) PF_UNARY(sinh) PF_UNARY(sqrt) PF_UNARY(tan)
    PF_UNARY(tanh) PF_UNARY(tgamma) PF_UNARY(trunc) PF_UNARY(j0) PF_UNARY(j1) PF_UNARY(y0) PF_UNARY(y1)
    PF_BINARY(atan2) PF_BINARY(copysign) PF_BINARY(fdim) PF_BINARY(fmax) PF_BINARY(fmin)
    PF_BINARY(fmod) PF_BINARY(hypot) PF_BINARY(nextafter) PF_BINARY(pow) PF_BINARY(remainder)
    PF_FN("exp10", &exp10d)
    PF_FN("exp10f", &exp10f_)
    PF_FN("fma", static_cast<double (*)(double, double, double)>(&::fma))
    PF_FN("fmaf", static_cast<float (*)(float, float, float)>(&::fmaf))
    PF_FN("ldexp", static_cast<double (*)(double, int)>(&::ldexp))
    PF_FN("ldexpf", static_cast<float (*)(float, int)>(&::ldexpf))
    PF_FN("scalbn", static_cast<double (*)(double, int)>(&::scalbn))
    PF_FN("scalbnf", static_cast<float (*)(float, int)>(&::scalbnf))
    PF_FN("ilogb", static_cast<int (*)(double)>(&::ilogb))
    PF_FN("ilogbf", static_cast<int (*)(float)>(&::ilogbf))
    PF_FN("frexp", static_cast<double (*)(double, int *)>(&::frexp))
    PF_FN("frexpf", static_cast<float (*)(float, int *)>(&::frexpf))
    PF_FN("modf", static_cast<double (*)(double, double *)>(&::modf))
    PF_FN("modff", static_cast<float (*)(float, float *)>(&::modff))
    PF_FN("sincos", static_cast<void (*)(double, double *, double *)>(&::sincos))
    PF_FN("sincosf", static_cast<void (*)(float, float *, float *)>(&::sincosf))
    PF_FN("jn", static_cast<double (*)(int, double)>(&::jn))
    PF_FN("jnf", static_cast<float (*)(int, float)>(&::jnf))
    PF_FN("yn", static_cast<double (*)(int, double)>(&::yn))
    PF_FN("ynf", static_cast<float (*)(int, float)>(&::ynf))
    PF_FN("lround", static_cast<long (*)(double)>(&::lround))
    PF_FN("llround", static_cast<long long (*)(double)>(&::llround))
    PF_FN("llroundf", static_cast<long long (*)(float)>(&::llroundf))
    PF_FN("llrint", static_cast<long long (*)(double)>(&::llrint))
    PF_FN("llrintf", static_cast<long long (*)(float)>(&::llrintf))
    PF_FN("remquo", static_cast<double (*)(double, double, int *)>(&::remquo))
    PF_FN("remquof", static_cast<float (*)(float, float, int *)>(&::remquof))
    PF_FN("lroundf", static_cast<long (*)(float)>(&::lroundf))
    // What LLVM may call for memory intrinsics.
    PF_FN("memcpy", &std::memcpy)
    PF_FN("memmove", &std::memmove)
    PF_FN("memset", &std::memset)
    {nullptr, nullptr},
};

} // namespace

const Symbol *runtimeSymbols() { return kSymbols; }

} // namespace ptxforge::cpu
