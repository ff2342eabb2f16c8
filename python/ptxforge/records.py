"""numba's ``from_dtype``: a NumPy dtype as a kernel type, for signatures.

``pf.from_dtype(np.dtype([('x', 'f4'), ('y', 'i4')]))`` is the record type
``Record(x[type=float32;offset=0],y[type=int32;offset=4];8;False)``; indexing it
as numba's types are indexed (``t[::1]``, ``t[:, :]``) gives array types.
"""

from ._args import _dtype_name


class DtypeType:
    """A kernel type made from a dtype; ``str()`` is its numba spelling."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name

    __repr__ = __str__

    def __getitem__(self, dims):
        parts = []
        for d in dims if isinstance(dims, tuple) else (dims,):
            if not isinstance(d, slice) or d.start is not None or d.stop is not None or d.step not in (None, 1):
                raise TypeError("array types are written t[:], t[::1], t[:, ::1] or t[::1, :]")
            parts.append("::1" if d.step == 1 else ":")
        return DtypeType(f"{self.name}[{', '.join(parts)}]")


def from_dtype(dtype):
    """The kernel type of `dtype`: a record type for a structured dtype, else its scalar type."""
    import numpy as np

    return DtypeType(_dtype_name(np.dtype(dtype), "from_dtype's dtype"))
