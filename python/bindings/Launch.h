//===- python/bindings/Launch.h - Loaded kernels and their launches -------===//
#pragma once

#include "compiler/Compiler.h"
#include "python/bindings/ExitGate.h"
#include "runtime/Memory.h"
#include "runtime/Module.h"

#include <pybind11/pybind11.h>

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

namespace ptxforge::bindings {

/// A compiled kernel loaded on one device (_core.LoadedKernel).
struct LoadedKernel {
  std::shared_ptr<compiler::KernelArtifacts> artifacts;
  std::shared_ptr<runtime::Module> module;
  runtime::Function function;
  /// Logical threads per physical thread along x: launches divide block.x by it.
  unsigned coarsen = 1;

  /// Debug mode: the record the kernel writes (mapped pinned host memory)
  /// and the device address of the module's kDebugGlobal.
  std::shared_ptr<runtime::HostBuffer> debugRecord;
  std::uint64_t debugGlobal = 0;
  /// Debug mode on the CPU target: the record, in plain host memory (the
  /// JIT's __pf_debug global, KernelCode::debugGlobal, points at it).
  std::unique_ptr<compiler::DebugRecord> hostDebugRecord;

  LoadedKernel(std::shared_ptr<compiler::KernelArtifacts> a, int device);
  /// Debug mode: allocates the record and points the module's global at it
  /// (DebugReport.cpp); nothing for a kernel that reports nothing.
  void setUpDebugRecord(); ///< called with the GIL released
  /// Debug mode: the record's report as (kind, exception name, exception id,
  /// message, args), or None; clears the record (DebugReport.cpp).
  pybind11::object debugReport();
  /// Packs plain Python values (an array as (pointer, shape, byte strides))
  /// by the kernel's ABI and launches. Returns the data pointers passed
  /// where the kernel never writes (KernelArtifacts::readOnlyArgs).
  std::vector<std::uintptr_t> launch(const std::array<unsigned, 3> &grid, const std::array<unsigned, 3> &block, unsigned shared,
              std::uintptr_t stream, const pybind11::tuple &args);
};

/// A CPU launch that stopped early (a trap, a deadlock): _core.KernelError.
struct KernelFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Runs a CPU-target kernel with the GIL released; raises ValueError for a
/// launch the GPU would refuse and KernelFailed when it stopped early.
void launchCpu(const cpu::KernelCode &code, const std::array<unsigned, 3> &grid, const std::array<unsigned, 3> &block,
               unsigned shared, void **params);

/// IEEE binary16 and bfloat16 bits of `f`, rounding to nearest even.
std::uint16_t toHalf(float f);
std::uint16_t toBFloat16(float f);

/// A parameter cell holding `d` as the float type `t` (16, 32 or 64 bits, or
/// bfloat16), rounded as a Python float converted by the launch would be.
std::uint64_t floatCell(const frontend::ScalarType *t, double d);

/// Defines the runtime's classes and functions: streams, events, graphs,
/// device and host memory, DLPack, and the launch fast path (Runtime.cpp,
/// FastLaunch.cpp).
void defineRuntime(pybind11::module_ &m);
/// Module images (cubin, fatbin, PTX) read and written without a GPU, and
/// occupancy (Images.cpp).
void defineImages(pybind11::module_ &m);
void defineFastLaunch(pybind11::module_ &m);

/// Defines _core.LoadedKernel: a compiled kernel loaded on one device, whose
/// launch() packs Python values into parameters by the kernel's ABI.
void defineLaunch(pybind11::module_ &m);
/// set_package_roots, driver_version, choose_assembler ... (Toolkit.cpp).
void defineToolkit(pybind11::module_ &m);

} // namespace ptxforge::bindings
