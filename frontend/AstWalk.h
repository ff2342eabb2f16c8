//===- frontend/AstWalk.h - Visiting a tree's direct children -----*- C++ -*-===//

#pragma once

#include "frontend/Ast.h"

#include <functional>

namespace ptxforge::frontend {

/// Calls `f` on every direct sub-expression of `e`, in evaluation order.
void forEachChild(const Expr *e, const std::function<void(const Expr *)> &f);

} // namespace ptxforge::frontend
