//===- python/bindings/Images.cpp - Module images and occupancy -----------===//
//
// What the AOT command line, ptxforge.load_module and the inspection report
// need from the runtime library without a GPU: reading and writing fatbins,
// what a cubin holds (architecture, kernels, parameters, resources), and the
// occupancy calculation, with the driver's figure where a GPU is present.
//
//===----------------------------------------------------------------------===//
#include "python/bindings/Launch.h"

#include "runtime/Cubin.h"
#include "runtime/Fatbin.h"
#include "runtime/Occupancy.h"

#include <pybind11/stl.h>

namespace py = pybind11;

namespace ptxforge::bindings {

namespace {

py::dict occupancyDict(const runtime::Occupancy &o) {
  py::dict d;
  d["block_size"] = o.blockSize;
  d["blocks_per_sm"] = o.blocksPerSm;
  d["warps_per_sm"] = o.warpsPerSm;
  d["max_warps_per_sm"] = o.maxWarpsPerSm;
  d["occupancy"] = o.ratio;
  d["limiter"] = o.limiter;
  d["source"] = o.fromDriver ? "driver" : "computed";
  return d;
}

const char *kindName(runtime::ImageKind k) {
  switch (k) {
  case runtime::ImageKind::Cubin: return "cubin";
  case runtime::ImageKind::Fatbin: return "fatbin";
  case runtime::ImageKind::Ptx: return "ptx";
  case runtime::ImageKind::Unknown: break;
  }
  return "unknown";
}

} // namespace

void defineImages(py::module_ &m) {
  m.def("image_kind", [](py::bytes image) { return kindName(runtime::imageKind(std::string_view(image))); },
        "'cubin', 'fatbin', 'ptx' or 'unknown'.");
  m.def("describe_archs", [](py::bytes image) { return runtime::describeArchs(std::string_view(image)); });
  m.def("image_runs_on", [](py::bytes image, int cc) { return runtime::imageRunsOn(std::string_view(image), cc); },
        py::arg("image"), py::arg("cc"));
  m.def("write_fatbin", [](const py::list &entries) {
    // entries: [(kind 'cubin' | 'ptx', arch, bytes)]
    std::vector<runtime::FatbinEntry> list;
    for (py::handle item : entries) {
      auto t = py::reinterpret_borrow<py::tuple>(item);
      runtime::FatbinEntry e;
      std::string kind = t[0].cast<std::string>();
      if (kind != "cubin" && kind != "ptx")
        throw py::value_error("a fatbin entry is 'cubin' or 'ptx', not '" + kind + "'");
      e.kind = kind == "ptx" ? runtime::FatbinEntry::Ptx : runtime::FatbinEntry::Cubin;
      e.arch = t[1].cast<int>();
      e.data = t[2].cast<std::string>();
      list.push_back(std::move(e));
    }
    return py::bytes(runtime::writeFatbin(list));
  }, py::arg("entries"));
  m.def("read_fatbin", [](py::bytes image) {
    std::string error;
    auto entries = runtime::readFatbin(std::string_view(image), error);
    if (!entries)
      throw py::value_error(error);
    py::list out;
    for (const runtime::FatbinEntry &e : *entries)
      out.append(py::make_tuple(e.kind == runtime::FatbinEntry::Ptx ? "ptx" : "cubin", e.arch, py::bytes(e.data),
                                e.compressed));
    return out;
  }, "[(kind, arch, bytes, compressed)] of a fatbin; ValueError when it is malformed.");
  m.def("cubin_arch", [](py::bytes cubin) { return runtime::cubinArch(std::string_view(cubin)); });
  m.def("cubin_kernels", [](py::bytes cubin) { return runtime::cubinKernels(std::string_view(cubin)); });
  m.def("cubin_params", [](py::bytes cubin, const std::string &kernel) -> std::optional<py::list> {
    auto params = runtime::cubinParams(std::string_view(cubin), kernel);
    if (!params)
      return std::nullopt;
    py::list out;
    for (const runtime::ParamSlot &p : *params)
      out.append(py::make_tuple(p.offset, p.size));
    return out;
  }, "[(offset, size)] of a kernel's parameters as the cubin records them; None when absent.");
  m.def("cubin_resources", [](py::bytes cubin, const std::string &kernel) -> std::optional<py::dict> {
    auto r = runtime::cubinResources(std::string_view(cubin), kernel);
    if (!r)
      return std::nullopt;
    py::dict d;
    d["registers"] = r->registers;
    d["shared_bytes"] = r->sharedBytes;
    d["local_bytes"] = r->localBytes;
    d["const_bytes"] = r->constBytes;
    d["max_threads_bound"] = r->maxThreadsBound;
    return d;
  });
  m.def("compute_occupancy",
        [](int cc, int registers, int staticShared, int dynamicShared, int blockSize,
           int maxThreadsBound) -> std::optional<py::dict> {
          auto o = runtime::computeOccupancy(cc, registers, staticShared, dynamicShared, blockSize, maxThreadsBound);
          if (!o)
            return std::nullopt;
          return occupancyDict(*o);
        },
        py::arg("cc"), py::arg("registers"), py::arg("static_shared"), py::arg("dynamic_shared"),
        py::arg("block_size"), py::arg("max_threads_bound") = 0,
        "Occupancy computed from the architecture's limits; None for an architecture not in the table.");
  m.def("compute_max_threads_per_block", &runtime::computeMaxThreadsPerBlock, py::arg("cc"), py::arg("registers"),
        py::arg("max_threads_bound") = 0);
  m.def("device_occupancy", [](const LoadedKernel &k, int blockSize, int dynamicShared) {
    runtime::Occupancy o;
    {
      py::gil_scoped_release release;
      o = runtime::deviceOccupancy(k.function, blockSize, dynamicShared);
    }
    return occupancyDict(o);
  }, py::arg("kernel"), py::arg("block_size"), py::arg("dynamic_shared") = 0,
     "The driver's occupancy for a loaded kernel.");
}

} // namespace ptxforge::bindings
