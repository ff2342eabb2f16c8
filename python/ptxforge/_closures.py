"""Nested functions and lambdas in kernels and device functions.

A ``def`` (or ``name = lambda ...``, or a lambda written in place) inside a
kernel or device function is lifted out of its tree into a device function of
its own (NestedFunction), as numba turns closures into jit functions:
  - a variable it captures that the enclosing function assigns once with a
    literal (``y = 10``) is frozen into it as a constant; so are the other
    nested functions it names;
  - any other captured variable (a parameter, a computed value) becomes a
    leading hidden parameter, passed at each call; such a function may only be
    called, not passed on ("escape"), as in numba, whose error words are kept;
  - ``nonlocal`` variables are passed in and handed back: the call
    ``f(...)`` becomes ``x = f(x, ...)``.
The enclosing tree keeps a ``pass`` where the ``def`` was.
"""

import ast
import copy

_LITERAL_NODES = (ast.Constant, ast.Tuple, ast.UnaryOp)


class ClosureError(Exception):
    """A nested function ptxforge cannot lift: (message, node)."""

    def __init__(self, msg, node):
        super().__init__(msg)
        self.msg, self.node = msg, node


def _params(fn):
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return names


def _walk_own(node):
    """The nodes of a function's body, not descending into nested functions and lambdas
    (which are yielded themselves)."""
    stack = list(ast.iter_child_nodes(node)) if isinstance(node, (ast.FunctionDef, ast.Lambda)) else [node]
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            stack.extend(ast.iter_child_nodes(n))


def _nonlocals(fn):
    return {name for n in _walk_own(fn) if isinstance(n, ast.Nonlocal) for name in n.names}


def _stores(fn):
    """name -> how many times the function's own body binds it."""
    counts = {}
    for n in _walk_own(fn):
        if isinstance(n, ast.Name) and isinstance(n.ctx, (ast.Store, ast.Del)):
            counts[n.id] = counts.get(n.id, 0) + 1
        elif isinstance(n, ast.FunctionDef) and n is not fn:
            counts[n.name] = counts.get(n.name, 0) + 1
    return counts


def _bound(fn):
    return (set(_params(fn)) | set(_stores(fn))) - _nonlocals(fn)


def _free(fn):
    """The names a function (with its own nested functions) reads or writes but does not bind."""
    names = set()
    for n in _walk_own(fn):
        if isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.Lambda)) and n is not fn:
            names |= _free(n)
    return (names | _nonlocals(fn)) - _bound(fn)


def _literal(node):
    if not isinstance(node, _LITERAL_NODES):
        return False
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return not isinstance(value, (str, bytes))


class _Lifted:
    """One nested function found in a function: its tree and what it captures."""

    def __init__(self, node, name):
        self.node, self.name = node, name
        self.constants = {}  # name -> Python value, frozen
        self.siblings = set()  # names of other nested functions it uses
        self.hidden = []  # captured variables passed as leading parameters
        self.nonlocal_ = []  # of those, the ones it assigns (handed back)
        self.nested = {}  # its own nested functions, lifted: name -> _Lifted


def lift(fn, inherited=None):
    """Lifts the nested functions out of `fn` (an ast.FunctionDef, changed in place):
    {name: _Lifted}. `inherited`: constants of enclosing functions it may name."""
    inherited = dict(inherited or {})
    _name_lambdas(fn)
    defs = {}
    for n in _walk_own(fn):
        if isinstance(n, ast.FunctionDef) and n is not fn:
            if n.name in defs:
                many = sorted(v for v in _free(n) if _stores(fn).get(v, 0) > 1)
                if many:
                    raise ClosureError(f"Cannot capture a constant value for variable '{many[0]}' as there are "
                                       f"multiple definitions present (the nested function '{n.name}' is defined "
                                       "more than once, each capturing it); give each definition its own name and "
                                       "pass the value as an argument", n)
                raise ClosureError(f"the nested function '{n.name}' is defined twice; give each definition its own "
                                   "name", n)
            defs[n.name] = _Lifted(n, n.name)
        elif isinstance(n, ast.AsyncFunctionDef):
            raise ClosureError("async functions are not supported in kernels", n)
    if not defs:
        return {}
    stores = _stores(fn)
    bound = _bound(fn)
    written_by_nested = set()
    for d in defs.values():
        written_by_nested |= _nonlocals(d.node)
    constants = {}
    for n in _walk_own(fn):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            name = n.targets[0].id
            if stores.get(name) == 1 and name not in written_by_nested and name not in _params(fn) and \
                    _literal(n.value):
                constants[name] = ast.literal_eval(n.value)
    calls = {}  # name -> the Call nodes that call it (anywhere in fn)
    escapes = {}
    for n in ast.walk(fn):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in defs:
            calls.setdefault(n.func.id, []).append(n)
    called_funcs = {id(c.func) for cs in calls.values() for c in cs}
    for n in ast.walk(fn):
        if isinstance(n, ast.Name) and n.id in defs and isinstance(n.ctx, ast.Load) and id(n) not in called_funcs:
            escapes.setdefault(n.id, n)
    # What each captures; a function calling a sibling needs the sibling's hidden variables too.
    free = {name: _free(d.node) & bound for name, d in defs.items()}
    changed = True
    while changed:
        changed = False
        for name, d in defs.items():
            for other in list(free[name] & set(defs)):
                extra = {v for v in free[other] if v not in constants and v not in defs} - free[name]
                if extra and other != name:
                    free[name] |= extra
                    changed = True
    for name, d in defs.items():
        writes = _nonlocals(d.node)
        for v in sorted(free[name]):
            if v in defs:
                d.siblings.add(v)
            elif v in constants and v not in writes:
                d.constants[v] = constants[v]
            else:
                if name in escapes:
                    at = escapes[name]
                    if stores.get(v, 0) > 1:
                        raise ClosureError(f"Cannot capture a constant value for variable '{v}' as there are "
                                           f"multiple definitions present: the nested function '{name}' is passed "
                                           "on as a value, so what it captures must be a constant assigned once",
                                           at)
                    raise ClosureError(f"Cannot capture the non-constant value associated with variable '{v}' in a "
                                       f"function that may escape: the nested function '{name}' is passed on as a "
                                       "value, so it may capture only constants (a literal assigned once); pass "
                                       f"'{v}' as an argument instead", at)
                d.hidden.append(v)
                if v in writes:
                    d.nonlocal_.append(v)
        for v, value in inherited.items():  # what enclosing functions froze, named further in
            if v in _free(d.node) and v not in bound:
                d.constants.setdefault(v, value)
    for name, d in defs.items():
        _rewrite_def(d)
        d.nested = lift(d.node, {**inherited, **d.constants})
    _rewrite_calls(fn, defs, calls)
    _remove_defs(fn, defs)
    return defs


def _name_lambdas(fn):
    """`f = lambda ...: e` becomes `def f(...): return e`; a lambda written elsewhere
    becomes a def named after its place, and the lambda that name."""
    body_holders = [n for n in _walk_own(fn) if hasattr(n, "body") and isinstance(getattr(n, "body"), list)]
    body_holders.append(fn)
    for holder in body_holders:
        for field in ("body", "orelse"):
            stmts = getattr(holder, field, None)
            if not isinstance(stmts, list):
                continue
            out = []
            for s in stmts:
                made = []
                if isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) and \
                        isinstance(s.value, ast.Lambda):
                    out.append(_lambda_def(s.value, s.targets[0].id, s))
                    continue
                for node in ast.walk(s):
                    for fname, value in ast.iter_fields(node):
                        if isinstance(value, ast.Lambda):
                            name = f"lambda_{value.lineno}_{value.col_offset}"
                            made.append(_lambda_def(value, name, s))
                            setattr(node, fname, ast.copy_location(ast.Name(id=name, ctx=ast.Load()), value))
                        elif isinstance(value, list):
                            for i, v in enumerate(value):
                                if isinstance(v, ast.Lambda):
                                    name = f"lambda_{v.lineno}_{v.col_offset}"
                                    made.append(_lambda_def(v, name, s))
                                    value[i] = ast.copy_location(ast.Name(id=name, ctx=ast.Load()), v)
                out.extend(made)
                out.append(s)
            setattr(holder, field, out)


def _lambda_def(lam, name, at):
    body = ast.copy_location(ast.Return(value=lam.body), lam.body)
    fields = {"name": name, "args": lam.args, "body": [body], "decorator_list": [], "returns": None,
              "type_comment": None}
    if "type_params" in ast.FunctionDef._fields:
        fields["type_params"] = []
    d = ast.copy_location(ast.FunctionDef(**fields), lam)
    d.end_lineno, d.end_col_offset = lam.end_lineno, lam.end_col_offset
    return d


def _rewrite_def(d):
    """Hidden parameters first; nonlocal declarations dropped and their values returned."""
    fn = d.node
    hidden = [ast.copy_location(ast.arg(arg=v, annotation=None), fn) for v in d.hidden]
    fn.args.args = hidden + fn.args.posonlyargs + fn.args.args
    fn.args.posonlyargs = []
    if not d.nonlocal_:
        _strip_nonlocal(fn)
        return
    if any(isinstance(n, ast.Return) and n.value is not None for n in _walk_own(fn)):
        raise ClosureError(f"the nested function '{fn.name}' assigns a nonlocal variable and returns a value; "
                           "kernels support nonlocal only in nested functions that return nothing", fn)
    _strip_nonlocal(fn)

    def handed_back(at):
        names = [ast.copy_location(ast.Name(id=v, ctx=ast.Load()), at) for v in d.nonlocal_]
        value = names[0] if len(names) == 1 else ast.copy_location(ast.Tuple(elts=names, ctx=ast.Load()), at)
        return ast.copy_location(ast.Return(value=value), at)

    for n in _walk_own(fn):
        if isinstance(n, ast.Return):
            n.value = handed_back(n).value
    fn.body.append(handed_back(fn.body[-1]))
    ast.fix_missing_locations(fn)


def _strip_nonlocal(fn):
    for n in [fn] + [x for x in _walk_own(fn) if hasattr(x, "body")]:
        for field in ("body", "orelse", "finalbody"):
            stmts = getattr(n, field, None)
            if isinstance(stmts, list):
                kept = [s for s in stmts if not isinstance(s, ast.Nonlocal)]
                setattr(n, field, kept or [ast.copy_location(ast.Pass(), stmts[0])] if stmts else kept)


def _rewrite_calls(fn, defs, calls):
    """Each call of a nested function passes its hidden variables first; a call of one
    that assigns nonlocals becomes an assignment of them."""
    for name, cs in calls.items():
        d = defs[name]
        for c in cs:
            c.args = [ast.copy_location(ast.Name(id=v, ctx=ast.Load()), c) for v in d.hidden] + c.args
    for parent in [fn] + [n for n in ast.walk(fn) if hasattr(n, "body")]:
        for field in ("body", "orelse"):
            stmts = getattr(parent, field, None)
            if not isinstance(stmts, list):
                continue
            for i, s in enumerate(stmts):
                if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and isinstance(s.value.func, ast.Name) \
                        and s.value.func.id in defs and defs[s.value.func.id].nonlocal_:
                    d = defs[s.value.func.id]
                    names = [ast.copy_location(ast.Name(id=v, ctx=ast.Store()), s) for v in d.nonlocal_]
                    target = names[0] if len(names) == 1 else ast.copy_location(ast.Tuple(elts=names, ctx=ast.Store()), s)
                    stmts[i] = ast.copy_location(ast.Assign(targets=[target], value=s.value), s)
    for name, cs in calls.items():
        if defs[name].nonlocal_:
            statement_calls = {id(s.value) for p in ast.walk(fn) for s in getattr(p, "body", []) or []
                               if isinstance(s, ast.Assign) and isinstance(s.value, ast.Call)}
            for c in cs:
                if id(c) not in statement_calls:
                    raise ClosureError(f"the nested function '{name}' assigns a nonlocal variable: call it as a "
                                       "statement of its own", c)
    ast.fix_missing_locations(fn)


def _remove_defs(fn, defs):
    targets = {id(d.node) for d in defs.values()}
    for parent in [fn] + [n for n in ast.walk(fn) if hasattr(n, "body")]:
        for field in ("body", "orelse"):
            stmts = getattr(parent, field, None)
            if isinstance(stmts, list):
                setattr(parent, field, [ast.copy_location(ast.Pass(), s) if id(s) in targets else s for s in stmts])


def lifted_copy(tree):
    """A copy of a function's tree with its nested functions lifted: (tree, {name: _Lifted})."""
    tree = copy.deepcopy(tree)
    return tree, lift(tree)


def has_nested(tree):
    return any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) for n in ast.walk(tree)
               if n is not tree)


class NestedFunction:
    """A lifted nested function, called from its enclosing kernel or device function as a
    device function: its tree, and its names resolved through the enclosing function's."""

    _pf_device_function = True
    _pf_signatures = ()

    def __init__(self, pyfunc, source, lifted, scope):
        self.py_func = pyfunc  # the enclosing top-level function: its globals and closure
        self.__name__ = lifted.name
        self._source, self._lifted, self._scope = source, lifted, scope
        self._ast = None

    @staticmethod
    def of(pyfunc, source, lifted, scope):
        obj = getattr(lifted, "obj", None)
        if obj is None or obj.py_func is not pyfunc:
            obj = lifted.obj = NestedFunction(pyfunc, source, lifted, scope)
        return obj

    def _function_ast(self):
        if self._ast is None:
            from . import _core

            src = self._source
            self._ast = _core.parse_function(self._lifted.node, src.filename, src.file_text, src.line_offset,
                                             src.col_offset)
        return self._ast

    def _resolved_globals(self):
        from ._source import _describe, resolve_names

        tree, lifted = self._lifted.node, self._lifted
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - _bound(tree)
        out = {}
        rest = set()
        for name in names:
            if name in lifted.nested:
                out[name] = ("devfunc", NestedFunction.of(self.py_func, self._source, lifted.nested[name],
                                                          lifted.nested))
            elif name in lifted.constants:
                out[name] = _describe(lifted.constants[name])
            elif name in lifted.siblings or name == lifted.name:
                out[name] = ("devfunc", NestedFunction.of(self.py_func, self._source, self._scope[name], self._scope))
            else:
                rest.add(name)
        out.update(resolve_names(self.py_func, rest))
        return out

    def __repr__(self):
        return f"<ptxforge nested function {self.__name__}>"
