//===- python/bindings/AstConvert.h - CPython ast -> frontend AST ---------===//
//
// The binding edge: a CPython `ast.FunctionDef` is walked once and rebuilt
// as a frontend AstContext. Positions are moved from the parsed snippet to
// the user's file. Constructs the kernel language lacks are reported here,
// at their own line and column.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Ast.h"

#include <pybind11/pybind11.h>

#include <memory>

namespace ptxforge::bindings {

/// Converts `tree` (an ast.FunctionDef parsed from a snippet of `file` whose
/// first line is file line `lineOffset + 1` and whose indentation
/// `colOffset` was removed). Throws frontend::DiagnosticError.
std::shared_ptr<frontend::AstContext> convertFunction(pybind11::handle tree,
                                                      std::shared_ptr<frontend::SourceFile> file,
                                                      int lineOffset, int colOffset);

} // namespace ptxforge::bindings
