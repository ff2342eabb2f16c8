//===- python/bindings/FastLaunch.cpp - The launch fast path --------------===//
//
// kernel[grid, block, stream, shared](*args) lands here first. The argument
// signature is read straight from the Python objects into a compact key
// (one byte per scalar, five per array: 'A', dtype code, ndim, layout and
// its launch facts) while the parameters are packed into 8-byte cells by the
// kernel ABI (compiler/Abi.h); the key ends with whether the arrays are
// disjoint, the coarsening the block allows and the device. The key picks
// the loaded function from a small per-kernel table and cuLaunchKernel runs.
// No Python object is made on a hit.
//
// The launch facts (alignment, size classes, disjointness; LaunchFacts in
// compiler/Compiler.h) select the kernel specialised for them: a device
// array computes its own once, when it is made; a CuPy array or torch tensor
// costs a few integer operations; the disjointness test compares the
// arrays' spans pairwise.
//
// kernel[...] and its call are plain CPython (a method descriptor and a
// vectorcall type, BoundLaunch), not pybind11 functions: pybind11's call
// machinery was half of a launch's host cost (docs/performance.md).
//
// Understood here: Python bool/int/float/complex, numpy scalars (typed as the
// Python path types them), ptxforge device arrays (whose `_pf`
// bytes hold their key, span and cells, made once per array), and, once
// registered, CuPy arrays (read through their attributes) and torch CUDA
// tensors (read through torch's own DLPack export, without its Python
// wrapper); the launch stream then waits for CuPy's or torch's current
// stream when that is a stream of its own, as their interfaces ask. Anything
// else (numpy arrays, which need copies; other __cuda_array_interface__ or
// DLPack objects; tuples) and every key not yet seen goes to the dispatcher's
// Python path, which may add the key.
//
//===----------------------------------------------------------------------===//

#include "python/bindings/DLPack.h"
#include "python/bindings/Launch.h"

#include "compiler/Abi.h"
#include "runtime/Driver.h"
#include "runtime/Stream.h"

#include <pybind11/stl.h>
#include <structmember.h>

#include <atomic>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace py = pybind11;

namespace ptxforge::bindings {

namespace {

constexpr int kMaxCells = 192;
constexpr int kMaxKey = 128;
constexpr int kMaxDims = 16;
constexpr int kMaxArrays = 16; ///< past this many arrays a launch is not tested for disjointness
/// A device array's `_pf` bytes: 8 of header (its 5 key bytes, then 3 of
/// padding), its span's first and end bytes, then its cells.
constexpr int kPfHeader = 24;

/// Types and callbacks the Python package registers once. Leaked on
/// purpose: they may be used while the interpreter shuts down.
struct Registry {
  PyObject *deviceArrayType = nullptr;
  Py_ssize_t pfOffset = -1; ///< where a device array keeps its `_pf` slot
  PyObject *cupyType = nullptr;
  PyObject *torchType = nullptr;
  PyObject *dtypeCode = nullptr; ///< callable(dtype) -> code or -1
  PyObject *cupyStream = nullptr;  ///< callable() -> CuPy's current stream
  PyObject *torchStream = nullptr; ///< callable(device) -> torch's current stream
  PyObject *torchToDlpack = nullptr; ///< torch._C._to_dlpack
  std::vector<std::pair<PyObject *, int>> dtypes; ///< dtype object -> code (strong refs)
  /// numpy's scalar types (np.float32 ...) -> their dtype codes (strong refs)
  std::vector<std::pair<PyTypeObject *, int>> numpyScalars;
  PyObject *names[6] = {};
};

Registry &registry() {
  static Registry *r = new Registry;
  return *r;
}

/// The default target is the CPU (PTXFORGE_TARGET=cpu, or set by the package).
std::atomic<bool> gDefaultCpu{false};

/// The last byte of a key for the CPU target.
constexpr char kCpuByte = static_cast<char>(0xff);

/// The last byte of a key: the device, or kCpuByte for the CPU target.
char targetByte(int mode) {
  const bool cpu = mode == 2 || (mode == 0 && gDefaultCpu.load(std::memory_order_relaxed));
  return cpu ? kCpuByte : static_cast<char>(runtime::currentDevice());
}

enum Name { kPfUnused, kData, kPtr, kShape, kStrides, kDtype };

PyObject *name(Name n) {
  Registry &r = registry();
  if (!r.names[n]) {
    static const char *text[] = {"_pf", "data", "ptr", "shape", "strides", "dtype"};
    r.names[n] = PyUnicode_InternFromString(text[n]);
  }
  return r.names[n];
}

constexpr int kItemsize[] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 2, 4, 8, 8, 16, 2};

/// The dtype code of a numpy or torch dtype object; -1 when kernels do not take it.
int dtypeCode(PyObject *dtype) {
  Registry &r = registry();
  for (auto &[obj, code] : r.dtypes)
    if (obj == dtype)
      return code;
  if (!r.dtypeCode)
    return -1;
  PyObject *result = PyObject_CallOneArg(r.dtypeCode, dtype);
  if (!result) {
    PyErr_Clear();
    return -1;
  }
  long code = PyLong_AsLong(result);
  Py_DECREF(result);
  if (code == -1 && PyErr_Occurred())
    PyErr_Clear();
  Py_INCREF(dtype);
  r.dtypes.emplace_back(dtype, static_cast<int>(code));
  return static_cast<int>(code);
}

/// A launch's key and parameter cells, built argument by argument.
struct Packed {
  char key[kMaxKey];
  int keyLen = 0;
  std::uint64_t cells[kMaxCells];
  int ncells = 0;
  /// The streams the producers of CuPy and torch arrays work on (their
  /// current streams), read once per launch; 0 when unread or the legacy one.
  std::uintptr_t cupyStream = 0, torchStream = 0;
  bool cupyRead = false, torchRead = false;
  /// Each array's span, for the disjointness test.
  compiler::ArrayFacts spans[kMaxArrays];
  int narrays = 0;

  void addSpan(std::uint64_t lo, std::uint64_t hi) {
    if (narrays < kMaxArrays)
      spans[narrays] = {0, lo, hi};
    ++narrays;
  }
  /// The key's end: disjointness, the coarsening the block allows, the
  /// device (or kCpuByte: targetByte).
  bool finish(int coarsen, char target) {
    if (keyLen + 3 > kMaxKey)
      return false;
    const bool apart = narrays <= kMaxArrays && compiler::disjoint(spans, narrays);
    key[keyLen++] = apart ? 'd' : 'o';
    key[keyLen++] = static_cast<char>(coarsen);
    key[keyLen++] = target;
    return true;
  }

  bool room(int keyBytes, int cellCount) const {
    return keyLen + keyBytes <= kMaxKey && ncells + cellCount <= kMaxCells;
  }
};

/// RAII for a new reference.
struct Ref {
  PyObject *p;
  explicit Ref(PyObject *o) : p(o) {}
  ~Ref() { Py_XDECREF(p); }
  explicit operator bool() const { return p != nullptr; }
};

bool readInts(PyObject *tuple, std::int64_t *out, int n) {
  if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != n)
    return false;
  for (int i = 0; i < n; ++i) {
    int overflow = 0;
    out[i] = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(tuple, i), &overflow);
    if (overflow || (out[i] == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return false;
    }
  }
  return true;
}

/// Appends an array given its parts; byte strides.
bool packArray(Packed &p, int code, std::uint64_t ptr, int ndim, const std::int64_t *shape,
               const std::int64_t *strides) {
  if (code < 0 || ndim > kMaxDims)
    return false;
  const std::int64_t itemsize = kItemsize[code];
  bool c = true, f = true;
  std::int64_t step = itemsize;
  for (int d = ndim - 1; d >= 0; --d)
    c = c && strides[d] == step, step *= shape[d];
  step = itemsize;
  for (int d = 0; d < ndim; ++d)
    f = f && strides[d] == step, step *= shape[d];
  const char layout = c ? 'C' : f ? 'F' : 'A';
  const int count = 1 + ndim + (layout == 'A' ? ndim : 0);
  if (!p.room(5, count))
    return false;
  const compiler::ArrayFacts facts = compiler::arrayFacts(ptr, ndim, shape, strides, static_cast<int>(itemsize), layout);
  p.addSpan(facts.lo, facts.hi);
  p.key[p.keyLen++] = 'A';
  p.key[p.keyLen++] = static_cast<char>(code);
  p.key[p.keyLen++] = static_cast<char>(ndim);
  p.key[p.keyLen++] = layout;
  p.key[p.keyLen++] = static_cast<char>(facts.bits);
  p.cells[p.ncells++] = ptr;
  for (int d = 0; d < ndim; ++d)
    p.cells[p.ncells++] = static_cast<std::uint64_t>(shape[d]);
  if (layout == 'A')
    for (int d = 0; d < ndim; ++d)
      p.cells[p.ncells++] = static_cast<std::uint64_t>(strides[d]);
  return true;
}

/// Calls a registered current-stream function: its handle as an int, or a
/// stream object whose `ptr` is (CuPy's get_current_stream, called with no
/// Python wrapper between); 0 (no wait) when it fails.
std::uintptr_t currentStream(PyObject *fn, PyObject *arg) {
  if (!fn)
    return 0;
  PyObject *result = arg ? PyObject_CallOneArg(fn, arg) : PyObject_CallNoArgs(fn);
  if (result && !PyLong_Check(result)) {
    PyObject *stream = result;
    result = PyObject_GetAttr(stream, name(kPtr));
    Py_DECREF(stream);
  }
  if (!result) {
    PyErr_Clear();
    return 0;
  }
  std::uintptr_t handle = PyLong_AsUnsignedLongLongMask(result);
  Py_DECREF(result);
  if (PyErr_Occurred())
    PyErr_Clear();
  return handle;
}

bool packCupy(Packed &p, PyObject *a) {
  // CuPy's interface names its current stream as the one to wait for.
  if (!p.cupyRead) {
    p.cupyStream = currentStream(registry().cupyStream, nullptr);
    p.cupyRead = true;
  }
  Ref data(PyObject_GetAttr(a, name(kData)));
  Ref ptr(data ? PyObject_GetAttr(data.p, name(kPtr)) : nullptr);
  Ref shape(PyObject_GetAttr(a, name(kShape)));
  Ref strides(PyObject_GetAttr(a, name(kStrides)));
  Ref dtype(PyObject_GetAttr(a, name(kDtype)));
  if (!ptr || !shape || !strides || !dtype || !PyTuple_Check(shape.p)) {
    PyErr_Clear();
    return false;
  }
  const int ndim = static_cast<int>(PyTuple_GET_SIZE(shape.p));
  std::int64_t dims[kMaxDims], steps[kMaxDims];
  if (ndim > kMaxDims || !readInts(shape.p, dims, ndim) || !readInts(strides.p, steps, ndim))
    return false;
  std::uint64_t address = PyLong_AsUnsignedLongLong(ptr.p);
  if (PyErr_Occurred()) {
    PyErr_Clear();
    return false;
  }
  return packArray(p, dtypeCode(dtype.p), address, ndim, dims, steps);
}

/// Our dtype code for a DLPack element type; -1 when kernels do not take it.
int dlpackCode(DLDataType t) {
  if (t.lanes != 1)
    return -1;
  switch (t.code) {
  case kDLBool: return t.bits == 8 ? 0 : -1;
  case kDLInt:
  case kDLUInt:
    switch (t.bits) {
    case 8: return t.code == kDLInt ? 1 : 2;
    case 16: return t.code == kDLInt ? 3 : 4;
    case 32: return t.code == kDLInt ? 5 : 6;
    case 64: return t.code == kDLInt ? 7 : 8;
    default: return -1;
    }
  case kDLFloat: return t.bits == 16 ? 9 : t.bits == 32 ? 10 : t.bits == 64 ? 11 : -1;
  case kDLComplex: return t.bits == 64 ? 12 : t.bits == 128 ? 13 : -1;
  case kDLBfloat: return t.bits == 16 ? 14 : -1;
  default: return -1;
  }
}

/// A torch CUDA tensor, read from the DLPack capsule of torch._C._to_dlpack:
/// one call that gives pointer, shape, strides, type and device, where the
/// tensor's own accessors take five (measured on the H100: 268 ns against
/// 444 ns). The capsule is never consumed, so its destructor gives the
/// tensor back.
bool packTorch(Packed &p, PyObject *t) {
  Registry &r = registry();
  if (!r.torchToDlpack)
    return false;
  if (!p.torchRead) {
    Ref device(PyLong_FromLong(runtime::currentDevice()));
    p.torchStream = currentStream(r.torchStream, device.p);
    p.torchRead = true;
  }
  Ref capsule(PyObject_CallOneArg(r.torchToDlpack, t));
  auto *managed = capsule ? static_cast<DLManagedTensor *>(PyCapsule_GetPointer(capsule.p, "dltensor")) : nullptr;
  if (!managed) {
    PyErr_Clear(); // CPU tensors, tensors that need grad, ...: the Python path says why
    return false;
  }
  const DLTensor &dl = managed->tensor;
  const int code = dlpackCode(dl.dtype);
  if (dl.device.deviceType != kDLCUDA || code < 0 || dl.ndim > kMaxDims)
    return false;
  std::int64_t steps[kMaxDims], step = 1;
  for (int d = dl.ndim - 1; d >= 0; --d) {
    steps[d] = (dl.strides ? dl.strides[d] : step) * kItemsize[code];
    step *= dl.shape[d];
  }
  const auto address = reinterpret_cast<std::uint64_t>(dl.data) + dl.byteOffset;
  return packArray(p, code, address, dl.ndim, dl.shape, steps);
}

/// A Python float ('f': a double cell).
bool packFloat(Packed &p, double d) {
  if (!p.room(1, 1))
    return false;
  p.key[p.keyLen++] = 'f';
  std::memcpy(&p.cells[p.ncells++], &d, 8);
  return true;
}

/// A Python complex ('c': two double cells).
bool packComplex(Packed &p, const Py_complex &z) {
  if (!p.room(1, 2))
    return false;
  p.key[p.keyLen++] = 'c';
  std::memcpy(&p.cells[p.ncells++], &z.real, 8);
  std::memcpy(&p.cells[p.ncells++], &z.imag, 8);
  return true;
}

/// A numpy scalar (np.float32(2.0), np.int32(7) ...), typed as the Python
/// path types it: np.bool_ is a bool; every other one is its own dtype, strong
/// as in NumPy 2 and numba (np.float64 and np.complex128 too, though they
/// subclass Python's float and complex), keyed 'n' and its code, its value's
/// bytes in the low bytes of its cell (of two cells, real and imaginary, for
/// complex64 and complex128), as the driver reads a parameter of that type.
bool packNumpyScalar(Packed &p, PyObject *arg, int code) {
  const int parts = code == 12 || code == 13 ? 2 : 1;
  if (!p.room(2, parts))
    return false;
  Py_buffer view;
  if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) != 0) {
    PyErr_Clear();
    return false;
  }
  const bool ok = view.len == kItemsize[code];
  if (ok) {
    const int partBytes = kItemsize[code] / parts;
    for (int i = 0; i < parts; ++i) {
      std::uint64_t cell = 0;
      std::memcpy(&cell, static_cast<const char *>(view.buf) + i * partBytes, static_cast<std::size_t>(partBytes));
      p.cells[p.ncells + i] = code == 0 ? cell != 0 : cell;
    }
  }
  PyBuffer_Release(&view);
  if (!ok)
    return false;
  p.ncells += parts;
  if (code == 0) { // np.bool_: a bool
    p.key[p.keyLen++] = 'b';
  } else {
    p.key[p.keyLen++] = 'n';
    p.key[p.keyLen++] = static_cast<char>(code);
  }
  return true;
}

/// Appends one argument; false when the fast path does not understand it.
bool packOne(Packed &p, PyObject *arg) {
  Registry &r = registry();
  PyTypeObject *type = Py_TYPE(arg);
  if (type == &PyFloat_Type)
    return packFloat(p, PyFloat_AS_DOUBLE(arg));
  if (type == &PyComplex_Type) // a Python complex: two double parameters
    return packComplex(p, PyComplex_AsCComplex(arg));
  if (type == &PyBool_Type) {
    if (!p.room(1, 1))
      return false;
    p.key[p.keyLen++] = 'b';
    p.cells[p.ncells++] = arg == Py_True;
    return true;
  }
  if (type == &PyLong_Type) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(arg, &overflow);
    if (overflow || !p.room(1, 1))
      return false;
    constexpr long long bound = 1ll << 62; // LaunchFacts::Bounded
    p.key[p.keyLen++] = v >= -bound && v < bound ? 'j' : 'i';
    p.cells[p.ncells++] = static_cast<std::uint64_t>(v);
    return true;
  }
  PyObject *t = reinterpret_cast<PyObject *>(type);
  if (r.deviceArrayType && (t == r.deviceArrayType ||
                            PyType_IsSubtype(type, reinterpret_cast<PyTypeObject *>(r.deviceArrayType)))) {
    // The slot is read at its offset, as its member descriptor would.
    PyObject *pf = r.pfOffset > 0 ? *reinterpret_cast<PyObject **>(reinterpret_cast<char *>(arg) + r.pfOffset)
                                  : nullptr;
    if (!pf || !PyBytes_Check(pf))
      return false;
    const Py_ssize_t size = PyBytes_GET_SIZE(pf);
    const int count = static_cast<int>((size - kPfHeader) / 8);
    if (size < kPfHeader || !p.room(5, count))
      return false;
    const char *bytes = PyBytes_AS_STRING(pf);
    std::memcpy(p.key + p.keyLen, bytes, 5);
    p.keyLen += 5;
    std::uint64_t span[2];
    std::memcpy(span, bytes + 8, 16);
    p.addSpan(span[0], span[1]);
    std::memcpy(p.cells + p.ncells, bytes + kPfHeader, static_cast<std::size_t>(count) * 8);
    p.ncells += count;
    return true;
  }
  for (const auto &[scalarType, code] : r.numpyScalars)
    if (type == scalarType)
      return packNumpyScalar(p, arg, code);
  if (r.cupyType && PyType_IsSubtype(type, reinterpret_cast<PyTypeObject *>(r.cupyType)))
    return packCupy(p, arg);
  if (r.torchType && PyType_IsSubtype(type, reinterpret_cast<PyTypeObject *>(r.torchType)))
    return packTorch(p, arg);
  return false;
}

/// How one launch argument's cells become its parameter's cells when a
/// kernel's declared signature differs from the arguments' own types (a
/// Python int for an int32 parameter, a C array for an A one). The result is
/// what the Python path's packing of the same value gives.
struct Conversion {
  enum Kind : std::uint8_t {
    Copy,         ///< the cells as they are (same type; an int narrowed keeps its low bytes)
    IntToBool,    ///< != 0
    IntToFloat,   ///< int64 -> the float type
    FloatToFloat, ///< double -> the float type
    FloatToBool,  ///< != 0.0
    ToComplex,    ///< a real (int64 or double) -> (re, 0) of the complex type's parts
    ComplexParts, ///< two doubles -> two parts of the complex type
    ArrayStrides, ///< a C or F array to an A parameter: pointer and shape, then derived strides
  } kind = Copy;
  std::uint8_t in = 1;       ///< cells read
  char from = 0;             ///< the argument's key letter ('i', 'f', 'b', 'c', or the array's layout)
  std::uint8_t ndim = 0;     ///< arrays
  std::uint8_t itemsize = 0; ///< arrays
  const frontend::ScalarType *to = nullptr;
};

/// Appends to `out` the cells of `in` converted by `c`; returns how many cells of `in` it read.
int convertCells(const Conversion &c, const std::uint64_t *in, std::uint64_t *out, int &n) {
  auto asDouble = [](std::uint64_t cell, char from) {
    if (from == 'f') {
      double d;
      std::memcpy(&d, &cell, 8);
      return d;
    }
    return static_cast<double>(static_cast<std::int64_t>(cell)); // 'i' and 'b'
  };
  switch (c.kind) {
  case Conversion::Copy:
    for (int i = 0; i < c.in; ++i)
      out[n++] = in[i];
    break;
  case Conversion::IntToBool: out[n++] = in[0] != 0; break;
  case Conversion::IntToFloat:
  case Conversion::FloatToFloat: out[n++] = floatCell(c.to, asDouble(in[0], c.from)); break;
  case Conversion::FloatToBool: out[n++] = asDouble(in[0], 'f') != 0.0; break;
  case Conversion::ToComplex: {
    const frontend::ScalarType *part = frontend::complexPart(c.to);
    out[n++] = floatCell(part, asDouble(in[0], c.from));
    out[n++] = floatCell(part, 0.0);
    break;
  }
  case Conversion::ComplexParts: {
    const frontend::ScalarType *part = frontend::complexPart(c.to);
    out[n++] = floatCell(part, asDouble(in[0], 'f'));
    out[n++] = floatCell(part, asDouble(in[1], 'f'));
    break;
  }
  case Conversion::ArrayStrides: {
    const int ndim = c.ndim;
    for (int i = 0; i <= ndim; ++i)
      out[n++] = in[i];
    std::int64_t strides[kMaxDims], step = c.itemsize;
    for (int k = 0; k < ndim; ++k) {
      const int d = c.from == 'C' ? ndim - 1 - k : k;
      strides[d] = step;
      step *= static_cast<std::int64_t>(in[1 + d]);
    }
    for (int d = 0; d < ndim; ++d)
      out[n++] = static_cast<std::uint64_t>(strides[d]);
    break;
  }
  }
  return c.in;
}

/// A launch configuration as kernel[...] parsed it (Dispatcher._configure).
struct LaunchShape {
  std::array<unsigned, 3> grid{1, 1, 1}, block{1, 1, 1};
  std::uintptr_t stream = 0;
  unsigned shared = 0;
  py::object streamObject; ///< as given: its producer's stream is read from it on a miss
  int coarsen = 1;         ///< the coarsening this shape allows (compiler::coarsenFor)
};

/// One loaded function per key, for one kernel.
class FastTable {
public:
  /// `mode`: 0 launches on the default target, 1 on the GPU, 2 on the CPU.
  FastTable(py::object miss, int mode) : miss_(std::move(miss)), mode_(mode) {}

  /// Remembers `kernel` for `key`: as it is when the key describes the
  /// kernel's parameter types exactly, or with the conversions that turn the
  /// key's arguments into its parameters (a kernel with declared signatures).
  /// False when neither holds (the Python path keeps serving the key).
  bool insert(py::bytes key, std::shared_ptr<LoadedKernel> kernel) {
    std::string k = key;
    std::vector<Conversion> plan;
    if (!describes(k, *kernel->artifacts) && !planFor(k, *kernel->artifacts, plan))
      return false;
    for (Entry &e : entries_)
      if (e.key == k) {
        e.kernel = std::move(kernel);
        e.plan = std::move(plan);
        return true;
      }
    entries_.push_back({std::move(k), std::move(kernel), std::move(plan)});
    return true;
  }

  /// The conversions from the arguments `key` spells to the kernel's
  /// parameters (a kernel with declared signatures); false when some argument
  /// does not convert on the fast path (the Python path decides), or when the
  /// launch facts the key spells lack one the kernel was specialised for (a
  /// launch that knows more may run a kernel that assumed less).
  static bool planFor(const std::string &key, const compiler::KernelArtifacts &a, std::vector<Conversion> &plan) {
    const bool cpu = a.cpu != nullptr; // its arrays in host memory ('H'), its key's last byte kCpuByte
    if (key.empty() || (key.back() == kCpuByte) != cpu)
      return false;
    const char array = cpu ? 'H' : 'A';
    const std::vector<const frontend::Type *> &params = a.params;
    std::size_t at = 0;
    int cellsOut = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const frontend::Type *t = params[i];
      if (at >= key.size())
        return false;
      const std::uint8_t facts = a.facts.of(i);
      Conversion c;
      char k = key[at];
      if (auto *s = frontend::dyn_cast<frontend::ScalarType>(t); s && !frontend::isa<frontend::RecordType>(t)) {
        if (k == 'A' || k == 'H')
          return false;
        if (k == 'n') { // a numpy scalar: of exactly the parameter's type, or the Python path converts
          if (s->weak || s->isBool() || facts || at + 2 > key.size() || key[at + 1] != dtypeCodeOf(s))
            return false;
          at += 2;
          c.kind = Conversion::Copy;
          c.in = s->isComplex() ? 2 : 1;
          cellsOut += c.in;
          plan.push_back(c);
          continue;
        }
        if ((facts & compiler::LaunchFacts::Bounded) && k != 'j')
          return false;
        if (k == 'j') // an int within the bound is an int
          k = 'i';
        ++at;
        c.from = k;
        c.to = s;
        c.in = k == 'c' ? 2 : 1;
        if (s->isComplex()) {
          c.kind = k == 'c' ? Conversion::ComplexParts : Conversion::ToComplex;
          cellsOut += 2;
        } else if (k == 'c') {
          return false; // complex never becomes real
        } else if (s->isBool()) {
          c.kind = k == 'f' ? Conversion::FloatToBool : k == 'b' ? Conversion::Copy : Conversion::IntToBool;
          ++cellsOut;
        } else if (s->isInt()) {
          if (k == 'f')
            return false; // the Python path says why (numba's launch refuses it too)
          c.kind = Conversion::Copy; // little-endian: the low bytes are the narrowed value
          ++cellsOut;
        } else if (s->isFloat()) {
          c.kind = k == 'f' ? Conversion::FloatToFloat : Conversion::IntToFloat;
          ++cellsOut;
        } else {
          return false;
        }
        plan.push_back(c);
        continue;
      }
      auto *arr = frontend::dyn_cast<frontend::ArrayType>(t);
      if (!arr || frontend::isa<frontend::RecordType>(arr->dtype) || at + 5 > key.size() || k != array ||
          key[at + 1] != dtypeCodeOf(arr->dtype) || key[at + 2] != arr->ndim)
        return false;
      const char layout = key[at + 3];
      const std::uint8_t known = static_cast<std::uint8_t>(key[at + 4]);
      const char want = arr->layout == frontend::Layout::C ? 'C' : arr->layout == frontend::Layout::F ? 'F' : 'A';
      at += 5;
      c.from = layout;
      c.ndim = static_cast<std::uint8_t>(arr->ndim);
      c.itemsize = static_cast<std::uint8_t>(kItemsize[static_cast<int>(dtypeCodeOf(arr->dtype))]);
      c.in = static_cast<std::uint8_t>(1 + arr->ndim + (layout == 'A' ? arr->ndim : 0));
      if (layout == want) {
        if ((known & facts) != facts)
          return false;
        c.kind = Conversion::Copy;
      } else if (want == 'A' && (facts & compiler::LaunchFacts::Aligned) == 0 && (known & facts) == facts) {
        // A C or F array passed as A keeps its span, so its size facts hold
        // as the key spells them; alignment as A also asks every stride to
        // be a multiple of 16, which the key does not tell: such a kernel
        // stays on the Python path.
        c.kind = Conversion::ArrayStrides;
      } else {
        return false;
      }
      cellsOut += 1 + arr->ndim + (want == 'A' ? arr->ndim : 0);
      plan.push_back(c);
    }
    // The key's end: disjointness, the coarsening the block allows, the device.
    if (at + 3 != key.size() || (a.facts.disjoint && key[at] != 'd'))
      return false;
    return (a.coarsen <= 1 || key[at + 1] % a.coarsen == 0) && cellsOut <= kMaxCells;
  }

  /// True when `key` spells exactly these types and the launch facts the
  /// kernel was specialised for (its LaunchFacts), so that the kernel is
  /// right for every launch with this key: arrays in device memory ('A') for
  /// the GPU, in host memory ('H') for the CPU. The CPU target compiles the
  /// general kernel, right whatever facts the key records.
  static bool describes(const std::string &key, const compiler::KernelArtifacts &a) {
    const std::vector<const frontend::Type *> &params = a.params;
    const bool cpu = a.cpu != nullptr;
    const char array = cpu ? 'H' : 'A';
    std::size_t at = 0;
    for (std::size_t i = 0; i < params.size(); ++i) {
      const frontend::Type *t = params[i];
      if (at >= key.size())
        return false;
      const std::uint8_t facts = a.facts.of(i);
      if (auto *s = frontend::dyn_cast<frontend::ScalarType>(t)) {
        if (!s->weak && !s->isBool() && !frontend::isa<frontend::RecordType>(t)) { // a numpy scalar
          if (facts || at + 2 > key.size() || key[at] != 'n' || key[at + 1] != dtypeCodeOf(s))
            return false;
          at += 2;
          continue;
        }
        char want = s->isBool() ? 'b' : !s->weak ? '?' : s->isInt() ? 'i' : s->isFloat() ? 'f' : 'c';
        if (want == 'i' && (facts & compiler::LaunchFacts::Bounded))
          want = 'j';
        const char got = key[at++];
        if (got != want && !(cpu && want == 'i' && got == 'j'))
          return false;
        continue;
      }
      auto *arr = frontend::dyn_cast<frontend::ArrayType>(t);
      if (arr && frontend::isa<frontend::RecordType>(arr->dtype))
        return false; // record arrays have no dtype code: the Python path serves them
      if (!arr || at + 5 > key.size() || key[at] != array || key[at + 1] != dtypeCodeOf(arr->dtype) ||
          key[at + 2] != arr->ndim ||
          key[at + 3] != (arr->layout == frontend::Layout::C ? 'C' : arr->layout == frontend::Layout::F ? 'F' : 'A') ||
          (!cpu && static_cast<std::uint8_t>(key[at + 4]) != facts))
        return false;
      at += 5;
    }
    if (at + 3 != key.size())
      return false;
    if (cpu)
      return key[at + 2] == kCpuByte;
    if (key[at] != (a.facts.disjoint ? 'd' : 'o') || key[at + 2] == kCpuByte)
      return false;
    // The coarsening applied divides the one the key allows (compiler/Abi.h).
    return a.coarsen <= 1 || key[at + 1] % a.coarsen == 0;
  }

  static int dtypeCodeOf(const frontend::ScalarType *s) {
    if (s->isBool())
      return 0;
    if (s->isBFloat16())
      return 14;
    if (s->isFloat())
      return s->bits == 16 ? 9 : s->bits == 32 ? 10 : 11;
    if (s->isComplex())
      return s->bits == 64 ? 12 : 13;
    const int base = s->bits == 8 ? 1 : s->bits == 16 ? 3 : s->bits == 32 ? 5 : 7;
    return base + (s->isSigned ? 0 : 1);
  }

  struct Entry {
    std::string key;
    std::shared_ptr<LoadedKernel> kernel;
    std::vector<Conversion> plan; ///< empty when the arguments are the parameters
  };

  const Entry *find(const char *key, int len) const {
    for (const Entry &e : entries_)
      if (e.key.size() == static_cast<std::size_t>(len) && std::memcmp(e.key.data(), key, len) == 0)
        return &e;
    return nullptr;
  }

  std::size_t size() const { return entries_.size(); }
  const py::object &miss() const { return miss_; }
  int mode() const { return mode_; }

  /// The shape remembered for a configuration equal to `config`, or null.
  const LaunchShape *findConfig(PyObject *config) const {
    for (const auto &[c, shape] : configs_)
      if (c.ptr() == config)
        return &shape;
    for (const auto &[c, shape] : configs_)
      if (sameConfig(c.ptr(), config))
        return &shape;
    return nullptr;
  }

  /// Remembers the shape of `config`. The shape holds no reference to the
  /// kernel or to this table, so the table never keeps itself alive.
  void rememberConfig(py::object config, const LaunchShape &shape) {
    if (configs_.size() >= kMaxConfigs)
      configs_.clear();
    configs_.emplace_back(std::move(config), shape);
  }

  /// Equal launch configurations, exactly: ints equal as ints (never a float
  /// equal to one), tuples item by item, anything else (a stream) identical.
  static bool sameConfig(PyObject *a, PyObject *b) {
    if (a == b)
      return true;
    if (Py_TYPE(a) != Py_TYPE(b))
      return false;
    if (PyLong_CheckExact(a))
      return PyObject_RichCompareBool(a, b, Py_EQ) == 1;
    if (!PyTuple_CheckExact(a) || PyTuple_GET_SIZE(a) != PyTuple_GET_SIZE(b))
      return false;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(a); ++i)
      if (!sameConfig(PyTuple_GET_ITEM(a, i), PyTuple_GET_ITEM(b, i)))
        return false;
    return true;
  }

private:
  static constexpr std::size_t kMaxConfigs = 64;
  std::vector<std::pair<py::object, LaunchShape>> configs_;
  std::vector<Entry> entries_;
  py::object miss_;
  int mode_;
};

/// kernel[grid, block, stream, shared]: a configuration bound to a kernel,
/// as a plain CPython object whose call is a vectorcall: the arguments
/// arrive as a C array, with no tuple, no bound method and no pybind11
/// argument conversion between Python's call and the packing (measured under
/// the fake driver, bench/launch_host_path.py: 365 ns a launch through a
/// pybind11 __call__, 128 ns this way). Made afresh by every kernel[...]
/// (one allocation); it keeps its kernel alive, the table's remembered
/// shapes do not.
struct BoundLaunchData {
  py::object tableObject; ///< keeps `table` alive (a reference count, not a shared_ptr's atomic one)
  FastTable *table;
  LaunchShape shape;
  py::object owner;     ///< the kernel
  py::object callbacks; ///< numba's pre_launch_callbacks: a list, made when first asked for
};

struct BoundLaunchObject {
  PyObject_HEAD
  vectorcallfunc vectorcall;
  alignas(BoundLaunchData) unsigned char storage[sizeof(BoundLaunchData)];
  BoundLaunchData &data() { return *std::launder(reinterpret_cast<BoundLaunchData *>(storage)); }
};

PyTypeObject gBoundLaunchType{PyVarObject_HEAD_INIT(nullptr, 0)};

/// The C++ exception of a failed launch, handed to a pybind11 function
/// that rethrows it, so that pybind11's translators (runtime errors ->
/// ptxforge's exception types) apply as on every other call.
PyObject *raiseTranslated(std::exception_ptr error) {
  static PyObject *rethrow = py::cpp_function([](py::capsule c) {
    std::rethrow_exception(*static_cast<std::exception_ptr *>(c.get_pointer()));
  }).release().ptr();
  py::capsule holder(&error, "ptxforge.exception");
  PyObject *result = PyObject_CallOneArg(rethrow, holder.ptr());
  Py_XDECREF(result);
  if (!PyErr_Occurred())
    PyErr_SetString(PyExc_RuntimeError, "a launch failed with an unknown C++ exception");
  return nullptr;
}

/// The miss: the dispatcher's Python path, which may add the key. `self`, the
/// configuration, goes with it when it has pre-launch callbacks to run.
PyObject *launchMiss(BoundLaunchData &b, PyObject *const *args, Py_ssize_t n, const Packed *p,
                     PyObject *self = nullptr) {
  PyObject *tuple = PyTuple_New(n);
  if (!tuple)
    return nullptr;
  for (Py_ssize_t i = 0; i < n; ++i)
    PyTuple_SET_ITEM(tuple, i, Py_NewRef(args[i]));
  try {
    py::object key = p ? py::object(py::bytes(p->key, p->keyLen)) : py::object(py::none());
    const auto &g = b.shape.grid, &k = b.shape.block;
    py::object grid = py::make_tuple(g[0], g[1], g[2]), block = py::make_tuple(k[0], k[1], k[2]);
    py::object result = self ? b.table->miss()(grid, block, b.shape.streamObject, b.shape.shared,
                                               py::reinterpret_steal<py::tuple>(tuple), py::none(),
                                               py::reinterpret_borrow<py::object>(self))
                             : b.table->miss()(grid, block, b.shape.streamObject, b.shape.shared,
                                               py::reinterpret_steal<py::tuple>(tuple), key);
    return result.release().ptr();
  } catch (py::error_already_set &e) {
    e.restore();
    return nullptr;
  } catch (...) {
    return raiseTranslated(std::current_exception());
  }
}

PyObject *boundLaunchCall(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames) {
  BoundLaunchData &b = reinterpret_cast<BoundLaunchObject *>(self)->data();
  const Py_ssize_t n = PyVectorcall_NARGS(nargsf);
  if (kwnames && PyTuple_GET_SIZE(kwnames)) {
    PyErr_SetString(PyExc_TypeError,
                    "a kernel launch takes positional arguments only: kernel[blocks, threads](a, b, ...)");
    return nullptr;
  }
  if (b.callbacks && PyList_GET_SIZE(b.callbacks.ptr()) > 0) // numba's pre-launch callbacks: the Python path
    return launchMiss(b, args, n, nullptr, self);
  Packed p;
  bool understood = true;
  for (Py_ssize_t i = 0; i < n && understood; ++i)
    understood = packOne(p, args[i]);
  if (!understood || !p.finish(b.shape.coarsen, targetByte(b.table->mode())))
    return launchMiss(b, args, n, understood ? &p : nullptr);
  const FastTable::Entry *e = b.table->find(p.key, p.keyLen);
  if (!e)
    return launchMiss(b, args, n, &p);
  const LoadedKernel *k = e->kernel.get();
  std::uint64_t converted[kMaxCells];
  std::uint64_t *cells = p.cells;
  int ncells = p.ncells;
  if (!e->plan.empty()) { // a declared signature: the arguments converted to its parameters
    int read = 0;
    ncells = 0;
    for (const Conversion &c : e->plan)
      read += convertCells(c, p.cells + read, converted, ncells);
    cells = converted;
  }
  void *params[kMaxCells];
  for (int i = 0; i < ncells; ++i)
    params[i] = &cells[i];
  if (k->artifacts->cpu) {
    // The CPU launch runs with the GIL released: the kernel is held here, since
    // another thread may replace the table's entry meanwhile.
    std::shared_ptr<LoadedKernel> hold = e->kernel;
    try {
      launchCpu(*hold->artifacts->cpu, b.shape.grid, b.shape.block, b.shape.shared, params);
    } catch (...) {
      return raiseTranslated(std::current_exception());
    }
    Py_RETURN_NONE;
  }
  runtime::LaunchConfig cfg;
  std::memcpy(cfg.grid, b.shape.grid.data(), sizeof cfg.grid);
  std::memcpy(cfg.block, b.shape.block.data(), sizeof cfg.block);
  cfg.block[0] /= compiler::blockCoarsen(static_cast<int>(k->coarsen)); // the key says the shape allows it
  cfg.grid[0] /= compiler::gridCoarsen(static_cast<int>(k->coarsen));
  cfg.sharedBytes = b.shape.shared;
  cfg.stream = reinterpret_cast<void *>(b.shape.stream);
  try {
    // Producers working on a stream of their own are waited for, on the device.
    for (std::uintptr_t producer : {p.cupyStream, p.torchStream})
      if (producer > 2 && producer != b.shape.stream)
        runtime::streamWaitStream(cfg.stream, reinterpret_cast<void *>(producer));
    runtime::launch(k->function, cfg, params);
  } catch (...) {
    return raiseTranslated(std::current_exception());
  }
  Py_RETURN_NONE;
}

PyTypeObject *gFastTableType = nullptr;

/// The FastTable a _core.FastTable object holds: read from pybind11's
/// instance directly (a registered class with one C++ type keeps the value
/// pointer in its simple layout), else through a cast.
FastTable *tableOf(PyObject *obj) {
  if (Py_TYPE(obj) == gFastTableType) {
    auto *inst = reinterpret_cast<py::detail::instance *>(obj);
    if (inst->simple_layout && inst->simple_value_holder[0])
      return static_cast<FastTable *>(inst->simple_value_holder[0]);
  }
  return &py::cast<FastTable &>(py::handle(obj));
}

PyObject *newBoundLaunch(PyObject *tableObject, FastTable *table, const LaunchShape &shape, py::object owner) {
  auto *obj = PyObject_GC_New(BoundLaunchObject, &gBoundLaunchType);
  if (!obj)
    throw py::error_already_set();
  obj->vectorcall = boundLaunchCall;
  new (obj->storage) BoundLaunchData{py::reinterpret_borrow<py::object>(tableObject), table, shape, std::move(owner)};
  PyObject_GC_Track(obj);
  return reinterpret_cast<PyObject *>(obj);
}

BoundLaunchData &boundData(py::handle h) {
  if (!PyObject_TypeCheck(h.ptr(), &gBoundLaunchType))
    throw py::type_error("expected a _core.BoundLaunch");
  return reinterpret_cast<BoundLaunchObject *>(h.ptr())->data();
}

int boundTraverse(PyObject *self, visitproc visit, void *arg) {
  BoundLaunchData &b = reinterpret_cast<BoundLaunchObject *>(self)->data();
  Py_VISIT(b.owner.ptr());
  Py_VISIT(b.shape.streamObject.ptr());
  Py_VISIT(b.callbacks.ptr());
  return 0;
}

int boundClear(PyObject *self) {
  BoundLaunchData &b = reinterpret_cast<BoundLaunchObject *>(self)->data();
  py::object owner = std::move(b.owner), stream = std::move(b.shape.streamObject), callbacks = std::move(b.callbacks);
  b.owner = py::none();
  b.shape.streamObject = py::none();
  return 0;
}

void boundDealloc(PyObject *self) {
  PyObject_GC_UnTrack(self);
  reinterpret_cast<BoundLaunchObject *>(self)->data().~BoundLaunchData();
  PyObject_GC_Del(self);
}

PyObject *boundGrid(PyObject *self, void *) {
  const auto &g = reinterpret_cast<BoundLaunchObject *>(self)->data().shape.grid;
  return Py_BuildValue("(III)", g[0], g[1], g[2]);
}
PyObject *boundBlock(PyObject *self, void *) {
  const auto &g = reinterpret_cast<BoundLaunchObject *>(self)->data().shape.block;
  return Py_BuildValue("(III)", g[0], g[1], g[2]);
}
PyObject *boundStream(PyObject *self, void *) {
  return Py_NewRef(reinterpret_cast<BoundLaunchObject *>(self)->data().shape.streamObject.ptr());
}
PyObject *boundShared(PyObject *self, void *) {
  return PyLong_FromUnsignedLong(reinterpret_cast<BoundLaunchObject *>(self)->data().shape.shared);
}

PyObject *boundCallbacks(PyObject *self, void *) {
  BoundLaunchData &b = reinterpret_cast<BoundLaunchObject *>(self)->data();
  if (!b.callbacks) {
    PyObject *list = PyList_New(0);
    if (!list)
      return nullptr;
    b.callbacks = py::reinterpret_steal<py::object>(list);
  }
  return Py_NewRef(b.callbacks.ptr());
}

/// pickle: rebuilt as kernel[griddim, blockdim, stream, sharedmem] (ptxforge.dispatcher._rebuild_launch).
PyObject *boundReduce(PyObject *self, PyObject *) {
  BoundLaunchData &b = reinterpret_cast<BoundLaunchObject *>(self)->data();
  try {
    py::object rebuild = py::module_::import("ptxforge.dispatcher").attr("_reduce_launch");
    return rebuild(py::reinterpret_borrow<py::object>(self), b.owner, b.callbacks ? b.callbacks : py::none())
        .release()
        .ptr();
  } catch (py::error_already_set &e) {
    e.restore();
    return nullptr;
  }
}

PyMethodDef gBoundMethods[] = {
    {"__reduce__", boundReduce, METH_NOARGS, "Pickles the kernel and this configuration."},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef gBoundGetSet[] = {
    {"pre_launch_callbacks", boundCallbacks, nullptr,
     "numba's callbacks run before each launch of this configuration, with (kernel, configuration).", nullptr},
    {"griddim", boundGrid, nullptr, "The grid, as (x, y, z).", nullptr},
    {"blockdim", boundBlock, nullptr, "The block, as (x, y, z).", nullptr},
    {"stream", boundStream, nullptr, "The stream, as given.", nullptr},
    {"sharedmem", boundShared, nullptr, "Dynamic shared memory in bytes.", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

void readyBoundLaunchType() {
  PyTypeObject &t = gBoundLaunchType;
  t.tp_name = "ptxforge._core.BoundLaunch";
  t.tp_doc = "kernel[blocks, threads, stream, shared_bytes]: a launch configuration; calling it launches.";
  t.tp_basicsize = sizeof(BoundLaunchObject);
  t.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL;
  t.tp_vectorcall_offset = offsetof(BoundLaunchObject, vectorcall);
  t.tp_call = PyVectorcall_Call;
  t.tp_traverse = boundTraverse;
  t.tp_clear = boundClear;
  t.tp_dealloc = boundDealloc;
  t.tp_getset = gBoundGetSet;
  t.tp_methods = gBoundMethods;
  if (PyType_Ready(&t) < 0)
    throw py::error_already_set();
}

/// Dispatcher.__getitem__: a configuration seen before is answered here;
/// others go to Dispatcher._configure, which parses, checks and remembers.
/// A method descriptor (of `object`, so that any class may hold it), which
/// Python's subscript calls directly, with no bound method made.
PyObject *dispatcherGetitem(PyObject *self, PyObject *config) {
  static PyObject *fastName = PyUnicode_InternFromString("_fast");
  static PyObject *configureName = PyUnicode_InternFromString("_configure");
  PyObject *table = PyObject_GetAttr(self, fastName);
  if (!table)
    return nullptr;
  py::object owned = py::reinterpret_steal<py::object>(table);
  if (table != Py_None) {
    try {
      if (const LaunchShape *shape = tableOf(table)->findConfig(config))
        return newBoundLaunch(table, tableOf(table), *shape, py::reinterpret_borrow<py::object>(self));
    } catch (py::error_already_set &e) {
      e.restore();
      return nullptr;
    } catch (...) {
      return raiseTranslated(std::current_exception());
    }
  }
  return PyObject_CallMethodOneArg(self, configureName, config);
}

PyMethodDef gGetitemDef = {"__getitem__", reinterpret_cast<PyCFunction>(dispatcherGetitem), METH_O,
                           "kernel[blocks, threads, stream, shared_bytes]: the launch configuration to call."};

/// The key `args` would have in a launch with blocks of `block` threads
/// (from a table of this `mode`: FastTable's), or None where the fast path
/// cannot take them.
py::object keyOf(const py::args &args, const py::kwargs &kwargs) {
  std::array<unsigned, 3> block{1, 1, 1}, grid{1, 1, 1};
  if (kwargs.contains("block"))
    block = kwargs["block"].cast<std::array<unsigned, 3>>();
  if (kwargs.contains("grid"))
    grid = kwargs["grid"].cast<std::array<unsigned, 3>>();
  const int mode = kwargs.contains("mode") ? kwargs["mode"].cast<int>() : 0;
  Packed p;
  for (py::handle a : args)
    if (!packOne(p, a.ptr()))
      return py::none();
  if (!p.finish(compiler::coarsenFor(block[0], block[1], block[2], grid[0]), targetByte(mode)))
    return py::none();
  return py::bytes(p.key, p.keyLen);
}

void setRef(PyObject *&slot, py::handle value) {
  PyObject *old = slot;
  slot = value.is_none() ? nullptr : value.inc_ref().ptr();
  Py_XDECREF(old);
}

} // namespace

void defineFastLaunch(py::module_ &m) {
  py::class_<FastTable, std::shared_ptr<FastTable>> fastTable(m, "FastTable");
  gFastTableType = reinterpret_cast<PyTypeObject *>(fastTable.ptr());
  fastTable
      .def(py::init<py::object, int>(), py::arg("miss"), py::arg("mode") = 0)
      .def("insert", &FastTable::insert, py::arg("key"), py::arg("kernel"))
      .def("__len__", &FastTable::size)
      .def("remember_config",
           [](FastTable &t, py::object config, py::handle bound) {
             t.rememberConfig(std::move(config), boundData(bound).shape);
           },
           py::arg("config"), py::arg("bound"))
      .def("bind",
           [](py::handle self, std::array<unsigned, 3> grid, std::array<unsigned, 3> block,
              std::uintptr_t stream, unsigned shared, py::object streamObject, py::object owner) {
             LaunchShape shape{grid, block, stream, shared, std::move(streamObject),
                               compiler::coarsenFor(block[0], block[1], block[2], grid[0])};
             return py::reinterpret_steal<py::object>(
                 newBoundLaunch(self.ptr(), tableOf(self.ptr()), shape, std::move(owner)));
           },
           py::arg("grid"), py::arg("block"), py::arg("stream"), py::arg("shared"), py::arg("stream_object"),
           py::arg("owner") = py::none());
  readyBoundLaunchType();
  m.add_object("BoundLaunch", py::handle(reinterpret_cast<PyObject *>(&gBoundLaunchType)).inc_ref());
  m.attr("dispatcher_getitem") =
      py::reinterpret_steal<py::object>(PyDescr_NewMethod(&PyBaseObject_Type, &gGetitemDef));
  m.def("set_default_target", [](bool cpu) { gDefaultCpu = cpu; },
        "Tells the fast path whether kernels without a target of their own run on the CPU.");
  m.def(
      "fast_key_fits",
      [](py::bytes key, const std::shared_ptr<compiler::KernelArtifacts> &a) {
        return FastTable::describes(std::string(key), *a);
      },
      py::arg("key"), py::arg("artifacts"),
      "True when the fast path may launch these artifacts for this key (its types and launch facts).");
  m.def("fast_key", &keyOf,
        "The fast path's key for these launch arguments (block=(x, y, z) for the launch's block, mode=0, 1 or 2 "
        "for the default target, the GPU or the CPU), or None.");
  m.def(
      "fast_register",
      [](py::object deviceArrayType, py::object cupyType, py::object torchType, py::object dtypeCode,
         py::object cupyStream, py::object torchStream, py::object torchToDlpack, py::object numpyScalars) {
        Registry &r = registry();
        if (!numpyScalars.is_none())
          for (py::handle item : numpyScalars) {
            auto pair = item.cast<py::tuple>();
            py::object type = pair[0];
            const int code = pair[1].cast<int>();
            if (!PyType_Check(type.ptr()) || code < 0 || code > 13)
              throw py::value_error("numpy_scalars takes (type, dtype code 0-13) pairs");
            r.numpyScalars.emplace_back(reinterpret_cast<PyTypeObject *>(type.release().ptr()), code);
          }
        if (!deviceArrayType.is_none()) {
          py::object slot = deviceArrayType.attr("__dict__")["_pf"];
          if (Py_TYPE(slot.ptr()) != &PyMemberDescr_Type)
            throw py::type_error("the device array type must keep _pf in __slots__");
          r.pfOffset = reinterpret_cast<PyMemberDescrObject *>(slot.ptr())->d_member->offset;
          setRef(r.deviceArrayType, deviceArrayType);
        }
        if (!cupyType.is_none())
          setRef(r.cupyType, cupyType);
        if (!torchType.is_none())
          setRef(r.torchType, torchType);
        if (!dtypeCode.is_none())
          setRef(r.dtypeCode, dtypeCode);
        if (!cupyStream.is_none())
          setRef(r.cupyStream, cupyStream);
        if (!torchStream.is_none())
          setRef(r.torchStream, torchStream);
        if (!torchToDlpack.is_none())
          setRef(r.torchToDlpack, torchToDlpack);
      },
      py::arg("device_array_type") = py::none(), py::arg("cupy_type") = py::none(),
      py::arg("torch_type") = py::none(), py::arg("dtype_code") = py::none(), py::arg("cupy_stream") = py::none(),
      py::arg("torch_stream") = py::none(), py::arg("torch_to_dlpack") = py::none(),
      py::arg("numpy_scalars") = py::none());
}

} // namespace ptxforge::bindings
