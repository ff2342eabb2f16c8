//===- compiler/DebugRecord.cpp - Reading the debug mode's error record ---===//
//
// Every report starts as numba-cuda's debug exceptions do, with where and
// by whom: "In function 'k', file F, line N, tid=[x, y, z] ctaid=[x, y, z]";
// a bounds violation then says, as NumPy would, which index was out of range
// for which axis, with the expression, all its indices and the shape.
//
//===----------------------------------------------------------------------===//

#include "compiler/DebugRecord.h"

#include <algorithm>

namespace ptxforge::compiler {

namespace {

std::string tuple(const std::int64_t *values, unsigned n) {
  std::string s = "(";
  for (unsigned i = 0; i < n; ++i)
    s += (i ? ", " : "") + std::to_string(values[i]);
  return s + (n == 1 ? ",)" : ")");
}

std::string triple(const std::uint32_t (&v)[3]) {
  return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " + std::to_string(v[2]) + "]";
}

} // namespace

const char *debugSiteKindName(DebugSite::Kind kind) {
  switch (kind) {
  case DebugSite::Bounds: return "bounds";
  case DebugSite::Raise: return "raise";
  case DebugSite::ZeroDivision: return "zero_division";
  case DebugSite::TupleIndex: return "tuple_index";
  case DebugSite::Assert: return "assert";
  }
  return "unknown";
}

std::optional<DebugReport> decodeDebugRecord(const DebugRecord &record, const std::vector<DebugSite> &sites) {
  if (record.status != 1 || record.site >= sites.size())
    return std::nullopt;
  DebugReport report;
  report.site = &sites[record.site];
  for (int i = 0; i < 3; ++i) {
    report.thread[i] = record.thread[i];
    report.block[i] = record.block[i];
  }
  const DebugSite &site = *report.site;
  report.message = "In function '" + site.function + "', file " + site.file + ", line " + std::to_string(site.line) +
                   ", tid=" + triple(record.thread) + " ctaid=" + triple(record.block);
  switch (site.kind) {
  case DebugSite::Bounds: {
    const unsigned ndim = std::min<unsigned>(record.ndim, kDebugMaxDims);
    const unsigned nindex = std::min<unsigned>(record.nindex, kDebugMaxDims);
    const unsigned axis = std::min<unsigned>(record.axis, kDebugMaxDims - 1);
    report.message += ": index " + std::to_string(record.index[axis]) + " is out of bounds for axis " +
                      std::to_string(record.axis) + " with size " + std::to_string(record.shape[axis]) + " in " +
                      site.source + " (index " + tuple(record.index, nindex) + ", shape " +
                      tuple(record.shape, ndim) + (record.ndim > kDebugMaxDims ? " and more" : "") + ")";
    break;
  }
  case DebugSite::ZeroDivision:
  case DebugSite::TupleIndex:
    report.message += ": " + site.message;
    break;
  case DebugSite::Raise:
  case DebugSite::Assert:
    break; // the host puts the exception's own arguments after the prefix
  }
  return report;
}

} // namespace ptxforge::compiler
