"""Reading a kernel's source and resolving the globals it names.

The function is parsed with CPython's ``ast`` from its own lines; the C++
side receives the tree plus the offsets that put every node back at its
line and column in the user's file.
"""

import ast
import builtins
import cmath
import enum
import inspect
import linecache
import math
import operator
import sys
import textwrap
import threading
import weakref

from . import _intrinsics
from ._typeobjects import dtype_type_name, is_numba_type, is_numpy_dtype, numba_scalar_name, type_name
from .errors import CompileError

# Builtins the kernel language knows; any other builtin is reported as such.
_KERNEL_BUILTINS = {"range", "len", "min", "max", "abs", "round", "int", "float", "bool", "complex", "pow",
                    "print", "enumerate", "zip", "isinstance", "tuple"}
_NUMBA_TYPE_MODULES = {"numba.types", "numba.core.types", "numba.cuda.types"}
_MODULE_PATHS = {"ptxforge": "ptxforge", "numba.cuda": "ptxforge", "math": "math", "numpy": "numpy",
                 "cmath": "cmath", "operator": "operator", "ptxforge.libdevice": "ptxforge.libdevice",
                 "numba.cuda.libdevice": "ptxforge.libdevice"}


def _unreadable_source_message(pyfunc, exc):
    """What to do when a function's source cannot be read: ptxforge compiles source, not bytecode."""
    filename = getattr(getattr(pyfunc, "__code__", None), "co_filename", "?")
    return (
        f"cannot read the source of {getattr(pyfunc, '__qualname__', pyfunc)!r} (defined in {filename}: {exc}). "
        "ptxforge compiles a kernel from its Python source, which Python keeps only for functions defined in "
        "files and notebook cells. Do one of these instead:\n"
        "  - define the kernel in a .py file (or a notebook cell) and import it, rather than typing it at "
        "the plain 'python' prompt;\n"
        "  - for a kernel built from a string with exec(), give the string a file name and register its text "
        "with linecache before exec, so that its source can be read:\n"
        "        import linecache\n"
        "        name = '<my kernels>'\n"
        "        linecache.cache[name] = (len(src), None, src.splitlines(True), name)\n"
        "        exec(compile(src, name, 'exec'), namespace)\n"
        "    (or write the string to a .py file and import that)."
    )


def parse_snippet(snippet):
    """(an ast.Module whose line 1 is the snippet's first line, the columns dedent took off).

    The snippet is dedented where that leaves valid Python. A function defined
    in an indented block whose continuation lines or multi-line strings sit
    below its indent (even at column 0) defeats dedent, and is parsed in place
    under a dummy block instead, its columns the file's own (0 taken off)."""
    if not snippet[:1].isspace():
        return ast.parse(snippet), 0
    dedented = textwrap.dedent(snippet)
    if dedented != snippet:
        try:
            module = ast.parse(dedented)
        except SyntaxError:
            pass
        else:
            first = next(ln for ln in snippet.splitlines() if ln.strip())
            return module, len(first) - len(first.lstrip())
    module = ast.Module(body=ast.parse("if 1:\n" + snippet).body[0].body, type_ignores=[])
    ast.increment_lineno(module, -1)
    return module, 0


class FunctionSource:
    """A function's tree, its file, and where its snippet sits in the file."""

    __slots__ = ("tree", "filename", "file_text", "line_offset", "col_offset", "names", "lines", "nested", "all_names")

    def __init__(self, pyfunc):
        found = _lines_from_file_tree(pyfunc) or _lambda_from_file_tree(pyfunc)
        if found is not None:
            lines, first_line, filename = found
        else:
            try:
                lines, first_line = _command_line_source(pyfunc) or inspect.getsourcelines(pyfunc)
            except (OSError, TypeError) as exc:
                raise CompileError(_unreadable_source_message(pyfunc, exc)) from None
            filename = inspect.getsourcefile(pyfunc) or pyfunc.__code__.co_filename
        self._setup(lines, filename, max(first_line - 1, 0), None, linecache.getlines(filename),
                    pyfunc.__name__, lambda dotted: _module_attribute(pyfunc, dotted) is not None)

    @classmethod
    def from_lines(cls, lines, filename, line_offset, col_offset, dotted=()):
        """The source of a function carried elsewhere (a kernel pickled by value): its lines
        and their place in their file, with no file to read. `dotted`: the module attribute
        chains (``helpers.add``) that the function read as globals where it was made."""
        self = cls.__new__(cls)
        self._setup(list(lines), filename, line_offset, col_offset, None, None, set(dotted).__contains__)
        return self

    def _setup(self, lines, filename, line_offset, col_offset, file_lines, name, is_module_global):
        self.lines = lines
        self.filename = filename
        self.line_offset = line_offset
        snippet = "".join(lines)
        if file_lines:
            self.file_text = "".join(file_lines)
        else:  # keep line numbers right even without the whole file
            self.file_text = "\n" * self.line_offset + snippet
        module, dedent = parse_snippet(snippet)
        body = module.body
        self.col_offset = dedent if col_offset is None else col_offset
        tree = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))), None)
        if tree is None:
            tree = _lambda_as_function(module)
        if tree is None:
            first = next((ln for ln in lines if ln.strip()), "").rstrip("\n")
            col = first.find("lambda") + 1 if name == "<lambda>" and "lambda" in first else 1
            msg = ("this lambda's source cannot be told apart from the code around it: define the kernel or "
                   "device function with def" if name == "<lambda>"
                   else f"no function definition found for {name or 'the function'}")
            line = self.line_offset + 1
            raise CompileError(f"{self.filename}:{line}:{col}: error: {msg}\n    {first}\n    {' ' * (col - 1)}^",
                               self.filename, line, col, msg)
        self.nested = {}
        from . import _closures

        _flatten_module_attributes(tree, is_module_global)

        self.all_names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}  # nested functions' too
        if _closures.has_nested(tree):
            try:
                tree, self.nested = _closures.lifted_copy(tree)
            except _closures.ClosureError as exc:
                self._fail(exc.node, exc.msg)
        self.tree = tree
        self.names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}

    def _fail(self, node, msg):
        """A CompileError at `node` of this function's tree."""
        from .errors import compile_error_class

        line = node.lineno + self.line_offset
        col = node.col_offset + self.col_offset + 1
        lines = self.file_text.splitlines()
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        rendered = f"{self.filename}:{line}:{col}: error: {msg}\n    {text}\n    {' ' * (col - 1)}^"
        raise compile_error_class()(rendered, self.filename, line, col, msg)


def _user_module(value):
    """True for a module that kernels do not know by name (the user's own: `import helpers`)."""
    return inspect.ismodule(value) and value.__name__ not in _MODULE_PATHS and \
        value.__name__ not in _NUMBA_TYPE_MODULES and value.__name__ != "numba"


def _lookup(pyfunc, name):
    """(found, value) of `name` in the function's closure, else its globals."""
    code = pyfunc.__code__
    if pyfunc.__closure__ and name in code.co_freevars:
        try:
            return True, pyfunc.__closure__[code.co_freevars.index(name)].cell_contents
        except ValueError:
            return False, None
    if name in code.co_varnames or name in code.co_cellvars:
        return False, None  # a local of the function, not the global of that name
    scope = pyfunc.__globals__
    return (True, scope[name]) if name in scope else (False, None)


def _module_attribute(pyfunc, dotted):
    """(the value of `dotted`,) (``helpers.add``, ``pkg.sub.N``, ``pf.random.f``) when its first
    name is a global or closure variable holding a module, every part but the last is a module,
    and one of those is the user's own (or ptxforge.random: a module kernels do not know by
    name); else None."""
    base, *attrs = dotted.split(".")
    found, value = _lookup(pyfunc, base)
    if not found or not attrs or not inspect.ismodule(value):
        return None
    through_user = False
    for attr in attrs:
        if not inspect.ismodule(value) or not hasattr(value, attr):
            return None
        through_user = through_user or _user_module(value)
        value = getattr(value, attr)
    return (value,) if through_user else None


def _flatten_module_attributes(tree, is_module_global):
    """Rewrites, in place, each read of an attribute of one of the user's modules
    (``helpers.add(x)``, ``config.N``) into a read of the global named by the whole chain
    (``helpers.add``), which resolve_names then describes: numba reads module attributes
    as globals, frozen when compiled. Iterative (ast.walk): kernels may nest deeply."""

    def flattened(node):
        """`node` (an ast.Attribute) with its longest module-attribute prefix made a Name."""
        chain, parts = [], []
        at = node
        while isinstance(at, ast.Attribute):
            chain.append(at)
            parts.append(at.attr)
            at = at.value
        if not isinstance(at, ast.Name) or not isinstance(node.ctx, ast.Load):
            return node
        parts.append(at.id)
        parts.reverse()
        chain.reverse()  # chain[k] is the Attribute whose text is parts[:k + 2]
        for n in range(len(parts), 1, -1):
            dotted = ".".join(parts[:n])
            if is_module_global(dotted):
                name = ast.copy_location(ast.Name(id=dotted, ctx=ast.Load()), chain[n - 2])
                if n - 2 == len(chain) - 1:
                    return name
                chain[n - 1].value = name
                return node
        return node

    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if isinstance(value, ast.Attribute):
                setattr(parent, field, flattened(value))
            elif isinstance(value, list):
                for k, item in enumerate(value):
                    if isinstance(item, ast.Attribute):
                        value[k] = flattened(item)


def _lambda_as_function(module):
    """The first lambda of a line (``cuda.jit("void()")(lambda: None)``) as the function
    ``def lambda_(args): return body``, at the lambda's place in the file."""
    lam = next((n for n in ast.walk(module) if isinstance(n, ast.Lambda)), None)
    if lam is None:
        return None
    body = ast.copy_location(ast.Return(value=lam.body), lam.body)
    fields = {"name": "lambda_", "args": lam.args, "body": [body], "decorator_list": [], "returns": None,
              "type_comment": None}
    if "type_params" in ast.FunctionDef._fields:
        fields["type_params"] = []
    tree = ast.copy_location(ast.FunctionDef(**fields), lam)
    tree.end_lineno, tree.end_col_offset = lam.end_lineno, lam.end_col_offset
    return ast.fix_missing_locations(tree)


# Each source file's tree, parsed once, with the file's lines it was parsed from:
# finding a function's lines in it is much cheaper in a fresh process than
# inspect.getsourcelines, whose tokenizer compiles large regular expressions.
_file_trees: dict = {}
_file_trees_lock = threading.Lock()


def _lines_from_file_tree(pyfunc):
    """(lines, first line, file name) of a plain function, found in its file's tree; None when
    the fast way does not apply (lambdas, no file, a file that does not parse), and
    inspect.getsourcelines is asked instead."""
    code = getattr(pyfunc, "__code__", None)
    if code is None or pyfunc.__name__ == "<lambda>":
        return None
    filename = code.co_filename
    linecache.checkcache(filename)  # as inspect does: a file edited since it was read is read again
    file_lines = linecache.getlines(filename)
    if not file_lines:
        return None
    with _file_trees_lock:
        cached = _file_trees.get(filename)
    if cached is None or cached[0] is not file_lines:
        try:
            tree = ast.parse("".join(file_lines))
        except (SyntaxError, ValueError):
            return None
        starts = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                starts.setdefault((first, node.name), node.end_lineno)
        cached = (file_lines, starts)
        with _file_trees_lock:
            _file_trees[filename] = cached
    end = cached[1].get((code.co_firstlineno, pyfunc.__name__))
    if end is None:
        return None
    return file_lines[code.co_firstlineno - 1:end], code.co_firstlineno, filename


def _lambda_from_file_tree(pyfunc):
    """(lines, first line, file name) of a lambda: the lambda's own text found in its file's tree,
    its first line padded to the lambda's column (a lambda inside a call spread over several
    lines, ``compile_ptx(\n    lambda: None, (), cc=cc)``, is no statement of its own). None when
    it is not a lambda, or the line holds several lambdas with its parameters."""
    code = getattr(pyfunc, "__code__", None)
    if code is None or pyfunc.__name__ != "<lambda>":
        return None
    filename = code.co_filename
    file_lines = linecache.getlines(filename)
    if not file_lines:
        return None
    try:
        tree = ast.parse("".join(file_lines))
    except (SyntaxError, ValueError):
        return None
    params = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and n.lineno == code.co_firstlineno and
             [a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs] == params]
    if len(found) != 1:
        return None
    text = ast.get_source_segment("".join(file_lines), found[0])
    if text is None:
        return None
    return (" " * found[0].col_offset + text).splitlines(True), code.co_firstlineno, filename


def _command_line_source(pyfunc):
    """(lines, first line) of a function defined in the code of ``python -c CODE``, which Python
    keeps in sys.orig_argv but not where inspect looks; None for any other function. The code
    is compiled again and must hold this very function (its name, first line and bytecode), so
    that a function exec()'d from another string (also in '<string>') is never mistaken for it."""
    code = getattr(pyfunc, "__code__", None)
    if code is None or code.co_filename != "<string>":
        return None
    argv = getattr(sys, "orig_argv", ())
    source = next((argv[i + 1] for i in range(1, len(argv) - 1) if argv[i] == "-c"), None)
    if source is None:
        return None
    try:
        top = compile(source, "<string>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return None
    pending = [top]
    while pending:
        c = pending.pop()
        if (c.co_name, c.co_firstlineno, c.co_code) == (code.co_name, code.co_firstlineno, code.co_code):
            return inspect.getblock(source.splitlines(True)[code.co_firstlineno - 1:]), code.co_firstlineno
        pending.extend(k for k in c.co_consts if inspect.iscode(k))
    return None


def _describe(value):
    """A global's meaning for the compiler: ("path", p), ("const", type, v), ("array", dtype, shape,
    bytes), ("tuple", [...]), ("none",), ("devfunc", f) or ("opaque", what)."""
    if value is None:
        return ("none",)
    path = getattr(value, "_pf_path", None)
    if isinstance(path, str):
        return ("path", path)
    frozen = getattr(value, "_pf_frozen", None)  # a global that travelled with a pickled kernel
    if isinstance(frozen, tuple):
        return frozen
    if getattr(value, "_pf_device_function", False):
        return ("devfunc", value)
    if getattr(value, "_pf_external", False):
        return value._describe()
    if isinstance(value, type) and issubclass(value, BaseException):
        return ("exception", value, value.__qualname__)  # the binding asks _debug for its id
    if isinstance(value, enum.Enum) or (isinstance(value, type) and issubclass(value, enum.Enum)):
        return _describe_enum(value)
    if isinstance(value, type) and issubclass(value, int) and type(value).__name__ == "FastEnumMetaclass" and \
            isinstance(getattr(value, "__members__", None), dict):
        return _describe_enum(value)  # cuda-python's enums (cuda.bindings.runtime.cudaRoundMode): int enums
    if getattr(value, "_pf_kernel", False):  # called from a kernel, a kernel is a device function (numba)
        from .devicefunc import kernel_as_device_function

        callee = kernel_as_device_function(value)
        if callee is not None:
            return ("devfunc", callee)
        return ("opaque", (f"the ahead-of-time kernel '{value.__name__}' (it has no Python source to compile "
                           "into the caller: call a @ptxforge.jit(device=True) function instead)"))
    record = _record_type_name(value)
    if record is not None:  # numba.from_dtype(rec), numba's Record types, structured dtypes: dtypes
        return ("path", "dtype:" + record)
    if type(value).__name__ == "DtypeType" and type(value).__module__ == "ptxforge.records" and \
            "[" not in value.name:  # from_dtype(np.float32)
        return ("path", "ptxforge." + ("boolean" if value.name == "bool" else value.name))
    numba_scalar = numba_scalar_name(value)
    if numba_scalar is not None:  # numba's int32, float64 ...: casts and dtypes
        return ("path", "ptxforge." + ("boolean" if numba_scalar == "bool" else numba_scalar))
    if type(value).__name__ == "FFI" and type(value).__module__ == "cffi.api":
        return ("path", "cffi.ffi")  # ffi.from_buffer(array) in kernels, as numba takes it
    if inspect.ismodule(value):
        if value.__name__ in _NUMBA_TYPE_MODULES or value.__name__ == "numba":
            # numba.types.int32, numba.float32(x): numba's namespaces hold its types (and numba.cuda)
            return ("path", "numba" if value.__name__ == "numba" else "numba.types")
        p = _MODULE_PATHS.get(value.__name__)
        return ("path", p) if p else ("opaque", f"the module '{value.__name__}'")
    if type(value).__name__ == "ndarray" and type(value).__module__ == "numpy":
        return _describe_array(value)
    if _has_cuda_array_interface(value):
        return _describe_device_array(value)
    if isinstance(value, tuple):
        parts = [_describe(v) for v in value]
        bad = next((p for p in parts if p[0] not in ("const", "tuple", "array", "devarray", "none")), None)
        if bad is not None:
            return ("opaque", f"a tuple holding {bad[1] if bad[0] == 'opaque' else 'a ' + bad[0]}")
        return ("tuple", parts)
    if type(value).__module__ == "numpy" and hasattr(value, "dtype") and getattr(value, "ndim", None) == 0:
        # A numpy scalar (np.float32(1.5)) keeps its dtype. Instances have no __module__
        # of their own, so the type's is read; np.float64 is checked before float.
        kind = value.dtype.kind
        if kind in "biufc":
            name = "bool" if kind == "b" else value.dtype.name
            return ("const", name, int(value) if kind == "b" else value.item())
    if isinstance(value, bool):
        return ("const", "bool", int(value))
    if isinstance(value, int):
        if -(2**63) <= value < 2**63:
            return ("const", "int", value)
        if 0 <= value < 2**64:
            return ("const", "uint64", value)
        return ("opaque", f"the integer {value}, too large for 64 bits")
    if isinstance(value, float):
        return ("const", "float", value)
    if isinstance(value, complex):
        return ("const", "complex", value)
    module = getattr(value, "__module__", None) or ""
    if isinstance(value, type) and module == "numpy":
        return ("path", "numpy." + value.__name__)
    if isinstance(value, type) and module == "ml_dtypes" and value.__name__ == "bfloat16":
        return ("path", "ptxforge.bfloat16")  # ml_dtypes.bfloat16(3.0) in a kernel: a bfloat16, as in numba
    if callable(value) and module == "numba.cuda.libdevice":  # numba-cuda's own stub, imported by name
        return ("path", "ptxforge.libdevice." + value.__name__)
    if isinstance(value, type) and module == "numba.cuda.stubs" and value.__name__ in _intrinsics._VECTOR_TYPES:
        return ("path", "ptxforge." + value.__name__)  # numba-cuda's vector type (float32x4), by its name
    if callable(value) and module in _NUMBA_HALF_BINDINGS:  # numba.cuda.bf16's functions, imported by name
        return _describe_half_binding(value, _NUMBA_HALF_BINDINGS[module])
    if isinstance(value, str) or is_numpy_dtype(value):
        name = dtype_type_name(value) if not isinstance(value, str) else _dtype_string(value)
        if name is not None and "[" not in name and not name.startswith("Record"):
            return ("path", "ptxforge." + ("boolean" if name == "bool" else name))  # a dtype: np.dtype('f4'), 'int32'
        if isinstance(value, str):
            return ("opaque", f"the string {value!r}; strings have no device representation (as a dtype, "
                              "name a numeric type such as 'float32')")
    if callable(value) and module in ("numba.np.numpy_support", "numba.cuda.np.numpy_support") and \
            getattr(value, "__name__", "") in ("carray", "farray"):
        return ("path", "ptxforge." + value.__name__)  # numba.carray / farray, imported from numba
    if module == "numba.cuda.misc.special" and getattr(value, "__name__", "") == "literal_unroll":
        return ("path", "ptxforge.literal_unroll")  # numba's, imported from numba
    np = sys.modules.get("numpy")
    from_numpy = (getattr(value, "__module__", None) or "").startswith("numpy")
    if np is not None and from_numpy and callable(value) and getattr(np, getattr(value, "__name__", ""), None) is value:
        return ("path", "numpy." + value.__name__)  # a ufunc or function imported from numpy (np.sin, np.sum)
    if callable(value) and getattr(math, getattr(value, "__name__", ""), None) is value:
        return ("path", "math." + value.__name__)
    if callable(value) and getattr(cmath, getattr(value, "__name__", ""), None) is value:
        return ("path", "cmath." + value.__name__)
    if callable(value) and getattr(operator, getattr(value, "__name__", ""), None) is value:
        return ("path", "operator." + value.__name__)
    if callable(value) and getattr(builtins, getattr(value, "__name__", ""), None) is value:
        name = value.__name__
        if name in _KERNEL_BUILTINS:
            return ("path", "builtins." + name)
        return ("opaque", f"the Python builtin '{name}'")
    if callable(value) and "numba" in sys.modules:  # numba's @overload, @register_jitable, @njit ...
        from . import _extending

        described = _extending.describe(value)
        if described is not None:
            return described
    return ("opaque", f"a {type(value).__module__}.{type(value).__qualname__} object"
            if type(value).__module__ != "builtins" else f"a {type(value).__name__}")


# numba-cuda's generated bindings of CUDA's half-precision headers: their functions (__hadd,
# __float2bfloat16_rn, htrunc ...) are ptxforge's namespace of the same type, by CUDA's name.
_NUMBA_HALF_BINDINGS = {"numba.cuda._internal.cuda_bf16": "bf16", "numba.cuda._internal.cuda_fp16": "fp16",
                        "numba.cuda._internal.cuda_fp8": "fp8"}


def _describe_half_binding(value, namespace):
    from . import _core

    name = getattr(value, "__name__", "")
    member = name[2:] if name.startswith("__") else name
    path = f"ptxforge.{namespace}.{member}"
    if path in _core.builtin_paths(f"ptxforge.{namespace}."):
        return ("path", path)
    return ("opaque", f"numba-cuda's binding of CUDA's {name}, which ptxforge's {namespace} namespace lacks "
                      f"(docs/language.md lists what ptxforge.{namespace} has)")


def _record_type_name(value):
    """The spelling of a record type given as a value (pf/numba.from_dtype's result, numba's
    Record type, a structured numpy dtype), or None for anything else."""
    if isinstance(value, (str, type)):
        return None
    if type(value).__name__ == "DtypeType" and type(value).__module__ == "ptxforge.records":
        name = value.name
    elif (is_numba_type(value) and type(value).__name__ == "Record") or \
            (is_numpy_dtype(value) and value.names is not None):
        try:
            name = type_name(value)
        except TypeError:
            return None
    else:
        return None
    return name if name.startswith("Record(") and not name.endswith("]") else None


def _dtype_string(text):
    """ptxforge's name of the numpy dtype a string names ('float32', 'f4', 'int'), or None."""
    try:
        import numpy as np

        return dtype_type_name(np.dtype(text))
    except (TypeError, ValueError, ImportError):
        return None


def _describe_array(a):
    """A global numpy array, frozen: ("array", dtype, shape, C-order bytes); a structured
    array's dtype is its record type's numba spelling."""
    import numpy as np

    from ._args import _dtype_name

    native = a.dtype.newbyteorder("=") if a.dtype.names is None else a.dtype
    try:
        name = _dtype_name(native, "a global array")
    except TypeError as exc:
        return ("opaque", f"a numpy array of dtype {a.dtype}, which kernels cannot freeze ({exc})")
    return ("array", name, tuple(int(d) for d in a.shape), np.ascontiguousarray(a, dtype=native).tobytes())


def _describe_enum(value):
    """An enum member, ("intenum", class, value) or ("enum", class, value type, value), or a
    class of them, ("enumclass", class, [(name, member), ...]) with its aliases."""
    from ._args import enum_type_name

    cls = value if isinstance(value, type) else type(value)
    type_name = enum_type_name(cls)
    if type_name is None:
        return ("opaque", f"the enum {cls.__qualname__}, whose values are not all numbers (or tuples of "
                          "numbers) of one type")
    name = f"{cls.__module__}.{cls.__qualname__}"

    def member(m):
        if isinstance(m, int):
            return ("intenum", name, int(m))
        return ("enum", name, type_name[len("EnumMember(") + len(name) + 2:-1], _describe(m.value))

    if isinstance(value, type):
        return ("enumclass", name, [(k, member(m)) for k, m in value.__members__.items()])
    return member(value)


def _has_cuda_array_interface(value):
    if isinstance(value, type) or inspect.ismodule(value):
        return False
    try:
        return hasattr(value, "__cuda_array_interface__")
    except Exception:  # a property that refuses (a CPU tensor)
        return False


def _describe_device_array(value):
    """Device memory captured from the globals (anything with __cuda_array_interface__):
    ("devarray", dtype, shape, byte strides, address), baked into the kernel as numba does."""
    from . import devicearray
    from ._args import _dtype_name

    cai = value.__cuda_array_interface__
    dtype = devicearray.cai_dtype(cai, value)
    try:
        name = _dtype_name(dtype, "a global device array")
    except TypeError as exc:
        return ("opaque", f"a device array of dtype {dtype}, which kernels cannot use ({exc})")
    shape = tuple(int(s) for s in cai["shape"])
    strides = cai.get("strides")
    strides = devicearray._contiguous_strides(shape, dtype.itemsize, "C") if strides is None else \
        tuple(int(s) for s in strides)
    return ("devarray", name, shape, strides, int(cai["data"][0] or 0))


def resolve_globals(pyfunc, names, source=None):
    """Describes every name of `names` that the function's closure, globals or builtins define,
    and the nested functions lifted out of its `source` (a FunctionSource)."""
    out = resolve_names(pyfunc, names, skip_locals=True)
    from ._closures import NestedFunction

    nested = getattr(source, "nested", None) or {}
    for name, lifted in nested.items():
        out[name] = ("devfunc", NestedFunction.of(pyfunc, source, lifted, nested))
    return out


def resolve_names(pyfunc, names, skip_locals=False):
    """Describes the names of `names` that the function's closure, globals or builtins define."""
    out = {}
    code = pyfunc.__code__
    closure = {}
    if pyfunc.__closure__:
        for name, cell in zip(code.co_freevars, pyfunc.__closure__):
            try:
                closure[name] = cell.cell_contents
            except ValueError:  # an empty cell: assigned later in the enclosing function
                pass
    scope = pyfunc.__globals__
    # Parameters and locals are the function's own, whatever a global of the
    # same name holds (describing it would freeze, and key the cache on, a
    # module array that merely shares a parameter's name).
    local = set(code.co_varnames) | set(code.co_cellvars)
    for name in names:
        if skip_locals and name in local:
            continue
        if "." in name and name not in scope:  # helpers.add: a user module's attribute (_flatten_module_attributes)
            found = _module_attribute(pyfunc, name)
            if found is not None:
                out[name] = _describe(found[0])
            continue
        if name in closure:
            out[name] = _describe(closure[name])
        elif name in scope:
            out[name] = _describe(scope[name])
        elif hasattr(builtins, name):
            out[name] = _describe(getattr(builtins, name))
    if "numba" in sys.modules:  # numba's @overload_method methods, for a.foo() of arrays
        from . import _extending

        # Only for a function that names such a method: others keep their errors for
        # unknown attributes, and their cache keys (the same with numba loaded or not).
        table = _extending.method_table() if set(code.co_names) & _extending.method_names() else None
        if table is not None:
            out[_extending.METHODS_GLOBAL] = ("overload", table)
    return out


# Parsed source per Python function, shared by every kernel and device
# function object made from it (compile_ptx makes a fresh one per call).
_parsed: "weakref.WeakKeyDictionary[object, object]" = weakref.WeakKeyDictionary()
_parsed_lock = threading.Lock()


def _parse(src):
    from . import _core

    return src, _core.parse_function(src.tree, src.filename, src.file_text, src.line_offset, src.col_offset)


def parsed_function(pyfunc):
    """(FunctionSource, the C++ tree) of `pyfunc`, parsed once per function."""
    with _parsed_lock:
        entry = _parsed.get(pyfunc)
        if entry is None:
            entry = _parsed[pyfunc] = _parse(FunctionSource(pyfunc))
    return entry


def register_source(pyfunc, src):
    """Gives `pyfunc` the source `src` (a function rebuilt from carried lines)."""
    entry = _parse(src)
    with _parsed_lock:
        _parsed[pyfunc] = entry
