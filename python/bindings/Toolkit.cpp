//===- python/bindings/Toolkit.cpp - CUDA's parts and the assembler -------===//
//
// Where the compiler (which knows no driver) and the runtime (which knows
// no compiler) meet: the driver's version, read by the runtime, decides
// which assembler the compiler may use (compiler::chooseAssembler). Also
// hands the compiler the directories that hold NVIDIA's pip packages, which
// only Python knows (sys.path), and reports what was found for pf.config().
//
//===----------------------------------------------------------------------===//

#include "compiler/Compiler.h"
#include "compiler/CudaToolkit.h"
#include "compiler/Cubin.h"
#include "compiler/Link.h"
#include "python/bindings/Launch.h"
#include "runtime/Driver.h"

#include <pybind11/stl.h>

namespace py = pybind11;
using namespace ptxforge;

namespace ptxforge::bindings {

namespace {

py::dict assemblerInfo(const compiler::AssemblerInfo &a) {
  py::dict d;
  d["path"] = a.path.empty() ? py::object(py::none()) : py::object(py::str(a.path));
  d["version"] = a.version().empty() ? py::object(py::none()) : py::object(py::str(a.version()));
  d["error"] = a.error;
  return d;
}

} // namespace

void defineToolkit(py::module_ &m) {
  m.def("set_package_roots", &compiler::setPackageRoots, py::arg("roots"),
        "Directories searched first for NVIDIA's pip packages (nvidia/cu13, nvidia/nvjitlink, ...).");
  m.def("driver_version", &runtime::driverVersion,
        "cuDriverGetVersion of libcuda.so.1 (13000 for CUDA 13.0), without cuInit; 0 with no driver.");
  m.def("driver_path", &runtime::driverPath);
  m.def("llvm_version", &compiler::llvmVersion);
  m.def("nvrtc", [] {
    std::string error, path;
    {
      py::gil_scoped_release release; // opens the library
      path = compiler::nvrtcPath(error);
    }
    return py::make_tuple(path, error);
  }, "(path, '') of the NVRTC library CUDA C goes to, or ('', why none was found).");
  m.def("toolkit", [] {
    std::shared_ptr<const compiler::Toolkit> tk = compiler::toolkit();
    py::dict d;
    d["roots"] = tk->roots;
    d["home"] = tk->home;
    d["libdevice"] = tk->libdevice;
    d["ptxas"] = tk->ptxas;
    d["nvdisasm"] = tk->nvdisasm;
    d["nvjitlink_candidates"] = tk->nvJitLink;
    d["nvrtc_candidates"] = tk->nvrtc;
    d["include_dirs"] = tk->includeDirs;
    return d;
  }, "Where each CUDA part was found (paths; empty where missing).");
  m.def("choose_assembler", [](int driverVersion) {
    compiler::AssemblerChoice c;
    {
      py::gil_scoped_release release; // may open nvJitLink or run `ptxas --version`
      c = compiler::chooseAssembler(driverVersion);
    }
    py::dict d;
    d["assembler"] = compiler::assemblerName(c.by);
    d["reason"] = c.reason;
    d["nvjitlink"] = assemblerInfo(c.nvJitLink);
    d["ptxas"] = assemblerInfo(c.ptxas);
    return d;
  }, py::arg("driver_version"),
        "What assembles PTX for a driver of this version (0: none): 'nvJitLink', 'ptxas' or 'none' (the "
        "driver's JIT), with the reason and what was found.");
  m.def("warm_assembler", [] { compiler::warmAssembler(runtime::driverVersion()); },
        "Loads the PTX assembler that fits the driver on a background thread (once per process).");
}

} // namespace ptxforge::bindings
