"""The numba-dialect kernel corpus (tests/python/corpus/): every kernel compiles to PTX that
ptxas accepts (no GPU needed), matches its numpy reference on the GPU, and, where numba-cuda
imports, numba's run of the same source agrees with the reference and with ptxforge.

How to add a case: see tests/python/corpus/__init__.py. The table of the whole corpus is
printed by tests/python/corpus/report.py (run by tools/gpu-check).
"""

import pytest

import ptxforge
from corpus import runner

CASES = runner.cases("ptxforge")


def _params(ptxforge_side):
    params = []
    for cid, case in CASES:
        marks = []
        if ptxforge_side and case.ptxforge_bug:
            marks.append(pytest.mark.xfail(strict=True, reason=f"ptxforge bug: {case.ptxforge_bug}"))
        params.append(pytest.param(cid, id=cid, marks=marks))
    return params


def test_corpus_size_and_names():
    ids = [cid for cid, _ in CASES]
    assert len(ids) == len(set(ids)), "two cases share a name"
    kernels = {id(case.kernel.py_func) for _, case in CASES}
    assert len(kernels) >= 80, f"the corpus has {len(kernels)} distinct kernels; the issue asks for 80"
    for cid, case in CASES:
        assert case.outputs, f"{cid} checks no output"
        assert all(0 <= k < len(runner.arguments(case)) for k in case.outputs), f"{cid}: an output is not an argument"


@pytest.mark.parametrize("case_id", _params(True))
def test_compiles_without_gpu(case_id):
    case = runner.case("ptxforge", case_id)
    ptx = case.kernel.inspect_ptx(runner.signature(runner.arguments(case)))  # conftest runs ptxas on it
    assert ".entry" in ptx


@pytest.mark.gpu
@pytest.mark.parametrize("case_id", _params(True))
def test_matches_numpy(case_id):
    case = runner.case("ptxforge", case_id)
    got = runner.launch(case, ptxforge)
    sig = runner.signature(runner.arguments(case))
    assert sig in case.kernel.overloads, f"launched as {list(case.kernel.overloads)}, compile-only test used {sig}"
    bad = runner.mismatch(got, runner.expected(case), case.rtol, case.atol)
    assert bad is None, bad


_numba = {}


def _numba_cuda():
    if "module" not in _numba:
        try:
            _numba["module"], _numba["why"] = runner.backend("numba"), None
        except Exception as exc:  # not installed, or no usable driver for it
            _numba["module"], _numba["why"] = None, f"{type(exc).__name__}: {exc}"
    if _numba["module"] is None:
        pytest.skip(f"numba-cuda is not importable here ({_numba['why']}); nothing to compare with")
    return _numba["module"]


@pytest.mark.gpu
@pytest.mark.gpu_only("compares with numba-cuda's run on the GPU")
@pytest.mark.parametrize("case_id", _params(False))
def test_numba_agrees(case_id):
    nb = _numba_cuda()
    ncase = runner.case("numba", case_id)
    try:
        theirs = runner.launch(ncase, nb)
    except Exception as exc:  # recorded, not failed: numba-cuda's limits are not ours
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        pytest.skip(f"numba-cuda cannot run this kernel: {type(exc).__name__}: {first}")
    bad = runner.mismatch(theirs, runner.expected(ncase), ncase.rtol, ncase.atol)
    if ncase.numba_differs:
        if bad:
            pytest.xfail(f"deliberate difference ({ncase.numba_differs}): {bad}")
        return
    assert bad is None, f"numba-cuda differs from the numpy reference: {bad}"
    case = runner.case("ptxforge", case_id)
    if case.ptxforge_bug:
        pytest.skip(f"ptxforge bug: {case.ptxforge_bug}")
    ours = runner.launch(case, ptxforge)
    apart = runner.mismatch(ours, theirs, ncase.rtol, ncase.atol)
    assert apart is None, f"ptxforge and numba-cuda differ: {apart}"
