"""Odd but valid Python kernels (control flow, literals and operators) for test_robustness.py.

Not a test module: test_robustness.py compiles each function in a subprocess;
each must compile (and its PTX pass ptxas) or raise CompileError.
"""

# A corpus: undefined names and unused values are the point.
# ruff: noqa
import math

import ptxforge as pf


def k_huge_int(x):
    x[0] = 123456789012345678901234567890



def k_huge_int2(x):
    x[0] = 2**64 + 1



def k_big_uint(x):
    v = 18446744073709551615
    x[0] = v & 1



def k_shift(x):
    i = pf.grid(1)
    v = i << 3
    w = v >> 65
    x[0] = (v ^ w) | (i & 7)



def k_shift_neg(x):
    x[0] = 1 << -1



def k_div_zero(x):
    x[0] = 1 // 0



def k_mod_zero(x):
    x[0] = 5 % 0



def k_chained(x):
    i = pf.grid(1)
    if 0 <= i < x.size <= 1000 != 3:
        x[i] = 1



def k_while_else(x):
    i = 0
    while i < 10:
        i += 1
        if x[0] > 100:
            break
    else:
        x[0] = i



def k_for_else(x):
    for i in range(x.size):
        if x[i] == 3:
            break
    else:
        x[0] = -1



def k_break_continue(x):
    s = 0
    for i in range(100):
        if i % 2 == 0:
            continue
        if i > 50:
            break
        s += i
    x[0] = s



def k_tuples(x):
    a, b = 1, 2
    a, b = b, a
    t = (a, b, 3)
    x[0] = t[0] + t[2]



def k_bools(x):
    a = True
    b = not a
    c = a and b or (x[0] > 0)
    x[0] = c + True



def k_deep_if(x):
    i = pf.grid(1)
    if i > 0:
        if i > 1:
            if i > 2:
                if i > 3:
                    if i > 4:
                        if i > 5:
                            if i > 6:
                                if i > 7:
                                    x[0] = i



def k_deep_loops(x):
    s = 0
    for a in range(2):
        for b in range(2):
            for c in range(2):
                for d in range(2):
                    for e in range(2):
                        s += a + b + c + d + e
    x[0] = s



def k_deep_expr(x):
    x[0] = ((((((((((((((((((((x[0] + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1) + 1)



def k_neg_step(x):
    for i in range(10, 0, -3):
        x[i % x.size] = i



def k_zero_step(x):
    for i in range(0, 10, 0):
        x[0] = i



def k_unary(x):
    x[0] = -(+(~x[0]))



def k_ternary(x):
    x[0] = 1 if x[0] > 0 else 2



def k_augassign_all(x):
    v = x[0]
    v += 1
    v -= 2
    v *= 3
    v //= 4
    v %= 5
    v <<= 1
    v >>= 1
    v &= 255
    v |= 1
    v ^= 3
    x[0] = v



def k_pow(x):
    x[0] = x[0] ** 2 + 2 ** 10



def k_neg_pow(x):
    x[0] = 2 ** -1



def k_float_to_int(x):
    x[0] = int(3.7) + int(float(x[0]) * 0.5)



def k_min_max_abs(x):
    x[0] = max(min(x[0], 3), -3) + abs(x[1])



def k_empty_loop(x):
    for i in range(0):
        pass
    while False:
        pass



def k_pass_only(x):
    pass



def k_return_none(x):
    if x[0] > 0:
        return
    x[0] = 1



def k_unused_var(x):
    unused = 3.5
    y = unused



def k_nonlocal_name(x):
    x[0] = undefined_thing



def k_attr_error(x):
    x[0] = x.nonexistent



def k_call_int(x):
    x[0] = x(1)



def k_index_tuple_oob(x):
    t = (1, 2)
    x[0] = t[5]



def k_float_literals(x):
    x[0] = int(1e308 * 10.0 > 0) + int(float('inf') > 0)



def k_star(x):
    a, *b = (1, 2, 3)



def k_walrus(x):
    if (n := x[0]) > 0:
        x[0] = n



def k_string(x):
    s = "hello"



def k_bytes_len(x):
    x[0] = len(x)



def k_global_stmt(x):
    global G
    G = 1



def k_assert(x):
    assert x[0] > 0



def k_with(x):
    with x:
        pass



def k_yield(x):
    yield 1



def k_del(x):
    v = 1
    del v



def k_slice(x):
    x[0] = x[1:2]



def k_float_mod_zero(x):
    x[0] = 1.0 % 0.0



def k_cmp_types(x):
    x[0] = (1 < 2.5) == (x[0] != 0)
