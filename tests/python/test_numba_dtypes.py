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
