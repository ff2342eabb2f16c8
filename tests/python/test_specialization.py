"""Launch-time specialisation (docs/performance.md): the facts a launch proves about its
arrays (alignment, extent bounds, disjointness, the block's coarsening), the keys the fast
path builds from them, the kernels compiled for them, and, on a GPU, that every path gives
the same results.

The tests without the ``gpu`` marker need no GPU: device arrays there wrap made-up
addresses and nothing is dereferenced.
"""

import importlib.util
import os

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core
from ptxforge._args import describe, register_interop_types
from ptxforge.devicearray import DeviceNDArray

FAKE = 0x7F0000000000
ALIGNED, BOUNDED, SMALL = 1, 2, 4


def fake(shape, dtype=np.float32, strides=None, ptr=FAKE):
    return DeviceNDArray(shape, strides, dtype, 0, object(), ptr)


def saxpy(a, x, y, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = a * x[i] + y[i]


def grid_stride_sum(x, out):
    i = pf.grid(1)
    stride = pf.gridsize(1)
    acc = pf.float32(0)
    while i < x.shape[0]:
        acc += x[i]
        i += stride
    pf.atomic.add(out, 0, acc)


SAXPY_SIG = "void(float32, float32[::1], float32[::1], float32[::1])"
SUM_SIG = "void(float32[::1], float32[::1])"


def loop_bodies(ptx):
    """The text of each loop: from a label to the last branch back to it."""
    lines = ptx.splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.startswith("$L__BB") and line.rstrip().endswith(":"):
            label = line.strip()[:-1]
            back = [j for j in range(i + 1, len(lines)) if lines[j].strip().endswith(f"bra \t{label};")
                    or lines[j].strip().endswith(f"bra.uni \t{label};")]
            if back:
                out.append("\n".join(lines[i:back[-1] + 1]))
    return out


# -- the PTX the facts buy --------------------------------------------------------------


def test_grid_stride_sum_unrolls_only_with_bounded_extents():
    general, _ = pf.compile_ptx(grid_stride_sum, SUM_SIG)
    [loop] = loop_bodies(general)
    assert loop.count("ld.global.f32") == 1 and "shr.s64" in loop  # the wrap of x[i] stays
    fast, _ = pf.compile_ptx(grid_stride_sum, SUM_SIG, launch_facts="bounded")
    remainder, unrolled = loop_bodies(fast)
    assert unrolled.count("ld.global.f32") == 4
    assert "shr.s64" not in remainder + unrolled


def _bench_suite():
    """bench/_suite_kernels.py with ``cuda`` bound to ptxforge, as bench/kernels.py loads it."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "_suite_kernels.py")
    spec = importlib.util.spec_from_file_location("_suite_kernels_ptxforge", path)
    module = importlib.util.module_from_spec(spec)
    module.cuda = pf
    spec.loader.exec_module(module)
    return module


SUITE = _bench_suite()
TPB = SUITE.TPB
softmax = SUITE.softmax  # three loops of an int32 counter over a row
SOFTMAX_SIG = "void(float32[:, ::1], float32[:, ::1])"


def test_row_loops_of_an_int32_counter_unroll_below_small_extents():
    # `j += TPB` on an int32 may wrap in general: one load per trip, and the wrap of x[row, j].
    general, _ = pf.compile_ptx(softmax, SOFTMAX_SIG)
    rows = [b for b in loop_bodies(general) if "ld.global" in b]
    assert len(rows) == 3 and all(b.count("ld.global.f32") == 1 for b in rows)
    # Below 2^30 it cannot (GuardedNoWrap): each row loop is a remainder loop and a loop
    # with four loads (nvcc's shape), no wrap, no 32-bit masks.
    fast, _ = pf.compile_ptx(softmax, SOFTMAX_SIG, launch_facts="aligned,small,disjoint")
    rows = [b for b in loop_bodies(fast) if "ld.global" in b]
    assert [b.count("ld.global.nc.f32") for b in rows] == [1, 4] * 3
    assert [b.count("st.global.f32") for b in rows] == [0, 0, 0, 0, 1, 4]
    assert not any("shr.s64" in b or "and.b64" in b for b in rows)


def test_disjoint_read_only_arrays_use_the_read_only_cache():
    ptx, _ = pf.compile_ptx(grid_stride_sum, SUM_SIG, launch_facts="aligned,small,disjoint")
    assert ptx.count("ld.global.nc.f32") == 5 and "ld.global.f32" not in ptx
    general, _ = pf.compile_ptx(grid_stride_sum, SUM_SIG, launch_facts="aligned,small")
    assert ".nc" not in general  # out may be x itself


def test_aligned_coarsened_saxpy_is_128_bit():
    ptx, _ = pf.compile_ptx(saxpy, SAXPY_SIG, launch_facts="aligned, small, disjoint, coarsen=4")
    assert ptx.count("ld.global.nc.v4.f32") == 2 and ptx.count("st.global.v4.f32") == 1
    unaligned, _ = pf.compile_ptx(saxpy, SAXPY_SIG, launch_facts="small,disjoint,coarsen=4")
    assert ".v4." not in unaligned and ".v2." not in unaligned


def saxpy_returning_early(a, x, y, out):
    i = pf.grid(1)
    if i >= x.size:
        return
    out[i] = a * x[i] + y[i]


def stencil(a, out):
    x, y = pf.grid(2)
    if 0 < y < a.shape[0] - 1 and 0 < x < a.shape[1] - 1:
        out[y, x] = a[y, x] + 0.2 * (a[y - 1, x] + a[y + 1, x] + a[y, x - 1] + a[y, x + 1] - 4 * a[y, x])


def test_coarsening_vectorises_early_returns_and_two_dimensional_guards():
    ptx, _ = pf.compile_ptx(saxpy_returning_early, SAXPY_SIG, launch_facts="aligned,small,disjoint,coarsen=4")
    assert ptx.count("ld.global.nc.v4.f32") == 2 and ptx.count("st.global.v4.f32") == 1
    ptx, _ = pf.compile_ptx(stencil, "void(float32[:, ::1], float32[:, ::1])",
                            launch_facts="aligned,small,disjoint,coarsen=4")
    assert ptx.count("ld.global.nc.v4.f32") == 3 and ptx.count("st.global.v4.f32") == 1  # rows y-1, y, y+1


def test_unknown_launch_fact_is_an_error():
    with pytest.raises(ValueError, match="unknown launch fact 'alinged'"):
        pf.compile_ptx(saxpy, SAXPY_SIG, launch_facts="alinged")


# -- what the typed tree says -----------------------------------------------------------


@pf.jit(device=True)
def store_first(dst, src):
    dst[0] = src[0]


def through_device_function(a, b, c, out):
    store_first(b, a)  # writes b
    v = c[1:]  # a view of c, written below
    v[0] = a[0]
    out[0] = 1


def atomic_target(a, hist):
    pf.atomic.add(hist, 0, a[0])


def compiled(fn, types, facts=None):
    k = pf.kernel(fn)
    return k._compile(tuple(types), (9, 0), "typed", facts=facts).artifacts


def test_written_parameters_come_from_the_typed_tree():
    arrays = ["float32[::1]"] * 4
    assert compiled(through_device_function, arrays).written == [False, True, True, True]
    assert compiled(atomic_target, arrays[:2]).written == [False, True]


@pf.jit(device=True)
def fill_down(dst, src, n):
    if n > 0:
        dst[n - 1] = src[n - 1]
        fill_down(dst, src, n - 1)


def through_recursion(a, out):
    fill_down(out, a, 4)


def through_spread_arguments(a, out):
    t = (out, a)
    store_first(*t)  # writes out, not a: the arguments are spread


def through_starred_target(a, b, out):
    first, *rest = (a, b, out)
    rest[1][0] = first[0]


poke = pf.declare_device("poke", "int32(float32[::1])", abi="c", link=pf.CUSource("""
extern "C" __device__ int poke(void *a) { return 0; }
"""))


def through_foreign_code(a, b, out):
    out[0] = poke(a) + b[0]


def test_foreign_functions_write_what_they_are_given_and_forbid_coarsening():
    arrays = ["float32[::1]"] * 3
    facts = compiled(through_foreign_code, arrays)
    assert facts.written == [True, False, True]
    assert not facts.coarsenable
    assert compiled(through_foreign_code, arrays, facts=((5, 5, 5), True, 4)).coarsen == 1


def test_written_parameters_through_recursion_and_spreading():
    # A recursive call counts as writing every argument (its analysis is under way);
    # spread arguments and starred targets keep their roots.
    arrays = ["float32[::1]"] * 3
    assert compiled(through_recursion, arrays[:2]).written == [True, True]
    assert compiled(through_spread_arguments, arrays[:2]).written == [True, True]
    # a tuple's roots are those of all its elements, so `rest` may be any of them
    assert compiled(through_starred_target, arrays).written == [True, True, True]
    # the read-only slots a launch skips copying back follow the same analysis
    assert compiled(through_device_function, ["float32[::1]"] * 4).read_only_args == [0]


def test_threads_that_talk_to_each_other_are_not_coarsened():
    def with_shared(x):
        buf = pf.shared.array(32, pf.float32)
        buf[pf.threadIdx.x] = x[pf.grid(1)]

    def with_shuffle(x):
        x[pf.grid(1)] = pf.shfl_down_sync(0xFFFFFFFF, x[pf.grid(1)], 1)

    def with_lane(x):
        x[pf.grid(1)] = pf.laneid

    @pf.jit(device=True)
    def my_index():
        return pf.grid(1)

    def through_callee(x):
        x[my_index()] = 1

    for fn in (with_shared, with_shuffle, with_lane, through_callee, grid_stride_sum):
        types = ["float32[::1]"] * (2 if fn is grid_stride_sum else 1)
        assert not compiled(fn, types).coarsenable, fn.__name__
    assert compiled(saxpy, ["float32"] + ["float32[::1]"] * 3).coarsenable


@pf.jit(device=True)
def twice(v):
    return v * 2


def own_saxpy_by_hand(a, x, out):
    i = pf.threadIdx.x + pf.blockIdx.x * pf.blockDim.x
    if i < x.size:
        out[i] = a * x[i] + twice(x[i])


def own_accumulate(x, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] += x[i]


def own_columns(x, out):
    i = pf.grid(1)
    if i < x.shape[0]:
        out[i, 0] = x[i]
        out[i, 1] = -x[i]


def shift_in_every_thread(a):  # every thread updates the same elements
    a[8:] = a[7:-1]


def reads_the_neighbours_result(x, out):
    i = pf.grid(1)
    if 0 < i < x.size:
        out[i] = out[i - 1] + x[i]


def one_element_for_all(x, out):
    i = pf.grid(1)
    if i < x.size:
        out[0] = x[i]


def shifted_store(x, out):
    i = pf.grid(1)
    if i + 1 < x.size:
        out[i + 1] = x[i]


def through_a_view(x, out):
    i = pf.grid(1)
    v = out[1:]
    if i < v.size:
        v[i] = x[i]


def block_local_index(x, out):  # every block writes the same elements
    out[pf.threadIdx.x] = x[pf.grid(1)]


def moved_index(x, out):
    i = pf.grid(1)
    i += 1
    out[i] = x[i]


@pf.jit(device=True)
def put(out, i, v):
    out[i] = v


def through_a_writing_device_function(x, out):
    i = pf.grid(1)
    put(out, i, x[i])


OWN = [("saxpy", saxpy, SAXPY_SIG), ("by hand", own_saxpy_by_hand, "void(float32, float32[::1], float32[::1])"),
       ("augmented", own_accumulate, "void(float32[::1], float32[::1])"),
       ("columns", own_columns, "void(float32[::1], float32[:, ::1])"),
       ("stencil", stencil, "void(float32[:, ::1], float32[:, ::1])")]
SHARED = [("a[8:] = a[7:-1]", shift_in_every_thread, "void(float32[::1])"),
          ("neighbour", reads_the_neighbours_result, "void(float32[::1], float32[::1])"),
          ("one element", one_element_for_all, "void(float32[::1], float32[::1])"),
          ("shifted", shifted_store, "void(float32[::1], float32[::1])"),
          ("view", through_a_view, "void(float32[::1], float32[::1])"),
          ("block-local", block_local_index, "void(float32[::1], float32[::1])"),
          ("moved", moved_index, "void(float32[::1], float32[::1])"),
          ("device function", through_a_writing_device_function, "void(float32[::1], float32[::1])"),
          ("strided out", saxpy, "void(float32, float32[::1], float32[::1], float32[:])")]


def _sig_types(sig):
    return _core.parse_signature(sig)[1]


@pytest.mark.parametrize("name,fn,sig", OWN, ids=[c[0] for c in OWN])
def test_kernels_whose_threads_store_only_their_own_elements_coarsen(name, fn, sig):
    types = _sig_types(sig)
    facts = (tuple(7 if "[" in t else 0 for t in types), True, 4)
    artifacts = compiled(fn, types, facts=facts)
    assert artifacts.coarsenable and artifacts.coarsen == 4
    # not on a launch whose arrays may overlap (out may be a shifted view of x)
    assert compiled(fn, types, facts=(facts[0], False, 4)).coarsen == 1


@pytest.mark.parametrize("name,fn,sig", SHARED, ids=[c[0] for c in SHARED])
def test_kernels_whose_threads_share_elements_do_not_coarsen(name, fn, sig):
    types = _sig_types(sig)
    facts = (tuple(7 if "[" in t else 0 for t in types), True, 4)
    artifacts = compiled(fn, types, facts=facts)
    assert not artifacts.coarsenable and artifacts.coarsen == 1
    ptx, _ = pf.compile_ptx(fn, sig, launch_facts="aligned,small,disjoint,coarsen=4")
    assert ".v4." not in ptx


def test_a_launch_of_saxpy_compiles_the_coarsened_vector_kernel():
    # The dispatcher's own facts for an aligned, disjoint launch of 256 threads: coarsened
    # by four, 128-bit loads and stores (the PTX a launch on the GPU runs).
    s = pf.kernel(saxpy)
    args = (2.0, fake((1000,)), fake((1000,), ptr=FAKE + 8192), fake((1000,), ptr=FAKE + 16384))
    types, values, _ = describe(args, "axyo")
    facts = s._launch_facts(types, values, (256, 1, 1), (9, 0))
    artifacts = s._compile(types, (9, 0), "ptx", facts=facts).artifacts
    assert artifacts.coarsen == 4
    assert artifacts.ptx.count("ld.global.nc.v4.f32") == 2 and artifacts.ptx.count("st.global.v4.f32") == 1
    misaligned = describe((2.0, args[1][1:], args[2][1:], args[3][1:]), "axyo")
    facts = s._launch_facts(misaligned[0], misaligned[1], (256, 1, 1), (9, 0))
    artifacts = s._compile(misaligned[0], (9, 0), "ptx", facts=facts).artifacts
    assert artifacts.coarsen == 4 and ".v4." not in artifacts.ptx  # coarsened, element by element


def copy_kernel(x, out):
    i = pf.grid(1)
    if i < x.size:
        out[i] = x[i]


COPY_ARGS = (fake((1 << 20,)), fake((1 << 20,), ptr=FAKE + (1 << 24)))


def test_a_one_input_stream_runs_several_logical_blocks_per_thread():
    # A copy loads 16 bytes per 4 coarsened threads: a launch whose grid allows it runs two
    # logical blocks per physical one (coarsen 8), each physical thread issuing two 128-bit
    # loads before its stores. saxpy already loads 32 bytes: it stays at coarsen 4.
    c = pf.kernel(copy_kernel)
    types, values, _ = describe(COPY_ARGS, "xo")
    facts = c._launch_facts(types, values, (256, 1, 1), (9, 0), (4096, 1, 1))
    assert facts == ((7, 7), True, 16)  # the block allows 4, the grid 4 logical blocks per physical one
    artifacts = c._compile(types, (9, 0), "ptx", facts=facts).artifacts
    assert artifacts.coarsen == 8 and artifacts.specialization.endswith("coarsen 8")
    ptx = artifacts.ptx
    assert ptx.count("ld.global.nc.v4.f32") == 2 and ptx.count("st.global.v4.f32") == 2
    # both in one straight-line block (ptxas then issues both loads before the stores)
    body = ptx[ptx.index("ld.global.nc.v4.f32"):ptx.rindex("ld.global.nc.v4.f32")]
    assert "$L__BB" not in body and "bra" not in body
    s = pf.kernel(saxpy)
    args = (2.0, fake((1 << 20,)), fake((1 << 20,), ptr=FAKE + (1 << 24)), fake((1 << 20,), ptr=FAKE + (1 << 25)))
    types, values, _ = describe(args, "axyo")
    facts = s._launch_facts(types, values, (256, 1, 1), (9, 0), (4096, 1, 1))
    assert facts[2] == 16 and s._compile(types, (9, 0), "typed", facts=facts).artifacts.coarsen == 4


@pytest.mark.parametrize("grid,offered", [(4096, 16), (4094, 8), (4095, 4), (1, 4), (512, 4), (1024, 16)])
def test_the_grid_bounds_the_logical_blocks_per_physical_one(grid, offered):
    register_interop_types()
    types, values, _ = describe(COPY_ARGS, "xo")
    assert _core.launch_facts(list(types), values, (256, 1, 1), (grid, 1, 1))[2] == offered
    _, end = key_facts(_core.fast_key(*COPY_ARGS, block=(256, 1, 1), grid=(grid, 1, 1)), 2)
    assert end == b"d" + bytes([offered])
    artifacts = compiled(copy_kernel, types, facts=((7, 7), True, offered))
    assert artifacts.coarsen == min(offered, 8)
    # the kernel serves every key whose shape it divides, and no other
    for other in (4096, 4094, 4095, 2):
        key = _core.fast_key(*COPY_ARGS, block=(256, 1, 1), grid=(other, 1, 1))
        assert _core.fast_key_fits(key, artifacts) == (key[-2] % artifacts.coarsen == 0)
    assert not _core.fast_key_fits(_core.fast_key(*COPY_ARGS, block=(98, 1, 1), grid=(grid, 1, 1)), artifacts)


def test_a_kernel_that_does_not_coarsen_is_not_compiled_again_for_a_large_grid():
    types, values, _ = describe((fake((8,)), fake((1,), ptr=FAKE + 4096)), "ab")
    k = pf.kernel(grid_stride_sum)  # a loop: not coarsenable
    assert k._launch_facts(types, values, (256, 1, 1), (9, 0), (4096, 1, 1)) == ((7, 7), True, 16)
    k._compile(types, (9, 0), "typed", facts=((7, 7), True, 4))
    assert k._launch_facts(types, values, (256, 1, 1), (9, 0), (4096, 1, 1)) == ((7, 7), True, 4)
    c = pf.kernel(copy_kernel)  # coarsenable: the grid's factor stays
    c._compile(types, (9, 0), "typed", facts=((7, 7), True, 4))
    assert c._launch_facts(types, values, (256, 1, 1), (9, 0), (4096, 1, 1)) == ((7, 7), True, 16)


def test_half_precision_copies_run_four_logical_blocks_per_thread():
    # 2-byte elements: 4 logical blocks keep 32 bytes in flight (four 64-bit loads).
    args = (fake((1 << 20,), np.float16), fake((1 << 20,), np.float16, ptr=FAKE + (1 << 24)))
    types, values, _ = describe(args, "xo")
    artifacts = compiled(copy_kernel, types, facts=((7, 7), True, 16))
    assert artifacts.coarsen == 16
    ptx, _ = pf.compile_ptx(copy_kernel, "void(float16[::1], float16[::1])",
                            launch_facts="aligned,small,disjoint,coarsen=16")
    assert ptx.count("ld.global.nc.v4.u16") == 4 and ptx.count("st.global.v4.b16") == 4


# -- the facts a launch proves, on both launch paths -------------------------------------


def python_path_facts(args, block=(256, 1, 1)):
    types, values, _ = describe(args, "abcdefgh")
    return _core.launch_facts(list(types), values, block)


def key_facts(key, n_arrays):
    """The fact bytes of the first `n_arrays` arrays in a fast-path key, then its end."""
    facts, at = [], 0
    while len(facts) < n_arrays:
        if key[at:at + 1] == b"A":
            facts.append(key[at + 4])
            at += 5
        else:
            at += 1
    return facts, key[-3:-1]


@pytest.mark.parametrize("case", ["aligned", "misaligned", "overlap", "strided", "huge", "broadcast", "two-d"])
def test_fast_path_and_python_path_agree(case):
    register_interop_types()
    x, y = fake((1000,)), fake((1000,), ptr=FAKE + 8192)
    if case == "misaligned":
        x = x[1:]
    elif case == "overlap":
        y = x[10:20]
    elif case == "strided":
        x = x[::2]  # stride 8: not a multiple of 16
    elif case == "huge":  # 2^29 + 1 floats: past 2^31 - 1 bytes, so not small
        x = fake(((1 << 29) + 1,), ptr=FAKE + (1 << 33))
    elif case == "broadcast":  # an extent past 2^62: nothing bounds it
        x = fake((1 << 62,), strides=(0,), ptr=FAKE + (1 << 33))
    elif case == "two-d":  # rows of 10 floats (40 bytes) are not 16-byte multiples
        x = fake((100, 10), ptr=FAKE + (1 << 33))
    bits, disjoint, coarsen = python_path_facts((2.0, x, y))
    facts, end = key_facts(_core.fast_key(2.0, x, y, block=(256, 1, 1)), 2)
    assert list(bits[1:]) == facts
    assert end == (b"d" if disjoint else b"o") + bytes([coarsen])
    expected = {"aligned": (7, True), "misaligned": (6, True), "overlap": (7, False), "strided": (6, True),
                "huge": (3, True), "broadcast": (1, True), "two-d": (6, True)}[case]
    assert (bits[1], disjoint) == expected
    assert bits[0] == 0  # a Python float: only ints carry a bound
    assert coarsen == 4


def test_int_arguments_and_blocks():
    bits, _, coarsen = python_path_facts((7, 2**62, fake((4,))), block=(98, 1, 1))
    assert bits[:2] == (BOUNDED, 0) and coarsen == 1  # 98 threads are not a multiple of 4
    assert python_path_facts((fake((4,)),), block=(256, 4, 2))[2] == 1  # 2048 threads: an invalid block
    assert _core.fast_key(7, 2**62, fake((4,)))[:2] == b"ji"


def test_dispatcher_facts_and_the_coarsening_applied():
    types, values, _ = describe((fake((8,)), fake((1,), ptr=FAKE + 4096)), "ab")
    k = pf.kernel(grid_stride_sum)
    facts = k._launch_facts(types, values, (256, 1, 1), (9, 0))
    assert facts == ((7, 7), True, 4)  # asked for: the block allows it
    assert k._compile(types, (9, 0), "typed", facts=facts).artifacts.coarsen == 1  # it has a loop
    s = pf.kernel(saxpy)
    args = (2.0, fake((8,)), fake((8,), ptr=FAKE + 4096), fake((8,), ptr=FAKE + 8192))
    types, values, _ = describe(args, "axyo")
    facts = s._launch_facts(types, values, (256, 1, 1), (9, 0))
    assert facts == ((0, 7, 7, 7), True, 4)
    assert s._compile(types, (9, 0), "typed", facts=facts).artifacts.coarsen == 4
    types, values, _ = describe((2.0, args[1], args[1], args[3]), "axyo")  # x passed twice: not disjoint
    assert s._launch_facts(types, values, (128, 1, 1), (9, 0)) == ((0, 7, 7, 7), False, 1)
    # a launch that is not disjoint is never coarsened, whatever it asks
    assert s._compile(types, (9, 0), "typed", facts=((0, 7, 7, 7), False, 4)).artifacts.coarsen == 1


@pytest.mark.parametrize("threads", [256, 98])
@pytest.mark.parametrize("x_offset", [0, 4])
def test_the_python_paths_kernel_fits_the_fast_paths_key(threads, x_offset):
    # The Python path compiles for the facts it computes; the fast path then remembers the
    # kernel under its own key only if that key spells the same facts.
    register_interop_types()
    s = pf.kernel(saxpy)
    args = (2.0, fake((8,), ptr=FAKE + x_offset), fake((8,), ptr=FAKE + 4096), fake((8,), ptr=FAKE + 8192))
    types, values, _ = describe(args, "axyo")
    facts = s._launch_facts(types, values, (threads, 1, 1), (9, 0))
    artifacts = s._compile(types, (9, 0), "typed", facts=facts).artifacts
    assert _core.fast_key_fits(_core.fast_key(*args, block=(threads, 1, 1)), artifacts)
    if threads == 256:  # a coarsened kernel never serves a block it cannot divide
        coarse = s._compile(types, (9, 0), "typed", facts=(facts[0], facts[1], 4)).artifacts
        assert coarse.coarsen == 4
        assert not _core.fast_key_fits(_core.fast_key(*args, block=(98, 1, 1)), coarse)
    aliased = (2.0, args[1], args[1], args[3])  # nor a kernel for disjoint arrays overlapping ones
    assert not _core.fast_key_fits(_core.fast_key(*aliased, block=(threads, 1, 1)), artifacts)


def test_specializations_are_inspectable():
    s = pf.kernel(saxpy)
    types = ("float", "float32[::1]", "float32[::1]", "float32[::1]")
    facts = ((0, 7, 7, 7), True, 4)
    s._compile(types, (9, 0), "ptx", facts=facts)
    spelling = "x:aligned+small, y:aligned+small, out:aligned+small; disjoint; coarsen 4"
    assert s.launch_specializations == {types: [spelling]}
    ptx = s.inspect_ptx("void(float, float32[::1], float32[::1], float32[::1])", specialization=spelling)
    assert "ld.global.nc.v4.f32" in ptx
    assert "ld.global.nc" not in s.inspect_ptx("void(float, float32[::1], float32[::1], float32[::1])")
    with pytest.raises(KeyError, match="launch_specializations"):
        s.inspect_ptx(specialization="disjoint")


# -- on a GPU: every path gives the same results -----------------------------------------

def _on_cpu(kernel):
    """True when `kernel` launches on the CPU target, which compiles the general kernel only
    (no launch-time specialisation: docs/cpu.md): its launch_specializations stay empty."""
    if kernel._runs_on() == "cpu":
        assert kernel.launch_specializations == {}
        return True
    return False
sum_kernel = pf.kernel(grid_stride_sum)


@pytest.mark.gpu
@pytest.mark.parametrize("n", [1, 5, 1000, 100_003])
@pytest.mark.parametrize("threads", [256, 100])
def test_specialised_and_general_saxpy_agree_bit_for_bit(rng, n, threads):
    saxpy_kernel = pf.kernel(saxpy)  # its own, so that launch_specializations are this test's
    x = rng.standard_normal(n + 1).astype(np.float32)
    y = rng.standard_normal(n + 1).astype(np.float32)
    blocks = (n + threads - 1) // threads
    dx, dy = pf.to_device(x), pf.to_device(y)
    aligned = pf.device_array(n + 1, np.float32)
    saxpy_kernel[blocks, threads](2.5, dx[:n], dy[:n], aligned[:n])  # aligned, disjoint (coarsened at 256)
    shifted = pf.device_array(n + 1, np.float32)
    saxpy_kernel[blocks, threads](2.5, dx[1:], dy[1:], shifted[1:])  # misaligned by 4 bytes
    expected = np.float32(2.5) * x + y
    np.testing.assert_allclose(aligned.copy_to_host()[:n], expected[:n], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(shifted.copy_to_host()[1:], expected[1:], rtol=1e-6, atol=1e-6)
    general = pf.device_array(n + 1, np.float32)
    general.copy_to_device(y)
    saxpy_kernel[blocks, threads](2.5, dx[:n], general[:n], general[:n])  # y is out: overlapping
    np.testing.assert_array_equal(general.copy_to_host()[:n], aligned.copy_to_host()[:n])
    keys = sum(len(v) for v in saxpy_kernel.launch_specializations.values())
    assert keys == 0 if _on_cpu(saxpy_kernel) else keys >= 2


softmax_kernel = softmax


@pytest.mark.gpu
@pytest.mark.parametrize("cols", [1, 255, 256, 257, 1000, 1024, 4099])
def test_unrolled_row_loops_match_numpy(rng, cols):
    # The unrolled row loops' remainders: rows shorter than the block, not a multiple of
    # it or of four times it; contiguous rows, and a view whose rows start 4 bytes in.
    wide = rng.standard_normal((7, cols + 1)).astype(np.float32)
    dwide = pf.to_device(wide)
    for host, dev in ((np.ascontiguousarray(wide[:, :cols]), None), (wide[:, 1:], dwide[:, 1:])):
        dev = pf.to_device(host) if dev is None else dev
        out = pf.device_array((7, cols), np.float32)
        softmax_kernel[7, TPB](dev, out)
        e = np.exp(host.astype(np.float64) - host.max(axis=1, keepdims=True))
        np.testing.assert_allclose(out.copy_to_host(), e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)


@pytest.mark.gpu
@pytest.mark.parametrize("n", [1, 3, 4, 255, 257, 1001, 100_003])
@pytest.mark.parametrize("offset", [0, 1, 3])
def test_coarsened_launches_match_numpy(rng, n, offset):
    # Coarsened by four at 256 threads (the arrays disjoint), in odd sizes (the ragged end
    # of the grid runs one logical thread at a time) and views starting 4 or 12 bytes in
    # (no vector accesses), against numpy.
    x = rng.standard_normal(n + 3).astype(np.float32)
    y = rng.standard_normal(n + 3).astype(np.float32)
    dx, dy = pf.to_device(x)[offset:offset + n], pf.to_device(y)[offset:offset + n]
    blocks = (n + 255) // 256
    acc = pf.to_device(y)[offset:offset + n]
    accumulate = pf.kernel(own_accumulate)
    accumulate[blocks, 256](dx, acc)
    np.testing.assert_array_equal(acc.copy_to_host(), y[offset:offset + n] + x[offset:offset + n])
    cols = pf.device_array((n, 2), np.float32)
    columns = pf.kernel(own_columns)
    columns[blocks, 256](dx, cols)
    np.testing.assert_array_equal(cols.copy_to_host(), np.stack([x[offset:offset + n], -x[offset:offset + n]], 1))
    out = pf.device_array(n + 3, np.float32)[offset:offset + n]
    pf.kernel(saxpy)[blocks, 256](2.5, dx, dy, out)
    np.testing.assert_allclose(out.copy_to_host(), np.float32(2.5) * x[offset:offset + n] + y[offset:offset + n],
                               rtol=1e-6, atol=1e-6)
    if _on_cpu(accumulate):
        return
    for k in (accumulate, columns):  # 4 threads of a block; columns (loading less) 2 logical blocks too
        assert all(sp.endswith(("coarsen 4", "coarsen 8")) for sps in k.launch_specializations.values()
                   for sp in sps)


@pytest.mark.gpu
@pytest.mark.parametrize("blocks", [1, 2, 1024, 1025, 1026, 2048, 4097])
@pytest.mark.parametrize("offset", [0, 1])
def test_copies_over_several_logical_blocks_match_numpy(rng, blocks, offset):
    # Even grids of 1024 blocks or more run 2 logical blocks per physical one (coarsen 8),
    # odd or small grids one (coarsen 4); the last block ragged; a view 4 bytes in takes
    # the scalar kernel.
    n = blocks * 256 - 37
    x = rng.standard_normal(n + 1).astype(np.float32)
    dx = pf.to_device(x)[offset:offset + n]
    out = pf.device_array(n + 1, np.float32)[offset:offset + n]
    k = pf.kernel(copy_kernel)
    k[blocks, 256](dx, out)
    np.testing.assert_array_equal(out.copy_to_host(), x[offset:offset + n])
    half = rng.standard_normal(n).astype(np.float16)
    hout = pf.device_array(n, np.float16)
    k[blocks, 256](pf.to_device(half), hout)  # up to 4 logical blocks per physical one
    np.testing.assert_array_equal(hout.copy_to_host(), half)
    if _on_cpu(k):
        return
    applied = [sp for sps in k.launch_specializations.values() for sp in sps]
    if offset == 0 and blocks % 2 == 0 and blocks >= 1024:
        assert any(sp.endswith("coarsen 8") for sp in applied), applied


@pytest.mark.gpu
def test_grid_stride_sum_on_every_path(rng):
    x = rng.standard_normal(1_000_003).astype(np.float32)
    dx = pf.to_device(x)
    expected = x.astype(np.float64).sum()
    for view, ref in ((dx, expected), (dx[1:], expected - x[0]), (dx[::3], x[::3].astype(np.float64).sum())):
        out = pf.to_device(np.zeros(1, np.float32))
        sum_kernel[120, 256](view, out)
        np.testing.assert_allclose(out.copy_to_host()[0], ref, rtol=1e-4, atol=1e-2)


@pytest.mark.gpu
def test_an_extent_past_two_to_the_62_takes_the_general_kernel():
    @pf.kernel
    def first(x, out):
        i = pf.grid(1)
        if i < out.size:
            out[i] = x[i] + x[-1]  # x[-1]: Python's wrap on an extent of 2^62

    base = pf.to_device(np.array([3.0], np.float32))
    huge = DeviceNDArray((1 << 62,), (0,), np.float32, 0, base, base._ptr)
    out = pf.device_array(64, np.float32)
    first[1, 64](huge, out)
    np.testing.assert_array_equal(out.copy_to_host(), np.full(64, 6.0, np.float32))
    if _on_cpu(first):
        return
    assert first.launch_specializations[("float32[:]", "float32[::1]")][0].startswith("x:aligned, ")  # no bound


@pytest.mark.gpu
def test_a_large_array_takes_the_bounded_kernel():
    n = (1 << 29) + 7  # 2 GiB and a bit of float32: beyond 32-bit byte offsets
    @pf.kernel
    def copy(x, out):
        i = pf.grid(1)
        if i < x.size:
            out[i] = x[i]

    x = pf.device_array(n, np.float32)
    x[:] = 1.5
    x[n - 3:] = 2.5
    out = pf.device_array(n, np.float32)
    copy[(n + 255) // 256, 256](x, out)
    tail = out[n - 5:].copy_to_host()
    np.testing.assert_array_equal(tail, [1.5, 1.5, 2.5, 2.5, 2.5])
    if _on_cpu(copy):
        return
    [spelling] = copy.launch_specializations[("float32[::1]", "float32[::1]")]
    assert spelling.startswith("x:aligned+bounded") and spelling.endswith("; disjoint; coarsen 4")


# -- every corpus kernel compiles with every fact ----------------------------------------


def _corpus_ids():
    """One corpus case in four (ptxas takes most of the time; the GPU run of the corpus
    compiles every case for its launch's facts)."""
    from corpus import runner

    return [cid for cid, case in runner.cases("ptxforge") if not case.ptxforge_bug][::4]


@pytest.mark.parametrize("case_id", _corpus_ids())
def test_corpus_compiles_with_every_launch_fact(case_id):
    from corpus import runner

    case = runner.case("ptxforge", case_id)
    sig = runner.signature(runner.arguments(case))
    ptx, _ = pf.compile_ptx(case.kernel, list(sig), launch_facts="aligned,small,disjoint,coarsen=4")
    assert ".entry" in ptx  # conftest runs ptxas on it


@pytest.mark.gpu
def test_coarsened_threads_see_their_own_identity():
    @pf.kernel
    def ids(out):
        i = pf.grid(1)
        if i >= out.shape[0]:
            return
        out[i, 0] = pf.threadIdx.x
        out[i, 1] = pf.blockDim.x
        out[i, 2] = pf.blockIdx.x
        out[i, 3] = pf.gridsize(1)

    @pf.kernel
    def counted(out, count):  # an atomic: threads share count, so not coarsened
        i = pf.grid(1)
        if i < out.shape[0]:
            out[i] = i
            pf.atomic.add(count, 0, 1)

    n = 1000
    out = np.zeros((n, 4), np.int64)
    ids[4, 256](out)
    i = np.arange(n)
    np.testing.assert_array_equal(out, np.stack([i % 256, np.full(n, 256), i // 256, np.full(n, 1024)], axis=1))
    flat, count = np.zeros(n, np.int64), np.zeros(1, np.int64)
    counted[4, 256](flat, count)
    np.testing.assert_array_equal(flat, i)
    assert count[0] == n
    if _on_cpu(ids):
        return
    [spelling] = ids.launch_specializations[("int64[:, ::1]",)]
    assert spelling.endswith("coarsen 4")
    [spelling] = counted.launch_specializations[("int64[::1]", "int64[::1]")]
    assert "coarsen" not in spelling


@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(37, 70), (64, 128)])
def test_coarsened_stencil_matches_numpy(rng, shape):
    a = rng.standard_normal(shape).astype(np.float32)
    out = np.zeros_like(a)
    k = pf.kernel(stencil)
    k[((shape[1] + 31) // 32, (shape[0] + 7) // 8), (32, 8)](a, out)
    want = np.zeros_like(a)
    c = a[1:-1, 1:-1]
    want[1:-1, 1:-1] = c + np.float32(0.2) * (a[:-2, 1:-1] + a[2:, 1:-1] + a[1:-1, :-2] + a[1:-1, 2:] - 4 * c)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    if _on_cpu(k):
        return
    [spelling] = k.launch_specializations[("float32[:, ::1]", "float32[:, ::1]")]
    assert spelling.endswith("coarsen 4") and ("aligned" in spelling) == (shape[1] % 4 == 0)
