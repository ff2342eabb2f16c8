//===- frontend/ArrayMethods.cpp - The names of array methods and reductions ===//

#include "frontend/ArrayMethods.h"

#include "frontend/Builtins.h"

#include <map>

namespace ptxforge::frontend {

namespace {

struct Name {
  const char *name;
  ArrayOp op;
  bool method, function; ///< a.name() and np.name(a)
};

const Name kNames[] = {
    {"sum", ArrayOp::Sum, true, true},           {"prod", ArrayOp::Prod, true, true},
    {"min", ArrayOp::Min, true, true},           {"max", ArrayOp::Max, true, true},
    {"amin", ArrayOp::Min, false, true},         {"amax", ArrayOp::Max, false, true},
    {"mean", ArrayOp::Mean, true, true},         {"var", ArrayOp::Var, true, true},
    {"std", ArrayOp::Std, true, true},           {"all", ArrayOp::All, true, true},
    {"any", ArrayOp::Any, true, true},           {"nansum", ArrayOp::NanSum, false, true},
    {"nanprod", ArrayOp::NanProd, false, true},  {"nanmin", ArrayOp::NanMin, false, true},
    {"nanmax", ArrayOp::NanMax, false, true},    {"nanmean", ArrayOp::NanMean, false, true},
    {"nanvar", ArrayOp::NanVar, false, true},    {"nanstd", ArrayOp::NanStd, false, true},
    {"count_nonzero", ArrayOp::CountNonzero, false, true},
    {"argmin", ArrayOp::ArgMin, true, true},     {"argmax", ArrayOp::ArgMax, true, true},
    {"copy", ArrayOp::Copy, true, true},         {"view", ArrayOp::View, true, false},
    {"reshape", ArrayOp::Reshape, true, true},
};

const std::map<std::string, ArrayOp> &table() {
  static const std::map<std::string, ArrayOp> t = [] {
    std::map<std::string, ArrayOp> m;
    for (const Name &n : kNames) {
      if (n.method)
        m[std::string("ndarray.") + n.name] = n.op;
      if (n.function)
        m[std::string("numpy.") + n.name] = n.op;
    }
    return m;
  }();
  return t;
}

} // namespace

ArrayOp arrayOpOf(const std::string &path) { return table().at(path); }

void addArrayMethodBuiltins(std::unordered_map<std::string, BuiltinInfo> &map) {
  map["ndarray"] = {BuiltinInfo::Namespace};
  for (const auto &[path, op] : table())
    map[path] = {BuiltinInfo::Function, BuiltinId::ArrayMethod};
}

} // namespace ptxforge::frontend
