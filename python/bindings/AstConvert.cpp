//===- python/bindings/AstConvert.cpp - CPython ast -> frontend AST -------===//

#include "python/bindings/AstConvert.h"

#include <string>
#include <unordered_map>

namespace py = pybind11;

namespace ptxforge::bindings {

using namespace frontend;

namespace {

// What to write instead of a construct kernels do not have.
const std::unordered_map<std::string, std::string> kUnsupported = {
    {"Try", "try/except is not supported in kernels; test conditions with 'if' instead"},
    {"TryStar", "try/except* is not supported in kernels; test conditions with 'if' instead"},
    {"With", "'with' is not supported in kernels"},
    {"AsyncWith", "'async with' is not supported in kernels"},
    {"AsyncFor", "'async for' is not supported in kernels"},
    {"FunctionDef", "nested functions are not supported in kernels; define a device function at module level "
                    "with @ptxforge.jit(device=True)"},
    {"AsyncFunctionDef", "async functions are not supported in kernels"},
    {"ClassDef", "classes cannot be defined in kernels"},
    {"Import", "import inside a kernel is not supported; import at module level"},
    {"ImportFrom", "import inside a kernel is not supported; import at module level"},
    {"Global", "'global' is not supported in kernels; globals are read-only constants"},
    {"Nonlocal", "'nonlocal' is not supported in kernels"},
    {"Delete", "'del' is not supported in kernels"},
    {"Match", "'match' is not supported in kernels; use if/elif"},
    {"List", "lists are not supported in kernels; use a tuple, or ptxforge.local.array for scratch space"},
    {"ListComp", "list comprehensions are not supported in kernels; write a loop"},
    {"Dict", "dicts are not supported in kernels; use arrays or tuples"},
    {"DictComp", "dict comprehensions are not supported in kernels"},
    {"Set", "sets are not supported in kernels"},
    {"SetComp", "set comprehensions are not supported in kernels"},
    {"GeneratorExp", "generator expressions are not supported in kernels; write a loop"},
    {"Lambda", "lambdas are not supported in kernels; define a device function with @ptxforge.jit(device=True)"},
    {"JoinedStr", "f-strings are not supported in kernels"},
    {"NamedExpr", "':=' is not supported in kernels; assign on its own line"},
    {"Await", "'await' is not supported in kernels"},
    {"Yield", "'yield' is not supported in kernels"},
    {"YieldFrom", "'yield from' is not supported in kernels"},
};

class Converter {
public:
  Converter(std::shared_ptr<SourceFile> file, int lineOffset, int colOffset)
      : ctx(std::make_shared<AstContext>(file)), file(file.get()), lineOffset(lineOffset), colOffset(colOffset) {}

  std::shared_ptr<AstContext> ctx;
  const SourceFile *file;
  int lineOffset, colOffset;

  static std::string kind(py::handle node) { return py::type::handle_of(node).attr("__name__").cast<std::string>(); }

  // CPython counts columns in UTF-8 bytes; spans keep them (the renderer
  // counts characters when it draws the caret).
  Span span(py::handle node) const {
    Span s;
    s.file = file;
    if (!py::hasattr(node, "lineno"))
      return s;
    s.line = node.attr("lineno").cast<int>() + lineOffset;
    s.col = node.attr("col_offset").cast<int>() + colOffset;
    py::object endLine = node.attr("end_lineno"), endCol = node.attr("end_col_offset");
    s.endLine = endLine.is_none() ? s.line : endLine.cast<int>() + lineOffset;
    s.endCol = endCol.is_none() ? s.col + 1 : endCol.cast<int>() + colOffset;
    return s;
  }

  [[noreturn]] void unsupported(py::handle node, const std::string &k) {
    auto it = kUnsupported.find(k);
    fail(span(node), it != kUnsupported.end() ? it->second : "'" + k + "' is not supported in kernels");
  }

  void function(py::handle fn) {
    FunctionDef &def = ctx->function();
    def.span = span(fn);
    def.name = fn.attr("name").cast<std::string>();
    py::handle args = fn.attr("args");
    if (!args.attr("kwarg").is_none())
      fail(span(args.attr("kwarg")), "'**kwargs' is not supported in kernels; list the parameters");
    if (py::len(args.attr("kwonlyargs")))
      fail(span(args.attr("kwonlyargs")[py::int_(0)]), "keyword-only parameters are not supported in kernels");
    for (const char *group : {"posonlyargs", "args"})
      for (py::handle a : args.attr(group))
        def.params.push_back({span(a), a.attr("arg").cast<std::string>()});
    // Defaults belong to the last parameters; a call that leaves those out
    // gets the literal value in its place.
    py::list defaults = args.attr("defaults");
    std::size_t first = def.params.size() - py::len(defaults);
    for (std::size_t i = 0; i < py::len(defaults); ++i) {
      py::handle d = defaults[i];
      if (!literalDefault(d))
        fail(span(d), "a default parameter value in a kernel must be a literal number, bool, None or a tuple of "
                      "them");
      def.params[first + i].defaultValue = expr(d);
    }
    // `*args` (device functions only): the call's extra positional arguments, as a tuple.
    if (py::handle va = args.attr("vararg"); !va.is_none())
      def.params.push_back({span(va), va.attr("arg").cast<std::string>(), nullptr, true});
    def.body = block(fn.attr("body"));
  }

  static bool literalDefault(py::handle node) {
    std::string k = kind(node);
    if (k == "Constant") {
      py::handle v = node.attr("value");
      return v.is_none() || py::isinstance<py::bool_>(v) || py::isinstance<py::int_>(v) ||
             py::isinstance<py::float_>(v) || PyComplex_Check(v.ptr());
    }
    if (k == "UnaryOp")
      return (kind(node.attr("op")) == "USub" || kind(node.attr("op")) == "UAdd") && literalDefault(node.attr("operand"));
    if (k == "Tuple") {
      for (py::handle e : node.attr("elts"))
        if (!literalDefault(e))
          return false;
      return true;
    }
    return false;
  }

  Block block(py::handle list) {
    Block out;
    for (py::handle s : list)
      if (Stmt *st = stmt(s))
        out.push_back(st);
    return out;
  }

  Stmt *stmt(py::handle node) {
    std::string k = kind(node);
    Span s = span(node);
    if (k == "Expr")
      return ctx->make<ExprStmt>(s, expr(node.attr("value")));
    if (k == "Assign") {
      std::vector<Expr *> targets;
      for (py::handle t : node.attr("targets"))
        targets.push_back(target(t));
      return ctx->make<AssignStmt>(s, std::move(targets), expr(node.attr("value")));
    }
    if (k == "AnnAssign") {
      if (node.attr("value").is_none())
        return nullptr; // a bare annotation declares nothing at run time
      return ctx->make<AssignStmt>(s, std::vector<Expr *>{target(node.attr("target"))}, expr(node.attr("value")));
    }
    if (k == "AugAssign")
      return ctx->make<AugAssignStmt>(s, target(node.attr("target")), binOp(node.attr("op")), expr(node.attr("value")));
    if (k == "If")
      return ctx->make<IfStmt>(s, expr(node.attr("test")), block(node.attr("body")), block(node.attr("orelse")));
    if (k == "For")
      return ctx->make<ForStmt>(s, target(node.attr("target")), expr(node.attr("iter")), block(node.attr("body")),
                                block(node.attr("orelse")));
    if (k == "While")
      return ctx->make<WhileStmt>(s, expr(node.attr("test")), block(node.attr("body")), block(node.attr("orelse")));
    if (k == "Break")
      return ctx->make<BreakStmt>(s);
    if (k == "Continue")
      return ctx->make<ContinueStmt>(s);
    if (k == "Pass")
      return ctx->make<PassStmt>(s);
    if (k == "Return") {
      py::handle v = node.attr("value");
      return ctx->make<ReturnStmt>(s, v.is_none() ? nullptr : expr(v));
    }
    if (k == "Assert") // checked in debug mode only
      return ctx->make<AssertStmt>(s, expr(node.attr("test")), optional(node.attr("msg")));
    if (k == "Raise") {
      py::handle cause = node.attr("cause");
      bool fromNone = !cause.is_none() && kind(cause) == "Constant" && cause.attr("value").is_none();
      if (!cause.is_none() && !fromNone) // `raise ... from None` is the exception alone
        fail(span(cause), "'raise ... from ...' is not supported in kernels; raise the exception alone");
      return ctx->make<RaiseStmt>(s, optional(node.attr("exc")));
    }
    unsupported(node, k);
  }

  Expr *target(py::handle node) {
    std::string k = kind(node);
    if (k == "Name" || k == "Subscript" || k == "Attribute")
      return expr(node);
    if (k == "Tuple") {
      std::vector<Expr *> elts;
      for (py::handle e : node.attr("elts"))
        elts.push_back(target(e));
      return ctx->make<TupleExpr>(span(node), std::move(elts));
    }
    if (k == "Starred")
      return ctx->make<StarredExpr>(span(node), target(node.attr("value")));
    if (k == "List")
      fail(span(node), "unpack into a tuple of names (a, b = ...), not a list");
    fail(span(node), "cannot assign to this expression in a kernel");
  }

  Expr *constant(py::handle node) {
    Span s = span(node);
    py::handle v = node.attr("value");
    if (v.is_none())
      return ctx->make<NoneConstExpr>(s);
    if (py::isinstance<py::bool_>(v))
      return ctx->make<BoolConstExpr>(s, v.cast<bool>());
    if (py::isinstance<py::int_>(v)) {
      int overflow = 0;
      long long value = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
      if (!overflow)
        return ctx->make<IntConstExpr>(s, value);
      if (overflow > 0) {
        unsigned long long u = PyLong_AsUnsignedLongLong(v.ptr());
        if (!PyErr_Occurred())
          return ctx->make<IntConstExpr>(s, static_cast<std::int64_t>(u), true);
        PyErr_Clear();
      }
      fail(s, "integer literal does not fit in 64 bits");
    }
    if (py::isinstance<py::float_>(v))
      return ctx->make<FloatConstExpr>(s, v.cast<double>());
    if (PyComplex_Check(v.ptr()))
      return ctx->make<ComplexConstExpr>(s, std::complex<double>(PyComplex_RealAsDouble(v.ptr()),
                                                                 PyComplex_ImagAsDouble(v.ptr())));
    if (py::isinstance<py::str>(v))
      return ctx->make<StrConstExpr>(s, v.cast<std::string>());
    if (v.ptr() == Py_Ellipsis)
      fail(s, "'...' is not supported in kernels");
    if (py::isinstance<py::bytes>(v))
      return ctx->make<StrConstExpr>(s, v.cast<std::string>(), true);
    fail(s, "bytes are not supported in kernels");
  }

  static BinOpKind binOp(py::handle op) {
    static const std::unordered_map<std::string, BinOpKind> ops = {
        {"Add", BinOpKind::Add},         {"Sub", BinOpKind::Sub},       {"Mult", BinOpKind::Mul},
        {"Div", BinOpKind::Div},         {"FloorDiv", BinOpKind::FloorDiv}, {"Mod", BinOpKind::Mod},
        {"Pow", BinOpKind::Pow},         {"LShift", BinOpKind::LShift}, {"RShift", BinOpKind::RShift},
        {"BitOr", BinOpKind::BitOr},     {"BitXor", BinOpKind::BitXor}, {"BitAnd", BinOpKind::BitAnd},
        {"MatMult", BinOpKind::MatMul}};
    return ops.at(kind(op));
  }

  static CmpOpKind cmpOp(py::handle op) {
    static const std::unordered_map<std::string, CmpOpKind> ops = {
        {"Eq", CmpOpKind::Eq},   {"NotEq", CmpOpKind::NotEq}, {"Lt", CmpOpKind::Lt}, {"LtE", CmpOpKind::LtE},
        {"Gt", CmpOpKind::Gt},   {"GtE", CmpOpKind::GtE},     {"Is", CmpOpKind::Is}, {"IsNot", CmpOpKind::IsNot},
        {"In", CmpOpKind::In},   {"NotIn", CmpOpKind::NotIn}};
    return ops.at(kind(op));
  }

  Expr *optional(py::handle node) { return node.is_none() ? nullptr : expr(node); }

  Expr *expr(py::handle node) {
    std::string k = kind(node);
    Span s = span(node);
    if (k == "Name")
      return ctx->make<NameExpr>(s, node.attr("id").cast<std::string>());
    if (k == "Constant")
      return constant(node);
    if (k == "BinOp")
      return ctx->make<BinOpExpr>(s, binOp(node.attr("op")), expr(node.attr("left")), expr(node.attr("right")));
    if (k == "UnaryOp") {
      static const std::unordered_map<std::string, UnaryOpKind> ops = {
          {"UAdd", UnaryOpKind::Plus}, {"USub", UnaryOpKind::Minus}, {"Not", UnaryOpKind::Not},
          {"Invert", UnaryOpKind::Invert}};
      return ctx->make<UnaryOpExpr>(s, ops.at(kind(node.attr("op"))), expr(node.attr("operand")));
    }
    if (k == "BoolOp") {
      std::vector<Expr *> values;
      for (py::handle v : node.attr("values"))
        values.push_back(expr(v));
      BoolOpKind op = kind(node.attr("op")) == "And" ? BoolOpKind::And : BoolOpKind::Or;
      return ctx->make<BoolOpExpr>(s, op, std::move(values));
    }
    if (k == "Compare") {
      std::vector<CmpOpKind> ops;
      std::vector<Expr *> comparators;
      for (py::handle o : node.attr("ops"))
        ops.push_back(cmpOp(o));
      for (py::handle c : node.attr("comparators"))
        comparators.push_back(expr(c));
      return ctx->make<CompareExpr>(s, expr(node.attr("left")), std::move(ops), std::move(comparators));
    }
    if (k == "Call") {
      std::vector<Expr *> args;
      for (py::handle a : node.attr("args"))
        args.push_back(expr(a));
      std::vector<Keyword> keywords;
      for (py::handle kw : node.attr("keywords")) {
        if (kw.attr("arg").is_none())
          fail(span(kw), "'**' unpacking is not supported in kernels");
        keywords.push_back({span(kw), kw.attr("arg").cast<std::string>(), expr(kw.attr("value"))});
      }
      return ctx->make<CallExpr>(s, expr(node.attr("func")), std::move(args), std::move(keywords));
    }
    if (k == "Attribute")
      return ctx->make<AttributeExpr>(s, expr(node.attr("value")), node.attr("attr").cast<std::string>());
    if (k == "Subscript")
      return ctx->make<SubscriptExpr>(s, expr(node.attr("value")), expr(node.attr("slice")));
    if (k == "Tuple") {
      std::vector<Expr *> elts;
      for (py::handle e : node.attr("elts"))
        elts.push_back(expr(e));
      return ctx->make<TupleExpr>(s, std::move(elts));
    }
    if (k == "IfExp")
      return ctx->make<IfExpExpr>(s, expr(node.attr("test")), expr(node.attr("body")), expr(node.attr("orelse")));
    if (k == "Slice")
      return ctx->make<SliceExpr>(s, optional(node.attr("lower")), optional(node.attr("upper")),
                                  optional(node.attr("step")));
    if (k == "Starred")
      return ctx->make<StarredExpr>(s, expr(node.attr("value")));
    unsupported(node, k);
  }
};

} // namespace

std::shared_ptr<AstContext> convertFunction(py::handle tree, std::shared_ptr<SourceFile> file, int lineOffset,
                                            int colOffset) {
  Converter c(std::move(file), lineOffset, colOffset);
  if (Converter::kind(tree) != "FunctionDef")
    fail(c.span(tree), "ptxforge.jit applies to functions defined with 'def'");
  c.function(tree);
  return c.ctx;
}

} // namespace ptxforge::bindings
