"""Prints the corpus comparison table: ptxforge against numpy and against numba-cuda.

    python3 tests/python/corpus/report.py [-k SUBSTRING] [-v]

Per case: ptxforge compiles it to PTX (no GPU needed); with a GPU it launches
it and compares with the numpy reference; where numba-cuda imports (or its
simulator, NUMBA_ENABLE_CUDASIM=1) it launches numba's version of the same
source and compares it with the reference and with ptxforge's outputs.
Exits 1 when ptxforge fails a case (numba's failures are only reported).
"""

import argparse
import collections
import os
import pathlib
import sys
import time
import traceback

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from corpus import runner  # noqa: E402


def _first_line(exc):
    text = f"{type(exc).__name__}: {exc}".strip()
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return (lines[0] if lines else text)[:160]


def _import(name):
    try:
        return runner.backend(name), None
    except Exception as exc:  # a missing backend is reported, not fatal
        return None, _first_line(exc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only cases whose id contains this")
    parser.add_argument("-v", action="store_true", help="one line per case")
    opts = parser.parse_args()

    pf, pf_missing = _import("ptxforge")
    nb, nb_missing = _import("numba")
    simulator = os.environ.get("NUMBA_ENABLE_CUDASIM") == "1"
    gpu = pf is not None and pf.is_available()
    numba_runs = nb is not None and (simulator or nb.is_available())
    print(f"ptxforge: {'GPU' if gpu else 'compile only' if pf else 'missing: ' + pf_missing}; "
          f"numba-cuda: {('simulator' if simulator else 'GPU') if numba_runs else 'not run: ' + (nb_missing or 'no GPU')}")

    ids = [cid for cid, _ in runner.cases("ptxforge" if pf else "numba") if opts.k in cid]
    rows = collections.OrderedDict()
    problems, known, numba_failed, deliberate, undeclared = [], [], [], [], []
    timing = collections.Counter()
    for cid in ids:
        r = rows[cid] = dict(compiled=None, numpy=None, numba_ran=None, numba_numpy=None, numba_equal=None)
        pf_out = None
        want = None
        if pf:
            t0 = time.perf_counter()
            case = runner.case("ptxforge", cid)
            fail = known if case.ptxforge_bug else problems
            try:
                case.kernel.inspect_ptx(runner.signature(runner.arguments(case)))
                r["compiled"] = True
            except Exception as exc:
                r["compiled"] = False
                fail.append(f"{cid}: does not compile: {_first_line(exc)}")
            if gpu and r["compiled"]:
                try:
                    pf_out = runner.launch(case, pf)
                    want = runner.expected(case)
                    bad = runner.mismatch(pf_out, want, case.rtol, case.atol)
                    r["numpy"] = bad is None
                    if bad:
                        fail.append(f"{cid}: differs from numpy: {bad}")
                except Exception as exc:
                    r["numpy"] = False
                    fail.append(f"{cid}: launch failed: {_first_line(exc)}")
                    if opts.v:
                        traceback.print_exc()
            if case.ptxforge_bug and r["compiled"] and r["numpy"] is not False:
                problems.append(f"{cid}: passes now: delete its ptxforge_bug ({case.ptxforge_bug})")
            timing["ptxforge"] += time.perf_counter() - t0
        if numba_runs:
            t0 = time.perf_counter()
            try:
                ncase = runner.case("numba", cid)
                nb_out = runner.launch(ncase, nb)
                r["numba_ran"] = True
            except Exception as exc:
                r["numba_ran"] = False
                numba_failed.append(f"{cid}: {_first_line(exc)}")
            if r["numba_ran"]:
                want = want if want is not None else runner.expected(ncase)
                bad = runner.mismatch(nb_out, want, ncase.rtol, ncase.atol)
                r["numba_numpy"] = bad is None
                if pf_out is not None:
                    r["numba_equal"] = runner.identical(pf_out, nb_out)
                    close = runner.mismatch(nb_out, pf_out, ncase.rtol, ncase.atol) is None
                else:
                    close = bad is None
                if ncase.numba_differs:
                    deliberate.append(f"{cid}: {ncase.numba_differs} "
                                      f"({'numba agrees anyway' if bad is None else 'numba: ' + bad})")
                elif bad or not close:
                    undeclared.append(f"{cid}: numba {bad or 'differs from ptxforge beyond tolerance'}")
            timing["numba"] += time.perf_counter() - t0
        if opts.v:
            print(f"  {cid:60s} " + " ".join(f"{k}={v}" for k, v in r.items()))

    def count(key, value=True):
        return sum(1 for r in rows.values() if r[key] is value)

    table = [
        ("cases (kernels)", f"{len(rows)} ({len(_distinct_kernels(rows, pf or nb))} distinct kernel functions)"),
        ("ptxforge compiled to PTX", count("compiled") if pf else "-"),
        ("ptxforge matched numpy", count("numpy") if gpu else "- (no GPU)"),
        ("compared with numba-cuda", count("numba_ran") if numba_runs else "-"),
        ("numba-cuda matched numpy", count("numba_numpy") if numba_runs else "-"),
        ("numba-cuda bit-equal to ptxforge", count("numba_equal") if numba_runs and gpu else "-"),
        ("numba-cuda could not run", count("numba_ran", False) if numba_runs else "-"),
        ("deliberate differences declared", len(deliberate)),
        ("known ptxforge bugs", len(known)),
    ]
    width = max(len(k) for k, _ in table)
    print()
    print(f"| {'corpus':{width}s} | count |")
    print(f"|{'-' * (width + 2)}|-------|")
    for k, v in table:
        print(f"| {k:{width}s} | {v} |")
    for title, items in (("ptxforge failures", problems), ("known ptxforge bugs (strict xfails in test_corpus.py)", known),
                         ("numba-cuda could not run", numba_failed),
                         ("deliberate differences (numba-cuda widens; ptxforge checked against numpy)", deliberate),
                         ("numba-cuda differs without a declared reason", undeclared)):
        if items:
            print(f"\n{title}:")
            for line in items:
                print(f"  - {line}")
    print("\ntime: " + ", ".join(f"{k} {v:.1f} s" for k, v in timing.items()))
    return 1 if problems else 0


def _distinct_kernels(rows, cuda):
    backend = "ptxforge" if cuda is not None and cuda.__name__ == "ptxforge" else "numba"
    return {id(runner.case(backend, cid).kernel.py_func) for cid in rows}


if __name__ == "__main__":
    sys.exit(main())
