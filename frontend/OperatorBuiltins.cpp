//===- frontend/OperatorBuiltins.cpp - operator.*, pow() and print() ------===//
//
// Table entries for Python's operators used as functions: the `operator`
// module (operator.add(a, b) is a + b, operator.iadd the same on numbers),
// the builtin pow(a, b), and print(). Each is an ordinary builtin function,
// so it can also be passed to a device function as a value.
//
//===----------------------------------------------------------------------===//

#include "frontend/Ast.h"
#include "frontend/Builtins.h"

namespace ptxforge::frontend {

namespace {

using O = OperatorFunction;

#define PF_BIN(name, kind) {O::Binary, "operator." name, int(BinOpKind::kind)}, \
                           {O::Binary, "operator.i" name, int(BinOpKind::kind)}

const OperatorFunction kOperators[] = {
    PF_BIN("add", Add),           PF_BIN("sub", Sub),         PF_BIN("mul", Mul),
    PF_BIN("truediv", Div),       PF_BIN("floordiv", FloorDiv), PF_BIN("mod", Mod),
    PF_BIN("pow", Pow),           PF_BIN("lshift", LShift),   PF_BIN("rshift", RShift),
    PF_BIN("and_", BitAnd),       PF_BIN("or_", BitOr),       PF_BIN("xor", BitXor),
    {O::Compare, "operator.eq", int(CmpOpKind::Eq)},   {O::Compare, "operator.ne", int(CmpOpKind::NotEq)},
    {O::Compare, "operator.lt", int(CmpOpKind::Lt)},   {O::Compare, "operator.le", int(CmpOpKind::LtE)},
    {O::Compare, "operator.gt", int(CmpOpKind::Gt)},   {O::Compare, "operator.ge", int(CmpOpKind::GtE)},
    {O::Unary, "operator.neg", int(UnaryOpKind::Minus)}, {O::Unary, "operator.pos", int(UnaryOpKind::Plus)},
    {O::Unary, "operator.invert", int(UnaryOpKind::Invert)}, {O::Unary, "operator.inv", int(UnaryOpKind::Invert)},
    {O::Unary, "operator.not_", int(UnaryOpKind::Not)},  {O::Truth, "operator.truth"},
    {O::Binary, "builtins.pow", int(BinOpKind::Pow)},
};

#undef PF_BIN

} // namespace

void addOperatorBuiltins(std::unordered_map<std::string, BuiltinInfo> &table) {
  table["operator"] = {BuiltinInfo::Namespace};
  for (const OperatorFunction &f : kOperators) {
    BuiltinInfo info{BuiltinInfo::Function, BuiltinId::Operator};
    info.op = &f;
    table[f.path] = info;
  }
  table["operator.abs"] = {BuiltinInfo::Function, BuiltinId::Abs};
  table["builtins.print"] = {BuiltinInfo::Function, BuiltinId::Print};
}

} // namespace ptxforge::frontend
