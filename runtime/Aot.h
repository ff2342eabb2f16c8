//===- runtime/Aot.h - Loading AOT kernels and launching them from C++ ----===//
//
// A C++ program loads what `ptxforge compile` wrote (a cubin, a fatbin or
// PTX) and launches its kernels with typed arguments. The generated header
// NAME.h declares each kernel as a C function whose parameters are the
// kernel's, arrays as the struct the compiler passes (data pointer, shape,
// and strides for layout 'A'); PTXFORGE_KERNEL types a kernel by that
// declaration, so that wrong arguments fail to compile:
//
//   #include <ptxforge/runtime/Aot.h>
//   #include "saxpy.h"
//   auto module = ptxforge::runtime::AotModule::load("saxpy.fatbin");
//   auto saxpy = PTXFORGE_KERNEL(module, saxpy);
//   saxpy.launch(blocks, threads, 2.0f, x, y, out);
//
// Arguments are laid out as a C compiler lays out a struct of them (each at
// its own alignment), which is the kernel's parameter buffer; every launch
// checks that layout against the kernel's parameters as the driver (or the
// cubin) records them, so a mismatch is an exception, never a fault. Links
// libptxforge_runtime alone: no LLVM, no Python.
//
//===----------------------------------------------------------------------===//
#pragma once

// The runtime's public headers include each other by their own names, so
// that -I<prefix>/include and <ptxforge/runtime/Aot.h> are all a user needs.
#include "Cubin.h"
#include "Driver.h"
#include "Fatbin.h"
#include "Memory.h"
#include "Module.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace ptxforge::runtime {

/// Grid or block extents (CUDA's dim3).
struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
  Dim3(unsigned x = 1, unsigned y = 1, unsigned z = 1) : x(x), y(y), z(z) {}
};

/// A launch configuration from grid and block extents, dynamic shared memory
/// and a stream (nullptr: the legacy default stream).
LaunchConfig launchConfig(Dim3 grid, Dim3 block, unsigned sharedBytes = 0, void *stream = nullptr);

/// Kernel arguments laid out in a parameter buffer: each at the next offset
/// that is a multiple of its alignment, as in a C struct.
class ArgBuffer {
public:
  template <class T> void add(const T &value) {
    static_assert(std::is_trivially_copyable_v<T>, "kernel arguments are plain values and structs");
    append(&value, sizeof(T), alignof(T));
  }
  /// Appends `size` bytes at the next multiple of `align`.
  void append(const void *data, std::size_t size, std::size_t align);
  /// Each argument's [offset, offset + size) in the buffer.
  const std::vector<ParamSlot> &arguments() const { return arguments_; }
  const unsigned char *data() const { return reinterpret_cast<const unsigned char *>(storage_.data()); }
  std::size_t size() const { return size_; }

private:
  std::vector<std::uint64_t> storage_; ///< 8-byte aligned
  std::size_t size_ = 0;
  std::vector<ParamSlot> arguments_;
};

/// Checks that `args` covers `params` exactly, argument by argument: each
/// argument must span whole parameters and, together, all of them. Throws
/// std::invalid_argument naming the kernel, the argument and both layouts.
void checkArguments(const std::string &kernel, const std::vector<ParamSlot> &params, const ArgBuffer &args);

/// A kernel of a loaded AOT module. Keeps its module loaded.
class Kernel {
public:
  const std::string &name() const { return function_.name; }
  /// The kernel's parameters: the driver's (cuFuncGetParamInfo, CUDA 12.4
  /// drivers and later), else the cubin's own record.
  const std::vector<ParamSlot> &params() const { return params_; }
  const Function &function() const { return function_; }
  /// Launches every time with cuLaunchCooperativeKernel (for kernels that
  /// call pf.cg.this_grid().sync(); their header says so).
  void setCooperative(bool cooperative) { function_.cooperative = cooperative; }

  template <class... Args> void launch(const LaunchConfig &config, const Args &...args) const {
    ArgBuffer buffer;
    (buffer.add(args), ...);
    launchPacked(config, buffer);
  }
  template <class... Args> void launch(Dim3 grid, Dim3 block, const Args &...args) const {
    launch(launchConfig(grid, block), args...);
  }
  /// Checks `args` against params() and launches. Throws std::invalid_argument
  /// for arguments or a configuration that do not fit, CudaError when the
  /// launch fails.
  void launchPacked(const LaunchConfig &config, const ArgBuffer &args) const;

private:
  friend class AotModule;
  std::shared_ptr<Module> module_;
  Function function_;
  std::vector<ParamSlot> params_;
};

template <class Signature> class TypedKernel;

/// A kernel typed by its declaration in the generated header: arguments are
/// converted to the parameter types at compile time (2.0 becomes 2.0f for a
/// float32 parameter), and the wrong number or kind of arguments does not
/// compile.
template <class... Params> class TypedKernel<void(Params...)> {
public:
  explicit TypedKernel(Kernel kernel) : kernel_(std::move(kernel)) {}
  void launch(const LaunchConfig &config, Params... args) const { kernel_.launch(config, args...); }
  void launch(Dim3 grid, Dim3 block, Params... args) const { kernel_.launch(launchConfig(grid, block), args...); }
  void operator()(const LaunchConfig &config, Params... args) const { launch(config, args...); }
  const Kernel &kernel() const { return kernel_; }
  Kernel &kernel() { return kernel_; }

private:
  Kernel kernel_;
};

/// A module that `ptxforge compile` wrote, loaded on one device.
class AotModule {
public:
  /// Reads and loads a cubin, fatbin or PTX file on `device` (-1: the current
  /// device). Throws std::runtime_error when the file cannot be read or holds
  /// no code the device can run (saying which architectures it has),
  /// CudaUnavailable without a GPU, CudaError when the driver refuses it.
  static AotModule load(const std::string &path, int device = -1);
  /// The same for an image in memory; `name` is used in messages.
  static AotModule fromImage(std::string image, const std::string &name = "<image>", int device = -1);

  /// The kernel with this entry name. Throws std::invalid_argument, listing
  /// the module's kernels, when there is none.
  Kernel kernel(const std::string &entry) const;
  template <class Signature> TypedKernel<Signature> kernel(const std::string &entry) const {
    return TypedKernel<Signature>(kernel(entry));
  }
  /// The kernels of the module's cubin for this device (empty for PTX or a
  /// compressed fatbin).
  std::vector<std::string> kernelNames() const;
  const std::string &name() const { return name_; }
  int device() const { return device_; }
  /// The loaded image (a cubin, fatbin or PTX).
  const std::string &image() const { return image_; }

private:
  AotModule() = default;
  std::shared_ptr<Module> module_;
  std::string image_;
  std::string cubin_; ///< the cubin the driver runs on this device, when the image shows it
  std::string name_;
  int device_ = 0;
};

/// The kernel declared as `entry` in a generated header, typed by its
/// declaration: PTXFORGE_KERNEL(module, saxpy).
#define PTXFORGE_KERNEL(module, entry) (module).template kernel<decltype(::entry)>(#entry)

/// An array argument of a generated header's struct type `A` (data, shape[,
/// strides]) over device memory at `ptr`. Strides, in bytes, are needed for
/// layout 'A' structs alone; C and F structs carry none.
template <class A>
A arrayArg(std::uint64_t ptr, std::initializer_list<std::int64_t> shape,
           std::initializer_list<std::int64_t> strides = {}) {
  A a{};
  a.data = reinterpret_cast<decltype(a.data)>(static_cast<std::uintptr_t>(ptr));
  constexpr std::size_t ndim = sizeof(a.shape) / sizeof(a.shape[0]);
  if (shape.size() != ndim)
    throw std::invalid_argument("arrayArg: the array has " + std::to_string(ndim) + " dimensions, " +
                                std::to_string(shape.size()) + " extents given");
  std::copy(shape.begin(), shape.end(), a.shape);
  if constexpr (requires { a.strides; }) {
    if (strides.size() != ndim)
      throw std::invalid_argument("arrayArg: a layout 'A' array needs " + std::to_string(ndim) + " strides");
    std::copy(strides.begin(), strides.end(), a.strides);
  } else if (strides.size() != 0) {
    throw std::invalid_argument("arrayArg: a contiguous ('C' or 'F') array takes no strides");
  }
  return a;
}

} // namespace ptxforge::runtime
