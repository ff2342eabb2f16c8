//===- frontend/AstPrinter.cpp - Python-like text of a tree, typed or not -===//
//
// dump() prints the tree as Python; TypedFunction::str() prints the same with
// each operation's type after it, "(a * x[i] : float32)", the signature and
// the locals on top. Both serve `--emit=ast|typed` and inspect_types().
//
//===----------------------------------------------------------------------===//

#include "frontend/Ast.h"
#include "frontend/TypeInfer.h"

#include <algorithm>
#include <functional>
#include <sstream>

namespace ptxforge::frontend {

const char *spelling(BinOpKind op) {
  static const char *names[] = {"+", "-", "*", "/", "//", "%", "**", "<<", ">>", "|", "^", "&", "@"};
  return names[static_cast<int>(op)];
}
const char *spelling(UnaryOpKind op) {
  static const char *names[] = {"+", "-", "not ", "~"};
  return names[static_cast<int>(op)];
}
const char *spelling(CmpOpKind op) {
  static const char *names[] = {"==", "!=", "<", "<=", ">", ">=", "is", "is not", "in", "not in"};
  return names[static_cast<int>(op)];
}
const char *spelling(BoolOpKind op) { return op == BoolOpKind::And ? "and" : "or"; }

namespace {
using Annotate = std::function<const Type *(const Expr *)>;

class Printer {
public:
  explicit Printer(Annotate annotate) : annotate(std::move(annotate)) {}

  std::string expr(const Expr *e) {
    std::string text = bare(e);
    const Type *t = annotate ? annotate(e) : nullptr;
    bool worth = t && !isa<NameExpr>(e) && !isa<IntConstExpr>(e) && !isa<FloatConstExpr>(e) && !isa<SliceExpr>(e) &&
                 !isa<BoolConstExpr>(e) && !isa<TupleExpr>(e) && !isa<PathType>(t) && !isa<DtypeType>(t);
    return worth ? "(" + text + " : " + t->str() + ")" : text;
  }

  std::string bare(const Expr *e) {
    switch (e->kind()) {
    case Expr::Kind::Name: return cast<NameExpr>(e)->id;
    case Expr::Kind::IntConst: {
      auto *i = cast<IntConstExpr>(e);
      return i->bigUnsigned ? std::to_string(static_cast<std::uint64_t>(i->value)) : std::to_string(i->value);
    }
    case Expr::Kind::FloatConst: {
      std::ostringstream os;
      os.precision(17);
      os << cast<FloatConstExpr>(e)->value;
      std::string s = os.str();
      if (s.find_first_of(".eEni") == std::string::npos)
        s += ".0";
      return s;
    }
    case Expr::Kind::ComplexConst: {
      std::ostringstream os;
      os << cast<ComplexConstExpr>(e)->value.imag() << "j";
      return os.str();
    }
    case Expr::Kind::BoolConst: return cast<BoolConstExpr>(e)->value ? "True" : "False";
    case Expr::Kind::NoneConst: return "None";
    case Expr::Kind::StrConst: return "'" + cast<StrConstExpr>(e)->value + "'";
    case Expr::Kind::BinOp: {
      auto *b = cast<BinOpExpr>(e);
      return expr(b->lhs) + " " + spelling(b->op) + " " + expr(b->rhs);
    }
    case Expr::Kind::UnaryOp: {
      auto *u = cast<UnaryOpExpr>(e);
      return std::string(spelling(u->op)) + expr(u->operand);
    }
    case Expr::Kind::BoolOp: {
      auto *b = cast<BoolOpExpr>(e);
      std::string s;
      for (std::size_t i = 0; i < b->values.size(); ++i)
        s += (i ? std::string(" ") + spelling(b->op) + " " : "") + expr(b->values[i]);
      return s;
    }
    case Expr::Kind::Compare: {
      auto *c = cast<CompareExpr>(e);
      std::string s = expr(c->left);
      for (std::size_t i = 0; i < c->ops.size(); ++i)
        s += std::string(" ") + spelling(c->ops[i]) + " " + expr(c->comparators[i]);
      return s;
    }
    case Expr::Kind::Call: {
      auto *c = cast<CallExpr>(e);
      std::string s = expr(c->callee) + "(";
      bool first = true;
      for (const Expr *a : c->args) {
        s += (first ? "" : ", ") + expr(a);
        first = false;
      }
      for (const Keyword &k : c->keywords) {
        s += (first ? "" : ", ") + k.name + "=" + expr(k.value);
        first = false;
      }
      return s + ")";
    }
    case Expr::Kind::Attribute: {
      auto *a = cast<AttributeExpr>(e);
      return expr(a->value) + "." + a->attr;
    }
    case Expr::Kind::Subscript: {
      auto *s = cast<SubscriptExpr>(e);
      std::string index;
      if (auto *t = dyn_cast<TupleExpr>(s->index)) {
        for (std::size_t i = 0; i < t->elts.size(); ++i)
          index += (i ? ", " : "") + expr(t->elts[i]);
      } else {
        index = expr(s->index);
      }
      return expr(s->value) + "[" + index + "]";
    }
    case Expr::Kind::Tuple: {
      auto *t = cast<TupleExpr>(e);
      std::string s = "(";
      for (std::size_t i = 0; i < t->elts.size(); ++i)
        s += (i ? ", " : "") + expr(t->elts[i]);
      return s + (t->elts.size() == 1 ? ",)" : ")");
    }
    case Expr::Kind::IfExp: {
      auto *i = cast<IfExpExpr>(e);
      return expr(i->body) + " if " + expr(i->test) + " else " + expr(i->orelse);
    }
    case Expr::Kind::Slice: {
      auto *s = cast<SliceExpr>(e);
      std::string r = (s->lower ? expr(s->lower) : "") + ":" + (s->upper ? expr(s->upper) : "");
      return s->step ? r + ":" + expr(s->step) : r;
    }
    case Expr::Kind::Starred: return "*" + expr(cast<StarredExpr>(e)->value);
    }
    return "?";
  }

  void block(const Block &b, int depth) {
    for (const Stmt *s : b)
      stmt(s, depth);
  }

  void line(const Stmt *s, int depth, const std::string &text) {
    std::string ln = std::to_string(s->span().line);
    out << std::string(ln.size() < 5 ? 5 - ln.size() : 0, ' ') << ln << "  " << std::string(depth * 4, ' ') << text
        << "\n";
  }

  void stmt(const Stmt *s, int depth) {
    switch (s->kind()) {
    case Stmt::Kind::Expr: line(s, depth, expr(cast<ExprStmt>(s)->value)); return;
    case Stmt::Kind::Assign: {
      auto *a = cast<AssignStmt>(s);
      std::string text;
      for (const Expr *t : a->targets)
        text += expr(t) + " = ";
      line(s, depth, text + expr(a->value));
      return;
    }
    case Stmt::Kind::AugAssign: {
      auto *a = cast<AugAssignStmt>(s);
      line(s, depth, expr(a->target) + " " + spelling(a->op) + "= " + expr(a->value));
      return;
    }
    case Stmt::Kind::If: {
      auto *i = cast<IfStmt>(s);
      line(s, depth, "if " + expr(i->test) + ":");
      block(i->body, depth + 1);
      if (!i->orelse.empty()) {
        line(s, depth, "else:");
        block(i->orelse, depth + 1);
      }
      return;
    }
    case Stmt::Kind::For: {
      auto *f = cast<ForStmt>(s);
      line(s, depth, "for " + expr(f->target) + " in " + expr(f->iter) + ":");
      if (auto u = unrolled ? unrolled->find(f) : decltype(unrolled->end()){}; unrolled && u != unrolled->end()) {
        for (std::size_t k = 0; k < u->second.size(); ++k) { // literal_unroll: each typed copy
          line(s, depth + 1, "# element " + std::to_string(k));
          block(u->second[k], depth + 1);
        }
      } else {
        block(f->body, depth + 1);
      }
      if (!f->orelse.empty()) {
        line(s, depth, "else:");
        block(f->orelse, depth + 1);
      }
      return;
    }
    case Stmt::Kind::While: {
      auto *w = cast<WhileStmt>(s);
      line(s, depth, "while " + expr(w->test) + ":");
      block(w->body, depth + 1);
      if (!w->orelse.empty()) {
        line(s, depth, "else:");
        block(w->orelse, depth + 1);
      }
      return;
    }
    case Stmt::Kind::Break: line(s, depth, "break"); return;
    case Stmt::Kind::Continue: line(s, depth, "continue"); return;
    case Stmt::Kind::Return: {
      auto *r = cast<ReturnStmt>(s);
      line(s, depth, r->value ? "return " + expr(r->value) : "return");
      return;
    }
    case Stmt::Kind::Pass: line(s, depth, "pass"); return;
    case Stmt::Kind::Raise: {
      auto *r = cast<RaiseStmt>(s);
      line(s, depth, r->exc ? "raise " + expr(r->exc) : "raise");
      return;
    }
    case Stmt::Kind::Assert: {
      auto *a = cast<AssertStmt>(s);
      line(s, depth, "assert " + expr(a->test) + (a->msg ? ", " + expr(a->msg) : ""));
      return;
    }
    }
  }

  Annotate annotate;
  /// The copies of literal_unroll loops' bodies, printed in their place.
  const std::unordered_map<const ForStmt *, std::vector<Block>> *unrolled = nullptr;
  std::ostringstream out;
};
} // namespace

std::string dump(const FunctionDef &fn) {
  Printer p(nullptr);
  p.out << "def " << fn.name << "(";
  for (std::size_t i = 0; i < fn.params.size(); ++i)
    p.out << (i ? ", " : "") << (fn.params[i].vararg ? "*" : "") << fn.params[i].name;
  p.out << "):\n";
  p.block(fn.body, 1);
  return p.out.str();
}

std::string TypedFunction::str() const {
  // This function, then each device function it reaches, once.
  std::vector<const TypedFunction *> order{this};
  for (std::size_t i = 0; i < order.size(); ++i)
    for (const auto &[call, callee] : order[i]->calls)
      if (std::find(order.begin(), order.end(), callee) == order.end())
        order.push_back(callee);
  std::string text;
  for (const TypedFunction *f : order)
    text += (text.empty() ? "" : "\n") + f->strOne();
  return text;
}

std::string TypedFunction::strOne() const {
  if (external) { // declared with declare_device: no body here
    Signature sig;
    sig.params = paramTypes;
    return "declared device function " + external->name + sig.str() + " -> " + returnType->str() + "\n";
  }
  Printer p([this](const Expr *e) { return typeOf(e); });
  p.unrolled = &unrolled;
  p.out << (isKernel ? "kernel " : "device function ") << fn->name << "(";
  for (std::size_t i = 0; i < fn->params.size(); ++i)
    p.out << (i ? ", " : "") << fn->params[i].name << ": " << paramTypes[i]->str();
  p.out << ") -> " << returnType->str() << "\n";
  bool any = false;
  for (const auto &l : locals) {
    if (l->paramIndex >= 0 || !l->type)
      continue;
    p.out << (any ? ", " : "  locals: ") << l->name << ": " << l->type->str();
    any = true;
  }
  if (any)
    p.out << "\n";
  p.block(fn->body, 1);
  return p.out.str();
}

} // namespace ptxforge::frontend
