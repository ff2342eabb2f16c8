//===- tests/frontend/TypeInferTest.cpp - Typing small kernels ------------===//
//
// Each test shows the kernel's Python source, builds the same tree with the
// DSL (tests/support/KernelDsl.h), types it for one signature and checks the
// locals' types, or the error with its line and column.
//
//===----------------------------------------------------------------------===//
#include "../support/KernelDsl.h"
#include "frontend/TypeInfer.h"

#include <gtest/gtest.h>

using namespace pftest;

namespace {

struct Typed {
  std::unique_ptr<TypedFunction> fn;
  Diagnostic error;

  /// The type of local `name`, as numba spells it.
  std::string local(const std::string &name) const {
    for (const auto &l : fn->locals)
      if (l->name == name)
        return l->type ? l->type->str() : "<untyped>";
    return "<no such local>";
  }
};

Typed infer(const Kernel &k, std::initializer_list<const char *> sig, const GlobalEnv &env = Kernel::env()) {
  Typed t;
  t.fn = inferTypes(k.ast(), tys(sig), env, /*isKernel=*/true, t.error);
  EXPECT_TRUE(t.fn) << t.error.render();
  return t;
}

Diagnostic inferError(const Kernel &k, std::initializer_list<const char *> sig,
                      const GlobalEnv &env = Kernel::env()) {
  Diagnostic error;
  auto fn = inferTypes(k.ast(), tys(sig), env, /*isKernel=*/true, error);
  EXPECT_FALSE(fn) << "expected a typing error; typed:\n" << (fn ? fn->str() : "");
  return error;
}

/// "line:col" of a span, with the 1-based column a user sees.
std::string where(const Span &s) { return std::to_string(s.line) + ":" + std::to_string(s.col + 1); }

TEST(TypeInfer, AccumulatorStartingAtZeroJoinsToFloat32) {
  Kernel k(R"(
def total(x, out):
    s = 0
    for i in range(x.size):
        s += x[i]
    out[0] = s
)");
  k.def("total", {"x", "out"},
        {k.at(2).assign(k.name("s"), k.num(0)),
         k.at(3).for_(k.name("i"), k.call("range", {k.attr(k.name("x"), "size")}))
             .body({k.at(4).aug(k.name("s"), Add, k.elem("x", "i"))}),
         k.at(5).assign(k.sub(k.name("out"), k.num(0)), k.name("s"))});
  Typed t = infer(k, {"float32[::1]", "float32[::1]"});
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.local("s"), "float32"); // the weak 0 takes x's type, never float64
  EXPECT_EQ(t.local("i"), "int64");
  EXPECT_EQ(t.fn->returnType, types().voidType());
  EXPECT_NE(t.fn->str().find("locals: s: float32, i: int64"), std::string::npos) << t.fn->str();
}

TEST(TypeInfer, WeakFloatLiteralKeepsFloat32Arithmetic) {
  Kernel k(R"(
def scale(x):
    i = pf.grid(1)
    x[i] = x[i] * 2.0 + 1
)");
  Expr *product = nullptr;
  k.def("scale", {"x"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.elem("x", "i"),
                        k.bin(Add, product = k.bin(Mul, k.elem("x", "i"), k.flt(2.0)), k.num(1)))});
  Typed t = infer(k, {"float32[::1]"});
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.fn->typeOf(product), types().floatType(32));
  EXPECT_EQ(t.local("i"), "int64");
  EXPECT_NE(t.fn->str().find("(((x[i] : float32) * 2.0 : float32) + 1 : float32)"), std::string::npos) << t.fn->str();
}

TEST(TypeInfer, LocalReadBeforeItsLaterAssignmentInALoopGetsTheJoin) {
  Kernel k(R"(
def shift(x, out):
    prev = 0
    for i in range(x.size):
        out[i] = prev
        prev = x[i]
)");
  Expr *read = nullptr;
  k.def("shift", {"x", "out"},
        {k.at(2).assign(k.name("prev"), k.num(0)),
         k.at(3).for_(k.name("i"), k.call("range", {k.attr(k.name("x"), "size")}))
             .body({k.at(4).assign(k.elem("out", "i"), read = k.name("prev")),
                    k.at(5).assign(k.name("prev"), k.elem("x", "i"))})});
  Typed t = infer(k, {"float64[:]", "float64[:]"});
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.local("prev"), "float64");
  EXPECT_EQ(t.fn->typeOf(read), types().floatType(64)); // typed in the final walk, not the first
}

TEST(TypeInfer, ArrayThenScalarIsAConflictWithANoteAtTheFirstAssignment) {
  // Both values reach the last line's read of `a`: one variable, two kinds.
  Kernel k(R"(
def f(x, y):
    a = x
    if y > 0:
        a = 1.5
    a
)");
  k.def("f", {"x", "y"},
        {k.at(2).assign(k.name("a", k.loc("a")), k.name("x", k.loc("x"))),
         k.at(3).if_(k.cmp(k.name("y"), CmpOpKind::Gt, k.num(0)))
             .then({k.at(4).assign(k.name("a", k.loc("a")), k.flt(1.5, k.loc("1.5")))}),
         k.at(5).expr(k.name("a"))});
  Diagnostic d = inferError(k, {"float32[::1]", "float32"});
  EXPECT_EQ(d.message, "variable 'a' holds float32[::1] but is assigned float here; "
                       "a variable keeps one type throughout the function");
  EXPECT_EQ(where(d.span), "4:13");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(where(d.notes[0].first), "2:5");
  EXPECT_EQ(d.notes[0].second, "'a' first gets its type here");
}

TEST(TypeInfer, UndefinedNameIsReportedAtItsLineAndColumn) {
  Kernel k(R"(
def f(out):
    i = pf.grid(1)
    out[i] = undefined_thing + 1
)");
  k.def("f", {"out"},
        {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.num(1)})),
         k.at(3).assign(k.elem("out", "i"),
                        k.bin(Add, k.name("undefined_thing", k.loc("undefined_thing")), k.num(1)))});
  Diagnostic d = inferError(k, {"int32[::1]"});
  EXPECT_EQ(d.message, "NameError: name 'undefined_thing' is not defined");
  EXPECT_EQ(where(d.span), "3:14");
  EXPECT_EQ(d.span.endCol - d.span.col, 15);
}

TEST(TypeInfer, BreakOutsideALoop) {
  Kernel k(R"(
def f(out):
    if out[0] > 0:
        break
)");
  k.def("f", {"out"}, {k.at(2).if_(k.cmp(k.sub(k.name("out"), k.num(0)), Gt, k.num(0))).then({k.at(3).break_()})});
  Diagnostic d = inferError(k, {"int32[::1]"});
  EXPECT_EQ(d.message, "'break' outside a loop");
  EXPECT_EQ(where(d.span), "3:9");
}

TEST(TypeInfer, ContinueInsideAWhileLoopIsFine) {
  Kernel k(R"(
def f(out):
    while out[0] > 0:
        out[0] -= 1
        continue
)");
  k.def("f", {"out"},
        {k.at(2).while_(k.cmp(k.sub(k.name("out"), k.num(0)), Gt, k.num(0)))
             .body({k.at(3).aug(k.sub(k.name("out"), k.num(0)), Sub, k.num(1)), k.at(4).continue_()})});
  EXPECT_TRUE(infer(k, {"int32[::1]"}).fn);
}

TEST(TypeInfer, KernelCannotReturnAValue) {
  Kernel k(R"(
def f(x):
    return x[0]
)");
  k.def("f", {"x"}, {k.at(2).return_(k.sub(k.name("x"), k.num(0), k.loc("x[0]")))});
  Diagnostic d = inferError(k, {"float32[::1]"});
  EXPECT_EQ(d.message, "a kernel cannot return a value (kernels must have void return type); write results into an "
                       "array argument, or compile the function with device=True");
  EXPECT_EQ(where(d.span), "2:12");
}

TEST(TypeInfer, BareReturnAndReturnNoneAreFine) {
  Kernel k(R"(
def f(x):
    if x[0] > 0:
        return
    return None
)");
  k.def("f", {"x"},
        {k.at(2).if_(k.cmp(k.sub(k.name("x"), k.num(0)), Gt, k.num(0))).then({k.at(3).return_()}),
         k.at(4).return_(k.none())});
  EXPECT_TRUE(infer(k, {"float32[::1]"}).fn);
}

TEST(TypeInfer, IndexingAScalar) {
  Kernel k(R"(
def f(a, out):
    out[0] = a[0]
)");
  k.def("f", {"a", "out"}, {k.at(2).assign(k.sub(k.name("out"), k.num(0)),
                                           k.sub(k.name("a", k.loc("a[")), k.num(0), k.loc("a[0]")))});
  Diagnostic d = inferError(k, {"int32", "int32[::1]"});
  EXPECT_EQ(d.message, "int32 cannot be indexed");
  EXPECT_EQ(where(d.span), "2:14");
}

TEST(TypeInfer, AssigningAWiderArrayToAViewIsAnError) {
  Kernel k(R"(
def f(m, w):
    m[1] = w
)");
  k.def("f", {"m", "w"}, {k.at(2).assign(k.sub(k.name("m"), k.num(1), k.loc("m[1]")), k.name("w", k.loc("w")))});
  Diagnostic d = inferError(k, {"float32[:, ::1]", "float64[:, :]"});
  EXPECT_EQ(d.message, "cannot store the 2-d array float64[:, :] into the 1-d view float32[::1]; "
                       "it has more dimensions");
  EXPECT_EQ(where(d.span), "2:12");
}

TEST(TypeInfer, AssigningToAViewTypesTheView) {
  Kernel k(R"(
def f(m, v):
    m[1] = v
)");
  k.def("f", {"m", "v"}, {k.at(2).assign(k.sub(k.name("m"), k.num(1), k.loc("m[1]")), k.name("v", k.loc("v")))});
  Typed t = infer(k, {"float32[:, ::1]", "int8[::1]"});
  EXPECT_NE(t.fn->str().find("(m[1] : float32[::1]) = v"), std::string::npos) << t.fn->str();
}

TEST(TypeInfer, FloatIndex) {
  Kernel k(R"(
def f(x, v):
    x[v] = 1
)");
  k.def("f", {"x", "v"}, {k.at(2).assign(k.sub(k.name("x"), k.name("v", k.loc("v]"))), k.num(1))});
  Diagnostic d = inferError(k, {"float32[::1]", "float32"});
  EXPECT_EQ(d.message, "an array index must be an integer, not float32");
  EXPECT_EQ(where(d.span), "2:7");
}

TEST(TypeInfer, GridOfTwoIsATupleThatUnpacks) {
  Kernel k(R"(
def f(m):
    i, j = pf.grid(2)
    t = pf.grid(2)
    m[i, j] = t[0] + t[-1]
)");
  k.def("f", {"m"},
        {k.at(2).assign(k.tuple({k.name("i"), k.name("j")}), k.call("pf.grid", {k.num(2)})),
         k.at(3).assign(k.name("t"), k.call("pf.grid", {k.num(2)})),
         k.at(4).assign(k.sub(k.name("m"), {k.name("i"), k.name("j")}),
                        k.bin(Add, k.sub(k.name("t"), k.num(0)), k.sub(k.name("t"), k.neg(k.num(1)))))});
  Typed t = infer(k, {"int64[:, ::1]"});
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.local("i"), "int64");
  EXPECT_EQ(t.local("j"), "int64");
  EXPECT_EQ(t.local("t"), "Tuple(int64, int64)");
}

TEST(TypeInfer, UnpackingTheWrongNumberOfValues) {
  Kernel k(R"(
def f(m):
    i, j = pf.grid(3)
)");
  k.def("f", {"m"}, {k.at(2).assign(k.tuple({k.name("i"), k.name("j")}),
                                    k.call("pf.grid", {k.num(3)}, k.loc("pf.grid(3)")))});
  Diagnostic d = inferError(k, {"int64[:, ::1]"});
  EXPECT_EQ(d.message, "cannot unpack a tuple of 3 values into 2 names");
  EXPECT_EQ(where(d.span), "2:12");
}

TEST(TypeInfer, GridNeedsAConstantOneTwoOrThree) {
  Kernel k(R"(
def f(m, n):
    i = pf.grid(n)
)");
  k.def("f", {"m", "n"}, {k.at(2).assign(k.name("i"), k.call("pf.grid", {k.name("n", k.loc("n)"))}))});
  Diagnostic d = inferError(k, {"int64[::1]", "int32"});
  EXPECT_EQ(d.message, "grid() takes a constant 1, 2 or 3");
  EXPECT_EQ(where(d.span), "2:17");
}

TEST(TypeInfer, ThreadIndexIsInt64ThroughTheModuleGlobal) {
  // numba widens every operation on its int32 threadIdx.x to int64, so the
  // global index of a 2**31-thread grid does not wrap (numba issue 9229);
  // ptxforge's dim3 values are int64 for the same answers.
  Kernel k(R"(
def f(out):
    i = pf.threadIdx.x + pf.blockIdx.x * pf.blockDim.x
    out[i] = i
)");
  k.def("f", {"out"},
        {k.at(2).assign(k.name("i"), k.bin(Add, k.path("pf.threadIdx.x"),
                                           k.bin(Mul, k.path("pf.blockIdx.x"), k.path("pf.blockDim.x")))),
         k.at(3).assign(k.elem("out", "i"), k.name("i"))});
  GlobalEnv env;
  env["pf"] = {GlobalValue::Path, "ptxforge"};
  Typed t = infer(k, {"int32[::1]"}, env);
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.local("i"), "int64");
}

TEST(TypeInfer, UnknownAttributeOfTheModule) {
  Kernel k(R"(
def f(out):
    out[0] = pf.threadIdx.w
)");
  k.def("f", {"out"}, {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.path("pf.threadIdx.w", k.loc("pf.threadIdx.w")))});
  Diagnostic d = inferError(k, {"int32[::1]"});
  EXPECT_EQ(d.message, "'w' is not something kernels can use from ptxforge.threadIdx");
  EXPECT_EQ(where(d.span), "2:14");
}

TEST(TypeInfer, GlobalConstantsAndOpaqueGlobals) {
  Kernel k(R"(
def f(out):
    out[0] = N * SCALE
    out[1] = cfg
)");
  k.def("f", {"out"},
        {k.at(2).assign(k.sub(k.name("out"), k.num(0)), k.bin(Mul, k.name("N"), k.name("SCALE"))),
         k.at(3).assign(k.sub(k.name("out"), k.num(1)), k.name("cfg", k.loc("cfg")))});
  GlobalEnv env = Kernel::env();
  env["N"] = {GlobalValue::Constant, "", types().intType(32), 4};
  GlobalValue scale{GlobalValue::Constant, "", types().floatType(64, true)};
  scale.floatValue = 0.5;
  env["SCALE"] = scale;
  env["cfg"] = {GlobalValue::Opaque};
  env["cfg"].description = "a dict";
  Diagnostic d = inferError(k, {"float32[::1]"}, env);
  EXPECT_EQ(where(d.span), "3:14");
  EXPECT_EQ(d.message.rfind("Untyped global name 'cfg': it is a dict, which has no meaning on the device", 0), 0u) << d.message;
  env.erase("cfg");
  env["cfg"] = {GlobalValue::Constant, "", types().intType(32), 1};
  Typed t = infer(k, {"float32[::1]"}, env);
  ASSERT_TRUE(t.fn);
  EXPECT_NE(t.fn->str().find("(N * SCALE : float64)"), std::string::npos) << t.fn->str();
}

TEST(TypeInfer, ForLoopOverAScalarIsRejected) {
  Kernel k(R"(
def f(x):
    for v in x:
        pass
)");
  k.def("f", {"x"}, {k.at(2).for_(k.name("v"), k.name("x", k.loc("x:"))).body({k.at(3).pass()})});
  Diagnostic d = inferError(k, {"float32"});
  EXPECT_EQ(d.message, "a kernel's 'for' loop runs over range(...), an array, a tuple, enumerate(...) or zip(...), not over float32");
  EXPECT_EQ(where(d.span), "2:14");
}

TEST(TypeInfer, ForLoopOverAnArrayTakesItsFirstAxis) {
  Kernel k(R"(
def f(x):
    for v in x:
        pass
)");
  k.def("f", {"x"}, {k.at(2).for_(k.name("v"), k.name("x")).body({k.at(3).pass()})});
  Typed t = infer(k, {"float32[:, ::1]"});
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.local("v"), "float32[::1]");
}

TEST(TypeInfer, RangeOverAFloat) {
  Kernel k(R"(
def f(x, n):
    for i in range(n):
        x[i] = 0
)");
  k.def("f", {"x", "n"}, {k.at(2).for_(k.name("i"), k.call("range", {k.name("n", k.loc("n)"))}))
                                     .body({k.at(3).assign(k.elem("x", "i"), k.num(0))})});
  Diagnostic d = inferError(k, {"float32[::1]", "float32"});
  EXPECT_EQ(d.message, "a range() argument must be an integer, not float32");
  EXPECT_EQ(where(d.span), "2:20");
}

TEST(TypeInfer, VariableUsedBeforeAnyAssignment) {
  Kernel k(R"(
def f(x):
    y = y + 1
)");
  k.def("f", {"x"}, {k.at(2).assign(k.name("y"), k.bin(Add, k.name("y", k.loc("y", 2)), k.num(1)))});
  Diagnostic d = inferError(k, {"float32[::1]"});
  EXPECT_EQ(d.message, "variable 'y' is used before it is assigned");
  EXPECT_EQ(where(d.span), "2:9");
}

TEST(TypeInfer, WrongNumberOfArguments) {
  Kernel k(R"(
def f(x, y):
    pass
)");
  k.def("f", {"x", "y"}, {k.at(2).pass()});
  Diagnostic d = inferError(k, {"float32[::1]"});
  EXPECT_EQ(d.message, "'f' takes 2 argument(s) but 1 were given");
  EXPECT_EQ(d.span.line, 1);
}

TEST(TypeInfer, MathFunctionsPickTheirPrecisionFromTheArguments) {
  Kernel k(R"(
def f(x, n, out):
    a = math.sin(x)
    b = math.sin(n)
    c = math.sqrt(2.0)
    d = math.floor(x)
    e = math.isnan(x)
    g = x / n
    h = n // 2
)");
  k.def("f", {"x", "n", "out"},
        {k.at(2).assign(k.name("a"), k.call("math.sin", {k.name("x")})),
         k.at(3).assign(k.name("b"), k.call("math.sin", {k.name("n")})),
         k.at(4).assign(k.name("c"), k.call("math.sqrt", {k.flt(2.0)})),
         k.at(5).assign(k.name("d"), k.call("math.floor", {k.name("x")})),
         k.at(6).assign(k.name("e"), k.call("math.isnan", {k.name("x")})),
         k.at(7).assign(k.name("g"), k.bin(Div, k.name("x"), k.name("n"))),
         k.at(8).assign(k.name("h"), k.bin(FloorDiv, k.name("n"), k.num(2)))});
  Typed t = infer(k, {"float32", "int32", "float32[::1]"});
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.local("a"), "float32");
  EXPECT_EQ(t.local("b"), "float64"); // ints compute in float64, as in numba
  EXPECT_EQ(t.local("c"), "float"); // of Python numbers alone: a weak Python float
  EXPECT_EQ(t.local("d"), "int64");
  EXPECT_EQ(t.local("e"), "bool");
  EXPECT_EQ(t.local("g"), "float64"); // float32 / int32 promotes to float64
  EXPECT_EQ(t.local("h"), "int32");
}

TEST(TypeInfer, ScalarParameterWidensButArrayParameterDoesNot) {
  // The parameter's value and the int both reach the read of `x` on line 5.
  Kernel k(R"(
def f(x, n):
    n = 0.5
    if n > 0:
        x = 1
    x
)");
  k.def("f", {"x", "n"},
        {k.at(2).assign(k.name("n"), k.flt(0.5)),
         k.at(3).if_(k.cmp(k.name("n"), CmpOpKind::Gt, k.num(0)))
             .then({k.at(4).assign(k.name("x"), k.num(1, k.loc("1")))}),
         k.at(5).expr(k.name("x"))});
  Diagnostic d = inferError(k, {"float32[::1]", "int32"});
  EXPECT_EQ(d.message.rfind("variable 'x' holds float32[::1] but is assigned int here", 0), 0u) << d.message;
  EXPECT_EQ(where(d.span), "4:13");
}

TEST(TypeInfer, ValuesThatNeverMeetAreVariablesOfTheirOwn) {
  // numba's SSA: `t` is an int, then an array; no read sees both. The
  // array web is its own local; `s`'s two ints join as usual.
  Kernel k(R"(
def f(x, y):
    t = 1
    s = t
    t = x
    s = 2
    y = t
)");
  k.def("f", {"x", "y"},
        {k.at(2).assign(k.name("t"), k.num(1)), k.at(3).assign(k.name("s"), k.name("t")),
         k.at(4).assign(k.name("t"), k.name("x")), k.at(5).assign(k.name("s"), k.num(2)),
         k.at(6).assign(k.name("y"), k.name("t"))});
  Diagnostic error;
  auto fn = inferTypes(k.ast(), tys({"float32[::1]", "float32[::1]"}), Kernel::env(), true, error);
  ASSERT_TRUE(fn) << error.render();
  std::vector<std::string> ts;
  for (const auto &l : fn->locals)
    if (l->name == "t")
      ts.push_back(l->type->str());
  EXPECT_EQ(ts, (std::vector<std::string>{"int", "float32[::1]"}));
}

TEST(TypeInfer, AnIfKnownWhenCompiledTypesOnlyTheBranchTaken) {
  Kernel k(R"(
def f(a, out):
    if a.ndim == 2:
        out[0] = a.shape[1]
    else:
        w = a[0]
    if not 1 == 0:
        return
    v = 1.5
)");
  Stmt *first = k.at(2).if_(k.cmp(k.attr(k.name("a"), "ndim"), CmpOpKind::Eq, k.num(2)))
                    .then({k.at(3).assign(k.sub(k.name("out"), k.num(0)),
                                          k.sub(k.attr(k.name("a"), "shape"), k.num(1)))},
                          {k.at(5).assign(k.name("w"), k.sub(k.name("a"), k.num(0)))});
  Stmt *second = k.at(6).if_(k.not_(k.cmp(k.num(1), CmpOpKind::Eq, k.num(0)))).then({k.at(7).return_()});
  k.def("f", {"a", "out"}, {first, second, k.at(8).assign(k.name("v"), k.flt(1.5))});
  Typed t = infer(k, {"float64[::1]", "float64[::1]"}); // a.shape[1] of a 1-d array is never typed
  ASSERT_TRUE(t.fn);
  EXPECT_EQ(t.fn->constantIfs.at(cast<IfStmt>(first)), false);
  EXPECT_EQ(t.fn->constantIfs.at(cast<IfStmt>(second)), true);
  EXPECT_TRUE(t.fn->endsBlock(second)); // `v = 1.5` after it never runs
  EXPECT_EQ(t.local("w"), "float64");
  EXPECT_EQ(t.local("v"), "<untyped>");
  Typed wide = infer(k, {"float64[:, ::1]", "float64[::1]"}); // now the else branch is the dead one
  ASSERT_TRUE(wide.fn);
  EXPECT_EQ(wide.fn->constantIfs.at(cast<IfStmt>(first)), true);
  EXPECT_EQ(wide.local("w"), "<untyped>");
}

} // namespace
