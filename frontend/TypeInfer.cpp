//===- frontend/TypeInfer.cpp - Statements, operators, the fixpoint -------===//
//
// Algorithm: collect every name the body assigns (those are locals, as in
// Python), one local per web of each name (Webs.h: values no read sees
// together, numba's SSA variables); type parameters from the signature; then
// walk the body again and again, joining each assigned value's type into
// its local, until a walk changes nothing. An expression that reads a local not yet typed is
// "unknown" in that walk; the last walk, after the fixpoint, reports any
// local read before its first assignment in source order (numba's rule: a
// later assignment in a loop does not count) as used before assignment.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"
#include "frontend/Webs.h"

#include <algorithm>
#include <functional>

namespace ptxforge::frontend {

static void collectTargets(const Expr *target, std::vector<const NameExpr *> &out) {
  if (auto *n = dyn_cast<NameExpr>(target))
    out.push_back(n);
  else if (auto *t = dyn_cast<TupleExpr>(target))
    for (const Expr *e : t->elts)
      collectTargets(e, out);
  else if (auto *s = dyn_cast<StarredExpr>(target))
    collectTargets(s->value, out);
}

void collectAssigned(const Block &b, std::vector<const NameExpr *> &out) {
  for (const Stmt *s : b) {
    if (auto *a = dyn_cast<AssignStmt>(s)) {
      for (const Expr *t : a->targets)
        collectTargets(t, out);
    } else if (auto *a = dyn_cast<AugAssignStmt>(s)) {
      collectTargets(a->target, out);
    } else if (auto *f = dyn_cast<ForStmt>(s)) {
      collectTargets(f->target, out);
      collectAssigned(f->body, out);
      collectAssigned(f->orelse, out);
    } else if (auto *i = dyn_cast<IfStmt>(s)) {
      collectAssigned(i->body, out);
      collectAssigned(i->orelse, out);
    } else if (auto *w = dyn_cast<WhileStmt>(s)) {
      collectAssigned(w->body, out);
      collectAssigned(w->orelse, out);
    }
  }
}

// True when some `return` of the body gives a value.
static bool returnsValue(const Block &b) {
  for (const Stmt *s : b) {
    if (auto *r = dyn_cast<ReturnStmt>(s); r && r->value && !isa<NoneConstExpr>(r->value))
      return true;
    if (auto *i = dyn_cast<IfStmt>(s); i && (returnsValue(i->body) || returnsValue(i->orelse)))
      return true;
    if (auto *f = dyn_cast<ForStmt>(s); f && (returnsValue(f->body) || returnsValue(f->orelse)))
      return true;
    if (auto *w = dyn_cast<WhileStmt>(s); w && (returnsValue(w->body) || returnsValue(w->orelse)))
      return true;
  }
  return false;
}

// True when a `break` leaves this loop body (not an inner loop's).
static bool breaksOut(const Block &b) {
  for (const Stmt *s : b) {
    if (isa<BreakStmt>(s))
      return true;
    if (auto *i = dyn_cast<IfStmt>(s); i && (breaksOut(i->body) || breaksOut(i->orelse)))
      return true;
  }
  return false;
}

// False when control cannot reach the end of `b`: its last statement
// returns or raises, is an `if` none of whose branches can reach its end,
// or is a `while True:` that no `break` leaves. Conservative: true when
// unsure (a function then returns an Optional whose None never comes).
static bool mayFallThrough(const Block &b) {
  if (b.empty())
    return true;
  const Stmt *s = b.back();
  if (isa<ReturnStmt>(s) || isa<RaiseStmt>(s))
    return false;
  if (auto *i = dyn_cast<IfStmt>(s))
    return mayFallThrough(i->body) || mayFallThrough(i->orelse);
  if (auto *w = dyn_cast<WhileStmt>(s)) {
    bool forever = (isa<BoolConstExpr>(w->test) && cast<BoolConstExpr>(w->test)->value) ||
                   (isa<IntConstExpr>(w->test) && cast<IntConstExpr>(w->test)->value != 0);
    return !forever || breaksOut(w->body);
  }
  return true;
}

// The locals of out.constLocals: assigned exactly once (counting every
// target of every assignment, loop and augmented assignment), by a plain
// `name = <integer literal>`, and not parameters.
void Inferer::findConstLocals(const FunctionDef &fn, const std::vector<const NameExpr *> &assigned) {
  std::map<std::string, int> count;
  for (const NameExpr *n : assigned)
    ++count[n->id];
  for (const Param &p : fn.params)
    count[p.name] += 2;
  std::function<void(const Block &)> walk = [&](const Block &b) {
    for (const Stmt *s : b) {
      if (auto *a = dyn_cast<AssignStmt>(s); a && a->targets.size() == 1) {
        auto *n = dyn_cast<NameExpr>(a->targets[0]);
        const Expr *v = a->value;
        bool negative = false;
        if (auto *u = dyn_cast<UnaryOpExpr>(v); u && u->op == UnaryOpKind::Minus)
          v = u->operand, negative = true;
        auto *i = dyn_cast<IntConstExpr>(v);
        if (n && i && !i->bigUnsigned && count[n->id] == 1)
          out.constLocals[n->id] = negative ? -i->value : i->value;
      } else if (auto *f = dyn_cast<ForStmt>(s)) {
        walk(f->body);
        walk(f->orelse);
      } else if (auto *c = dyn_cast<IfStmt>(s)) {
        walk(c->body);
        walk(c->orelse);
      } else if (auto *w = dyn_cast<WhileStmt>(s)) {
        walk(w->body);
        walk(w->orelse);
      }
    }
  };
  walk(fn.body);
}

void Inferer::run(const FunctionDef &fn, const std::vector<const Type *> &argTypes) {
  if (out.isKernel && !fn.params.empty() && fn.params.back().vararg)
    fail(fn.params.back().span, "'*" + fn.params.back().name +
                                    "' is not supported in a kernel's parameters (only in device functions); list "
                                    "the parameters");
  if (argTypes.size() != fn.params.size())
    fail(fn.span, "'" + fn.name + "' takes " + std::to_string(fn.params.size()) + " argument(s) but " +
                      std::to_string(argTypes.size()) + " were given");
  for (std::size_t i = 0; i < fn.params.size(); ++i) {
    const Type *t = argTypes[i];
    // A device function may also take a function, a builtin, a dtype or
    // None: it is specialised on that value, which has no run-time content.
    if (!isa<ScalarType>(t) && !isa<ArrayType>(t) && !isa<TupleType>(t) && !isa<RecordType>(t) && !isa<EnumType>(t) && !isa<PointerType>(t) &&
        (out.isKernel ||
         (!isStaticValue(t) && t->kind() != Type::Kind::None && !isa<Fp8Type>(t) && !isa<OptionalType>(t))))
      fail(fn.params[i].span, "argument '" + fn.params[i].name + "' has type " + t->str() +
                                  ", which has no device representation; pass numbers, arrays or tuples");
    auto local = std::make_unique<Local>();
    local->name = fn.params[i].name;
    local->type = t;
    local->paramIndex = static_cast<int>(i);
    local->firstAssign = fn.params[i].span;
    if (!out.literalParams.count(local->name)) // a literal parameter reads as its constant
      localByName[local->name] = local.get();
    out.locals.push_back(std::move(local));
  }
  out.paramTypes = argTypes;
  unrollLoops(fn.body, argTypes);
  std::vector<const NameExpr *> assigned;
  collectAssigned(fn.body, assigned);
  for (const auto &[loop, copies] : out.unrolled)
    for (const Block &copy : copies)
      collectAssigned(copy, assigned);
  findConstLocals(fn, assigned);
  for (const NameExpr *n : assigned) {
    if (localByName.count(n->id))
      continue;
    auto local = std::make_unique<Local>();
    local->name = n->id;
    local->firstAssign = n->span();
    localByName[n->id] = local.get();
    out.locals.push_back(std::move(local));
  }
  // A name assigned values that never meet (numba's SSA: `t = 1`, later
  // `t = B`) gets a local per web; the webs' types are joined where they
  // join (assignTo), so only webs of kinds that cannot join stay apart.
  // literal_unroll's copies are other trees: no webs there.
  std::set<std::string> notLocal;
  for (const auto &[name, value] : out.literalParams)
    notLocal.insert(name);
  std::map<std::string, const Type *> paramTypes;
  for (std::size_t i = 0; i < fn.params.size(); ++i)
    paramTypes[fn.params[i].name] = argTypes[i];
  auto decide = [&](const Expr *test, const std::function<bool(const std::string &)> &onlyParam) {
    return earlyTruth(test, paramTypes, onlyParam);
  };
  if (std::optional<Webs> webs = out.unrolled.empty() ? findWebs(fn, notLocal, decide) : std::nullopt) {
    std::map<std::pair<std::string, int>, Local *> made;
    for (const auto &[name, count] : webs->count)
      websOf[name].push_back(localByName.at(name));
    for (const auto &[n, web] : webs->webOf) {
      if (web == 0)
        continue;
      Local *&l = made[{n->id, web}];
      if (!l) {
        auto local = std::make_unique<Local>();
        local->name = n->id;
        local->firstAssign = n->span();
        l = local.get();
        out.locals.push_back(std::move(local));
        websOf[n->id].push_back(l);
      } else if (std::tie(n->span().line, n->span().col) <
                 std::tie(l->firstAssign.line, l->firstAssign.col)) {
        l->firstAssign = n->span();
      }
      webLocal[n] = l;
    }
  }
  // What a recursive call sees while this function is typed: the declared
  // return type, void when no `return` gives a value, else the join of the
  // values returned so far (unknown until the first).
  out.returnType = declaredReturn ? declaredReturn : returnsValue(fn.body) ? nullptr : tc.voidType();
  fallsOff = !out.isKernel && !declaredReturn && mayFallThrough(fn.body);
  // The lattice of each local has few levels (scalar widths, layouts), so
  // this converges in a handful of walks; the bound only guards bugs.
  for (int iteration = 0; iteration < 64; ++iteration) {
    changed = false;
    out.exprTypes.clear();
    out.unwrapped.clear();
    out.calls.clear();
    block(fn.body);
    if (!changed)
      break;
  }
  finalPass = true;
  out.exprTypes.clear();
  out.unwrapped.clear();
  out.calls.clear();
  assignedSoFar.clear();
  block(fn.body);
  if (declaredReturn && declaredReturn->kind() == Type::Kind::Void && returned &&
      returned->kind() != Type::Kind::Void)
    fail(fn.span, "'" + fn.name + "' is declared to return void but returns " + returned->str());
  out.returnType = declaredReturn ? declaredReturn : returned ? returned : tc.voidType();
}

void Inferer::block(const Block &b) {
  for (const Stmt *s : b) {
    stmt(s);
    if (out.endsBlock(s))
      return; // `if x is None: return ...`: what follows is dead where the branch is taken
  }
}

static bool isDocstring(const Stmt *s) {
  auto *e = dyn_cast<ExprStmt>(s);
  return e && isa<StrConstExpr>(e->value);
}

void Inferer::stmt(const Stmt *s) {
  switch (s->kind()) {
  case Stmt::Kind::Expr:
    if (!isDocstring(s))
      expr(cast<ExprStmt>(s)->value);
    return;
  case Stmt::Kind::Assign: {
    auto *a = cast<AssignStmt>(s);
    if (constStringStore(a))
      return;
    const Type *v = expr(a->value);
    for (const Expr *t : a->targets)
      assignTo(t, v, a->value->span());
    return;
  }
  case Stmt::Kind::AugAssign: {
    auto *a = cast<AugAssignStmt>(s);
    const Type *current = expr(a->target);
    const Type *v = expr(a->value);
    const Type *result = (current && v) ? binOp(a->op, current, v, s->span()) : nullptr;
    assignTo(a->target, result, s->span());
    return;
  }
  case Stmt::Kind::If: {
    auto *i = cast<IfStmt>(s);
    const Type *test = expr(i->test);
    if (test && test->kind() != Type::Kind::None)
      scalar(test, i->test, "an 'if' condition");
    if (std::optional<bool> known = test ? constTruth(i->test) : std::nullopt) {
      out.constantIfs[i] = *known; // only the branch taken is typed (and lowered)
      block(*known ? i->body : i->orelse);
      return;
    }
    block(i->body);
    block(i->orelse);
    return;
  }
  case Stmt::Kind::While: {
    auto *w = cast<WhileStmt>(s);
    scalar(expr(w->test), w->test, "a 'while' condition");
    ++loopDepth;
    block(w->body);
    --loopDepth;
    block(w->orelse);
    return;
  }
  case Stmt::Kind::For: {
    auto *f = cast<ForStmt>(s);
    if (auto u = out.unrolled.find(f); u != out.unrolled.end()) { // literal_unroll: each copy in turn
      ++loopDepth;
      for (const Block &copy : u->second)
        block(copy);
      --loopDepth;
      block(f->orelse);
      return;
    }
    const Type *iter = expr(f->iter);
    const Type *elt = nullptr;
    if (iter) {
      if (auto *r = dyn_cast<RangeType>(iter)) {
        elt = r->elt;
      } else if (auto *it = dyn_cast<IterType>(iter); it && isa<CallExpr>(f->iter)) {
        elt = it->elt; // enumerate(...) / zip(...): a tuple per step
      } else if (auto *a = dyn_cast<ArrayType>(iter); a && a->ndim >= 1) {
        // Iterating an array runs over its first axis: elements of a 1-d
        // array, views of the rows of a wider one.
        elt = a->ndim == 1 ? static_cast<const Type *>(a->dtype)
                           : tc.arrayType(a->dtype, a->ndim - 1, a->layout == Layout::C ? Layout::C : Layout::A,
                                          a->readonly);
      } else if (auto *t = dyn_cast<TupleType>(iter); t && !t->elts.empty()) {
        // A tuple's elements share one variable: the join of their types.
        elt = t->elts[0];
        for (const Type *e : t->elts)
          if (!(elt = join(elt, e)))
            fail(f->iter->span(), "a 'for' loop over a tuple needs elements of one kind (numbers, or arrays of "
                                  "one type), not " + iter->str());
      } else {
        fail(f->iter->span(), "a kernel's 'for' loop runs over range(...), an array, a tuple, enumerate(...) or "
                              "zip(...), not over " + iter->str());
      }
    }
    if (!isa<NameExpr>(f->target) && !(isa<TupleExpr>(f->target) && iter && isa<IterType>(iter)))
      fail(f->target->span(), "the target of a kernel's 'for' loop must be a single name (or names to unpack "
                              "the tuples enumerate(...) and zip(...) give)");
    assignTo(f->target, elt, f->iter->span());
    ++loopDepth;
    block(f->body);
    --loopDepth;
    block(f->orelse);
    return;
  }
  case Stmt::Kind::Break:
  case Stmt::Kind::Continue:
    if (loopDepth == 0)
      fail(s->span(), std::string("'") + (isa<BreakStmt>(s) ? "break" : "continue") + "' outside a loop");
    return;
  case Stmt::Kind::Return: {
    auto *r = cast<ReturnStmt>(s);
    bool hasValue = r->value && !isa<NoneConstExpr>(r->value);
    if (hasValue && out.isKernel) { // numba: TypeError, "must have void return type"
      expr(r->value); // what the value cannot be is said first (numba types it first)
      Diagnostic d;
      d.span = r->value->span();
      d.message = "a kernel cannot return a value (kernels must have void return type); write results into an "
                  "array argument, or compile the function with device=True";
      d.errorClass = "KernelReturnError";
      throw DiagnosticError(std::move(d));
    }
    const Type *v = hasValue ? expr(r->value) : nullptr;
    if (hasValue && !v)
      return;
    if (v && v->kind() == Type::Kind::None) // `return x` of a variable holding None
      hasValue = false;
    // A device function that returns a value on some paths and None on
    // others returns an Optional, as in numba (not with a declared type).
    const bool optional = !out.isKernel && (!declaredReturn || isa<OptionalType>(declaredReturn));
    auto setReturned = [&](const Type *t) {
      if (t != returned) {
        returned = t;
        changed = true;
        if (!declaredReturn)
          out.returnType = returned;
      }
    };
    if (!hasValue) {
      if (returned && returned->kind() != Type::Kind::Void) {
        if (!optional)
          fail(s->span(), "this 'return' gives None but another returns " + returned->str() +
                              "; return a value on every path");
        setReturned(tc.optionalType(returned));
        return;
      }
      returned = tc.voidType();
      if (!declaredReturn)
        out.returnType = returned;
      return;
    }
    bool sawNone = returned && returned->kind() == Type::Kind::Void;
    if (sawNone && !optional)
      fail(r->value->span(), "this 'return' gives " + v->str() + " but another returns None; "
                             "return a value on every path");
    if (!isa<ScalarType>(v) && !isa<ArrayType>(v) && !isa<TupleType>(v) && !isa<RecordType>(v) && !isa<EnumType>(v) &&
        !isa<Fp8Type>(v) && !isa<OptionalType>(v))
      fail(r->value->span(), "a device function returns numbers, arrays or tuples of them, not " + v->str());
    const Type *joined = join(sawNone ? nullptr : returned, v);
    if (!joined)
      fail(r->value->span(), "this 'return' gives " + v->str() + " but another returns " + returned->str());
    if (sawNone || (fallsOff && optional))
      joined = tc.optionalType(joined);
    setReturned(joined);
    return;
  }
  case Stmt::Kind::Pass:
    return;
  case Stmt::Kind::Raise:
    raiseStmt(cast<RaiseStmt>(s));
    return;
  case Stmt::Kind::Assert: {
    auto *a = cast<AssertStmt>(s);
    scalar(expr(a->test), a->test, "an 'assert' condition");
    if (a->msg && !isConstantArgument(a->msg))
      fail(a->msg->span(), "an assertion's message must be a constant (a string or a number written in place)");
    return;
  }
  }
}

const Type *Inferer::join(const Type *a, const Type *b) const {
  if (!a)
    return b;
  if (!b || a == b)
    return a;
  auto *oa = dyn_cast<OptionalType>(a), *ob = dyn_cast<OptionalType>(b);
  if (oa || ob) { // an Optional meets None, a value or another Optional: an Optional
    const Type *va = oa ? oa->value : a, *vb = ob ? ob->value : b;
    if (va->kind() == Type::Kind::None || vb->kind() == Type::Kind::None)
      return tc.optionalType(va->kind() == Type::Kind::None ? vb : va);
    const Type *v = join(va, vb);
    return v ? tc.optionalType(v) : nullptr;
  }
  auto *sa = dyn_cast<ScalarType>(a), *sb = dyn_cast<ScalarType>(b);
  if (sa && sb)
    return promote(sa, sb);
  auto *aa = dyn_cast<ArrayType>(a), *ab = dyn_cast<ArrayType>(b);
  if (aa && ab && aa->dtype == ab->dtype && aa->ndim == ab->ndim)
    return tc.arrayType(aa->dtype, aa->ndim, aa->layout == ab->layout ? aa->layout : Layout::A,
                        aa->readonly || ab->readonly);
  auto *ta = dyn_cast<TupleType>(a), *tb = dyn_cast<TupleType>(b);
  if (ta && tb && ta->elts.size() == tb->elts.size()) {
    std::vector<const Type *> elts;
    for (std::size_t i = 0; i < ta->elts.size(); ++i) {
      const Type *j = join(ta->elts[i], tb->elts[i]);
      if (!j)
        return nullptr;
      elts.push_back(j);
    }
    return tc.tupleType(std::move(elts));
  }
  return nullptr;
}

bool Inferer::constStringStore(const AssignStmt *a) {
  // arr[i] = "XYZ", rec["y"] = b"ABC": a constant string into an S/U element or
  // field (numba's CharSeq/UnicodeCharSeq), stored as NumPy stores it.
  auto *str = dyn_cast<StrConstExpr>(a->value);
  if (!str || a->targets.size() != 1 || isa<NameExpr>(a->targets[0]) || isa<TupleExpr>(a->targets[0]))
    return false;
  const Expr *target = a->targets[0];
  const Type *elem = nullptr;
  if (auto *s = dyn_cast<SubscriptExpr>(target)) {
    elem = subscript(s);
  } else if (auto *at = dyn_cast<AttributeExpr>(target)) {
    const Type *base = expr(at->value);
    elem = base && isa<RecordType>(base) ? attribute(at) : nullptr;
  }
  auto *cs = elem ? dyn_cast<CharSeqType>(elem) : nullptr;
  if (!cs)
    return false;
  if (str->isBytes == cs->unicode)
    fail(a->value->span(), std::string("cannot store a ") + (str->isBytes ? "bytes" : "str") + " constant in " +
                               (cs->unicode ? "a unicode string (" : "a byte string (") + cs->str() +
                               ") element; write " + (cs->unicode ? "\"...\"" : "b\"...\""));
  const Type *container = isa<SubscriptExpr>(target) ? out.typeOf(cast<SubscriptExpr>(target)->value) : nullptr;
  if (auto *arr = container ? dyn_cast<ArrayType>(container) : nullptr; arr && arr->readonly)
    fail(target->span(), "this array is read-only (a global frozen into the kernel)");
  out.exprTypes[target] = cs;
  out.exprTypes[a->value] = cs;
  return true;
}

void Inferer::assignTo(const Expr *target, const Type *value, const Span &valueSpan) {
  if (auto *n = dyn_cast<NameExpr>(target)) {
    Local *local = localFor(n);
    assignedSoFar.insert(local);
    if (!value)
      return;
    // A grid group (pf.cg.this_grid()) has no run-time content but may be
    // kept in a variable, as in `g = cuda.cg.this_grid(); g.sync()`.
    auto *path = dyn_cast<PathType>(value);
    bool handle = path && path->kind() == Type::Kind::Module && path->path.rfind("ptxforge.cg.", 0) == 0;
    if ((path && !handle) || isa<DtypeType>(value) || isa<RangeType>(value) || isa<IterType>(value) ||
        isa<FunctionType>(value) || isa<CharSeqType>(value) || value->kind() == Type::Kind::Void)
      fail(valueSpan, "cannot store " + value->str() + " in variable '" + n->id +
                          "'; variables hold numbers, arrays, tuples and None");
    const Type *joined = join(local->type, value);
    if (!joined) {
      Diagnostic d;
      d.span = valueSpan;
      d.message = "variable '" + n->id + "' holds " + local->type->str() + " but is assigned " + value->str() +
                  " here; a variable keeps one type throughout the function";
      d.notes.push_back({local->firstAssign, "'" + n->id + "' first gets its type here"});
      throw DiagnosticError(std::move(d));
    }
    if (local->paramIndex >= 0 && joined != local->type && !isa<ScalarType>(joined))
      fail(valueSpan, "parameter '" + n->id + "' is " + local->type->str() + " and cannot be given " + value->str());
    if (joined != local->type) {
      local->type = joined;
      changed = true;
    }
    // The other webs of the name take the join where there is one, so a
    // name has one type wherever its values can be of one type.
    if (auto w = websOf.find(n->id); w != websOf.end())
      for (Local *other : w->second)
        if (other != local && other->type && other->paramIndex < 0)
          if (const Type *j = join(other->type, local->type); j && j != other->type) {
            other->type = j;
            changed = true;
          }
    out.exprTypes[target] = local->type;
    out.refs[target] = NameRef{local, nullptr, nullptr};
    return;
  }
  if (auto *t = dyn_cast<TupleExpr>(target)) {
    if (!value) {
      for (const Expr *e : t->elts)
        assignTo(isa<StarredExpr>(e) ? cast<StarredExpr>(e)->value : e, nullptr, valueSpan);
      return;
    }
    auto *tt = dyn_cast<TupleType>(value);
    if (!tt)
      fail(valueSpan, "cannot unpack " + value->str() + " into " + std::to_string(t->elts.size()) + " names");
    if (hasStarred(t->elts)) {
      assignStarred(t, tt, valueSpan);
      return;
    }
    if (tt->elts.size() != t->elts.size())
      fail(valueSpan, "cannot unpack a tuple of " + std::to_string(tt->elts.size()) + " values into " +
                          std::to_string(t->elts.size()) + " names");
    for (std::size_t i = 0; i < t->elts.size(); ++i)
      assignTo(t->elts[i], tt->elts[i], valueSpan);
    return;
  }
  if (auto *s = dyn_cast<SubscriptExpr>(target)) {
    const Type *elem = subscript(s);
    if (elem)
      out.exprTypes[target] = elem;
    storeElement(target, elem, value, valueSpan);
    return;
  }
  if (auto *a = dyn_cast<AttributeExpr>(target)) {
    const Type *base = expr(a->value);
    if (!base)
      return;
    if (isa<RecordType>(base)) {
      const Type *field = attribute(a);
      if (field)
        out.exprTypes[target] = field;
      storeField(target, field, value, valueSpan);
      return;
    }
    fail(target->span(), "cannot assign to an attribute in a kernel");
  }
  fail(target->span(), "cannot assign to this expression");
}

void Inferer::storeElement(const Expr *target, const Type *elem, const Type *value, const Span &at) {
  auto *s = cast<SubscriptExpr>(target);
  const Type *container = out.typeOf(s->value);
  if (container && isa<TupleType>(container))
    fail(target->span(), "tuples cannot be changed; build a new tuple instead");
  if (container && isa<RecordType>(container))
    return storeField(target, elem, value, at);
  if (!elem || !value)
    return;
  if (auto *arr = dyn_cast<ArrayType>(container); arr && arr->readonly)
    fail(target->span(), "this array is read-only: a global array is frozen into the kernel as a constant");
  if (isa<RecordType>(elem) && value != elem)
    fail(at, "cannot store " + value->str() + " into an element of type " + elem->str() +
                 "; a record element takes a record of the same dtype");
  if (isa<RecordType>(elem))
    return; // the record's bytes are copied
  if (auto *view = dyn_cast<ArrayType>(elem))
    return storeView(view, value, at);
  if (auto *o = dyn_cast<OptionalType>(value); o && isa<ScalarType>(o->value))
    value = o->value; // its value is stored (numba's cast; a None's is 0)
  if (!isa<ScalarType>(value))
    fail(at, "cannot store " + value->str() + " into an element of type " + elem->str());
  if (cast<ScalarType>(value)->isComplex() && !cast<ScalarType>(elem)->isComplex())
    fail(at, "cannot store " + value->str() + " into an element of type " + elem->str() +
                 "; store its .real, .imag or abs()");
}

// `a[1:3] = 0` fills a view; `a[i, :] = b` copies an array in, broadcast
// against the view's last axes as NumPy does. A record's nested array field
// (`r.f = b`) is such a view too.
void Inferer::storeView(const ArrayType *view, const Type *value, const Span &at) {
  auto *src = dyn_cast<ArrayType>(value);
  if ((!isa<ScalarType>(value) && !src) || (isa<RecordType>(value) && !isa<RecordType>(view->dtype)))
    fail(at, "cannot store " + value->str() + " into the array view " + view->str() +
                 "; assign a number or an array");
  if (src && src->ndim > view->ndim)
    fail(at, "cannot store the " + std::to_string(src->ndim) + "-d array " + src->str() + " into the " +
                 std::to_string(view->ndim) + "-d view " + view->str() + "; it has more dimensions");
  if (src && (isa<RecordType>(src->dtype) || isa<RecordType>(view->dtype)) && src->dtype != view->dtype)
    fail(at, "cannot store the array " + src->str() + " into the array view " + view->str() +
                 "; their element types differ");
  const ScalarType *from = src ? src->dtype : dyn_cast<ScalarType>(value);
  if (from && from->isComplex() && !view->dtype->isComplex())
    fail(at, "cannot store " + value->str() + " into the array view " + view->str() +
                 "; store its .real, .imag or abs()");
}

//===-- Expressions -------------------------------------------------------===//

const Type *Inferer::optionalValue(const Type *t, const Expr *e) {
  auto *o = t ? dyn_cast<OptionalType>(t) : nullptr;
  if (!o || !isa<ScalarType>(o->value) || out.typeOf(e) != t)
    return t;
  out.exprTypes[e] = o->value; // an Optional used as a number: its value (numba's cast, unchecked)
  out.unwrapped.insert(e);
  return o->value;
}

const ScalarType *Inferer::scalar(const Type *t, const Expr *e, const char *what) {
  if (!t)
    return nullptr;
  t = optionalValue(t, e);
  auto *s = dyn_cast<ScalarType>(t);
  if (!s)
    fail(e->span(), std::string(what) + " must be a number or bool, not " + t->str());
  return s;
}

const ScalarType *Inferer::integer(const Type *t, const Expr *e, const char *what) {
  const ScalarType *s = scalar(t, e, what);
  if (s && !s->isInt() && !s->isBool())
    fail(e->span(), std::string(what) + " must be an integer, not " + s->str());
  return s;
}

std::optional<std::int64_t> Inferer::constInt(const Expr *e) const {
  if (auto *i = dyn_cast<IntConstExpr>(e))
    return i->bigUnsigned ? std::nullopt : std::optional<std::int64_t>(i->value);
  if (auto *u = dyn_cast<UnaryOpExpr>(e))
    if (u->op == UnaryOpKind::Minus)
      if (auto v = constInt(u->operand))
        return -*v;
  if (auto *n = dyn_cast<NameExpr>(e)) {
    if (localByName.count(n->id)) {
      auto known = out.constLocals.find(n->id);
      return known == out.constLocals.end() ? std::nullopt : std::optional<std::int64_t>(known->second);
    }
    const GlobalValue *g = constantNamed(n);
    if (g && g->kind == GlobalValue::Constant && g->type->isInt())
      return g->intValue;
  }
  return std::nullopt;
}

const GlobalValue *Inferer::constantNamed(const NameExpr *n) const {
  if (localByName.count(n->id))
    return nullptr;
  if (auto lit = out.literalParams.find(n->id); lit != out.literalParams.end())
    return &lit->second;
  if (auto it = env.find(n->id); it != env.end())
    return &it->second;
  return nullptr;
}

// A bool known when compiled: True, False, or a bool constant (a global, a
// closure variable or a literal argument).
std::optional<bool> Inferer::boolConstant(const Expr *e) const {
  if (auto *b = dyn_cast<BoolConstExpr>(e))
    return b->value;
  if (auto *n = dyn_cast<NameExpr>(e))
    if (const GlobalValue *g = constantNamed(n); g && g->kind == GlobalValue::Constant && g->type->isBool())
      return g->intValue != 0;
  return std::nullopt;
}

// An `if` test decided before typing, for the web analysis (Webs.h): the
// forms constTruth decides the same way once typed. A name is known here
// only as a global constant, or as a parameter that can only hold its
// argument at the test (`y is None` for a None argument).
std::optional<bool> Inferer::earlyTruth(const Expr *e, const std::map<std::string, const Type *> &params,
                                        const std::function<bool(const std::string &)> &onlyParam) const {
  if (auto v = boolConstant(e))
    return v;
  if (auto *u = dyn_cast<UnaryOpExpr>(e); u && u->op == UnaryOpKind::Not) {
    if (auto v = earlyTruth(u->operand, params, onlyParam))
      return !*v;
    return std::nullopt;
  }
  if (auto *n = dyn_cast<NameExpr>(e); n && !localByName.count(n->id)) {
    const GlobalValue *g = constantNamed(n);
    if (g && g->kind == GlobalValue::NoneValue)
      return false;
    if (g && g->kind == GlobalValue::Constant && g->type->isInt())
      return g->intValue != 0;
    return std::nullopt;
  }
  auto *c = dyn_cast<CompareExpr>(e);
  if (!c || c->ops.size() != 1)
    return std::nullopt;
  const CmpOpKind op = c->ops[0];
  const bool positive = op == CmpOpKind::Is || op == CmpOpKind::Eq;
  if (!positive && op != CmpOpKind::IsNot && op != CmpOpKind::NotEq)
    return std::nullopt;
  auto noneness = [&](const Expr *x) -> std::optional<bool> {
    if (isa<NoneConstExpr>(x))
      return true;
    auto *n = dyn_cast<NameExpr>(x);
    if (!n)
      return std::nullopt;
    if (!localByName.count(n->id)) {
      const GlobalValue *g = constantNamed(n);
      if (g && (g->kind == GlobalValue::NoneValue || g->kind == GlobalValue::Constant))
        return g->kind == GlobalValue::NoneValue;
      return std::nullopt;
    }
    auto p = params.find(n->id);
    if (p == params.end() || !onlyParam(n->id) || isa<OptionalType>(p->second))
      return std::nullopt;
    return p->second->kind() == Type::Kind::None;
  };
  auto l = noneness(c->left), r = noneness(c->comparators[0]);
  if (l && r && (*l || *r))
    return positive == (*l && *r);
  auto lb = boolConstant(c->left), rb = boolConstant(c->comparators[0]);
  if (lb && rb)
    return positive == (*lb == *rb);
  return std::nullopt;
}

std::optional<bool> Inferer::constTruth(const Expr *e) const {
  const Type *t = out.typeOf(e);
  if (!t)
    return std::nullopt;
  if (t->kind() == Type::Kind::None)
    return false;
  if (auto *b = dyn_cast<BoolConstExpr>(e))
    return b->value;
  if (auto v = constInt(e))
    return *v != 0;
  if (auto *n = dyn_cast<NameExpr>(e)) // a bool constant or literal argument
    if (const GlobalValue *g = constantNamed(n); g && g->kind == GlobalValue::Constant && g->type->isBool())
      return g->intValue != 0;
  if (auto *u = dyn_cast<UnaryOpExpr>(e); u && u->op == UnaryOpKind::Not)
    if (auto v = constTruth(u->operand))
      return !*v;
  auto *c = dyn_cast<CompareExpr>(e);
  if (!c || c->ops.size() != 1)
    return std::nullopt;
  CmpOpKind op = c->ops[0];
  const Type *lt = out.typeOf(c->left), *rt = out.typeOf(c->comparators[0]);
  if (!lt || !rt)
    return std::nullopt;
  if (isa<OptionalType>(lt) || isa<OptionalType>(rt))
    return std::nullopt; // None or not: known when it runs
  bool leftNone = lt->kind() == Type::Kind::None, rightNone = rt->kind() == Type::Kind::None;
  if ((leftNone || rightNone) && (op == CmpOpKind::Is || op == CmpOpKind::Eq))
    return leftNone && rightNone;
  if ((leftNone || rightNone) && (op == CmpOpKind::IsNot || op == CmpOpKind::NotEq))
    return !(leftNone && rightNone);
  if (op == CmpOpKind::Is || op == CmpOpKind::IsNot || op == CmpOpKind::Eq || op == CmpOpKind::NotEq)
    if (auto lb = boolConstant(c->left), rb = boolConstant(c->comparators[0]); lb && rb) // FLAG is True
      return (op == CmpOpKind::Is || op == CmpOpKind::Eq) == (*lb == *rb);
  // Integers known when compiled: literals, constants, an array's ndim, a tuple's len().
  auto known = [&](const Expr *x) -> std::optional<std::int64_t> {
    if (auto v = constInt(x))
      return v;
    if (auto *a = dyn_cast<AttributeExpr>(x); a && a->attr == "ndim")
      if (const Type *v = out.typeOf(a->value); v && isa<ArrayType>(v))
        return cast<ArrayType>(v)->ndim;
    if (auto *call = dyn_cast<CallExpr>(x); call && call->args.size() == 1 && call->keywords.empty())
      if (const Type *f = out.typeOf(call->callee); f && isa<PathType>(f) && cast<PathType>(f)->path == "builtins.len")
        if (const Type *v = out.typeOf(call->args[0]); v && isa<TupleType>(v))
          return static_cast<std::int64_t>(cast<TupleType>(v)->elts.size());
    return std::nullopt;
  };
  auto l = known(c->left), r = known(c->comparators[0]);
  if (!l || !r)
    return std::nullopt;
  switch (op) {
  case CmpOpKind::Eq: return *l == *r;
  case CmpOpKind::NotEq: return *l != *r;
  case CmpOpKind::Lt: return *l < *r;
  case CmpOpKind::LtE: return *l <= *r;
  case CmpOpKind::Gt: return *l > *r;
  case CmpOpKind::GtE: return *l >= *r;
  default: return std::nullopt;
  }
}

const Type *Inferer::expr(const Expr *e) {
  const Type *t = exprUncached(e);
  if (t)
    out.exprTypes[e] = t;
  else if (finalPass)
    fail(e->span(), "internal: expression left untyped");
  return t;
}

const Type *Inferer::exprUncached(const Expr *e) {
  switch (e->kind()) {
  case Expr::Kind::Name: return name(cast<NameExpr>(e));
  case Expr::Kind::IntConst: {
    auto *i = cast<IntConstExpr>(e);
    return i->bigUnsigned ? tc.intType(64, false) : tc.intType(64, true, true);
  }
  case Expr::Kind::FloatConst: return tc.floatType(64, true);
  case Expr::Kind::BoolConst: return tc.boolType();
  case Expr::Kind::NoneConst: return tc.noneType();
  case Expr::Kind::ComplexConst: return tc.complexType(128, true);
  case Expr::Kind::StrConst:
    if (cast<StrConstExpr>(e)->isBytes)
      fail(e->span(), "bytes are not supported in kernels, except assigned to a byte-string (S) array element "
                      "or record field: arr[i] = b\"abc\"");
    // A dtype may be written as its NumPy name: local.array(3, 'float32').
    if (const ScalarType *named = tc.scalarByName(cast<StrConstExpr>(e)->value))
      return tc.dtypeType(named);
    fail(e->span(), "Invalid NumPy dtype specified: '" + cast<StrConstExpr>(e)->value +
                        "' (a string is a dtype's name here, such as 'float32'; strings have no device "
                        "representation otherwise: kernels work on numbers and arrays)");
  case Expr::Kind::BinOp: {
    auto *b = cast<BinOpExpr>(e);
    const Type *l = optionalValue(expr(b->lhs), b->lhs), *r = optionalValue(expr(b->rhs), b->rhs);
    if (!l || !r)
      return nullptr;
    return binOp(b->op, l, r, e->span());
  }
  case Expr::Kind::UnaryOp: return unaryOp(cast<UnaryOpExpr>(e));
  case Expr::Kind::BoolOp: {
    auto *b = cast<BoolOpExpr>(e);
    const ScalarType *result = nullptr;
    bool unknown = false;
    for (const Expr *v : b->values) {
      const ScalarType *s = scalar(expr(v), v, "an operand of 'and'/'or'");
      if (!s)
        unknown = true;
      else
        result = result ? promote(result, s) : s;
    }
    return unknown ? nullptr : result;
  }
  case Expr::Kind::Compare: return compare(cast<CompareExpr>(e));
  case Expr::Kind::Call: return call(cast<CallExpr>(e));
  case Expr::Kind::Attribute:
  case Expr::Kind::Subscript: {
    const Type *t = e->kind() == Expr::Kind::Attribute ? attribute(cast<AttributeExpr>(e))
                                                       : subscript(cast<SubscriptExpr>(e));
    if (t && isa<CharSeqType>(t))
      fail(e->span(), "a string element (" + t->str() + ") can only be assigned a constant string in kernels "
                                                        "(arr[i] = \"abc\", rec.name = b\"abc\"); it cannot be read");
    return t;
  }
  case Expr::Kind::Tuple: {
    if (hasStarred(cast<TupleExpr>(e)->elts)) { // (*a, b): the tuple with a's elements spread
      const Expr *spread = expandStarred(e);
      return spread ? expr(spread) : nullptr;
    }
    std::vector<const Type *> elts;
    bool unknown = false;
    for (const Expr *x : cast<TupleExpr>(e)->elts) {
      const Type *t = expr(x);
      unknown |= !t;
      if (t && !isa<ScalarType>(t) && !isa<ArrayType>(t) && !isa<TupleType>(t) && !isa<EnumType>(t) &&
          !isa<Fp8Type>(t)) {
        // A recursive call's value in the tuple it returns: the type grows with each level.
        auto call = isa<CallExpr>(x) ? out.calls.find(cast<CallExpr>(x)) : out.calls.end();
        bool recursive = call != out.calls.end() &&
                         std::any_of(session.inProgress.begin(), session.inProgress.end(),
                                     [&](const auto &p) { return p.typed == call->second; });
        fail(x->span(), std::string(recursive ? "Return type of recursive function does not converge: " : "") +
                            "a tuple in a kernel holds numbers, arrays and tuples, not " + t->str());
      }
      elts.push_back(t);
    }
    return unknown ? nullptr : tc.tupleType(std::move(elts));
  }
  case Expr::Kind::IfExp: {
    auto *i = cast<IfExpExpr>(e);
    scalar(expr(i->test), i->test, "the condition of 'x if c else y'");
    const Type *a = expr(i->body), *b = expr(i->orelse);
    if (!a || !b)
      return nullptr;
    const Type *j = join(a, b);
    if (!j)
      fail(e->span(), "the two branches of 'x if c else y' have different types: " + a->str() + " and " + b->str());
    return j;
  }
  case Expr::Kind::Slice:
    fail(e->span(), "a slice can only appear inside [...]");
  case Expr::Kind::Starred:
    fail(e->span(), "'*' spreads a tuple only in a call's arguments, a tuple display or an assignment target");
  }
  fail(e->span(), "unsupported expression");
}

const Type *Inferer::binOp(BinOpKind op, const Type *l, const Type *r, const Span &at) {
  auto *sl = dyn_cast<ScalarType>(l), *sr = dyn_cast<ScalarType>(r);
  if (!sl || !sr) {
    if (isa<ArrayType>(l) || isa<ArrayType>(r))
      fail(at, std::string("operator '") + spelling(op) + "' on whole arrays is not supported in kernels; "
               "index the array and work element by element");
    fail(at, std::string("operator '") + spelling(op) + "' is not defined for " + l->str() + " and " + r->str());
  }
  if ((sl->isComplex() || sr->isComplex()) && (op == BinOpKind::FloorDiv || op == BinOpKind::Mod))
    fail(at, std::string("operator '") + spelling(op) + "' is not defined for complex numbers");
  if (op == BinOpKind::MatMul)
    fail(at, "operator '@' is not supported in kernels");
  if (isa<DatetimeType>(sl) || isa<DatetimeType>(sr)) {
    if (const ScalarType *t = binOpResultType(op, sl, sr))
      return t;
    fail(at, std::string("operator '") + spelling(op) + "' is not defined for " + l->str() + " and " + r->str() +
                 " in kernels: datetime64 - datetime64, datetime64 +- timedelta64 and timedelta64 +- timedelta64 "
                 "are, in units that convert (NumPy's, W to as; Y and M only to themselves)");
  }
  const ScalarType *t = binOpResultType(op, sl, sr);
  if (!t)
    fail(at, std::string("operator '") + spelling(op) + "' needs integers, not " + l->str() + " and " + r->str());
  return t;
}

const ScalarType *binOpResultType(BinOpKind op, const ScalarType *l, const ScalarType *r) {
  TypeContext &tc = types();
  if (isa<DatetimeType>(l) || isa<DatetimeType>(r))
    return datetimeBinOpType(op == BinOpKind::Add ? '+' : op == BinOpKind::Sub ? '-' : 0, l, r);
  const ScalarType *t = promote(l, r);
  switch (op) {
  case BinOpKind::Div:
    if (t->isBool() || t->isInt())
      return tc.floatType(64, l->weak && r->weak);
    return t;
  case BinOpKind::LShift:
  case BinOpKind::RShift:
    if (t->isFloat() || t->isComplex())
      return nullptr;
    return t->isBool() ? tc.intType(64) : t;
  case BinOpKind::BitOr:
  case BinOpKind::BitXor:
  case BinOpKind::BitAnd:
    if (t->isFloat() || t->isComplex())
      return nullptr;
    return t;
  default:
    // Python: True + True == 2.
    return t->isBool() ? tc.intType(64) : t;
  }
}

const Type *Inferer::unaryOp(const UnaryOpExpr *u) {
  const ScalarType *s = scalar(expr(u->operand), u->operand, std::string("the operand of '").append(spelling(u->op)).append("'").c_str());
  if (!s)
    return nullptr;
  if (auto *d = dyn_cast<DatetimeType>(s); d && u->op != UnaryOpKind::Not && (!d->delta || u->op == UnaryOpKind::Invert))
    fail(u->span(), std::string("operator '") + spelling(u->op) + "' is not defined for " + s->str());
  switch (u->op) {
  case UnaryOpKind::Not: return tc.boolType();
  case UnaryOpKind::Plus:
  case UnaryOpKind::Minus: return s->isBool() ? tc.intType(64) : s;
  case UnaryOpKind::Invert:
    if (s->isFloat() || s->isComplex())
      fail(u->span(), "operator '~' needs an integer, not " + s->str());
    return s->isBool() ? tc.intType(64) : s;
  }
  return s;
}

const Type *Inferer::compare(const CompareExpr *c) {
  const Type *left = expr(c->left);
  bool unknown = !left;
  for (std::size_t i = 0; i < c->ops.size(); ++i) {
    const Type *right = expr(c->comparators[i]);
    unknown |= !right;
    CmpOpKind op = c->ops[i];
    if (op == CmpOpKind::In || op == CmpOpKind::NotIn) {
      // `x in (a, b)`: x == a or x == b, each element compared as `==` compares.
      if (left && right) {
        auto *tt = dyn_cast<TupleType>(right);
        if (!tt)
          fail(c->comparators[i]->span(), "'in' in kernels needs a tuple on its right, not " + right->str() +
                                              "; compare the values one by one");
        for (const Type *e : tt->elts) {
          if (enumCompare(CmpOpKind::Eq, left, e, c->span()) || left->kind() == Type::Kind::None ||
              e->kind() == Type::Kind::None)
            continue;
          scalar(left, i == 0 ? c->left : c->comparators[i - 1], "the value before 'in'");
          scalar(e, c->comparators[i], "an element of the tuple after 'in'");
        }
      }
      left = right;
      continue;
    }
    if (left && right && enumCompare(op, left, right, c->span())) {
      left = right;
      continue;
    }
    if (left && right) {
      bool leftNone = left->kind() == Type::Kind::None, rightNone = right->kind() == Type::Kind::None;
      if (op == CmpOpKind::Is || op == CmpOpKind::IsNot) {
        // Two bools: True and False are singletons, so 'is' is '=='.
        bool bools = left->kind() == Type::Kind::Bool && right->kind() == Type::Kind::Bool;
        if (!leftNone && !rightNone && !bools)
          fail(c->span(), "'is' is only supported against None and between bools (x is True) in kernels; use '=='");
      } else if ((leftNone || rightNone) && (op == CmpOpKind::Eq || op == CmpOpKind::NotEq)) {
        // == / != against None: known when compiled (None equals only None)
      } else {
        const ScalarType *sl = scalar(left, i == 0 ? c->left : c->comparators[i - 1], "a compared value");
        const ScalarType *sr = scalar(right, c->comparators[i], "a compared value");
        right = sr;
        if (auto *dl = dyn_cast<DatetimeType>(sl), *dr = dyn_cast<DatetimeType>(sr); dl || dr)
          if (!dl || !dr || dl->delta != dr->delta || dl->unit.empty() || dr->unit.empty() ||
              (!datetimeFactor(dl->unit, dr->unit) && !datetimeFactor(dr->unit, dl->unit)))
            fail(c->span(), "cannot compare " + sl->str() + " with " + sr->str() +
                                " in kernels: datetime64 compares with datetime64, timedelta64 with timedelta64, "
                                "in units that convert");
        if ((sl->isComplex() || sr->isComplex()) && op != CmpOpKind::Eq && op != CmpOpKind::NotEq)
          fail(c->span(), "complex numbers have no order; compare their abs() or .real instead");
      }
    }
    left = right;
  }
  return unknown ? nullptr : tc.boolType();
}

//===-- Entry point -------------------------------------------------------===//

std::unique_ptr<TypedFunction> inferTypes(const AstContext &ctx, const std::vector<const Type *> &argTypes,
                                          const GlobalEnv &globals, bool isKernel, Diagnostic &error) {
  auto out = std::make_unique<TypedFunction>();
  out->fn = &ctx.function();
  out->isKernel = isKernel;
  out->session = std::make_shared<TypingSession>();
  try {
    Inferer inferer(*out, globals, *out->session);
    inferer.run(ctx.function(), argTypes);
  } catch (const DiagnosticError &e) {
    error = e.diagnostic();
    return nullptr;
  }
  return out;
}

} // namespace ptxforge::frontend
