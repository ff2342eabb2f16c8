"""The numba-dialect kernel corpus: kernels written once, run by ptxforge and by numba-cuda.

Each ``k_*.py`` file here is written in numba-cuda's dialect against the name
``cuda`` (``@cuda.jit``, ``cuda.grid(1)``, ``cuda.local.array`` ...), with
``math`` and ``numpy as np``. The file never imports ``cuda``: ``runner.load``
executes it as a fresh module per backend with ``cuda`` bound to ``ptxforge``
or to ``numba.cuda`` beforehand, so the same source text proves that a
numba-cuda kernel runs after changing only its import.

Adding a case: in a ``k_*.py`` file (or a new one), write the kernel, then
append to the file's ``CASES`` list::

    @cuda.jit
    def scale(x, out):                      # the kernel's name is the case's name
        i = cuda.grid(1)
        if i < x.size:
            out[i] = x[i] * 2.0

    CASES = [
        Case(scale,
             args=lambda rng: (rng.standard_normal(64).astype(np.float32),
                               np.zeros(64, np.float32)),
             launch=(2, 32),               # (blocks, threads[, stream, shared bytes])
             reference=lambda x, out: out.__setitem__(..., x * 2),  # fills its outputs in place
             outputs=(1,),                 # indices of the arguments compared after the launch
             rtol=1e-6),
    ]

``args`` gets a numpy Generator seeded from the case's name and returns the
launch arguments (numpy arrays, Python or numpy scalars, tuples, or
``Strided(base, index)`` for a strided *device* view). ``reference`` is called
with copies of those arguments (a ``Strided`` as the host view
``base[index]``) and writes the expected values into the output arrays.
``numba_differs`` names a deliberate difference from numba-cuda (numba
widening float32 with a float literal to float64, int32 arithmetic to int64):
numba's result is then recorded, not required to match. ``ptxforge_bug`` names
a ptxforge bug the case exposes: its ptxforge tests are strict xfails until the
bug is fixed (then delete the field). Run
``python3 -m pytest tests/python/test_corpus.py`` and, on a GPU,
``python3 tests/python/corpus/report.py``.
"""

import numpy as np

__all__ = ["Case", "Strided"]


class Strided:
    """A kernel argument that is a strided view of a device copy of `base`: ``to_device(base)[index]``."""

    def __init__(self, base, index):
        self.base = np.asarray(base)
        self.index = index

    def host_view(self):
        return self.base[self.index]


class Case:
    """One corpus kernel: how to build its arguments, launch it and check it."""

    def __init__(self, kernel, args, reference, outputs, launch=(1, 32), rtol=0.0, atol=0.0,
                 numba_differs=None, ptxforge_bug=None, name=None):
        self.kernel = kernel
        self.args = args
        self.reference = reference
        self.outputs = tuple(outputs)
        self.launch = tuple(launch)
        self.rtol = rtol
        self.atol = atol
        self.numba_differs = numba_differs
        self.ptxforge_bug = ptxforge_bug
        self.name = name or getattr(kernel, "py_func", kernel).__name__

    def __repr__(self):
        return f"<corpus case {self.name}>"
