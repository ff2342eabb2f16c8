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
// once and would see the physical thread).
//
//===----------------------------------------------------------------------===//

#include "compiler/KernelFacts.h"

#include "frontend/GpuBuiltins.h"

#include <cstdint>
#include <functional>
#include <map>

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

/// Calls every direct sub-expression of `e`.
void forEachChild(const Expr *e, const std::function<void(const Expr *)> &f) {
  switch (e->kind()) {
  case Expr::Kind::BinOp: f(cast<BinOpExpr>(e)->lhs), f(cast<BinOpExpr>(e)->rhs); return;
  case Expr::Kind::UnaryOp: f(cast<UnaryOpExpr>(e)->operand); return;
  case Expr::Kind::BoolOp:
    for (const Expr *v : cast<BoolOpExpr>(e)->values)
      f(v);
    return;
  case Expr::Kind::Compare:
    f(cast<CompareExpr>(e)->left);
    for (const Expr *v : cast<CompareExpr>(e)->comparators)
      f(v);
    return;
  case Expr::Kind::Call: {
    auto *c = cast<CallExpr>(e);
    f(c->callee);
    for (const Expr *a : c->args)
      f(a);
    for (const Keyword &k : c->keywords)
      f(k.value);
    return;
  }
  case Expr::Kind::Attribute: f(cast<AttributeExpr>(e)->value); return;
  case Expr::Kind::Subscript: f(cast<SubscriptExpr>(e)->value), f(cast<SubscriptExpr>(e)->index); return;
  case Expr::Kind::Tuple:
    for (const Expr *v : cast<TupleExpr>(e)->elts)
      f(v);
    return;
  case Expr::Kind::IfExp: {
    auto *i = cast<IfExpExpr>(e);
    f(i->test), f(i->body), f(i->orelse);
    return;
  }
  case Expr::Kind::Slice: {
    auto *s = cast<SliceExpr>(e);
    for (const Expr *p : {s->lower, s->upper, s->step})
      if (p)
        f(p);
    return;
  }
  case Expr::Kind::Starred: f(cast<StarredExpr>(e)->value); return;
  default: return;
  }
}

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
    if (auto rw = tf.rewrites.find(c); rw != tf.rewrites.end()) // f(*t), keywords, defaults: the call as bound
      c = cast<CallExpr>(rw->second);
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

} // namespace

KernelFacts analyzeKernel(const TypedFunction &tf) {
  KernelFacts out;
  std::map<const TypedFunction *, std::vector<bool>> writes;
  out.written = WriteAnalysis(tf, writes).run();
  std::map<const TypedFunction *, Coarsening> memo;
  out.coarsenable = coarsenable(tf, memo, false).ok;
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
