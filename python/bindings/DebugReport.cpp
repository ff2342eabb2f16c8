//===- python/bindings/DebugReport.cpp - The debug record on the GPU ------===//
//
// A debug-mode kernel's record lives in mapped pinned host memory, so that
// it can be read after a trap has made the CUDA context unusable. It is set
// up when the module is loaded (the module's __pf_debug global gets its
// device address) and read after each launch by ptxforge._debug, which turns
// the report into the Python exception. compiler/DebugRecord.h is the
// contract with the device code.
//
//===----------------------------------------------------------------------===//

#include "python/bindings/Launch.h"

#include "compiler/DebugRecord.h"
#include "runtime/Driver.h"

#include <cstddef>
#include <cstring>

namespace py = pybind11;

namespace ptxforge::bindings {

using compiler::DebugArgument;
using compiler::DebugRecord;
using compiler::DebugSite;

// Called from the constructor, which has already let go of the GIL: releasing
// it a second time is a fatal error in CPython.
void LoadedKernel::setUpDebugRecord() {
  if (!artifacts->debug || artifacts->debugSites.empty())
    return;
  if (artifacts->cpu) { // the CPU target: plain host memory, written by the kernel's threads in place
    if (!artifacts->cpu->debugGlobal)
      return;
    hostDebugRecord = std::make_unique<DebugRecord>();
    std::memset(hostDebugRecord.get(), 0, sizeof(DebugRecord));
    compiler::DebugGlobal global{reinterpret_cast<std::uint64_t>(hostDebugRecord.get()), 0, 0};
    std::memcpy(artifacts->cpu->debugGlobal, &global, sizeof global);
    return;
  }
  auto [address, bytes] = module->global(compiler::kDebugGlobal);
  if (!address || bytes < sizeof(compiler::DebugGlobal))
    return;
  debugRecord = std::make_shared<runtime::HostBuffer>(sizeof(DebugRecord), /*mapped=*/true);
  std::memset(debugRecord->data(), 0, sizeof(DebugRecord));
  compiler::DebugGlobal global{debugRecord->devicePointer(), 0, 0};
  runtime::copyHostToDevice(address, &global, sizeof global);
  debugGlobal = address;
}

py::object LoadedKernel::debugReport() {
  if (!debugRecord && !hostDebugRecord)
    return py::none();
  DebugRecord record;
  void *written = debugRecord ? debugRecord->data() : static_cast<void *>(hostDebugRecord.get());
  std::memcpy(&record, written, sizeof record); // written by the device, read once here
  std::optional<compiler::DebugReport> report = compiler::decodeDebugRecord(record, artifacts->debugSites);
  if (!report)
    return py::none();
  const DebugSite &site = *report->site;
  py::list args;
  for (const DebugArgument &a : site.args) {
    switch (a.kind) {
    case DebugArgument::Str: args.append(py::str(a.text)); break;
    case DebugArgument::Int: args.append(py::int_(a.intValue)); break;
    case DebugArgument::Float: args.append(py::float_(a.floatValue)); break;
    case DebugArgument::Bool: args.append(py::bool_(a.intValue != 0)); break;
    case DebugArgument::None: args.append(py::none()); break;
    }
  }
  py::object result = py::make_tuple(compiler::debugSiteKindName(site.kind), site.exceptionName, site.exceptionId, report->message, args);
  // Ready for the next launch: the record cleared, and the claim reset where
  // the context still works (after a trap it does not, and nothing runs again).
  std::memset(written, 0, sizeof(DebugRecord));
  if (hostDebugRecord) { // the CPU target's launches are over: the claim word is ours to reset
    std::memset(static_cast<char *>(artifacts->cpu->debugGlobal) + offsetof(compiler::DebugGlobal, claim), 0, 4);
    return result;
  }
  try {
    std::uint32_t zero = 0;
    runtime::copyHostToDevice(debugGlobal + offsetof(compiler::DebugGlobal, claim), &zero, sizeof zero);
  } catch (const std::exception &) {
  }
  return result;
}

} // namespace ptxforge::bindings
