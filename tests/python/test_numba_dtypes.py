"""numba-cuda's kernels over the dtypes and memory declarations of its tests
test_alignment, test_array_alignment, test_datetime and test_const_string:
aligned record arrays bound to declared signatures, local and shared arrays
with ``alignment=``, datetime64/timedelta64 arrays and scalars, and constant
strings stored into ``|S``/``<U`` arrays and record fields."""

import numpy as np
import pytest

import ptxforge as pf

ALIGNED = np.dtype([("a", "int32"), ("b", "float64")], align=True)


@pytest.mark.gpu
def test_declared_record_array_binds_a_contiguous_recarray():
    """A declared `Record(...)[:]` takes a C-contiguous record array (safe: C to any layout)."""

    @pf.jit((pf.from_dtype(ALIGNED)[:],))
    def copy_field(a):
        i = pf.grid(1)
        if i < a.size:
            a[i].a = a[i].b

    rec = np.recarray(3, dtype=ALIGNED)
    rec.a = 0
    rec.b = [123.0, 246.0, 369.0]
    copy_field[1, 3](rec)
    assert rec.a.tolist() == [123, 246, 369]
    assert len(copy_field.signatures) == 1


def _aligned_kernel(which, shape, dtype, alignment):
    @pf.jit
    def k(out):
        i = pf.grid(1)
        if which == 0:
            arr = pf.local.array(shape=shape, dtype=dtype, alignment=alignment)
        else:
            arr = pf.shared.array(shape=shape, dtype=dtype, alignment=alignment)
        if i == 0:
            out[0] = arr.ctypes.data

    return k


@pytest.mark.gpu
@pytest.mark.parametrize("which", [0, 1], ids=["local", "shared"])
@pytest.mark.parametrize("alignment", [None, 16, 64, 256])
def test_array_alignment_in_the_ir_and_the_address(which, alignment):
    """alignment= sets the alloca's / shared global's alignment (numba's names, quoted as
    llvmlite prints them), and the address the kernel sees (a.ctypes.data) is aligned."""
    import re

    k = _aligned_kernel(which, (2, 3), ALIGNED, alignment)
    out = np.zeros(1, np.uint64)
    k[1, 1](out)
    ir = k.inspect_llvm(k.signatures[0])
    lmem = re.findall(r'^\s*%"_cudapy_lmem".*?align (\d+)', ir, re.M)
    smem = re.findall(r'^@"_cudapy_smem_\d+".*?align (\d+)', ir, re.M)
    if which == 0:
        assert lmem == ([] if alignment is None else [str(alignment)])
    else:
        assert smem == [str(alignment or 16)]
    assert out[0] != 0 and out[0] % (alignment or 8) == 0


@pytest.mark.parametrize("which", [0, 1], ids=["local", "shared"])
@pytest.mark.parametrize("alignment, words", [(-1, "positive"), (0, "positive"), (3, "a power of 2"),
                                               (33, "a power of 2"), (4, "a multiple of 8"),
                                               (8192, "at most 4096")])
def test_bad_integer_alignment_is_a_value_error(which, alignment, words):
    k = _aligned_kernel(which, 4, np.uint8, alignment)
    with pytest.raises(ValueError, match="Alignment must be " + words) as info:
        pf.compile_ptx(k.py_func, "void(uint64[::1])")
    assert isinstance(info.value, pf.CompileError) and info.value.lineno > 0


@pytest.mark.parametrize("which", [0, 1], ids=["local", "shared"])
@pytest.mark.parametrize("alignment", ["1", "foo", 1.0, 1.5])
def test_non_integer_alignment_requires_a_literal(which, alignment):
    k = _aligned_kernel(which, 4, np.uint8, alignment)
    with pytest.raises(pf.CompileError, match="RequireLiteralValue:.*alignment must be a constant integer") as info:
        pf.compile_ptx(k.py_func, "void(uint64[::1])")
    assert not isinstance(info.value, ValueError)
