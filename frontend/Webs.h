//===- frontend/Webs.h - A name's independent lives, as numba's SSA sees them -*- C++ -*-===//
//
// numba types each assignment of a name on its own: `t = 1` and a later
// `t = B` (an array) are two variables when no use can see both. Here a
// name's definitions are grouped into webs: two definitions share a web when
// one use can be reached by both. Each web can then be its own local, with
// its own type, where the types of the webs do not join.
//
//===----------------------------------------------------------------------===//

#pragma once

#include "frontend/Ast.h"

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

namespace ptxforge::frontend {

struct Webs {
  /// The web (0, 1, ...) of every occurrence, definition or use, of a name
  /// that has two webs or more; web 0 holds the parameter's value, if any.
  /// Names with one web are absent.
  std::unordered_map<const NameExpr *, int> webOf;
  /// How many webs each such name has.
  std::map<std::string, int> count;
};

/// Decides an `if` test known when compiled, before typing (numba prunes such
/// branches before it types: `if y is None: y = 0.5` with y None), or nullopt.
/// `onlyParam(name)` says that at the test `name` can only hold its
/// parameter's argument. It must decide only what typing decides the same way.
using DecideTest =
    std::function<std::optional<bool>(const Expr *test, const std::function<bool(const std::string &)> &onlyParam)>;

/// The webs of `fn`'s locals (names assigned in the body, and parameters),
/// leaving out `skip` (names that are not plain locals). nullopt where the
/// body has a construct the analysis does not follow; the caller then keeps
/// one local per name. An `if` whose test `decide` decides has only its taken
/// branch followed: the other never runs, so its assignments reach nothing.
std::optional<Webs> findWebs(const FunctionDef &fn, const std::set<std::string> &skip, const DecideTest &decide = {});

} // namespace ptxforge::frontend
