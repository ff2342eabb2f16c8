"""Mandelbrot set: a while loop per pixel, complex arithmetic on two floats."""

import numpy as np

import ptxforge as pf

MAX_ITER = 200


@pf.kernel("void(float32, float32, float32, int32[:, ::1])")
def mandelbrot(x0, y0, step, image):
    row, col = pf.grid(2)
    height, width = image.shape
    if row >= height or col >= width:
        return
    # int64 * float32 is float64 under NumPy's rules; cast to stay in float32.
    cr = x0 + pf.float32(col) * step
    ci = y0 + pf.float32(row) * step
    zr = 0.0
    zi = 0.0
    n = 0
    while n < MAX_ITER and zr * zr + zi * zi <= 4.0:
        zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
        n += 1
    image[row, col] = n


def reference(x0, y0, step, height, width):
    """The same iteration in numpy, float32 throughout."""
    cols = np.arange(width, dtype=np.float32)
    rows = np.arange(height, dtype=np.float32)
    cr = np.float32(x0) + cols[None, :] * np.float32(step)
    ci = np.float32(y0) + rows[:, None] * np.float32(step)
    cr, ci = np.broadcast_to(cr, (height, width)), np.broadcast_to(ci, (height, width))
    zr = np.zeros((height, width), np.float32)
    zi = np.zeros((height, width), np.float32)
    n = np.zeros((height, width), np.int32)
    for _ in range(MAX_ITER):
        live = zr * zr + zi * zi <= np.float32(4.0)
        zr, zi = (np.where(live, zr * zr - zi * zi + cr, zr),
                  np.where(live, np.float32(2.0) * zr * zi + ci, zi))
        n += live
    return n


def main():
    height, width = 300, 400
    x0, y0, step = np.float32(-2.0), np.float32(-1.125), np.float32(0.0075)
    image = np.full((height, width), -1, np.int32)
    mandelbrot[((height + 15) // 16, (width + 15) // 16), (16, 16)](x0, y0, step, image)
    expected = reference(x0, y0, step, height, width)
    # FMA contraction changes the last bit of some orbits near the boundary.
    differ = np.count_nonzero(image != expected)
    assert (image >= 1).all() and (image <= MAX_ITER).all()
    assert differ < 0.01 * image.size, f"{differ} pixels differ"
    print(f"mandelbrot: {height}x{width} ok ({differ} boundary pixels differ by rounding)")


if __name__ == "__main__":
    main()
