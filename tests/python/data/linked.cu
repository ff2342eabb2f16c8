// Device functions that tests/python/test_linking.py links into kernels.
// numba's ABI: the result through the first parameter, a status returned.

extern "C" __device__ int triple(int *out, int a) {
  *out = 3 * a;
  return 0;
}

// An array argument arrives as numba's array model: meminfo, parent,
// nitems, itemsize, data, shape, strides.
extern "C" __device__ int first_plus_last(float *out, void *meminfo, void *parent, long long nitems,
                                          long long itemsize, float *data, long long shape, long long stride) {
  *out = data[0] + *(float *)((char *)data + (nitems - 1) * stride);
  return 0;
}
