//===- frontend/Webs.cpp - A name's independent lives ---------------------===//
//
// Reaching definitions over the structured tree: the state at each point is,
// per name, the set of definitions that may have given its value. A loop's
// head joins the state before it with the states at the ends of its body and
// at its `continue`s; the whole body is walked again until no head grows.
// A name not yet assigned holds a definition of its own, "unassigned".
// Code after a `return`, `break`, `continue` or `raise` is treated as reached
// by the state before it: that only joins more webs, so it errs toward the
// one-type-per-name rule, never away from it. Every use unites the webs of
// the definitions that reach it; an augmented assignment's target is a use
// and a definition at once.
//
//===----------------------------------------------------------------------===//

#include "frontend/Webs.h"

#include "frontend/AstWalk.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace ptxforge::frontend {

namespace {

using State = std::map<std::string, std::set<int>>;

/// Adds `from` into `into`; true when `into` grew.
bool joinInto(State &into, const State &from) {
  bool grew = false;
  for (const auto &[name, defs] : from) {
    std::set<int> &have = into[name];
    for (int d : defs)
      grew |= have.insert(d).second;
  }
  return grew;
}

class WebFinder {
public:
  WebFinder(const FunctionDef &fn, const std::set<std::string> &skip, const DecideTest &decide)
      : fn(fn), skip(skip), decide(decide) {}

  std::optional<Webs> run() {
    for (const Param &p : fn.params)
      names.insert(p.name);
    if (!collect(fn.body))
      return std::nullopt;
    for (const std::string &s : skip)
      names.erase(s);
    // At the entry a parameter holds its argument and any other name holds
    // "unassigned", itself a definition: every read that may see no value
    // joins one web with every other such read, so what Python reports as
    // unbound is found as before (the first walk's source-order rule).
    State entry;
    for (const Param &p : fn.params)
      if (names.count(p.name)) {
        paramDef[p.name] = newDef();
        entry[p.name] = {paramDef[p.name]};
      }
    for (const std::string &name : names)
      if (!entry.count(name))
        entry[name] = {newDef()};
    // Walk until no loop head grows, then once more to place every occurrence.
    for (int pass = 0; pass < 1000; ++pass) {
      grew = false;
      State s = entry;
      walk(fn.body, s);
      if (!grew)
        break;
    }
    recording = true;
    State s = entry;
    walk(fn.body, s);
    return number();
  }

private:
  struct Loop {
    State breaks, continues;
  };

  // The names the body assigns; false on a statement the walk does not follow.
  bool collect(const Block &b) {
    for (const Stmt *s : b) {
      switch (s->kind()) {
      case Stmt::Kind::Assign:
        for (const Expr *t : cast<AssignStmt>(s)->targets)
          targets(t);
        break;
      case Stmt::Kind::AugAssign: targets(cast<AugAssignStmt>(s)->target); break;
      case Stmt::Kind::For:
        targets(cast<ForStmt>(s)->target);
        if (!collect(cast<ForStmt>(s)->body) || !collect(cast<ForStmt>(s)->orelse))
          return false;
        break;
      case Stmt::Kind::If:
        if (!collect(cast<IfStmt>(s)->body) || !collect(cast<IfStmt>(s)->orelse))
          return false;
        break;
      case Stmt::Kind::While:
        if (!collect(cast<WhileStmt>(s)->body) || !collect(cast<WhileStmt>(s)->orelse))
          return false;
        break;
      case Stmt::Kind::Expr:
      case Stmt::Kind::Break:
      case Stmt::Kind::Continue:
      case Stmt::Kind::Return:
      case Stmt::Kind::Pass:
      case Stmt::Kind::Raise:
      case Stmt::Kind::Assert: break;
      default: return false;
      }
    }
    return true;
  }
  void targets(const Expr *t) {
    if (auto *n = dyn_cast<NameExpr>(t))
      names.insert(n->id);
    else if (auto *tup = dyn_cast<TupleExpr>(t))
      for (const Expr *e : tup->elts)
        targets(e);
    else if (auto *st = dyn_cast<StarredExpr>(t))
      targets(st->value);
  }

  // A new definition (a union-find element of its own).
  int newDef() {
    parent.push_back(static_cast<int>(parent.size()));
    return static_cast<int>(parent.size()) - 1;
  }
  int find(int d) {
    while (parent[d] != d)
      d = parent[d] = parent[parent[d]];
    return d;
  }
  void unite(int a, int b) { parent[find(a)] = find(b); }

  // The definition made at `site`, one per site for the whole analysis.
  int defAt(const NameExpr *site) {
    auto [it, fresh] = siteDef.emplace(site, -1);
    if (fresh)
      it->second = newDef();
    return it->second;
  }

  void use(const NameExpr *n, const State &s) {
    if (!names.count(n->id))
      return; // a global, a builtin
    auto it = s.find(n->id);
    const std::set<int> none;
    const std::set<int> &reach = it == s.end() ? none : it->second;
    for (int d : reach)
      unite(d, *reach.begin());
    if (recording)
      useDefs[n] = reach.empty() ? -1 : *reach.begin();
  }
  void uses(const Expr *e, const State &s) {
    if (!e)
      return;
    if (auto *n = dyn_cast<NameExpr>(e))
      return use(n, s);
    forEachChild(e, [&](const Expr *c) { uses(c, s); });
  }
  void define(const Expr *t, State &s) {
    if (auto *n = dyn_cast<NameExpr>(t)) {
      if (names.count(n->id))
        s[n->id] = {defAt(n)};
    } else if (auto *tup = dyn_cast<TupleExpr>(t)) {
      for (const Expr *e : tup->elts)
        define(e, s);
    } else if (auto *st = dyn_cast<StarredExpr>(t)) {
      define(st->value, s);
    } else {
      uses(t, s); // a[i] = v, r.x = v: the base and the index are read
    }
  }

  // The state at a loop's head: the entry and everything fed back so far.
  State &head(const Stmt *loop, const State &entry) {
    State &h = heads[loop];
    grew |= joinInto(h, entry);
    return h;
  }

  void walk(const Block &b, State &s) {
    for (const Stmt *st : b)
      stmt(st, s);
  }

  void stmt(const Stmt *st, State &s) {
    switch (st->kind()) {
    case Stmt::Kind::Expr: uses(cast<ExprStmt>(st)->value, s); return;
    case Stmt::Kind::Assign: {
      auto *a = cast<AssignStmt>(st);
      uses(a->value, s);
      for (const Expr *t : a->targets)
        define(t, s);
      return;
    }
    case Stmt::Kind::AugAssign: {
      auto *a = cast<AugAssignStmt>(st);
      uses(a->value, s);
      auto *n = dyn_cast<NameExpr>(a->target);
      if (!n || !names.count(n->id))
        return uses(a->target, s);
      use(n, s);
      int d = defAt(n);
      for (int r : s[n->id])
        unite(r, d);
      s[n->id] = {d};
      return;
    }
    case Stmt::Kind::If: {
      auto *i = cast<IfStmt>(st);
      uses(i->test, s);
      if (decide) {
        auto onlyParam = [&](const std::string &name) {
          auto p = paramDef.find(name);
          auto at = s.find(name);
          return p != paramDef.end() && at != s.end() && at->second == std::set<int>{p->second};
        };
        if (std::optional<bool> known = decide(i->test, onlyParam)) {
          walk(*known ? i->body : i->orelse, s); // the other branch never runs
          return;
        }
      }
      State other = s;
      walk(i->body, s);
      walk(i->orelse, other);
      joinInto(s, other);
      return;
    }
    case Stmt::Kind::While: {
      auto *w = cast<WhileStmt>(st);
      State at = head(st, s);
      uses(w->test, at);
      loops.push_back({});
      State body = at;
      walk(w->body, body);
      Loop loop = std::move(loops.back());
      loops.pop_back();
      grew |= joinInto(heads[st], body) | joinInto(heads[st], loop.continues);
      s = heads[st]; // the test failed
      walk(w->orelse, s);
      joinInto(s, loop.breaks);
      return;
    }
    case Stmt::Kind::For: {
      auto *f = cast<ForStmt>(st);
      uses(f->iter, s);
      State at = head(st, s);
      loops.push_back({});
      State body = at;
      define(f->target, body);
      walk(f->body, body);
      Loop loop = std::move(loops.back());
      loops.pop_back();
      grew |= joinInto(heads[st], body) | joinInto(heads[st], loop.continues);
      s = heads[st]; // the iterator ran out
      walk(f->orelse, s);
      joinInto(s, loop.breaks);
      return;
    }
    case Stmt::Kind::Break:
      if (!loops.empty())
        joinInto(loops.back().breaks, s);
      return;
    case Stmt::Kind::Continue:
      if (!loops.empty())
        joinInto(loops.back().continues, s);
      return;
    case Stmt::Kind::Return: uses(cast<ReturnStmt>(st)->value, s); return;
    case Stmt::Kind::Raise: uses(cast<RaiseStmt>(st)->exc, s); return;
    case Stmt::Kind::Assert:
      uses(cast<AssertStmt>(st)->test, s);
      uses(cast<AssertStmt>(st)->msg, s);
      return;
    default: return;
    }
  }

  // Webs numbered per name: the parameter's first, then by first definition.
  Webs number() {
    std::map<std::string, std::vector<int>> rootsOf; // per name, its webs' roots in order
    auto webIndex = [&](const std::string &name, int root) {
      std::vector<int> &r = rootsOf[name];
      auto it = std::find(r.begin(), r.end(), root);
      if (it != r.end())
        return static_cast<int>(it - r.begin());
      r.push_back(root);
      return static_cast<int>(r.size()) - 1;
    };
    for (const auto &[name, d] : paramDef)
      webIndex(name, find(d));
    std::vector<std::pair<const NameExpr *, int>> occurrences; // (site, root or -1 for a read of nothing)
    for (const auto &[site, d] : siteDef)
      occurrences.push_back({site, find(d)});
    for (const auto &[n, d] : useDefs)
      if (!siteDef.count(n)) // an augmented target is placed by its definition
        occurrences.push_back({n, d < 0 ? -1 : find(d)});
    std::sort(occurrences.begin(), occurrences.end(), [](const auto &a, const auto &b) {
      const Span &x = a.first->span(), &y = b.first->span();
      return std::tie(x.line, x.col) < std::tie(y.line, y.col);
    });
    Webs w;
    std::map<const NameExpr *, int> placed;
    for (const auto &[site, root] : occurrences)
      if (root >= 0 && siteDef.count(site))
        placed[site] = webIndex(site->id, root);
    for (const auto &[site, root] : occurrences)
      if (!placed.count(site))
        placed[site] = root >= 0 ? webIndex(site->id, root) : 0; // a read of nothing: "used before assignment"
    for (const auto &[name, roots] : rootsOf)
      if (roots.size() > 1)
        w.count[name] = static_cast<int>(roots.size());
    for (const auto &[site, web] : placed)
      if (w.count.count(site->id))
        w.webOf[site] = web;
    return w;
  }

  const FunctionDef &fn;
  const std::set<std::string> &skip;
  const DecideTest &decide;
  std::set<std::string> names;
  std::vector<int> parent;
  std::map<std::string, int> paramDef;
  std::map<const NameExpr *, int> siteDef;
  std::map<const NameExpr *, int> useDefs;
  std::map<const Stmt *, State> heads;
  std::vector<Loop> loops;
  bool grew = false;
  bool recording = false;
};

} // namespace

std::optional<Webs> findWebs(const FunctionDef &fn, const std::set<std::string> &skip, const DecideTest &decide) {
  return WebFinder(fn, skip, decide).run();
}

} // namespace ptxforge::frontend
