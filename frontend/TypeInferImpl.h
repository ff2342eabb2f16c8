//===- frontend/TypeInferImpl.h - The inference engine, shared by its files ===//
//
// Private to frontend/: TypeInfer.cpp types statements and operators,
// TypeInferCalls.cpp types names, attributes, subscripts and calls.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/TypeInfer.h"

#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace ptxforge::frontend {

/// Every name the block assigns (targets of =, augmented =, for), nested blocks included.
void collectAssigned(const Block &b, std::vector<const NameExpr *> &out);

class Inferer {
public:
  Inferer(TypedFunction &out, const GlobalEnv &env, TypingSession &session)
      : out(out), env(env), tc(types()), session(session) {}

  void run(const FunctionDef &fn, const std::vector<const Type *> &argTypes);

  // literal_unroll (Unroll.cpp): copies the bodies of the loops over
  // literal_unroll(t) in `b` (and in the copies) into out.unrolled.
  void unrollLoops(const Block &b, const std::vector<const Type *> &argTypes);

  // Statements (TypeInfer.cpp).
  void block(const Block &b);
  void stmt(const Stmt *s);
  void assignTo(const Expr *target, const Type *value, const Span &valueSpan);
  void storeElement(const Expr *target, const Type *elemType, const Type *value, const Span &at);

  // Expressions. A null result means "not known yet" in an early pass.
  const Type *expr(const Expr *e);
  const Type *exprUncached(const Expr *e);
  const Type *binOp(BinOpKind op, const Type *l, const Type *r, const Span &at);
  const Type *unaryOp(const UnaryOpExpr *u);
  const Type *compare(const CompareExpr *c);

  // Names and calls (TypeInferCalls.cpp).
  const Type *name(const NameExpr *n);
  const Type *attribute(const AttributeExpr *a);
  const Type *subscript(const SubscriptExpr *s);
  const Type *indexByTuple(const SubscriptExpr *s, const Type *base, const TupleType *index);
  const Type *call(const CallExpr *c);
  // Device functions (TypeInferDevice.cpp): typing a callee per signature,
  // with its declared signatures, constant (literal) arguments and recursion.
  const TypedFunction *callee(const CallExpr *c, const DeviceFunctionRef &ref, const std::vector<const Type *> &args);
  const TypedFunction *typeCallee(const CallExpr *c, const DeviceFunctionRef &ref,
                                  const std::vector<const Type *> &params, const Signature *declared,
                                  const std::map<std::string, GlobalValue> &literals, const std::string &literalKey);
  const TypedFunction *externalCallee(const DeviceFunctionRef &ref, const Signature &sig);
  const Signature *chooseSignature(const CallExpr *c, const DeviceFunctionRef &ref,
                                   const std::vector<const Type *> &args);
  /// The type of a call of `typed` (nullptr while a recursive callee's return
  /// type is not known yet).
  const Type *calledType(const CallExpr *c, const TypedFunction *typed);
  /// A constant value of `e` that a callee may be specialised on: an int, or
  /// a tuple of them; false when `e` is no such constant.
  bool literalValue(const Expr *e, const Type *t, GlobalValue &out) const;
  /// The extents of a constant shape: an int, a tuple of ints written out,
  /// or a name bound to a constant tuple of ints.
  std::optional<std::vector<std::int64_t>> constShape(const Expr *e) const;

  // `raise` (TypeInferRaise.cpp): the exception class a raise names, and
  // whether an exception's argument is a constant.
  void raiseStmt(const RaiseStmt *r);
  bool isConstantArgument(const Expr *e) const;

  // `*` spreading a tuple (TypeInferStarred.cpp): f(*t) and (*a, b) are
  // typed as a call and a tuple with the elements written out (made once per
  // shape and kept in out.rewrites); `a, *rest = t` binds rest to a tuple.
  const Expr *expandStarred(const Expr *e);
  void assignStarred(const TupleExpr *target, const TupleType *value, const Span &at);
  /// t[i] with i known only at run time: the element type of a tuple whose
  /// elements all have one type.
  const Type *tupleIndexedAtRunTime(const SubscriptExpr *s, const TupleType *tt);

  // The operator module, pow() (TypeInferOperator.cpp) and print() (TypeInferPrint.cpp).
  const Type *operatorCall(const CallExpr *c, const OperatorFunction &f, const std::vector<const Type *> &args);
  const Type *printCall(const CallExpr *c);
  const Type *builtinCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args);
  const Type *isinstanceCall(const CallExpr *c);
  const Type *tupleCall(const CallExpr *c);
  const Type *carrayCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args,
                         const std::vector<const Type *> &kwTypes);
  const Type *refType(const Expr *e, const BuiltinInfo *info, const std::string &path);
  /// Types a call of a BuiltinId::Gpu builtin (TypeInferGpu.cpp); `c`'s
  /// keywords are allowed there (shared.array(shape=..., dtype=...)).
  const Type *gpuCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args);

  // Complex numbers (TypeInferComplex.cpp): `.real`, `.imag`, `.conjugate`
  // of a number; calls of cmath functions, complex() and z.conjugate().
  const Type *scalarAttribute(const AttributeExpr *a, const ScalarType *s);
  const Type *complexCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args);

  // numba-cuda's cuda.fp16 / cuda.bf16 functions (TypeInferHalf.cpp), and
  // the math functions numba maps onto them for half arguments.
  const Type *halfCall(const CallExpr *c, const HalfFunction &f, const std::vector<const Type *> &args);
  // numba-cuda's FP8 bindings (TypeInferHalf.cpp).
  const Type *fp8Call(const CallExpr *c, const Fp8Function &f, const std::vector<const Type *> &args);
  const Type *vectorCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args);

  // Enums (TypeInferEnums.cpp): the EnumClass global `e` names (nullptr if
  // none); its member `name` (Cls.name, Cls['name']); `.value`; comparisons
  // of enum members (false when the operator is not one for them).
  const GlobalValue *enumClassOf(const Expr *e) const;
  const Type *enumMember(const Expr *at, const GlobalValue &cls, const std::string &name, const Span &nameSpan);
  const Type *enumAttribute(const AttributeExpr *a, const Type *base);
  bool enumCompare(CmpOpKind op, const Type *l, const Type *r, const Span &at);

  // numpy ufuncs on numbers (TypeInferUfuncs.cpp).
  const Type *ufuncCall(const CallExpr *c, const UfuncFunction &f, const std::vector<const Type *> &args);

  // Array methods and numpy reductions (TypeInferArrays.cpp).
  const Type *arrayMethodCall(const CallExpr *c, const std::vector<const Type *> &args);

  // Cache-hint loads and stores (TypeInferMemory.cpp).
  const Type *cacheHintCall(const CallExpr *c, const BuiltinInfo &b, const std::vector<const Type *> &args);

  // Records (TypeInferRecords.cpp).
  const Type *recordField(const Expr *e, const RecordType *r, const std::string &name, const Span &at);
  const Type *recordSubscript(const SubscriptExpr *s, const RecordType *r);
  void storeField(const Expr *target, const Type *field, const Type *value, const Span &at);
  void storeView(const ArrayType *view, const Type *value, const Span &at);

  // Helpers.
  const ScalarType *scalar(const Type *t, const Expr *e, const char *what);
  /// `t`, or for an Optional number (the type of `e`) its value's type,
  /// `e` then read as that value (TypedFunction::unwrapped).
  const Type *optionalValue(const Type *t, const Expr *e);
  const ScalarType *integer(const Type *t, const Expr *e, const char *what);
  const Type *join(const Type *a, const Type *b) const;
  std::optional<std::int64_t> constInt(const Expr *e) const;
  /// The truth of a typed test known when compiled, as numba's branch pruning finds it.
  std::optional<bool> constTruth(const Expr *e) const;
  std::optional<bool> earlyTruth(const Expr *e, const std::map<std::string, const Type *> &params,
                                 const std::function<bool(const std::string &)> &onlyParam) const;
  std::optional<bool> boolConstant(const Expr *e) const;
  /// A device function's call with keywords or left-out defaults, as a positional call; null when none.
  const Expr *bindArguments(const CallExpr *c, const DeviceFunctionRef &ref);
  const Type *overloadCall(const CallExpr *c, const DeviceFunctionRef &ref, const std::vector<const Type *> &args,
                           const std::vector<const Type *> &kwTypes, bool unknown);
  const Expr *floatFromString(const CallExpr *c);
  void findConstLocals(const FunctionDef &fn, const std::vector<const NameExpr *> &assigned);
  /// The literal argument or global a name that is no local reads, or null.
  const GlobalValue *constantNamed(const NameExpr *n) const;
  const Type *globalType(const Expr *at, const GlobalValue &g);

  TypedFunction &out;
  const GlobalEnv &env;
  TypeContext &tc;
  TypingSession &session;
  std::unordered_map<std::string, Local *> localByName;
  /// Occurrences of a name with several webs (Webs.h) outside its first
  /// web: each web is a local of its own.
  std::unordered_map<const NameExpr *, Local *> webLocal;
  /// The locals of each name with several webs, first web first.
  std::unordered_map<std::string, std::vector<Local *>> websOf;
  /// The local a name occurrence reads or writes.
  Local *localFor(const NameExpr *n) {
    auto w = webLocal.find(n);
    return w != webLocal.end() ? w->second : localByName.at(n->id);
  }
  /// Locals assigned so far in the walk, in source order (the final walk
  /// reports a read of any other local).
  std::unordered_set<const Local *> assignedSoFar;
  int loopDepth = 0;
  const Type *returned = nullptr; ///< the join of the values returned so far
  const Type *declaredReturn = nullptr; ///< a device function's declared return type
  int level = -1; ///< this function's place in session.inProgress (-1: the kernel)
  bool changed = false;
  /// A device function whose end can be reached returns None there: its
  /// values are Optional (numba's rule).
  bool fallsOff = false;
  bool finalPass = false;
};

} // namespace ptxforge::frontend
