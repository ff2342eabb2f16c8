// bench/kernels.cu - the benchmark suite's kernels in CUDA C.
//
// The same algorithms as bench/_suite_kernels.py, written as a CUDA C
// programmer writes them first (int indices, one element per thread, the
// textbook loops). nvcc -O3 -arch=sm_90 compiles them into bench/kernels_main.cu's
// program; CuPy's RawKernel compiles this file alone (NVRTC), so it holds only
// kernels and what they need. The grid-stride loops count in 64 bits: nvcc
// unrolls those four times, not the int ones (its best, and the baseline the
// issue measured).

#define TPB 256
#define TILE 16
#define BINS 256

extern "C" __global__ void saxpy(float a, const float *x, const float *y, float *out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    out[i] = a * x[i] + y[i];
}

extern "C" __global__ void copy(const float *x, float *out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    out[i] = x[i];
}

extern "C" __global__ void tree_sum(const float *x, float *out, int n) {
  __shared__ float buf[TPB];
  int tid = threadIdx.x;
  float acc = 0.0f;
  for (long long i = (long long)blockIdx.x * blockDim.x + tid; i < n; i += (long long)blockDim.x * gridDim.x)
    acc += x[i];
  buf[tid] = acc;
  __syncthreads();
  for (int s = TPB / 2; s > 0; s /= 2) {
    if (tid < s)
      buf[tid] += buf[tid + s];
    __syncthreads();
  }
  if (tid == 0)
    atomicAdd(out, buf[0]);
}

extern "C" __global__ void warp_sum(const float *x, float *out, int n) {
  float acc = 0.0f;
  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x)
    acc += x[i];
  for (int offset = 16; offset > 0; offset /= 2)
    acc += __shfl_down_sync(0xffffffffu, acc, offset);
  if ((threadIdx.x & 31) == 0)
    atomicAdd(out, acc);
}

extern "C" __global__ void matmul(const float *a, const float *b, float *c, int n) {
  __shared__ float sa[TILE][TILE];
  __shared__ float sb[TILE][TILE];
  int tx = threadIdx.x, ty = threadIdx.y;
  int x = blockIdx.x * TILE + tx, y = blockIdx.y * TILE + ty;
  float acc = 0.0f;
  for (int t = 0; t < n / TILE; ++t) {
    sa[ty][tx] = a[y * n + t * TILE + tx];
    sb[ty][tx] = b[(t * TILE + ty) * n + x];
    __syncthreads();
    for (int k = 0; k < TILE; ++k)
      acc += sa[ty][k] * sb[k][tx];
    __syncthreads();
  }
  c[y * n + x] = acc;
}

extern "C" __global__ void stencil(const float *a, float *out, int rows, int cols) {
  int x = blockIdx.x * blockDim.x + threadIdx.x;
  int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (y > 0 && y < rows - 1 && x > 0 && x < cols - 1) {
    float c = a[y * cols + x];
    out[y * cols + x] = c + 0.2f * (a[(y - 1) * cols + x] + a[(y + 1) * cols + x] + a[y * cols + x - 1] +
                                    a[y * cols + x + 1] - 4.0f * c);
  }
}

extern "C" __global__ void histogram(const unsigned char *data, unsigned int *bins, int n) {
  __shared__ unsigned int local[BINS];
  int tid = threadIdx.x;
  local[tid] = 0;
  __syncthreads();
  for (long long i = (long long)blockIdx.x * blockDim.x + tid; i < n; i += (long long)blockDim.x * gridDim.x)
    atomicAdd(&local[data[i]], 1u);
  __syncthreads();
  atomicAdd(&bins[tid], local[tid]);
}

extern "C" __global__ void softmax(const float *x, float *out, int cols) {
  __shared__ float buf[TPB];
  const float *row = x + (size_t)blockIdx.x * cols;
  float *dst = out + (size_t)blockIdx.x * cols;
  int tid = threadIdx.x;
  float m = __int_as_float(0xff800000); // -inf, without math.h (NVRTC)
  for (int j = tid; j < cols; j += TPB)
    m = fmaxf(m, row[j]);
  buf[tid] = m;
  __syncthreads();
  for (int s = TPB / 2; s > 0; s /= 2) {
    if (tid < s)
      buf[tid] = fmaxf(buf[tid], buf[tid + s]);
    __syncthreads();
  }
  m = buf[0];
  __syncthreads();
  float total = 0.0f;
  for (int j = tid; j < cols; j += TPB)
    total += expf(row[j] - m);
  buf[tid] = total;
  __syncthreads();
  for (int s = TPB / 2; s > 0; s /= 2) {
    if (tid < s)
      buf[tid] += buf[tid + s];
    __syncthreads();
  }
  float scale = 1.0f / buf[0];
  for (int j = tid; j < cols; j += TPB)
    dst[j] = expf(row[j] - m) * scale;
}

__device__ float cnd(float d) {
  float k = 1.0f / (1.0f + 0.2316419f * fabsf(d));
  float poly = k * (0.31938153f + k * (-0.356563782f + k * (1.781477937f + k * (-1.821255978f + k * 1.330274429f))));
  float w = 0.3989422804014327f * expf(-0.5f * d * d) * poly;
  return d > 0 ? 1.0f - w : w;
}

extern "C" __global__ void black_scholes(const float *price, const float *strike, const float *years, float *call,
                                         float *put, float rate, float vol, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    float s = price[i], k = strike[i], t = years[i];
    float root = sqrtf(t);
    float d1 = (logf(s / k) + (rate + 0.5f * vol * vol) * t) / (vol * root);
    float d2 = d1 - vol * root;
    float discount = expf(-rate * t);
    call[i] = s * cnd(d1) - k * discount * cnd(d2);
    put[i] = k * discount * (1.0f - cnd(d2)) - s * (1.0f - cnd(d1));
  }
}

extern "C" __global__ void nbody(const float *pos, float *acc, float soft2, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    float xi = pos[i], yi = pos[n + i], zi = pos[2 * n + i];
    float ax = 0.0f, ay = 0.0f, az = 0.0f;
    for (int j = 0; j < n; ++j) {
      float dx = pos[j] - xi, dy = pos[n + j] - yi, dz = pos[2 * n + j] - zi;
      float r2 = dx * dx + dy * dy + dz * dz + soft2;
      float inv = 1.0f / sqrtf(r2);
      float f = pos[3 * n + j] * inv * inv * inv;
      ax += f * dx;
      ay += f * dy;
      az += f * dz;
    }
    acc[i] = ax;
    acc[n + i] = ay;
    acc[2 * n + i] = az;
  }
}
