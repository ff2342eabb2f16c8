//===- frontend/Ast.h - The kernel language's syntax tree ------------------===//
//
// A C++ mirror of the subset of CPython's ast that kernels use. Nodes are
// built once per function at the binding edge, owned by an AstContext arena,
// and never changed afterwards; typing results live in side tables, so one
// tree serves every specialisation. isa/cast/dyn_cast go through `classof`.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Casting.h"
#include "frontend/Diagnostics.h"

#include <cassert>
#include <complex>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ptxforge::frontend {

//===-- Operators ---------------------------------------------------------===//

enum class BinOpKind { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, LShift, RShift, BitOr, BitXor, BitAnd, MatMul };
enum class UnaryOpKind { Plus, Minus, Not, Invert };
enum class CmpOpKind { Eq, NotEq, Lt, LtE, Gt, GtE, Is, IsNot, In, NotIn };
enum class BoolOpKind { And, Or };

/// Python's spelling of an operator ("+", "//", "<=", "and").
const char *spelling(BinOpKind op);
const char *spelling(UnaryOpKind op);
const char *spelling(CmpOpKind op);
const char *spelling(BoolOpKind op);

//===-- Expressions -------------------------------------------------------===//

class Expr {
public:
  enum class Kind {
    Name, IntConst, FloatConst, BoolConst, NoneConst, ComplexConst, StrConst,
    BinOp, UnaryOp, BoolOp, Compare, Call, Attribute, Subscript, Tuple, IfExp, Slice, Starred,
  };
  Kind kind() const { return kind_; }
  const Span &span() const { return span_; }
  virtual ~Expr() = default;

protected:
  Expr(Kind k, Span s) : kind_(k), span_(s) {}

private:
  Kind kind_;
  Span span_;
};

#define PF_EXPR_CLASSOF(K)                                                                         \
  static bool classof(const Expr *e) { return e->kind() == Kind::K; }

class NameExpr : public Expr {
public:
  NameExpr(Span s, std::string id) : Expr(Kind::Name, s), id(std::move(id)) {}
  PF_EXPR_CLASSOF(Name)
  std::string id;
};

class IntConstExpr : public Expr {
public:
  /// Python ints are unbounded; values outside int64 are rejected at
  /// conversion, except those that fit uint64 (`bigUnsigned`).
  IntConstExpr(Span s, std::int64_t v, bool bigUnsigned = false)
      : Expr(Kind::IntConst, s), value(v), bigUnsigned(bigUnsigned) {}
  PF_EXPR_CLASSOF(IntConst)
  std::int64_t value;
  bool bigUnsigned;
};

class FloatConstExpr : public Expr {
public:
  FloatConstExpr(Span s, double v) : Expr(Kind::FloatConst, s), value(v) {}
  PF_EXPR_CLASSOF(FloatConst)
  double value;
};

class ComplexConstExpr : public Expr {
public:
  ComplexConstExpr(Span s, std::complex<double> v) : Expr(Kind::ComplexConst, s), value(v) {}
  PF_EXPR_CLASSOF(ComplexConst)
  std::complex<double> value;
};

class BoolConstExpr : public Expr {
public:
  BoolConstExpr(Span s, bool v) : Expr(Kind::BoolConst, s), value(v) {}
  PF_EXPR_CLASSOF(BoolConst)
  bool value;
};

class NoneConstExpr : public Expr {
public:
  explicit NoneConstExpr(Span s) : Expr(Kind::NoneConst, s) {}
  PF_EXPR_CLASSOF(NoneConst)
};

class StrConstExpr : public Expr {
public:
  StrConstExpr(Span s, std::string v, bool isBytes = false)
      : Expr(Kind::StrConst, s), value(std::move(v)), isBytes(isBytes) {}
  PF_EXPR_CLASSOF(StrConst)
  std::string value; ///< UTF-8 text, or the bytes of a bytes literal
  bool isBytes;      ///< b"...": only stored into a byte-string (S) array element or field
};

class BinOpExpr : public Expr {
public:
  BinOpExpr(Span s, BinOpKind op, Expr *l, Expr *r) : Expr(Kind::BinOp, s), op(op), lhs(l), rhs(r) {}
  PF_EXPR_CLASSOF(BinOp)
  BinOpKind op;
  Expr *lhs, *rhs;
};

class UnaryOpExpr : public Expr {
public:
  UnaryOpExpr(Span s, UnaryOpKind op, Expr *e) : Expr(Kind::UnaryOp, s), op(op), operand(e) {}
  PF_EXPR_CLASSOF(UnaryOp)
  UnaryOpKind op;
  Expr *operand;
};

class BoolOpExpr : public Expr {
public:
  BoolOpExpr(Span s, BoolOpKind op, std::vector<Expr *> values)
      : Expr(Kind::BoolOp, s), op(op), values(std::move(values)) {}
  PF_EXPR_CLASSOF(BoolOp)
  BoolOpKind op;
  std::vector<Expr *> values; ///< two or more
};

/// `a < b <= c`: ops.size() == comparators.size().
class CompareExpr : public Expr {
public:
  CompareExpr(Span s, Expr *left, std::vector<CmpOpKind> ops, std::vector<Expr *> comparators)
      : Expr(Kind::Compare, s), left(left), ops(std::move(ops)), comparators(std::move(comparators)) {}
  PF_EXPR_CLASSOF(Compare)
  Expr *left;
  std::vector<CmpOpKind> ops;
  std::vector<Expr *> comparators;
};

struct Keyword {
  Span span;
  std::string name;
  Expr *value;
};

class CallExpr : public Expr {
public:
  CallExpr(Span s, Expr *callee, std::vector<Expr *> args, std::vector<Keyword> keywords)
      : Expr(Kind::Call, s), callee(callee), args(std::move(args)), keywords(std::move(keywords)) {}
  PF_EXPR_CLASSOF(Call)
  Expr *callee;
  std::vector<Expr *> args;
  std::vector<Keyword> keywords;
};

class AttributeExpr : public Expr {
public:
  AttributeExpr(Span s, Expr *value, std::string attr)
      : Expr(Kind::Attribute, s), value(value), attr(std::move(attr)) {}
  PF_EXPR_CLASSOF(Attribute)
  Expr *value;
  std::string attr;
};

class SubscriptExpr : public Expr {
public:
  SubscriptExpr(Span s, Expr *value, Expr *index) : Expr(Kind::Subscript, s), value(value), index(index) {}
  PF_EXPR_CLASSOF(Subscript)
  Expr *value;
  Expr *index; ///< a TupleExpr for a[i, j]
};

class TupleExpr : public Expr {
public:
  TupleExpr(Span s, std::vector<Expr *> elts) : Expr(Kind::Tuple, s), elts(std::move(elts)) {}
  PF_EXPR_CLASSOF(Tuple)
  std::vector<Expr *> elts;
};

class IfExpExpr : public Expr {
public:
  IfExpExpr(Span s, Expr *test, Expr *body, Expr *orelse)
      : Expr(Kind::IfExp, s), test(test), body(body), orelse(orelse) {}
  PF_EXPR_CLASSOF(IfExp)
  Expr *test, *body, *orelse;
};

/// `lower:upper:step` inside a subscript; absent parts are nullptr.
class SliceExpr : public Expr {
public:
  SliceExpr(Span s, Expr *lower, Expr *upper, Expr *step)
      : Expr(Kind::Slice, s), lower(lower), upper(upper), step(step) {}
  PF_EXPR_CLASSOF(Slice)
  Expr *lower, *upper, *step;
};

/// `*value` in a call's arguments, a tuple display or an assignment target:
/// the elements of a tuple, spread in place.
class StarredExpr : public Expr {
public:
  StarredExpr(Span s, Expr *value) : Expr(Kind::Starred, s), value(value) {}
  PF_EXPR_CLASSOF(Starred)
  Expr *value;
};

#undef PF_EXPR_CLASSOF

/// True when one of `elts` is `*value`.
inline bool hasStarred(const std::vector<Expr *> &elts) {
  for (const Expr *e : elts)
    if (e->kind() == Expr::Kind::Starred)
      return true;
  return false;
}

//===-- Statements --------------------------------------------------------===//

class Stmt {
public:
  enum class Kind { Expr, Assign, AugAssign, If, For, While, Break, Continue, Return, Pass, Raise, Assert };
  Kind kind() const { return kind_; }
  const Span &span() const { return span_; }
  virtual ~Stmt() = default;

protected:
  Stmt(Kind k, Span s) : kind_(k), span_(s) {}

private:
  Kind kind_;
  Span span_;
};

using Block = std::vector<Stmt *>;

#define PF_STMT_CLASSOF(K)                                                                         \
  static bool classof(const Stmt *s) { return s->kind() == Kind::K; }

class ExprStmt : public Stmt {
public:
  ExprStmt(Span s, Expr *e) : Stmt(Kind::Expr, s), value(e) {}
  PF_STMT_CLASSOF(Expr)
  Expr *value;
};

/// `t1 = t2 = value`; also `x: T = value` (the annotation is ignored).
class AssignStmt : public Stmt {
public:
  AssignStmt(Span s, std::vector<Expr *> targets, Expr *value)
      : Stmt(Kind::Assign, s), targets(std::move(targets)), value(value) {}
  PF_STMT_CLASSOF(Assign)
  std::vector<Expr *> targets;
  Expr *value;
};

class AugAssignStmt : public Stmt {
public:
  AugAssignStmt(Span s, Expr *target, BinOpKind op, Expr *value)
      : Stmt(Kind::AugAssign, s), target(target), op(op), value(value) {}
  PF_STMT_CLASSOF(AugAssign)
  Expr *target;
  BinOpKind op;
  Expr *value;
};

class IfStmt : public Stmt {
public:
  IfStmt(Span s, Expr *test, Block body, Block orelse)
      : Stmt(Kind::If, s), test(test), body(std::move(body)), orelse(std::move(orelse)) {}
  PF_STMT_CLASSOF(If)
  Expr *test;
  Block body, orelse;
};

/// `for target in iter:` ... `else:` ...
class ForStmt : public Stmt {
public:
  ForStmt(Span s, Expr *target, Expr *iter, Block body, Block orelse)
      : Stmt(Kind::For, s), target(target), iter(iter), body(std::move(body)), orelse(std::move(orelse)) {}
  PF_STMT_CLASSOF(For)
  Expr *target, *iter;
  Block body, orelse;
};

class WhileStmt : public Stmt {
public:
  WhileStmt(Span s, Expr *test, Block body, Block orelse)
      : Stmt(Kind::While, s), test(test), body(std::move(body)), orelse(std::move(orelse)) {}
  PF_STMT_CLASSOF(While)
  Expr *test;
  Block body, orelse;
};

class BreakStmt : public Stmt {
public:
  explicit BreakStmt(Span s) : Stmt(Kind::Break, s) {}
  PF_STMT_CLASSOF(Break)
};

class ContinueStmt : public Stmt {
public:
  explicit ContinueStmt(Span s) : Stmt(Kind::Continue, s) {}
  PF_STMT_CLASSOF(Continue)
};

class ReturnStmt : public Stmt {
public:
  ReturnStmt(Span s, Expr *value) : Stmt(Kind::Return, s), value(value) {}
  PF_STMT_CLASSOF(Return)
  Expr *value; ///< nullptr for a bare `return`
};

class PassStmt : public Stmt {
public:
  explicit PassStmt(Span s) : Stmt(Kind::Pass, s) {}
  PF_STMT_CLASSOF(Pass)
};

/// `raise Error` or `raise Error(args...)`: `exc` is the class or the call.
class RaiseStmt : public Stmt {
public:
  RaiseStmt(Span s, Expr *exc) : Stmt(Kind::Raise, s), exc(exc) {}
  PF_STMT_CLASSOF(Raise)
  Expr *exc; ///< nullptr for a bare `raise`
};

/// `assert test` or `assert test, msg`: checked in debug mode only.
class AssertStmt : public Stmt {
public:
  AssertStmt(Span s, Expr *test, Expr *msg) : Stmt(Kind::Assert, s), test(test), msg(msg) {}
  PF_STMT_CLASSOF(Assert)
  Expr *test;
  Expr *msg; ///< nullptr when absent
};

#undef PF_STMT_CLASSOF

//===-- Functions and the arena -------------------------------------------===//

struct Param {
  Span span;
  std::string name;
  /// The default value (a literal number, bool, None or tuple of them), or null.
  Expr *defaultValue = nullptr;
  /// `*name`: the last parameter, a tuple of the call's extra positional arguments.
  bool vararg = false;
};

/// One `def`. `body` is never empty.
struct FunctionDef {
  Span span;
  std::string name;
  std::vector<Param> params;
  Block body;
};

/// Owns every node of one function's tree and its source file.
class AstContext {
public:
  explicit AstContext(std::shared_ptr<SourceFile> file) : file_(std::move(file)) {}
  AstContext(const AstContext &) = delete;
  AstContext &operator=(const AstContext &) = delete;

  template <typename T, typename... Args> T *make(Args &&...args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T *raw = node.get();
    if constexpr (std::is_base_of_v<Expr, T>)
      exprs_.push_back(std::move(node));
    else
      stmts_.push_back(std::move(node));
    return raw;
  }
  const SourceFile *file() const { return file_.get(); }
  FunctionDef &function() { return function_; }
  const FunctionDef &function() const { return function_; }

private:
  std::shared_ptr<SourceFile> file_;
  std::vector<std::unique_ptr<Expr>> exprs_;
  std::vector<std::unique_ptr<Stmt>> stmts_;
  FunctionDef function_;
};

/// Python-like text of the tree (for `--emit=ast` and tests).
std::string dump(const FunctionDef &fn);

} // namespace ptxforge::frontend
