"""Every stage of a kernel, for people: the machinery behind the kernel's inspect_*
methods, ``resources()`` and ``ptxforge inspect``.

Stages: the typed source (each line with its variables' types), LLVM IR before and
after optimisation, PTX, SASS (through NVIDIA's ``nvdisasm``: PyPI's
``nvidia-cuda-nvdisasm``, found in site-packages, a toolkit or on PATH), and the
resources the cubin records with the theoretical occupancy they allow. With line
tables (``lineinfo``: optimisation stays on) the report puts the stages side by side
per Python line: under each source line, the LLVM IR, PTX and SASS it became.

Everything here works without a GPU; where one is present, ``resources`` takes the
driver's own figures (occupancy API, function attributes) instead of computing them.
"""

import inspect as _inspect
import os
import re
import shutil
import subprocess
import tempfile

from . import _core

__all__ = ["NvdisasmNotFound", "find_nvdisasm", "typed_source", "sass", "resources", "line_table", "report"]


class NvdisasmNotFound(RuntimeError):
    """SASS needs NVIDIA's nvdisasm, which is in none of the places searched."""


# -- the typed source ------------------------------------------------------------------


def _source_lines(pyfunc):
    """{line number: text} of the function's source in its file."""
    lines, first = _inspect.getsourcelines(pyfunc)
    return {first + i: text.rstrip("\n") for i, text in enumerate(lines)}


def typed_source(pyfunc, artifacts):
    """The function's source, each line followed by the variables it names and their
    types, then the typed tree (every operation with its type)."""
    by_line = {}
    for line, _col, name, type_ in artifacts.variables:
        by_line.setdefault(line, []).append(f"{name}: {type_}")
    source = _source_lines(pyfunc)
    width = min(max((len(t) for t in source.values()), default=0), 72)
    out = [f"# {pyfunc.__name__}{artifacts.signature} in {_inspect.getsourcefile(pyfunc)}"]
    for line, text in source.items():
        notes = by_line.get(line)
        gutter = f"{line:5d}  "
        out.append(gutter + (f"{text:<{width}}  # {', '.join(notes)}" if notes else text))
    out.append("")
    out.append("# the typed tree: every operation with its type")
    out.append(artifacts.typed.rstrip("\n"))
    return "\n".join(out) + "\n"


# -- SASS ------------------------------------------------------------------------------


def find_nvdisasm():
    """nvdisasm's path, looked up as every CUDA part is (pf.config()): NVIDIA's pip
    packages on sys.path (nvidia-cuda-nvdisasm), then $CUDA_HOME, $CUDA_PATH and
    /usr/local/cuda, then PATH. Raises NvdisasmNotFound saying what to install."""
    found = _core.toolkit()["nvdisasm"] or shutil.which("nvdisasm")
    if found:
        return found
    raise NvdisasmNotFound("SASS needs NVIDIA's nvdisasm, which was found neither in site-packages, nor under "
                           "$CUDA_HOME, $CUDA_PATH or /usr/local/cuda, nor on PATH: pip install nvidia-cuda-nvdisasm")


def sass(cubin, line_info=True):
    """The SASS of a cubin, as nvdisasm prints it; with `line_info`, each run of
    instructions is headed by the source line it came from (where the cubin has
    line tables)."""
    if not cubin:
        raise ValueError("there is no cubin to disassemble (no PTX assembler was found when it was compiled)")
    tool = find_nvdisasm()
    with tempfile.TemporaryDirectory(prefix="pf-sass-") as d:
        path = os.path.join(d, "kernel.cubin")
        with open(path, "wb") as f:
            f.write(cubin)
        args = [tool, "-c"] + (["-g"] if line_info else []) + [path]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"nvdisasm failed (exit {proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


# -- resources -------------------------------------------------------------------------


def resources(artifacts, cc, block_size=256, dynamic_shared=0, loaded=None):
    """Registers per thread, static shared, local (stack frame and spills) and constant
    memory, max threads per block, and the theoretical occupancy at `block_size`.

    With `loaded` (a _core.LoadedKernel on a GPU of capability `cc`) the figures are
    the driver's; otherwise they come from the cubin and the architecture's limits.
    """
    if not artifacts.cubin:
        raise ValueError(f"kernel '{artifacts.entry_name}' has no cubin (no PTX assembler was found: "
                         f"{artifacts.assembler_error})")
    res = _core.cubin_resources(artifacts.cubin, artifacts.entry_name)
    if res is None:
        raise ValueError(f"the cubin holds no kernel '{artifacts.entry_name}'")
    arch = cc[0] * 10 + cc[1]
    out = {
        "arch": f"sm_{arch}",
        "registers": res["registers"],
        "shared_bytes": res["shared_bytes"],
        "local_bytes": res["local_bytes"],
        "const_bytes": res["const_bytes"],
        "max_threads_per_block": _core.compute_max_threads_per_block(arch, res["registers"],
                                                                     res["max_threads_bound"]),
        "source": "cubin",
    }
    if loaded is not None:
        out.update(registers=loaded.registers, shared_bytes=loaded.shared_bytes, local_bytes=loaded.local_bytes,
                   max_threads_per_block=loaded.max_threads_per_block, source="driver")
        out["occupancy"] = _core.device_occupancy(loaded, block_size, dynamic_shared)
    else:
        out["occupancy"] = _core.compute_occupancy(arch, res["registers"], res["shared_bytes"], dynamic_shared,
                                                   block_size, res["max_threads_bound"])
    return out


def format_resources(r, sass_text=None):
    occ = r.get("occupancy")
    lines = [f"registers per thread   {r['registers']}",
             f"static shared memory   {r['shared_bytes']} B",
             f"local memory           {r['local_bytes']} B (stack frame and spills)"]
    if sass_text is not None:
        stl = len(re.findall(r"\bSTL(\.\w+)*\b", sass_text))
        ldl = len(re.findall(r"\bLDL(\.\w+)*\b", sass_text))
        lines[-1] += f"; SASS has {stl} local stores (STL) and {ldl} local loads (LDL)"
    lines += [f"constant bank 0        {r['const_bytes']} B (parameters and constants)",
              f"max threads per block  {r['max_threads_per_block']}"]
    if occ is None:
        lines.append(f"occupancy              not known for {r['arch']} without a GPU of that architecture")
    elif occ["blocks_per_sm"] == 0:
        lines.append(f"occupancy at {occ['block_size']} threads: none ({occ['limiter']})")
    else:
        how = "the driver's occupancy API" if occ["source"] == "driver" else f"computed for {r['arch']}"
        lines.append(f"occupancy at {occ['block_size']} threads: {occ['blocks_per_sm']} blocks per SM, "
                     f"{occ['warps_per_sm']} of {occ['max_warps_per_sm']} warps ({occ['occupancy']:.0%}), "
                     f"limited by {occ['limiter']} ({how})")
    return "\n".join(lines) + "\n"


# -- the stages per Python line --------------------------------------------------------

_LLVM_LOC = re.compile(r"^(!\d+) = !DILocation\(line: (\d+)(?:, column: \d+)?, scope: (!\d+)(?:, inlinedAt: (!\d+))?")
_LLVM_SCOPE = re.compile(r"^(!\d+) = (?:distinct )?!DI(?:Subprogram|LexicalBlock\w*)\(.*?\bfile: (!\d+)")
_LLVM_FILE = re.compile(r'^(!\d+) = !DIFile\(filename: "([^"]*)", directory: "([^"]*)"')
_LLVM_DBG = re.compile(r", !dbg (!\d+)")
_PTX_FILE = re.compile(r'^\s*\.file\s+(\d+)\s+"([^"]*)"')
_PTX_LOC = re.compile(r"^\s*\.loc\s+(\d+)\s+(\d+)\s+(\d+)(.*)$")
_SASS_LINE = re.compile(r'^\s*//## File "([^"]*)", line (\d+)(.*)$')
_SASS_INSTR = re.compile(r"^\s*/\*[0-9a-f]{4,}\*/\s+(.*?)\s*(?:/\*.*\*/)?\s*$")


def _llvm_by_line(ir, filename):
    """{line: [instruction]} of LLVM IR with !dbg locations in `filename`: of an
    instruction inlined from a function in another file, the call site's line."""
    locs, scopes, files = {}, {}, {}
    for text in ir.splitlines():
        if m := _LLVM_LOC.match(text):
            locs[m.group(1)] = (int(m.group(2)), m.group(3), m.group(4))
        elif m := _LLVM_SCOPE.match(text):
            scopes[m.group(1)] = m.group(2)
        elif m := _LLVM_FILE.match(text):
            files[m.group(1)] = os.path.join(m.group(3), m.group(2))
    here = os.path.realpath(filename)
    out = {}
    for text in ir.splitlines():
        m = _LLVM_DBG.search(text)
        if not m or text.lstrip().startswith(("!", "declare", "define")):
            continue
        ref, seen = m.group(1), set()
        while ref in locs and ref not in seen:
            seen.add(ref)
            line, scope, inlined_at = locs[ref]
            if os.path.realpath(files.get(scopes.get(scope), "")) == here:
                out.setdefault(line, []).append(_LLVM_DBG.sub("", text).strip())
                break
            ref = inlined_at
    return out


def _ptx_by_line(ptx, filename):
    """{line: [instruction]} of PTX whose .loc directives name `filename`."""
    files = {int(m.group(1)): m.group(2) for m in map(_PTX_FILE.match, ptx.splitlines()) if m}
    wanted = {i for i, f in files.items() if os.path.realpath(f) == os.path.realpath(filename)}
    out, line = {}, None
    for text in ptx.splitlines():
        m = _PTX_LOC.match(text)
        if m:
            line = int(m.group(2)) if int(m.group(1)) in wanted else None
            continue
        body = text.strip()
        if line and line > 0 and body and not body.startswith(("//", ".", "{", "}", "$")) and not body.endswith(":"):
            out.setdefault(line, []).append(body)
    return out


def _sass_by_line(sass_text, filename):
    """{line: [instruction]} of nvdisasm -g output for `filename`."""
    out, line = {}, None
    for text in sass_text.splitlines():
        m = _SASS_LINE.match(text)
        if m:
            line = int(m.group(2)) if os.path.realpath(m.group(1)) == os.path.realpath(filename) else None
            continue
        m = _SASS_INSTR.match(text)
        if m and line:
            out.setdefault(line, []).append(m.group(1).rstrip(" ;") + " ;")
    return out


def line_table(pyfunc, llvm_ir, ptx, sass_text):
    """{line: {"source": text, "llvm": [...], "ptx": [...], "sass": [...]}} for every
    line of the function's source, and every other line of its file that some stage
    maps to (the device functions it calls, inlined), in line order. SASS may be None."""
    import linecache

    filename = _inspect.getsourcefile(pyfunc)
    source = _source_lines(pyfunc)
    stages = {"llvm": _llvm_by_line(llvm_ir, filename), "ptx": _ptx_by_line(ptx, filename),
              "sass": _sass_by_line(sass_text, filename) if sass_text else {}}
    lines = set(source).union(*stages.values())
    return {line: {"source": source.get(line, linecache.getline(filename, line).rstrip("\n")),
                   **{k: v.get(line, []) for k, v in stages.items()}}
            for line in sorted(lines)}


def format_line_table(table, has_sass):
    out = []
    for line, row in table.items():
        out.append(f"{line:5d} | {row['source']}")
        counts = [f"{len(row['llvm'])} LLVM", f"{len(row['ptx'])} PTX"] + ([f"{len(row['sass'])} SASS"]
                                                                         if has_sass else [])
        if not (row["llvm"] or row["ptx"] or row["sass"]):
            continue
        out.append(f"      |   ({', '.join(counts)})")
        for stage in ("llvm", "ptx", "sass"):
            for instr in row[stage]:
                out.append(f"      |   {stage:<4}  {instr}")
    return "\n".join(out) + "\n"


# -- the report ------------------------------------------------------------------------

STAGES = ("typed", "resources", "lines", "llvm", "llvm-opt", "ptx", "sass")


def compile_for_report(dispatcher, types, cc):
    """The kernel compiled to a cubin with line tables and the IR kept: the same code as
    without them (lineinfo keeps optimisation on), with .loc lines to map stages to."""
    from ._source import resolve_globals

    fa = dispatcher._function_ast()
    opts = dict(dispatcher.options, lineinfo=True)
    return _core.compile(fa, list(types), resolve_globals(dispatcher.py_func, dispatcher._source.names, dispatcher._source), cc[0], cc[1],
                         stage="cubin", keep_ir=True, **opts)


def report(dispatcher, signature, cc=(9, 0), block_size=256, stages=None, dynamic_shared=0):
    """One report of every stage of `dispatcher` for `signature` on sm_<cc>: the typed
    source, resources and occupancy, the stages per Python line, then the whole LLVM IR
    (before and after optimisation), PTX and SASS. `stages` picks parts (STAGES)."""
    stages = tuple(stages or STAGES)
    types = dispatcher._types_of_signature(signature)
    a = compile_for_report(dispatcher, types, tuple(cc))
    arch = f"sm_{cc[0]}{cc[1]}"
    out = [f"==== {dispatcher.__name__}{a.signature} for {arch}: entry {a.entry_name}, "
           f"{_inspect.getsourcefile(dispatcher.py_func)}\n"]
    sass_text, sass_error = None, None
    if {"sass", "lines", "resources"} & set(stages):
        try:
            sass_text = sass(a.cubin) if a.cubin else None
        except (NvdisasmNotFound, RuntimeError) as exc:
            sass_error = str(exc)
    for stage in stages:
        if stage == "typed":
            out.append("---- typed source\n" + typed_source(dispatcher.py_func, a))
        elif stage == "resources":
            try:
                r = resources(a, cc, block_size, dynamic_shared)
                out.append(f"---- resources ({arch}, read from the cubin)\n" + format_resources(r, sass_text))
            except ValueError as exc:
                out.append(f"---- resources\n{exc}\n")
        elif stage == "lines":
            table = line_table(dispatcher.py_func, a.llvm_opt, a.ptx, sass_text)
            title = "LLVM IR (optimised), PTX" + (", SASS" if sass_text else "")
            out.append(f"---- per Python line: {title}\n" + format_line_table(table, sass_text is not None)
                       + (f"(no SASS: {sass_error})\n" if sass_error else ""))
        elif stage == "llvm":
            out.append("---- LLVM IR before optimisation\n" + a.llvm)
        elif stage == "llvm-opt":
            out.append("---- LLVM IR after optimisation\n" + a.llvm_opt)
        elif stage == "ptx":
            out.append("---- PTX\n" + a.ptx)
        elif stage == "sass":
            out.append("---- SASS (nvdisasm)\n" + (sass_text if sass_text else f"{sass_error}\n"))
    return "\n".join(s.rstrip("\n") + "\n" for s in out)
