//===- python/bindings/Launch.h - Loaded kernels and their launches -------===//
#pragma once

#include <pybind11/pybind11.h>

namespace ptxforge::bindings {

/// Defines _core.LoadedKernel: a compiled kernel loaded on one device, whose
/// launch() packs Python values into parameters by the kernel's ABI.
void defineLaunch(pybind11::module_ &m);

} // namespace ptxforge::bindings
