"""Declared signatures: which one a launch's arguments bind to, by numba's rules.

A kernel declared with signatures (``@jit("void(int32[::1], int32)")`` or a
list of them) is compiled for those and no others, as in numba. A launch's
arguments are typed as numba types them (a Python int is int64, a float
float64), every signature they convert to is rated, and the best one wins:

  - per argument, the conversion is exact, a promotion (int8 -> int16,
    float32 -> float64), safe (int32 -> float64, C array -> A array) or
    unsafe (int64 -> int32, float64 -> float32); complex never becomes real,
    arrays keep their dtype and rank;
  - a signature's rating counts its unsafe, then safe, then promoting
    conversions; the lowest wins; two best with the same rating are
    ambiguous (a TypeError naming both), none at all is a TypeError listing
    the signatures.

The scalar conversions are numba's casting graph (numba.core.typeconv.rules):
its base rules, closed transitively with the loosest step of a path. The
chosen signature's values are converted when they are packed (an int64 into
an int32 parameter keeps its low 32 bits, as numba's ctypes conversion does).
"""

import functools
import itertools

EXACT, PROMOTE, SAFE, UNSAFE = 1, 2, 3, 4
_KIND_NAMES = {EXACT: "exact", PROMOTE: "promote", SAFE: "safe", UNSAFE: "unsafe"}

# A launch argument's weak type (ptxforge's Python scalars) is, for binding, the type numba gives it.
_WEAK = {"int": "int64", "float": "float64", "complex": "complex128"}
_SCALARS = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
            "float16", "float32", "float64", "complex64", "complex128"]


@functools.cache
def _scalar_graph():
    """{(from, to): kind} for numba's scalar casting rules, closed transitively."""
    rules = {}

    def add(a, b, kind):
        old = rules.get((a, b))
        rules[(a, b)] = kind if old is None else min(old, kind)

    def two_way(a, b, forward, backward):
        add(a, b, forward)
        if backward is not None:
            add(b, a, backward)

    two_way("bool", "int8", SAFE, UNSAFE)
    two_way("bool", "uint8", SAFE, UNSAFE)
    for a, b in [("int8", "int16"), ("uint8", "uint16"), ("int16", "int32"), ("uint16", "uint32"),
                 ("int32", "int64"), ("uint32", "uint64"), ("float16", "float32"), ("float32", "float64"),
                 ("complex64", "complex128")]:
        two_way(a, b, PROMOTE, UNSAFE)
    for a, b in [("uint8", "int16"), ("uint16", "int32"), ("uint32", "int64"), ("int8", "float16"),
                 ("int16", "float32"), ("int32", "float64"), ("int64", "float64"), ("uint64", "float64")]:
        two_way(a, b, SAFE, UNSAFE)
    two_way("int16", "float16", UNSAFE, UNSAFE)
    two_way("int32", "float32", UNSAFE, UNSAFE)
    two_way("float32", "complex64", SAFE, None)
    two_way("float64", "complex128", SAFE, None)
    # The closure: a path converts with the loosest of its steps; the strictest path wins.
    changed = True
    while changed:
        changed = False
        for (a, b), k1 in list(rules.items()):
            for c in _SCALARS:
                k2 = rules.get((b, c))
                if k2 is None or a == c:
                    continue
                k = max(k1, k2)
                if k < rules.get((a, c), 99):
                    rules[(a, c)] = k
                    changed = True
    return rules


def _split_top(text):
    """The comma-separated parts of `text` at bracket depth 0."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def _last_top_bracket(text):
    """The index of the '[' opening the trailing [...] of `text` (which ends with ']')."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in ")]":
            depth += 1
        elif text[i] in "([":
            depth -= 1
            if depth == 0:
                return i
    return text.index("[")


@functools.lru_cache(maxsize=1024)
def parse(text):
    """A canonical type text as ('scalar', name) | ('array', dtype, ndim, layout) | ('tuple', parts) |
    ('other', text)."""
    if text in _WEAK:
        return ("scalar", _WEAK[text])
    if text.startswith(("datetime64", "timedelta64")) and text.count("[") <= 1 and ":" not in text:
        return ("other", text)  # a scalar: datetime64[D] converts to itself only
    if text.startswith("Tuple(") and text.endswith(")"):
        return ("tuple", tuple(parse(p) for p in _split_top(text[6:-1])))
    if text.endswith("]") and "[" in text and not text.startswith("nestedarray") and \
            (not text.startswith("Record") or not text.endswith(")")):
        # the dims are the last bracket at depth 0: a record's text has brackets of its own
        cut = _last_top_bracket(text)
        dtype, dims = text[:cut], text[cut + 1: -1]
        parts = [p.strip() for p in dims.split(",")] if dims.strip() else []
        ndim = len(parts)
        layout = "A"
        if ndim and parts[-1] == "::1":
            layout = "C"
        elif ndim and parts[0] == "::1":
            layout = "F"
        return ("array", _WEAK.get(dtype, dtype), ndim, layout)
    if text in _SCALARS:
        return ("scalar", text)
    return ("other", text)


def conversion(frm, to):
    """How a value of parsed type `frm` converts to parsed type `to`: a kind, or None."""
    if frm == to:
        return EXACT
    if frm[0] == "scalar" and to[0] == "other" and to[1].endswith("*") and frm[1] in _INTEGERS - {"bool"}:
        return SAFE  # an address, given as an integer, for a pointer (numba's CPointer)
    if frm[0] != to[0]:
        return None
    if frm[0] == "scalar":
        return _scalar_graph().get((frm[1], to[1]))
    if frm[0] == "array":
        _, dtype, ndim, layout = frm
        if ndim != to[2] or to[3] not in ("A", layout):
            return None
        if dtype == to[1]:
            return SAFE
        if _same_width_integers(dtype, to[1]):
            return UNSAFE  # uint32 data as int32: numba's specialised kernels take it, reinterpreted
        return None
    if frm[0] == "tuple":
        if len(frm[1]) != len(to[1]):
            return None
        kinds = [conversion(a, b) for a, b in zip(frm[1], to[1])]
        return None if None in kinds else max(kinds, default=EXACT)
    return None


def _same_width_integers(a, b):
    ints = _INTEGERS - {"bool"}
    return a in ints and b in ints and a.lstrip("u") == b.lstrip("u")


def _rating(arg_types, sig):
    """(unsafe, safe, promote) conversion counts binding `arg_types` to `sig`, or None."""
    if len(arg_types) != len(sig):
        return None
    counts = {PROMOTE: 0, SAFE: 0, UNSAFE: 0}
    for a, s in zip(arg_types, sig):
        kind = conversion(parse(a), parse(s))
        if kind is None:
            return None
        if kind != EXACT:
            counts[kind] += 1
    return counts[UNSAFE], counts[SAFE], counts[PROMOTE]


def numba_spelling(types):
    """Argument types as numba would print them (a Python int is int64)."""
    return "(" + ", ".join(_WEAK.get(t, t) for t in types) + ")"


def _numba_repr(text):
    """One type as numba's messages print it: Array(float64, 1, 'C', False, aligned=True) ..."""
    parsed = parse(text)
    if parsed[0] == "array":
        _, dtype, ndim, layout = parsed
        return f"Array({dtype}, {ndim}, '{layout}', False, aligned=True)"
    if parsed[0] == "scalar":
        return "boolean" if parsed[1] == "bool" else parsed[1]
    return _WEAK.get(text, text)


def _numba_args(types):
    return "(" + ", ".join(_numba_repr(t) for t in types) + ")"


def select(name, arg_types, signatures, func=None):
    """The declared signature (a tuple of type texts) that `arg_types` bind to; TypeError when
    none or two equally good ones do. `func` (the Python function) is named in numba's
    words in the message for a tie."""
    rated = [(r, sig) for sig in signatures if (r := _rating(arg_types, sig)) is not None]
    if not rated:
        listed = "\n".join(f"  void{numba_spelling(s)}" for s in signatures)
        raise TypeError(f"No matching definition for argument type(s) {', '.join(_WEAK.get(t, t) for t in arg_types)}"
                        f": kernel '{name}' was declared with {'this signature' if len(signatures) == 1 else 'these signatures'}"
                        f" and compiles no others:\n{listed}\n"
                        "Pass arguments that convert to one of them (numpy scalars such as np.int32(1) pick a type), "
                        "or declare another signature.")
    best = min(r for r, _ in rated)
    winners = [sig for r, sig in rated if r == best]
    if len(winners) > 1:
        # numba's message first (numba code matches it), then what to do.
        listed = "\n".join(f"{_numba_args(s)} -> none" for s in winners[:2])
        raise TypeError(f"Ambiguous overloading for {func if func is not None else name!r} {_numba_args(arg_types)}:\n"
                        f"{listed}\n(kernel '{name}': these signatures fit the arguments equally well; pass "
                        "numpy scalars such as np.float32(x) to pick one)")
    _check_values(name, arg_types, winners[0])
    return winners[0]


_INTEGERS = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}


def _check_values(name, arg_types, sig):
    """A float or complex argument never fills an integer parameter (numba's argument
    preparation refuses it too, though its casting rules call it unsafe)."""
    for i, (a, s) in enumerate(zip(arg_types, sig)):
        if s in _INTEGERS and parse(a)[0] == "scalar" and _WEAK.get(a, a) not in _INTEGERS:
            raise TypeError(f"kernel '{name}': argument {i + 1} is {_WEAK.get(a, a)}, but the signature it binds to "
                            f"takes {s}: pass an integer (int(x), np.{s}(x)) for it")


def equivalent_keys(types):
    """The keys under which a compiled signature may be stored for `types` given as numba
    spells them: int64 may have been compiled as ptxforge's weak Python int, and so on."""
    options = []
    for t in types:
        alts = [t]
        alts += [weak for weak, strong in _WEAK.items() if strong == t]
        options.append(alts)
    return [tuple(p) for p in itertools.product(*options)]
