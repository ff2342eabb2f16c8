#!/usr/bin/env python3
"""numba-cuda's own kernel tests, run under numba-cuda and under ptxforge.

Runs the ``cudapy`` test files of the installed numba-cuda (found from
``numba.cuda.__file__``) twice: unmodified under numba-cuda, and with
``numba.cuda``'s public names rebound to ptxforge's, which is what a user does
who changes ``from numba import cuda`` to ``import ptxforge as cuda``. Prints a
per-file table (tests passed under each, and how the rest ended) with totals.
Not part of CI (CI has no numba); tools/gpu-check runs it on the GPU machine.

The rebinding, once, before any test module is imported:
  - every public attribute of ``numba.cuda`` that ptxforge also has becomes
    ptxforge's (``jit``, ``to_device``, ``shared``, ``float32``, ``cg`` ...);
  - every other public attribute is deleted, as it would be missing after the
    import changed (``vectorize``, ``declare_device``, ``In`` ...), except
    numba's internal submodules (``numba.cuda.cudadrv`` ...) and ``HAS_NUMBA``,
    which the test machinery itself reads;
  - ptxforge's other public names are added;
  - the compile functions that numba.cuda re-exports from ``numba.cuda.compiler``
    (``compile``, ``compile_ptx``, ``compile_ptx_for_current_device``,
    ``compile_for_current_device``, ``compile_all``) become ptxforge's in that
    module too, for tests that import them from there: a user's
    ``from numba.cuda.compiler import compile_ptx`` changes with the import
    like ``from numba.cuda import compile_ptx`` (numba's own compiler calls
    its internal ``compile_cuda``/``compile_extra``, which stay numba's).
Nothing else is patched: no test is edited, skipped or special-cased. One
exception, only where numba's own driver finds no GPU (the CPU target, on a
machine without one): numba's test machinery asks numba's driver for the
device's compute capability (``numba.cuda.testing``'s ``skip_unless_cc_*``
call ``numba.cuda.cudadrv.devices.get_context()``), which has none to give
there; ptxforge's ``current_context()`` (the CPU target's stand-in device,
sm_90) answers instead, so the files still load. With a GPU nothing changes.
A second exception, on both machines: the leak check of numba's test support
(``MemoryLeakMixin``, used by test_array_reductions) counts the allocations of
numba's device runtime (NRT) through numba's own context, which the rebinding
leaves without a current context; ptxforge's kernels make no device-heap
allocations, so on the ptxforge side those counters read as ptxforge's: none.
The tests' kernels and assertions run unchanged.

Each (side, file) runs in its own process (a crash or a hang costs one file),
``--jobs`` at a time, with a per-file timeout; results stream to a JSON-lines
file per process, so the tests that finished before a crash still count.

    python3 tools/numba_compat.py                    # both sides, every test file
    python3 tools/numba_compat.py -k test_forall     # files whose name contains a word
    python3 tools/numba_compat.py --side ptxforge --show-failures 3

On a machine with no GPU, NUMBA_ENABLE_CUDASIM=1 runs the numba side on
numba's CPU simulator (that checks the harness, not the numbers).
"""

import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SIDES = ("numba", "ptxforge")
# Attributes of numba.cuda that stay numba's on the ptxforge side: the test
# machinery (numba.cuda.testing, tests.support) reads them; no kernel does.
_KEEP = {"HAS_NUMBA"}


# -- the worker: one test file on one side, in its own process -------------------------

def _install_filecheck_stub():
    """numba.cuda.testing imports filecheck (PyPI 'filecheck'); without it, a stand-in whose
    use fails, so that only FileCheck-based tests fail, equally on both sides."""
    try:
        import filecheck.matcher  # noqa: F401
        return
    except ImportError:
        pass
    import types

    def missing(*args, **kwargs):
        raise RuntimeError("the 'filecheck' package is not installed")

    root = types.ModuleType("filecheck")
    root.__path__ = []
    sys.modules["filecheck"] = root
    for sub, names in {"matcher": ["Matcher"], "options": ["Options"],
                       "parser": ["Parser", "pattern_for_opts"], "finput": ["FInput"]}.items():
        m = types.ModuleType("filecheck." + sub)
        for n in names:
            setattr(m, n, missing)
        sys.modules["filecheck." + sub] = m
        setattr(root, sub, m)


def rebind_numba_cuda():
    """numba.cuda's public names become ptxforge's (see the module docstring)."""
    import types

    import ptxforge
    from numba import cuda

    ours = {n for n in dir(ptxforge) if not n.startswith("_")}
    ours |= set(getattr(ptxforge, "__all__", ()))
    ours |= set(getattr(getattr(ptxforge, "_runtime", None), "ARRAY_NAMES", ()))
    rebound, removed = [], []
    for name in [n for n in list(vars(cuda)) if not n.startswith("_")]:
        value = getattr(cuda, name)
        ptx_value = getattr(ptxforge, name, None) if name in ours else None
        if isinstance(value, types.ModuleType) and (ptx_value is None or isinstance(ptx_value, types.ModuleType)):
            continue  # numba's own submodule (cudadrv, core, testing ...): its internals
        if name in _KEEP:
            continue
        if ptx_value is not None:
            setattr(cuda, name, ptx_value)
            rebound.append(name)
        else:
            delattr(cuda, name)
            removed.append(name)
    for name in ours:
        if not hasattr(cuda, name):
            setattr(cuda, name, getattr(ptxforge, name))
    for name in dir(ptxforge):  # ptxforge's modules of numba's public API (numba.cuda.random): by name too
        twin = getattr(ptxforge, name)
        equivalent = getattr(twin, "_NUMBA_EQUIVALENT", None)
        if isinstance(twin, types.ModuleType) and isinstance(equivalent, str) and \
                equivalent == f"{cuda.__name__}.{name}":
            setattr(cuda, name, twin)
            sys.modules[equivalent] = twin
            rebound.append(name)
    return rebound, removed


# numba.cuda's compile functions, as numba.cuda.compiler also exports them.
_COMPILE_FUNCTIONS = ("compile", "compile_ptx", "compile_ptx_for_current_device", "compile_for_current_device",
                      "compile_all")


def _rebind_compile_functions():
    """numba.cuda.compiler's public compile functions become ptxforge's (see the module docstring)."""
    import numba.cuda.compiler as compiler

    import ptxforge

    for name in _COMPILE_FUNCTIONS:
        if hasattr(compiler, name) and hasattr(ptxforge, name):
            setattr(compiler, name, getattr(ptxforge, name))


def _answer_device_queries_without_a_gpu():
    """Where numba's driver has no GPU, its test machinery's device query is answered by
    ptxforge's current_context() (see the module docstring)."""
    from numba.cuda.cudadrv import devices, driver

    import ptxforge

    if driver.driver.is_available or ptxforge._target.default() != "cpu":
        return

    def get_context(devnum=None):
        return ptxforge.current_context(devnum)

    devices.get_context = get_context
    import numba.cuda.api as api

    api.current_context = get_context  # bound by name there (is_fp8_supported() asks it)


def _count_ptxforge_device_heap_allocations():
    """numba's NRT statistics, as numba's test support reads them, for ptxforge's kernels:
    no device-heap allocations (see the module docstring)."""
    import collections

    import numba.cuda.tests.support as support

    stats = collections.namedtuple("Stats", "alloc free mi_alloc mi_free")

    class _NoDeviceHeap:
        def memsys_enable_stats(self):
            pass

        def memsys_disable_stats(self):
            pass

        def get_allocation_stats(self):
            return stats(0, 0, 0, 0)

    support.rtsys = _NoDeviceHeap()


class _Recorder:
    """A pytest plugin writing one JSON line per test outcome (and per start, for crashes)."""

    def __init__(self, path):
        self.out = open(path, "a", buffering=1)  # noqa: SIM115 (open for the whole session)
        self.numba_code = _numba_code_roots()

    def _write(self, **rec):
        self.out.write(json.dumps(rec) + "\n")

    def pytest_runtest_logstart(self, nodeid, location):
        self._write(event="start", test=nodeid)

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            outcome = report.outcome
            if hasattr(report, "wasxfail"):
                outcome = "xfailed" if report.skipped else "xpassed"
            elif report.when != "call" and report.outcome == "failed":
                outcome = "error"
            message, internal = "", False
            if report.outcome != "passed":
                message = _short(report)
                internal = self._raised_in_numba(report)
            self._write(event="result", test=report.nodeid, outcome=outcome, when=report.when, message=message,
                        numba_internal=internal)

    def pytest_collectreport(self, report):
        if report.outcome == "failed":
            self._write(event="collect-error", test=report.nodeid, message=_short(report),
                        numba_internal=self._raised_in_numba(report))

    def _raised_in_numba(self, report):
        """True when the exception was raised in numba's own code (not its tests, not the
        test machinery's assertions in numba.cuda.testing)."""
        crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
        path = os.path.abspath(str(getattr(crash, "path", "") or ""))
        roots, excluded = self.numba_code
        return any(path.startswith(r) for r in roots) and not any(path.startswith(e) for e in excluded)

    def pytest_sessionfinish(self, session, exitstatus):
        self._write(event="finish", status=int(exitstatus))


def _numba_code_roots():
    """(numba's package folders, the parts of them that are tests and test machinery)."""
    import numba
    import numba.cuda

    roots = {os.path.dirname(os.path.abspath(numba.__file__)) + os.sep,
             os.path.dirname(os.path.abspath(numba.cuda.__file__)) + os.sep}
    cuda = os.path.dirname(os.path.abspath(numba.cuda.__file__))
    return tuple(roots), (os.path.join(cuda, "tests") + os.sep, os.path.join(cuda, "testing.py"))


# Failures outside issue 11's scope, told by their message (and by where they were raised):
#  - "source": kernels built by exec() from strings, whose source Python does not keep;
#    ptxforge compiles from source (docs/numba.md, "Remaining differences").
#  - "internals": tests of numba's own machinery: an exception raised inside numba's
#    package code (its compiler, driver, vectorizers ... running on ptxforge's objects),
#    an import or attribute of numba's internal modules, or a private attribute of
#    numba's objects asked of ptxforge's.
_INTERNAL_MODULES = re.compile(
    r"(ImportError|ModuleNotFoundError|AttributeError)\b.*\bnumba\.(core|cuda\.(core|cudadrv|typing|datamodel|"
    r"extending|np|lowering|memory_management|_internal|models|target|descriptor|codegen|dispatcher))\b")
# ptxforge's message for @intrinsic, @type_callable, typeof_impl and data-model extension
# types (python/ptxforge/_extending.py): code written against numba's IR builder and typing.
_LOW_LEVEL_EXTENSION = "typed by numba's low-level extension API"
_PRIVATE_ATTRIBUTE = re.compile(r"AttributeError: .* has no attribute '_[A-Za-z]\w*'")
SCOPES = {"source": "kernel source not readable (exec-built)", "internals": "needs numba's internals"}


def out_of_scope(message, numba_internal=False):
    """None for a failure in scope, else the key of SCOPES that says why it is not."""
    if "cannot read the source of" in message:
        return "source"
    if numba_internal or _INTERNAL_MODULES.search(message) or _PRIVATE_ATTRIBUTE.search(message) or \
            _LOW_LEVEL_EXTENSION in message:
        return "internals"
    return None


def _short(report):
    """The last line of a failure's text (the exception), cut to 300 characters."""
    text = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        text = str(report.longrepr[2])
    else:
        text = getattr(report, "longreprtext", "") or str(report.longrepr or "")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("E ")]
    line = (errors[0] if errors else (lines[-1] if lines else "")).strip()
    return line[:300]


def _worker(side, module, out_path):
    import numpy as np
    import pytest

    if not hasattr(np, "row_stack"):  # numba 0.68 with numpy >= 2.4
        np.row_stack = np.vstack
    _install_filecheck_stub()
    if side == "ptxforge":
        os.environ.pop("NUMBA_ENABLE_CUDASIM", None)
        import numba.cuda
        import numba.cuda.testing  # noqa: F401

        rebind_numba_cuda()
        _rebind_compile_functions()
        _answer_device_queries_without_a_gpu()
        _count_ptxforge_device_heap_allocations()

    class _Fixtures:
        """numba-cuda's conftest (absent from the wheel) defines this fixture."""

        @pytest.fixture(scope="class")
        def initialize_from_pytest_config(self, request):
            if request.cls is not None:
                request.cls._dump_failed_filechecks = False

    args = ["-q", "-p", "no:cacheprovider", "--import-mode=importlib", "-o", "addopts=", "--pyargs", module]
    status = pytest.main(args, plugins=[_Recorder(out_path), _Fixtures()])
    sys.stdout.flush()
    os._exit(int(status))  # skip interpreter teardown (CUDA contexts, atexit) that may hang


# -- the driver ------------------------------------------------------------------------

def _test_files(python, env):
    code = ("import os, numpy as np\n"
            "np.row_stack = getattr(np, 'row_stack', np.vstack)\n"
            "import numba.cuda.tests.cudapy as t\n"
            "print(os.path.dirname(t.__file__))")
    where = subprocess.run([python, "-c", code], env=env, capture_output=True, text=True, check=False)
    if where.returncode != 0:
        sys.exit(f"cannot find numba-cuda's tests with {python}:\n{where.stderr[-2000:]}")
    folder = where.stdout.strip().splitlines()[-1]
    return folder, sorted(f[:-3] for f in os.listdir(folder) if f.startswith("test_") and f.endswith(".py"))


def _run_one(python, side, name, timeout, env, tmp):
    out_path = os.path.join(tmp, f"{side}-{name}.jsonl")
    log_path = os.path.join(tmp, f"{side}-{name}.log")
    module = "numba.cuda.tests.cudapy." + name
    start = time.monotonic()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", side, module, out_path],
                                stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rc = "timeout"
    return _summarise(side, name, out_path, log_path, rc, time.monotonic() - start)


def _summarise(side, name, out_path, log_path, rc, seconds):
    results, started, finished, collect_errors, collect_scopes = {}, None, False, [], []
    if os.path.exists(out_path):
        with open(out_path) as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if rec["event"] == "start":
                    started = rec["test"]
                elif rec["event"] == "result":
                    prev = results.get(rec["test"])
                    # a teardown error after a pass makes the test an error
                    if prev is None or prev[0] == "passed":
                        message = rec.get("message", "")
                        scope = None if rec["outcome"] in ("passed", "skipped") else \
                            out_of_scope(message, rec.get("numba_internal", False))
                        results[rec["test"]] = (rec["outcome"], message, scope)
                    if rec["test"] == started and rec.get("when") == "teardown":
                        started = None
                elif rec["event"] == "collect-error":
                    collect_errors.append(rec.get("message", ""))
                    collect_scopes.append(out_of_scope(rec.get("message", ""), rec.get("numba_internal", False)))
                elif rec["event"] == "finish":
                    finished = True
    ended = "ok"
    if rc == "timeout":
        ended = "timeout"
    elif not finished:
        ended = f"crash ({_signal_name(rc)})"
    if not finished and started and started not in results:
        results[started] = ("crashed" if rc != "timeout" else "timeout", "", None)
    tail = ""
    if ended != "ok" or collect_errors:
        with open(log_path, errors="replace") as f:
            tail = f.read()[-3000:]
    return {"side": side, "file": name, "ended": ended, "seconds": round(seconds, 1), "results": results,
            "collect_errors": collect_errors, "collect_scope": collect_scopes[0] if collect_scopes else None,
            "log_tail": tail}


def _signal_name(rc):
    if isinstance(rc, int) and rc < 0:
        try:
            return signal.Signals(-rc).name
        except ValueError:
            pass
    return f"exit {rc}"


def _short_id(test):
    return test.split("::", 1)[-1]


def _counts(run):
    c = {"passed": 0, "failed": 0, "error": 0, "skipped": 0, "other": 0, "out": 0}
    for outcome, _, scope in run["results"].values():
        key = outcome if outcome in c else "other"
        c[key] += 1
        c["out"] += scope is not None
    return c


def _lost(nb, pf):
    """{test id: (outcome, message, scope)} of the tests numba passes and ptxforge does not; a
    test that did not run under ptxforge (its file did not load) has its file's collection
    error, if any, as its message."""
    pf_results = {_short_id(t): v for t, v in pf["results"].items()}
    missing = ("not run", pf["collect_errors"][0] if pf["collect_errors"] else "", pf.get("collect_scope"))
    return {_short_id(t): pf_results.get(_short_id(t), missing) for t, (o, *_) in nb["results"].items()
            if o == "passed" and pf_results.get(_short_id(t), ("missing",))[0] != "passed"}


def _table(files, runs, sides):
    rows = []
    header = ["file"]
    for s in sides:
        header += [f"{s} pass", "fail", "err", "skip"] + (["out"] if s == "ptxforge" else []) + ["end"]
    if len(sides) == 2:
        header += ["both pass", "numba-only", "in scope"]
    totals = [0] * (len(header) - 1)
    for name in files:
        row = [name.removeprefix("test_")]
        passed = {}
        for s in sides:
            run = runs.get((s, name))
            if run is None:
                row += ["-"] * (6 if s == "ptxforge" else 5)
                continue
            c = _counts(run)
            passed[s] = {_short_id(t) for t, (o, *_) in run["results"].items() if o == "passed"}
            end = run["ended"] if run["ended"] != "ok" else ("collect" if run["collect_errors"] else "")
            row += [c["passed"], c["failed"], c["error"] + c["other"], c["skipped"]]
            row += ([c["out"]] if s == "ptxforge" else []) + [end]
        if len(sides) == 2:
            both = len(passed.get("numba", set()) & passed.get("ptxforge", set()))
            nb, pf = runs.get(("numba", name)), runs.get(("ptxforge", name))
            lost = _lost(nb, pf) if nb and pf else {}
            row += [both, len(passed.get("numba", set())) - both,
                    sum(1 for _, _, scope in lost.values() if scope is None)]
        rows.append(row)
        for i, v in enumerate(row[1:]):
            if isinstance(v, int):
                totals[i] += v
    total_row = ["TOTAL"] + [t if header[i + 1] != "end" else "" for i, t in enumerate(totals)]
    widths = [max(len(str(r[i])) for r in [header, total_row] + rows) for i in range(len(header))]
    fmt = lambda r: "  ".join(str(v).ljust(w) if i == 0 else str(v).rjust(w)
                              for i, (v, w) in enumerate(zip(r, widths)))
    lines = [fmt(header)] + [fmt(r) for r in rows] + [fmt(total_row)]
    return "\n".join(lines), dict(zip(header[1:], totals))


def _print_scope(files, runs, sides, totals):
    """The failures out of the issue's scope, by reason, and the totals without them."""
    reasons = {k: 0 for k in SCOPES}
    collect_out = []
    for f in files:
        pf = runs.get(("ptxforge", f))
        if not pf:
            continue
        for _, _, scope in pf["results"].values():
            if scope:
                reasons[scope] += 1
        if pf["collect_errors"] and pf.get("collect_scope"):
            collect_out.append(f)
    out = sum(reasons.values())
    print("\nout of scope (by message): " + ", ".join(f"{n} {SCOPES[k]}" for k, n in reasons.items()) +
          (f"; files that do not load for that reason: {', '.join(collect_out)}" if collect_out else ""))
    ran = totals["ptxforge pass"] + totals["fail"] + totals["err"] if len(sides) == 1 else None
    if len(sides) == 2:
        # numba's passes ptxforge fails for an in-scope reason, against numba's passes in scope
        in_scope_lost = totals["in scope"]
        nb_in_scope = totals["numba pass"] - (totals["numba-only"] - in_scope_lost)
        print(f"in scope: numba-cuda {nb_in_scope} passed, ptxforge {totals['both pass']} of them "
              f"({in_scope_lost} in-scope tests numba passes and ptxforge does not); raw: numba-cuda "
              f"{totals['numba pass']}, ptxforge {totals['ptxforge pass']}")
    else:
        print(f"in scope: ptxforge {totals['ptxforge pass']} passed of {ran - out} tests run in scope "
              f"({ran - out - totals['ptxforge pass']} failed or errors); raw: {totals['ptxforge pass']} "
              f"passed of {ran} run")


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _worker(*sys.argv[2:5])
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--side", choices=SIDES + ("both",), default="both")
    p.add_argument("-k", dest="only", action="append", default=[],
                   help="run only test files whose name contains this (repeatable)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 4)
    p.add_argument("--timeout", type=float, default=120, help="seconds per test file and side")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--out", default=os.environ.get("OUT") or None,
                   help="folder for results.json and the per-file logs (default: a temporary folder)")
    p.add_argument("--show-failures", type=int, default=0, metavar="N",
                   help="list, per file, up to N tests numba passes and ptxforge does not, with their error")
    args = p.parse_args()

    sides = SIDES if args.side == "both" else (args.side,)
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.setdefault("PTXFORGE_CACHE_DIR", tempfile.mkdtemp(prefix="pf-numba-compat-cache-"))
    sim = env.get("NUMBA_ENABLE_CUDASIM") == "1"
    folder, files = _test_files(args.python, env)
    if args.only:
        files = [f for f in files if any(w in f for w in args.only)]
    tmp = os.path.join(args.out, "numba-compat") if args.out else tempfile.mkdtemp(prefix="numba-compat-")
    os.makedirs(tmp, exist_ok=True)
    for f in os.listdir(tmp):
        if f.endswith((".jsonl", ".log")):
            os.remove(os.path.join(tmp, f))
    print(f"numba-cuda tests: {folder} ({len(files)} files); sides: {', '.join(sides)}"
          f"{' (numba on the simulator)' if sim else ''}; {args.jobs} processes; logs in {tmp}", flush=True)

    # Biggest files first, so that the slowest do not start last.
    jobs = sorted(((s, f) for s in sides for f in files),
                  key=lambda j: -os.path.getsize(os.path.join(folder, j[1] + ".py")))
    runs = {}
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {pool.submit(_run_one, args.python, s, f, args.timeout, env, tmp): (s, f) for s, f in jobs}
        for fut in concurrent.futures.as_completed(futures):
            runs[futures[fut]] = fut.result()
    wall = time.monotonic() - start

    if args.show_failures and len(sides) == 2:
        print("Tests numba passes and ptxforge does not (first error line):")
        for f in files:
            nb, pf = runs.get(("numba", f)), runs.get(("ptxforge", f))
            if not nb or not pf:
                continue
            lost = _lost(nb, pf)
            if not lost:
                continue
            print(f"-- {f}: {len(lost)}" + (f"  [collection: {pf['collect_errors'][0]}]" if pf["collect_errors"] else ""))
            for t, (o, msg, scope) in list(lost.items())[: args.show_failures]:
                print(f"   {t}: {o}{' [out of scope: ' + SCOPES[scope] + ']' if scope else ''}: {msg}")
    elif args.show_failures:
        print("Tests ptxforge does not pass (first error line):")
        for f in files:
            pf = runs.get(("ptxforge", f))
            bad = [(t, v) for t, v in (pf or {"results": {}})["results"].items() if v[0] not in ("passed", "skipped")]
            if not pf or not (bad or pf["collect_errors"]):
                continue
            print(f"-- {f}: {len(bad)}" + (f"  [collection: {pf['collect_errors'][0]}]" if pf["collect_errors"] else ""))
            for t, (o, msg, scope) in bad[: args.show_failures]:
                print(f"   {_short_id(t)}: {o}{' [out of scope: ' + SCOPES[scope] + ']' if scope else ''}: {msg}")

    table, totals = _table(files, runs, sides)
    print()
    print(table)
    if len(sides) == 2:  # one line for tools/gpu-check's summary
        print(f"\ntotals: numba-cuda {totals['numba pass']} passed, ptxforge {totals['ptxforge pass']} passed, "
              f"{totals['both pass']} passed on both ({totals['numba-only']} numba passes and ptxforge does not)")
    if "ptxforge" in sides:
        _print_scope(files, runs, sides, totals)
    slowest = sorted(runs.values(), key=lambda r: -r["seconds"])[:5]
    print(f"\n{wall:.0f} s wall; slowest: " + ", ".join(f"{r['side']}/{r['file']} {r['seconds']} s" for r in slowest))
    for s in sides:
        bad = [r["file"] for r in runs.values() if r["side"] == s and r["ended"] != "ok"]
        if bad:
            print(f"{s}: crashed or timed out: {', '.join(sorted(bad))}")
    with open(os.path.join(tmp, "results.json"), "w") as f:
        json.dump({"files": files, "totals": totals, "wall_s": round(wall, 1),
                   "runs": [dict(r, results={t: list(v) for t, v in r["results"].items()}) for r in runs.values()]},
                  f, indent=1)
    print(f"\nresults: {os.path.join(tmp, 'results.json')}")


if __name__ == "__main__":
    main()
