//===- compiler/Abi.h - How kernel arguments become PTX parameters --------===//
//
// The one definition of the kernel parameter ABI, shared by lowering (which
// declares the parameters) and every launcher (which packs them): Python's
// binding now, the AOT loader later. LLVM-free.
//
//   scalar       one parameter of its width (bool as one byte)
//   complex      two parameters of its part type: real, then imaginary
//   array        data pointer, then ndim shape extents (i64), then, for
//                layout A only, ndim byte strides (i64); C and F arrays
//                derive their strides from the shape
//   tuple        its elements, flattened in order
//   record       a pointer to the record's bytes in device memory (numba
//                passes records by reference)
//   enum member  its value (an IntEnum member is an int64)
//   pointer      its address (numba's CPointer)
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/Types.h"

#include <cstdint>
#include <vector>

namespace ptxforge::compiler {

/// One PTX kernel parameter.
struct AbiSlot {
  enum Kind : std::uint8_t { I8, I16, I32, I64, F16, F32, F64, Ptr, BF16 } kind;
  enum Role : std::uint8_t { Value, Data, Shape, Stride } role = Value;
  int dim = 0; ///< for Shape and Stride
  /// Size and alignment in bytes.
  int size() const;
};

/// The flattened parameters of one argument type, appended to `out`.
void appendAbi(const frontend::Type *type, std::vector<AbiSlot> &out);

/// The slot for a scalar type.
AbiSlot scalarSlot(const frontend::ScalarType *t);

/// What a launcher learns about one array argument for the launch-time
/// specialisation (LaunchFacts in compiler/Compiler.h): its fact bits and
/// the bytes it spans, [lo, hi) (empty for an array of no elements; the
/// whole address space when the arithmetic would overflow).
struct ArrayFacts {
  std::uint8_t bits = 0;
  std::uint64_t lo = 0, hi = 0;
};

/// The facts of an array at `ptr` with these extents and byte strides;
/// `layout` is 'C', 'F' or 'A'. Cheap enough for every launch.
ArrayFacts arrayFacts(std::uint64_t ptr, int ndim, const std::int64_t *shape, const std::int64_t *strides,
                      int itemsize, char layout);

/// True when no two of the `n` arrays share a byte.
bool disjoint(const ArrayFacts *arrays, int n);

/// Coarsening (LaunchFacts::coarsen, KernelArtifacts::coarsen): the logical
/// threads one physical thread runs, C = B * G. B (at most `kCoarsen`)
/// consecutive logical threads of a block share a physical thread (the
/// launch divides block.x by B; their loads and stores merge into vector
/// ones), and G logical blocks share a physical block (the launch divides
/// grid.x by G; each physical thread keeps G independent vector loads in
/// flight). A coarsening above kCoarsen is kCoarsen * G.
constexpr int kCoarsen = 4;
/// The most logical blocks a physical block runs (a power of two), and the
/// fewest blocks a grid must have for any: a small grid keeps its
/// parallelism (and its launches their keys: compiler::coarsenFor).
constexpr int kGridCoarsen = 4;
constexpr unsigned kGridCoarsenMinBlocks = 1024;
inline int blockCoarsen(int coarsen) { return coarsen > kCoarsen ? kCoarsen : coarsen; }
inline int gridCoarsen(int coarsen) { return coarsen > kCoarsen ? coarsen / kCoarsen : 1; }
/// The most a launch of this shape allows: kCoarsen when block.x is a
/// multiple of it and the block is a valid one (at most 1024 threads), times
/// the largest power of two up to kGridCoarsen dividing grid.x when grid.x is
/// at least kGridCoarsenMinBlocks; else 1. The
/// compiler applies at most that, and only a factor dividing it.
int coarsenFor(unsigned blockX, unsigned blockY, unsigned blockZ, unsigned gridX = 1);

} // namespace ptxforge::compiler
