//===- frontend/TypeInferGpu.cpp - Typing the GPU features' calls ---------===//
//
// Types the calls of shared arrays, barriers, atomics, warp and bit
// intrinsics and cooperative groups with numba-cuda's signatures: which
// element types each atomic accepts, what each warp vote returns, that a
// shared array's shape and dtype are compile-time constants. Arguments are
// matched to parameters by bindGpuArgs, so numba's keyword forms
// (`shared.array(shape=..., dtype=...)`) work too.
//
//===----------------------------------------------------------------------===//

#include "frontend/GpuBuiltins.h"
#include "frontend/TypeInferImpl.h"

#include <algorithm>

namespace ptxforge::frontend {

namespace {

/// "int32, int64, uint32, uint64, float32 and float64".
std::string listTypes(const std::vector<const ScalarType *> &ts) {
  std::string s;
  for (std::size_t i = 0; i < ts.size(); ++i)
    s += (i == 0 ? "" : i + 1 == ts.size() ? " and " : ", ") + ts[i]->str();
  return s;
}

bool contains(const std::vector<const ScalarType *> &ts, const ScalarType *t) {
  return std::find(ts.begin(), ts.end(), t) != ts.end();
}

} // namespace

const Type *Inferer::gpuCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &) {
  using G = GpuIntrinsic;
  auto id = static_cast<G>(b.gpu);
  const GpuSignature &sig = gpuSignature(id);
  std::vector<const Expr *> a = bindGpuArgs(c, id);
  std::vector<const Type *> t;
  for (const Expr *e : a) {
    t.push_back(e ? out.typeOf(e) : nullptr);
    if (e && !t.back())
      return nullptr; // not known yet in this pass
  }
  std::string name = std::string(sig.name) + "()";
  auto argWhat = [&](std::size_t i) { return name + "'s " + sig.params[i]; };
  auto scalarArg = [&](std::size_t i) {
    const ScalarType *s = scalar(t[i], a[i], argWhat(i).c_str());
    if (s->isComplex())
      fail(a[i]->span(), argWhat(i) + " cannot be complex");
    return s;
  };
  auto intArg = [&](std::size_t i) {
    const ScalarType *s = integer(t[i], a[i], argWhat(i).c_str());
    if (s->isBool())
      fail(a[i]->span(), argWhat(i) + " must be an integer, not bool");
    return s;
  };
  const ScalarType *i32 = tc.intType(32), *u32 = tc.intType(32, false), *i64 = tc.intType(64);
  const ScalarType *u64 = tc.intType(64, false), *f16 = tc.floatType(16), *f32 = tc.floatType(32);
  const ScalarType *f64 = tc.floatType(64);

  switch (id) {
  case G::SharedArray:
  case G::LocalArray: {
    // shape: a constant int or a tuple of them; dtype: a scalar type.
    std::vector<const Expr *> dims;
    if (auto *tup = dyn_cast<TupleExpr>(a[0]))
      dims.assign(tup->elts.begin(), tup->elts.end());
    else
      dims.push_back(a[0]);
    // A name bound to a constant tuple (a global, or a parameter specialised
    // on its caller's constant) is a whole shape.
    std::optional<std::vector<std::int64_t>> shape;
    if (!isa<TupleExpr>(a[0]) && isa<TupleType>(t[0]))
      if ((shape = constShape(a[0])))
        dims.assign(shape->size(), a[0]);
    if (dims.empty() || dims.size() > 32)
      fail(a[0]->span(), name + " needs a shape of 1 to 32 dimensions");
    for (std::size_t k = 0; k < dims.size(); ++k) {
      const Expr *d = dims[k];
      auto v = shape ? std::optional<std::int64_t>((*shape)[k]) : constInt(d);
      if (!v)
        fail(d->span(), name + "'s shape must be a constant integer or a tuple of constant integers "
                                "(literals or global constants)");
      bool dynamic = id == G::SharedArray && *v == 0 && dims.size() == 1;
      if (*v < 0 || (*v == 0 && !dynamic))
        fail(d->span(), name + "'s shape has " + std::to_string(*v) + " elements along an axis; " +
                            (id == G::SharedArray ? "only a 1-d shape of 0 (dynamic shared memory) may be 0"
                                                  : "each extent must be positive"));
    }
    auto *dt = dyn_cast<DtypeType>(t[1]);
    if (!dt)
      fail(a[1]->span(), name + "'s dtype must be a scalar type such as pf.float32 or np.int32, not " +
                             t[1]->str());
    if (a[2] && t[2]->kind() != Type::Kind::None) { // numba's checks, in numba's words and exception types
      auto *st = dyn_cast<ScalarType>(t[2]);
      auto align = st && st->isInt() && !st->isBool() ? constInt(a[2]) : std::nullopt;
      if (!align)
        fail(a[2]->span(), "RequireLiteralValue: " + name + "'s alignment must be a constant integer (or None), not " +
                               t[2]->str());
      const char *bad = *align <= 0                      ? "positive"
                        : (*align & (*align - 1)) != 0   ? "a power of 2"
                        : *align % 8 != 0                ? "a multiple of 8" // a pointer's size, as numba asks
                        : *align > 4096                  ? "at most 4096"
                                                         : nullptr;
      if (bad) {
        Diagnostic d;
        d.span = a[2]->span();
        d.message = std::string("Alignment must be ") + bad + ": " + name + "'s alignment is " + std::to_string(*align);
        d.errorClass = "AlignmentError";
        throw DiagnosticError(std::move(d));
      }
    }
    return tc.arrayType(tc.strong(dt->dtype), static_cast<int>(dims.size()), Layout::C);
  }
  case G::ConstArrayLike:
    if (!isa<ArrayType>(t[0]))
      fail(a[0]->span(), name + " needs an array, not " + t[0]->str());
    return t[0];

  case G::SyncThreadsCount:
  case G::SyncThreadsAnd:
  case G::SyncThreadsOr:
    scalarArg(0);
    return i32;
  case G::SyncWarp:
    if (a[0])
      intArg(0);
    return tc.noneType();
  case G::ThreadFence:
  case G::ThreadFenceBlock:
  case G::ThreadFenceSystem:
  case G::GridSync:
    return tc.noneType();

  case G::ShflSync:
  case G::ShflUpSync:
  case G::ShflDownSync:
  case G::ShflXorSync:
    intArg(0);
    intArg(2);
    return tc.strong(scalarArg(1));
  case G::AllSync:
  case G::AnySync:
  case G::EqSync:
  case G::BallotSync: { // numba's checks, in numba's words first
    const ScalarType *mask = scalar(t[0], a[0], argWhat(0).c_str());
    if (!mask->isInt() || mask->isBool())
      fail(a[0]->span(), "Mask type must be an integer: " + argWhat(0) + " is " + mask->str());
    const ScalarType *predicate = scalar(t[1], a[1], argWhat(1).c_str());
    if (!predicate->isInt() && !predicate->isBool())
      fail(a[1]->span(), "Predicate must be an integer or boolean: " + argWhat(1) + " is " + predicate->str());
    return id == G::BallotSync ? i32 : tc.boolType(); // numba: ballot is int32, votes are bool
  }
  case G::MatchAnySync:
  case G::MatchAllSync: {
    intArg(0);
    const ScalarType *v = scalarArg(1);
    if (v->isBool())
      fail(a[1]->span(), argWhat(1) + " must be a number, not bool");
    if (id == G::MatchAnySync)
      return i32;
    return tc.tupleType({i32, tc.boolType()});
  }
  case G::ActiveMask:
  case G::LanemaskLt:
    return u32;

  case G::Popc:
  case G::Brev:
  case G::Clz:
    return tc.strong(intArg(0));
  case G::Ffs:
    intArg(0);
    return u32;
  case G::Fma:
  case G::Cbrt: {
    const ScalarType *p = nullptr;
    for (std::size_t i = 0; i < a.size(); ++i) {
      const ScalarType *s = scalarArg(i);
      p = p ? promote(p, s) : s;
    }
    // float32 (and float16 for fma) stay; anything else computes in float64.
    if (p->isFloat() && !p->weak && (p->bits == 32 || (p->bits == 16 && id == G::Fma)))
      return p;
    if (p->isFloat() && !p->weak && p->bits == 16)
      return f32;
    return p->weak && p->isFloat() ? tc.floatType(64, true) : f64;
  }
  case G::Selp: {
    scalarArg(0);
    const ScalarType *x = scalarArg(1), *y = scalarArg(2);
    return promote(x, y);
  }
  case G::Nanosleep:
    intArg(0);
    return tc.noneType();
  case G::Clock64:
    return i64;
  case G::ThisGrid:
    return tc.moduleType(kGridGroupPath);
  default:
    break;
  }

  // Atomics: an array, an index (an int, or a tuple of ints for n-d), values
  // converted to the element type.
  if (!isAtomic(id))
    fail(c->span(), "this builtin cannot be called");
  auto *at = dyn_cast<ArrayType>(t[0]);
  if (!at)
    fail(a[0]->span(), name + " needs an array as its first argument, not " + t[0]->str());
  if (at->readonly)
    fail(a[0]->span(), name + " needs an array it can write; this one is read-only: a global array is frozen "
                              "into the kernel as a constant. Pass the array as an argument to update it");
  const ScalarType *dt = at->dtype;
  std::vector<const ScalarType *> allowed;
  std::vector<const ScalarType *> ints = {i32, i64, u32, u64};
  switch (id) {
  case G::AtomicAdd:
  case G::AtomicSub: allowed = {i32, i64, u32, u64, f32, f64, f16}; break;
  case G::AtomicAnd:
  case G::AtomicOr:
  case G::AtomicXor: allowed = ints; break;
  case G::AtomicInc:
  case G::AtomicDec: allowed = {u32, u64}; break;
  default: allowed = {i32, i64, u32, u64, f32, f64}; break;
  }
  if (!contains(allowed, dt))
    fail(a[0]->span(), name + " works on arrays of " + listTypes(allowed) + ", not " + at->str());
  std::size_t next = 1;
  if (id == G::AtomicCompareAndSwap) {
    if (at->ndim != 1)
      fail(a[0]->span(), name + " works on the first element of a 1-d array, not on " + at->str() +
                             "; use atomic.cas(ary, idx, old, val)");
  } else {
    // The index.
    const Expr *idx = a[1];
    std::vector<const Type *> parts;
    if (auto *tt = dyn_cast<TupleType>(t[1]))
      parts = tt->elts;
    else
      parts.push_back(t[1]);
    if (static_cast<int>(parts.size()) != at->ndim)
      fail(idx->span(), name + " on a " + std::to_string(at->ndim) + "-d array needs " +
                            (at->ndim == 1 ? std::string("an integer index")
                                           : "a tuple of " + std::to_string(at->ndim) + " integer indices") +
                            ", got " + t[1]->str());
    for (const Type *p : parts)
      integer(p, idx, (name + "'s index").c_str());
    next = 2;
  }
  for (std::size_t i = next; i < a.size(); ++i)
    scalarArg(i);
  return dt;
}

} // namespace ptxforge::frontend
