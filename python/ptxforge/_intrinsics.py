"""Names a kernel uses from ``ptxforge`` (numba-cuda's names).

Everything in ``__all__`` is exported by the package.

In Python these are markers: the compiler recognises each by its
``_pf_path``. Calling one outside a kernel raises a clear error.
"""


class _Intrinsic:
    __slots__ = ("_pf_path", "__doc__")

    def __init__(self, path, doc):
        self._pf_path = path
        self.__doc__ = doc

    def __repr__(self):
        return f"<ptxforge intrinsic {self._pf_path}>"

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            f"{self._pf_path.replace('ptxforge.', 'ptxforge.')}() can only be used inside a "
            "@ptxforge.kernel function"
        )


class _Dim3:
    """threadIdx, blockIdx, blockDim and gridDim: ``.x``, ``.y``, ``.z``."""

    __slots__ = ("_pf_path", "x", "y", "z")

    def __init__(self, name):
        self._pf_path = "ptxforge." + name
        for axis in "xyz":
            object.__setattr__(self, axis, _Intrinsic(f"ptxforge.{name}.{axis}", f"{name}.{axis}"))

    def __repr__(self):
        return f"<ptxforge intrinsic {self._pf_path}>"


threadIdx = _Dim3("threadIdx")
blockIdx = _Dim3("blockIdx")
blockDim = _Dim3("blockDim")
gridDim = _Dim3("gridDim")
laneid = _Intrinsic("ptxforge.laneid", "The thread's lane in its warp, 0-31.")
warpsize = _Intrinsic("ptxforge.warpsize", "The warp size, 32.")
grid = _Intrinsic(
    "ptxforge.grid",
    "grid(ndim): the thread's absolute index in the grid; an int for ndim 1, a tuple for 2 and 3.",
)
gridsize = _Intrinsic(
    "ptxforge.gridsize", "gridsize(ndim): the number of threads in the grid along each axis."
)
syncthreads = _Intrinsic("ptxforge.syncthreads", "syncthreads(): a barrier for the threads of a block.")


class _ScalarType:
    """A scalar type usable in kernels as a cast, ``pf.float32(x)``, and in signatures."""

    __slots__ = ("_pf_path", "name")

    def __init__(self, name):
        self.name = name
        self._pf_path = "ptxforge." + name

    def __repr__(self):
        return self.name

    __str__ = __repr__

    def __getitem__(self, dims):
        """``float32[:, ::1]`` spells an array type in a signature, as in numba."""
        if not isinstance(dims, tuple):
            dims = (dims,)
        parts = []
        for d in dims:
            if not isinstance(d, slice) or d.start is not None or d.stop is not None or d.step not in (None, 1):
                raise TypeError("array types are written like float32[:, ::1]")
            parts.append("::1" if d.step == 1 else ":")
        return f"{self.name}[{', '.join(parts)}]"


_SCALARS = [
    "boolean", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "intp", "uintp",
]
scalar_types = {n: _ScalarType(n) for n in _SCALARS}


__all__ = [
    "threadIdx", "blockIdx", "blockDim", "gridDim", "laneid", "warpsize", "grid", "gridsize", "syncthreads",
    *scalar_types, "bool_",
]
bool_ = scalar_types["boolean"]
globals().update(scalar_types)
