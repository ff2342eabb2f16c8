"""The fuzzer's inputs: kernels, signatures, capabilities and options, each from one seed.

Five generators, picked at random per input:

- ``program``: random well-typed-ish kernels from a small grammar (scalars of every
  dtype, arrays of 1 to 3 dimensions, control flow, the GPU intrinsics, atomics,
  shared and local arrays, device functions, module-level constants);
- ``mutant``: a kernel of tests/python/corpus, examples/ or fuzz_kernels_*.py with
  a few of its nodes changed (operators, constants, names, statements, calls);
- ``edge``: deep nesting, huge expressions, huge literals, many parameters, long
  tuples, long call chains;
- ``rejected``: a small kernel with one construct Python accepts and kernels do
  not (try, with, yield, lambda, global, f-strings, match, walrus, star args ...);
- ``signature``: a fixed kernel under random, odd or malformed signatures and options.

Every input has a capability from 5.0 to 12.1 (sometimes a nonsense one) and
random compile options. ``make(seed)`` rebuilds an input exactly.
"""

import ast
import glob
import os
import random
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

CAPABILITIES = [(5, 0), (5, 2), (5, 3), (6, 0), (6, 1), (6, 2), (7, 0), (7, 2), (7, 5), (8, 0), (8, 6), (8, 7),
                (8, 8), (8, 9), (9, 0), (10, 0), (10, 1), (10, 3), (11, 0), (12, 0), (12, 1)]
NONSENSE_CC = [(0, 0), (9, 9), (99, 0), (-1, 0), (9,), (12, 7), "9.0", (9.0, 0)]

INTS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOATS = ["float16", "float32", "float64", "bfloat16"]
COMPLEX = ["complex64", "complex128"]
SCALARS = INTS + FLOATS + COMPLEX + ["bool"]
NP_NAMES = {"bfloat16": "pf.bfloat16", "bool": "np.bool_"}
LAYOUTS = {1: ["[::1]", "[:]"], 2: ["[:, ::1]", "[::1, :]", "[:, :]"], 3: ["[:, :, ::1]", "[:, :, :]"]}

HEADER = "import math\nimport numpy as np\nimport ptxforge as pf\n\n"


class Input:
    __slots__ = ("source", "func", "sig", "cc", "device", "options", "origin")

    def __init__(self, source, func, sig, cc, device=False, options=None, origin=""):
        self.source, self.func, self.sig, self.cc = source, func, sig, cc
        self.device, self.options, self.origin = device, options or {}, origin


def ctor(dtype):
    return NP_NAMES.get(dtype, "np." + dtype)


def pick_cc(rng):
    r = rng.random()
    if r < 0.03:
        return rng.choice(NONSENSE_CC)
    if r < 0.35:
        return (9, 0)
    return rng.choice(CAPABILITIES)


def pick_options(rng):
    o = {}
    if rng.random() < 0.25:
        o["fastmath"] = True
    if rng.random() < 0.1:
        o["fma"] = False
    if rng.random() < 0.15:
        o["opt"] = False
    if rng.random() < 0.1:
        o["lineinfo"] = True
    if rng.random() < 0.08:
        o["max_registers"] = rng.choice([32, 64, 255, 0, -1, 2**31, 2**40, 1.5])
    if rng.random() < 0.08:
        o["launch_bounds"] = rng.choice([256, (128, 2), 1024, (64, 0), 2**31, (2**31, 1), 0, -5, (1, 2, 3)])
    return o


def array_type(rng, dtype=None, ndim=None):
    dtype = dtype or rng.choice(SCALARS)
    ndim = ndim or rng.choice([1, 1, 1, 2, 2, 3])
    return dtype + rng.choice(LAYOUTS[ndim]), dtype, ndim


def literal(rng, kind="int"):
    r = rng.random()
    if kind == "float":
        return rng.choice(["0.5", "1.0", "-2.5", "1e-45", "3.4e38", "1e308", "1e-320", "float('inf')",
                           "-math.inf", "math.nan", "math.pi", "0.0", "-0.0", "65504.0", "1e39"])
    if kind == "bool":
        return rng.choice(["True", "False"])
    if r < 0.93:
        return str(rng.choice([0, 1, 2, 3, 7, 31, 32, 255, 256, -1, -128, 1000, 65535]))
    return str(rng.choice([2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64 - 1, -(2**63), 2**64, 10**30, -(2**64)]))


class ProgramGen:
    """A random kernel: parameters, then statements over them and over fresh locals."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.arrays = []  # (name, dtype, ndim)
        self.scalars = []  # (name, kind) with kind int, float, bool, complex
        self.counter = 0
        self.depth = 0
        self.loop_depth = 0
        self.globals = []
        self.devfuncs = []

    def fresh(self, prefix="v"):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def kind_of(self, dtype):
        if dtype in INTS:
            return "int"
        if dtype in FLOATS:
            return "float"
        if dtype in COMPLEX:
            return "complex"
        return "bool"

    def index(self, ndim):
        rng = self.rng
        parts = []
        for _ in range(ndim):
            r = rng.random()
            if r < 0.5:
                parts.append("i")
            elif r < 0.7:
                parts.append(literal(rng) if rng.random() < 0.2 else str(rng.randint(0, 3)))
            elif r < 0.8:
                parts.append(self.expr("int", 1))
            elif r < 0.9:
                parts.append(rng.choice([":", "1:", "::2", ":-1"]))
            else:
                parts.append("-1")
        return ", ".join(parts)

    def element(self, want=None):
        cands = [a for a in self.arrays if want is None or self.kind_of(a[1]) == want]
        if not cands:
            return None
        name, dtype, ndim = self.rng.choice(cands)
        return f"{name}[{', '.join('i' if self.rng.random() < 0.8 else str(self.rng.randint(0, 2)) for _ in range(ndim))}]"

    def expr(self, kind="int", depth=0):
        rng = self.rng
        if depth > 4 or rng.random() < 0.3:
            return self.leaf(kind)
        r = rng.random()
        if kind in ("int", "float", "complex"):
            if r < 0.35:
                ops = ["+", "-", "*"] + (["//", "%", "&", "|", "^", "<<", ">>"] if kind == "int" else ["/"])
                ops += ["**"] if rng.random() < 0.2 else []
                return f"({self.expr(kind, depth + 1)} {rng.choice(ops)} {self.expr(kind, depth + 1)})"
            if r < 0.45:
                return f"({rng.choice(['-', '+', '~' if kind == 'int' else '-'])}{self.expr(kind, depth + 1)})"
            if r < 0.6 and kind == "float":
                f = rng.choice(["sqrt", "exp", "log", "sin", "cos", "tanh", "floor", "ceil", "fabs", "erf",
                                "expm1", "log1p", "atan", "gamma", "lgamma", "trunc"])
                if rng.random() < 0.2:
                    f2 = rng.choice(["pow", "atan2", "hypot", "copysign", "fmod", "ldexp", "remainder"])
                    return f"math.{f2}({self.expr(kind, depth + 1)}, {self.expr(kind, depth + 1)})"
                return f"math.{f}({self.expr(kind, depth + 1)})"
            if r < 0.7:
                b = rng.choice(["abs", "min", "max", "round", "int", "float"])
                if b in ("min", "max"):
                    return f"{b}({self.expr(kind, depth + 1)}, {self.expr(kind, depth + 1)})"
                if b == "round" and rng.random() < 0.5:
                    return f"round({self.expr(kind, depth + 1)}, {rng.randint(-2, 3)})"
                return f"{b}({self.expr(kind, depth + 1)})"
            if r < 0.8:
                t = rng.choice(SCALARS)
                return f"{ctor(t)}({self.expr(self.kind_of(t) if t != 'bool' else 'int', depth + 1)})"
            if r < 0.87:
                return f"({self.expr(kind, depth + 1)} if {self.expr('bool', depth + 1)} else {self.expr(kind, depth + 1)})"
            if r < 0.95:
                return self.intrinsic(kind, depth)
            return self.leaf(kind)
        # bool
        if r < 0.5:
            k = rng.choice(["int", "float"])
            ops = ["<", "<=", ">", ">=", "==", "!="]
            chain = " ".join(f"{self.expr(k, depth + 1)} {rng.choice(ops)}" for _ in range(rng.randint(1, 3)))
            return f"({chain} {self.expr(k, depth + 1)})"
        if r < 0.7:
            return f"({self.expr('bool', depth + 1)} {rng.choice(['and', 'or'])} {self.expr('bool', depth + 1)})"
        if r < 0.8:
            return f"(not {self.expr('bool', depth + 1)})"
        if r < 0.9:
            return f"math.{rng.choice(['isnan', 'isinf', 'isfinite'])}({self.expr('float', depth + 1)})"
        return self.leaf("bool")

    def intrinsic(self, kind, depth):
        rng = self.rng
        e = self.expr(kind, depth + 1)
        choices = [
            f"pf.shfl_sync(0xffffffff, {e}, {rng.randint(0, 40)})",
            f"pf.shfl_down_sync(pf.activemask(), {e}, 1)",
            f"pf.shfl_xor_sync(0xffffffff, {e}, {rng.choice([1, 16, 0])})",
            "pf.laneid", "pf.warpsize", "pf.threadIdx.x", "pf.blockIdx.y", "pf.blockDim.x", "pf.gridDim.z",
            "pf.grid(1)", "pf.gridsize(1)", "pf.activemask()", "pf.lanemask_lt()", "pf.clock64()",
            f"pf.ballot_sync(0xffffffff, {self.expr('bool', depth + 1)})",
            f"pf.all_sync(0xffffffff, {self.expr('bool', depth + 1)})",
            f"pf.match_any_sync(0xffffffff, {e})",
            f"pf.popc({e})", f"pf.brev({e})", f"pf.clz({e})", f"pf.ffs({e})",
            f"pf.fma({e}, {e}, {e})", f"pf.cbrt({e})",
            f"pf.selp({self.expr('bool', depth + 1)}, {e}, {e})",
            f"pf.syncthreads_count({self.expr('bool', depth + 1)})",
        ]
        arr = self.element()
        if arr:
            name = arr.split("[")[0]
            op = rng.choice(["add", "sub", "max", "min", "exch", "and_", "or_", "xor", "inc", "dec", "nanmax",
                             "nanmin"])
            idx = arr[len(name) + 1:-1]
            choices.append(f"pf.atomic.{op}({name}, ({idx}), {e})")
            if rng.random() < 0.3:
                choices.append(f"pf.atomic.cas({name}, ({idx}), {e}, {e})")
                choices.append(f"pf.atomic.compare_and_swap({name}, {e}, {e})")
        if self.globals:
            g = rng.choice(self.globals)
            choices.append(f"{g}[i % {g}.size]" if rng.random() < 0.7 else f"pf.atomic.add({g}, 0, 1)")
        if self.devfuncs:
            d, nargs = rng.choice(self.devfuncs)
            choices.append(f"{d}({', '.join(self.expr(kind, depth + 1) for _ in range(nargs))})")
        return rng.choice(choices)

    def leaf(self, kind):
        rng = self.rng
        r = rng.random()
        scal = [n for n, k in self.scalars if k == kind]
        if r < 0.35 and scal:
            return rng.choice(scal)
        if r < 0.65:
            el = self.element(kind) or self.element()
            if el:
                return el
        if r < 0.75 and self.arrays:
            name, _, ndim = rng.choice(self.arrays)
            return rng.choice([f"{name}.size", f"{name}.shape[0]", f"len({name})", f"{name}.ndim",
                               f"{name}.shape[{ndim - 1}]"])
        if kind == "bool":
            return literal(rng, "bool")
        if kind == "complex":
            return rng.choice(["1j", "(2.5 - 1j)", "complex(1, 2)"])
        return literal(rng, "float" if kind == "float" and rng.random() < 0.7 else "int")

    def emit(self, text):
        self.lines.append("    " * (self.depth + 1) + text)

    def statement(self):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            kind = rng.choice(["int", "int", "float", "float", "bool", "complex"])
            name = self.fresh()
            self.emit(f"{name} = {self.expr(kind)}")
            self.scalars.append((name, kind))
        elif r < 0.45 and self.arrays:
            name, dtype, ndim = rng.choice(self.arrays)
            self.emit(f"{name}[{self.index(ndim)}] = {self.expr(self.kind_of(dtype))}")
        elif r < 0.52 and self.scalars:
            name, kind = rng.choice(self.scalars)
            ops = ["+=", "-=", "*="] + (["//=", "%=", "&=", "<<="] if kind == "int" else ["/="])
            self.emit(f"{name} {rng.choice(ops)} {self.expr(kind)}")
        elif r < 0.62 and self.depth < 6:
            self.emit(f"if {self.expr('bool')}:")
            self.block()
            if rng.random() < 0.3:
                self.emit(f"elif {self.expr('bool')}:")
                self.block()
            if rng.random() < 0.4:
                self.emit("else:")
                self.block()
        elif r < 0.7 and self.depth < 6:
            var = self.fresh("k")
            args = rng.choice([f"{rng.randint(0, 8)}", f"0, {self.expr('int')}", f"{rng.randint(0, 9)}, 0, -1",
                               f"1, {rng.randint(2, 40)}, {rng.randint(1, 3)}"])
            self.emit(f"for {var} in range({args}):")
            self.scalars.append((var, "int"))
            self.loop_depth += 1
            self.block()
            self.loop_depth -= 1
        elif r < 0.74 and self.depth < 6:
            c = self.fresh("c")
            self.emit(f"{c} = 0")
            self.emit(f"while {c} < {rng.randint(0, 5)} and {self.expr('bool')}:")
            self.depth += 1
            self.emit(f"{c} += 1")
            self.depth -= 1
            self.loop_depth += 1
            self.block()
            self.loop_depth -= 1
        elif r < 0.77 and self.loop_depth:
            self.emit(rng.choice(["break", "continue"]))
        elif r < 0.82:
            dtype = rng.choice(SCALARS)
            name = self.fresh("s")
            space = rng.choice(["shared", "local"])
            shape = rng.choice(["32", "(4, 8)", "1", "(2, 2, 2)", "0", "100000", "(16, 17)"])
            self.emit(f"{name} = pf.{space}.array({shape}, {ctor(dtype)})")
            ndim = shape.count(",") + 1
            self.arrays.append((name, dtype, ndim))
            self.emit(f"{name}[{', '.join(['0'] * ndim)}] = {self.expr(self.kind_of(dtype))}")
        elif r < 0.86:
            self.emit(rng.choice(["pf.syncthreads()", "pf.syncwarp()", "pf.threadfence()", "pf.threadfence_block()",
                                  "pf.syncwarp(0xffff)", f"pf.nanosleep({rng.choice([1, 100, 10**6])})",
                                  "pf.threadfence_system()"]))
        elif r < 0.9:
            a, b = self.fresh("t"), self.fresh("t")
            self.emit(f"{a}, {b} = {self.expr('int')}, {self.expr('float')}")
            self.scalars += [(a, "int"), (b, "float")]
            if rng.random() < 0.3:
                t = self.fresh("tu")
                n = rng.choice([0, 1, 3, 40])
                self.emit(f"{t} = ({', '.join(self.expr('float', 3) for _ in range(n))}{',' if n == 1 else ''})")
                if n:
                    self.emit(f"{a} = int({t}[{rng.randint(0, n - 1)}]) + len({t})")
        elif r < 0.94:
            self.emit(self.intrinsic(rng.choice(["int", "float"]), 2))
        elif r < 0.96:
            self.emit("return")
        else:
            self.emit("pass")

    def block(self):
        self.depth += 1
        for _ in range(self.rng.randint(1, 3)):
            self.statement()
        self.depth -= 1

    def devfunc(self):
        rng = self.rng
        name = self.fresh("dev")
        nargs = rng.randint(0, 3)
        params = [f"p{n}" for n in range(nargs)]
        body = "    return " + (" + ".join(params) if params else rng.choice(["1", "2.5", "()", "(1, 2.0)", "None"]))
        if rng.random() < 0.2:
            body = "    pass"
        self.devfuncs.append((name, nargs))
        return f"@pf.jit(device=True)\ndef {name}({', '.join(params)}):\n{body}\n\n\n"

    def program(self):
        rng = self.rng
        pre = []
        for _ in range(rng.choice([0, 0, 1, 2])):
            pre.append(self.devfunc())
        if rng.random() < 0.2:
            g = self.fresh("LUT")
            dtype = rng.choice(INTS + ["float32", "float64", "float16"])
            n = rng.choice([4, 100, 16384, 20000])
            pre.append(f"{g} = np.arange({n}).astype(np.{dtype})\n")
            self.globals.append(g)
        nparams = rng.randint(1, 4)
        params, types = [], []
        for n in range(nparams):
            pname = f"a{n}"
            if rng.random() < 0.7:
                t, dtype, ndim = array_type(rng)
                self.arrays.append((pname, dtype, ndim))
            else:
                t = rng.choice(SCALARS + ["UniTuple(float32, 3)", "Tuple(int32, float64)"])
                if not t.startswith(("Uni", "Tup")):
                    self.scalars.append((pname, self.kind_of(t)))
            params.append(pname)
            types.append(t)
        self.emit("i = pf.grid(1)")
        self.scalars.append(("i", "int"))
        for _ in range(rng.randint(1, 8)):
            self.statement()
        src = HEADER + "".join(pre) + f"\ndef kernel({', '.join(params)}):\n" + "\n".join(self.lines) + "\n"
        return src, f"void({', '.join(types)})"


def gen_program(rng):
    src, sig = ProgramGen(rng).program()
    return Input(src, "kernel", sig, pick_cc(rng), options=pick_options(rng))


# -- mutants of the corpus and the examples --------------------------------------------------

def _sources():
    paths = sorted(glob.glob(os.path.join(ROOT, "tests", "python", "corpus", "k_*.py")))
    paths += sorted(glob.glob(os.path.join(ROOT, "examples", "*.py")))
    paths += sorted(glob.glob(os.path.join(ROOT, "tests", "python", "fuzz_kernels_*.py")))
    return paths


_PARSED = {}


def _parsed(path):
    if path not in _PARSED:
        with open(path) as f:
            _PARSED[path] = ast.parse(f.read())
    return _PARSED[path]


def _is_device(fn):
    for d in fn.decorator_list:
        if isinstance(d, ast.Call) and any(k.arg == "device" for k in d.keywords):
            return True
    return False


class Mutator(ast.NodeTransformer):
    BINOPS = [ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow, ast.LShift, ast.RShift,
              ast.BitOr, ast.BitXor, ast.BitAnd]
    CMPOPS = [ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq]
    CALLS = ["math.sqrt", "math.floor", "abs", "round", "int", "float", "pf.popc", "pf.cbrt", "np.float16",
             "pf.bfloat16", "np.int8", "np.uint64", "np.complex64", "pf.float32", "bool", "math.isnan",
             "math.exp", "min", "max", "len", "range", "pf.atomic.add", "pf.atomic.max", "pf.atomic.cas",
             "pf.atomic.exch", "pf.shfl_sync", "pf.syncthreads", "pf.activemask", "pf.nanosleep",
             "pf.fp8.fp8_e4m3", "pf.fp8.fp8_e5m2", "pf.fp8.fp8_e8m0", "pf.fp8.cvt_float_to_fp8",
             "pf.fp8.cvt_e8m0_to_bf16raw"]

    def __init__(self, rng, names, rate):
        self.rng, self.names, self.rate = rng, names, rate
        self.changed = 0

    def hit(self):
        if self.rng.random() < self.rate:
            self.changed += 1
            return True
        return False

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if self.hit():
            node.op = self.rng.choice(self.BINOPS)()
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if self.hit():
            node.ops = [self.rng.choice(self.CMPOPS)() for _ in node.ops]
        return node

    def visit_Constant(self, node):
        if self.hit():
            rng = self.rng
            r = rng.random()
            if r < 0.5:
                return ast.parse(literal(rng, rng.choice(["int", "float", "bool"])), mode="eval").body
            if r < 0.7:
                return ast.Constant(rng.choice([None, "s", b"b", 1j, ..., (), 10**40]))
            return ast.Tuple([ast.Constant(n) for n in range(rng.choice([0, 1, 2, 50]))], ast.Load())
        return node

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and self.names and self.hit():
            node.id = self.rng.choice(self.names)
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if self.hit():
            r = self.rng.random()
            if r < 0.5:
                node.func = ast.parse(self.rng.choice(self.CALLS), mode="eval").body
            elif r < 0.75 and node.args:
                node.args.pop(self.rng.randrange(len(node.args)))
            else:
                node.args.append(ast.parse(literal(self.rng), mode="eval").body)
        return node

    def visit_Subscript(self, node):
        self.generic_visit(node)
        if self.hit():
            text = self.rng.choice(["0", "-1", "0, 0", "0, 0, 0, 0", "::-1", "i % 3", "1:2", "...", "2**40",
                                    "0, 1:", "None", "0.5", "::0"])
            node.slice = ast.parse(f"a[{text}]", mode="eval").body.slice
        return node

    def _mutate_body(self, body):
        rng = self.rng
        out = []
        for stmt in body:
            stmt = self.visit(stmt)
            if isinstance(stmt, list):
                out.extend(stmt)
                continue
            if self.hit():
                r = rng.random()
                if r < 0.3:
                    continue  # delete
                if r < 0.5:
                    out += [stmt, stmt]  # duplicate
                    continue
                if r < 0.7:
                    wrap = ast.parse(rng.choice(["if pf.threadIdx.x < 3:\n    pass", "for _q in range(3):\n    pass",
                                                 "while False:\n    pass"])).body[0]
                    wrap.body = [stmt]
                    out.append(wrap)
                    continue
                if r < 0.85:
                    out += [stmt] + ast.parse(rng.choice(REJECTED)).body
                    continue
                out += [stmt, ast.parse("return").body[0]]
                continue
            out.append(stmt)
        return out or [ast.Pass()]

    def generic_visit(self, node):
        for field in ("body", "orelse", "finalbody"):
            if isinstance(getattr(node, field, None), list) and not isinstance(node, ast.Module):
                setattr(node, field, self._mutate_body(getattr(node, field)))
        for field, value in ast.iter_fields(node):
            if field in ("body", "orelse", "finalbody"):
                continue
            if isinstance(value, list):
                new = []
                for item in value:
                    if isinstance(item, ast.AST):
                        item = self.visit(item)
                        if item is None:
                            continue
                    new.append(item)
                value[:] = new
            elif isinstance(value, ast.AST):
                setattr(node, field, self.visit(value))
        return node


def _param_type(rng, fn, pname):
    """An array type whose dimension count matches how `fn` indexes `pname`, or a scalar."""
    ndims = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == pname:
            ndims.append(len(node.slice.elts) if isinstance(node.slice, ast.Tuple) else 1)
    if not ndims and rng.random() < 0.7:
        return rng.choice(SCALARS[:11])
    ndim = min(max(max(ndims) if ndims else rng.choice([1, 2]), 1), 3)
    if rng.random() < 0.15:
        ndim = rng.choice([1, 2, 3])
    dtype = rng.choice(["float32", "float32", "float64", "int32", "int64"] + SCALARS)
    return dtype + rng.choice(LAYOUTS[ndim])


def gen_mutant(rng):
    path = rng.choice(_sources())
    tree = _parsed(path)
    fns = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    kernels = [f for f in fns if f.decorator_list and not _is_device(f)] or fns
    target = rng.choice(kernels)
    keep = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom) and node.module == "corpus":
                continue
            keep.append(node)
        elif isinstance(node, ast.Assign) and not any(isinstance(t, ast.Name) and t.id == "CASES"
                                                      for t in node.targets):
            if "Case(" not in ast.unparse(node) and "globals()" not in ast.unparse(node):
                keep.append(node)
        elif isinstance(node, ast.FunctionDef) and node is not target and _is_device(node):
            keep.append(node)
    fn = ast.parse(ast.unparse(target)).body[0]  # a copy
    fn.decorator_list = []
    names = sorted({n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | {a.arg for a in fn.args.args})
    m = Mutator(rng, names, rate=rng.choice([0.02, 0.05, 0.1, 0.2]))
    fn.body = m._mutate_body(fn.body)
    module = ast.Module(body=keep + [fn], type_ignores=[])
    try:
        src = "import math\nimport numpy as np\nimport ptxforge as pf\ncuda = pf\n" + ast.unparse(
            ast.fix_missing_locations(module)) + "\n"
    except Exception:  # noqa: BLE001 -- an unparsable mutant: fall back to the unmutated kernel
        src = open(path).read()
    sig = f"void({', '.join(_param_type(rng, fn, a.arg) for a in fn.args.args)})"
    rel = os.path.relpath(path, ROOT)
    return Input(src, fn.name, sig, pick_cc(rng), options=pick_options(rng), origin=f"mutant of {rel}:{fn.name}")


# -- edges: sizes and depths ------------------------------------------------------------------

def gen_edge(rng):
    kind = rng.choice(["deep_if", "deep_parens", "long_sum", "huge_int", "huge_float", "tuple_literal",
                       "tuple_param", "many_params", "call_chain", "long_elif", "deep_loops", "many_locals",
                       "big_shared", "big_local", "long_string", "deep_unary", "huge_range", "deep_ternary",
                       "indented", "long_bool"])
    n = rng.choice([10, 50, 100, 300, 1000, 2000])
    sig = "void(float64[::1])"
    body = []
    pre = ""
    if kind == "deep_if":
        d = min(n, 95)
        body = [("    " * k) + f"if x[0] > {k}:" for k in range(d)] + ["    " * d + "x[0] = 1"]
    elif kind == "deep_parens":
        d = min(n, 180)
        body = ["x[0] = " + "(" * d + "x[0] + 1" + ")" * d]
    elif kind == "long_sum":
        body = ["x[0] = x[0]" + rng.choice([" + 1", " * x[1]", " - 0.5", " + x[0]"]) * n * rng.choice([1, 5])]
    elif kind == "huge_int":
        body = [f"x[0] = {10 ** min(n, 400)}"]
    elif kind == "huge_float":
        body = [f"x[0] = {rng.choice(['1e400', '1e-400', '1' + '0' * 400 + '.0', '9' * 300 + 'e10'])}"]
    elif kind == "tuple_literal":
        body = [f"t = ({', '.join(str(k) + ('.5' if rng.random() < 0.5 else '') for k in range(n))},)",
                "x[0] = t[pf.threadIdx.x % " + str(n) + "] if False else t[0]"]
    elif kind == "tuple_param":
        m = min(n, 1500)
        sig = f"void(float64[::1], UniTuple({rng.choice(['float64', 'int32', 'float16'])}, {m}))"
        return Input(HEADER + "def kernel(x, t):\n    x[0] = t[0] + t[-1]\n", "kernel", sig, pick_cc(rng),
                     options=pick_options(rng), origin=f"edge {kind} {m}")
    elif kind == "many_params":
        m = rng.choice([100, 272, 273, 300, 600, 1000])
        params = ", ".join(f"p{k}" for k in range(m))
        t = rng.choice(["float32[::1]", "float64[:, :]", "int8", "float64", "Tuple(int8, float64)"])
        src = HEADER + f"def kernel({params}):\n    pass\n"
        return Input(src, "kernel", f"void({', '.join([t] * m)})", pick_cc(rng), options=pick_options(rng),
                     origin=f"edge {kind} {m} x {t}")
    elif kind == "call_chain":
        m = min(n, 200)
        for k in range(m):
            callee = f"f{k + 1}(v + 1)" if k + 1 < m else "v"
            pre += f"@pf.jit(device=True)\ndef f{k}(v):\n    return {callee}\n\n\n"
        body = ["x[0] = f0(x[0])"]
    elif kind == "long_elif":
        body = ["v = x[0]", "if v == 0:", "    x[0] = 0"]
        for k in range(1, min(n, 1000)):
            body += [f"elif v == {k}:", f"    x[0] = {k}"]
    elif kind == "deep_loops":
        d = min(n, 19)
        body = ["s = 0"] + [("    " * k) + f"for i{k} in range(2):" for k in range(d)] + ["    " * d + "s += 1",
                                                                                            "x[0] = s"]
    elif kind == "many_locals":
        body = [f"v{k} = x[{k % 7}] + {k}" for k in range(n)] + ["x[0] = " + " + ".join(f"v{k}" for k in range(n))]
    elif kind == "big_shared":
        body = [f"s = pf.shared.array({rng.choice([12288, 49152, 2**20, 2**31, 2**40, -1])}, np.float64)",
                "s[0] = 1.0", "x[0] = s[0]"]
    elif kind == "big_local":
        body = [f"s = pf.local.array({rng.choice([1000, 2**20, 2**31, 2**62])}, np.float64)", "s[0] = 1.0",
                "x[0] = s[0]"]
    elif kind == "long_string":
        body = [f"s = '{'a' * n}'", "x[0] = 1"]
    elif kind == "deep_unary":
        body = ["x[0] = " + rng.choice(["- ", "+ ", "not "]) * n + "x[0]"]
    elif kind == "huge_range":
        body = [f"for k in range({rng.choice(['2**63 - 1', '2**64', '-2**63', '10**20', '0, 10, 0'])}):",
                "    x[0] += 1", "    break"]
    elif kind == "deep_ternary":
        body = ["x[0] = " + "".join(f"{k} if x[0] == {k} else " for k in range(min(n, 300))) + "-1"]
    elif kind == "long_bool":
        body = ["x[0] = " + " and ".join(f"x[{k % 9}] > {k}" for k in range(min(n, 1000)))]
    elif kind == "indented":
        # A kernel defined inside a block, whose body has a continuation line
        # or a multi-line string at a lower indent than the def.
        inner = rng.choice(['    v = x[0] + \\\n1.0\n    x[0] = v\n',
                            '    """doc\nstring at column 0\n"""\n    x[0] = 1.0\n',
                            '    v = (x[0] +\n  2.0)\n    x[0] = v\n'])
        lines = inner.splitlines(keepends=True)
        indented = "".join("    " + ln if ln.startswith("    ") else ln for ln in lines)
        src = HEADER + "if True:\n    def kernel(x):\n" + indented
        return Input(src, "kernel", sig, pick_cc(rng), options=pick_options(rng), origin=f"edge {kind}")
    src = HEADER + pre + "def kernel(x):\n" + textwrap.indent("\n".join(body), "    ") + "\n"
    return Input(src, "kernel", sig, pick_cc(rng), options=pick_options(rng), origin=f"edge {kind} {n}")


# -- constructs kernels reject ---------------------------------------------------------------

REJECTED = [
    "try:\n    x[0] = 1\nexcept Exception:\n    pass",
    "try:\n    x[0] = 1\nfinally:\n    x[0] = 2",
    "with open('f') as f:\n    pass",
    "yield 1",
    "yield from range(3)",
    "f = lambda v: v + 1",
    "global G\nG = 1",
    "s = f'{x[0]}'",
    "match x[0]:\n    case 1:\n        x[0] = 2\n    case _:\n        pass",
    "if (n := x[0]) > 0:\n    x[0] = n",
    "x[0] = max(*(1, 2))",
    "x[0] = dict(a=1)['a']",
    "class C:\n    pass",
    "del x",
    "assert x[0] > 0, 'no'",
    "raise ValueError('x')",
    "import os",
    "l = [v for v in range(3)]",
    "s = {1, 2}",
    "d = {1: 2}",
    "g = sum(v for v in range(3))",
    "print(x[0])",
    "x[0] = None",
    "x[0] = ...",
    "x[0] = x @ x",
    "a, *b = (1, 2, 3)",
    "a = b = x[0]",
    "x.y = 1",
    "def inner(v):\n    return v\nx[0] = inner(1)",
    "x[0] = x[0] is None",
    "x[0] = 1 in (1, 2)",
    "x[0] = isinstance(x, int)",
    "for a, b in zip(x, x):\n    pass",
    "for k, v in enumerate(x):\n    pass",
    "x[0] = type(x[0])(1)",
    "async def co():\n    pass",
    "x[0] = 'abc'[0]",
    "x[0] = b'a'[0]",
    "x[0] = [1, 2][0]",
    "x[0] = x[::0][0]",
    "x[0] = unknown_name",
    "x[0] = v_before_assignment\nv_before_assignment = 1",
    "if x[0] > 0:\n    w = 1\nx[0] = w",
    "x[0] = (lambda: 1)()",
    "nonlocal_missing = 1\nx[0] += nonlocal_missing",
    "x[0] = x.T[0]",
    "x[0] = x.sum()",
    "x[0] = len(3)",
    "x[0] = 1 if x else 2",
    "x[0:2] = (1, 2, 3)",
    "x[0] = -x",
    "x += 1",
    "x = x + 1",
    "x[0] = sorted(x)[0]",
]

REJECTED_DEFS = [
    "def kernel(x, *args):\n    x[0] = 1\n",
    "def kernel(x, **kw):\n    x[0] = 1\n",
    "def kernel(x, y=1):\n    x[0] = y\n",
    "def kernel(x, *, y):\n    x[0] = y\n",
    "async def kernel(x):\n    x[0] = 1\n",
    "def kernel(x):\n    def inner():\n        nonlocal x\n        x = 1\n    x[0] = 1\n",
    "def kernel(x) -> int:\n    return 1\n",
    "def kernel(x: 'float32[::1]'):\n    x[0] = 1\n",
    "def kernel(x):\n    '''a docstring'''\n    x[0] = 1\n",
    "def kernel(x):\n    return kernel(x)\n",
    "def kernel(x):\n    x[0] = x[0]\n    return 5\n",
]


def gen_rejected(rng):
    if rng.random() < 0.2:
        src = HEADER + rng.choice(REJECTED_DEFS)
        return Input(src, "kernel", "void(float64[::1])", pick_cc(rng), options=pick_options(rng),
                     origin="rejected def")
    construct = rng.choice(REJECTED)
    before = rng.choice(["", "i = pf.grid(1)\n", "for q in range(2):\n    pass\n"])
    body = before + construct + "\n"
    if rng.random() < 0.3:
        body = "if pf.threadIdx.x == 0:\n" + textwrap.indent(body, "    ")
    src = HEADER + "def kernel(x):\n" + textwrap.indent(body, "    ")
    return Input(src, "kernel", rng.choice(["void(float64[::1])", "void(int32[:])", "void(float32[:, ::1])"]),
                 pick_cc(rng), options=pick_options(rng), origin=f"rejected {construct.splitlines()[0]!r}")


# -- signatures --------------------------------------------------------------------------------

BAD_SIGS = ["void(", "void(float32[::1]", "flaot32(float32)", "", "void(float32[::2])", "void(float32[::1, ::1])",
            "void(Tuple())", "void(UniTuple(float32, -1))", "void(UniTuple(float32, 100000000))", "()",
            "void(float32[:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:,:])", "void(int128)",
            "void(float32)(float32)", "void(Tuple(float32, Tuple(float32, Tuple(int8, bool))))", "int32(int32)",
            "void(float32 [::1])", "void(float32[::1],)", "void(,)", "\x00", "void(float32[::1]) extra",
            "void(Record(a=float32))", "void(complex256)", "void(float32[::1][::1])", "Tuple(int8)(int8)"]


def gen_signature(rng):
    body = rng.choice(["    x[0] = x[0] + 1\n", "    pass\n", "    i = pf.grid(1)\n    x[i] = y\n",
                       "    return\n"])
    params = "x" if "y" not in body else "x, y"
    if rng.random() < 0.4:
        sig = rng.choice(BAD_SIGS)
    else:
        n = params.count(",") + 1
        parts = []
        for _ in range(rng.choice([n, n, n, n - 1, n + 1])):
            if rng.random() < 0.5:
                parts.append(array_type(rng)[0])
            else:
                parts.append(rng.choice(SCALARS + ["UniTuple(int8, 0)", "Tuple(float32, UniTuple(int8, 2))",
                                                   "UniTuple(bool, 7)"]))
        sig = f"{rng.choice(['void', 'void', 'float32', 'none'])}({', '.join(parts)})"
    device = rng.random() < 0.2
    src = HEADER + f"def kernel({params}):\n" + body
    return Input(src, "kernel", sig, pick_cc(rng), device=device, options=pick_options(rng),
                 origin=f"signature {sig[:80]!r}")


GENERATORS = [(gen_program, 0.4), (gen_mutant, 0.3), (gen_edge, 0.1), (gen_rejected, 0.12), (gen_signature, 0.08)]


def make(seed):
    """The input of `seed`."""
    rng = random.Random(seed)
    r = rng.random()
    for gen, weight in GENERATORS:
        if r < weight:
            try:
                inp = gen(rng)
            except Exception as e:  # noqa: BLE001 -- a generator bug must not stop a long run
                inp = Input(HEADER + "def kernel(x):\n    pass\n", "kernel", "void(int8[::1])", (9, 0),
                            origin=f"generator failed: {type(e).__name__}: {e}")
            inp.origin = f"seed {seed}: {gen.__name__[4:]}" + (f" ({inp.origin})" if inp.origin else "")
            return inp
        r -= weight
    return make(seed + 1)
