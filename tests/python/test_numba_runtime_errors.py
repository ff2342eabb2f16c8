"""While numba-cuda is imported, ptxforge's runtime errors are also numba's classes, so
numba code catching numba.cuda.cudadrv.error.CudaDriverError catches ptxforge's. CI has no
numba: a stand-in module plays numba's error module."""

import sys
import types

import numpy as np

import ptxforge
from ptxforge import _core
from ptxforge.errors import adopt_numba_runtime_bases


def test_without_numba_the_runtime_errors_keep_their_bases(monkeypatch):
    monkeypatch.delitem(sys.modules, "numba.cuda.cudadrv.error", raising=False)
    before = _core.CudaDriverError.__bases__
    adopt_numba_runtime_bases()
    assert _core.CudaDriverError.__bases__ == before
    assert issubclass(_core.CudaDriverError, RuntimeError)


def test_numba_driver_error_catches_ptxforge_driver_and_memory_errors(monkeypatch):
    stand_in = types.ModuleType("numba.cuda.cudadrv.error")
    stand_in.CudaDriverError = type("CudaDriverError", (Exception,), {})
    monkeypatch.setitem(sys.modules, "numba.cuda.cudadrv.error", stand_in)
    before = _core.CudaDriverError.__bases__
    try:
        # a compile (not a warm launch) is where ptxforge looks for numba
        @ptxforge.jit
        def k(a):
            a[0] = 1

        k.compile("void(float32[:])")
        assert issubclass(_core.CudaDriverError, stand_in.CudaDriverError)
        assert issubclass(_core.CudaOutOfMemoryError, stand_in.CudaDriverError)
        assert issubclass(_core.CudaDriverError, RuntimeError)  # still ptxforge's own
        try:
            raise _core.CudaOutOfMemoryError("out of memory")
        except stand_in.CudaDriverError as err:
            assert str(err) == "out of memory"
        adopt_numba_runtime_bases()  # once: a second call adds nothing
        assert _core.CudaDriverError.__bases__.count(stand_in.CudaDriverError) == 1
        assert not issubclass(_core.CudaSupportError, stand_in.CudaDriverError)
    finally:
        _core.CudaDriverError.__bases__ = before
    assert not issubclass(_core.CudaDriverError, stand_in.CudaDriverError)


def test_numba_imported_first_is_seen_at_import(monkeypatch):
    import subprocess
    import textwrap

    code = textwrap.dedent("""
        import sys, types
        stand_in = types.ModuleType("numba.cuda.cudadrv.error")
        stand_in.CudaDriverError = type("CudaDriverError", (Exception,), {})
        sys.modules["numba.cuda.cudadrv.error"] = stand_in
        import ptxforge
        from ptxforge import _core
        assert issubclass(_core.CudaDriverError, stand_in.CudaDriverError)
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr
