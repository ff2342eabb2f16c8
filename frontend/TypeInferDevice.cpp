//===- frontend/TypeInferDevice.cpp - Calls of device functions -----------===//
//
// A call of a device function types the callee once per compilation for the
// call's argument types, or, when the function declares signatures, for the
// best-matching one, whose parameter types the arguments are converted to.
// As numba does, a callee whose typing fails is tried again specialised on
// the call's constant arguments (a shape passed down to shared.array).
// Functions, builtins and dtypes passed as arguments specialise the callee
// through their types, which have no run-time content.
//
// Recursion: a call of a function being typed further up the chain sees
// its declared return type, or the join of what it has returned so far;
// the repeated walks of that function settle it. A function that reads such
// a partial type from below it in the chain (mutual recursion) is typed
// again on every walk instead of being cached.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"

#include <set>

namespace ptxforge::frontend {

namespace {

/// Thrown by a call, at the last walk of its function, whose callee's return
/// type is still unknown because that callee is being typed further up the
/// chain (at `level`); that function's walk takes the call as unknown.
struct RecursionPending {
  int level;
};

// The cost of passing `from` where `to` is declared: 0 the same, 1 a safe
// conversion, 2 an unsafe one (narrowing, float to int); -1 none.
int conversionCost(const Type *from, const Type *to) {
  if (from == to)
    return 0;
  auto *sf = dyn_cast<ScalarType>(from), *st = dyn_cast<ScalarType>(to);
  if (sf && st) {
    if (sf->isComplex() && !st->isComplex())
      return -1;
    const ScalarType *strong = types().strong(sf);
    if (strong == st)
      return sf->weak ? 1 : 0;
    // A Python number converts as numba types it (int64, float64): to a declared
    // float32 it is an unsafe conversion, as in numba's overload resolution.
    return promote(strong, st) == st ? 1 : 2;
  }
  auto *af = dyn_cast<ArrayType>(from), *at = dyn_cast<ArrayType>(to);
  if (af && at)
    return af->dtype == at->dtype && af->ndim == at->ndim && (at->layout == Layout::A || af->layout == at->layout) &&
                   (!af->readonly || at->readonly)
               ? 1
               : -1;
  auto *tf = dyn_cast<TupleType>(from), *tt = dyn_cast<TupleType>(to);
  if (tf && tt && tf->elts.size() == tt->elts.size()) {
    int worst = 0;
    for (std::size_t i = 0; i < tf->elts.size(); ++i) {
      int c = conversionCost(tf->elts[i], tt->elts[i]);
      if (c < 0)
        return -1;
      worst = std::max(worst, c);
    }
    return worst;
  }
  return -1;
}

std::string literalSpelling(const GlobalValue &g) {
  if (g.kind == GlobalValue::Tuple) {
    std::string s = "(";
    for (const GlobalValue &e : g.elements)
      s += literalSpelling(e) + ",";
    return s + ")";
  }
  return std::to_string(g.intValue);
}

} // namespace

bool isStaticValue(const Type *t) {
  if (isa<FunctionType>(t) || isa<DtypeType>(t))
    return true;
  auto *p = dyn_cast<PathType>(t);
  return p && p->kind() == Type::Kind::Builtin;
}

const Signature *Inferer::chooseSignature(const CallExpr *c, const DeviceFunctionRef &ref,
                                          const std::vector<const Type *> &args) {
  const Signature *best = nullptr;
  int bestCost = 0;
  for (const Signature &sig : ref.signatures) {
    if (sig.params.size() != args.size())
      continue;
    int cost = 0;
    for (std::size_t i = 0; i < args.size() && cost >= 0; ++i) {
      int one = conversionCost(args[i], sig.params[i]);
      cost = one < 0 ? -1 : cost + one;
    }
    if (cost >= 0 && (!best || cost < bestCost)) {
      best = &sig;
      bestCost = cost;
    }
  }
  if (!best) {
    Signature given;
    for (const Type *t : args) // a Python number as numba types it
      given.params.push_back(isa<ScalarType>(t) ? tc.strong(cast<ScalarType>(t)) : t);
    std::string declared;
    for (const Signature &sig : ref.signatures)
      declared += (declared.empty() ? "" : ", ") + (sig.returnInferred ? "" : sig.returnType->str()) + sig.str();
    // numba's words first ("Invalid use of type ... with parameters ..."), which numba code matches.
    fail(c->span(), "Invalid use of type(device function '" + ref.name + "') with parameters " + given.str() +
                        ": it is declared for " + declared);
  }
  return best;
}

bool Inferer::literalValue(const Expr *e, const Type *t, GlobalValue &value) const {
  if (auto *s = dyn_cast<ScalarType>(t); s && s->isBool()) { // f(..., False): its `if`s are pruned, as numba's
    auto *lit = dyn_cast<BoolConstExpr>(e);
    if (!lit)
      return false;
    value.kind = GlobalValue::Constant;
    value.type = s;
    value.intValue = lit->value;
    return true;
  }
  if (auto *s = dyn_cast<ScalarType>(t); s && s->isInt()) {
    auto v = constInt(e);
    if (!v)
      return false;
    value.kind = GlobalValue::Constant;
    value.type = s;
    value.intValue = *v;
    return true;
  }
  auto *tt = dyn_cast<TupleType>(t);
  if (!tt)
    return false;
  if (auto *n = dyn_cast<NameExpr>(e)) {
    // A constant tuple held by a global or by a literal parameter.
    if (localByName.count(n->id))
      return false;
    const GlobalValue *g = nullptr;
    if (auto lit = out.literalParams.find(n->id); lit != out.literalParams.end())
      g = &lit->second;
    else if (auto it = env.find(n->id); it != env.end())
      g = &it->second;
    if (!g || g->kind != GlobalValue::Tuple || g->elements.size() != tt->elts.size())
      return false;
    for (const GlobalValue &x : g->elements)
      if (x.kind != GlobalValue::Constant || !x.type->isInt())
        return false;
    value = *g;
    return true;
  }
  auto *te = dyn_cast<TupleExpr>(e);
  if (!te || te->elts.size() != tt->elts.size())
    return false;
  value.kind = GlobalValue::Tuple;
  value.elements.clear();
  for (std::size_t i = 0; i < te->elts.size(); ++i) {
    GlobalValue x;
    if (!literalValue(te->elts[i], tt->elts[i], x))
      return false;
    value.elements.push_back(std::move(x));
  }
  return true;
}

std::optional<std::vector<std::int64_t>> Inferer::constShape(const Expr *e) const {
  std::vector<std::int64_t> dims;
  if (auto v = constInt(e))
    return std::vector<std::int64_t>{*v};
  auto *tt = dyn_cast<TupleType>(out.typeOf(e));
  GlobalValue g;
  if (!tt || !literalValue(e, tt, g))
    return std::nullopt;
  for (const GlobalValue &x : g.elements)
    dims.push_back(x.intValue);
  return dims;
}

const TypedFunction *Inferer::callee(const CallExpr *c, const DeviceFunctionRef &ref,
                                     const std::vector<const Type *> &args) {
  for (std::size_t i = 0; i < args.size(); ++i)
    if (!isa<ScalarType>(args[i]) && !isa<ArrayType>(args[i]) && !isa<TupleType>(args[i]) &&
        !isa<RecordType>(args[i]) && !isa<EnumType>(args[i]) && !isa<PointerType>(args[i]) &&
        !isa<Fp8Type>(args[i]) && !isa<OptionalType>(args[i]) && !isStaticValue(args[i]) &&
        args[i]->kind() != Type::Kind::None)
      fail(c->args[i]->span(), "cannot pass " + args[i]->str() + " to device function '" + ref.name + "'");
  const Signature *sig = ref.signatures.empty() ? nullptr : chooseSignature(c, ref, args);
  const std::vector<const Type *> &params = sig ? sig->params : args;
  if (ref.external)
    return externalCallee(ref, *sig);
  static const std::map<std::string, GlobalValue> kNone;
  try {
    return typeCallee(c, ref, params, sig, kNone, "");
  } catch (const DiagnosticError &first) {
    // Specialise on the call's constant arguments, for parameters the
    // callee never assigns, and try again; report the first error if that
    // fails too.
    const FunctionDef &fn = ref.ast->function();
    std::vector<const NameExpr *> assigned;
    collectAssigned(fn.body, assigned);
    std::set<std::string> changing;
    for (const NameExpr *n : assigned)
      changing.insert(n->id);
    std::map<std::string, GlobalValue> literals;
    std::string key;
    for (std::size_t i = 0; i < params.size() && i < fn.params.size() && i < c->args.size(); ++i) {
      GlobalValue g;
      if (changing.count(fn.params[i].name) || !literalValue(c->args[i], params[i], g))
        continue;
      key += std::to_string(i) + "=" + literalSpelling(g) + ";";
      literals.emplace(fn.params[i].name, std::move(g));
    }
    if (literals.empty())
      throw;
    DiagnosticError original = first;
    try {
      return typeCallee(c, ref, params, sig, literals, key);
    } catch (const DiagnosticError &) {
      throw original;
    }
  }
}

// A function numba's extension API implements: the implementation chosen
// for the call's key (its argument types, keywords and integer constants),
// called as a device function. A key the Python side has not answered yet
// stops typing with an "OverloadRequest" diagnostic; the binding has it
// answered and compiles again.
const Type *Inferer::overloadCall(const CallExpr *c, const DeviceFunctionRef &ref, const std::vector<const Type *> &args,
                                  const std::vector<const Type *> &kwTypes, bool unknown) {
  if (auto chosen = out.overloadImpls.find(c); chosen != out.overloadImpls.end()) // the call as bound to it
    return unknown ? nullptr : calledType(c, callee(c, *chosen->second, args));
  if (unknown)
    return nullptr;
  std::string key;
  if (auto *method = dyn_cast<AttributeExpr>(c->callee); method && ref.methods)
    key = "." + method->attr;
  auto part = [&](const std::string &name, const Expr *e, const Type *t) {
    if (!key.empty())
      key += '\x1f';
    key += name.empty() ? t->str() : name + "=" + t->str();
    if (auto *s = dyn_cast<ScalarType>(t); s && (s->isInt() || s->isBool()))
      if (auto v = constInt(e))
        key += "\x1e" + std::to_string(*v);
  };
  for (std::size_t i = 0; i < args.size(); ++i)
    part("", c->args[i], args[i]);
  for (std::size_t i = 0; i < c->keywords.size(); ++i)
    part(c->keywords[i].name, c->keywords[i].value, kwTypes[i]);
  auto it = ref.overloads.find(key);
  if (it == ref.overloads.end()) {
    Diagnostic d;
    d.span = c->span();
    d.message = std::to_string(ref.overloadId) + '\x1d' + key;
    d.errorClass = "OverloadRequest";
    throw DiagnosticError(std::move(d));
  }
  if (!it->second.impl)
    fail(c->span(), it->second.error);
  const DeviceFunctionRef &impl = *it->second.impl;
  if (const Expr *bound = bindArguments(c, impl)) {
    out.overloadImpls[bound] = &impl;
    return expr(bound);
  }
  if (!c->keywords.empty())
    fail(c->keywords.front().span, "device functions take positional arguments only");
  return calledType(c, callee(c, impl, args));
}

// A function declared with declare_device: its signature is all there is.
const TypedFunction *Inferer::externalCallee(const DeviceFunctionRef &ref, const Signature &sig) {
  TypingSession::Key key{&ref, sig.params, ""};
  auto found = session.functions.find(key);
  if (found != session.functions.end())
    return found->second.get();
  auto typed = std::make_unique<TypedFunction>();
  typed->isKernel = false;
  typed->external = &ref;
  typed->paramTypes = sig.params;
  typed->returnType = sig.returnType;
  return session.functions.emplace(std::move(key), std::move(typed)).first->second.get();
}

const TypedFunction *Inferer::typeCallee(const CallExpr *c, const DeviceFunctionRef &ref,
                                         const std::vector<const Type *> &params, const Signature *declared,
                                         const std::map<std::string, GlobalValue> &literals,
                                         const std::string &literalKey) {
  TypingSession::Key key{&ref, params, literalKey};
  auto found = session.functions.find(key);
  if (found != session.functions.end())
    return found->second.get();
  // A recursive call: the function is being typed further up the chain; the
  // functions typed since then depend on its partial return type.
  for (std::size_t i = 0; i < session.inProgress.size(); ++i) {
    if (session.inProgress[i].key != key)
      continue;
    for (std::size_t j = i + 1; j < session.inProgress.size(); ++j)
      session.inProgress[j].provisional = true;
    return session.inProgress[i].typed;
  }
  auto typed = std::make_unique<TypedFunction>();
  typed->fn = &ref.ast->function();
  typed->isKernel = false;
  typed->inlining = ref.inlining;
  typed->literalParams = literals;
  const int myLevel = static_cast<int>(session.inProgress.size());
  session.inProgress.push_back({key, typed.get(), nullptr, false});
  bool provisional = false;
  try {
    Inferer inner(*typed, ref.globals, session);
    inner.level = myLevel;
    inner.declaredReturn = declared && !declared->returnInferred ? declared->returnType : nullptr;
    session.inProgress[myLevel].inferer = &inner;
    inner.run(ref.ast->function(), params);
    provisional = session.inProgress[myLevel].provisional;
  } catch (DiagnosticError &e) {
    session.inProgress.pop_back();
    Diagnostic d = e.diagnostic();
    Signature sig;
    sig.params = params;
    d.notes.push_back({c->span(), "in the call of '" + ref.name + "' with " + sig.str() +
                                      " here [resolving callee type: type(CUDADispatcher(" + ref.name + "))]"});
    throw DiagnosticError(std::move(d));
  } catch (const RecursionPending &pending) {
    session.inProgress.pop_back();
    if (pending.level < level)
      throw; // waiting for a function further up
    if (finalPass)
      fail(c->span(), "cannot type infer runaway recursion: the return type of '" + ref.name +
                          "' depends on a call back into this function before any 'return' gives a value; "
                          "declare the functions' signatures, e.g. @jit(\"int64(int64)\", device=True)");
    return nullptr;
  }
  session.inProgress.pop_back();
  const TypedFunction *result = typed.get();
  if (provisional)
    session.provisional.push_back(std::move(typed));
  else
    session.functions.emplace(std::move(key), std::move(typed));
  return result;
}

const Type *Inferer::calledType(const CallExpr *c, const TypedFunction *typed) {
  if (!typed)
    return nullptr;
  out.calls[c] = typed;
  if (const Type *rt = typed->returnType)
    return rt->kind() == Type::Kind::Void ? tc.noneType() : rt;
  // A recursive call whose callee has returned no value yet.
  if (!finalPass)
    return nullptr;
  int owner = -1;
  for (std::size_t i = 0; i < session.inProgress.size(); ++i)
    if (session.inProgress[i].typed == typed)
      owner = static_cast<int>(i);
  if (owner >= 0 && owner < level)
    throw RecursionPending{owner};
  fail(c->span(), "cannot type infer runaway recursion: '" + typed->fn->name +
                      "' calls itself before any of its 'return's gives a value; return from a base case "
                      "first, or declare its signature, e.g. @jit(\"int64(int64)\", device=True)");
}

} // namespace ptxforge::frontend
