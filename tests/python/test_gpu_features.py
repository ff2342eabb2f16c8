"""GPU execution features without a GPU: typing, PTX shape and errors of shared memory, barriers,
atomics, warp and bit intrinsics, cooperative groups and kernel options.

Every PTX made here goes through ``ptxas -arch=sm_90`` (conftest). The same features run on the
GPU in test_gpu_features_run.py and in examples/.
"""

import math
import re

import numpy as np
import pytest

import ptxforge as pf
from ptxforge import _core

TPB = 16
FULL = 0xFFFFFFFF


def ptx_of(func, sig, **options):
    ptx, _ = pf.compile_ptx(func, sig, **options)
    return ptx


def body(ptx):
    """The PTX instructions, without comments and directives."""
    return "\n".join(line.strip() for line in ptx.splitlines()
                     if line.strip() and not line.strip().startswith(("//", ".")))


# -- shared memory ----------------------------------------------------------------------


def shared_tile(a, out):
    tile = pf.shared.array((TPB, TPB), pf.float32)
    row = pf.shared.array(shape=TPB, dtype=np.int32)
    tx = pf.threadIdx.x
    ty = pf.threadIdx.y
    tile[ty, tx] = a[ty, tx]
    row[tx] = tx
    pf.syncthreads()
    out[ty, tx] = tile[tx, ty] + row[ty]


def test_static_shared_arrays_are_shared_globals():
    ptx = ptx_of(shared_tile, "void(float32[:, ::1], float32[:, ::1])")
    # Two arrays, each its own .shared symbol, 16-byte aligned, sized by shape and dtype.
    assert re.search(r"\.shared \.align 16 \.b8 \w+\[1024\];", ptx)
    assert re.search(r"\.shared \.align 16 \.b8 \w+\[64\];", ptx)
    code = body(ptx)
    assert "st.shared.f32" in code and "ld.shared.f32" in code
    assert "st.shared.u32" in code and "ld.shared.u32" in code
    assert "bar.sync" in code


def test_shared_array_types_as_c_contiguous_array():
    d = pf.kernel(shared_tile)
    typed = d.inspect_types("void(float32[:, ::1], float32[:, ::1])")
    assert "float32[:, ::1]" in typed and "int32[::1]" in typed


def string_dtypes(out):
    s = pf.shared.array(8, 'float32')
    loc = pf.local.array((2, 3), dtype='uint8')
    s[0] = loc.size
    out[0] = s[0]


def test_dtypes_given_as_numpy_names():
    typed = pf.kernel(string_dtypes).inspect_types("void(float64[::1])")
    assert "s: float32[::1]" in typed and "loc: uint8[:, ::1]" in typed

    def bad(out):
        out[0] = pf.local.array(2, 'float31')[0]

    with pytest.raises(pf.CompileError, match="strings have no device representation"):
        pf.kernel(bad).inspect_types("void(float64[::1])")


def dynamic_shared(a, out):
    buf = pf.shared.array(0, pf.float32)
    ints = pf.shared.array(0, pf.int32)  # aliases buf, as in numba
    i = pf.threadIdx.x
    buf[i] = a[i]
    pf.syncthreads()
    out[i] = buf[buf.size - 1 - i] + ints.size


def test_dynamic_shared_array_is_extern_and_sized_by_the_launch():
    ptx = ptx_of(dynamic_shared, "void(float32[::1], float32[::1])")
    assert re.search(r"\.extern \.shared \.align 16 \.b8 \w+\[\];", ptx)
    assert ptx.count(".extern .shared") == 1  # every dynamic array starts at the same base
    assert "%dynamic_smem_size" in ptx


def shared_alignment(out):
    s = pf.shared.array(8, pf.uint8, alignment=128)
    s[pf.threadIdx.x] = 1
    out[0] = s[0]


def test_shared_alignment_keyword():
    ptx = ptx_of(shared_alignment, "void(uint8[::1])")
    assert re.search(r"\.shared \.align 128 \.b8 \w+\[8\];", ptx)


@pf.jit(device=True)
def block_total(x):
    buf = pf.shared.array(32, pf.float32)
    buf[pf.threadIdx.x] = x
    pf.syncthreads()
    s = pf.float32(0)
    for j in range(32):
        s += buf[j]
    return s


def shared_in_device_function(a, out):
    i = pf.threadIdx.x
    out[i] = block_total(a[i])


def test_shared_array_in_a_device_function():
    ptx = ptx_of(shared_in_device_function, "void(float32[::1], float32[::1])")
    assert re.search(r"\.shared \.align 16 \.b8 \w+\[128\];", ptx)
    assert re.search(r"ld\.shared(\.v[24])?\.f32", body(ptx))  # the 32 reads: vector loads, the array being aligned


def too_much_static_shared(out):
    big = pf.shared.array(13000, pf.float32)
    big[0] = 1.0
    out[0] = big[0]


def bad_shape(n, out):
    s = pf.shared.array(n, pf.float32)
    out[0] = s[0]


def bad_dtype(out):
    s = pf.shared.array(4, 3)
    out[0] = s[0]


def test_shared_array_errors():
    with pytest.raises(pf.CompileError, match=r"48 KiB.*52000 bytes.*dynamic shared array"):
        ptx_of(too_much_static_shared, "void(float32[::1])")
    with pytest.raises(pf.CompileError, match="shape must be a constant integer"):
        ptx_of(bad_shape, "void(int64, float32[::1])")
    with pytest.raises(pf.CompileError, match="dtype must be a scalar type"):
        ptx_of(bad_dtype, "void(float32[::1])")


# -- barriers and fences ----------------------------------------------------------------


def barriers(a, out):
    i = pf.threadIdx.x
    c = pf.syncthreads_count(a[i] > 0)
    all_ = pf.syncthreads_and(a[i] > 0)
    any_ = pf.syncthreads_or(a[i])
    pf.syncwarp()
    pf.syncwarp(0x0000FFFF)
    pf.threadfence()
    pf.threadfence_block()
    pf.threadfence_system()
    out[i] = c * 100 + all_ * 10 + any_


def test_barriers_and_fences():
    code = body(ptx_of(barriers, "void(float32[::1], int32[::1])"))
    assert "bar.red.popc.u32" in code
    assert "bar.red.and.pred" in code and "bar.red.or.pred" in code
    assert "bar.warp.sync" in code
    assert code.count("membar") + code.count("fence") >= 3


# -- atomics ----------------------------------------------------------------------------


def all_int_atomics(a, old):
    old[0] = pf.atomic.add(a, 0, 1)
    old[1] = pf.atomic.sub(a, 1, 1)
    old[2] = pf.atomic.max(a, 2, 5)
    old[3] = pf.atomic.min(a, 3, 5)
    old[4] = pf.atomic.exch(a, 4, 7)
    old[5] = pf.atomic.and_(a, 5, 6)
    old[6] = pf.atomic.or_(a, 6, 6)
    old[7] = pf.atomic.xor(a, 7, 6)
    old[8] = pf.atomic.cas(a, 8, 0, 9)
    old[9] = pf.atomic.compare_and_swap(a, 0, 9)
    old[10] = pf.atomic.nanmax(a, 10, 3)
    old[11] = pf.atomic.nanmin(a, 11, 3)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint32", "uint64"])
def test_integer_atomics(dtype):
    ptx = ptx_of(all_int_atomics, f"void({dtype}[::1], {dtype}[::1])")
    code = body(ptx)
    bits = dtype[-2:]
    for op in ("add", "exch", "and", "or", "xor", "cas"):
        assert re.search(rf"atom\.global\.{op}\.[a-z]{bits}", code.replace(".b", ".x")) or \
            re.search(rf"atom\.global\.{op}\.[bus]{bits}", code), (op, code)
    signed = "s" if dtype.startswith("int") else "u"
    assert f"atom.global.max.{signed}{bits}" in code and f"atom.global.min.{signed}{bits}" in code


def inc_dec(a, old):
    old[0] = pf.atomic.inc(a, 0, 10)
    old[1] = pf.atomic.dec(a, 1, 10)


@pytest.mark.parametrize("dtype,bits", [("uint32", 32), ("uint64", 64)])
def test_inc_dec(dtype, bits):
    # LLVM 19's NVPTX expands atomicrmw uinc_wrap/udec_wrap into a cas loop.
    code = body(ptx_of(inc_dec, f"void({dtype}[::1], {dtype}[::1])"))
    assert f"atom.global.cas.b{bits}" in code or f"atom.global.inc.u{bits}" in code


def float_atomics(a, old):
    old[0] = pf.atomic.add(a, 0, 1.5)
    old[1] = pf.atomic.sub(a, 1, 1.5)
    old[2] = pf.atomic.max(a, 2, 2.5)
    old[3] = pf.atomic.min(a, 3, 2.5)
    old[4] = pf.atomic.nanmax(a, 4, 2.5)
    old[5] = pf.atomic.nanmin(a, 5, 2.5)
    old[6] = pf.atomic.exch(a, 6, 2.5)
    old[7] = pf.atomic.cas(a, 7, 0.0, 2.5)


@pytest.mark.parametrize("dtype,bits", [("float32", 32), ("float64", 64)])
def test_float_atomics(dtype, bits):
    code = body(ptx_of(float_atomics, f"void({dtype}[::1], {dtype}[::1])"))
    assert f"atom.global.add.f{bits}" in code
    assert f"atom.global.cas.b{bits}" in code  # min/max loops and cas itself
    assert "setp.nan" in code  # NaN checks of max/min


def half_add(a, out):
    out[0] = pf.atomic.add(a, 0, a[1])


def test_float16_atomic_add():
    code = body(ptx_of(half_add, "void(float16[::1], float16[::1])"))
    assert "atom.global.add.noftz.f16" in code
    with pytest.raises(pf.CompileError, match="compute capability 7.0"):
        ptx_of(half_add, "void(float16[::1], float16[::1])", cc=(6, 0))


def nd_atomics(a, b, hist):
    x, y = pf.grid(2)
    pf.atomic.add(a, (x, y), 1)
    idx = (y, x)
    pf.atomic.max(b, idx, 2.0)
    pf.atomic.add(hist, (x, 0, -1), 1)


def test_atomics_with_nd_indices():
    ptx = ptx_of(nd_atomics, "void(int32[:, ::1], float64[:, :], uint32[:, :, ::1])")
    code = body(ptx)
    assert "atom.global.add.u32" in code and "atom.global.cas.b64" in code


def shared_atomics(data, out):
    counts = pf.shared.array(16, pf.int32)
    counts[pf.threadIdx.x % 16] = 0
    pf.syncthreads()
    pf.atomic.add(counts, data[pf.grid(1)] % 16, 1)
    pf.syncthreads()
    out[pf.threadIdx.x % 16] = counts[pf.threadIdx.x % 16]


def test_atomics_on_shared_memory_use_atom_shared():
    assert "atom.shared.add.u32" in body(ptx_of(shared_atomics, "void(int32[::1], int32[::1])"))


def atomic_on_scalar(x, out):
    pf.atomic.add(x, 0, 1)


def atomic_wrong_index(a):
    pf.atomic.add(a, 0, 1)


def atomic_bad_dtype(a):
    pf.atomic.inc(a, 0, 1)


def atomic_bitwise_float(a):
    pf.atomic.xor(a, 0, 1)


def test_atomic_errors():
    with pytest.raises(pf.CompileError, match="atomic.add.. needs an array"):
        ptx_of(atomic_on_scalar, "void(int32, int32[::1])")
    with pytest.raises(pf.CompileError, match="2-d array needs a tuple of 2 integer indices"):
        ptx_of(atomic_wrong_index, "void(int32[:, ::1])")
    with pytest.raises(pf.CompileError, match="atomic.inc.. works on arrays of uint32 and uint64, not int32"):
        ptx_of(atomic_bad_dtype, "void(int32[::1])")
    with pytest.raises(pf.CompileError, match="atomic.xor.. works on arrays of int32, int64, uint32 and uint64"):
        ptx_of(atomic_bitwise_float, "void(float32[::1])")


# -- warp intrinsics --------------------------------------------------------------------


def shuffles(f, d, i, out_f, out_d, out_i):
    k = pf.threadIdx.x
    out_f[k] = pf.shfl_sync(FULL, f[k], 3) + pf.shfl_up_sync(FULL, f[k], 1)
    out_d[k] = pf.shfl_down_sync(FULL, d[k], 2) + pf.shfl_xor_sync(FULL, d[k], 4)
    out_i[k] = pf.shfl_xor_sync(FULL, i[k], 1)


def test_shuffles_32_and_64_bit():
    code = body(ptx_of(shuffles, "void(float32[::1], float64[::1], int64[::1], float32[::1], float64[::1], "
                                 "int64[::1])"))
    assert re.search(r"shfl\.sync\.idx\.b32\s+%r\d+, %r\d+, 3, 31, -1", code)
    assert re.search(r"shfl\.sync\.up\.b32\s+%r\d+, %r\d+, 1, 0, -1", code)
    # float64 and int64 values move as two 32-bit halves.
    assert len(re.findall(r"shfl\.sync\.down\.b32", code)) == 2
    assert len(re.findall(r"shfl\.sync\.bfly\.b32", code)) == 4


def votes(a, out, pair):
    k = pf.threadIdx.x
    p = a[k] > 0
    out[k] = pf.ballot_sync(FULL, p) + pf.all_sync(FULL, p) + pf.any_sync(FULL, p) + pf.eq_sync(FULL, p)
    out[k] += pf.match_any_sync(FULL, a[k]) + pf.activemask() + pf.lanemask_lt()
    m, same = pf.match_all_sync(FULL, a[k])
    pair[k, 0] = m
    pair[k, 1] = same


def test_votes_and_matches():
    code = body(ptx_of(votes, "void(float64[::1], int64[::1], int64[:, ::1])"))
    for op in ("vote.sync.ballot.b32", "vote.sync.all.pred", "vote.sync.any.pred", "vote.sync.uni.pred",
               "match.any.sync.b64", "match.all.sync.b64", "activemask.b32", "%lanemask_lt"):
        assert op in code, op


def test_warp_result_types():
    typed = pf.kernel(votes).inspect_types("void(float64[::1], int64[::1], int64[:, ::1])")
    assert "Tuple(int32, bool)" in typed or "(int32, bool)" in typed


# -- bit and float intrinsics -----------------------------------------------------------


def bits(u, i, f, out_u, out_i, out_f, t):
    k = pf.threadIdx.x
    out_u[k] = pf.popc(u[k]) + pf.brev(u[k]) + pf.clz(u[k]) + pf.ffs(u[k])
    out_i[k] = pf.popc(i[k]) + pf.clz(i[k]) + pf.ffs(i[k]) + pf.selp(i[k] > 0, i[k], -i[k])
    out_f[k] = pf.fma(f[k], f[k], 1.0) + pf.cbrt(f[k])
    pf.nanosleep(100)
    t[k] = pf.clock64()


def test_bit_and_float_intrinsics():
    code = body(ptx_of(bits, "void(uint32[::1], int64[::1], float32[::1], uint32[::1], int64[::1], float32[::1], "
                             "int64[::1])"))
    for op in ("popc.b32", "brev.b32", "clz.b32", "popc.b64", "clz.b64", "fma.rn.f32", "nanosleep.u32",
               "%clock64"):
        assert op in code, op
    assert ".f64" not in code  # cbrt of float32 stays float32 (__nv_cbrtf)


def test_intrinsic_argument_errors():
    def popc_float(a):
        a[0] = pf.popc(a[0])

    def shfl_missing(a):
        a[0] = pf.shfl_sync(FULL, a[0])

    def shfl_keyword(a):
        a[0] = pf.shfl_sync(FULL, a[0], lane=1)

    with pytest.raises(pf.CompileError, match=r"popc\(\)'s x must be an integer"):
        ptx_of(popc_float, "void(float32[::1])")
    with pytest.raises(pf.CompileError, match=r"shfl_sync\(\) takes 3 argument.*'src_lane' is missing"):
        ptx_of(shfl_missing, "void(float32[::1])")
    with pytest.raises(pf.CompileError, match=r"shfl_sync\(\) has no parameter 'lane'"):
        ptx_of(shfl_keyword, "void(float32[::1])")


# -- cooperative groups -----------------------------------------------------------------


def grid_sync(a):
    i = pf.grid(1)
    a[i] += 1
    pf.cg.this_grid().sync()
    a[a.size - 1 - i] += 1


def test_grid_sync_uses_the_cooperative_workspace():
    ptx = ptx_of(grid_sync, "void(float32[::1])")
    assert "%envreg1" in ptx and "%envreg2" in ptx
    assert "atom.add.release.gpu.u32" in ptx and "ld.acquire.gpu.u32" in ptx
    assert body(ptx).count("bar.sync") == 2


def test_grid_sync_marks_the_kernel_cooperative():
    d = pf.kernel(grid_sync)
    types = ("float32[::1]",)
    assert d._compile(types, (9, 0), "ptx").artifacts.cooperative
    assert not pf.kernel(saxpy_like)._compile(types, (9, 0), "ptx").artifacts.cooperative


def takes_grid(a):
    pf.cg.this_grid()
    a[0] = 1.0


def test_taking_the_grid_group_or_a_cooperative_declared_function_marks_it_cooperative():
    # numba's rule: this_grid() alone, or a call of declare_device(..., use_cooperative=True)
    k = pf.kernel("void(float64[::1])")(takes_grid)
    assert [o.cooperative for o in k.overloads.values()] == [True]  # declared: typed only, lowered when asked
    barrier = pf.declare_device("cta_barrier", "int32()", use_cooperative=True)
    plain = pf.declare_device("cta_barrier", "int32()")

    def calls_barrier(a):
        a[0] = barrier()

    def calls_plain(a):
        a[0] = plain()

    assert pf.kernel(calls_barrier)._compile(("int32[::1]",), (9, 0), "ptx").artifacts.cooperative
    assert not pf.kernel(calls_plain)._compile(("int32[::1]",), (9, 0), "ptx").artifacts.cooperative


def saxpy_like(a):
    a[pf.grid(1)] *= 2


# -- kernel options ---------------------------------------------------------------------


def div_sqrt_exp(x, out):
    i = pf.grid(1)
    out[i] = x[i] / (x[i] + 1.0) + math.sqrt(x[i]) + math.exp(x[i])


def test_fastmath_approximates_and_flushes():
    exact = body(ptx_of(div_sqrt_exp, "void(float32[::1], float32[::1])"))
    fast = body(ptx_of(div_sqrt_exp, "void(float32[::1], float32[::1])", fastmath=True))
    assert "div.rn.f32" in exact and "sqrt.rn.f32" in exact
    assert "div.approx.ftz.f32" in fast or "div.full.ftz.f32" in fast
    assert "sqrt.approx.ftz.f32" in fast
    assert "ex2.approx.ftz.f32" in fast
    assert "div.rn" not in fast and "sqrt.rn" not in fast
    assert "add.ftz.f32" in fast and "add.ftz.f32" not in exact  # denormals flushed only under fastmath


def test_max_registers_reaches_the_assembler():
    d = pf.kernel(max_registers=32)(div_sqrt_exp)
    assert d.options["max_registers"] == 32
    art = d._compile(("float32[::1]", "float32[::1]"), (9, 0), "cubin").artifacts
    if art.cubin:
        assert art.resources()["registers"] <= 32


def test_grid_group_kept_in_a_variable():
    """numba's usual spelling: g = cuda.cg.this_grid(); ...; g.sync()."""

    def k(x):
        g = pf.cg.this_grid()
        i = pf.grid(1)
        x[i] += 1
        g.sync()
        x[i] += x[(i + 1) % x.size]

    ptx, _ = pf.compile_ptx(k, "void(float32[::1])")
    assert "%envreg1" in ptx and "%envreg2" in ptx and "atom.add.release.gpu.u32" in ptx


def vote_with(mask, predicate, result):
    i = pf.grid(1)
    if i < result.shape[0]:
        result[i] = pf.all_sync(mask[i], predicate[i])


@pytest.mark.parametrize("sig, message", [
    ("void(float32[:], int32[:], int32[:])", "Mask type must be an integer: all_sync\\(\\)'s mask is float32"),
    ("void(boolean[:], int32[:], int32[:])", "Mask type must be an integer: all_sync\\(\\)'s mask is bool"),
    ("void(int32[:], float64[:], int32[:])",
     "Predicate must be an integer or boolean: all_sync\\(\\)'s predicate is float64"),
])
def test_vote_masks_and_predicates_are_checked_as_numba_checks_them(sig, message):
    with pytest.raises(pf.CompileError, match=message):
        pf.kernel(vote_with).inspect_ptx(sig)
    pf.kernel(vote_with).inspect_ptx("void(uint32[:], boolean[:], int32[:])")
