//===- bench/launch_floor.cpp - cuLaunchKernel's own cost, from C++ --------===//
//
// The floor under every Python launch path: libcuda opened with dlopen, a
// module image (cubin, or PTX for the driver's JIT) holding an empty kernel
// of four pointer parameters, and cuLaunchKernel called N times between two
// synchronisations. Prints the median microseconds per launch over R runs.
// bench/launch_overhead.py builds and runs it:
//
//   g++ -O2 -std=c++17 -I/usr/local/cuda/include launch_floor.cpp -ldl -o launch_floor
//   ./launch_floor empty4.cubin empty4 [N=10000] [R=7]
//
//===----------------------------------------------------------------------===//
#include <cuda.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#define PF_NAME_(x) #x
#define PF_NAME(x) PF_NAME_(x)
#define PF_LOAD(fn) auto p_##fn = reinterpret_cast<decltype(&::fn)>(dlsym(lib, PF_NAME(fn)))

static void check(CUresult r, const char *what) {
  if (r != CUDA_SUCCESS) {
    std::fprintf(stderr, "%s failed: CUresult %d\n", what, static_cast<int>(r));
    std::exit(1);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s IMAGE KERNEL [N] [R]\n", argv[0]);
    return 2;
  }
  const int n = argc > 3 ? std::atoi(argv[3]) : 10000;
  const int runs = argc > 4 ? std::atoi(argv[4]) : 7;
  std::ifstream file(argv[1], std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string image = buffer.str();
  image.push_back('\0');

  void *lib = dlopen("libcuda.so.1", RTLD_NOW);
  if (!lib) {
    std::fprintf(stderr, "no libcuda.so.1: %s\n", dlerror());
    return 1;
  }
  PF_LOAD(cuInit);
  PF_LOAD(cuDeviceGet);
  PF_LOAD(cuDevicePrimaryCtxRetain);
  PF_LOAD(cuCtxSetCurrent);
  PF_LOAD(cuCtxSynchronize);
  PF_LOAD(cuModuleLoadData);
  PF_LOAD(cuModuleGetFunction);
  PF_LOAD(cuMemAlloc);
  PF_LOAD(cuLaunchKernel);
  check(p_cuInit(0), "cuInit");
  CUdevice dev;
  check(p_cuDeviceGet(&dev, 0), "cuDeviceGet");
  CUcontext ctx;
  check(p_cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain");
  check(p_cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
  CUmodule module;
  check(p_cuModuleLoadData(&module, image.data()), "cuModuleLoadData");
  CUfunction fn;
  check(p_cuModuleGetFunction(&fn, module, argv[2]), "cuModuleGetFunction");
  CUdeviceptr ptrs[4];
  for (CUdeviceptr &p : ptrs)
    check(p_cuMemAlloc(&p, 1024), "cuMemAlloc");
  void *params[4] = {&ptrs[0], &ptrs[1], &ptrs[2], &ptrs[3]};

  std::vector<double> perLaunch;
  for (int r = 0; r < runs + 1; ++r) { // the first run warms up
    check(p_cuCtxSynchronize(), "cuCtxSynchronize");
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i)
      check(p_cuLaunchKernel(fn, 1, 1, 1, 32, 1, 1, 0, nullptr, params, nullptr), "cuLaunchKernel");
    check(p_cuCtxSynchronize(), "cuCtxSynchronize");
    auto end = std::chrono::steady_clock::now();
    if (r > 0)
      perLaunch.push_back(std::chrono::duration<double, std::micro>(end - start).count() / n);
  }
  std::sort(perLaunch.begin(), perLaunch.end());
  std::printf("%.3f\n", perLaunch[perLaunch.size() / 2]);
  return 0;
}
