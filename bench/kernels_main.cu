// bench/kernels_main.cu - times bench/kernels.cu's kernels as nvcc compiled them.
//
// The CUDA C column of bench/kernels.py: built on the GPU machine with
//
//   nvcc -O3 -arch=sm_90 -o kernels_main kernels_main.cu
//
// and run as `kernels_main NAME:SIZE ...` (sizes as bench/kernels.py chooses
// them). For each kernel it prints one JSON line with three figures, each
// measured as bench/kernels.py measures every other implementation:
//   device_ms     CUDA events around 20 back-to-back launches, median of 7 batches
//                 (after a warm-up), per launch;
//   call_ms       one launch and a synchronisation, host wall clock, median of 20;
//   transfer_ms   inputs copied in (pageable host memory), one launch, outputs
//                 copied back, host wall clock, median of 5.
// Inputs are filled on the host with a fixed pattern; results are not checked
// here (bench/kernels.py checks ptxforge's against numpy).

#include "kernels.cu"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    cudaError_t e = (call);                                                                                            \
    if (e != cudaSuccess) {                                                                                            \
      std::fprintf(stderr, "%s failed: %s\n", #call, cudaGetErrorString(e));                                           \
      std::exit(1);                                                                                                    \
    }                                                                                                                  \
  } while (0)

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double nowMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// A device buffer with a host twin for the transfer figure.
struct Buffer {
  void *device = nullptr;
  std::vector<unsigned char> host;
  bool input = true;

  /// `bytes` true: uniform random bytes (the histogram's data), else floats in [0.5, 1.5).
  Buffer(std::size_t bytes, bool in, unsigned seed, bool randomBytes = false) : host(bytes), input(in) {
    CHECK(cudaMalloc(&device, std::max<std::size_t>(bytes, 1)));
    unsigned state = seed * 2654435761u + 1;
    if (in && randomBytes) {
      for (std::size_t i = 0; i < bytes; ++i) {
        state = state * 1664525u + 1013904223u;
        host[i] = static_cast<unsigned char>(state >> 24);
      }
    } else if (in) {
      auto *f = reinterpret_cast<float *>(host.data());
      for (std::size_t i = 0; i < bytes / 4; ++i) {
        state = state * 1664525u + 1013904223u;
        f[i] = 0.5f + static_cast<float>(state >> 8) / 16777216.0f; // in [0.5, 1.5): prices, strikes, times alike
      }
    }
    CHECK(cudaMemcpy(device, host.data(), bytes, cudaMemcpyHostToDevice));
  }
  ~Buffer() { cudaFree(device); }
  float *f() const { return static_cast<float *>(device); }
};

struct Case {
  std::vector<Buffer *> buffers;
  std::function<void()> launch;
};

void measure(const std::string &name, Case &c) {
  cudaEvent_t start, stop;
  CHECK(cudaEventCreate(&start));
  CHECK(cudaEventCreate(&stop));
  c.launch(); // warm-up
  CHECK(cudaGetLastError());
  CHECK(cudaDeviceSynchronize());
  std::vector<double> batches;
  for (int b = 0; b < 7; ++b) {
    CHECK(cudaEventRecord(start));
    for (int i = 0; i < 20; ++i)
      c.launch();
    CHECK(cudaEventRecord(stop));
    CHECK(cudaEventSynchronize(stop));
    float ms = 0;
    CHECK(cudaEventElapsedTime(&ms, start, stop));
    batches.push_back(ms / 20);
  }
  std::vector<double> calls;
  for (int i = 0; i < 20; ++i) {
    double t0 = nowMs();
    c.launch();
    CHECK(cudaDeviceSynchronize());
    calls.push_back(nowMs() - t0);
  }
  std::vector<double> transfers;
  for (int i = 0; i < 5; ++i) {
    double t0 = nowMs();
    for (Buffer *b : c.buffers)
      if (b->input)
        CHECK(cudaMemcpy(b->device, b->host.data(), b->host.size(), cudaMemcpyHostToDevice));
    c.launch();
    for (Buffer *b : c.buffers)
      if (!b->input)
        CHECK(cudaMemcpy(b->host.data(), b->device, b->host.size(), cudaMemcpyDeviceToHost));
    CHECK(cudaDeviceSynchronize());
    transfers.push_back(nowMs() - t0);
  }
  CHECK(cudaGetLastError());
  std::printf("{\"kernel\": \"%s\", \"device_ms\": %.6f, \"call_ms\": %.6f, \"transfer_ms\": %.6f}\n", name.c_str(),
              median(batches), median(calls), median(transfers));
  std::fflush(stdout);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
}

int blocks(long long n, int threads) { return static_cast<int>((n + threads - 1) / threads); }

void run(const std::string &name, long long size) {
  const int n = static_cast<int>(size);
  std::vector<Buffer *> owned;
  auto in = [&](std::size_t bytes) { owned.push_back(new Buffer(bytes, true, static_cast<unsigned>(owned.size()))); return owned.back(); };
  auto out = [&](std::size_t bytes) { owned.push_back(new Buffer(bytes, false, 0)); return owned.back(); };
  Case c;
  const int reduceBlocks = 1024; // the grid of the grid-stride kernels, as bench/kernels.py launches them
  if (name == "saxpy") {
    Buffer *x = in(4ull * n), *y = in(4ull * n), *o = out(4ull * n);
    c.launch = [=] { saxpy<<<blocks(n, 256), 256>>>(2.5f, x->f(), y->f(), o->f(), n); };
  } else if (name == "copy") {
    Buffer *x = in(4ull * n), *o = out(4ull * n);
    c.launch = [=] { copy<<<blocks(n, 256), 256>>>(x->f(), o->f(), n); };
  } else if (name == "tree_sum" || name == "warp_sum") {
    Buffer *x = in(4ull * n), *o = out(4);
    bool tree = name == "tree_sum";
    c.launch = [=] {
      if (tree)
        tree_sum<<<reduceBlocks, TPB>>>(x->f(), o->f(), n);
      else
        warp_sum<<<reduceBlocks, TPB>>>(x->f(), o->f(), n);
    };
  } else if (name == "matmul") {
    Buffer *a = in(4ull * n * n), *b = in(4ull * n * n), *o = out(4ull * n * n);
    c.launch = [=] { matmul<<<dim3(n / TILE, n / TILE), dim3(TILE, TILE)>>>(a->f(), b->f(), o->f(), n); };
  } else if (name == "stencil") {
    Buffer *a = in(4ull * n * n), *o = out(4ull * n * n);
    c.launch = [=] { stencil<<<dim3(blocks(n, 32), blocks(n, 8)), dim3(32, 8)>>>(a->f(), o->f(), n, n); };
  } else if (name == "histogram") {
    owned.push_back(new Buffer(n, true, 7, true));
    Buffer *d = owned.back(), *bins = out(4 * BINS);
    c.launch = [=] {
      histogram<<<reduceBlocks, BINS>>>(static_cast<unsigned char *>(d->device), static_cast<unsigned *>(bins->device), n);
    };
  } else if (name == "softmax") {
    const int cols = 1024, rows = n;
    Buffer *x = in(4ull * rows * cols), *o = out(4ull * rows * cols);
    c.launch = [=] { softmax<<<rows, TPB>>>(x->f(), o->f(), cols); };
  } else if (name == "black_scholes") {
    Buffer *s = in(4ull * n), *k = in(4ull * n), *t = in(4ull * n), *call = out(4ull * n), *put = out(4ull * n);
    c.launch = [=] { black_scholes<<<blocks(n, 256), 256>>>(s->f(), k->f(), t->f(), call->f(), put->f(), 0.02f, 0.3f, n); };
  } else if (name == "nbody") {
    Buffer *pos = in(16ull * n), *acc = out(12ull * n);
    c.launch = [=] { nbody<<<blocks(n, 256), 256>>>(pos->f(), acc->f(), 0.01f, n); };
  } else {
    std::fprintf(stderr, "unknown kernel %s\n", name.c_str());
    std::exit(2);
  }
  c.buffers = owned;
  measure(name, c);
  for (Buffer *b : owned)
    delete b;
}

} // namespace

int main(int argc, char **argv) {
  CHECK(cudaFree(nullptr)); // the context, before any timing
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::size_t colon = arg.find(':');
    if (colon == std::string::npos) {
      std::fprintf(stderr, "usage: %s NAME:SIZE ...\n", argv[0]);
      return 2;
    }
    run(arg.substr(0, colon), std::atoll(arg.c_str() + colon + 1));
  }
  return 0;
}
