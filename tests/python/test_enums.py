"""enum.Enum and enum.IntEnum members and classes in kernels: as arguments, as globals,
through their classes (Color.red, Color['red']), compared as Python compares them."""

import enum

import numpy as np
import pytest

import ptxforge as pf
from ptxforge._args import describe


class Color(enum.Enum):
    red = 1
    green = 2
    blue = 3


class Shake(enum.Enum):
    vanilla = 7
    mint = 3  # the value of Color.blue


class Planet(enum.Enum):
    EARTH = (5.976e24, 6.37814e6)
    VENUS = (4.869e24, 6.0518e6)
    MARS = (6.421e23, 3.3972e6)


class Shape(enum.IntEnum):
    circle = 2
    square = 500


class RequestError(enum.IntEnum):
    dummy = 2
    not_found = 404
    internal_error = 500


class Mixed(enum.Enum):
    a = 1
    b = 2.5


def compare(a, b, out):
    out[0] = a == b
    out[1] = a != b
    out[2] = a is b
    out[3] = a is not b


PAIRS = [(Color.red, Color.red), (Color.red, Color.green), (Planet.EARTH, Planet.EARTH), (Planet.VENUS, Planet.MARS),
         (Shape.circle, RequestError.dummy), (Color.blue, Shake.mint), (Shape.square, Shape.square),
         (Color.green, Shape.circle)]


def _signature(*args):
    types, _, _ = describe(args, [f"a{i}" for i in range(len(args))])
    return types + ("bool[::1]",)


def test_members_as_arguments_are_typed_as_numba_types_them():
    kernel = pf.jit(compare)
    name = f"{__name__}.Color"
    assert _signature(Color.red, Color.green)[:2] == (f"EnumMember({name}, int64)",) * 2
    assert _signature(Planet.MARS)[0] == f"EnumMember({__name__}.Planet, Tuple(float64, float64))"
    assert _signature(Shape.circle)[0] == f"IntEnumMember({__name__}.Shape, int64)"
    for a, b in PAIRS:
        kernel.inspect_ptx(_signature(a, b))
    with pytest.raises(TypeError, match="whose value kernels cannot hold"):
        describe((Mixed.a,), ["a"])


@pf.kernel
def from_globals(out, ints):
    out[0] = Color.red == Color.green
    out[1] = Color["red"] == Color["red"]
    out[2] = Color.blue == Shake.mint
    out[3] = Planet.EARTH.value[0] > 1e24
    c = Color.red if out[0] else Color.green
    out[4] = c is Color.green
    ints[0] = Shape.square + RequestError.not_found
    ints[1] = RequestError.internal_error.value


def test_members_from_their_classes():
    typed = from_globals.inspect_types("void(bool[::1], int64[::1])")
    assert "c: EnumMember(" in typed
    assert "(Color['red'] : EnumMember(" in typed
    assert f"(Shape.square : IntEnumMember({__name__}.Shape, int64)) + " in typed
    assert "((RequestError.internal_error : IntEnumMember(" in typed and ").value : int64)" in typed


def test_wrong_uses_are_compile_errors(make_module):
    mod = make_module("""
        import enum
        import ptxforge as pf

        class Color(enum.Enum):
            red = 1
            green = 2

        @pf.kernel
        def order(out):
            out[0] = Color.red < Color.green

        @pf.kernel
        def missing(out):
            out[0] = Color.purple == Color.red

        @pf.kernel
        def name(out):
            out[0] = Color.red.name

        @pf.kernel
        def klass(out):
            c = Color
    """)
    cases = [(mod.order, "enum members have no order"), (mod.missing, "enum Color has no member 'purple'"),
             (mod.name, "enum member's .name is a string"), (mod.klass, "'Color' is an enum class")]
    for kernel, message in cases:
        with pytest.raises(pf.CompileError, match=message):
            kernel.inspect_types("void(bool[::1])")


# -- on the GPU -----------------------------------------------------------------------------


@pytest.mark.gpu
def test_comparisons_match_python():
    kernel = pf.jit(compare)
    for a, b in PAIRS:
        got = np.zeros(4, np.bool_)
        want = np.zeros(4, np.bool_)
        kernel[1, 1](a, b, got)
        compare(a, b, want)
        np.testing.assert_array_equal(got, want, err_msg=f"{a!r} {b!r}")


@pytest.mark.gpu
def test_globals_and_int_coercion():
    out = np.zeros(5, np.bool_)
    ints = np.zeros(2, np.int64)
    from_globals[1, 1](out, ints)
    np.testing.assert_array_equal(out, [False, True, False, True, True])
    np.testing.assert_array_equal(ints, [904, 500])

    @pf.kernel
    def coerce(x, out):
        if x > RequestError.internal_error:
            out[0] = x - RequestError.not_found
        else:
            out[0] = x + Shape.circle
        if x > pf.int16(RequestError.internal_error):
            out[1] = x - pf.int32(RequestError.not_found)

    for x in (300, 450, 550):
        got = np.zeros(2, np.int32)
        coerce[1, 1](x, got)
        assert got[0] == (x - 404 if x > 500 else x + 2) and got[1] == (x - 404 if x > 500 else 0)
