//===- compiler/DebugRecord.h - The debug mode's error record -------------===//
//
// In debug mode (debug=True or PTXFORGE_DEBUG=1) a kernel checks every array
// index, every division, and reports its `raise`s. A failing thread writes
// one small record; the host reads it after the launch and raises the
// Python exception. This header is the contract between the code the
// compiler emits (compiler/LowerChecks.cpp, the same for every target) and
// whoever reads the record (python/bindings for the GPU; the CPU backend).
// docs/runtime.md, "The debug record", says the same in prose. LLVM-free.
//
//   The module defines the global `__pf_debug` = { DebugRecord *record;
//   uint32_t claim; } (8-aligned, 16 bytes). The host sets `record` before
//   the first launch (on the GPU: mapped pinned host memory, so that it stays
//   readable after a trap poisons the context); a null record disables
//   reporting but not the checks.
//
//   A failing thread: atomically swaps `claim` from 0 to 1 (first error
//   wins; the others just stop), writes every field but `status`, fences at
//   system scope, writes status = 1, fences again, then stops: a bounds
//   violation traps (the whole kernel stops; on the GPU the context is lost),
//   a raise, a failed assert or a division by zero ends only its thread.
//
//   The host: after the launch's stream has synchronized (or the sync failed
//   with the trap's error), reads the record; status == 1 means an error is
//   there. It builds the message from the record and the kernel's site
//   table, then clears the record and resets `claim` to 0 (when the context
//   is still usable) so the next launch can report.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ptxforge::compiler {

/// The most dimensions (and indices) a record keeps; more are left out.
inline constexpr int kDebugMaxDims = 8;
/// The name of the module global that points at the record.
inline constexpr const char *kDebugGlobal = "__pf_debug";

/// What a failing thread writes (176 bytes, little-endian, 8-aligned).
struct DebugRecord {
  std::uint32_t status;     ///< 0: nothing; 1: written (set last)
  std::uint32_t site;       ///< index into the kernel's DebugSite table
  std::uint32_t thread[3];  ///< threadIdx.x, .y, .z of the failing thread
  std::uint32_t block[3];   ///< blockIdx.x, .y, .z
  std::uint32_t ndim;       ///< bounds: the array's dimensions
  std::uint32_t nindex;     ///< bounds: the indices given (at most ndim)
  std::uint32_t axis;       ///< bounds: the first axis out of range
  std::uint32_t reserved;
  std::int64_t index[kDebugMaxDims]; ///< bounds: the indices, as written (before wrapping negatives)
  std::int64_t shape[kDebugMaxDims]; ///< bounds: the array's shape
};
static_assert(sizeof(DebugRecord) == 176, "the record's layout is a contract with the device code");

/// The global the module defines: where the record is, and the claim word.
struct DebugGlobal {
  std::uint64_t record; ///< DebugRecord *, in the device's address space
  std::uint32_t claim;
  std::uint32_t padding;
};
static_assert(sizeof(DebugGlobal) == 16, "the global's layout is a contract with the device code");

/// A constant argument of a raised exception, as written in the source.
struct DebugArgument {
  enum Kind { Str, Int, Float, Bool, None } kind;
  std::string text;       ///< Str
  std::int64_t intValue = 0;
  double floatValue = 0;
};

/// One place in the kernel (or its device functions) that can report.
struct DebugSite {
  enum Kind {
    Bounds,       ///< an array index out of range: IndexError (the kernel traps)
    Raise,        ///< `raise Error(args)`: that exception
    ZeroDivision, ///< a division by zero: ZeroDivisionError
    TupleIndex,   ///< a run-time tuple index out of range: IndexError
    Assert,       ///< a failed `assert`: AssertionError
  } kind;
  std::string function; ///< the Python function it is in
  std::string file;
  int line = 0, col = 0; ///< col is 1-based
  std::string source;    ///< the expression's source text (Bounds: "a[i, j]")
  std::string message;   ///< ZeroDivision, TupleIndex: Python's message
  // Raise and Assert.
  std::string exceptionName;   ///< "ValueError", "AssertionError"
  int exceptionId = -1;        ///< the host's id of the class (Raise), -1 for a builtin by name
  std::vector<DebugArgument> args;
};

/// The kind's name for the Python side: "bounds", "raise", "zero_division",
/// "tuple_index" or "assert".
const char *debugSiteKindName(DebugSite::Kind kind);

/// A decoded record.
struct DebugReport {
  const DebugSite *site = nullptr;
  /// Bounds, ZeroDivision, TupleIndex: the whole message. Raise, Assert:
  /// "In function 'f', file F, line N, tid=[x, y, z] ctaid=[x, y, z]", which
  /// prefixes the first argument as numba-cuda does.
  std::string message;
  std::uint32_t thread[3] = {0, 0, 0}, block[3] = {0, 0, 0};
};

/// Decodes `record` against `sites`; nullopt when the record holds nothing
/// (status 0) or a site index out of range.
std::optional<DebugReport> decodeDebugRecord(const DebugRecord &record, const std::vector<DebugSite> &sites);

} // namespace ptxforge::compiler
