//===- compiler/KernelFacts.cpp - Written parameters, independent threads -===//
//
// Written parameters: every value that holds memory (an array, a record, a
// tuple of them) has a set of roots, the parameters it may point into: a
// parameter is its own root, a view or element (`x[1:]`, `r.v`, `t[0]`) has
// its base's roots, and a local has the union over everything assigned to
// it (iterated to a fixed point). A store, an augmented assignment or an
// atomic writes its target's roots; a device function writes the roots of
// the arguments whose parameters it writes (its own analysis, recursively);
// a declare_device function writes every memory argument, and
// any other call that takes memory (a builtin not known to only read) counts
// as writing it, and so does a recursive call (the callee's analysis is
// still under way). Roots are a 64-bit set; parameters past the 63rd share the
// last bit, which only ever adds writes.
//
// Coarsening: an allowlist. Loops, barriers, shared memory, warp intrinsics,
// lane ids, grid syncs, declare_device functions (and anything not
// recognised) make a function not coarsenable; so does a callee that is not, or one that reads
// threadIdx.x, blockDim.x or grid/gridsize (a device function is lowered
// once and would see the physical thread). And every thread must touch only
// its own elements (OwnElements): a kernel whose threads all run
// `a[8:] = a[7:-1]` gives, run in turn, another answer than in lockstep.
//
//===----------------------------------------------------------------------===//

#include "compiler/KernelFacts.h"

#include "frontend/AstWalk.h"
#include "frontend/GpuBuiltins.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>

namespace ptxforge::compiler {

using namespace frontend;

namespace {

using Roots = std::uint64_t;
constexpr Roots kAllRoots = ~Roots{0};
constexpr int kMaxNodes = 400; ///< coarsening: the most a body may weigh (see Coarsening)

bool holdsMemory(const Type *t) {
  if (!t)
    return false;
  if (isa<ArrayType>(t) || isa<RecordType>(t) || isa<PointerType>(t))
    return true;
  if (auto *tt = dyn_cast<TupleType>(t)) {
    for (const Type *e : tt->elts)
      if (holdsMemory(e))
        return true;
  }
  return false;
}

Roots bitOf(int param) { return Roots{1} << (param < 63 ? param : 63); }

/// Calls `f` on every statement of `block`, nested ones included.
void forEachStmt(const Block &block, const std::function<void(const Stmt *)> &f) {
  for (const Stmt *s : block) {
    f(s);
    if (auto *i = dyn_cast<IfStmt>(s))
      forEachStmt(i->body, f), forEachStmt(i->orelse, f);
    else if (auto *w = dyn_cast<WhileStmt>(s))
      forEachStmt(w->body, f), forEachStmt(w->orelse, f);
    else if (auto *fo = dyn_cast<ForStmt>(s))
      forEachStmt(fo->body, f), forEachStmt(fo->orelse, f);
  }
}

/// The expressions a statement evaluates directly (targets included).
std::vector<const Expr *> stmtExprs(const Stmt *s) {
  switch (s->kind()) {
  case Stmt::Kind::Expr: return {cast<ExprStmt>(s)->value};
  case Stmt::Kind::Assign: {
    auto *a = cast<AssignStmt>(s);
    std::vector<const Expr *> out(a->targets.begin(), a->targets.end());
    out.push_back(a->value);
    return out;
  }
  case Stmt::Kind::AugAssign: return {cast<AugAssignStmt>(s)->target, cast<AugAssignStmt>(s)->value};
  case Stmt::Kind::If: return {cast<IfStmt>(s)->test};
  case Stmt::Kind::While: return {cast<WhileStmt>(s)->test};
  case Stmt::Kind::For: return {cast<ForStmt>(s)->target, cast<ForStmt>(s)->iter};
  case Stmt::Kind::Return:
    if (cast<ReturnStmt>(s)->value)
      return {cast<ReturnStmt>(s)->value};
    return {};
  case Stmt::Kind::Raise:
    if (cast<RaiseStmt>(s)->exc)
      return {cast<RaiseStmt>(s)->exc};
    return {};
  case Stmt::Kind::Assert: {
    auto *a = cast<AssertStmt>(s);
    if (a->msg)
      return {a->test, a->msg};
    return {a->test};
  }
  default: return {};
  }
}

/// Every expression of the body, nested ones included.
void forEachExpr(const Block &block, const std::function<void(const Expr *)> &f) {
  std::function<void(const Expr *)> visit = [&](const Expr *e) {
    f(e);
    forEachChild(e, visit);
  };
  forEachStmt(block, [&](const Stmt *s) {
    for (const Expr *e : stmtExprs(s))
      visit(e);
  });
}

/// The builtin a call's callee names, or nullptr (a device function, a cast).
const BuiltinInfo *calledBuiltin(const TypedFunction &tf, const CallExpr *c) {
  const Type *t = tf.typeOf(c->callee);
  auto *pt = t ? dyn_cast<PathType>(t) : nullptr;
  return pt ? lookupBuiltin(pt->path) : nullptr;
}

/// Builtins that only read the memory passed to them.
bool onlyReads(const BuiltinInfo &info) {
  switch (info.id) {
  case BuiltinId::Range:
  case BuiltinId::Enumerate:
  case BuiltinId::Zip:
  case BuiltinId::Len:
  case BuiltinId::Min:
  case BuiltinId::Max:
  case BuiltinId::Abs:
  case BuiltinId::Round:
  case BuiltinId::Math:
  case BuiltinId::Cmath:
  case BuiltinId::ComplexCtor:
  case BuiltinId::Conjugate:
  case BuiltinId::Half:
  case BuiltinId::Fp8:
  case BuiltinId::BitCount:
  case BuiltinId::Libdevice:
  case BuiltinId::Grid:
  case BuiltinId::GridSize:
    return true;
  default: return false;
  }
}

class WriteAnalysis {
public:
  WriteAnalysis(const TypedFunction &tf, std::map<const TypedFunction *, std::vector<bool>> &memo)
      : tf(tf), memo(memo) {}

  std::vector<bool> run() {
    if (!tf.fn) { // declare_device: foreign code may write any memory it is given
      std::vector<bool> out(tf.paramTypes.size());
      for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = holdsMemory(tf.paramTypes[i]);
      return out;
    }
    for (const auto &l : tf.locals)
      if (l->paramIndex >= 0 && holdsMemory(l->type))
        localRoots[l.get()] = bitOf(l->paramIndex);
    // Locals take the roots of what is assigned to them, to a fixed point.
    for (bool changed = true; changed;) {
      changed = false;
      forEachStmt(tf.fn->body, [&](const Stmt *s) {
        if (auto *a = dyn_cast<AssignStmt>(s)) {
          Roots r = roots(a->value);
          for (const Expr *t : a->targets)
            changed |= bind(t, r);
        } else if (auto *f = dyn_cast<ForStmt>(s)) {
          changed |= bind(f->target, roots(f->iter));
        }
      });
    }
    Roots written = 0;
    forEachStmt(tf.fn->body, [&](const Stmt *s) {
      if (auto *a = dyn_cast<AssignStmt>(s))
        for (const Expr *t : a->targets)
          written |= targetRoots(t);
      else if (auto *a = dyn_cast<AugAssignStmt>(s))
        written |= targetRoots(a->target);
    });
    forEachExpr(tf.fn->body, [&](const Expr *e) {
      if (auto *c = dyn_cast<CallExpr>(e))
        written |= callWrites(c);
    });
    std::vector<bool> out(tf.paramTypes.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = holdsMemory(tf.paramTypes[i]) && (written & bitOf(static_cast<int>(i)));
    return out;
  }

private:
  /// Adds `r` to the roots of the names in the target `t`; true on a change.
  bool bind(const Expr *t, Roots r) {
    if (auto *tup = dyn_cast<TupleExpr>(t)) {
      bool changed = false;
      for (const Expr *e : tup->elts)
        changed |= bind(e, r);
      return changed;
    }
    if (auto *star = dyn_cast<StarredExpr>(t)) // `a, *rest = ...`: rest holds some of the roots
      return bind(star->value, r);
    if (!isa<NameExpr>(t))
      return false;
    const NameRef *ref = tf.refOf(t);
    const Local *local = ref ? ref->local : localNamed(cast<NameExpr>(t)->id);
    if (!local || !holdsMemory(local->type))
      return false;
    Roots &have = localRoots[local];
    Roots before = have;
    have |= r;
    return have != before;
  }

  /// The roots written by a store to `t`: a subscript's or field's base.
  Roots targetRoots(const Expr *t) {
    if (auto *tup = dyn_cast<TupleExpr>(t)) {
      Roots r = 0;
      for (const Expr *e : tup->elts)
        r |= targetRoots(e);
      return r;
    }
    if (auto *s = dyn_cast<SubscriptExpr>(t))
      return roots(s->value);
    if (auto *a = dyn_cast<AttributeExpr>(t))
      return roots(a->value);
    return 0; // a name: a local changes, no memory
  }

  Roots roots(const Expr *e) {
    const Type *t = tf.typeOf(e);
    if (t && !holdsMemory(t))
      return 0;
    switch (e->kind()) {
    case Expr::Kind::Name: {
      const NameRef *ref = tf.refOf(e);
      const Local *local = ref ? ref->local : localNamed(cast<NameExpr>(e)->id);
      if (local) {
        auto it = localRoots.find(local);
        return it == localRoots.end() ? 0 : it->second;
      }
      return ref ? 0 : kAllRoots; // a global is frozen and read-only; an unknown name, anything
    }
    case Expr::Kind::Subscript: return roots(cast<SubscriptExpr>(e)->value);
    case Expr::Kind::Starred: return roots(cast<StarredExpr>(e)->value);
    case Expr::Kind::Attribute: return roots(cast<AttributeExpr>(e)->value);
    case Expr::Kind::IfExp: return roots(cast<IfExpExpr>(e)->body) | roots(cast<IfExpExpr>(e)->orelse);
    case Expr::Kind::BoolOp: {
      Roots r = 0;
      for (const Expr *v : cast<BoolOpExpr>(e)->values)
        r |= roots(v);
      return r;
    }
    case Expr::Kind::Tuple: {
      Roots r = 0;
      for (const Expr *v : cast<TupleExpr>(e)->elts)
        r |= roots(v);
      return r;
    }
    case Expr::Kind::Call: {
      // A call that gives memory (a view, a local or shared array, what a
      // device function returns) may point into any memory argument.
      auto *c = cast<CallExpr>(e);
      Roots r = 0;
      forEachChild(c, [&](const Expr *a) { r |= roots(a); });
      return r;
    }
    default: return t ? 0 : kAllRoots; // no type: unknown, so anything
    }
  }

  Roots callWrites(const CallExpr *c) {
    if (auto rw = tf.rewrites.find(c); rw != tf.rewrites.end()) { // f(*t), keywords, defaults: the call as bound
      if (!isa<CallExpr>(rw->second))
        return 0; // isinstance(...) and tuple(t): decided while typing, writing nothing
      c = cast<CallExpr>(rw->second);
    }
    Roots r = 0;
    auto argRoots = [&]() {
      for (const Expr *a : c->args)
        r |= roots(a);
      for (const Keyword &k : c->keywords)
        r |= roots(k.value);
      if (auto *a = dyn_cast<AttributeExpr>(c->callee)) // a method's object
        r |= roots(a->value);
    };
    const Type *ct = tf.typeOf(c->callee);
    if (ct && isa<FunctionType>(ct)) {
      auto it = tf.calls.find(c);
      if (it == tf.calls.end() || !c->keywords.empty() || hasStarred(c->args)) { // arguments not 1:1
        argRoots();
        return r;
      }
      const std::vector<bool> &calleeWrites = writesOf(*it->second);
      for (std::size_t i = 0; i < c->args.size(); ++i)
        if (i >= calleeWrites.size() || calleeWrites[i])
          r |= roots(c->args[i]);
      return r;
    }
    if (ct && isa<DtypeType>(ct))
      return 0; // a cast
    const BuiltinInfo *info = calledBuiltin(tf, c);
    if (info && onlyReads(*info))
      return 0;
    argRoots();
    return r;
  }

  const std::vector<bool> &writesOf(const TypedFunction &callee) {
    auto it = memo.find(&callee);
    if (it != memo.end())
      return it->second;
    // A recursive call finds this placeholder: it writes every argument.
    memo[&callee] = std::vector<bool>(callee.paramTypes.size(), true);
    std::vector<bool> w = WriteAnalysis(callee, memo).run();
    return memo[&callee] = std::move(w);
  }

  /// A local by name: the base of a field store may have no NameRef.
  const Local *localNamed(const std::string &name) const {
    for (const auto &l : tf.locals)
      if (l->name == name)
        return l.get();
    return nullptr;
  }

  const TypedFunction &tf;
  std::map<const TypedFunction *, std::vector<bool>> &memo;
  std::map<const Local *, Roots> localRoots;
};

/// Builtins a coarsened thread may call: none that lets threads see each
/// other (barriers, shared memory, warp intrinsics, lane ids, grid syncs).
bool independentBuiltin(const BuiltinInfo &info) {
  if (onlyReads(info))
    return true;
  if (info.kind == BuiltinInfo::Constant || info.kind == BuiltinInfo::ComplexConstant ||
      info.kind == BuiltinInfo::IntConstant ||
      info.kind == BuiltinInfo::Dtype || info.kind == BuiltinInfo::Namespace)
    return true;
  switch (info.id) {
  case BuiltinId::ThreadIdxX: case BuiltinId::ThreadIdxY: case BuiltinId::ThreadIdxZ:
  case BuiltinId::BlockIdxX: case BuiltinId::BlockIdxY: case BuiltinId::BlockIdxZ:
  case BuiltinId::BlockDimX: case BuiltinId::BlockDimY: case BuiltinId::BlockDimZ:
  case BuiltinId::GridDimX: case BuiltinId::GridDimY: case BuiltinId::GridDimZ:
  case BuiltinId::WarpSize:
    return true;
  case BuiltinId::Gpu: {
    auto g = static_cast<GpuIntrinsic>(info.gpu);
    if (isAtomic(g))
      return true;
    switch (g) {
    case GpuIntrinsic::LocalArray: case GpuIntrinsic::ConstArrayLike:
    case GpuIntrinsic::ThreadFence: case GpuIntrinsic::ThreadFenceBlock: case GpuIntrinsic::ThreadFenceSystem:
    case GpuIntrinsic::Popc: case GpuIntrinsic::Brev: case GpuIntrinsic::Clz: case GpuIntrinsic::Ffs:
    case GpuIntrinsic::Fma: case GpuIntrinsic::Cbrt: case GpuIntrinsic::Selp:
      return true;
    default: return false;
    }
  }
  default: return false;
  }
}

/// The values a coarsened kernel reads as logical ones: a device function
/// (lowered once, shared by every copy) must not read them.
bool readsThreadX(const BuiltinInfo &info) {
  return info.id == BuiltinId::ThreadIdxX || info.id == BuiltinId::BlockDimX || info.id == BuiltinId::Grid ||
         info.id == BuiltinId::GridSize;
}

/// What coarsening needs to know of one function: whether it allows it, and
/// its weight (statements and operations, with library calls and complex
/// arithmetic counted heavier and callees included), which bounds the code
/// the copies make.
struct Coarsening {
  bool ok = false;
  int weight = 0;
};

Coarsening coarsenable(const TypedFunction &tf, std::map<const TypedFunction *, Coarsening> &memo, bool callee) {
  if (auto it = memo.find(&tf); it != memo.end())
    return it->second;
  memo[&tf] = {false, kMaxNodes + 1};
  if (!tf.fn) // declare_device: foreign code may read the physical thread's identity
    return memo[&tf];
  bool ok = true;
  int weight = 0;
  forEachStmt(tf.fn->body, [&](const Stmt *s) {
    ++weight;
    switch (s->kind()) {
    case Stmt::Kind::Expr: case Stmt::Kind::Assign: case Stmt::Kind::AugAssign: case Stmt::Kind::If:
    case Stmt::Kind::Return: case Stmt::Kind::Pass:
      break;
    default: ok = false; // loops (and anything newer than this analysis)
    }
  });
  forEachExpr(tf.fn->body, [&](const Expr *e) {
    // Operations weigh; names, attributes and constants (leaves) do not.
    if (!isa<NameExpr>(e) && !isa<AttributeExpr>(e) && !isa<IntConstExpr>(e) && !isa<FloatConstExpr>(e))
      ++weight;
    if (const NameRef *ref = tf.refOf(e);
        ref && ref->builtin && (!independentBuiltin(*ref->builtin) || (callee && readsThreadX(*ref->builtin))))
      ok = false;
    const Type *t = tf.typeOf(e);
    auto *scalar = t ? dyn_cast<ScalarType>(t) : nullptr;
    if (isa<BinOpExpr>(e) && scalar && (scalar->isComplex() || cast<BinOpExpr>(e)->op == BinOpKind::Pow))
      weight += 10;
    if (auto *c = dyn_cast<CallExpr>(e)) {
      const Type *ct = tf.typeOf(c->callee);
      if (ct && isa<FunctionType>(ct)) {
        auto rw = tf.rewrites.find(c);
        auto it = tf.calls.find(rw != tf.rewrites.end() ? rw->second : c);
        Coarsening inner = it != tf.calls.end() ? coarsenable(*it->second, memo, true) : Coarsening{};
        ok = ok && inner.ok;
        weight += inner.weight;
      } else if (!ct || !isa<DtypeType>(ct)) {
        const BuiltinInfo *info = calledBuiltin(tf, c);
        ok = ok && info && independentBuiltin(*info) && !(callee && readsThreadX(*info));
        if (info && (info->id == BuiltinId::Math || info->id == BuiltinId::Half || info->id == BuiltinId::Libdevice))
          weight += 8;
        if (info && (info->id == BuiltinId::Cmath || info->id == BuiltinId::Conjugate))
          weight += 40;
      }
    }
  });
  return memo[&tf] = {ok && weight <= kMaxNodes, weight};
}

/// Whether every thread touches only memory no other thread touches: each
/// store goes to an element of a parameter array indexed by the thread's own
/// global index along x (`out[i]` with i = grid(1), or the usual
/// blockIdx.x * blockDim.x + threadIdx.x; `out[y, x]` with x, y = grid(2);
/// other components may be the global y or z index or constants), into a C
/// or F array (whose distinct indices are distinct elements), and each load
/// from a written array reads an element at an index some store to it uses.
/// No atomic, no store through a view, a local or a record, no written array
/// passed to a call, no device function that writes, and at least one store.
/// Then threads never see each other's writes (on a launch whose arrays are
/// disjoint), so running several logical threads in turn in one physical
/// thread gives what lockstep threads give. Anything not recognised answers
/// false.
class OwnElements {
public:
  OwnElements(const TypedFunction &tf, const std::vector<bool> &written,
              const std::map<const TypedFunction *, std::vector<bool>> &writes)
      : tf(tf), written(written), writes(writes) {}

  bool run() {
    if (!tf.fn)
      return false;
    for (const Stmt *s : tf.fn->body)
      topLevel.insert(s);
    bool ok = true;
    forEachStmt(tf.fn->body, [&](const Stmt *s) {
      if (auto *a = dyn_cast<AssignStmt>(s)) {
        for (const Expr *t : a->targets)
          define(t, a->value, -1, topLevel.count(s) != 0);
      } else if (auto *a = dyn_cast<AugAssignStmt>(s)) {
        if (auto *n = dyn_cast<NameExpr>(a->target); n && tf.refOf(n) && tf.refOf(n)->local)
          defs[tf.refOf(n)->local].count += 2; // not a single definition
      } else if (auto *f = dyn_cast<ForStmt>(s)) {
        define(f->target, nullptr, -1, false);
      }
    });
    // Stores: each target element must be the thread's own.
    forEachStmt(tf.fn->body, [&](const Stmt *s) {
      if (auto *a = dyn_cast<AssignStmt>(s))
        for (const Expr *t : a->targets)
          ok = ok && storeTarget(t);
      else if (auto *a = dyn_cast<AugAssignStmt>(s))
        ok = ok && storeTarget(a->target);
    });
    // A kernel that stores nothing gains nothing from coarsening (and a
    // launch's block would change for nothing).
    if (!ok || stores.empty())
      return false;
    // Every use of a written array: an element at a stored index, or its shape.
    std::set<const Expr *> allowed;
    forEachExpr(tf.fn->body, [&](const Expr *e) {
      if (auto *sub = dyn_cast<SubscriptExpr>(e)) {
        if (int p = paramOf(sub->value); p >= 0) {
          allowed.insert(sub->value);
          if (written[p]) {
            std::optional<std::string> key = indexKey(sub, p);
            ok = ok && key && stores[p].count(*key);
          }
        }
      } else if (auto *at = dyn_cast<AttributeExpr>(e)) {
        if (paramOf(at->value) >= 0 && (at->attr == "shape" || at->attr == "size" || at->attr == "ndim"))
          allowed.insert(at->value);
      }
    });
    forEachExpr(tf.fn->body, [&](const Expr *e) {
      const NameRef *ref = tf.refOf(e);
      if (ref && ref->builtin && ref->builtin->id == BuiltinId::Gpu &&
          isAtomic(static_cast<GpuIntrinsic>(ref->builtin->gpu)))
        ok = false;
      if (int p = paramOf(e); p >= 0 && written[p] && !allowed.count(e))
        ok = false; // passed to a call, bound to a local, viewed ...
      if (ref && ref->local && ref->local->paramIndex < 0 && holdsMemory(ref->local->type))
        ok = false; // a view, a local array, a tuple of arrays: not followed
      if (auto *c = dyn_cast<CallExpr>(e)) {
        auto it = tf.calls.find(c);
        if (it != tf.calls.end()) {
          auto w = writes.find(it->second);
          if (w == writes.end())
            ok = false;
          else
            for (bool b : w->second)
              ok = ok && !b;
        }
      }
    });
    return ok;
  }

private:
  struct Def {
    int count = 0;
    const Expr *value = nullptr;
    int position = -1; ///< the element of a tuple value this name takes, or -1
    bool topLevel = false;
  };

  void define(const Expr *t, const Expr *value, int position, bool top) {
    if (auto *tup = dyn_cast<TupleExpr>(t)) {
      for (std::size_t i = 0; i < tup->elts.size(); ++i)
        define(tup->elts[i], value, static_cast<int>(i), top);
      return;
    }
    if (auto *star = dyn_cast<StarredExpr>(t))
      return define(star->value, nullptr, -1, false);
    const NameRef *ref = isa<NameExpr>(t) ? tf.refOf(t) : nullptr;
    if (!ref || !ref->local)
      return;
    Def &d = defs[ref->local];
    ++d.count;
    d.value = value;
    d.position = position;
    d.topLevel = top;
  }

  /// The single top-level definition of a local (or nullptr).
  const Def *single(const Expr *e) const {
    const NameRef *ref = isa<NameExpr>(e) ? tf.refOf(e) : nullptr;
    if (!ref || !ref->local || ref->local->paramIndex >= 0)
      return nullptr;
    auto it = defs.find(ref->local);
    return it != defs.end() && it->second.count == 1 && it->second.topLevel && it->second.value ? &it->second
                                                                                               : nullptr;
  }

  /// The builtin `e` reads, through locals defined once.
  std::optional<BuiltinId> builtinOf(const Expr *e, int depth) const {
    if (depth > 8)
      return std::nullopt;
    if (const Def *d = single(e))
      return d->position < 0 ? builtinOf(d->value, depth + 1) : std::nullopt;
    const NameRef *ref = tf.refOf(e);
    if (ref && ref->builtin && (isa<NameExpr>(e) || isa<AttributeExpr>(e)))
      return ref->builtin->id;
    return std::nullopt;
  }

  /// The axis (0, 1, 2 for x, y, z) whose global index `e` is, or -1.
  int axisOf(const Expr *e, int depth) const {
    if (depth > 8)
      return -1;
    if (const Def *d = single(e)) {
      if (d->position < 0)
        return axisOf(d->value, depth + 1);
      auto *c = dyn_cast<CallExpr>(d->value); // x, y = grid(2)
      int dims = c ? gridDims(c) : 0;
      return dims >= 2 && d->position < dims ? d->position : -1;
    }
    if (auto *c = dyn_cast<CallExpr>(e))
      return gridDims(c) == 1 ? 0 : -1;
    auto *b = dyn_cast<BinOpExpr>(e);
    if (!b || b->op != BinOpKind::Add)
      return -1;
    for (auto [tid, prod] : {std::pair{b->lhs, b->rhs}, std::pair{b->rhs, b->lhs}}) {
      std::optional<BuiltinId> t = builtinOf(tid, depth + 1);
      auto *m = dyn_cast<BinOpExpr>(prod);
      if (!t || !m || m->op != BinOpKind::Mul)
        continue;
      std::optional<BuiltinId> l = builtinOf(m->lhs, depth + 1), r = builtinOf(m->rhs, depth + 1);
      for (int axis = 0; axis < 3; ++axis) {
        auto at = [&](BuiltinId x) { return static_cast<BuiltinId>(static_cast<int>(x) + axis); };
        if (*t == at(BuiltinId::ThreadIdxX) && l && r &&
            ((*l == at(BuiltinId::BlockIdxX) && *r == at(BuiltinId::BlockDimX)) ||
             (*r == at(BuiltinId::BlockIdxX) && *l == at(BuiltinId::BlockDimX))))
          return axis;
      }
    }
    return -1;
  }

  /// n for a call of grid(n), else 0.
  int gridDims(const CallExpr *c) const {
    const BuiltinInfo *info = calledBuiltin(tf, c);
    if (!info || info->id != BuiltinId::Grid || c->args.size() != 1 || !c->keywords.empty())
      return 0;
    auto *n = dyn_cast<IntConstExpr>(c->args[0]);
    return n && n->value >= 1 && n->value <= 3 ? static_cast<int>(n->value) : 0;
  }

  /// The parameter an expression names (never reassigned), or -1.
  int paramOf(const Expr *e) const {
    const NameRef *ref = isa<NameExpr>(e) ? tf.refOf(e) : nullptr;
    if (!ref || !ref->local || ref->local->paramIndex < 0 || !holdsMemory(ref->local->type))
      return -1;
    auto it = defs.find(ref->local);
    return it == defs.end() || it->second.count == 0 ? ref->local->paramIndex : -1;
  }

  /// "x,c0": the index of an element of parameter p, each component the
  /// global index along an axis or a constant, one of them x's; or nullopt.
  std::optional<std::string> indexKey(const SubscriptExpr *sub, int p) const {
    auto *at = dyn_cast<ArrayType>(tf.paramTypes[p]);
    if (!at || (at->layout != Layout::C && at->layout != Layout::F))
      return std::nullopt;
    std::vector<const Expr *> parts;
    if (auto *tup = dyn_cast<TupleExpr>(sub->index))
      parts.assign(tup->elts.begin(), tup->elts.end());
    else
      parts.push_back(sub->index);
    if (static_cast<int>(parts.size()) != at->ndim)
      return std::nullopt;
    std::string key;
    bool own = false;
    for (const Expr *e : parts) {
      int axis = axisOf(e, 0);
      own |= axis == 0;
      if (axis >= 0)
        key += "xyz"[axis];
      else if (auto *c = dyn_cast<IntConstExpr>(e))
        key += "c" + std::to_string(c->value);
      else
        return std::nullopt;
      key += ",";
    }
    return own ? std::optional<std::string>(key) : std::nullopt;
  }

  /// A store to `t`: a name (a local) or an own element of a parameter.
  bool storeTarget(const Expr *t) {
    if (auto *tup = dyn_cast<TupleExpr>(t)) {
      for (const Expr *e : tup->elts)
        if (!storeTarget(e))
          return false;
      return true;
    }
    if (isa<NameExpr>(t))
      return true;
    auto *sub = dyn_cast<SubscriptExpr>(t);
    int p = sub ? paramOf(sub->value) : -1;
    std::optional<std::string> key = p >= 0 ? indexKey(sub, p) : std::nullopt;
    if (!key)
      return false;
    stores[p].insert(*key);
    return true;
  }

  const TypedFunction &tf;
  const std::vector<bool> &written;
  const std::map<const TypedFunction *, std::vector<bool>> &writes;
  std::set<const Stmt *> topLevel;
  std::map<const Local *, Def> defs;
  std::map<int, std::set<std::string>> stores;
};

/// A statement that only assigns a value computed without side effects
/// (no store, no call but to side-effect-free builtins) to names.
bool isPureAssign(const TypedFunction &tf, const Stmt *s) {
  auto *a = dyn_cast<AssignStmt>(s);
  if (!a)
    return false;
  for (const Expr *t : a->targets) {
    bool names = true;
    std::function<void(const Expr *)> check = [&](const Expr *x) {
      if (auto *tup = dyn_cast<TupleExpr>(x))
        for (const Expr *e : tup->elts)
          check(e);
      else
        names = names && isa<NameExpr>(x);
    };
    check(t);
    if (!names)
      return false;
  }
  bool pure = true;
  std::function<void(const Expr *)> visit = [&](const Expr *e) {
    if (auto *c = dyn_cast<CallExpr>(e)) {
      const Type *ct = tf.typeOf(c->callee);
      const BuiltinInfo *info = calledBuiltin(tf, c);
      pure = pure && ((ct && isa<DtypeType>(ct)) || (info && onlyReads(*info)));
    }
    forEachChild(e, visit);
  };
  visit(a->value);
  return pure;
}



/// The bytes the kernel's own body loads from elements of arrays: each
/// subscript read (not a store's target) counts its element's size once.
int loadBytes(const TypedFunction &tf) {
  std::set<const Expr *> targets;
  forEachStmt(tf.fn->body, [&](const Stmt *s) {
    if (auto *a = dyn_cast<AssignStmt>(s))
      for (const Expr *t : a->targets)
        targets.insert(t);
  });
  int bytes = 0;
  forEachExpr(tf.fn->body, [&](const Expr *e) {
    auto *sub = dyn_cast<SubscriptExpr>(e);
    if (!sub || targets.count(e))
      return;
    const Type *t = tf.typeOf(e);
    if (auto *scalar = t ? dyn_cast<ScalarType>(t) : nullptr)
      bytes += scalar->byteSize();
  });
  return bytes;
}

} // namespace

KernelFacts analyzeKernel(const TypedFunction &tf) {
  KernelFacts out;
  std::map<const TypedFunction *, std::vector<bool>> writes;
  out.written = WriteAnalysis(tf, writes).run();
  std::map<const TypedFunction *, Coarsening> memo;
  Coarsening c = coarsenable(tf, memo, false);
  out.coarsenable = c.ok && OwnElements(tf, out.written, writes).run();
  out.weight = c.weight;
  out.loadBytes = loadBytes(tf);
  const Block &body = tf.fn->body;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (auto *g = dyn_cast<IfStmt>(body[i])) {
      out.guard = g;
      out.guardIndex = i;
      break;
    }
    auto *doc = dyn_cast<ExprStmt>(body[i]);
    if (!isPureAssign(tf, body[i]) && !isa<PassStmt>(body[i]) && !(doc && isa<StrConstExpr>(doc->value)))
      break;
  }
  return out;
}

} // namespace ptxforge::compiler
