"""An out-of-bounds write in debug mode: the launch raises IndexError naming line 10,
the index, the shape, the thread and the block. Run by tests/python/test_debug_mode.py
and tools/gpu-check; the trap leaves the CUDA context unusable, so it runs alone."""
import numpy as np
import ptxforge as pf

@pf.kernel(debug=True)
def fill(out):
    i = pf.grid(1)
    out[i] = i

fill[4, 32](np.zeros(100, np.int32))   # threads 100..127 (block 3) write past the end
