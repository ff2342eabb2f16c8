//===- frontend/TypeInferCalls.cpp - Names, attributes, indexing, calls ---===//
//
// Resolves a Name to a local, a global constant or a builtin path, follows
// attribute chains through namespaces (`pf.threadIdx.x`), types array
// attributes and indexing, and the builtin functions' calls.
//
//===----------------------------------------------------------------------===//

#include "frontend/TypeInferImpl.h"
#include "frontend/Libdevice.h"

#include <algorithm>
#include <functional>
#include <cctype>
#include <cstdlib>
#include <limits>

namespace ptxforge::frontend {

static const char *kUsableGlobals =
    "kernels can use numbers, tuples of numbers, the ptxforge, math and numpy modules, and builtins such as range";

const Type *Inferer::refType(const Expr *e, const BuiltinInfo *info, const std::string &path) {
  out.refs[e] = NameRef{nullptr, nullptr, info};
  switch (info->kind) {
  case BuiltinInfo::Namespace: return tc.moduleType(path);
  case BuiltinInfo::Function: return tc.builtinType(path);
  case BuiltinInfo::Dtype: return tc.dtypeType(info->dtype);
  case BuiltinInfo::Value: return tc.intType(isDim3Value(info->id) ? 64 : 32);
  case BuiltinInfo::Constant: return tc.floatType(64, true); // a Python float, weak
  case BuiltinInfo::ComplexConstant: return tc.complexType(128, true);
  case BuiltinInfo::IntConstant: return tc.intType(64, true, true); // a Python int, weak
  }
  return nullptr;
}

const Type *Inferer::name(const NameExpr *n) {
  if (localByName.count(n->id)) {
    Local *local = localFor(n);
    out.refs[n] = NameRef{local, nullptr, nullptr};
    if (finalPass && local->paramIndex < 0 && (!local->type || !assignedSoFar.count(local)))
      fail(n->span(), "variable '" + n->id + "' is used before it is assigned");
    return local->type;
  }
  if (auto lit = out.literalParams.find(n->id); lit != out.literalParams.end()) {
    out.refs[n] = NameRef{nullptr, &lit->second, nullptr};
    return globalType(n, lit->second);
  }
  auto it = env.find(n->id);
  if (it == env.end()) {
    if (const BuiltinInfo *b = lookupBuiltin("builtins." + n->id))
      return refType(n, b, "builtins." + n->id);
    fail(n->span(), "NameError: name '" + n->id + "' is not defined");
  }
  const GlobalValue &g = it->second;
  switch (g.kind) {
  case GlobalValue::Constant:
  case GlobalValue::Array:
  case GlobalValue::Tuple:
  case GlobalValue::DeviceArray:
  case GlobalValue::EnumMember:
  case GlobalValue::NoneValue:
    out.refs[n] = NameRef{nullptr, &g, nullptr};
    return globalType(n, g);
  case GlobalValue::EnumClass:
    fail(n->span(), "'" + n->id + "' is an enum class; kernels use its members, as " + n->id + ".name or " + n->id +
                        "['name']");
  case GlobalValue::Path:
    if (const BuiltinInfo *b = lookupBuiltin(g.path))
      return refType(n, b, g.path);
    fail(n->span(), "'" + n->id + "' refers to " + g.path + ", which kernels cannot use; " + kUsableGlobals);
  case GlobalValue::DeviceFunction:
    out.refs[n] = NameRef{nullptr, &g, nullptr};
    return tc.functionType(g.function.get(), g.function->name);
  case GlobalValue::Opaque:
    break;
  }
  fail(n->span(), "Untyped global name '" + n->id + "': it is " + g.description +
                      ", which has no meaning on the device; " + kUsableGlobals);
}

// Frozen globals: scalars keep their type (Python ints and floats weak),
// arrays become read-only C arrays, tuples tuples of their elements.
const Type *Inferer::globalType(const Expr *at, const GlobalValue &g) {
  switch (g.kind) {
  case GlobalValue::Constant: return g.type;
  case GlobalValue::NoneValue: return tc.noneType();
  case GlobalValue::Array: return tc.arrayType(g.type, static_cast<int>(g.shape.size()), Layout::C, true);
  case GlobalValue::DeviceArray: return deviceArrayType(g);
  case GlobalValue::EnumMember: return tc.enumType(g.path, g.valueType);
  case GlobalValue::Tuple: {
    std::vector<const Type *> elts;
    for (const GlobalValue &e : g.elements)
      elts.push_back(globalType(at, e));
    return tc.tupleType(std::move(elts));
  }
  default: break;
  }
  fail(at->span(), "a global of this kind cannot be frozen into a kernel");
}

const Type *Inferer::attribute(const AttributeExpr *a) {
  if (const GlobalValue *cls = enumClassOf(a->value))
    return enumMember(a, *cls, a->attr, a->span());
  const Type *base = expr(a->value);
  if (!base)
    return nullptr;
  if (const Type *t = enumAttribute(a, base))
    return t;
  if (auto *p = dyn_cast<PathType>(base); p && p->kind() == Type::Kind::Module) {
    std::string path = p->path + "." + a->attr;
    if (const BuiltinInfo *b = lookupBuiltin(path))
      return refType(a, b, path);
    std::string shown = p->path == "ptxforge" ? "ptxforge (pf)" : p->path;
    fail(a->span(), "'" + a->attr + "' is not something kernels can use from " + shown);
  }
  if (auto *r = dyn_cast<RecordType>(base))
    return recordField(a, r, a->attr, a->span());
  if (auto *arr = dyn_cast<ArrayType>(base)) {
    const ScalarType *i64 = tc.intType(64);
    if (a->attr == "size" || a->attr == "ndim")
      return i64;
    if (a->attr == "shape" || a->attr == "strides")
      return tc.tupleType(std::vector<const Type *>(arr->ndim, i64));
    if (a->attr == "dtype") // a compile-time value: local.array(n, dtype=a.dtype), a.dtype.type(x)
      return tc.dtypeType(arr->dtype);
    if (a->attr == "real" || a->attr == "imag") { // numba's views of the parts (a float array)
      if (arr->dtype->isComplex())
        return tc.arrayType(complexPart(arr->dtype), arr->ndim, Layout::A, arr->readonly);
      if (a->attr == "real" && isa<ScalarType>(arr->dtype))
        return arr; // a real array's .real is itself, as in NumPy
      fail(a->span(), "'" + a->attr + "' of an array of " + arr->dtype->str() +
                          ": kernels have .real and .imag views of complex arrays, and .real of real ones");
    }
    if (lookupBuiltin("ndarray." + a->attr)) // a method: a.sum(), a.copy(), ...
      return tc.builtinType("ndarray." + a->attr);
    if (auto methods = env.find(kNumbaMethods); methods != env.end() && methods->second.function)
      return tc.functionType(methods->second.function.get(), "numba method " + a->attr); // @overload_method
    fail(a->span(), "arrays in kernels have .size, .shape, .ndim, .strides, .dtype and the methods of docs/language.md; '" +
                        a->attr + "' is not supported");
  }
  if (auto *s = dyn_cast<ScalarType>(base))
    return scalarAttribute(a, s);
  if (auto *tt = dyn_cast<TupleType>(base); tt && !tt->fields.empty()) { // a namedtuple's field
    int i = tt->fieldIndex(a->attr);
    if (i < 0)
      fail(a->span(), "namedtuple " + tt->className + " has no field '" + a->attr + "'");
    return tt->elts[i];
  }
  fail(a->span(), "Unknown attribute '" + a->attr + "' of " + base->str() + ": it has no attribute '" + a->attr + "' in kernels");
}

const Type *Inferer::subscript(const SubscriptExpr *s) {
  if (const GlobalValue *cls = enumClassOf(s->value)) {
    auto *key = dyn_cast<StrConstExpr>(s->index);
    if (!key)
      fail(s->index->span(), "an enum class is indexed by a member's name, a string");
    return enumMember(s, *cls, key->value, s->index->span());
  }
  const Type *base = expr(s->value);
  if (auto *r = base ? dyn_cast<RecordType>(base) : nullptr)
    return recordSubscript(s, r);
  if (auto *p = base ? dyn_cast<PointerType>(base) : nullptr) { // p[i]: one integer, C's arithmetic
    if (isa<TupleExpr>(s->index) || isa<SliceExpr>(s->index))
      fail(s->index->span(), "a pointer takes one integer index, not a tuple or a slice");
    return integer(expr(s->index), s->index, "a pointer index") ? p->elem : nullptr;
  }
  if (!base && isa<StrConstExpr>(s->index))
    return nullptr; // a field name, once the record's type is known
  if (auto *tt = base ? dyn_cast<TupleType>(base) : nullptr) {
    auto index = constInt(s->index);
    if (!index)
      return tupleIndexedAtRunTime(s, tt);
    std::int64_t i = *index < 0 ? *index + static_cast<std::int64_t>(tt->elts.size()) : *index;
    if (i < 0 || i >= static_cast<std::int64_t>(tt->elts.size()))
      fail(s->index->span(), "tuple index " + std::to_string(*index) + " is out of range for " + tt->str());
    out.exprTypes[s->index] = tc.intType(64, true, true);
    return tt->elts[i];
  }
  std::vector<const Expr *> indices;
  if (auto *t = dyn_cast<TupleExpr>(s->index))
    indices.assign(t->elts.begin(), t->elts.end());
  else
    indices.push_back(s->index);
  if (!isa<TupleExpr>(s->index) && !isa<SliceExpr>(s->index)) {
    const Type *single = expr(s->index);
    if (auto *tuple = single ? dyn_cast<TupleType>(single) : nullptr)
      return indexByTuple(s, base, tuple);
  }
  bool unknown = !base;
  int ints = 0, slices = 0;
  bool intsLeadAndOneSlice = true; // the pattern that keeps a C array C: a[i, j, lo:hi]
  for (const Expr *i : indices) {
    if (auto *sl = dyn_cast<SliceExpr>(i)) {
      ++slices;
      for (const Expr *part : {sl->lower, sl->upper, sl->step})
        if (part)
          unknown |= !integer(expr(part), part, "a slice bound");
      if (sl->step && constInt(sl->step) == std::optional<std::int64_t>(0))
        fail(sl->step->span(), "slice step cannot be zero");
      if (sl->step)
        intsLeadAndOneSlice = false;
      out.exprTypes[i] = tc.sliceType();
      continue;
    }
    if (slices)
      intsLeadAndOneSlice = false;
    ++ints;
    unknown |= !integer(i == s->index ? out.typeOf(i) : expr(i), i, "an array index");
  }
  if (isa<TupleExpr>(s->index) && !unknown) {
    std::vector<const Type *> elts;
    for (const Expr *i : indices)
      elts.push_back(out.typeOf(i));
    out.exprTypes[s->index] = tc.tupleType(std::move(elts));
  }
  if (!base)
    return nullptr;
  auto *arr = dyn_cast<ArrayType>(base);
  if (!arr)
    fail(s->value->span(), base->str() + " cannot be indexed");
  if (static_cast<int>(indices.size()) > arr->ndim)
    fail(s->span(), "too many indices: a " + std::to_string(arr->ndim) + "-d array takes at most " +
                        std::to_string(arr->ndim) + ", got " + std::to_string(indices.size()));
  if (unknown)
    return nullptr;
  if (!slices && ints == arr->ndim)
    return arr->dtype;
  // A view: each int drops its dimension, each slice keeps one, and the
  // dimensions not named are kept whole, as in NumPy's basic indexing.
  int ndim = arr->ndim - ints;
  Layout layout = arr->layout == Layout::C && intsLeadAndOneSlice && slices <= 1 ? Layout::C : Layout::A;
  if (ndim == arr->ndim && layout == Layout::C && arr->layout == Layout::C)
    layout = Layout::C;
  return tc.arrayType(arr->dtype, ndim, layout, arr->readonly);
}

// `a[idx]` where idx is a tuple value rather than written out: its elements
// index the leading dimensions.
const Type *Inferer::indexByTuple(const SubscriptExpr *s, const Type *base, const TupleType *index) {
  for (const Type *e : index->elts) {
    auto *si = dyn_cast<ScalarType>(e);
    if (!si || !(si->isInt() || si->isBool()))
      fail(s->index->span(), "an array index tuple must hold integers, not " + index->str());
  }
  if (!base)
    return nullptr;
  auto *arr = dyn_cast<ArrayType>(base);
  if (!arr)
    fail(s->value->span(), base->str() + " cannot be indexed");
  const int n = static_cast<int>(index->elts.size());
  if (n > arr->ndim)
    fail(s->span(), "too many indices: a " + std::to_string(arr->ndim) + "-d array takes at most " +
                        std::to_string(arr->ndim) + ", got " + std::to_string(n));
  if (n == arr->ndim)
    return arr->dtype;
  return tc.arrayType(arr->dtype, arr->ndim - n, arr->layout == Layout::C ? Layout::C : Layout::A, arr->readonly);
}

// A device function called with keyword arguments, or without the
// parameters that have defaults, or with a `*args` parameter: the call with
// every argument in parameter order, the defaults' literals filling the gaps
// and the extra positional arguments gathered in a tuple (made once per call
// site).
const Expr *Inferer::bindArguments(const CallExpr *c, const DeviceFunctionRef &ref) {
  if (!ref.ast || out.boundCalls.count(c))
    return nullptr;
  const std::vector<Param> &params = ref.ast->function().params;
  const bool vararg = !params.empty() && params.back().vararg;
  const std::size_t fixed = params.size() - (vararg ? 1 : 0);
  if (!vararg && c->keywords.empty() && c->args.size() >= params.size())
    return nullptr;
  if (auto it = out.rewrites.find(c); it != out.rewrites.end())
    return it->second;
  if (!vararg && c->args.size() > params.size())
    return nullptr; // the arity error comes from the call as written
  if (!vararg && c->keywords.empty() && !params[c->args.size()].defaultValue)
    return nullptr; // too few arguments: so does this one
  std::vector<Expr *> bound(params.size(), nullptr);
  std::vector<Expr *> extra;
  for (std::size_t i = 0; i < c->args.size(); ++i)
    (i < fixed ? bound[i] : extra.emplace_back()) = c->args[i];
  for (const Keyword &k : c->keywords) {
    auto at = std::find_if(params.begin(), params.begin() + static_cast<std::ptrdiff_t>(fixed),
                           [&](const Param &p) { return p.name == k.name; });
    if (at == params.begin() + static_cast<std::ptrdiff_t>(fixed))
      fail(k.span, "device function '" + ref.name + "' has no parameter '" + k.name + "'");
    Expr *&slot = bound[static_cast<std::size_t>(at - params.begin())];
    if (slot)
      fail(k.span, "device function '" + ref.name + "' got two values for parameter '" + k.name + "'");
    slot = k.value;
  }
  if (vararg) {
    out.synthesized.push_back(std::make_unique<TupleExpr>(c->span(), std::move(extra)));
    bound[fixed] = out.synthesized.back().get();
  }
  for (std::size_t i = 0; i < params.size(); ++i)
    if (!bound[i] && !(bound[i] = params[i].defaultValue))
      fail(c->span(), "device function '" + ref.name + "' is missing a value for parameter '" + params[i].name + "'");
  out.synthesized.push_back(std::make_unique<CallExpr>(c->span(), c->callee, std::move(bound), std::vector<Keyword>{}));
  const Expr *made = out.synthesized.back().get();
  out.rewrites[c] = made;
  out.boundCalls.insert(made);
  return made;
}

// float("nan"), float32("-inf"), np.float64("1.5"): a float type called on a
// string literal is the call on the number the string spells, as Python's
// float() reads it (made once per call site); other strings are errors.
const Expr *Inferer::floatFromString(const CallExpr *c) {
  if (c->args.size() != 1 || !c->keywords.empty() || !isa<StrConstExpr>(c->args[0]))
    return nullptr;
  const Type *callee = expr(c->callee);
  auto *d = callee ? dyn_cast<DtypeType>(callee) : nullptr;
  if (!d || !d->dtype->isFloat())
    return nullptr;
  if (auto it = out.rewrites.find(c); it != out.rewrites.end())
    return it->second;
  const std::string &text = cast<StrConstExpr>(c->args[0])->value;
  std::string t;
  for (char ch : text)
    if (!std::isspace(static_cast<unsigned char>(ch)))
      t += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const bool negative = !t.empty() && t[0] == '-';
  const std::string body = !t.empty() && (t[0] == '-' || t[0] == '+') ? t.substr(1) : t;
  double value = 0;
  if (body == "nan")
    value = std::numeric_limits<double>::quiet_NaN();
  else if (body == "inf" || body == "infinity")
    value = std::numeric_limits<double>::infinity();
  else {
    char *end = nullptr;
    value = body.empty() || !(std::isdigit(static_cast<unsigned char>(body[0])) || body[0] == '.')
                ? 0
                : std::strtod(body.c_str(), &end);
    if (!end || *end != '\0')
      fail(c->args[0]->span(), "could not convert string to float: '" + text + "'");
  }
  out.synthesized.push_back(std::make_unique<FloatConstExpr>(c->args[0]->span(), negative ? -value : value));
  Expr *number = out.synthesized.back().get();
  out.synthesized.push_back(
      std::make_unique<CallExpr>(c->span(), c->callee, std::vector<Expr *>{number}, std::vector<Keyword>{}));
  out.rewrites[c] = out.synthesized.back().get();
  return out.rewrites[c];
}

// isinstance(x, cls), as numba types it: decided from x's type while typing,
// and lowered as the constant True or False. cls is a scalar type (numba's,
// ptxforge's or NumPy's: the exact type), one of the builtins int, float,
// complex and bool (any integer, float, complex or bool), or a tuple of these.
const Type *Inferer::isinstanceCall(const CallExpr *c) {
  if (c->args.size() != 2 || !c->keywords.empty())
    fail(c->span(), "isinstance() takes exactly two arguments");
  const Type *value = expr(c->args[0]);
  if (!value)
    return nullptr;
  std::function<bool(const Expr *)> matches = [&](const Expr *cls) -> bool {
    if (auto *t = dyn_cast<TupleExpr>(cls)) {
      bool any = false;
      for (const Expr *e : t->elts)
        any |= matches(e);
      return any;
    }
    const Type *ct = expr(cls);
    auto *d = ct ? dyn_cast<DtypeType>(ct) : nullptr;
    if (!d)
      fail(cls->span(), "isinstance() in a kernel takes a scalar type (int32, float, np.float64 ...) or a tuple "
                        "of them, not " + (ct ? ct->str() : std::string("this")));
    auto *s = dyn_cast<ScalarType>(value);
    if (!s)
      return false; // arrays, tuples, records ... are no scalar type
    auto ref = out.refs.find(cls);
    const BuiltinInfo *named = ref != out.refs.end() ? ref->second.builtin : nullptr;
    if (named == lookupBuiltin("builtins.int"))
      return s->isInt();
    if (named == lookupBuiltin("builtins.float"))
      return s->isFloat();
    if (named == lookupBuiltin("builtins.complex"))
      return s->isComplex();
    if (named == lookupBuiltin("builtins.bool"))
      return s->isBool();
    return tc.strong(s) == d->dtype;
  };
  bool answer = matches(c->args[1]);
  auto made = out.rewrites.find(c);
  if (made == out.rewrites.end()) {
    out.synthesized.push_back(std::make_unique<BoolConstExpr>(c->span(), answer));
    made = out.rewrites.emplace(c, out.synthesized.back().get()).first;
  } else if (auto *b = dyn_cast<BoolConstExpr>(made->second); b && b->value != answer) {
    out.synthesized.push_back(std::make_unique<BoolConstExpr>(c->span(), answer)); // x's type changed
    made->second = out.synthesized.back().get();
  }
  return expr(made->second);
}

// tuple(t) of a tuple is t; tuple() is the empty tuple.
const Type *Inferer::tupleCall(const CallExpr *c) {
  if (c->args.size() > 1 || !c->keywords.empty())
    fail(c->span(), "tuple() takes at most one argument");
  if (c->args.empty()) {
    auto made = out.rewrites.find(c);
    if (made == out.rewrites.end()) {
      out.synthesized.push_back(std::make_unique<TupleExpr>(c->span(), std::vector<Expr *>{}));
      made = out.rewrites.emplace(c, out.synthesized.back().get()).first;
    }
    return expr(made->second);
  }
  const Type *t = expr(c->args[0]);
  if (t && !isa<TupleType>(t))
    fail(c->args[0]->span(), "tuple() in a kernel takes a tuple, not " + t->str() +
                                 " (kernels cannot build a tuple whose length is known only at run time)");
  out.rewrites[c] = c->args[0];
  return t;
}

const Type *Inferer::call(const CallExpr *c) {
  if (hasStarred(c->args)) { // f(*t): typed as the call with t's elements spread
    const Expr *spread = expandStarred(c);
    return spread ? expr(spread) : nullptr;
  }
  if (const Expr *number = floatFromString(c))
    return expr(number);
  const Type *callee = expr(c->callee);
  if (auto *p = callee ? dyn_cast<PathType>(callee) : nullptr; p && p->path == "builtins.print")
    return printCall(c); // its arguments include strings
  if (auto *p = callee ? dyn_cast<PathType>(callee) : nullptr;
      p && (p->path == "builtins.isinstance" || p->path == "builtins.tuple"))
    return p->path == "builtins.tuple" ? tupleCall(c) : isinstanceCall(c);
  std::vector<const Type *> args;
  bool unknown = !callee;
  for (const Expr *a : c->args) {
    const Type *t = expr(a);
    unknown |= !t;
    args.push_back(t);
  }
  std::vector<const Type *> kwTypes;
  bool kwUnknown = false;
  for (const Keyword &k : c->keywords) {
    kwTypes.push_back(expr(k.value));
    kwUnknown |= !kwTypes.back();
  }
  if (!callee)
    return nullptr;
  if (auto *d = dyn_cast<DtypeType>(callee)) {
    if (!c->keywords.empty() || c->args.size() != 1)
      fail(c->span(), d->dtype->str() + "(...) takes exactly one argument");
    if (!unknown && isa<Fp8Type>(args[0])) { // CUDA's conversion operators of the fp8 types
      if (d->dtype->isComplex())
        fail(c->args[0]->span(), d->dtype->str() + "() of an " + args[0]->str() +
                                     " is not defined; convert it to a real type such as float32 first");
      return d->dtype;
    }
    if (!unknown && scalar(args[0], c->args[0], (d->dtype->str() + "(...)'s argument").c_str())->isComplex() &&
        !d->dtype->isComplex() && !d->dtype->isBool())
      fail(c->args[0]->span(), d->dtype->str() + "() of a complex number is not defined; take its .real, "
                               ".imag or abs() first");
    if (unknown)
      return nullptr;
    // numba's float(): a float keeps its own type (float(float32) is float32);
    // anything else becomes a Python float.
    auto *name = dyn_cast<NameExpr>(c->callee);
    if (auto *from = dyn_cast<ScalarType>(args[0]);
        from && from->isFloat() && !from->weak && name && name->id == "float" && d->dtype == tc.floatType(64))
      return from;
    return d->dtype;
  }
  if (auto *f = dyn_cast<FunctionType>(callee)) {
    if (auto *method = dyn_cast<AttributeExpr>(c->callee); method && f->ref->methods && !out.methodCalls.count(c) &&
        !out.overloadImpls.count(c)) {
      // a.foo(x) of numba's @overload_method: the call foo(a, x)
      auto made = out.rewrites.find(c);
      if (made == out.rewrites.end()) {
        std::vector<Expr *> withSelf{method->value};
        withSelf.insert(withSelf.end(), c->args.begin(), c->args.end());
        out.synthesized.push_back(std::make_unique<CallExpr>(c->span(), c->callee, std::move(withSelf), c->keywords));
        made = out.rewrites.emplace(c, out.synthesized.back().get()).first;
        out.methodCalls.insert(made->second);
      }
      return expr(made->second);
    }
    if (f->ref->overloadId >= 0)
      return overloadCall(c, *f->ref, args, kwTypes, unknown || kwUnknown);
    if (const Expr *bound = bindArguments(c, *f->ref))
      return expr(bound);
    if (!c->keywords.empty())
      fail(c->keywords.front().span, "device functions take positional arguments only");
    if (unknown)
      return nullptr;
    return calledType(c, this->callee(c, *f->ref, args));
  }
  auto *p = dyn_cast<PathType>(callee);
  const BuiltinInfo *found = p && p->kind() == Type::Kind::Builtin ? lookupBuiltin(p->path) : nullptr;
  if (!found)
    fail(c->callee->span(), callee->str() + " is not callable in a kernel");
  const BuiltinInfo &info = *found;
  if (info.id == BuiltinId::CArray || info.id == BuiltinId::FArray)
    return unknown || kwUnknown ? nullptr : carrayCall(c, info, args, kwTypes);
  if (!c->keywords.empty() && info.id != BuiltinId::Gpu)
    fail(c->keywords.front().span, "'" + p->path + "' takes no keyword arguments");
  if (unknown)
    return nullptr;
  if (info.id == BuiltinId::Gpu)
    return gpuCall(c, info, args);
  return builtinCall(c, info, args);
}

// numba's carray(ptr, shape, dtype=None) and farray: an array of `shape`
// (an integer or a tuple of them) over the numbers a pointer points at, laid
// out in C or Fortran order. dtype, where given, is the pointer's.
const Type *Inferer::carrayCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args,
                                const std::vector<const Type *> &kwTypes) {
  const char *name = b.id == BuiltinId::CArray ? "carray" : "farray";
  const Type *dtypeArg = args.size() == 3 ? args[2] : nullptr;
  const Expr *dtypeAt = args.size() == 3 ? c->args[2] : nullptr;
  for (std::size_t k = 0; k < c->keywords.size(); ++k) {
    if (c->keywords[k].name != "dtype" || args.size() == 3)
      fail(c->keywords[k].span, std::string(name) + "() takes (ptr, shape, dtype=None)");
    dtypeArg = kwTypes[k], dtypeAt = c->keywords[k].value;
  }
  if (args.size() < 2 || args.size() > 3)
    fail(c->span(), std::string(name) + "() takes (ptr, shape, dtype=None)");
  auto *ptr = dyn_cast<PointerType>(args[0]);
  if (!ptr)
    fail(c->args[0]->span(), std::string(name) + "() needs a pointer (a CPointer parameter, such as float32*), not " +
                                 args[0]->str());
  int ndim = 1;
  auto isInt = [](const Type *t) { auto *s = dyn_cast<ScalarType>(t); return s && s->isInt(); };
  if (auto *tt = dyn_cast<TupleType>(args[1])) {
    ndim = static_cast<int>(tt->elts.size());
    for (const Type *e : tt->elts)
      if (!isInt(e))
        ndim = 0;
  } else if (!isInt(args[1])) {
    ndim = 0;
  }
  if (ndim < 1)
    fail(c->args[1]->span(), std::string(name) + "()'s shape is an integer or a non-empty tuple of integers, not " +
                                 args[1]->str());
  if (dtypeArg) {
    auto *d = dyn_cast<DtypeType>(dtypeArg);
    if (!d)
      fail(dtypeAt->span(), std::string(name) + "()'s dtype is a scalar type, not " + dtypeArg->str());
    if (tc.strong(d->dtype) != ptr->elem)
      fail(dtypeAt->span(), std::string(name) + "(): mismatching dtype '" + d->dtype->str() + "' for pointer type '" +
                                ptr->str() + "'");
  }
  return tc.arrayType(ptr->elem, ndim, b.id == BuiltinId::CArray || ndim == 1 ? Layout::C : Layout::F);
}

const Type *Inferer::builtinCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args) {
  auto arity = [&](std::size_t lo, std::size_t hi, const char *name) {
    if (args.size() < lo || args.size() > hi)
      fail(c->span(), std::string(name) + " takes " +
                          (lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi)) +
                          " argument(s), got " + std::to_string(args.size()));
  };
  const ScalarType *i64 = tc.intType(64);
  switch (b.id) {
  case BuiltinId::Grid:
  case BuiltinId::GridSize: {
    const char *name = b.id == BuiltinId::Grid ? "grid" : "gridsize";
    arity(1, 1, name);
    auto n = constInt(c->args[0]);
    if (!n || *n < 1 || *n > 3)
      fail(c->args[0]->span(), std::string(name) + "() takes a constant 1, 2 or 3");
    if (*n == 1)
      return i64;
    return tc.tupleType(std::vector<const Type *>(*n, i64));
  }
  case BuiltinId::SyncThreads:
    arity(0, 0, "syncthreads");
    return tc.noneType();
  case BuiltinId::Range: {
    arity(1, 3, "range");
    const ScalarType *t = tc.intType(64, true, true);
    for (std::size_t i = 0; i < args.size(); ++i)
      t = promote(t, integer(args[i], c->args[i], "a range() argument"));
    if (args.size() == 3 && constInt(c->args[2]) == std::optional<std::int64_t>(0))
      fail(c->args[2]->span(), "range() step must not be zero");
    t = tc.strong(t);
    if (t->isFloat())
      fail(c->span(), "range() over uint64 and signed values mixed; cast them to one integer type");
    if (t->bits < 64)
      t = t->isSigned ? i64 : tc.intType(64, false);
    return tc.rangeType(t);
  }
  case BuiltinId::Enumerate:
  case BuiltinId::Zip: {
    bool isEnumerate = b.id == BuiltinId::Enumerate;
    const char *name = isEnumerate ? "enumerate" : "zip";
    if (isEnumerate) {
      arity(1, 2, name);
      if (args.size() == 2)
        integer(args[1], c->args[1], "enumerate()'s start");
    } else if (args.empty()) {
      fail(c->span(), "zip() in a kernel takes one or more iterables");
    }
    std::vector<const Type *> elts;
    if (isEnumerate)
      elts.push_back(i64);
    for (std::size_t i = 0; i < (isEnumerate ? 1 : args.size()); ++i) {
      const Type *a = args[i], *e = nullptr;
      if (auto *r = dyn_cast<RangeType>(a); r && isa<CallExpr>(c->args[i]))
        e = r->elt;
      else if (auto *arr = dyn_cast<ArrayType>(a); arr && arr->ndim == 1)
        e = arr->dtype;
      else if (arr && arr->ndim > 1)
        e = tc.arrayType(arr->dtype, arr->ndim - 1, arr->layout == Layout::C ? Layout::C : Layout::A, arr->readonly);
      else if (auto *it = dyn_cast<IterType>(a); it && isa<CallExpr>(c->args[i]))
        e = it->elt;
      else if (auto *t = dyn_cast<TupleType>(a); t && !t->elts.empty()) {
        e = t->elts[0]; // a tuple's elements share one type: their join
        for (const Type *x : t->elts)
          if (!(e = join(e, x)))
            fail(c->args[i]->span(), std::string(name) + "() over a tuple needs elements of one kind (numbers, "
                                     "or arrays of one type), not " + a->str());
      } else
        fail(c->args[i]->span(), std::string(name) + "() in a kernel runs over range(...), arrays, tuples, "
                                 "enumerate(...) and zip(...) written in place, not over " + a->str());
      elts.push_back(e);
    }
    return tc.iterType(name, tc.tupleType(std::move(elts)));
  }
  case BuiltinId::FromBuffer: {
    arity(1, 1, "ffi.from_buffer");
    auto *arr = dyn_cast<ArrayType>(args[0]);
    auto *elem = arr ? dyn_cast<ScalarType>(arr->dtype) : nullptr;
    if (!elem || isa<RecordType>(arr->dtype))
      fail(c->args[0]->span(), "ffi.from_buffer() takes an array of numbers (its pointer is the first element's "
                               "address), not " + args[0]->str());
    return tc.pointerType(elem);
  }
  case BuiltinId::Len: {
    arity(1, 1, "len");
    if (isa<RangeType>(args[0]) && !isa<CallExpr>(c->args[0]))
      fail(c->args[0]->span(), "len() takes range(...) written in place");
    if (isa<ArrayType>(args[0]) || isa<TupleType>(args[0]) || isa<RangeType>(args[0]))
      return i64;
    fail(c->args[0]->span(), "len() needs an array, a tuple or a range, not " + args[0]->str());
  }
  case BuiltinId::Min:
  case BuiltinId::Max: {
    const char *name = b.id == BuiltinId::Min ? "min" : "max";
    if (args.size() < 2)
      fail(c->span(), std::string(name) + "() in a kernel takes two or more numbers");
    const ScalarType *t = nullptr;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const ScalarType *s = scalar(args[i], c->args[i], (std::string(name) + "()'s argument").c_str());
      if (s->isComplex())
        fail(c->args[i]->span(), std::string(name) + "() needs ordered numbers; complex numbers have no order");
      t = t ? promote(t, s) : s;
    }
    return t;
  }
  case BuiltinId::Abs: {
    arity(1, 1, "abs");
    const ScalarType *s = scalar(args[0], c->args[0], "abs()'s argument");
    if (s->isComplex())
      return complexPart(s);
    return s->isBool() ? i64 : s;
  }
  case BuiltinId::Round: {
    // Python: round(x) is an int (halves to even); round(x, n) keeps x's type.
    arity(1, 2, "round");
    const ScalarType *s = scalar(args[0], c->args[0], "round()'s argument");
    if (s->isComplex())
      fail(c->args[0]->span(), "round() takes real numbers");
    if (args.size() == 2) {
      integer(args[1], c->args[1], "round()'s ndigits");
      return s->isBool() ? i64 : s;
    }
    return s->isFloat() ? i64 : (s->isBool() ? i64 : s);
  }
  case BuiltinId::Cmath:
  case BuiltinId::ComplexCtor:
  case BuiltinId::Conjugate: return complexCall(c, b, args);
  case BuiltinId::LiteralUnroll:
    fail(c->span(), "literal_unroll() is only a for loop's iterable: for x in literal_unroll(t):");
  case BuiltinId::Half: return halfCall(c, *b.half, args);
  case BuiltinId::Fp8: return fp8Call(c, *b.fp8, args);
  case BuiltinId::VectorCtor: return vectorCall(c, b, args);
  case BuiltinId::CacheLoad:
  case BuiltinId::CacheStore: return cacheHintCall(c, b, args);
  case BuiltinId::ArrayMethod: return arrayMethodCall(c, args);
  case BuiltinId::Ufunc: return ufuncCall(c, *b.ufunc, args);
  case BuiltinId::Operator: return operatorCall(c, *b.op, args);
  case BuiltinId::BitCount: // i.bit_count(): the receiver's own integer type, as numba-cuda's popc
    arity(0, 0, "bit_count");
    return tc.strong(cast<ScalarType>(out.typeOf(cast<AttributeExpr>(c->callee)->value)));
  case BuiltinId::Libdevice: {
    // numba-cuda's cuda.libdevice: numbers converted to the declared types.
    const LibdeviceFunction &f = *b.libdevice;
    const std::string name = "libdevice." + f.name;
    arity(f.params.size(), f.params.size(), name.c_str());
    for (std::size_t i = 0; i < args.size(); ++i)
      if (const ScalarType *s = scalar(args[i], c->args[i], (name + "()'s argument").c_str()); s && s->isComplex())
        fail(c->args[i]->span(), name + "() takes real numbers, not " + s->str());
    return f.result;
  }
  case BuiltinId::Math: {
    const MathFunction &m = *b.math;
    arity(m.arity, m.arity, m.path);
    const ScalarType *t = nullptr;
    for (std::size_t i = 0; i < args.size(); ++i) {
      const ScalarType *s = scalar(args[i], c->args[i], (std::string(m.path) + "()'s argument").c_str());
      if (s->isComplex())
        fail(c->args[i]->span(), std::string(m.path) + "() takes real numbers; use cmath for complex ones");
      if (m.result == MathFunction::Ldexp && i == 1) { // the exponent: an int32
        integer(s, c->args[i], "math.ldexp()'s exponent");
        continue;
      }
      t = t ? promote(t, s) : s;
    }
    if (const HalfFunction *h = args.size() == 1 ? halfMathFunction(m.path, t) : nullptr)
      return h->halfType(); // numba-cuda: math.sin(float16) is fp16.hsin
    // float32 arguments (and Python floats beside them) use the float32
    // variant; anything else computes in float64, as numba does. Of Python
    // numbers alone the result is a Python float, weak like any other, so
    // `x / math.sqrt(2.0)` stays float32.
    const ScalarType *ft = mathInFloat32(m, t) ? tc.floatType(32)
                           : t->weak           ? tc.floatType(64, true)
                                               : tc.floatType(64);
    if (m.result == MathFunction::Bool)
      return tc.boolType();
    if (m.result == MathFunction::Int)
      return i64;
    if (m.result == MathFunction::Frexp)
      return tc.tupleType({ft, tc.intType(32)});
    if (m.result == MathFunction::Modf)
      return tc.tupleType({ft, ft});
    return ft;
  }
  default:
    break;
  }
  fail(c->span(), "this builtin cannot be called");
}

} // namespace ptxforge::frontend
