//===- compiler/LowerCmath.cpp - The cmath functions ----------------------===//
//
// CPython's cmath is the specification: its algorithms (Kahan's for the
// inverse functions), its rescaling of huge and subnormal arguments, and its
// values at infinities, NaNs and signed zeros (C99 Annex G), written here as
// rules rather than tables. Where CPython raises (log(0), atanh(1), an
// infinite imaginary part in exp) the value is the one Annex G gives, which
// is what CPython computes before raising. A non-finite argument, and a huge
// one, takes a block of its own, so the common case runs the plain formula.
//
//===----------------------------------------------------------------------===//

#include "compiler/ComplexMath.h"

#include <limits>
#include <numbers>

namespace ptxforge::compiler {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kLn2 = std::numbers::ln2;
constexpr double kHalfPi = std::numbers::pi / 2;
} // namespace

using Cx = PartMath::Cx;

double PartMath::maxValue() const {
  return f32 ? std::numeric_limits<float>::max() : std::numeric_limits<double>::max();
}

double PartMath::minNormal() const {
  return f32 ? std::numeric_limits<float>::min() : std::numeric_limits<double>::min();
}

// sqrt: the root with a non-negative real part, computed from the larger of
// x and |z| so that nothing cancels. An infinite imaginary part wins even
// over a NaN; an infinite real part picks which part is infinite.
Cx PartMath::csqrt(Cx z) {
  return branch(
      nonFinite(z),
      [&] {
        llvm::Value *x = z.re, *y = z.im, *nanY = isNan(y);
        Cx toPosInf{k(kInf), select(nanY, k(kNan), copysign(k(0.0), y))};
        Cx toNegInf{select(nanY, k(kNan), k(0.0)), select(nanY, k(kInf), copysign(k(kInf), y))};
        Cx r = select(isInf(x), select(gt(x, 0.0), toPosInf, toNegInf), Cx{k(kNan), k(kNan)});
        return select(isInf(y), Cx{k(kInf), y}, r);
      },
      [&] { return sqrtFinite(z); });
}

// s = sqrt((|x| + |z|) / 2), scaled by 1/8 so that |x| + |z| cannot
// overflow, or, where both parts are subnormal, by an odd power of two
// that makes them normal (the root then halves the exponent exactly).
Cx PartMath::sqrtFinite(Cx z) {
  llvm::Value *ax = fabs(z.re), *ay = fabs(z.im);
  int up = 2 * (mantissaDigits() / 2) + 1, down = -(up + 1) / 2;
  llvm::Value *tiny = both(lt(ax, minNormal()), lt(ay, minNormal()));
  llvm::Value *pre = select(tiny, k(std::ldexp(1.0, up)), k(0.125));
  llvm::Value *post = select(tiny, k(std::ldexp(1.0, down)), k(2.0));
  llvm::Value *sx = mul(ax, pre);
  llvm::Value *s = mul(sqrt(add(sx, fn("hypot", {sx, mul(ay, pre)}))), post);
  llvm::Value *d = div(ay, mul(k(2.0), s));
  llvm::Value *nonNegative = b.CreateFCmpOGE(z.re, k(0.0));
  Cx r{select(nonNegative, s, d), copysign(select(nonNegative, d, s), z.im)};
  return select(both(eq(z.re, 0.0), eq(z.im, 0.0)), Cx{k(0.0), z.im}, r);
}

// exp: e^x (cos y + i sin y), with e^(x-1) * e past the overflow threshold
// of e^x, and a zero imaginary part kept. exp(-inf + iy) is a zero and
// exp(+inf + iy) an infinity, each with the signs of cos y and sin y.
Cx PartMath::cexp(Cx z) {
  llvm::Value *x = z.re, *y = z.im;
  llvm::Value *cy = fn("cos", {y}), *sy = fn("sin", {y}); // both paths need them
  return branch(
      nonFinite(z),
      [&] {
        llvm::Value *infX = isInf(x), *positive = gt(x, 0.0), *finiteY = isFinite(y);
        llvm::Value *mag = select(positive, k(kInf), k(0.0));
        llvm::Value *re = select(infX, select(finiteY, copysign(mag, cy), mag), k(kNan));
        llvm::Value *im = select(infX, select(finiteY, copysign(mag, sy), select(positive, k(kNan), k(0.0))), k(kNan));
        return Cx{re, select(eq(y, 0.0), y, im)};
      },
      [&] {
        llvm::Value *big = gt(x, logLarge());
        llvm::Value *l = fn("exp", {select(big, sub(x, k(1.0)), x)});
        Cx r{mul(l, cy), mul(l, sy)};
        r = select(big, Cx{mul(r.re, k(std::numbers::e)), mul(r.im, k(std::numbers::e))}, r);
        return Cx{r.re, select(eq(y, 0.0), y, r.im)};
      });
}

// log: log|z| + i atan2(y, x). |z| is rescaled where it could overflow
// (which also covers the infinities: log|z| is +inf even beside a NaN) or
// be subnormal, and taken through log1p where it is near 1.
Cx PartMath::clog(Cx z) {
  llvm::Value *ax = fabs(z.re), *ay = fabs(z.im);
  llvm::Value *huge = either(gt(ax, large()), gt(ay, large()));
  llvm::Value *tiny = both(lt(ax, minNormal()), lt(ay, minNormal()));
  int digits = mantissaDigits();
  llvm::Value *scale = select(huge, k(0.5), select(tiny, k(std::ldexp(1.0, digits)), k(1.0)));
  llvm::Value *offset = select(huge, k(kLn2), select(tiny, k(-digits * kLn2), k(0.0)));
  llvm::Value *h = hypot(mul(ax, scale), mul(ay, scale));
  llvm::Value *im = fn("atan2", {z.im, z.re});
  // Unscaled h only: a scaled one is far from 1.
  llvm::Value *nearOne = both(b.CreateFCmpOGE(h, k(0.71)), b.CreateFCmpOLE(h, k(1.73)));
  return branch(
      nearOne,
      [&] {
        llvm::Value *xBigger = b.CreateFCmpOGT(ax, ay);
        llvm::Value *am = select(xBigger, ax, ay), *an = select(xBigger, ay, ax);
        return Cx{mul(fn("log1p", {add(mul(sub(am, k(1.0)), add(am, k(1.0))), mul(an, an))}), k(0.5)), im};
      },
      [&] { return Cx{add(fn("log", {h}), offset), im}; });
}

// sinh and cosh: past the overflow threshold of cosh x, cosh(x -+ 1) * e.
// A zero imaginary part stays a zero (with the sign the product would have)
// where sinh x overflows.
//
// At x = +-inf: infinities with the signs of cos y and sin y (x's sign on
// sinh's real part and, cosh being even, on cosh's imaginary part), a zero
// y kept; an infinite or NaN y gives inf + i nan. At x = +-0 with y infinite
// or NaN: sinh gives 0 + i nan, cosh nan + 0i (as at NaN + i0).
static Cx sinhOrCosh(PartMath &m, Cx z, bool isSinh) {
  llvm::Value *x = z.re, *y = z.im;
  llvm::Value *cy = m.fn("cos", {y}), *sy = m.fn("sin", {y}); // both paths need them
  return m.branch(
      m.nonFinite(z),
      [&] {
        llvm::Value *infX = m.isInf(x), *finiteY = m.isFinite(y), *zeroX = m.eq(x, 0.0), *zeroY = m.eq(y, 0.0);
        llvm::Value *inf = m.k(kInf), *nan = m.k(kNan), *zero = m.k(0.0);
        llvm::Value *infRe = m.copysign(inf, cy), *infIm = m.select(zeroY, y, m.copysign(inf, sy));
        llvm::Value *re = m.select(finiteY, isSinh ? m.signOf(x, infRe) : infRe, inf);
        llvm::Value *im = m.select(finiteY, isSinh ? infIm : m.signOf(x, infIm), nan);
        llvm::Value *finiteRe = isSinh ? m.select(zeroX, zero, nan) : nan;
        llvm::Value *finiteIm = isSinh ? m.select(zeroY, y, nan) : m.select(m.either(zeroX, zeroY), zero, nan);
        return Cx{m.select(infX, re, finiteRe), m.select(infX, im, finiteIm)};
      },
      [&] {
        llvm::Value *big = m.gt(m.fabs(x), m.logLarge());
        llvm::Value *x1 = m.select(big, m.sub(x, m.copysign(m.k(1.0), x)), x);
        llvm::Value *c = m.fn("cosh", {x1}), *s = m.fn("sinh", {x1});
        Cx r = isSinh ? Cx{m.mul(cy, s), m.mul(sy, c)} : Cx{m.mul(cy, c), m.mul(sy, s)};
        r = m.select(big, Cx{m.mul(r.re, m.k(std::numbers::e)), m.mul(r.im, m.k(std::numbers::e))}, r);
        llvm::Value *zeroIm = isSinh ? y : m.mul(y, m.copysign(m.k(1.0), x));
        return Cx{r.re, m.select(m.eq(y, 0.0), zeroIm, r.im)};
      });
}

Cx PartMath::csinh(Cx z) { return sinhOrCosh(*this, z, true); }

Cx PartMath::ccosh(Cx z) { return sinhOrCosh(*this, z, false); }

// tanh: +-1 at x = +-inf, with a zero imaginary part signed as sin 2y (a
// +0 where y is infinite or NaN); a zero y kept beside a NaN x.
Cx PartMath::ctanh(Cx z) {
  llvm::Value *x = z.re, *y = z.im;
  return branch(
      nonFinite(z),
      [&] {
        llvm::Value *infX = isInf(x);
        llvm::Value *zeroIm = select(isFinite(y), copysign(k(0.0), mul(fn("sin", {y}), fn("cos", {y}))), k(0.0));
        Cx r{select(infX, copysign(k(1.0), x), k(kNan)), select(infX, zeroIm, k(kNan))};
        return Cx{r.re, select(eq(y, 0.0), y, r.im)};
      },
      [&] {
        // Far from the imaginary axis: +-1 and a vanishing imaginary part.
        return branch(
            gt(fabs(x), logLarge()),
            [&] {
              llvm::Value *im = mul(mul(mul(k(4.0), fn("sin", {y})), fn("cos", {y})), fn("exp", {mul(k(-2.0), fabs(x))}));
              return Cx{copysign(k(1.0), x), im};
            },
            [&] { return tanhFinite(z); });
      });
}

// tanh(x + iy) = (tanh x (1 + tan^2 y) + i tan y (1 - tanh^2 x)) / (1 + tanh^2 x tan^2 y),
// with 1 - tanh^2 x as 1 / cosh^2 x.
Cx PartMath::tanhFinite(Cx z) {
  llvm::Value *tx = fn("tanh", {z.re}), *ty_ = fn("tan", {z.im});
  llvm::Value *cx = div(k(1.0), fn("cosh", {z.re}));
  llvm::Value *txty = mul(tx, ty_);
  llvm::Value *denom = add(k(1.0), mul(txty, txty));
  return {div(mul(tx, add(k(1.0), mul(ty_, ty_))), denom), mul(mul(div(ty_, denom), cx), cx)};
}

// The inverse functions past CM_LARGE (and at the infinities, where the
// same formulas give Annex G's values): log|z| + log 2 for the modulus of
// the result, the argument of z for its angle.
static llvm::Value *logHalfModulusPlus2Ln2(PartMath &m, Cx z) {
  llvm::Value *h = m.hypot(m.mul(z.re, m.k(0.5)), m.mul(z.im, m.k(0.5)));
  return m.add(m.fn("log", {h}), m.k(2 * kLn2));
}

static llvm::Value *hugeOrNonFinite(PartMath &m, Cx z) {
  return m.either(m.nonFinite(z), m.either(m.gt(m.fabs(z.re), m.large()), m.gt(m.fabs(z.im), m.large())));
}

// asinh(z) = log(z + sqrt(z^2 + 1)), through Kahan's square roots of 1 +- iz.
Cx PartMath::casinh(Cx z) {
  llvm::Value *x = z.re, *y = z.im;
  return branch(
      hugeOrNonFinite(*this, z),
      [&] {
        llvm::Value *re = copysign(logHalfModulusPlus2Ln2(*this, z), x);
        llvm::Value *im = fn("atan2", {y, fabs(x)});
        // A NaN x: +inf beside an infinite y, the zero of a zero y kept.
        llvm::Value *nanX = isNan(x);
        return Cx{select(both(nanX, isInf(y)), k(kInf), re), select(both(nanX, eq(y, 0.0)), y, im)};
      },
      [&] {
        Cx s1 = sqrtFinite({add(k(1.0), y), neg(x)});
        Cx s2 = sqrtFinite({sub(k(1.0), y), x});
        return Cx{fn("asinh", {sub(mul(s1.re, s2.im), mul(s2.re, s1.im))}),
                  fn("atan2", {y, sub(mul(s1.re, s2.re), mul(s1.im, s2.im))})};
      });
}

// acos(z) = pi/2 - asin(z), through the square roots of 1 - z and 1 + z.
Cx PartMath::cacos(Cx z) {
  llvm::Value *x = z.re, *y = z.im;
  return branch(
      hugeOrNonFinite(*this, z),
      [&] {
        llvm::Value *re = fn("atan2", {fabs(y), x});
        llvm::Value *im = neg(copysign(logHalfModulusPlus2Ln2(*this, z), y));
        // A NaN y: pi/2 beside a zero x, +inf (the sign unknown) beside an infinite one.
        llvm::Value *nanY = isNan(y);
        return Cx{select(both(nanY, eq(x, 0.0)), k(kHalfPi), re), select(both(nanY, isInf(x)), k(kInf), im)};
      },
      [&] {
        Cx s1 = sqrtFinite({sub(k(1.0), x), neg(y)});
        Cx s2 = sqrtFinite({add(k(1.0), x), y});
        return Cx{mul(k(2.0), fn("atan2", {s1.re, s2.re})), fn("asinh", {sub(mul(s2.re, s1.im), mul(s2.im, s1.re))})};
      });
}

// acosh(z) = log(z + sqrt(z + 1) sqrt(z - 1)).
Cx PartMath::cacosh(Cx z) {
  llvm::Value *x = z.re, *y = z.im;
  return branch(
      hugeOrNonFinite(*this, z),
      [&] {
        return Cx{logHalfModulusPlus2Ln2(*this, z), fn("atan2", {y, x})};
      },
      [&] {
        Cx s1 = sqrtFinite({sub(x, k(1.0)), y});
        Cx s2 = sqrtFinite({add(x, k(1.0)), y});
        return Cx{fn("asinh", {add(mul(s1.re, s2.re), mul(s1.im, s2.im))}), mul(k(2.0), fn("atan2", {s1.im, s2.re}))};
      });
}

// atanh(-z) == -atanh(z) reduces a finite z to a non-negative real part.
Cx PartMath::catanh(Cx z) {
  return branch(
      nonFinite(z), [&] { return atanhSpecial(z); },
      [&] {
        llvm::Value *negative = lt(z.re, 0.0);
        Cx r = atanhNonNegative(select(negative, negate(z), z));
        return select(negative, negate(r), r);
      });
}

// At an infinity atanh is a zero signed as x, plus or minus i pi/2 signed
// as y. A NaN y leaves the real zero only beside x = 0 or an infinite x; a
// NaN x leaves 0 + i pi/2 only beside an infinite y.
Cx PartMath::atanhSpecial(Cx z) {
  llvm::Value *x = z.re, *y = z.im;
  llvm::Value *nanX = isNan(x), *nanY = isNan(y), *infY = isInf(y);
  llvm::Value *finiteNonZeroX = both(isFinite(x), b.CreateFCmpONE(x, k(0.0)));
  llvm::Value *re = select(nanX, select(infY, k(0.0), k(kNan)),
                           select(both(nanY, finiteNonZeroX), k(kNan), copysign(k(0.0), x)));
  llvm::Value *im = select(either(nanY, both(nanX, b.CreateNot(infY))), k(kNan), copysign(k(kHalfPi), y));
  return {re, im};
}

// For x >= 0: 1/z + i pi/2 where |z| is past sqrt(CM_LARGE); the pole at 1
// (inf + iy) and its neighbourhood where y is below sqrt(DBL_MIN); else
// log1p(4x / ((1 - x)^2 + y^2)) / 4 and the angle of (1 - x)(1 + x) - y^2 - 2iy.
Cx PartMath::atanhNonNegative(Cx z) {
  llvm::Value *x = z.re, *y = z.im, *ay = fabs(y);
  return branch(
      either(gt(x, sqrtLarge()), gt(ay, sqrtLarge())),
      [&] {
        llvm::Value *h = fn("hypot", {mul(x, k(0.5)), mul(y, k(0.5))});
        return Cx{div(div(div(x, k(4.0)), h), h), copysign(k(kHalfPi), y)};
      },
      [&] {
        return branch(
            both(eq(x, 1.0), lt(ay, std::sqrt(minNormal()))),
            [&] {
              llvm::Value *re = neg(fn("log", {div(sqrt(ay), sqrt(fn("hypot", {ay, k(2.0)})))}));
              llvm::Value *im = copysign(div(fn("atan2", {k(2.0), neg(ay)}), k(2.0)), y);
              return select(eq(ay, 0.0), Cx{k(kInf), y}, Cx{re, im});
            },
            [&] {
              llvm::Value *oneMinus = sub(k(1.0), x);
              llvm::Value *re = div(fn("log1p", {div(mul(k(4.0), x), add(mul(oneMinus, oneMinus), mul(ay, ay)))}), k(4.0));
              llvm::Value *angle = fn("atan2", {mul(k(-2.0), y), sub(mul(oneMinus, add(k(1.0), x)), mul(ay, ay))});
              return Cx{re, div(neg(angle), k(2.0))};
            });
      });
}

// rect(r, phi) = r (cos phi + i sin phi), as exp(log r + i phi) at the
// special values: an infinite r gives infinities signed by cos and sin (a
// zero phi kept, signed by r); a zero r gives 0 beside any phi.
Cx PartMath::rect(llvm::Value *r, llvm::Value *phi) {
  llvm::Value *zeroPhi = eq(phi, 0.0);
  return branch(
      nonFinite({r, phi}),
      [&] {
        llvm::Value *infR = isInf(r), *finitePhi = isFinite(phi), *zeroR = eq(r, 0.0);
        llvm::Value *re = select(infR, select(finitePhi, mul(r, fn("cos", {phi})), k(kInf)),
                                 select(zeroR, k(0.0), k(kNan)));
        llvm::Value *imInf = select(zeroPhi, signOf(r, phi), mul(r, fn("sin", {phi})));
        llvm::Value *im = select(infR, select(finitePhi, imInf, k(kNan)), select(either(zeroR, zeroPhi), k(0.0), k(kNan)));
        return Cx{re, im};
      },
      [&] {
        return select(zeroPhi, Cx{r, mul(r, phi)}, Cx{mul(r, fn("cos", {phi})), mul(r, fn("sin", {phi}))});
      });
}

} // namespace ptxforge::compiler
