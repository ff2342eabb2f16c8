"""Runs the corpus: loads each k_*.py once per backend, builds arguments, launches, compares.

A backend is "ptxforge" or "numba" (numba.cuda, or its simulator under
NUMBA_ENABLE_CUDASIM=1). Arguments are rebuilt from the case's seed for every
launch, so each backend gets identical, untouched inputs.
"""

import importlib
import importlib.util
import pathlib
import sys
import warnings
import zlib

import numpy as np

from corpus import Strided

HERE = pathlib.Path(__file__).resolve().parent
FILES = sorted(HERE.glob("k_*.py"))
BACKENDS = {"ptxforge": "ptxforge", "numba": "numba.cuda"}

_modules = {}


def backend(name):
    """The module bound to ``cuda`` for backend `name` (ImportError if it is missing)."""
    if name == "numba" and not hasattr(np, "row_stack"):
        np.row_stack = np.vstack  # numba 0.68 still calls it; NumPy 2.5 removed it
    return importlib.import_module(BACKENDS[name])


def load(path, backend_name):
    """The corpus file `path` executed as its own module with ``cuda`` bound to the backend."""
    key = (str(path), backend_name)
    if key not in _modules:
        modname = f"corpus_{backend_name}_{pathlib.Path(path).stem}"
        spec = importlib.util.spec_from_file_location(modname, path)
        module = importlib.util.module_from_spec(spec)
        module.cuda = backend(backend_name)
        sys.modules[modname] = module
        spec.loader.exec_module(module)
        _modules[key] = module
    return _modules[key]


def cases(backend_name="ptxforge"):
    """[(case id 'file:name', Case)] of every corpus file, in file order."""
    out = []
    for path in FILES:
        for case in load(path, backend_name).CASES:
            out.append((f"{path.stem}:{case.name}", case))
    return out


def case(backend_name, case_id):
    stem, name = case_id.split(":")
    found = [c for c in load(HERE / f"{stem}.py", backend_name).CASES if c.name == name]
    assert len(found) == 1, f"{case_id}: {len(found)} cases of that name"
    return found[0]


def arguments(c):
    """A fresh set of the case's launch arguments, from its name's seed."""
    rng = np.random.default_rng(zlib.crc32(c.name.encode()))
    return tuple(c.args(rng))


# -- ptxforge's argument types, as python/ptxforge/_args.py types a launch ---------------


def _dims(ndim, layout):
    from ptxforge._args import _dims as spelling  # the launch path's own spelling

    return spelling(ndim, layout)


def _dtype(dtype):
    from ptxforge._args import _dtype_name  # numba's spelling, records included

    return _dtype_name(dtype, "a corpus argument")


def _contiguous_strides(shape, itemsize, order):
    strides, step = [0] * len(shape), itemsize
    for d in (reversed(range(len(shape))) if order == "C" else range(len(shape))):
        strides[d] = step
        step *= shape[d]
    return tuple(strides)


def _layout(a):
    """A device view's layout, read from its strides as ptxforge reads a device array's."""
    for order in "CF":
        if a.strides == _contiguous_strides(a.shape, a.itemsize, order):
            return order
    return "A"


def arg_type(arg):
    """ptxforge's type of one launch argument; a non-contiguous host array is staged in C order."""
    if isinstance(arg, bool):
        return "bool"
    if isinstance(arg, int):
        return "int"
    if isinstance(arg, float):
        return "float"
    if isinstance(arg, Strided):
        view = arg.host_view()
        return _dtype(view.dtype) + _dims(view.ndim, _layout(view))
    if isinstance(arg, np.ndarray):
        layout = "F" if not arg.flags.c_contiguous and arg.flags.f_contiguous else "C"
        return _dtype(arg.dtype) + _dims(arg.ndim, layout)
    if isinstance(arg, np.generic):
        return _dtype(arg.dtype)
    if isinstance(arg, tuple):
        return "Tuple(" + ", ".join(arg_type(a) for a in arg) + ")"
    raise TypeError(f"corpus arguments are numbers, numpy arrays, Strided or tuples, not {type(arg).__name__}")


def signature(args):
    return tuple(arg_type(a) for a in args)


# -- running --------------------------------------------------------------------------------


def _result(arg, device_bases, i):
    if isinstance(arg, Strided):
        return device_bases[i].copy_to_host()
    return np.array(arg, copy=True)


def launch(c, cuda):
    """Launches case `c` (loaded for the backend whose module is `cuda`) on fresh arguments;
    returns the outputs (a Strided output as its whole base array) as numpy arrays."""
    args = arguments(c)
    passed, bases = [], {}
    for i, a in enumerate(args):
        if isinstance(a, Strided):
            bases[i] = cuda.to_device(a.base)
            passed.append(bases[i][a.index])
        else:
            passed.append(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's performance warnings on small grids and host arrays
        c.kernel[c.launch](*passed)
        cuda.synchronize()
    return [_result(args[i], bases, i) for i in c.outputs]


def expected(c):
    """The reference's outputs on a fresh set of arguments."""
    args = arguments(c)
    c.reference(*[a.host_view() if isinstance(a, Strided) else a for a in args])
    return [a.base.copy() if isinstance(a, Strided) else np.array(a, copy=True) for a in (args[i] for i in c.outputs)]


def mismatch(got, want, rtol, atol):
    """None when every output agrees (exactly for bool and integer outputs), else a description."""
    problems = []
    for k, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape or g.dtype != w.dtype:
            problems.append(f"output {k}: got {g.dtype}{g.shape}, expected {w.dtype}{w.shape}")
            continue
        if w.dtype.kind == "c":  # compare real and imaginary parts alike
            g, w = g.view(g.real.dtype), w.view(w.real.dtype)
        if w.dtype.kind in "biu" or (rtol == 0 and atol == 0):
            ok = np.array_equal(g, w, equal_nan=w.dtype.kind == "f")
        else:
            ok = np.allclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol, equal_nan=True)
        if not ok:
            with np.errstate(all="ignore"):
                bad = np.argwhere(~np.isclose(g.astype(np.float64), w.astype(np.float64), rtol=rtol, atol=atol,
                                              equal_nan=True) if w.dtype.kind == "f" else g != w)
            where = tuple(int(v) for v in bad[0]) if len(bad) else ()
            problems.append(f"output {k}: {len(bad)} of {w.size} elements differ; first at {where}: "
                            f"got {g[where]!r}, expected {w[where]!r}")
    return "; ".join(problems) or None


def identical(a, b):
    """Bit-for-bit the same outputs (NaNs equal)."""
    return all(np.asarray(x).dtype == np.asarray(y).dtype
               and np.array_equal(x, y, equal_nan=np.asarray(x).dtype.kind == "f") for x, y in zip(a, b))
