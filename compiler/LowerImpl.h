//===- compiler/LowerImpl.h - Typed tree to LLVM IR, shared by its files --===//
//
// Private to compiler/. Lower.cpp holds the function entry, parameters and
// statements; LowerExpr.cpp expressions, operators and conversions;
// LowerCalls.cpp builtins, NVVM intrinsics and libdevice calls.
//
// Values: bool is i1 in registers and i8 in memory; arrays are
// {ptr data, [N x i64] shape, [N x i64] byte strides}; tuples are LLVM
// structs of their elements. Locals live in entry-block allocas that
// mem2reg promotes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "compiler/Compiler.h"
#include "compiler/DebugRecord.h"
#include "compiler/Target.h"
#include "frontend/TypeInfer.h"

#include <llvm/IR/DIBuilder.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <algorithm>
#include <array>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ptxforge::compiler {

using frontend::ArrayType;
using frontend::EnumType;
using frontend::Fp8Type;
using frontend::IntEnumType;
using frontend::RecordField;
using frontend::RecordType;
using frontend::Expr;
using frontend::ScalarType;
using frontend::Span;
using frontend::Stmt;
using frontend::TupleType;
using frontend::Type;

struct KernelFacts;

struct LowerOptions {
  bool fastmath = false;
  bool fmaContraction = true;
  bool lineinfo = false;
  int ccMajor = 9, ccMinor = 0; ///< the target, for features that need sm_70 and up
  /// A kernel's launch facts and what its typed tree says (null: none).
  const LaunchFacts *facts = nullptr;
  const KernelFacts *kernelFacts = nullptr;
  int coarsen = 1; ///< logical threads per physical thread along x
  bool debug = false; ///< the debug mode: checks and reports (LowerChecks.cpp)
  /// Full DWARF (debug with opt=False, as numba's debug=True, opt=False):
  /// .debug_info sections and `.target ..., debug`, assembled with -g.
  bool fullDebugInfo = false;
};

/// How a function is declared.
enum class Linkage {
  Kernel,   ///< a .entry with the parameter ABI of Abi.h
  Exported, ///< a .visible .func with that ABI (compile_ptx(device=True))
  Internal, ///< a device function called from this module: values passed as they are
};

/// What the functions lowered into one module share: the target, and each
/// typed device function's LLVM function, made once.
struct LowerSession {
  LowerTarget &target;
  std::unordered_map<const frontend::TypedFunction *, llvm::Function *> functions;
  /// Warnings for the user (print() of too many values), in source order.
  std::vector<frontend::Diagnostic> warnings;
  /// The declare_device functions called, whose files the kernel links.
  std::vector<const frontend::DeviceFunctionRef *> externals;
  /// Debug mode: the places that can report, indexed by DebugRecord::site.
  std::vector<DebugSite> debugSites;
  llvm::Function *debugReport = nullptr; ///< __pf_debug_report, made once
  /// print()'s strings, each once per module.
  std::unordered_map<std::string, llvm::GlobalVariable *> strings;
  /// Line tables (lineinfo, debug): one compile unit for the module, one
  /// DISubprogram per function lowered; finalized by compileKernel.
  std::unique_ptr<llvm::DIBuilder> di;
  llvm::DICompileUnit *compileUnit = nullptr;
  std::unordered_map<std::string, llvm::DIFile *> diFiles;
  /// Full debug information: the DWARF type of each type (LowerDebugInfo.cpp).
  std::unordered_map<const Type *, llvm::DIType *> diTypes;
};

/// True for (), handles, functions and dtypes passed as values, and tuples
/// of nothing else: values with no bits, which device functions take and
/// return as nothing (NVPTX rejects empty parameters and returns them
/// wrongly).
bool holdsNothing(const frontend::Type *t);

/// The alignment of an array element: its size, but a complex number's part
/// size, as NumPy aligns complex arrays.
inline int elementAlign(const ScalarType *t) { return t->isComplex() ? t->byteSize() / 2 : t->byteSize(); }

class Lowerer {
public:
  Lowerer(const frontend::TypedFunction &tf, llvm::Module &module, const LowerOptions &options,
          LowerSession &session);

  /// Builds the function. Throws frontend::DiagnosticError on a user error.
  llvm::Function *lowerFunction(Linkage linkage, const std::string &name);
  /// True when a libdevice function was referenced.
  bool needsLibdevice() const { return needsLibdevice_; }
  void markLibdevice() { needsLibdevice_ = true; }

  // Lower.cpp
  void block(const frontend::Block &b);
  void stmt(const Stmt *s);
  void store(const Expr *target, llvm::Value *value, const Type *valueType);
  void forRange(const frontend::ForStmt *f);
  /// range(...)'s start, stop and step, converted to its element type `et`.
  std::array<llvm::Value *, 3> rangeArguments(const frontend::CallExpr *call, const ScalarType *et);
  void forArray(const frontend::ForStmt *f);
  void forTuple(const frontend::ForStmt *f);
  void forIter(const frontend::ForStmt *f);
  void forUnrolled(const frontend::ForStmt *f, const std::vector<frontend::Block> &copies);
  void assignView(const frontend::SubscriptExpr *target, llvm::Value *value, const Type *valueType);
  void storeIntoView(llvm::Value *view, const ArrayType *vt, llvm::Value *value, const Type *valueType,
                     const Span &at);
  void countedLoop(const frontend::ForStmt *f, llvm::Value *start, llvm::Value *step,
                   const std::function<llvm::Value *(llvm::Value *)> &condition,
                   const std::function<void(llvm::Value *)> &bind);
  void startDeadBlock();
  /// A coarsened kernel's body: each logical thread's copy in turn (Lower.cpp).
  void coarsenedBody(const std::vector<std::pair<const frontend::Local *, llvm::Value *>> &params);
  /// The attributes of the kernel's parameters: alignment, ranges, noalias, readonly.
  void parameterAttributes();
  llvm::AllocaInst *entryAlloca(llvm::Type *t, const llvm::Twine &name);
  void setLocation(const Span &span);
  /// The line tables' position alone (errors keep the statement's).
  void setLine(const Span &span);

  // LowerExpr.cpp
  llvm::Value *expr(const Expr *e);
  llvm::Value *exprValue(const Expr *e);
  llvm::Value *convert(llvm::Value *v, const Type *from, const Type *to, const Span &at);
  llvm::Value *truthy(llvm::Value *v, const Type *t);
  llvm::Value *binOp(frontend::BinOpKind op, llvm::Value *l, const Type *lt, llvm::Value *r, const Type *rt,
                     const Type *resultType, const Span &at);
  /// `op v` for an operand of type `ot` and a result of type `rt`.
  llvm::Value *unaryOp(frontend::UnaryOpKind op, llvm::Value *v, const Type *ot, const Type *rt, const Span &at);
  llvm::Value *intBinOp(frontend::BinOpKind op, llvm::Value *l, llvm::Value *r, const ScalarType *t);
  llvm::Value *floatBinOp(frontend::BinOpKind op, llvm::Value *l, llvm::Value *r, const ScalarType *t);
  llvm::Value *compare(const frontend::CompareExpr *c);
  llvm::Value *compareOne(frontend::CmpOpKind op, llvm::Value *l, const Type *lt, llvm::Value *r, const Type *rt);
  llvm::Value *boolOp(const frontend::BoolOpExpr *b);
  llvm::Value *ifExp(const frontend::IfExpExpr *i);
  llvm::Value *elementPointer(const frontend::SubscriptExpr *s, const ArrayType *&arrayType);
  llvm::Value *arrayView(const frontend::SubscriptExpr *s);
  llvm::Value *wrapIndex(llvm::Value *i, const ScalarType *t, llvm::Value *extent);
  /// `align` 0: the type's own size. A record's "element" is its address.
  llvm::Value *loadElement(llvm::Value *ptr, const ScalarType *dtype, unsigned align = 0);
  /// Stores a number, or copies a record from the address `v`.
  void storeElement(llvm::Value *ptr, llvm::Value *v, const ScalarType *dtype, unsigned align = 0);
  llvm::Value *constant(const frontend::GlobalValue &g);
  llvm::Value *globalArray(const frontend::GlobalValue &g);
  /// A device array captured from the globals: its address and shape baked in (LowerGlobals.cpp).
  llvm::Value *deviceArrayGlobal(const frontend::GlobalValue &g);
  /// ==, !=, is, is not where an enum member takes part, or nullptr for
  /// other comparisons (LowerGlobals.cpp).
  llvm::Value *enumCompare(frontend::CmpOpKind op, llvm::Value *l, const Type *lt, llvm::Value *r, const Type *rt);
  /// A C-order array descriptor for `data` with a constant shape.
  llvm::Value *contiguousArray(const ArrayType *at, llvm::Value *data, const std::vector<std::int64_t> &shape);
  /// One position of a subscript: an evaluated integer index, or a slice.
  struct Index {
    llvm::Value *value;
    const ScalarType *type;
    const frontend::SliceExpr *slice;
  };
  std::vector<Index> indexValues(const frontend::SubscriptExpr *s);
  llvm::Value *arrayAttribute(llvm::Value *array, const ArrayType *at, const std::string &attr);

  // LowerChecks.cpp: the debug mode's checks and reports, raise and assert.
  /// One checked array index: its axis, its value as written (i64) and
  /// after wrapping negatives.
  struct CheckedIndex {
    unsigned axis;
    llvm::Value *raw, *wrapped;
  };
  /// Debug mode: checks `indices` into `array` (of type `arrayType`); a
  /// violation reports the site at `at`.
  void checkIndices(const Span &at, const ArrayType *arrayType, llvm::Value *array,
                    const std::vector<CheckedIndex> &indices);
  /// Debug mode: ZeroDivisionError when the divisor of `op` is zero.
  void checkDivisor(frontend::BinOpKind op, const Type *dividendType, llvm::Value *divisor, const Type *divisorType,
                    const ScalarType *result, const Span &at);
  /// Debug mode: IndexError unless 0 <= index < size (both i64, index wrapped).
  void checkTupleIndex(llvm::Value *index, llvm::Value *size, const Span &at);
  void raiseStmt(const frontend::RaiseStmt *r);
  void assertStmt(const frontend::AssertStmt *a);
  unsigned addDebugSite(DebugSite site, const Span &at);
  llvm::GlobalVariable *debugGlobal();
  llvm::Function *debugReportFunction();
  /// Calls the report for `site`, then stops the thread or the whole kernel;
  /// leaves the builder in a fresh dead block.
  void reportAndStop(unsigned site, bool wholeKernel, llvm::Value *values = nullptr, llvm::Value *ndim = nullptr,
                     llvm::Value *nindex = nullptr, llvm::Value *axis = nullptr);

  // LowerStarred.cpp: `*` spreading and run-time tuple indices.
  /// A call or tuple display with `*` operands, lowered as `spread` (its
  /// elements written out) with each operand evaluated once.
  llvm::Value *spreadExpr(const Expr *e, const Expr *spread);
  /// `first, *rest = value`.
  void storeStarred(const frontend::TupleExpr *target, llvm::Value *value, const TupleType *tt);
  bool isConstantTupleIndex(const Expr *e) const;
  llvm::Value *tupleElementAtRunTime(const frontend::SubscriptExpr *s, const TupleType *tt);
  /// The values of `*` operands being spread, by operand node.
  std::unordered_map<const Expr *, llvm::Value *> pinned;

  // LowerRecords.cpp: fields of records (`r.x`, `r['x']`).
  /// The field `e` names, or nullptr when it is no field access.
  const RecordField *fieldOf(const Expr *e) const;
  llvm::Value *fieldPointer(const Expr *e, unsigned &align);
  llvm::Value *fieldValue(const Expr *e);
  void storeField(const Expr *target, llvm::Value *value, const Type *valueType);
  void copyRecord(llvm::Value *to, llvm::Value *from, const RecordType *record);

  // LowerCalls.cpp
  llvm::Value *call(const frontend::CallExpr *c);
  llvm::Value *deviceCall(const frontend::CallExpr *c, const frontend::TypedFunction &callee);
  /// A call of a declare_device function, with numba's ABI or the C one (LowerExternal.cpp).
  llvm::Value *externalCall(const frontend::CallExpr *c, const frontend::TypedFunction &callee);
  /// A thread-hierarchy value as the register reads it (i32).
  llvm::Value *builtinValue(frontend::BuiltinId id);
  /// The same as a kernel's expression has it: the dim3 values widened to
  /// int64 (frontend/Builtins.h, isDim3Value).
  llvm::Value *kernelValue(frontend::BuiltinId id);
  llvm::Value *grid(bool size, int ndim);
  llvm::Value *mathCall(const frontend::MathFunction &m, std::vector<llvm::Value *> args, const ScalarType *t);
  /// math.frexp, modf, ldexp, radians and degrees (LowerMath.cpp).
  llvm::Value *mathSpecial(const frontend::CallExpr *c, const frontend::MathFunction &m);
  llvm::Value *libdevice(const char *name, llvm::Type *ret, llvm::ArrayRef<llvm::Value *> args);
  llvm::Value *minMax(bool isMax, const frontend::CallExpr *c);
  llvm::Value *rangeLength(const frontend::CallExpr *range);
  /// The count of values of range(start, stop, step) over `et`, as int64.
  llvm::Value *rangeCount(llvm::Value *start, llvm::Value *stop, llvm::Value *step, const ScalarType *et);
  llvm::Value *libdeviceCall(const frontend::CallExpr *c, const frontend::LibdeviceFunction &f);
  /// A cuda.fp16 / cuda.bf16 function of `args` (LowerHalf.cpp); also what
  /// math.sin and friends of a half run.
  llvm::Value *halfCall(const frontend::HalfFunction &f, const std::vector<const frontend::Expr *> &args,
                        const Span &at);
  /// numba-cuda's FP8 functions, constructors and conversions (LowerFp8.cpp).
  llvm::Value *fp8Call(const frontend::CallExpr *c, const frontend::Fp8Function &f);
  llvm::Value *fp8Construct(llvm::Value *v, const ScalarType *from, const frontend::Fp8Type *to);
  llvm::Value *convertFp8(llvm::Value *v, const Type *from, const Type *to, const Span &at);
  llvm::Value *intPow(llvm::Value *base, llvm::Value *exp, const ScalarType *t);
  /// round(x) and round(x, ndigits), as CPython rounds (LowerRound.cpp).
  llvm::Value *roundCall(const frontend::CallExpr *c);
  /// operator.add(a, b), pow(a, b), ... as the operators (LowerOperator.cpp).
  llvm::Value *operatorCall(const frontend::CallExpr *c, const frontend::OperatorFunction &f);
  /// print(...) through vprintf (LowerPrint.cpp).
  llvm::Value *printCall(const frontend::CallExpr *c);

  // LowerUfuncs.cpp: numpy ufuncs on numbers (np.add, np.maximum, np.sign, ...).
  llvm::Value *ufuncCall(const frontend::CallExpr *c, const frontend::UfuncFunction &f);

  // LowerArrays.cpp: array methods and numpy reductions (a.sum(), np.nanmax(a), a.copy()).
  llvm::Value *arrayMethod(const frontend::CallExpr *c, const std::string &path);
  /// Runs `body` on the address of each element of `array`, in C order.
  void forEachElement(llvm::Value *array, const ArrayType *at, const std::function<void(llvm::Value *)> &body);

  // LowerMemory.cpp: cache-hint loads and stores (ldcg, stcs, ...).
  llvm::Value *cacheHint(const frontend::CallExpr *c, const std::string &path);

  // LowerGpu.cpp: calls of BuiltinId::Gpu builtins (shared memory, atomics,
  // warp intrinsics, ...).
  llvm::Value *gpuCall(const frontend::CallExpr *c, const frontend::BuiltinInfo &info);
  llvm::Value *localArray(const frontend::CallExpr *c, const std::vector<const frontend::Expr *> &args);

  // LowerComplex.cpp: complex values are {T, T} structs of their part type.
  struct Complex {
    llvm::Value *re, *im;
  };
  Complex splitComplex(llvm::Value *v);
  llvm::Value *makeComplex(Complex c);
  llvm::Value *complexConstant(double re, double im, const ScalarType *t);
  /// Conversions to or from a complex type (to bool: its truth).
  llvm::Value *convertComplex(llvm::Value *v, const ScalarType *from, const ScalarType *to, const Span &at);
  /// float16 <-> integer conversions as numba-cuda makes them (LowerHalf.cpp).
  llvm::Value *convertHalfInt(llvm::Value *v, const ScalarType *from, const ScalarType *to);
  llvm::Value *complexTruthy(llvm::Value *v);
  /// `l op r` computed in the complex type `t`.
  llvm::Value *complexBinOp(frontend::BinOpKind op, llvm::Value *l, const Type *lt, llvm::Value *r, const Type *rt,
                            const ScalarType *t, const Span &at);
  llvm::Value *complexNegate(llvm::Value *v);
  /// == and != of two values of one complex type.
  llvm::Value *complexCompare(frontend::CmpOpKind op, llvm::Value *l, llvm::Value *r);
  llvm::Value *loadComplex(llvm::Value *ptr, const ScalarType *dtype, unsigned align = 0);
  void storeComplex(llvm::Value *ptr, llvm::Value *v, const ScalarType *dtype, unsigned align = 0);
  llvm::Value *complexAbs(llvm::Value *v, const ScalarType *t);
  /// `.real` / `.imag` of a number.
  llvm::Value *scalarAttribute(const frontend::AttributeExpr *a);
  /// Calls of cmath functions, complex() and z.conjugate().
  llvm::Value *complexCall(const frontend::CallExpr *c, const frontend::BuiltinInfo &info);

  // Types.
  /// Lowers `a = t` between tuple variables of one type as a copy of memory,
  /// and `t = (x, y, ...)` element by element; false (nothing done) for any
  /// other assignment.
  bool copyTupleVariable(const frontend::AssignStmt *a);
  /// `x[i] = "..."` into an S/U element or field (typing's constStringStore): true when it was one.
  bool storeConstString(const frontend::AssignStmt *a);
  /// Stores the tuple literal element by element at `ptr`, a `to` in memory;
  /// false (nothing stored) when `to` is not a tuple of its length.
  bool storeTupleLiteral(const frontend::TupleExpr *literal, const Type *to, llvm::Value *ptr);
  /// Element `k` of the tuple `e`: loaded alone from a tuple variable, else
  /// extracted from `whole`, which is evaluated on first use.
  llvm::Value *tupleElement(const Expr *e, unsigned k, llvm::Value *&whole);
  llvm::Type *valueType(const Type *t);  ///< in registers
  llvm::Type *memoryType(const ScalarType *t); ///< in memory (bool: i8)
  const Type *typeOf(const Expr *e) const;
  llvm::FastMathFlags floatFlags() const;

  struct Loop {
    llvm::BasicBlock *continueTarget, *breakTarget;
  };

  const frontend::TypedFunction &tf;
  llvm::Module &module;
  LowerSession &session;
  LowerTarget &target;
  llvm::LLVMContext &ctx;
  LowerOptions options;
  llvm::IRBuilder<> b;
  llvm::Function *fn = nullptr;
  llvm::BasicBlock *returnBlock = nullptr;
  llvm::AllocaInst *returnSlot = nullptr; ///< a device function's result
  std::unordered_map<const frontend::Local *, llvm::AllocaInst *> slots;
  std::vector<Loop> loops;
  Span at; ///< the statement being lowered, for errors raised below expressions
  bool needsLibdevice_ = false;
  /// Coarsening: the logical thread (an i32 in 0 .. coarsen-1) being
  /// lowered, or null.
  llvm::Value *lane = nullptr;
  /// Coarsening's uniform version: this `if` is not tested but taken (or
  /// skipped, knownTaken false), its test having been evaluated already.
  const frontend::IfStmt *knownIf = nullptr;
  bool knownTaken = true;
  // Line tables: this function's DISubprogram (lineinfo, debug).
  llvm::DISubprogram *subprogram = nullptr;
  void createSubprogram(const std::string &name);
  // LowerDebugInfo.cpp: the variables of full debug information (debug=True, opt=False).
  /// The stores of zeros that start the locals (no assignment of the user's).
  std::unordered_set<const llvm::Instruction *> zeroInits;
  /// A variable's DWARF type, or nullptr for values with no run-time content.
  llvm::DIType *diType(const Type *t);
  /// An array element's DWARF type: a number, or a record's structure.
  llvm::DIType *diElementType(const ScalarType *s);
  llvm::DISubroutineType *subroutineType();
  /// Declares the parameters and describes the locals (dbg.declare, dbg.value).
  void describeVariables();
};

} // namespace ptxforge::compiler
