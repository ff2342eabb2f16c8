"""The kernels that main.cpp launches; compiled ahead of time by CMakeLists.txt
(ptxforge compile kernels.py --kernel saxpy --kernel scale_columns --arch sm_80 --arch sm_90)."""

import ptxforge as pf


@pf.kernel("void(float32, float32[::1], float32[::1], float32[::1])")
def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < out.size:
        out[i] = a * x[i] + y[i]


# Two signatures: two entries, scale_columns__f32a2A_f32a1C and
# scale_columns__f64a2A_f64a1C. `m` may be any strided view (layout A).
@pf.kernel(["void(float32[:, :], float32[::1])", "void(float64[:, :], float64[::1])"])
def scale_columns(m, v):
    i, j = pf.grid(2)
    if i < m.shape[0] and j < m.shape[1]:
        m[i, j] *= v[j]
