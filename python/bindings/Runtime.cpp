//===- python/bindings/Runtime.cpp - Streams, events, graphs, memory ------===//
//
// The runtime's handles as Python objects (_core.Stream, Event, Graph,
// DeviceMemory, HostMemory), copies between buffers and device pointers, and
// DLPack capsules in both directions. The numba-cuda-style API over these is
// python/ptxforge/_runtime.py and devicearray.py. Calls that may wait release
// the GIL.
//
//===----------------------------------------------------------------------===//

#include "python/bindings/DLPack.h"
#include "python/bindings/Launch.h"

#include "runtime/Driver.h"
#include "runtime/Memory.h"
#include "runtime/Stream.h"

#include <pybind11/stl.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace py = pybind11;

namespace ptxforge::bindings {

namespace {

void *asStream(std::uintptr_t handle) { return reinterpret_cast<void *>(handle); }


/// What an exported tensor owns: its shape and strides, and a reference to
/// the Python object that keeps the memory alive.
struct ExportContext {
  std::vector<std::int64_t> shape, strides;
  PyObject *owner;
};

template <typename Managed> void deleteManaged(Managed *m) {
  auto *ctx = static_cast<ExportContext *>(m->managerContext);
  {
    py::gil_scoped_acquire gil;
    Py_XDECREF(ctx->owner);
  }
  delete ctx;
  delete m;
}

/// A capsule never consumed is deleted with it; a consumed one was renamed.
template <typename Managed> void capsuleDestructor(PyObject *capsule) {
  const char *name = std::is_same_v<Managed, DLManagedTensor> ? "dltensor" : "dltensor_versioned";
  if (!PyCapsule_IsValid(capsule, name))
    return;
  auto *m = static_cast<Managed *>(PyCapsule_GetPointer(capsule, name));
  if (m && m->deleter)
    m->deleter(m);
}

DLDataType dlType(const std::string &kind, int itemsize) {
  DLDataType t{0, static_cast<std::uint8_t>(itemsize * 8), 1};
  if (kind == "b")
    t.code = 6, t.bits = 8;
  else if (kind == "u")
    t.code = 1;
  else if (kind == "f")
    t.code = 2;
  else if (kind == "c")
    t.code = 5;
  else if (kind != "i")
    throw py::type_error("dtype kind '" + kind + "' has no DLPack type here");
  return t;
}

void fillTensor(DLTensor &t, ExportContext &ctx, std::uint64_t ptr, int device, const std::string &kind,
                int itemsize) {
  t.data = reinterpret_cast<void *>(ptr);
  t.device = {device < 0 ? kDLCPU : kDLCUDA, device < 0 ? 0 : device};
  t.ndim = static_cast<std::int32_t>(ctx.shape.size());
  t.dtype = dlType(kind, itemsize);
  t.shape = ctx.shape.data();
  t.strides = ctx.strides.data();
  t.byteOffset = 0;
}

/// A DLPack capsule over device memory (host memory for `device` -1);
/// `strides` are in bytes.
py::object dlpackExport(std::uint64_t ptr, const std::vector<std::int64_t> &shape,
                        const std::vector<std::int64_t> &strides, const std::string &kind, int itemsize, int device,
                        py::object owner, bool versioned) {
  auto ctx = std::make_unique<ExportContext>();
  ctx->shape = shape;
  for (std::int64_t s : strides) {
    if (s % itemsize)
      throw py::value_error("DLPack needs strides that are whole elements");
    ctx->strides.push_back(s / itemsize);
  }
  ctx->owner = owner.release().ptr();
  if (versioned) {
    auto m = std::make_unique<DLManagedTensorVersioned>();
    m->version = {1, 0};
    m->flags = 0;
    fillTensor(m->tensor, *ctx, ptr, device, kind, itemsize);
    m->managerContext = ctx.release();
    m->deleter = deleteManaged<DLManagedTensorVersioned>;
    PyObject *capsule = PyCapsule_New(m.get(), "dltensor_versioned", capsuleDestructor<DLManagedTensorVersioned>);
    if (!capsule)
      throw py::error_already_set();
    m.release();
    return py::reinterpret_steal<py::object>(capsule);
  }
  auto m = std::make_unique<DLManagedTensor>();
  fillTensor(m->tensor, *ctx, ptr, device, kind, itemsize);
  m->managerContext = ctx.release();
  m->deleter = deleteManaged<DLManagedTensor>;
  PyObject *capsule = PyCapsule_New(m.get(), "dltensor", capsuleDestructor<DLManagedTensor>);
  if (!capsule)
    throw py::error_already_set();
  m.release();
  return py::reinterpret_steal<py::object>(capsule);
}

/// Owns a consumed DLPack tensor; calls the producer's deleter when dropped.
struct DlpackHolder {
  void *managed = nullptr;
  bool versioned = false;
  DlpackHolder() = default;
  DlpackHolder(const DlpackHolder &) = delete;
  ~DlpackHolder() {
    if (!managed)
      return;
    if (versioned) {
      auto *m = static_cast<DLManagedTensorVersioned *>(managed);
      if (m->deleter)
        m->deleter(m);
    } else {
      auto *m = static_cast<DLManagedTensor *>(managed);
      if (m->deleter)
        m->deleter(m);
    }
  }
};

/// Takes a DLPack capsule: (holder, data pointer, shape, byte strides or None,
/// dtype string, (device type, device id)).
py::tuple dlpackImport(py::capsule capsule) {
  PyObject *c = capsule.ptr();
  auto holder = std::make_shared<DlpackHolder>();
  const DLTensor *t = nullptr;
  if (PyCapsule_IsValid(c, "dltensor_versioned")) {
    auto *m = static_cast<DLManagedTensorVersioned *>(PyCapsule_GetPointer(c, "dltensor_versioned"));
    if (m->version.major > 1)
      throw py::buffer_error("DLPack version " + std::to_string(m->version.major) + " is newer than 1.x");
    holder->managed = m, holder->versioned = true, t = &m->tensor;
    PyCapsule_SetName(c, "used_dltensor_versioned");
  } else if (PyCapsule_IsValid(c, "dltensor")) {
    auto *m = static_cast<DLManagedTensor *>(PyCapsule_GetPointer(c, "dltensor"));
    holder->managed = m, t = &m->tensor;
    PyCapsule_SetName(c, "used_dltensor");
  } else {
    throw py::type_error("not a DLPack capsule, or one already consumed");
  }
  // The capsule's destructor now leaves the tensor to the holder.
  const char *names[] = {"int", "uint", "float", nullptr, "bfloat", "complex", "bool"};
  if (t->dtype.lanes != 1 || t->dtype.code > 6 || !names[t->dtype.code])
    throw py::type_error("DLPack dtype code " + std::to_string(t->dtype.code) + " with " +
                         std::to_string(t->dtype.lanes) + " lanes is not supported");
  std::string dtype = t->dtype.code == 6 ? "bool" : names[t->dtype.code] + std::to_string(t->dtype.bits);
  const int itemsize = t->dtype.code == 6 ? 1 : t->dtype.bits / 8;
  py::tuple shape(t->ndim);
  for (int d = 0; d < t->ndim; ++d)
    shape[d] = t->shape[d];
  py::object strides = py::none();
  if (t->strides) {
    py::tuple s(t->ndim);
    for (int d = 0; d < t->ndim; ++d)
      s[d] = t->strides[d] * itemsize;
    strides = s;
  }
  std::uint64_t ptr = reinterpret_cast<std::uint64_t>(t->data) + t->byteOffset;
  return py::make_tuple(py::cast(holder), ptr, shape, strides, dtype,
                        py::make_tuple(t->device.deviceType, t->device.deviceId));
}

/// One device allocation (the C++ DeviceBuffer is bound as _core.DeviceBuffer
/// already, for the numpy auto-transfer path).
struct DeviceMemory {
  runtime::DeviceBuffer buffer;
  DeviceMemory(std::size_t bytes, void *stream) : buffer(bytes, stream) {}
};

/// Host memory standing for device memory (the CPU target's device arrays):
/// 64-byte aligned, readable through the buffer protocol.
class HostAllocation {
public:
  explicit HostAllocation(std::size_t bytes) : size_(bytes) {
    raw_ = std::malloc(bytes + 64);
    if (!raw_)
      throw std::bad_alloc();
    data_ = reinterpret_cast<char *>((reinterpret_cast<std::uintptr_t>(raw_) + 63) / 64 * 64);
  }
  HostAllocation(const HostAllocation &) = delete;
  ~HostAllocation() { std::free(raw_); }
  std::uintptr_t ptr() const { return reinterpret_cast<std::uintptr_t>(data_); }
  char *data() const { return data_; }
  std::size_t size() const { return size_; }

private:
  void *raw_;
  char *data_;
  std::size_t size_;
};

/// A contiguous host buffer of an object (buffer protocol), released on scope exit.
class HostView {
public:
  HostView(py::handle obj, bool writable) {
    int flags = PyBUF_ANY_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj.ptr(), &view_, flags) != 0)
      throw py::error_already_set();
  }
  ~HostView() { PyBuffer_Release(&view_); }
  void *data() const { return view_.buf; }
  std::size_t size() const { return static_cast<std::size_t>(view_.len); }

private:
  Py_buffer view_;
};

void checkSize(std::size_t have, std::size_t need, const char *what) {
  if (have < need)
    throw py::value_error(std::string(what) + " has " + std::to_string(have) + " bytes, " + std::to_string(need) +
                          " needed");
}

} // namespace

void defineRuntime(py::module_ &m) {
  py::class_<runtime::Stream>(m, "Stream")
      .def(py::init<bool>(), py::arg("non_blocking") = false)
      .def_property_readonly("handle", [](const runtime::Stream &s) { return reinterpret_cast<std::uintptr_t>(s.handle()); })
      .def_property_readonly("device", &runtime::Stream::device)
      .def("synchronize", &runtime::Stream::synchronize, py::call_guard<bindings::GilRelease>())
      .def("query", &runtime::Stream::query);
  m.def("stream_synchronize", [](std::uintptr_t s) { runtime::synchronizeStream(asStream(s)); },
        py::call_guard<bindings::GilRelease>());
  m.def("stream_wait_stream",
        [](std::uintptr_t consumer, std::uintptr_t producer) {
          runtime::streamWaitStream(asStream(consumer), asStream(producer));
        });

  py::class_<runtime::Event>(m, "Event")
      .def(py::init<bool>(), py::arg("timing") = true)
      .def_property_readonly("handle", [](const runtime::Event &e) { return reinterpret_cast<std::uintptr_t>(e.handle()); })
      .def("record", [](runtime::Event &e, std::uintptr_t s) { e.record(asStream(s)); })
      .def("synchronize", &runtime::Event::synchronize, py::call_guard<bindings::GilRelease>())
      .def("query", &runtime::Event::query)
      .def("wait", [](const runtime::Event &e, std::uintptr_t s) { e.waitOn(asStream(s)); });
  m.def("event_elapsed_time", &runtime::Event::elapsedMs);
  m.def("last_launched_kernel", &runtime::lastLaunchedKernel, py::arg("device"),
        "The name of the last kernel launched on `device` in this process ('' when none was).");

  py::class_<runtime::Graph>(m, "Graph")
      .def("launch", [](const runtime::Graph &g, std::uintptr_t s) { g.launch(asStream(s)); })
      .def_property_readonly("node_count", &runtime::Graph::nodeCount);
  m.def("begin_capture", [](std::uintptr_t s) { runtime::Graph::beginCapture(asStream(s)); });
  m.def("end_capture", [](std::uintptr_t s) { return runtime::Graph::endCapture(asStream(s)); });
  m.def("capturing", &runtime::Graph::capturing, "True while a graph capture started here is in progress.");

  py::class_<DeviceMemory, std::shared_ptr<DeviceMemory>>(m, "DeviceMemory")
      .def(py::init([](std::size_t nbytes, std::uintptr_t stream) {
             bindings::GilRelease release;
             return std::make_shared<DeviceMemory>(nbytes, asStream(stream));
           }),
           py::arg("nbytes"), py::arg("stream") = 0)
      .def_property_readonly("ptr", [](const DeviceMemory &d) { return d.buffer.devicePointer(); })
      // numba's MemoryPointer names for the same address
      .def_property_readonly("device_pointer", [](const DeviceMemory &d) { return d.buffer.devicePointer(); })
      .def_property_readonly("device_pointer_value", [](const DeviceMemory &d) { return d.buffer.devicePointer(); })
      .def_property_readonly("nbytes", [](const DeviceMemory &d) { return d.buffer.size(); })
      .def_property_readonly("device", [](const DeviceMemory &d) { return d.buffer.device(); });
  m.def("live_allocations", &runtime::liveAllocations);

  py::class_<runtime::HostBuffer, std::shared_ptr<runtime::HostBuffer>>(m, "HostMemory", py::buffer_protocol())
      .def(py::init([](std::size_t nbytes, bool mapped, bool portable, bool wc) {
             return std::make_shared<runtime::HostBuffer>(nbytes, mapped, portable, wc);
           }),
           py::arg("nbytes"), py::arg("mapped") = false, py::arg("portable") = true, py::arg("wc") = false)
      .def_property_readonly("ptr", [](const runtime::HostBuffer &h) { return reinterpret_cast<std::uintptr_t>(h.data()); })
      .def_property_readonly("device_ptr", &runtime::HostBuffer::devicePointer)
      .def_property_readonly("nbytes", &runtime::HostBuffer::size)
      .def_buffer([](runtime::HostBuffer &h) {
        return py::buffer_info(h.data(), 1, "B", 1, {static_cast<py::ssize_t>(h.size())}, {1});
      });

  py::class_<runtime::ManagedBuffer, std::shared_ptr<runtime::ManagedBuffer>>(m, "ManagedMemory",
                                                                               py::buffer_protocol())
      .def(py::init([](std::size_t nbytes, bool attachGlobal) {
             return std::make_shared<runtime::ManagedBuffer>(nbytes, attachGlobal);
           }),
           py::arg("nbytes"), py::arg("attach_global") = true)
      .def_property_readonly("ptr", &runtime::ManagedBuffer::pointer)
      .def_property_readonly("device_ptr", &runtime::ManagedBuffer::pointer)
      .def_property_readonly("nbytes", &runtime::ManagedBuffer::size)
      .def_buffer([](runtime::ManagedBuffer &h) {
        return py::buffer_info(reinterpret_cast<void *>(h.pointer()), 1, "B", 1,
                               {static_cast<py::ssize_t>(h.size())}, {1});
      });

  // Copies: device addresses are ints; host sides are contiguous buffers.
  m.def("copy_htod", [](std::uint64_t dst, py::handle src, std::size_t nbytes, std::uintptr_t stream) {
    HostView view(src, false);
    checkSize(view.size(), nbytes, "the source");
    bindings::GilRelease release;
    runtime::copyHostToDevice(dst, view.data(), nbytes, asStream(stream));
  });
  m.def("copy_dtoh", [](py::handle dst, std::uint64_t src, std::size_t nbytes, std::uintptr_t stream) {
    HostView view(dst, true);
    checkSize(view.size(), nbytes, "the destination");
    bindings::GilRelease release;
    runtime::copyDeviceToHost(view.data(), src, nbytes, asStream(stream));
  });
  m.def("host_readable", [](std::uint64_t ptr) { return runtime::hostReadable(ptr); }, py::arg("ptr"));
  m.def("copy_dtod", [](std::uint64_t dst, std::uint64_t src, std::size_t nbytes, std::uintptr_t stream) {
    bindings::GilRelease release;
    runtime::copyDeviceToDevice(dst, src, nbytes, asStream(stream));
  });
  m.def("memset", [](std::uint64_t dst, unsigned char value, std::size_t nbytes, std::uintptr_t stream) {
    runtime::memsetDevice(dst, value, nbytes, asStream(stream));
  });

  // Host memory as device memory, and copies between host addresses (the
  // CPU target's device arrays, streams and copies: synchronous memcpy).
  py::class_<HostAllocation, std::shared_ptr<HostAllocation>>(m, "HostAllocation", py::buffer_protocol())
      .def(py::init<std::size_t>(), py::arg("nbytes"))
      .def_property_readonly("ptr", &HostAllocation::ptr)
      .def_property_readonly("device_ptr", &HostAllocation::ptr)
      .def_property_readonly("device_pointer", &HostAllocation::ptr) // numba's MemoryPointer name
      .def_property_readonly("nbytes", &HostAllocation::size)
      .def_property_readonly("device", [](const HostAllocation &) { return -1; })
      .def_buffer([](HostAllocation &h) {
        return py::buffer_info(h.data(), 1, "B", 1, {static_cast<py::ssize_t>(h.size())}, {1});
      });
  m.def("host_copy_in", [](std::uint64_t dst, py::handle src, std::size_t nbytes) {
    HostView view(src, false);
    checkSize(view.size(), nbytes, "the source");
    py::gil_scoped_release release;
    std::memcpy(reinterpret_cast<void *>(dst), view.data(), nbytes);
  }, "Copies `nbytes` from a buffer to a host address.");
  m.def("host_copy_out", [](py::handle dst, std::uint64_t src, std::size_t nbytes) {
    HostView view(dst, true);
    checkSize(view.size(), nbytes, "the destination");
    py::gil_scoped_release release;
    std::memcpy(view.data(), reinterpret_cast<const void *>(src), nbytes);
  }, "Copies `nbytes` from a host address to a buffer.");
  m.def("host_copy", [](std::uint64_t dst, std::uint64_t src, std::size_t nbytes) {
    py::gil_scoped_release release;
    std::memmove(reinterpret_cast<void *>(dst), reinterpret_cast<const void *>(src), nbytes);
  }, "Copies `nbytes` between host addresses.");

  py::class_<DlpackHolder, std::shared_ptr<DlpackHolder>>(m, "DlpackHolder");
  m.def("dlpack_export", &dlpackExport, py::arg("ptr"), py::arg("shape"), py::arg("strides"), py::arg("kind"),
        py::arg("itemsize"), py::arg("device"), py::arg("owner"), py::arg("versioned"));
  m.def("dlpack_import", &dlpackImport);
}

} // namespace ptxforge::bindings
