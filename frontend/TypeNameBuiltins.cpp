//===- frontend/TypeNameBuiltins.cpp - Types named by path, made on demand -===//
//
// Names that stand for types but have no entry of their own in the builtin
// table: dtypes the Python side found among a kernel's globals
// ("dtype:Record(...)", from numba.from_dtype, a numba Record type or a
// structured numpy dtype), numba's type namespaces (`numba.int32`,
// `numba.types.float64`: types only, the same as ptxforge's of that name) and
// `numba.cuda.X`, which is ptxforge's X. Entries are made once and kept for
// the process, as types are.
//
//===----------------------------------------------------------------------===//

#include "frontend/Builtins.h"

#include <map>
#include <memory>
#include <mutex>

namespace ptxforge::frontend {

namespace {

/// A Dtype entry for a record (or other scalar) type named by its spelling.
const BuiltinInfo *dtypeEntry(const std::string &path, const ScalarType *t) {
  static std::mutex mutex;
  static auto *entries = new std::map<std::string, std::unique_ptr<BuiltinInfo>>;
  std::lock_guard<std::mutex> lock(mutex);
  auto &entry = (*entries)[path];
  if (!entry) {
    entry = std::make_unique<BuiltinInfo>();
    entry->kind = BuiltinInfo::Dtype;
    entry->dtype = t;
  }
  return entry.get();
}

bool startsWith(const std::string &s, const std::string &prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

const BuiltinInfo *lookupTypeName(const std::string &path) {
  static const std::string dtypePrefix = "dtype:", numbaCuda = "numba.cuda";
  if (startsWith(path, dtypePrefix)) {
    std::string error;
    const Type *t = parseType(path.substr(dtypePrefix.size()), error);
    const ScalarType *s = t ? dyn_cast<ScalarType>(t) : nullptr;
    if (!s && t && isa<RecordType>(t)) // a record is a ScalarType, of a kind of its own
      s = cast<RecordType>(t);
    return s && !s->weak ? dtypeEntry(path, s) : nullptr;
  }
  if (startsWith(path, numbaCuda) && (path.size() == numbaCuda.size() || path[numbaCuda.size()] == '.'))
    return lookupBuiltin("ptxforge" + path.substr(numbaCuda.size()));
  if (path == "numba" || path == "numba.types") {
    static const BuiltinInfo ns{BuiltinInfo::Namespace};
    return &ns;
  }
  for (const char *prefix : {"numba.types.", "numba."}) {
    if (!startsWith(path, prefix))
      continue;
    const std::string name = path.substr(std::string(prefix).size());
    if (name.find('.') != std::string::npos)
      return nullptr;
    // numba's scalar types under numba's names: ptxforge has the same names (int32, f8, boolean ...).
    const BuiltinInfo *info = lookupBuiltin("ptxforge." + name);
    return info && info->kind == BuiltinInfo::Dtype ? info : nullptr;
  }
  return nullptr;
}

} // namespace ptxforge::frontend
