//===- frontend/TypeInfer.h - Typing one specialisation of a function -----===//
//
// Given a function's tree, the types of its arguments and its globals,
// inference assigns a type to every expression and local variable. A local
// has one type for the whole body: the join of every value assigned to it,
// found by iterating over the body until nothing widens.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Ast.h"
#include "frontend/Builtins.h"
#include "frontend/Types.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ptxforge::frontend {

/// A local variable (parameters included).
struct Local {
  std::string name;
  const Type *type = nullptr;
  int paramIndex = -1; ///< >= 0 for a parameter
  Span firstAssign;
};

/// What a Name (or an Attribute chain on a namespace) refers to.
struct NameRef {
  Local *local = nullptr;               ///< a local variable
  const GlobalValue *global = nullptr;  ///< a global constant
  const BuiltinInfo *builtin = nullptr; ///< a builtin value, function, namespace or dtype
};

struct TypedFunction;
class Inferer;

/// What one compilation shares across the functions it types: each device
/// function typed once per argument-type signature (and per set of constant
/// arguments it was specialised on, spelled in the key's string), and the
/// chain of calls being typed, which recursive calls find
/// (frontend/TypeInferDevice.cpp).
struct TypingSession {
  using Key = std::tuple<const DeviceFunctionRef *, std::vector<const Type *>, std::string>;
  std::map<Key, std::unique_ptr<TypedFunction>> functions;
  /// A function being typed, further up the chain of calls.
  struct InProgress {
    Key key;
    TypedFunction *typed;
    Inferer *inferer;
    /// It read the partial return type of a function below it in the chain,
    /// so its typing is redone (not cached) until that one is finished.
    bool provisional = false;
  };
  std::vector<InProgress> inProgress;
  /// Provisional typings kept alive for the lowering of the calls that use them.
  std::vector<std::unique_ptr<TypedFunction>> provisional;
};

/// The result of typing: side tables over an unchanged tree.
struct TypedFunction {
  const FunctionDef *fn = nullptr;
  std::vector<const Type *> paramTypes;
  const Type *returnType = nullptr;
  bool isKernel = true;
  std::vector<std::unique_ptr<Local>> locals; ///< parameters first, then by first assignment
  std::unordered_map<const Expr *, const Type *> exprTypes;
  std::unordered_map<const Expr *, NameRef> refs; ///< Name and Attribute nodes that name something
  /// The record field each field access (`r.x`, `r['x']`) names.
  std::unordered_map<const Expr *, const RecordField *> fields;
  /// Expressions of an Optional value used where its value goes (an
  /// operand, an argument): exprTypes holds the value's type for them, and
  /// the lowering reads the value out of the Optional.
  std::unordered_set<const Expr *> unwrapped;
  /// The device function each call of one runs (owned by `session`).
  std::unordered_map<const Expr *, const TypedFunction *> calls;
  /// Parameters specialised on the constant their callers pass (numba's
  /// literal arguments: a shared array's shape); their names read as these
  /// frozen constants.
  std::map<std::string, GlobalValue> literalParams;
  /// Locals assigned once in the whole function, from an integer literal
  /// (`N = 100`): their value is known when compiled, as numba's constant
  /// inference knows it (a shared array's shape may name them).
  std::map<std::string, std::int64_t> constLocals;
  /// A function declared with declare_device (fn is null): its declaration.
  const DeviceFunctionRef *external = nullptr;
  /// A device function: its declaration's inline= / forceinline= choice.
  DeviceFunctionRef::Inlining inlining = DeviceFunctionRef::Inlining::Auto;
  /// Calls and tuple displays with `*` arguments, and the node with the
  /// elements written out that they are typed and lowered as (owned by
  /// `synthesized`, whose spread elements share the original operand node).
  std::unordered_map<const Expr *, const Expr *> rewrites;
  std::vector<std::unique_ptr<Expr>> synthesized;
  /// The calls bindArguments made, already in parameter order; and of those, the
  /// ones that call the implementation numba's extension API chose (overloadCall).
  std::unordered_set<const Expr *> boundCalls;
  std::unordered_map<const Expr *, const DeviceFunctionRef *> overloadImpls;
  /// `a.foo(x)` of a method numba's @overload_method gives: the call foo(a, x) made for it.
  std::unordered_set<const Expr *> methodCalls;
  /// Keeps the typed callees alive; set on the function inferTypes returns.
  std::shared_ptr<TypingSession> session;
  /// `for x in literal_unroll(t)`: the body once per element of t, each
  /// copy starting `x.k = t[k]` with x renamed x.k (frontend/Unroll.cpp);
  /// `unrolledNodes` owns the copies.
  std::unordered_map<const ForStmt *, std::vector<Block>> unrolled;
  /// `if`s whose test is known when compiled (`x is None`, `a.ndim == 2`,
  /// `len(t) == 3`, `1 == 0`): the branch taken. The other is neither typed
  /// nor lowered, as numba prunes dead branches.
  std::unordered_map<const IfStmt *, bool> constantIfs;
  /// True for such an `if` whose branch taken ends in `return` or `raise`:
  /// the statements after it never run, and are neither typed nor lowered.
  bool endsBlock(const Stmt *s) const {
    auto *i = dyn_cast<IfStmt>(s);
    auto known = i ? constantIfs.find(i) : constantIfs.end();
    if (known == constantIfs.end())
      return false;
    const Block &taken = known->second ? i->body : i->orelse;
    return !taken.empty() && (isa<ReturnStmt>(taken.back()) || isa<RaiseStmt>(taken.back()) ||
                              endsBlock(taken.back()));
  }
  std::shared_ptr<AstContext> unrolledNodes;

  const Type *typeOf(const Expr *e) const {
    auto it = exprTypes.find(e);
    return it == exprTypes.end() ? nullptr : it->second;
  }
  const NameRef *refOf(const Expr *e) const {
    auto it = refs.find(e);
    return it == refs.end() ? nullptr : &it->second;
  }
  /// The function with every operation's type shown, then each device
  /// function it calls, for inspect_types().
  std::string str() const;
  /// This function alone.
  std::string strOne() const;
};

/// True for the values a device function may be specialised on that have no
/// run-time content: a device function, a builtin function, a dtype.
bool isStaticValue(const Type *t);

/// True for the dim3 namespaces print() prints as (x, y, z): pf.threadIdx,
/// pf.blockIdx, pf.blockDim and pf.gridDim.
bool isDim3Path(const std::string &path);

/// The type of `l op r` for scalars (Python's rules with NumPy promotion);
/// nullptr when the operator does not apply (a shift of floats).
const ScalarType *binOpResultType(BinOpKind op, const ScalarType *l, const ScalarType *r);

/// Types `ctx`'s function for `argTypes`. On a user error returns nullptr
/// and fills `error`.
std::unique_ptr<TypedFunction> inferTypes(const AstContext &ctx, const std::vector<const Type *> &argTypes,
                                          const GlobalEnv &globals, bool isKernel, Diagnostic &error);

} // namespace ptxforge::frontend
