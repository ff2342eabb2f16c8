"""Ufuncs, generalized ufuncs and reductions built around a scalar function.

``vectorize`` and ``guvectorize`` are numba-cuda's ``cuda.vectorize`` and
``cuda.guvectorize``; ``Reduce`` (alias ``reduce``) is its ``cuda.Reduce``.
The user's function becomes a device function with the declared signatures;
a small kernel, generated here as Python source and parsed like any other,
calls it once per element (or per core block, or per pair while reducing).
Compile errors in the user's function point at the user's own lines.
"""

import ast
import functools
import itertools
import re
import textwrap
import warnings

import numpy as np

from . import _core, _target
from ._source import FunctionSource, register_source
from .devicearray import _is_device, as_cuda_array, device_array, to_device

_THREADS = 128
_VECTORIZE_OPTIONS = {"nopython", "fastmath", "cache", "identity", "target", "forceobj", "boundscheck"}
_GUVECTORIZE_OPTIONS = {"nopython", "fastmath", "cache", "identity", "target", "forceobj", "writable_args",
                        "is_dynamic", "boundscheck"}
_ARRAY_TYPE = re.compile(r"(\w+(?:\[\w+\])?)\[([:, \d]*)\]$")  # float32[:, ::1]
_NUMBA_ARRAY_TYPE = re.compile(r"array\((\w+), (\d+)d, \w+\)$")  # array(float32, 2d, C)
_kernel_count = itertools.count()


# --- signatures ---------------------------------------------------------------------------------


def _type_text(t):
    """A type as ptxforge spells it: a string as given; numba's array types as dtype[:, ...]."""
    if isinstance(t, str):
        return t
    if t is None:
        return "void"
    ndim, dtype = getattr(t, "ndim", None), getattr(t, "dtype", None)
    if isinstance(ndim, int) and dtype is not None and not isinstance(t, np.dtype):
        return f"{_type_text(dtype)}[{', '.join([':'] * ndim)}]" if ndim else _type_text(dtype)
    if isinstance(t, type) and issubclass(t, np.generic):
        return np.dtype(t).name
    if isinstance(t, np.dtype):
        return t.name
    return str(t)


def _parse_type(text):
    """(numpy dtype, ndim) of a canonical type string; dtype None for void."""
    if text in ("void", "none"):
        return None, 0
    m, numba = _ARRAY_TYPE.match(text), _NUMBA_ARRAY_TYPE.match(text)
    if m:
        name, ndim = m.group(1), len([d for d in m.group(2).split(",") if d.strip()])
    elif numba:
        name, ndim = numba.group(1), int(numba.group(2))
    else:
        name, ndim = text, 0
    try:
        return np.dtype("bool" if name == "boolean" else name), ndim
    except TypeError:
        raise TypeError(f"vectorize and guvectorize take numbers and arrays of numbers, not {text}") from None


class _Signature:
    """One declared signature: its return (dtype or None), its parameters [(dtype, ndim)], its text."""

    def __init__(self, sig):
        if isinstance(sig, str):
            try:
                ret, params = _core.parse_signature(sig)
            except ValueError as exc:
                raise TypeError(f"bad signature {sig!r}: {exc}") from None
        elif hasattr(sig, "args") and hasattr(sig, "return_type"):  # a numba Signature
            ret = _core.check_type(_type_text(sig.return_type))
            params = [_core.check_type(_type_text(a)) for a in sig.args]
        elif isinstance(sig, (tuple, list)):  # argument types only
            ret, params = "void", [_core.check_type(_type_text(a)) for a in sig]
        else:
            raise TypeError(f"a signature is a string, a numba signature or a tuple of types, not {sig!r}")
        self.ret_text = ret
        self.ret = _parse_type(ret)[0]
        self.params = [_parse_type(p) for p in params]
        spelled = [_spell(d, n) for d, n in self.params]
        self.text = f"{_spell(self.ret, 0) if self.ret is not None else 'void'}({', '.join(spelled)})"

    def __repr__(self):
        return self.text


def _spell(dtype, ndim):
    name = "bool" if dtype.kind == "b" else dtype.name
    return f"{name}[{', '.join([':'] * ndim)}]" if ndim else name


def _signatures(sigs):
    if sigs is None:
        raise TypeError("ptxforge's vectorize and guvectorize need signatures (as numba-cuda's do): "
                        "@vectorize(['float32(float32, float32)'])")
    if isinstance(sigs, (str,)) or hasattr(sigs, "return_type"):
        sigs = [sigs]
    return [_Signature(s) for s in sigs]


def _choose(sigs, dtypes, what):
    """The index of the signature the inputs' dtypes take: exact, then safe casts, then a lone one."""
    for rule in ("equiv", "safe"):
        for k, sig in enumerate(sigs):
            if all(np.can_cast(d, p[0], rule) for d, p in zip(dtypes, sig.params)):
                return k
    if len(sigs) == 1:
        return 0
    given = ", ".join(str(d) for d in dtypes)
    raise TypeError(f"{what} has no loop for inputs ({given}); its signatures are "
                    f"{', '.join(s.text for s in sigs)}")


# --- generated kernels --------------------------------------------------------------------------


def _generated_kernel(name, params, body, scope, target=None):
    """A kernel made from generated source, parsed and compiled like any other (on `target`,
    else the default target)."""
    from . import kernel

    fname = re.sub(r"\W", "_", name) + f"_{next(_kernel_count)}"
    text = f"def {fname}({', '.join(params)}):\n" + textwrap.indent(textwrap.dedent(body), "    ")
    filename = f"<ptxforge {name}>"
    code = compile(text, filename, "exec")
    namespace = dict(scope)
    exec(code, namespace)  # noqa: S102 (our own generated source)
    pyfunc = namespace[fname]
    register_source(pyfunc, FunctionSource.from_lines(text.splitlines(True), filename, 0, 0))
    return kernel(pyfunc, target=target)


def _launch(kern, n, stream, *args):
    if n > 0:
        kern[(n + _THREADS - 1) // _THREADS, _THREADS, stream](*args, n)


def _device_function(pyfunc, sigs):
    from . import jit

    pyfunc = getattr(pyfunc, "py_func", pyfunc)  # a device function or kernel given: its Python function
    _register_lambda(pyfunc)
    return jit([s.text for s in sigs], device=True)(pyfunc)


def _register_lambda(pyfunc):
    """A lambda gets a source of its own (the function definition its expression makes)."""
    if getattr(pyfunc, "__name__", "") == "<lambda>":
        src = _lambda_source(pyfunc)
        if src is not None:
            register_source(pyfunc, src)


def _check_options(options, allowed, error):
    unknown = [k for k in options if k not in allowed]
    if unknown:
        raise error(unknown)
    if options.get("nopython", True) is not True or options.get("forceobj"):
        raise TypeError("nopython flag must be True")
    target = options.get("target", "cuda")
    if target not in ("cuda", "gpu", "cpu", "host"):
        raise ValueError(f"ptxforge's vectorize compiles for target='cuda' (or 'cpu'), not {target!r}")
    if target in ("cpu", "host"):
        if not _target.host_memory():
            raise ValueError("vectorize(target='cpu') needs device arrays in host memory: set PTXFORGE_TARGET=cpu "
                             "(its kernels then run on the CPU), or leave target='cuda' for the GPU")
        return "cpu"
    return None  # the default target, as every kernel that names none


def _host_input(x, dtype, stream):
    """A host or device input as an array of `dtype` (device arrays are never cast)."""
    if _is_device(x):
        x = as_cuda_array(x)
        if x.dtype != dtype:
            raise TypeError(f"a device array of dtype {x.dtype} is passed where {dtype} is declared, and a "
                            "device array does not support .astype(): convert it before the call")
        return x
    return np.asarray(x).astype(dtype, copy=False)


def _flat_device(x, shape, stream, scalar=False):
    """`x` (host or device) broadcast to `shape`, as a contiguous 1-d device array; with
    `scalar`, its one element as an array of 1."""
    if scalar:
        shape = (1,)
    if _is_device(x):
        if x.is_c_contiguous() and (tuple(x.shape) == tuple(shape) or (scalar and x.size == 1)):
            return x.reshape(-1)
        x = x.copy_to_host(stream=stream)
        _sync(stream)
    if scalar:
        x = np.asarray(x).reshape(1)
    return to_device(np.ascontiguousarray(np.broadcast_to(x, shape)).reshape(-1), stream=stream)


def _sync(stream):
    if stream:
        stream.synchronize()


# --- vectorize ----------------------------------------------------------------------------------


class UFunc:
    """An elementwise function over arrays (numba-cuda's CUDA ufunc): ``f(a, b, out=None, stream=0)``."""

    def __init__(self, pyfunc, sigs, target=None):
        functools.update_wrapper(self, pyfunc)
        self._target = target
        self.py_func = pyfunc
        self.signatures = sigs
        self.nin = len(sigs[0].params)
        if any(len(s.params) != self.nin or s.ret is None or any(n for _, n in s.params) for s in sigs):
            raise TypeError(f"vectorize signatures of '{pyfunc.__name__}' must all take {self.nin} numbers "
                            "and return a number")
        self.nout = 1
        self.nargs = self.nin + 1
        self._device = _device_function(pyfunc, sigs)
        self._kernels = {}

    def _kernel(self, scalars):
        kern = self._kernels.get(scalars)
        if kern is None:
            params = [f"x{k}" for k in range(self.nin)]
            call = ", ".join(f"x{k}[0]" if s else f"x{k}[i]" for k, s in enumerate(scalars))
            body = f"i = ptxforge.grid(1)\nif i < n:\n    out[i] = f({call})\n"
            kern = _generated_kernel(f"vectorize of {self.__name__}", [*params, "out", "n"], body,
                                     {"ptxforge": _ptxforge(), "f": self._device}, self._target)
            self._kernels[scalars] = kern
        return kern

    def __call__(self, *args, out=None, stream=0):
        if len(args) == self.nin + 1:
            if out is not None:
                raise ValueError("cannot specify argument 'out' as both positional and keyword")
            args, out = args[:-1], args[-1]
        if len(args) != self.nin:
            raise TypeError(f"{self.__name__}() takes {self.nin} arguments ({self.nin + 1} with out), "
                            f"got {len(args)}")
        args, out = [_as_device_array(x) for x in args], _as_device_array(out)
        ins = [x if _is_device(x) else np.asarray(x) for x in args]
        sig = self.signatures[_choose(self.signatures, [x.dtype for x in ins], f"ufunc '{self.__name__}'")]
        ins = [_host_input(x, d, stream) for x, (d, _) in zip(ins, sig.params)]
        shape = np.broadcast_shapes(*(tuple(x.shape) for x in ins))
        on_device = any(_is_device(x) for x in [*args, out] if x is not None)
        n = int(np.prod(shape, dtype=np.int64))
        scalars = tuple(x.size == 1 and tuple(x.shape) != shape for x in ins)
        flat = [_flat_device(x, shape, stream, scalar) for x, scalar in zip(ins, scalars)]
        direct = out is not None and _is_device(out) and tuple(out.shape) == shape and out.dtype == sig.ret \
            and as_cuda_array(out).is_c_contiguous()
        result = as_cuda_array(out).reshape(-1) if direct else device_array((n,), sig.ret, stream=stream)
        _launch(self._kernel(scalars), n, stream, *flat, result)
        return _finish(result, shape, out, direct, on_device, stream)

    def reduce(self, x, axis=0, stream=0):
        """Folds a 1-d array with the function (numba-cuda's ufunc.reduce): pairs in a tree, on the device."""
        if self.nin != 2:
            raise TypeError(f"reduce needs a function of two arguments; '{self.__name__}' takes {self.nin}")
        x = as_cuda_array(x) if _is_device(x) else to_device(np.ascontiguousarray(x), stream=stream)
        if x.ndim != 1 or axis not in (0, -1):
            raise NotImplementedError("ufunc.reduce takes 1-d arrays")
        if x.size == 0:
            raise ValueError(f"zero-size array to reduction operation {self.__name__} which has no identity")
        leftover = []
        while x.size > 1:
            half = x.size // 2
            if x.size % 2:
                leftover.append(x[x.size - 1:])
            x = self(x[:half], x[half:2 * half], stream=stream)
        for last in reversed(leftover):
            x = self(x, last, stream=stream)
        host = x.copy_to_host(stream=stream)
        _sync(stream)
        return host[0]

    def __repr__(self):
        return f"<ptxforge ufunc {self.__name__}>"


def _as_device_array(x):
    """A device object that is not one of our device arrays (any __cuda_array_interface__ or
    DLPack producer: numba's, CuPy's, the user's own) as our view of its memory; anything
    else as it is."""
    from .devicearray import DeviceNDArray

    if x is None or isinstance(x, (DeviceNDArray, np.ndarray)) or not _is_device(x):
        return x
    return as_cuda_array(x)


def _finish(result, shape, out, direct, on_device, stream):
    """The call's value: `out` where given, else a device array for device inputs, else a host one."""
    if direct:
        return out
    shaped = result.reshape(shape) if shape else result.reshape(1)
    if out is not None:  # of the result's size; leading dimensions of 1 may differ, as NumPy allows
        if _is_device(out):
            target = as_cuda_array(out)
            target.copy_to_device(shaped.reshape(target.shape) if target.size == shaped.size else shaped,
                                  stream=stream)
        else:
            host = shaped.copy_to_host(stream=stream)
            _sync(stream)
            out[...] = host.reshape(out.shape) if host.size == out.size else host
        return out
    if on_device:
        return shaped
    host = shaped.copy_to_host(stream=stream)
    _sync(stream)
    return host.reshape(shape)[()] if not shape else host


def vectorize(signatures=None, **options):
    """numba-cuda's ``cuda.vectorize``: ``@vectorize(['float32(float32, float32)'])`` makes a ufunc.

    The function takes and returns numbers; the ufunc takes host or device arrays
    (broadcast as NumPy does), numbers, tuples, ``out=`` and ``stream=``, picks the
    first signature the inputs' dtypes cast to safely, and returns a host array for
    host inputs and a device array when any input is on the device.
    """
    if callable(signatures) and not isinstance(signatures, (str, list, tuple)) and \
            not hasattr(signatures, "return_type"):
        raise TypeError("ptxforge's vectorize needs signatures (as numba-cuda's does): "
                        "@vectorize(['float32(float32, float32)'])")
    target = _check_options(options, _VECTORIZE_OPTIONS,
                            lambda bad: KeyError(f"Unrecognized options: {', '.join(repr(b) for b in bad)}"))
    if "nopython" in options:  # as numba-cuda says it
        warnings.warn("nopython kwarg for cuda target is redundant", RuntimeWarning, stacklevel=2)
    sigs = _signatures(signatures)
    return lambda pyfunc: UFunc(pyfunc, sigs, target)


# --- guvectorize --------------------------------------------------------------------------------

_DIMS = re.compile(r"\(\s*([\w\s,]*)\)")


def _parse_layout(layout):
    """'(m,n),(n,p)->(m,p)' -> ([('m','n'), ('n','p')], [('m','p')])."""
    if not isinstance(layout, str) or "->" not in layout:
        raise ValueError(f"a gufunc layout reads '(m,n),(n)->(m)', not {layout!r}")
    sides = layout.replace(" ", "").split("->")

    def dims(side):
        groups = _DIMS.findall(side)
        if ",".join(f"({g})" for g in groups) != side:
            raise ValueError(f"a gufunc layout reads '(m,n),(n)->(m)', not {layout!r}")
        return [tuple(d for d in g.split(",") if d) for g in groups]

    ins, outs = dims(sides[0]), dims(sides[1])
    if not ins or not outs:
        raise ValueError(f"a gufunc layout needs inputs and outputs: {layout!r}")
    return ins, outs


class GUFunc:
    """A generalized ufunc (numba-cuda's CUDA gufunc): loops the function over the outer dimensions."""

    def __init__(self, pyfunc, sigs, layout, target=None):
        functools.update_wrapper(self, pyfunc)
        self.py_func = pyfunc
        self.signatures = sigs
        self.layout = layout
        self.ins, self.outs = _parse_layout(layout)
        self.nin, self.nout = len(self.ins), len(self.outs)
        self.nargs = self.nin + self.nout
        for s in sigs:
            if s.ret is not None:
                raise TypeError(f"guvectorized functions cannot return values: signature {s.text} specifies "
                                f"{s.ret_text} return type")
            if len(s.params) != self.nargs:
                raise TypeError(f"signature {s.text} has {len(s.params)} parameters; layout {layout!r} "
                                f"has {self.nargs}")
            for (_, ndim), core in zip(s.params, self.ins + self.outs):
                if ndim < len(core):
                    raise TypeError(f"signature {s.text} gives a parameter {ndim} dimensions where layout "
                                    f"{layout!r} has {len(core)} core dimensions")
        self._device = _device_function(pyfunc, sigs)
        args = [f"a{k}" for k in range(self.nargs)]
        body = f"i = ptxforge.grid(1)\nif i < n:\n    f({', '.join(a + '[i]' for a in args)})\n"
        self._kernel = _generated_kernel(f"guvectorize of {self.__name__}", [*args, "n"], body,
                                         {"ptxforge": _ptxforge(), "f": self._device}, target)

    def __call__(self, *args, out=None, stream=0):
        if out is not None:
            if len(args) > self.nin:
                raise ValueError("cannot specify argument 'out' as both positional and keyword")
            args = (*args, *(out if isinstance(out, tuple) else (out,)))
        if len(args) not in (self.nin, self.nargs):
            k = len(args)
            raise TypeError(f"gufunc accepts {self.nin} positional arguments (inputs) or {self.nargs} "
                            f"positional arguments (inputs and outputs). Got {k} positional "
                            f"argument{'' if k == 1 else 's'}.")
        args = [_as_device_array(x) for x in args]
        given = list(args[self.nin:])
        ins = [x if _is_device(x) else np.asarray(x) for x in args[:self.nin]]
        sig = self.signatures[_choose(self.signatures, [x.dtype for x in ins], f"gufunc '{self.__name__}'")]
        ins = [_host_input(x, d, stream) for x, (d, _) in zip(ins, sig.params)]
        sizes = {}
        outers = []
        for x, core, (_, ndim) in zip(ins, self.ins, sig.params):
            outers.append(self._bind(x, core, ndim, sizes))
        for x, core, (_, ndim) in zip(given, self.outs, sig.params[self.nin:]):
            outers.append(self._bind(x, core, ndim, sizes))
        outer = np.broadcast_shapes(*outers)
        nloop = int(np.prod(outer, dtype=np.int64))
        on_device = any(_is_device(x) for x in args)
        flat = [self._flat(x, outer, core, ndim, sizes, stream)
                for x, core, (_, ndim) in zip(ins, self.ins, sig.params)]
        results = []
        for k, (core, (dtype, ndim)) in enumerate(zip(self.outs, sig.params[self.nin:])):
            if any(d not in sizes for d in core):
                raise ValueError(f"gufunc '{self.__name__}': output dimension of {core} is not given by "
                                 "the inputs; pass the output array")
            kshape = (nloop, *(sizes[d] for d in core), *(1,) * (ndim - len(core)))
            shape = (*outer, *(sizes[d] for d in core))
            target = given[k] if k < len(given) else None
            direct = target is not None and _is_device(target) and tuple(target.shape) == shape \
                and target.dtype == dtype and as_cuda_array(target).is_c_contiguous()
            buf = as_cuda_array(target).reshape(kshape) if direct else device_array(kshape, dtype, stream=stream)
            results.append((buf, shape, target, direct))
            flat.append(buf if ndim else buf.reshape(nloop))
        _launch(self._kernel, nloop, stream, *flat)
        values = [_finish(buf.reshape(-1), shape, target, direct, on_device, stream)
                  for buf, shape, target, direct in results]
        return values[0] if len(values) == 1 else tuple(values)

    def _bind(self, x, core, ndim, sizes):
        """Binds `x`'s core dimensions by name; returns its outer (loop) shape."""
        shape = tuple(x.shape)
        k = len(core)
        if len(shape) < k:
            raise ValueError(f"gufunc '{self.__name__}': an argument of shape {shape} has fewer dimensions "
                             f"than its core {core} in layout {self.layout!r}")
        inner = shape[len(shape) - k:] if k else ()
        for name, size in zip(core, inner):
            if sizes.setdefault(name, size) != size:
                raise ValueError(f"gufunc '{self.__name__}': dimension '{name}' is {sizes[name]} in one "
                                 f"argument and {size} in another")
        return shape[:len(shape) - k]

    def _flat(self, x, outer, core, ndim, sizes, stream):
        """`x` as a device array of (loops, core..., 1...) or (loops,) for a number."""
        core_shape = tuple(sizes[d] for d in core)
        full = (*outer, *core_shape)
        nloop = int(np.prod(outer, dtype=np.int64))
        kshape = (nloop, *core_shape, *(1,) * (ndim - len(core)))
        flat = _flat_device(x, full, stream)
        return flat.reshape(kshape) if ndim else flat.reshape(nloop)

    def __repr__(self):
        return f"<ptxforge gufunc {self.__name__} {self.layout}>"


def guvectorize(signatures, layout, **options):
    """numba-cuda's ``cuda.guvectorize``: ``@guvectorize(['void(float32[:], float32[:])'], '(n)->()')``.

    The function writes its outputs (the last parameters) and returns nothing.
    The gufunc loops it over the arguments' outer dimensions, broadcast as NumPy
    does, on host or device arrays; outputs are allocated unless passed
    positionally or with ``out=``; ``stream=`` orders the work.
    """
    def bad(unknown):
        return TypeError("The following target options are not supported: "
                         + ", ".join(repr(u) for u in unknown))

    target = _check_options(options, _GUVECTORIZE_OPTIONS, bad)
    sigs = _signatures(signatures)
    return lambda pyfunc: GUFunc(pyfunc, sigs, layout, target)


# --- Reduce -------------------------------------------------------------------------------------

_REDUCE_THREADS = 256
_REDUCE_BODY = """\
sm = ptxforge.shared.array(256, DT)
tid = ptxforge.threadIdx.x
first = ptxforge.blockIdx.x * 256
i = first + tid
if i < n:
    acc = x[i]
    j = i + ptxforge.gridDim.x * 256
    while j < n:
        acc = f(acc, x[j])
        j += ptxforge.gridDim.x * 256
    sm[tid] = acc
ptxforge.syncthreads()
s = 128
while s > 0:
    if tid < s and first + tid + s < n:
        sm[tid] = f(sm[tid], sm[tid + s])
    ptxforge.syncthreads()
    s //= 2
if tid == 0:
    out[ptxforge.blockIdx.x] = sm[0]
"""


def _lambda_source(pyfunc):
    """A lambda's source as a function definition whose body sits at the user's lines; None where the
    lines hold no single lambda of its parameters."""
    import inspect
    import linecache

    lines, first = inspect.getsourcelines(pyfunc)
    filename = inspect.getsourcefile(pyfunc) or pyfunc.__code__.co_filename
    snippet = "".join(lines)
    dedented = textwrap.dedent(snippet)
    lead = next((ln for ln in lines if ln.strip()), "")
    col = len(lead) - len(lead.lstrip()) if dedented != snippet else 0
    try:
        module = ast.parse(dedented)
    except SyntaxError:  # a lambda inside a longer statement: parse the first line alone
        module = ast.parse(textwrap.dedent(lines[0]).rstrip().rstrip("\\").rstrip("(,") or "pass")
    argnames = pyfunc.__code__.co_varnames[:pyfunc.__code__.co_argcount]
    found = [n for n in ast.walk(module) if isinstance(n, ast.Lambda) and
             tuple(a.arg for a in n.args.args) == tuple(argnames)]
    if len(found) != 1:
        return None
    lam = found[0]
    ret = ast.Return(value=lam.body)
    ast.copy_location(ret, lam.body)
    fn = ast.FunctionDef(name="lambda_function", args=lam.args, body=[ret], decorator_list=[], returns=None,
                         type_params=[])
    ast.copy_location(fn, lam)
    fn.end_lineno, fn.end_col_offset = lam.end_lineno, lam.end_col_offset
    src = FunctionSource.__new__(FunctionSource)
    src.lines = lines
    src.filename = filename
    src.line_offset = max(first - 1, 0)
    src.col_offset = col
    file_lines = linecache.getlines(filename)
    src.file_text = "".join(file_lines) if file_lines else "\n" * src.line_offset + snippet
    src.tree = fn
    src.names = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
    return src


class Reduce:
    """numba-cuda's ``cuda.Reduce(binop)``: ``r(arr, size=None, res=None, init=0, stream=0)``.

    `binop` (a function of two numbers, or a lambda) must be associative and
    commutative; the array is folded in a tree on the device, and `init` joins
    the result (an empty array gives `init`). With `res` (a device array) the
    result is written to ``res[0]`` on the device and None is returned.
    """

    def __init__(self, functor):
        self._functor = getattr(functor, "py_func", functor)
        self._kernels = {}
        _register_lambda(self._functor)

    def _kernel(self, dtype):
        kern = self._kernels.get(dtype)
        if kern is None:
            from . import jit

            name = _spell(dtype, 0)
            device = jit(f"{name}({name}, {name})", device=True)(self._functor)
            kern = _generated_kernel(f"Reduce of {getattr(self._functor, '__name__', 'a function')}",
                                     ["x", "out", "n"], _REDUCE_BODY,
                                     {"ptxforge": _ptxforge(), "f": device, "DT": dtype.type})
            self._kernels[dtype] = kern
        return kern

    def __call__(self, arr, size=None, res=None, init=0, stream=0):
        x = as_cuda_array(arr) if _is_device(arr) else np.asarray(arr)
        if x.ndim != 1:
            raise TypeError(f"Reduce takes a 1-d array, not one of shape {tuple(x.shape)}")
        if size is not None:
            x = x[:size]
        dtype = x.dtype
        n = int(x.shape[0])
        kern = self._kernel(dtype)
        init_arr = np.array([init], dtype=dtype)
        if n == 0:
            if res is not None:
                as_cuda_array(res)[:1].copy_to_device(init_arr, stream=stream)
                return None
            return init_arr[0]
        if not _is_device(x):
            x = to_device(np.ascontiguousarray(x), stream=stream)
        while n > 1:
            blocks = min((n + _REDUCE_THREADS - 1) // _REDUCE_THREADS, 1024)
            partial = device_array((blocks,), dtype, stream=stream)
            kern[blocks, _REDUCE_THREADS, stream](x, partial, n)
            x, n = partial, blocks
        # init joins last, on the device: the pair (init, total) folds once more.
        pair = device_array((2,), dtype, stream=stream)
        pair[:1].copy_to_device(init_arr, stream=stream)
        pair[1:].copy_to_device(x[:1], stream=stream)
        total = device_array((1,), dtype, stream=stream)
        kern[1, _REDUCE_THREADS, stream](pair, total, 2)
        if res is not None:
            as_cuda_array(res)[:1].copy_to_device(total, stream=stream)
            return None
        host = total.copy_to_host(stream=stream)
        _sync(stream)
        return host[0]


reduce = Reduce


def _ptxforge():
    import ptxforge

    return ptxforge
