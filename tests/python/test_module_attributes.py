"""Attributes of the user's own modules read in kernels (`import helpers`, then
`helpers.add(x)` or `helpers.N`), as numba reads them: globals, frozen when compiled.
Runs on the CPU target; the PTX tests compile for sm_90."""

import pickle
import sys
import types

import numpy as np
import pytest

import ptxforge as pf

HELPERS = '''
import ptxforge as pf

SCALE = 3
TABLE = (1, 2, 3)


@pf.jit(device=True)
def add(a, b):
    return a + b * SCALE
'''


@pytest.fixture
def helpers(make_module, tmp_path):
    module = make_module(HELPERS, name=f"pf_helpers_{tmp_path.name}".replace("-", "_"))
    sys.modules[module.__name__] = module
    yield module
    sys.modules.pop(module.__name__, None)


def test_a_modules_device_function_and_constants(helpers):
    @pf.kernel(target="cpu")
    def k(a):
        i = pf.grid(1)
        if i < a.size:
            a[i] = helpers.add(a[i], helpers.SCALE) + helpers.TABLE[2]

    a = np.arange(4)
    k[1, 4](a)
    np.testing.assert_array_equal(a, np.arange(4) + 9 + 3)


def test_a_package_path_and_a_module_made_at_run_time(helpers):
    pkg = types.ModuleType("pkg")
    pkg.sub = types.ModuleType("pkg.sub")
    pkg.sub.helpers = helpers
    mymod = types.ModuleType("mymod")
    mymod.add = helpers.add

    @pf.kernel(target="cpu")
    def k(a):
        i = pf.grid(1)
        if i < a.size:
            a[i] = pkg.sub.helpers.add(mymod.add(a[i], 1), 0)  # (a + 3) + 0

    a = np.arange(4)
    k[1, 4](a)
    np.testing.assert_array_equal(a, np.arange(4) + 3)


def test_a_module_attribute_is_frozen_when_compiled(helpers):
    @pf.kernel
    def k(a):
        a[0] = helpers.SCALE

    before = k.inspect_llvm("void(int64[::1])")
    assert "store i64 3" in before
    helpers.SCALE = 5  # a new signature compiles with the module's value then, as numba
    assert "store i32 5" in k.inspect_llvm("void(int32[::1])")


def test_a_local_of_the_same_name_is_not_the_module(helpers):
    @pf.kernel
    def k(a, helpers):
        a[0] = helpers

    assert "store i64" in k.inspect_llvm("void(int64[::1], int64)")


def test_a_missing_attribute_names_the_chain(helpers):
    @pf.kernel
    def k(a):
        a[0] = helpers.nothing_here

    with pytest.raises(pf.CompileError, match=r"(?s)helpers\.nothing_here|'nothing_here'"):
        k.inspect_ptx("void(int64[::1])")


def test_a_kernel_reading_a_module_attribute_pickles_by_value(helpers):
    def make():
        @pf.kernel
        def closure(a):
            a[0] = helpers.add(a[0], 2)
        return closure

    k = make()
    again = pickle.loads(pickle.dumps(k))
    assert again is not k
    assert again.inspect_ptx("void(int64[::1])") == k.inspect_ptx("void(int64[::1])")
