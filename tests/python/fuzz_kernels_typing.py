"""Odd but valid Python kernels (typing corner cases and unsupported constructs) for test_robustness.py.

Not a test module: test_robustness.py compiles each function in a subprocess;
each must compile (and its PTX pass ptxas) or raise CompileError.
"""

# A corpus: undefined names and unused values are the point.
# ruff: noqa
import math

import ptxforge as pf


def k_param_rebind(x):
    x = 1



def k_range_float(x):
    for i in range(1.5):
        x[0] = i



def k_iter_array(x):
    for v in x:
        x[0] = v



def k_recursive(x):
    k_recursive(x)



def k_2d_index_on_1d(x):
    x[0, 0] = 1



def k_float_index(x):
    x[0.5] = 1



def k_shape_oob(x):
    x[0] = x.shape[5]



def k_grid4(x):
    i = pf.grid(4)



def k_grid_var(x):
    n = 1
    i = pf.grid(n)



def k_grid_zero(x):
    i = pf.grid(0)



def k_sqrt_arity(x):
    x[0] = math.sqrt()



def k_math_unknown(x):
    x[0] = math.nonexistent(1.0)



def k_sync_args(x):
    pf.syncthreads(1)



def k_store_tuple(x):
    x[0] = (1, 2)



def k_tuple_cmp(x):
    x[0] = (1, 2) < (1, 3)



def k_is(x):
    x[0] = x[0] is None



def k_in(x):
    x[0] = 1 in (1, 2)



def k_unpack_mismatch(x):
    a, b = (1, 2, 3)



def k_kwargs(x):
    x[0] = min(a=1, b=2)



def k_fstring(x):
    s = f"{x[0]}"



def k_set(x):
    s = {1, 2}



def k_listcomp(x):
    s = [i for i in range(3)]



def k_genexp(x):
    s = sum(i for i in range(3))



def k_classdef(x):
    class A:
        pass



def k_import(x):
    import math



def k_none(x):
    v = None
    x[0] = v



def k_array_arith(x):
    x[0] = x + 1



def k_store_array(x):
    x[0] = x



def k_complex(x):
    x[0] = 1j



def k_ellipsis(x):
    x[...] = 1



def k_starred_call(x):
    x[0] = max(*(1, 2))



def k_lshift_big(x):
    x[0] = 1 << 200



def k_neg_index(x):
    x[-1] = 1



def k_int_overflow_mul(x):
    x[0] = 9223372036854775807 * 9223372036854775807



def k_min_int(x):
    x[0] = -9223372036854775808 // -1



def k_float_cmp_nan(x):
    v = 0.0 / 0.0
    x[0] = v == v



def k_long_chain(x):
    x[0] = 0 < 1 < 2 < 3 < 4 < 5 < 6 < 7 < 8 < 9 < 10 < 11 < 12 < 13 < 14 < 15



def k_bool_arith(x):
    x[0] = True + True * False - (not False)



def k_mixed_tuple_if(x):
    t = (1, 2.5) if x[0] > 0 else (3, 4.5)
    x[0] = t[0]



def k_conflict_branches(x):
    if x[0] > 0:
        v = 1
    else:
        v = (1, 2)
    x[0] = v  # both reach this read: one variable of two kinds



def k_use_before_def(x):
    if x[0] > 0:
        v = 1
    x[0] = v



def k_while_true(x):
    i = 0
    while True:
        i += 1
        if i > 10:
            break
    x[0] = i



def k_nested_break(x):
    for i in range(4):
        for j in range(4):
            if j == 2:
                break
            if i == 3:
                continue
            x[0] += i * j



def k_loop_var_after(x):
    for i in range(3):
        pass
    x[0] = i



def k_shadow_builtin(x):
    range = 3
    x[0] = range



def k_shadow_module(x):
    pf = 1
    x[0] = pf



def k_assign_to_intrinsic(x):
    pf.threadIdx.x = 3



def k_subscript_scalar(x):
    v = 1
    x[0] = v[0]



def k_attr_on_int(x):
    v = 1
    x[0] = v.real



def k_call_attr_array(x):
    x[0] = x.sum()



def k_ann_assign(x):
    v: int = 3
    x[0] = v



def k_docstring(x):
    """A docstring."""
    x[0] = 1



def k_global_float(x):
    x[0] = math.pi * math.e + math.inf
