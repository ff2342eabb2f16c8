"""libdevice's functions by name, as numba-cuda's ``cuda.libdevice`` has them.

    from ptxforge import libdevice          # or: from numba.cuda import libdevice

    @pf.kernel
    def k(s, c, x):
        i = pf.grid(1)
        if i < x.size:
            s[i], c[i] = libdevice.sincos(x[i])

``libdevice.NAME(args)`` in a kernel or device function calls libdevice's
``__nv_NAME``. Arguments are converted to the declared parameter types (float32,
float64, int16, int32 or int64; see each function's ``__doc__``). Values that
libdevice returns through pointers come back as a tuple after the return value:
``sincos(x)`` gives ``(sin, cos)``, ``frexp(x)`` gives ``(fraction, exponent)``,
``modf(x)``, ``remquo(x, y)``, ``sincospi(x)`` and ``fast_sincosf(x)`` likewise.
NVIDIA's libdevice user's guide documents each function:
https://docs.nvidia.com/cuda/libdevice-users-guide/

The functions have no meaning on the host; calling one there raises TypeError.
"""

from . import _core

_GUIDE = "https://docs.nvidia.com/cuda/libdevice-users-guide/__nv_{}.html"


def _stub(name, params, result):
    def function(*args):
        raise TypeError(f"libdevice.{name} is a device function: call it from a kernel or device function")

    function.__name__ = function.__qualname__ = name
    function.__module__ = __name__
    function.__doc__ = (f"libdevice's __nv_{name}: {result}({', '.join(params)}), called from kernels.\n\n"
                        f"See {_GUIDE.format(name)}")
    function._pf_path = "ptxforge.libdevice." + name
    return function


def _define():
    names = []
    for name, params, result in _core.libdevice_functions():
        globals()[name] = _stub(name, params, result)
        names.append(name)
    return names


__all__ = []
__all__.extend(_define())
