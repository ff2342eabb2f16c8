"""Line tables: lineinfo=True (and debug=True) map the PTX back to the Python lines,
in the kernel and in each device function it calls."""

import re

import ptxforge as pf


@pf.jit(device=True)
def bump(x):
    x[0] += 1


@pf.kernel(lineinfo=True)
def with_lines(x):
    x[1] = 1
    bump(x)


@pf.kernel
def without_lines(x):
    x[1] = 1
    bump(x)


@pf.kernel(debug=True)
def debug_lines(x):
    x[1] = 1
    bump(x)


SIG = "void(int32[::1])"
LOC = re.compile(r"\.loc\s+(\d+)\s+(\d+)\s+(\d+)")


def lines(ptx):
    return {int(m.group(2)) for m in LOC.finditer(ptx)}


def test_lineinfo_gives_file_and_loc_directives_for_kernel_and_device_function():
    ptx = with_lines.inspect_ptx(SIG)
    assert re.search(r'\.file\s+\d+\s+".*test_line_tables\.py"', ptx)
    first = bump.py_func.__code__.co_firstlineno
    assert first + 2 in lines(ptx)  # bump's body, inlined into the kernel
    assert with_lines.py_func.__code__.co_firstlineno + 2 in lines(ptx)
    assert not re.search(r"\.section\s+\.debug_info", ptx)  # lines only, no full debug info


def test_one_compile_unit_and_a_subprogram_per_function():
    llvm = with_lines.inspect_llvm(SIG)
    assert llvm.count("distinct !DICompileUnit") == 1 and "emissionKind: DebugDirectivesOnly" in llvm
    assert llvm.count("distinct !DISubprogram") == 2


def test_no_lines_without_lineinfo():
    ptx = without_lines.inspect_ptx(SIG)
    assert ".loc" not in ptx and ".file" not in ptx


def test_debug_brings_lines():
    ptx = debug_lines.inspect_ptx(SIG)
    assert ".file" in ptx and debug_lines.py_func.__code__.co_firstlineno + 2 in lines(ptx)


def test_debug_without_optimisation_carries_full_dwarf():
    @pf.kernel(debug=True, opt=False)
    def full(x):
        x[0] = 1

    compiled = full._compile(("int32[::1]",), (9, 0), "cubin").artifacts
    assert ".target sm_90, debug" in compiled.ptx and re.search(r"\.section\s+\.debug_info\s+\{", compiled.ptx)
    assert compiled.cubin  # assembled with -g -O0
    assert not re.search(r"\.section\s+\.debug_info", debug_lines.inspect_ptx(SIG))  # optimised: lines only
