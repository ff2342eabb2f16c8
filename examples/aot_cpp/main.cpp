// examples/aot_cpp/main.cpp: launches kernels that `ptxforge compile` built
// ahead of time, through libptxforge_runtime alone, and checks their results.
//
//   aot_cpp [KERNEL_DIR]     (default: where the build wrote them)
//
// Exit status 0 when every result matches, 1 when one does not, 77 when
// there is no GPU to run on.
#include <ptxforge/runtime/Aot.h>

#include "saxpy.h"
#include "scale_columns.h"

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace pfr = ptxforge::runtime;

namespace {

bool checkSaxpy(const std::string &dir) {
  pfr::AotModule module = pfr::AotModule::load(dir + "/saxpy.fatbin");
  auto kernel = PTXFORGE_KERNEL(module, saxpy); // typed by saxpy.h's declaration of saxpy

  const int n = 1 << 20;
  std::vector<float> x(n), y(n), out(n);
  for (int i = 0; i < n; ++i)
    x[i] = float(i % 1000) * 0.5f, y[i] = float(i % 7);
  pfr::DeviceBuffer dx(n * sizeof(float)), dy(n * sizeof(float)), dout(n * sizeof(float));
  dx.copyFromHost(x.data(), n * sizeof(float));
  dy.copyFromHost(y.data(), n * sizeof(float));
  using Array = ptxforge_array_float32_1d_C;
  kernel.launch((n + 255) / 256, 256, 2.0f, pfr::arrayArg<Array>(dx.devicePointer(), {n}),
               pfr::arrayArg<Array>(dy.devicePointer(), {n}), pfr::arrayArg<Array>(dout.devicePointer(), {n}));
  dout.copyToHost(out.data(), n * sizeof(float));
  int wrong = 0;
  for (int i = 0; i < n; ++i)
    wrong += out[i] != 2.0f * x[i] + y[i];
  std::printf("saxpy (%s, %s): %d of %d elements wrong\n", module.name().c_str(), pfr::describeArchs(module.image()).c_str(),
              wrong, n);
  return wrong == 0;
}

// A strided view: every other column of a rows x (2 * cols) matrix, scaled
// column by column. The view travels as ptxforge_array_float64_2d_A: data,
// shape and byte strides.
bool checkScaleColumns(const std::string &dir) {
  pfr::AotModule module = pfr::AotModule::load(dir + "/scale_columns.fatbin");
  auto scale = PTXFORGE_KERNEL(module, scale_columns__f64a2A_f64a1C);

  const int rows = 300, cols = 200, pitch = 2 * cols;
  std::vector<double> m(rows * pitch), v(cols), back(rows * pitch);
  for (int i = 0; i < rows * pitch; ++i)
    m[i] = 1.0 + i % 17;
  for (int j = 0; j < cols; ++j)
    v[j] = 0.25 * j;
  pfr::DeviceBuffer dm(m.size() * sizeof(double)), dv(v.size() * sizeof(double));
  dm.copyFromHost(m.data(), m.size() * sizeof(double));
  dv.copyFromHost(v.data(), v.size() * sizeof(double));
  auto view = pfr::arrayArg<ptxforge_array_float64_2d_A>(dm.devicePointer(), {rows, cols},
                                                          {pitch * sizeof(double), 2 * sizeof(double)});
  scale.launch(pfr::Dim3((rows + 15) / 16, (cols + 15) / 16), pfr::Dim3(16, 16), view,
               pfr::arrayArg<ptxforge_array_float64_1d_C>(dv.devicePointer(), {cols}));
  dm.copyToHost(back.data(), back.size() * sizeof(double));
  int wrong = 0;
  for (int i = 0; i < rows; ++i)
    for (int k = 0; k < pitch; ++k) {
      double want = k % 2 == 0 ? m[i * pitch + k] * v[k / 2] : m[i * pitch + k]; // odd columns untouched
      wrong += back[i * pitch + k] != want;
    }
  std::printf("scale_columns on a strided view: %d of %d elements wrong\n", wrong, rows * pitch);

  // A wrong argument is an exception before anything reaches the GPU.
  try {
    scale.kernel().launch(pfr::Dim3(1), pfr::Dim3(1), 2.0f, view);
    std::printf("a float where the view goes was not caught\n");
    return false;
  } catch (const std::invalid_argument &e) {
    std::printf("wrong arguments are refused: %s\n", e.what());
  }
  return wrong == 0;
}

} // namespace

int main(int argc, char **argv) {
  const std::string dir = argc > 1 ? argv[1] : PTXFORGE_KERNEL_DIR;
  if (!pfr::isAvailable()) {
    std::printf("aot_cpp: not run: %s\n", pfr::unavailableReason().c_str());
    return 77;
  }
  try {
    bool ok = checkSaxpy(dir) && checkScaleColumns(dir);
    std::printf("aot_cpp: %s\n", ok ? "all results match" : "FAILED");
    return ok ? 0 : 1;
  } catch (const std::exception &e) {
    std::printf("aot_cpp: FAILED: %s\n", e.what());
    return 1;
  }
}
