//===- compiler/KernelFacts.h - What the typed tree says about a kernel ---===//
//
// Private to compiler/. Two analyses of a typed function that lowering uses
// to specialise a kernel for a launch (docs/performance.md):
//   - which parameters' memory the function may write (an array written
//     through a view, an atomic, or a device function that writes it);
//   - whether its threads are independent (each touches only its own
//     elements) and its body straight-line, so that one physical thread may
//     run several logical ones in turn (coarsening).
// Both err on the safe side: anything they do not recognise counts as a
// write, or makes the kernel not coarsenable.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "frontend/TypeInfer.h"

#include <vector>

namespace ptxforge::compiler {

struct KernelFacts {
  /// Per parameter: true when memory reachable from it (an array's or a
  /// record's, or those inside a tuple) may be written.
  std::vector<bool> written;
  /// The threads never communicate (no barrier, shared memory, warp
  /// intrinsic, atomic or grid sync), each stores only to elements indexed
  /// by its own global x index and reads written arrays only there (so no
  /// thread sees another's writes on disjoint arrays), the body has no loop,
  /// and it is small.
  bool coarsenable = false;
  /// A coarsenable kernel's weight (statements and operations, callees
  /// included), which bounds the code its copies make, and the bytes its
  /// body loads from parameter arrays per thread (each element read once per
  /// place it is read): how many logical blocks a physical thread should run
  /// to keep enough loads in flight (Compiler.cpp, gridCoarsening).
  int weight = 0;
  int loadBytes = 0;
  /// How the function is arranged for coarsening: the statements before
  /// the first top-level `if` (assignments of side-effect-free values to
  /// names) and that `if`, or nullptr when the body is not arranged so.
  const frontend::IfStmt *guard = nullptr;
  std::size_t guardIndex = 0;

  bool anyWritten() const {
    for (bool w : written)
      if (w)
        return true;
    return false;
  }
};

/// Analyses `tf` (and the device functions it calls).
KernelFacts analyzeKernel(const frontend::TypedFunction &tf);

} // namespace ptxforge::compiler
