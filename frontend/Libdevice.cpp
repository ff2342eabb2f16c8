//===- frontend/Libdevice.cpp - numba-cuda's cuda.libdevice namespace ------===//
//
// `ptxforge.libdevice.NAME` is libdevice's `__nv_NAME`, typed as numba-cuda
// types it: the declared parameters, arguments converted to them; out-values
// that libdevice writes through pointers come back as a tuple after the
// return value (sincos gives (sin, cos), frexp (fraction, exponent)).
//
//===----------------------------------------------------------------------===//

#include "frontend/Libdevice.h"

#include "frontend/Builtins.h"

#include <sstream>

namespace ptxforge::frontend {

namespace {

// "NAME RET(PARAM,...)" entries; f32 f64 i16 i32 i64 void, `*` an out-value.
// The names and types are those of NVIDIA's libdevice user's guide, as
// numba-cuda exposes them (every function of its cuda.libdevice).
const char *const kTable =
    "abs i32(i32) acos f64(f64) acosf f32(f32) acosh f64(f64) acoshf f32(f32) asin f64(f64) asinf f32(f32) "
    "asinh f64(f64) asinhf f32(f32) atan f64(f64) atan2 f64(f64,f64) atan2f f32(f32,f32) atanf f32(f32) "
    "atanh f64(f64) atanhf f32(f32) brev i32(i32) brevll i64(i64) byte_perm i32(i32,i32,i32) cbrt f64(f64) "
    "cbrtf f32(f32) ceil f64(f64) ceilf f32(f32) clz i32(i32) clzll i32(i64) copysign f64(f64,f64) "
    "copysignf f32(f32,f32) cos f64(f64) cosf f32(f32) cosh f64(f64) coshf f32(f32) cospi f64(f64) "
    "cospif f32(f32) dadd_rd f64(f64,f64) dadd_rn f64(f64,f64) dadd_ru f64(f64,f64) dadd_rz f64(f64,f64) "
    "ddiv_rd f64(f64,f64) ddiv_rn f64(f64,f64) ddiv_ru f64(f64,f64) ddiv_rz f64(f64,f64) dmul_rd f64(f64,f64) "
    "dmul_rn f64(f64,f64) dmul_ru f64(f64,f64) dmul_rz f64(f64,f64) double2float_rd f32(f64) "
    "double2float_rn f32(f64) double2float_ru f32(f64) double2float_rz f32(f64) double2hiint i32(f64) "
    "double2int_rd i32(f64) double2int_rn i32(f64) double2int_ru i32(f64) double2int_rz i32(f64) "
    "double2ll_rd i64(f64) double2ll_rn i64(f64) double2ll_ru i64(f64) double2ll_rz i64(f64) "
    "double2loint i32(f64) double2uint_rd i32(f64) double2uint_rn i32(f64) double2uint_ru i32(f64) "
    "double2uint_rz i32(f64) double2ull_rd i64(f64) double2ull_rn i64(f64) double2ull_ru i64(f64) "
    "double2ull_rz i64(f64) double_as_longlong i64(f64) drcp_rd f64(f64) drcp_rn f64(f64) drcp_ru f64(f64) "
    "drcp_rz f64(f64) dsqrt_rd f64(f64) dsqrt_rn f64(f64) dsqrt_ru f64(f64) dsqrt_rz f64(f64) erf f64(f64) "
    "erfc f64(f64) erfcf f32(f32) erfcinv f64(f64) erfcinvf f32(f32) erfcx f64(f64) erfcxf f32(f32) "
    "erff f32(f32) erfinv f64(f64) erfinvf f32(f32) exp f64(f64) exp10 f64(f64) exp10f f32(f32) exp2 f64(f64) "
    "exp2f f32(f32) expf f32(f32) expm1 f64(f64) expm1f f32(f32) fabs f64(f64) fabsf f32(f32) "
    "fadd_rd f32(f32,f32) fadd_rn f32(f32,f32) fadd_ru f32(f32,f32) fadd_rz f32(f32,f32) fast_cosf f32(f32) "
    "fast_exp10f f32(f32) fast_expf f32(f32) fast_fdividef f32(f32,f32) fast_log10f f32(f32) "
    "fast_log2f f32(f32) fast_logf f32(f32) fast_powf f32(f32,f32) fast_sincosf void(f32,*f32,*f32) "
    "fast_sinf f32(f32) fast_tanf f32(f32) fdim f64(f64,f64) fdimf f32(f32,f32) fdiv_rd f32(f32,f32) "
    "fdiv_rn f32(f32,f32) fdiv_ru f32(f32,f32) fdiv_rz f32(f32,f32) ffs i32(i32) ffsll i32(i64) "
    "finitef i32(f32) float2half_rn i16(f32) float2int_rd i32(f32) float2int_rn i32(f32) "
    "float2int_ru i32(f32) float2int_rz i32(f32) float2ll_rd i64(f32) float2ll_rn i64(f32) "
    "float2ll_ru i64(f32) float2ll_rz i64(f32) float2uint_rd i32(f32) float2uint_rn i32(f32) "
    "float2uint_ru i32(f32) float2uint_rz i32(f32) float2ull_rd i64(f32) float2ull_rn i64(f32) "
    "float2ull_ru i64(f32) float2ull_rz i64(f32) float_as_int i32(f32) floor f64(f64) floorf f32(f32) "
    "fma f64(f64,f64,f64) fma_rd f64(f64,f64,f64) fma_rn f64(f64,f64,f64) fma_ru f64(f64,f64,f64) "
    "fma_rz f64(f64,f64,f64) fmaf f32(f32,f32,f32) fmaf_rd f32(f32,f32,f32) fmaf_rn f32(f32,f32,f32) "
    "fmaf_ru f32(f32,f32,f32) fmaf_rz f32(f32,f32,f32) fmax f64(f64,f64) fmaxf f32(f32,f32) fmin f64(f64,f64) "
    "fminf f32(f32,f32) fmod f64(f64,f64) fmodf f32(f32,f32) fmul_rd f32(f32,f32) fmul_rn f32(f32,f32) "
    "fmul_ru f32(f32,f32) fmul_rz f32(f32,f32) frcp_rd f32(f32) frcp_rn f32(f32) frcp_ru f32(f32) "
    "frcp_rz f32(f32) frexp f64(f64,*i32) frexpf f32(f32,*i32) frsqrt_rn f32(f32) fsqrt_rd f32(f32) "
    "fsqrt_rn f32(f32) fsqrt_ru f32(f32) fsqrt_rz f32(f32) fsub_rd f32(f32,f32) fsub_rn f32(f32,f32) "
    "fsub_ru f32(f32,f32) fsub_rz f32(f32,f32) hadd i32(i32,i32) half2float f32(i16) "
    "hiloint2double f64(i32,i32) hypot f64(f64,f64) hypotf f32(f32,f32) ilogb i32(f64) ilogbf i32(f32) "
    "int2double_rn f64(i32) int2float_rd f32(i32) int2float_rn f32(i32) int2float_ru f32(i32) "
    "int2float_rz f32(i32) int_as_float f32(i32) isfinited i32(f64) isinfd i32(f64) isinff i32(f32) "
    "isnand i32(f64) isnanf i32(f32) j0 f64(f64) j0f f32(f32) j1 f64(f64) j1f f32(f32) jn f64(i32,f64) "
    "jnf f32(i32,f32) ldexp f64(f64,i32) ldexpf f32(f32,i32) lgamma f64(f64) lgammaf f32(f32) "
    "ll2double_rd f64(i64) ll2double_rn f64(i64) ll2double_ru f64(i64) ll2double_rz f64(i64) "
    "ll2float_rd f32(i64) ll2float_rn f32(i64) ll2float_ru f32(i64) ll2float_rz f32(i64) llabs i64(i64) "
    "llmax i64(i64,i64) llmin i64(i64,i64) llrint i64(f64) llrintf i64(f32) llround i64(f64) "
    "llroundf i64(f32) log f64(f64) log10 f64(f64) log10f f32(f32) log1p f64(f64) log1pf f32(f32) "
    "log2 f64(f64) log2f f32(f32) logb f64(f64) logbf f32(f32) logf f32(f32) longlong_as_double f64(i64) "
    "max i32(i32,i32) min i32(i32,i32) modf f64(f64,*f64) modff f32(f32,*f32) mul24 i32(i32,i32) "
    "mul64hi i64(i64,i64) mulhi i32(i32,i32) nearbyint f64(f64) nearbyintf f32(f32) nextafter f64(f64,f64) "
    "nextafterf f32(f32,f32) normcdf f64(f64) normcdff f32(f32) normcdfinv f64(f64) normcdfinvf f32(f32) "
    "popc i32(i32) popcll i32(i64) pow f64(f64,f64) powf f32(f32,f32) powi f64(f64,i32) powif f32(f32,i32) "
    "rcbrt f64(f64) rcbrtf f32(f32) remainder f64(f64,f64) remainderf f32(f32,f32) remquo f64(f64,f64,*i32) "
    "remquof f32(f32,f32,*i32) rhadd i32(i32,i32) rint f64(f64) rintf f32(f32) round f64(f64) roundf f32(f32) "
    "rsqrt f64(f64) rsqrtf f32(f32) sad i32(i32,i32,i32) saturatef f32(f32) scalbn f64(f64,i32) "
    "scalbnf f32(f32,i32) signbitd i32(f64) signbitf i32(f32) sin f64(f64) sincos void(f64,*f64,*f64) "
    "sincosf void(f32,*f32,*f32) sincospi void(f64,*f64,*f64) sincospif void(f32,*f32,*f32) sinf f32(f32) "
    "sinh f64(f64) sinhf f32(f32) sinpi f64(f64) sinpif f32(f32) sqrt f64(f64) sqrtf f32(f32) tan f64(f64) "
    "tanf f32(f32) tanh f64(f64) tanhf f32(f32) tgamma f64(f64) tgammaf f32(f32) trunc f64(f64) "
    "truncf f32(f32) uhadd i32(i32,i32) uint2double_rn f64(i32) uint2float_rd f32(i32) uint2float_rn f32(i32) "
    "uint2float_ru f32(i32) uint2float_rz f32(i32) ull2double_rd f64(i64) ull2double_rn f64(i64) "
    "ull2double_ru f64(i64) ull2double_rz f64(i64) ull2float_rd f32(i64) ull2float_rn f32(i64) "
    "ull2float_ru f32(i64) ull2float_rz f32(i64) ullmax i64(i64,i64) ullmin i64(i64,i64) umax i32(i32,i32) "
    "umin i32(i32,i32) umul24 i32(i32,i32) umul64hi i64(i64,i64) umulhi i32(i32,i32) urhadd i32(i32,i32) "
    "usad i32(i32,i32,i32) y0 f64(f64) y0f f32(f32) y1 f64(f64) y1f f32(f32) yn f64(i32,f64) ynf f32(i32,f32) ";

const ScalarType *scalarCode(const std::string &code) {
  TypeContext &tc = types();
  if (code == "f32")
    return tc.floatType(32);
  if (code == "f64")
    return tc.floatType(64);
  if (code == "i16")
    return tc.intType(16);
  if (code == "i32")
    return tc.intType(32);
  if (code == "i64")
    return tc.intType(64);
  return nullptr; // void
}

std::vector<LibdeviceFunction> parseTable() {
  std::vector<LibdeviceFunction> out;
  std::istringstream in(kTable);
  std::string name, sig;
  while (in >> name >> sig) {
    LibdeviceFunction f;
    f.name = name;
    f.symbol = "__nv_" + name;
    std::size_t open = sig.find('(');
    f.ret = scalarCode(sig.substr(0, open));
    std::string params = sig.substr(open + 1, sig.size() - open - 2);
    std::istringstream ps(params);
    std::string p;
    while (std::getline(ps, p, ','))
      (p[0] == '*' ? f.outs : f.params).push_back(scalarCode(p[0] == '*' ? p.substr(1) : p));
    std::vector<const Type *> results;
    if (f.ret)
      results.push_back(f.ret);
    results.insert(results.end(), f.outs.begin(), f.outs.end());
    f.result = results.size() == 1 ? results[0] : types().tupleType(results);
    out.push_back(std::move(f));
  }
  return out;
}

} // namespace

const std::vector<LibdeviceFunction> &libdeviceFunctions() {
  static const std::vector<LibdeviceFunction> table = parseTable();
  return table;
}

void addLibdeviceBuiltins(std::unordered_map<std::string, BuiltinInfo> &table) {
  table["ptxforge.libdevice"] = BuiltinInfo{BuiltinInfo::Namespace};
  for (const LibdeviceFunction &f : libdeviceFunctions()) {
    BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Libdevice};
    info.libdevice = &f;
    table["ptxforge.libdevice." + f.name] = info;
  }
}

} // namespace ptxforge::frontend
