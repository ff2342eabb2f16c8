"""docs/language.md is tested: every example in it compiles, and prints what the page says.

The page's convention, checked here:

- Every ```python block is a whole program: it imports what it uses, defines at
  least one kernel, launches it on numpy arrays or numbers, and prints results.
- Right after it (blank lines allowed) comes an ```output block holding exactly
  what the program prints.
- A printed CompileError names its file ``example.py``: each block is written
  to ``example.py`` in a fresh folder (the front end reads kernels from real
  files), and that folder is cut from what it prints, so line numbers in the
  doc are the block's own.

Without a GPU each block runs with launches replaced by a compile for the
launch's argument types (typed as a real launch types them, in
``ptxforge._args.describe``); conftest.py feeds every PTX to ptxas. What the
block prints up to its first launch that compiles cannot depend on the GPU,
so it is compared with the doc even here (a CompileError example is checked
whole); every kernel the block defines must have been launched. With a GPU
(the ``gpu`` tests) each block runs for real and all it prints is compared.
"""

import contextlib
import importlib.util
import io
import itertools
import os
import pathlib
import re

import pytest

import ptxforge as pf
from ptxforge import _core
from ptxforge._args import describe
from ptxforge.dispatcher import Dispatcher, _dim3

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "language.md"
_FENCE = re.compile(r"^```(\w*)\s*$")
_KERNEL = re.compile(r"^\s*@\w+\.(kernel|jit)\b(?!\(device=True\))", re.M)


def _fenced_blocks(text):
    """[(language, first line number of the body, body)] of the page's fenced blocks."""
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, body = i + 1, []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise AssertionError(f"{DOC.name}:{start}: a ``` block is not closed")
        blocks.append((m.group(1), start + 1, "\n".join(body) + "\n"))
        i += 1
    return blocks


def _examples():
    """[(line, source, expected output)] for the page's python blocks."""
    blocks = _fenced_blocks(DOC.read_text())
    examples = []
    for (lang, line, body), after in zip(blocks, blocks[1:] + [(None, 0, "")]):
        if lang != "python":
            continue
        assert after[0] == "output", f"{DOC.name}:{line}: a python block must be followed by an ```output block"
        examples.append((line, body, after[2]))
    return examples


EXAMPLES = _examples()
_ids = [f"line{line}" for line, _, _ in EXAMPLES]
_module_ids = itertools.count()


def test_the_page_has_examples_and_each_defines_a_kernel():
    assert len(EXAMPLES) >= 20
    for line, source, _ in EXAMPLES:
        assert _KERNEL.search(source), f"{DOC.name}:{line}: the example defines no kernel"
        assert re.search(r"\]\(", source), f"{DOC.name}:{line}: the example launches no kernel"


class _Run:
    """One run of an example: what it printed, its launches, and where its first compiled launch was."""

    def __init__(self):
        self.out = io.StringIO()
        self.first_launch_at = None  # offset in out of the first launch that compiled
        self.launched = set()  # ids of the kernels launched, whether they compiled or not


def _run_example(tmp_path, source, run):
    path = tmp_path / "example.py"
    path.write_text(source)
    name = f"pf_language_doc_{next(_module_ids)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    with contextlib.redirect_stdout(run.out):
        spec.loader.exec_module(module)
    kernels = {id(v): n for n, v in vars(module).items() if isinstance(v, Dispatcher)}
    raw = run.out.getvalue()
    known = raw if run.first_launch_at is None else raw[: run.first_launch_at]
    folder = str(tmp_path) + os.sep
    return raw.replace(folder, ""), known.replace(folder, ""), kernels


class _FakeMemory:
    """Stands in for device memory when no GPU is there: launches only compile."""

    ptr = 0

    def __init__(self, nbytes, stream=0):
        self.nbytes = nbytes


def _compile_only_launch(run):
    def getitem(self, config):
        _dim3(config[0], "the grid")
        _dim3(config[1], "the block")

        def launch(*args):
            run.launched.add(id(self))
            types, _, _ = describe(args, self._param_names())
            self.compile(types)  # a CompileError propagates to the example, as a launch's would
            if run.first_launch_at is None:
                run.first_launch_at = run.out.tell()

        return launch

    return getitem


@pytest.mark.parametrize("line,source,expected", EXAMPLES, ids=_ids)
def test_example_compiles(monkeypatch, tmp_path, line, source, expected):
    if pf._target.gpu_available():
        pytest.skip("the gpu test runs this example for real")
    run = _Run()
    monkeypatch.setattr(Dispatcher, "__getitem__", _compile_only_launch(run))
    monkeypatch.setattr(_core, "DeviceMemory", _FakeMemory)
    monkeypatch.setattr(_core, "copy_htod", lambda *args: None)
    printed, known, kernels = _run_example(tmp_path, source, run)
    unlaunched = sorted(name for k, name in kernels.items() if k not in run.launched)
    assert not unlaunched, f"{DOC.name}:{line}: kernels never launched: {unlaunched}"
    if run.first_launch_at is None:
        assert printed == expected, f"{DOC.name}:{line}: the example prints\n{printed}"
    else:
        assert expected.startswith(known), f"{DOC.name}:{line}: before its first launch the example prints\n{known}"


@pytest.mark.gpu
@pytest.mark.parametrize("line,source,expected", EXAMPLES, ids=_ids)
def test_example_prints_what_the_page_says(tmp_path, line, source, expected, pf_target):
    if pf_target == "cpu" and "link=" in source:
        pytest.skip("not on the CPU target: the example links CUDA C++ for the GPU")
    printed, _, _ = _run_example(tmp_path, source, _Run())
    assert printed == expected, f"{DOC.name}:{line}: the example prints\n{printed}"
