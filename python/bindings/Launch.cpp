//===- python/bindings/Launch.cpp - Loaded kernels and their launches -----===//
//
// Arguments reach launch() already reduced to plain Python values by the
// dispatcher: an array is (data pointer, shape, byte strides), a scalar a
// Python number, a tuple a tuple. They are packed by the kernel's parameter
// types (compiler/Abi.h) into one 8-byte cell per parameter.
//
//===----------------------------------------------------------------------===//

#include "python/bindings/Launch.h"

#include "compiler/Abi.h"
#include "compiler/Compiler.h"
#include "runtime/Driver.h"
#include "runtime/Module.h"

#include <pybind11/stl.h>

#include <cmath>
#include <cstring>

namespace py = pybind11;

namespace ptxforge::bindings {

using namespace frontend;

// IEEE binary16 bits of `f`, rounding to nearest even.
std::uint16_t toHalf(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  std::uint32_t sign = (x >> 16) & 0x8000;
  std::int32_t exp = static_cast<std::int32_t>((x >> 23) & 0xff) - 127 + 15;
  std::uint32_t mant = x & 0x7fffff;
  if (((x >> 23) & 0xff) == 0xff) // inf or nan
    return static_cast<std::uint16_t>(sign | 0x7c00 | (mant ? 0x200 : 0));
  if (exp >= 31)
    return static_cast<std::uint16_t>(sign | 0x7c00);
  if (exp <= 0) {
    if (exp < -10)
      return static_cast<std::uint16_t>(sign);
    mant |= 0x800000;
    std::uint32_t shift = static_cast<std::uint32_t>(14 - exp);
    std::uint32_t half = mant >> shift, rest = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
    if (rest > mid || (rest == mid && (half & 1)))
      ++half;
    return static_cast<std::uint16_t>(sign | half);
  }
  std::uint32_t half = sign | (static_cast<std::uint32_t>(exp) << 10) | (mant >> 13);
  std::uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half;
  return static_cast<std::uint16_t>(half);
}

// bfloat16 bits of `f`, rounding to nearest even (a NaN stays a quiet NaN).
std::uint16_t toBFloat16(float f) {
  std::uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffff) > 0x7f800000)
    return static_cast<std::uint16_t>((x >> 16) | 0x40);
  return static_cast<std::uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

std::uint64_t floatCell(const ScalarType *t, double d) {
  std::uint64_t cell = 0;
  if (t->bits == 64) {
    std::memcpy(&cell, &d, 8);
  } else if (t->bits == 32) {
    float f = static_cast<float>(d);
    std::memcpy(&cell, &f, 4);
  } else {
    std::uint16_t h = t->isBFloat16() ? toBFloat16(static_cast<float>(d)) : toHalf(static_cast<float>(d));
    std::memcpy(&cell, &h, 2);
  }
  return cell;
}

namespace {

class Packer {
public:
  std::vector<std::uint64_t> cells;

  void scalar(const ScalarType *t, py::handle v) {
    std::uint64_t cell = 0;
    if (t->isBool()) {
      int truth = PyObject_IsTrue(v.ptr());
      if (truth < 0)
        throw py::error_already_set();
      cell = truth;
    } else if (t->isInt()) {
      if (!t->isSigned) {
        cell = PyLong_AsUnsignedLongLongMask(v.ptr());
      } else {
        long long x = PyLong_AsLongLong(v.ptr());
        cell = static_cast<std::uint64_t>(x);
      }
      if (PyErr_Occurred())
        throw py::error_already_set();
    } else {
      double d = PyFloat_AsDouble(v.ptr());
      if (d == -1.0 && PyErr_Occurred())
        throw py::error_already_set();
      cell = floatCell(t, d);
    }
    // Little-endian: the low bytes of the cell are the parameter.
    cells.push_back(cell);
  }

  /// A complex number: its parts, each as a float of the part type.
  void complexScalar(const ScalarType *t, py::handle v) {
    Py_complex z = PyComplex_AsCComplex(v.ptr());
    if (z.real == -1.0 && PyErr_Occurred())
      throw py::error_already_set();
    const ScalarType *part = complexPart(t);
    scalar(part, py::float_(z.real));
    scalar(part, py::float_(z.imag));
  }

  void value(const Type *t, py::handle v) {
    if (auto *e = dyn_cast<EnumType>(t)) { // the dispatcher passes a member's value
      value(e->value, v);
      return;
    }
    if (auto *s = dyn_cast<ScalarType>(t); s && s->isComplex()) {
      complexScalar(s, v);
      return;
    }
    if (auto *s = dyn_cast<ScalarType>(t)) {
      scalar(s, v);
      return;
    }
    if (isa<PointerType>(t)) { // an address, as an int (numba's CPointer)
      cells.push_back(PyLong_AsUnsignedLongLongMask(v.ptr()));
      if (PyErr_Occurred())
        throw py::error_already_set();
      return;
    }
    if (isa<RecordType>(t)) { // the address of the record's device copy
      cells.push_back(v.cast<std::uint64_t>());
      return;
    }
    if (auto *a = dyn_cast<ArrayType>(t)) {
      auto parts = py::reinterpret_borrow<py::tuple>(v);
      cells.push_back(parts[0].cast<std::uint64_t>());
      auto shape = parts[1].cast<py::tuple>();
      for (int d = 0; d < a->ndim; ++d)
        cells.push_back(static_cast<std::uint64_t>(shape[d].cast<std::int64_t>()));
      if (a->layout == Layout::A) {
        auto strides = parts[2].cast<py::tuple>();
        for (int d = 0; d < a->ndim; ++d)
          cells.push_back(static_cast<std::uint64_t>(strides[d].cast<std::int64_t>()));
      }
      return;
    }
    auto *tt = cast<TupleType>(t);
    auto items = py::reinterpret_borrow<py::tuple>(v);
    if (items.size() != tt->elts.size())
      throw py::value_error("expected a tuple of " + std::to_string(tt->elts.size()) + " values");
    for (std::size_t i = 0; i < tt->elts.size(); ++i)
      value(tt->elts[i], items[i]);
  }
};

} // namespace

void launchCpu(const cpu::KernelCode &code, const std::array<unsigned, 3> &grid, const std::array<unsigned, 3> &block,
               unsigned shared, void **params) {
  cpu::LaunchShape shape;
  std::copy(grid.begin(), grid.end(), shape.grid);
  std::copy(block.begin(), block.end(), shape.block);
  shape.dynamicSharedBytes = shared;
  cpu::LaunchResult result;
  {
    py::gil_scoped_release release;
    result = cpu::launch(code, shape, params);
  }
  switch (result.status) {
  case cpu::LaunchResult::Ok: return;
  case cpu::LaunchResult::BadLaunch: // as the GPU refuses it: LaunchConfigurationError, the driver's error named
    throw runtime::LaunchConfigError(result.message, result.message.find("synchronizes the whole grid") !=
                                                             std::string::npos
                                                         ? "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE"
                                                         : "CUDA_ERROR_INVALID_VALUE");
  case cpu::LaunchResult::OutOfMemory: throw std::bad_alloc();
  default: throw KernelFailed(result.message);
  }
}

LoadedKernel::LoadedKernel(std::shared_ptr<compiler::KernelArtifacts> a, int device) : artifacts(std::move(a)) {
  if (artifacts->cpu) { // the CPU target's code is loaded already
    setUpDebugRecord();
    return;
  }
  bindings::GilRelease release;
  runtime::ensureContext(device);
  if (artifacts->cubin.ok()) {
    module = runtime::Module::load(artifacts->cubin.cubin, device);
  } else {
    // No cubin: the driver's JIT assembles the PTX. If it cannot either, say
    // why both failed.
    try {
      module = runtime::Module::load(artifacts->ptx, device);
    } catch (const runtime::OutOfMemory &) {
      throw;
    } catch (const runtime::CudaError &e) {
      throw runtime::CudaError(e.code(), e.call(),
                               std::string(e.what()) + "\n(the PTX went to the driver's JIT because the "
                                                       "assembler failed: " + artifacts->cubin.error + ")");
    }
  }
  function = module->function(artifacts->entryName);
  function.cooperative = artifacts->cooperative; // pf.cg.this_grid().sync(): every launch is cooperative
  coarsen = static_cast<unsigned>(artifacts->coarsen);
  setUpDebugRecord();
}

std::vector<std::uintptr_t> LoadedKernel::launch(const std::array<unsigned, 3> &grid,
                                                 const std::array<unsigned, 3> &block, unsigned shared,
                                                 std::uintptr_t stream, const py::tuple &args) {
  if (args.size() != artifacts->params.size())
    throw py::type_error("kernel '" + artifacts->entryName + "' takes " + std::to_string(artifacts->params.size()) +
                         " arguments, got " + std::to_string(args.size()));
  Packer p;
  p.cells.reserve(artifacts->abi.size());
  for (std::size_t i = 0; i < args.size(); ++i) {
    try {
      p.value(artifacts->params[i], args[i]);
    } catch (const py::cast_error &) { // a value of the wrong shape: a TypeError, never pybind11's cast error
      throw py::type_error("kernel '" + artifacts->entryName + "': launch value " + std::to_string(i + 1) +
                           " is a Python " + std::string(py::str(py::type::handle_of(args[i]).attr("__name__"))) +
                           ", which does not fit the parameter's type");
    }
  }
  std::vector<void *> params(p.cells.size());
  for (std::size_t i = 0; i < p.cells.size(); ++i)
    params[i] = &p.cells[i];
  if (artifacts->cpu) {
    launchCpu(*artifacts->cpu, grid, block, shared, params.data());
    return {}; // host arrays are used in place: nothing is copied back
  }
  runtime::LaunchConfig cfg;
  std::copy(grid.begin(), grid.end(), cfg.grid);
  std::copy(block.begin(), block.end(), cfg.block);
  if (coarsen > 1) {
    const unsigned blockPart = compiler::blockCoarsen(static_cast<int>(coarsen));
    const unsigned gridPart = compiler::gridCoarsen(static_cast<int>(coarsen));
    if (block[0] % blockPart != 0 || grid[0] % gridPart != 0)
      throw py::value_error("kernel '" + artifacts->entryName + "' was specialised for blocks whose x size is a "
                            "multiple of " + std::to_string(blockPart) + " and grids whose x size is a multiple of " +
                            std::to_string(gridPart));
    cfg.block[0] /= blockPart;
    cfg.grid[0] /= gridPart;
  }
  cfg.sharedBytes = shared;
  cfg.stream = reinterpret_cast<void *>(stream);
  runtime::ensureContext(function.device);
  runtime::launch(function, cfg, params.data());
  std::vector<std::uintptr_t> readOnly;
  for (int slot : artifacts->readOnlyArgs)
    if (slot >= 0 && static_cast<std::size_t>(slot) < p.cells.size())
      readOnly.push_back(static_cast<std::uintptr_t>(p.cells[slot]));
  return readOnly;
}

namespace {

/// Gathers the facts of every array in `value` (of type `t`): per top-level
/// parameter its bits, and every array's span for the disjointness test.
std::uint8_t gatherFacts(const Type *t, py::handle value, std::vector<compiler::ArrayFacts> &spans) {
  if (auto *a = dyn_cast<ArrayType>(t)) {
    auto parts = py::reinterpret_borrow<py::tuple>(value);
    auto shape = parts[1].cast<std::vector<std::int64_t>>();
    auto strides = parts[2].cast<std::vector<std::int64_t>>();
    if (static_cast<int>(shape.size()) != a->ndim || strides.size() != shape.size())
      throw py::value_error("an array argument's shape and strides do not match its type");
    const char layout = a->layout == Layout::C ? 'C' : a->layout == Layout::F ? 'F' : 'A';
    // A host array not yet copied in (its value holds the transfer, not a
    // pointer) gets a fresh allocation: aligned, and overlapping nothing.
    const bool fresh = !py::isinstance<py::int_>(parts[0]);
    compiler::ArrayFacts f = compiler::arrayFacts(fresh ? 0 : parts[0].cast<std::uint64_t>(), a->ndim, shape.data(),
                                                  strides.data(), a->dtype->byteSize(), layout);
    if (!fresh)
      spans.push_back(f);
    return f.bits;
  }
  if (auto *s = dyn_cast<ScalarType>(t); s && s->isInt() && s->weak) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (v == -1 && PyErr_Occurred())
      PyErr_Clear();
    constexpr long long bound = 1ll << 62;
    return !overflow && v >= -bound && v < bound ? compiler::LaunchFacts::Bounded : 0;
  }
  if (auto *tt = dyn_cast<TupleType>(t)) {
    auto items = py::reinterpret_borrow<py::tuple>(value);
    for (std::size_t i = 0; i < tt->elts.size() && i < items.size(); ++i)
      gatherFacts(tt->elts[i], items[i], spans);
  }
  return 0;
}

/// launch_facts(types, values, block, grid): (bits per parameter, disjoint,
/// coarsen), the LaunchFacts of a launch on the Python path, computed as the
/// fast path (FastLaunch.cpp) computes its key.
py::tuple launchFacts(const std::vector<std::string> &types, const py::tuple &values,
                      const std::array<unsigned, 3> &block, const std::array<unsigned, 3> &grid) {
  std::vector<compiler::ArrayFacts> spans;
  py::tuple bits(types.size());
  for (std::size_t i = 0; i < types.size(); ++i) {
    std::string error;
    const Type *t = frontend::parseType(types[i], error);
    if (!t)
      throw py::value_error("bad type '" + types[i] + "': " + error);
    bits[i] = py::int_(gatherFacts(t, values[i], spans));
  }
  bool disjoint = compiler::disjoint(spans.data(), static_cast<int>(spans.size()));
  return py::make_tuple(bits, disjoint, compiler::coarsenFor(block[0], block[1], block[2], grid[0]));
}

} // namespace

void defineLaunch(py::module_ &m) {
  m.def("launch_facts", &launchFacts, py::arg("types"), py::arg("values"), py::arg("block"),
        py::arg("grid") = std::array<unsigned, 3>{1, 1, 1},
        "The launch-time specialisation facts of a launch: (bits per parameter, disjoint, coarsen).");
  m.def(
      "array_facts",
      [](std::uint64_t ptr, std::vector<std::int64_t> shape, std::vector<std::int64_t> strides, int itemsize,
         const std::string &layout) {
        if (shape.size() != strides.size() || layout.size() != 1)
          throw py::value_error("shape and strides differ in length, or the layout is not one of C, F, A");
        compiler::ArrayFacts f = compiler::arrayFacts(ptr, static_cast<int>(shape.size()), shape.data(),
                                                      strides.data(), itemsize, layout[0]);
        return py::make_tuple(f.bits, f.lo, f.hi);
      },
      py::arg("ptr"), py::arg("shape"), py::arg("strides"), py::arg("itemsize"), py::arg("layout"),
      "(fact bits, first byte, end byte) of one array, as the launch fast path computes them.");
  py::class_<LoadedKernel, std::shared_ptr<LoadedKernel>>(m, "LoadedKernel")
      .def(py::init<std::shared_ptr<compiler::KernelArtifacts>, int>(), py::arg("artifacts"), py::arg("device"))
      .def("launch", &LoadedKernel::launch, py::arg("grid"), py::arg("block"), py::arg("shared"), py::arg("stream"),
           py::arg("args"))
      .def("debug_report", &LoadedKernel::debugReport)
      .def_property_readonly("registers", [](const LoadedKernel &k) { return k.function.numRegs; })
      .def_property_readonly("max_threads_per_block", [](const LoadedKernel &k) { return k.function.maxThreadsPerBlock; })
      .def_property_readonly("local_bytes", [](const LoadedKernel &k) { return k.function.localBytes; })
      .def_property_readonly("shared_bytes", [](const LoadedKernel &k) { return k.function.staticSharedBytes; })
      .def(
          "max_active_blocks",
          [](const LoadedKernel &k, int threads, std::size_t shared) {
            py::gil_scoped_release release;
            return runtime::maxActiveBlocksPerMultiprocessor(k.function, threads, shared);
          },
          py::arg("threads"), py::arg("shared") = 0,
          "Blocks of `threads` threads resident at once per multiprocessor (the occupancy calculator).")
      .def(
          "suggested_block_size",
          [](const LoadedKernel &k, std::size_t shared, int limit) {
            py::gil_scoped_release release;
            return runtime::suggestedBlockSize(k.function, shared, limit);
          },
          py::arg("shared") = 0, py::arg("limit") = 1024,
          "The block size the occupancy calculator suggests, up to `limit` threads.")
      .def(
          "set_shared_carveout",
          [](const LoadedKernel &k, int percent) {
            py::gil_scoped_release release;
            runtime::setSharedCarveout(k.function, percent);
          },
          py::arg("percent"), "The preferred share of L1/shared memory for shared memory (-1: the default).");
  defineRuntime(m);
  defineFastLaunch(m);
}

} // namespace ptxforge::bindings
