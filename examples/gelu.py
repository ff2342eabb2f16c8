"""GELU activation with libdevice math: float32 in, float32 math throughout."""

import math

import numpy as np

import ptxforge as pf


@pf.kernel("void(float32[::1], float32[::1])")
def gelu(x, out):
    i = pf.grid(1)
    if i < x.size:
        v = x[i]
        out[i] = 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0)))


def main():
    rng = np.random.default_rng()
    x = rng.standard_normal(1 << 20, dtype=np.float32) * 3
    out = np.full_like(x, np.nan)
    gelu[(x.size + 255) // 256, 256](x, out)
    expected = 0.5 * x.astype(np.float64) * (1 + np.vectorize(math.erf)(x.astype(np.float64) / math.sqrt(2)))
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    print(f"gelu: {x.size} elements ok")


if __name__ == "__main__":
    main()
