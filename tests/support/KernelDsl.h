//===- tests/support/KernelDsl.h - Building kernel trees in C++ tests -----===//
//
// The C++ suites cannot run CPython's parser, so a test writes the kernel's
// Python source (kept as the file's text, for diagnostics and as the
// reader's reference) and builds the same tree with this small DSL:
//
//   Kernel k(R"(
//   def saxpy(a, x, out):
//       i = pf.grid(1)
//       out[i] = a * x[i]
//   )");
//   k.def("saxpy", {"a", "x", "out"}, {
//       k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
//       k.at(3).assign(k.sub(k.name("out"), k.name("i")),
//                      k.bin(Mul, k.name("a"), k.sub(k.name("x"), k.name("i")))),
//   });
//
// `k.at(line)` sets the line that the statement and every expression built
// in its arguments carry (C++17 sequences the object expression before the
// arguments). Compound statements take their blocks in a second call,
// `k.at(2).if_(test).then({...})`, `k.at(3).for_(i, range).body({...})`,
// so that the header is built before the body moves the line on. An
// expression spans its statement's text unless given an exact span with
// `k.loc("snippet")`, found in the current line.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Ast.h"
#include "frontend/Builtins.h"
#include "frontend/Types.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pftest {

using namespace ptxforge::frontend;
using enum BinOpKind;
using enum CmpOpKind;

class Kernel;

/// A compound statement whose header is built; its blocks come next, in a
/// call of their own so that the header's expressions are built first
/// (a call's arguments are evaluated in no fixed order).
class Compound {
public:
  Compound(AstContext &ctx, Stmt::Kind kind, Span span, Expr *target, Expr *test)
      : ctx_(ctx), kind_(kind), span_(span), target_(target), test_(test) {}
  /// The body and the `else:` block.
  Stmt *body(Block body, Block orelse = {}) {
    switch (kind_) {
    case Stmt::Kind::If: return ctx_.make<IfStmt>(span_, test_, std::move(body), std::move(orelse));
    case Stmt::Kind::For: return ctx_.make<ForStmt>(span_, target_, test_, std::move(body), std::move(orelse));
    default: return ctx_.make<WhileStmt>(span_, test_, std::move(body), std::move(orelse));
    }
  }
  Stmt *then(Block body, Block orelse = {}) { return this->body(std::move(body), std::move(orelse)); }

private:
  AstContext &ctx_;
  Stmt::Kind kind_;
  Span span_;
  Expr *target_, *test_;
};

/// Builds the statements of one source line (see Kernel::at).
class StmtAt {
public:
  StmtAt(Kernel &k, int line) : k_(k), line_(line) {}
  Stmt *assign(Expr *target, Expr *value);
  Stmt *assign(std::vector<Expr *> targets, Expr *value);
  Stmt *aug(Expr *target, BinOpKind op, Expr *value);
  Stmt *expr(Expr *e);
  /// `if test:` -- finish with .then({...}) or .then({...}, {...else...}).
  Compound if_(Expr *test);
  /// `for target in iter:` -- finish with .body({...}).
  Compound for_(Expr *target, Expr *iter);
  /// `while test:` -- finish with .body({...}).
  Compound while_(Expr *test);
  Stmt *break_();
  Stmt *continue_();
  Stmt *return_(Expr *value = nullptr);
  Stmt *pass();

private:
  Span span() const;
  Kernel &k_;
  int line_;
};

class Kernel {
public:
  /// `source` is the kernel's Python text; one leading newline is dropped,
  /// so `def` sits on line 1 of a raw string that starts on its own line.
  explicit Kernel(std::string source, std::string fileName = "kernel.py")
      : file_(std::make_shared<SourceFile>(std::move(fileName),
                                           source.starts_with('\n') ? source.substr(1) : source)),
        ctx_(file_) {}

  const AstContext &ast() const { return ctx_; }
  const SourceFile *file() const { return file_.get(); }

  /// Defines the function: `def` is on the first line that holds "def ".
  void def(std::string name, std::vector<std::string> params, Block body) {
    FunctionDef &fn = ctx_.function();
    int defLine = 1;
    for (int l = 1; l <= static_cast<int>(file_->lines.size()); ++l)
      if (file_->line(l).find("def ") != std::string::npos) {
        defLine = l;
        break;
      }
    fn.span = lineSpan(defLine);
    fn.name = std::move(name);
    line_ = defLine;
    for (const std::string &p : params)
      fn.params.push_back({locate(defLine, p + (&p == &params.back() ? ")" : ","), 1, p.size()), p});
    fn.body = std::move(body);
  }

  /// Starts the statement on `line` (1-based).
  StmtAt at(int line) {
    line_ = line;
    return StmtAt(*this, line);
  }

  /// The span of the `nth` occurrence of `snippet` in the current line.
  Span loc(std::string_view snippet, int nth = 1) { return locate(line_, snippet, nth, snippet.size()); }
  /// The span of a whole line, from its first non-blank character.
  Span lineSpan(int line) const {
    const std::string &text = file_->line(line);
    int col = static_cast<int>(text.find_first_not_of(" \t"));
    if (col < 0)
      col = 0;
    return {file_.get(), line, col, line, static_cast<int>(text.size())};
  }

  // Expressions. A trailing Span overrides the statement-wide default.
  Expr *name(std::string id, Span s = {}) { return ctx_.make<NameExpr>(pick(s), std::move(id)); }
  Expr *num(std::int64_t v, Span s = {}) { return ctx_.make<IntConstExpr>(pick(s), v); }
  Expr *flt(double v, Span s = {}) { return ctx_.make<FloatConstExpr>(pick(s), v); }
  Expr *boolean(bool v, Span s = {}) { return ctx_.make<BoolConstExpr>(pick(s), v); }
  Expr *imag(double v, Span s = {}) { return ctx_.make<ComplexConstExpr>(pick(s), std::complex<double>(0, v)); }
  Expr *none(Span s = {}) { return ctx_.make<NoneConstExpr>(pick(s)); }
  Expr *str(std::string v, Span s = {}) { return ctx_.make<StrConstExpr>(pick(s), std::move(v)); }
  Expr *bin(BinOpKind op, Expr *l, Expr *r, Span s = {}) { return ctx_.make<BinOpExpr>(pick(s), op, l, r); }
  Expr *neg(Expr *e, Span s = {}) { return ctx_.make<UnaryOpExpr>(pick(s), UnaryOpKind::Minus, e); }
  Expr *not_(Expr *e, Span s = {}) { return ctx_.make<UnaryOpExpr>(pick(s), UnaryOpKind::Not, e); }
  Expr *cmp(Expr *l, CmpOpKind op, Expr *r, Span s = {}) {
    return ctx_.make<CompareExpr>(pick(s), l, std::vector<CmpOpKind>{op}, std::vector<Expr *>{r});
  }
  /// `a < b <= c`
  Expr *chain(Expr *a, CmpOpKind op1, Expr *b, CmpOpKind op2, Expr *c, Span s = {}) {
    return ctx_.make<CompareExpr>(pick(s), a, std::vector<CmpOpKind>{op1, op2}, std::vector<Expr *>{b, c});
  }
  Expr *and_(std::vector<Expr *> values, Span s = {}) {
    return ctx_.make<BoolOpExpr>(pick(s), BoolOpKind::And, std::move(values));
  }
  Expr *tuple(std::vector<Expr *> elts, Span s = {}) { return ctx_.make<TupleExpr>(pick(s), std::move(elts)); }
  Expr *ifexp(Expr *test, Expr *body, Expr *orelse, Span s = {}) {
    return ctx_.make<IfExpExpr>(pick(s), test, body, orelse);
  }
  Expr *attr(Expr *value, std::string a, Span s = {}) { return ctx_.make<AttributeExpr>(pick(s), value, std::move(a)); }
  /// A dotted path as a Name and Attribute chain: "pf.threadIdx.x".
  Expr *path(std::string_view dotted, Span s = {}) {
    std::size_t dot = dotted.find('.');
    Expr *e = name(std::string(dotted.substr(0, dot)), s);
    while (dot != std::string_view::npos) {
      std::size_t next = dotted.find('.', dot + 1);
      e = attr(e, std::string(dotted.substr(dot + 1, next == std::string_view::npos ? next : next - dot - 1)), s);
      dot = next;
    }
    return e;
  }
  /// `x[i]`, or `x[i, j]` with several indices.
  Expr *sub(Expr *value, std::vector<Expr *> indices, Span s = {}) {
    Expr *index = indices.size() == 1 ? indices[0] : tuple(std::move(indices), s);
    return ctx_.make<SubscriptExpr>(pick(s), value, index);
  }
  Expr *sub(Expr *value, Expr *index, Span s = {}) { return sub(value, std::vector<Expr *>{index}, s); }
  /// x[name] with a name index: the most common case.
  Expr *elem(const std::string &array, const std::string &index) { return sub(name(array), name(index)); }
  Expr *call(Expr *callee, std::vector<Expr *> args, Span s = {}) {
    return ctx_.make<CallExpr>(pick(s), callee, std::move(args), std::vector<Keyword>{});
  }
  Expr *call(std::string_view callee, std::vector<Expr *> args, Span s = {}) {
    return call(path(callee, s), std::move(args), s);
  }

  /// The default globals: pf -> ptxforge, math, cmath, np -> numpy.
  static GlobalEnv env() {
    GlobalEnv g;
    g["pf"] = {GlobalValue::Path, "ptxforge"};
    g["math"] = {GlobalValue::Path, "math"};
    g["cmath"] = {GlobalValue::Path, "cmath"};
    g["np"] = {GlobalValue::Path, "numpy"};
    return g;
  }

private:
  friend class StmtAt;
  Span pick(const Span &s) const { return s.file ? s : lineSpan(line_); }
  Span locate(int line, std::string_view snippet, int nth, std::size_t length) const {
    const std::string &text = file_->line(line);
    std::size_t pos = std::string::npos, from = 0;
    for (int i = 0; i < nth; ++i, from = pos + 1)
      if ((pos = text.find(snippet, from)) == std::string::npos)
        break;
    if (pos == std::string::npos) {
      ADD_FAILURE() << "test bug: '" << snippet << "' is not on line " << line << ": " << text;
      return lineSpan(line);
    }
    int col = static_cast<int>(pos);
    return {file_.get(), line, col, line, col + static_cast<int>(length)};
  }

  std::shared_ptr<SourceFile> file_;
  AstContext ctx_;
  int line_ = 1;
};

inline Span StmtAt::span() const {
  Span s = k_.lineSpan(line_);
  return s;
}
inline Stmt *StmtAt::assign(Expr *target, Expr *value) { return assign(std::vector<Expr *>{target}, value); }
inline Stmt *StmtAt::assign(std::vector<Expr *> targets, Expr *value) {
  return k_.ctx_.make<AssignStmt>(span(), std::move(targets), value);
}
inline Stmt *StmtAt::aug(Expr *target, BinOpKind op, Expr *value) {
  return k_.ctx_.make<AugAssignStmt>(span(), target, op, value);
}
inline Stmt *StmtAt::expr(Expr *e) { return k_.ctx_.make<ExprStmt>(span(), e); }
inline Compound StmtAt::if_(Expr *test) { return Compound(k_.ctx_, Stmt::Kind::If, span(), nullptr, test); }
inline Compound StmtAt::for_(Expr *target, Expr *iter) {
  return Compound(k_.ctx_, Stmt::Kind::For, span(), target, iter);
}
inline Compound StmtAt::while_(Expr *test) { return Compound(k_.ctx_, Stmt::Kind::While, span(), nullptr, test); }
inline Stmt *StmtAt::break_() { return k_.ctx_.make<BreakStmt>(span()); }
inline Stmt *StmtAt::continue_() { return k_.ctx_.make<ContinueStmt>(span()); }
inline Stmt *StmtAt::return_(Expr *value) { return k_.ctx_.make<ReturnStmt>(span(), value); }
inline Stmt *StmtAt::pass() { return k_.ctx_.make<PassStmt>(span()); }

/// Parses a numba type string; fails the test on a bad one.
inline const Type *ty(const std::string &text) {
  std::string error;
  const Type *t = parseType(text, error);
  EXPECT_NE(t, nullptr) << error;
  return t;
}
/// Parses several numba type strings.
inline std::vector<const Type *> tys(std::initializer_list<const char *> texts) {
  std::vector<const Type *> out;
  for (const char *t : texts)
    out.push_back(ty(t));
  return out;
}

} // namespace pftest
