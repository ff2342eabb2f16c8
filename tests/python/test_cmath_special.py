"""cmath at the special values: CPython's results, bit for bit where they are exact.

Every cmath function runs over a grid of every pairing of +-0, small and
ordinary numbers, numbers near the overflow thresholds, huge numbers (where
naive formulas overflow: 1e154 squared), the largest finite value, +-inf and
NaN, for complex128 and complex64. Where CPython returns a value, a part that
is inf, NaN or zero must be the same (the sign of a zero and of an infinity
included), and any other part must be within a few ulps of |result|, as
numba's tests measure. Where CPython raises (log(0), atanh(1), exp(1 + inf j)),
the kernel gives the value C99 Annex G gives, which is the value CPython
computes before raising; CPython's own test cases (cmath_testcases.txt, where
the Python installation has them) hold those values.

The same checks run twice: on the GPU (marked ``gpu``) and, everywhere, on
this machine's CPU: the kernel's unoptimised LLVM IR is compiled for the host
with llc, its libdevice calls bound to the C library's functions of the same
names, so that the lowering's case logic is checked without a GPU.
"""

import cmath
import ctypes
import itertools
import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import ptxforge as pf

UNARY = ["sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan",
         "sinh", "cosh", "tanh", "asinh", "acosh", "atanh"]
FUNCTIONS = UNARY + ["rect", "polar", "phase"]
DTYPES = {"complex128": np.complex128, "complex64": np.complex64}

# What each kernel stores for element i: a complex number, so that every function compares alike.
_EXPR = dict({name: f"cmath.{name}(z[i])" for name in UNARY},
             rect="cmath.rect(z[i].real, z[i].imag)",
             polar="complex(*cmath.polar(z[i]))",
             phase="complex(cmath.phase(z[i]), 0.0)")

_SOURCE = '''
@pf.kernel
def gpu_{name}(z, out):
    i = pf.grid(1)
    if i < z.size:
        out[i] = {expr}


@pf.kernel
def host_{name}(z, out):
    for i in range(z.size):
        out[i] = {expr}
'''


@pytest.fixture(scope="module")
def kernels(tmp_path_factory):
    """The module of kernels: gpu_<name> (one thread an element) and host_<name> (a plain loop)."""
    import importlib.util

    path = tmp_path_factory.mktemp("cmath") / "cmath_special_kernels.py"
    path.write_text("import cmath\nimport ptxforge as pf\n" +
                    "".join(_SOURCE.format(name=n, expr=_EXPR[n]) for n in FUNCTIONS))
    spec = importlib.util.spec_from_file_location("cmath_special_kernels", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the grid and the expectations ------------------------------------------------------------


def _magnitudes(dtype):
    if dtype == np.complex128:
        return [5e-324, 1e-300, 0.5, 1.0, 1.5, 2.0, math.pi, 3.5, 709.0, 711.0,
                1e154, 1e155, 1e200, 1e300, sys.float_info.max, math.inf]
    return [1e-45, 1e-38, 0.5, 1.0, 1.5, 2.0, math.pi, 3.5, 88.0, 90.0,
            1e19, 1e20, 1e30, 1e38, float(np.finfo(np.float32).max), math.inf]


def special_grid(dtype):
    """Every pairing of the special reals, as an array of `dtype`."""
    pos = [float(dtype(v).real) for v in _magnitudes(dtype)]
    reals = [-v for v in reversed(pos)] + [-0.0, 0.0] + pos + [math.nan]
    return np.array([complex(x, y) for x, y in itertools.product(reals, reals)], dtype=dtype)


def _changed_after_3_13(name, z):
    """Points where CPython's main branch took C11's newer values: ptxforge gives 3.10-3.13's."""
    if sys.version_info < (3, 14):
        return False
    x, y = (z.imag, -z.real) if name == "tan" else (z.real, z.imag)  # tan(z) = -i tanh(iz)
    return name in ("acosh", "tanh", "tan") and x == 0 and math.isnan(y)


def cpython(name, z):
    """CPython's value of `name` at `z` (a complex), or None where CPython raises."""
    if _changed_after_3_13(name, z):
        return None
    try:
        if name == "rect":
            return cmath.rect(z.real, z.imag)
        if name == "polar":
            return complex(*cmath.polar(z))
        if name == "phase":
            return complex(cmath.phase(z), 0.0)
        return getattr(cmath, name)(z)
    except (ValueError, OverflowError):
        return None


def _modulus(z):
    """|z| over its finite parts (the scale of the error allowed in them)."""
    return math.hypot(*(p for p in (z.real, z.imag) if math.isfinite(p)))


def _same(got, want):
    return got == want and math.copysign(1, got) == math.copysign(1, want)


def mismatches(name, z, got, dtype, ulps):
    """Where `got` (the kernel's results at `z`) differs from CPython; also the count compared.

    A part CPython gives as inf or NaN, or as a zero, must be that (a part that
    overflows complex64 must be inf); any other part must lie within
    ulps * eps * |result| (numba's measure), or ulps * the smallest subnormal where
    the result underflows.
    """
    eps = float(np.finfo(dtype(0).real.dtype).eps)
    tiny = float(np.finfo(dtype(0).real.dtype).smallest_subnormal)
    bad, compared = [], 0
    for zi, gi in zip(z, got):
        zc, gc = complex(zi), complex(gi)
        want = cpython(name, zc)
        if want is None:
            continue
        compared += 1
        with np.errstate(over="ignore"):
            rounded = complex(dtype(want))
        # Where complex64 overflows and float64 does not, only the infinite part is
        # checked: CPython would have raised OverflowError for float64.
        overflow = math.isinf(abs(rounded)) and math.isfinite(abs(want))
        scale = ulps * max(eps * _modulus(want), tiny)
        for g, w, wr in ((gc.real, want.real, rounded.real), (gc.imag, want.imag, rounded.imag)):
            if overflow and math.isfinite(wr):
                continue
            if math.isnan(w):
                ok = math.isnan(g)
            elif math.isinf(wr) or w == 0:
                ok = _same(g, wr)
            else:
                ok = math.isfinite(g) and abs(g - w) <= scale
            if not ok:
                bad.append(f"cmath.{name}({zc!r}) = {gc!r}, CPython gives {want!r}")
                break
    return bad, compared


# Where CPython raises: C99 Annex G's values (the ones CPython computes first).
ANNEX_G = [
    ("log", complex(0.0, 0.0), complex(-math.inf, 0.0)),
    ("log", complex(-0.0, 0.0), complex(-math.inf, math.pi)),
    ("log", complex(-0.0, -0.0), complex(-math.inf, -math.pi)),
    ("log10", complex(0.0, -0.0), complex(-math.inf, -0.0)),
    ("atanh", complex(1.0, 0.0), complex(math.inf, 0.0)),
    ("atanh", complex(1.0, -0.0), complex(math.inf, -0.0)),
    ("atanh", complex(-1.0, 0.0), complex(-math.inf, 0.0)),
    ("atan", complex(0.0, 1.0), complex(0.0, math.inf)),
    ("atan", complex(-0.0, -1.0), complex(-0.0, -math.inf)),
    ("exp", complex(1.0, math.inf), complex(math.nan, math.nan)),
    ("exp", complex(math.inf, math.inf), complex(math.inf, math.nan)),
    ("exp", complex(1000.0, -0.0), complex(math.inf, -0.0)),
    ("exp", complex(1000.0, 1.0), complex(math.inf, math.inf)),
    ("exp", complex(1000.0, -2.0), complex(-math.inf, -math.inf)),
    ("cosh", complex(0.0, math.inf), complex(math.nan, 0.0)),
    ("cosh", complex(-1000.0, 0.0), complex(math.inf, -0.0)),
    ("cosh", complex(math.inf, math.inf), complex(math.inf, math.nan)),
    ("sinh", complex(-0.0, math.inf), complex(0.0, math.nan)),
    ("sinh", complex(1000.0, -0.0), complex(math.inf, -0.0)),
    ("sinh", complex(math.inf, math.nan), complex(math.inf, math.nan)),
    ("tanh", complex(1.0, math.inf), complex(math.nan, math.nan)),
    ("cos", complex(math.inf, 0.0), complex(math.nan, 0.0)),
    ("sin", complex(math.inf, 0.0), complex(math.nan, -0.0)),
    ("tan", complex(math.inf, 1.0), complex(math.nan, math.nan)),
    ("rect", complex(1.0, math.inf), complex(math.nan, math.nan)),
    ("rect", complex(-2.0, math.nan), complex(math.nan, math.nan)),
]


def annex_g_mismatches(name, run, dtype):
    cases = [(z, w) for n, z, w in ANNEX_G if n == name]
    if not cases:
        return []
    z = np.array([c[0] for c in cases], dtype=dtype)
    got = run(name, z)
    bad = []
    for (zi, want), g in zip(cases, got):
        g, want = complex(g), complex(dtype(want))
        for gp, wp in ((g.real, want.real), (g.imag, want.imag)):
            if not (math.isnan(gp) if math.isnan(wp) else _same(gp, wp)):
                bad.append(f"cmath.{name}({zi!r}) = {g!r}, Annex G gives {want!r}")
                break
    return bad


def _testcases_file():
    import test

    for rel in ("mathdata/cmath_testcases.txt", "cmath_testcases.txt"):
        path = os.path.join(os.path.dirname(test.__file__), rel)
        if os.path.exists(path):
            return path
    return None


def cpython_cases(name):
    """CPython's own special-value test cases for `name` (those with an inf, a NaN or a flag)."""
    try:
        path = _testcases_file()
    except ImportError:
        path = None
    if path is None:
        pytest.skip("this Python has no test/cmath_testcases.txt")
    cases = []
    with open(path) as f:
        for line in f:
            line = line.split("--")[0].strip()
            if not line:
                continue
            lhs, rhs = line.split("->")
            _, fn, re_, im = lhs.split()
            out = rhs.split()
            want, flags = complex(float(out[0]), float(out[1])), out[2:]
            special = flags or not (math.isfinite(want.real) and math.isfinite(want.imag))
            if fn == name and special:
                cases.append((complex(float(re_), float(im)), want, flags))
    return cases


def cases_mismatches(name, run):
    cases = cpython_cases(name)
    if not cases:
        return [], 0
    got = run(name, np.array([c[0] for c in cases], dtype=np.complex128))
    bad = []
    for (z, want, flags), g in zip(cases, got):
        g = complex(g)
        for gp, wp, free in ((g.real, want.real, "ignore-real-sign" in flags),
                             (g.imag, want.imag, "ignore-imag-sign" in flags)):
            if free:
                gp, wp = abs(gp), abs(wp)
            if math.isnan(wp):
                ok = math.isnan(gp)
            elif math.isinf(wp) or wp == 0:
                ok = _same(gp, wp)
            else:
                ok = math.isfinite(gp) and abs(gp - wp) <= 8 * 2.0 ** -52 * _modulus(want)
            if not ok:
                bad.append(f"cmath.{name}({z!r}) = {g!r}, CPython's test case gives {want!r} {flags}")
                break
    return bad, len(cases)


# -- on this machine's CPU: the unoptimised IR through llc -------------------------------------


def _llc():
    for cand in ("llc-19", "/usr/lib/llvm-19/bin/llc"):
        found = shutil.which(cand)
        if found:
            return found
    return None


_C_TYPES = {"double": "double", "float": "float"}


def _shim(ir):
    """C definitions of the libdevice functions `ir` calls, each the C library's namesake."""
    lines = ["#include <math.h>"]
    for ret, name, params in re.findall(r"declare (?:\w+ )*(double|float) @__nv_(\w+)\(([^)]*)\)", ir):
        args = [p.split()[0] for p in params.split(",")]
        decl = ", ".join(f"{_C_TYPES[t]} a{i}" for i, t in enumerate(args))
        call = ", ".join(f"a{i}" for i in range(len(args)))
        lines.append(f"{_C_TYPES[ret]} __nv_{name}({decl}) {{ return {name}({call}); }}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def host(kernels, tmp_path_factory):
    """``host(name, z)``: the results of host_<name> at `z`, run on this machine's CPU."""
    llc, cc = _llc(), shutil.which("cc") or shutil.which("gcc")
    if llc is None or cc is None:
        pytest.skip("no llc-19 or C compiler here: the host run of the lowering is skipped")
    work = tmp_path_factory.mktemp("cmath-host")
    built = {}

    def build(name, dtype):
        t = np.dtype(dtype).name
        kernel = getattr(kernels, f"host_{name}")
        artifacts = kernel._compile((f"{t}[::1]", f"{t}[::1]"), (9, 0), "ptx", keep_ir=True).artifacts
        ir = artifacts.llvm
        entry = re.search(r"define void @(\w+)\(([^)]*)\)", ir)
        assert entry and len(entry.group(2).split(",")) == 4, "the kernel ABI changed: update this harness"
        stem = work / f"{name}_{t}"
        stem.with_suffix(".ll").write_text("\n".join(ln for ln in ir.splitlines() if not ln.startswith("target ")))
        stem.with_suffix(".c").write_text(_shim(ir))
        subprocess.run([llc, "-O2", "-mtriple=x86_64-unknown-linux-gnu", "-relocation-model=pic", "-filetype=obj",
                        str(stem.with_suffix(".ll")), "-o", str(stem.with_suffix(".o"))], check=True)
        subprocess.run([cc, "-shared", "-fPIC", "-O1", str(stem.with_suffix(".c")), str(stem.with_suffix(".o")),
                        "-o", str(stem.with_suffix(".so")), "-lm"], check=True)
        return getattr(ctypes.CDLL(str(stem.with_suffix(".so"))), entry.group(1))

    def run(name, z):
        key = (name, z.dtype)
        if key not in built:
            built[key] = build(name, z.dtype)
        z = np.ascontiguousarray(z)
        out = np.zeros_like(z)
        built[key](ctypes.c_void_p(z.ctypes.data), ctypes.c_int64(z.size),
                   ctypes.c_void_p(out.ctypes.data), ctypes.c_int64(out.size))
        return out

    if sys.platform != "linux" or os.uname().machine != "x86_64":
        pytest.skip("the host run targets x86-64 Linux")
    return run


def check_special_values(run, name, dtype, ulps):
    """`run(name, z)` (the kernel's results at `z`) agrees with CPython on the grid and with Annex G."""
    z = special_grid(dtype)
    bad, compared = mismatches(name, z, run(name, z), dtype, ulps)
    assert compared > len(z) // 2
    assert not bad, f"{len(bad)} of {compared} differ from CPython:\n" + "\n".join(bad[:20])
    bad = annex_g_mismatches(name, run, dtype)
    assert not bad, "\n".join(bad)


def check_cpython_cases(run, name):
    bad, count = cases_mismatches(name, run)
    assert not bad, f"{len(bad)} of {count}:\n" + "\n".join(bad[:20])


@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("name", FUNCTIONS)
def test_special_values_on_host(host, name, dtype):
    check_special_values(host, name, dtype, ulps=4)


@pytest.mark.parametrize("name", FUNCTIONS[:-1])
def test_cpython_test_cases_on_host(host, name):
    check_cpython_cases(host, name)


# -- on the GPU ---------------------------------------------------------------------------------


def _gpu_run(kernels):
    def run(name, z):
        z = np.ascontiguousarray(z)
        out = np.zeros_like(z)
        getattr(kernels, f"gpu_{name}")[(z.size + 127) // 128, 128](z, out)
        return out

    return run


@pytest.mark.gpu
@pytest.mark.parametrize("dtype", DTYPES.values(), ids=DTYPES.keys())
@pytest.mark.parametrize("name", FUNCTIONS)
def test_special_values_on_gpu(kernels, name, dtype):
    check_special_values(_gpu_run(kernels), name, dtype, ulps=8)


@pytest.mark.gpu
@pytest.mark.parametrize("name", FUNCTIONS[:-1])
def test_cpython_test_cases_on_gpu(kernels, name):
    check_cpython_cases(_gpu_run(kernels), name)


def test_every_kernel_compiles_for_both_types(kernels):
    # ptxas (run on every PTX a test makes) assembles each for sm_90.
    for name, t in itertools.product(FUNCTIONS, DTYPES):
        ptx, _ = pf.compile_ptx(getattr(kernels, f"gpu_{name}").py_func, f"void({t}[::1], {t}[::1])")
        assert ".entry" in ptx
