"""The debug mode's host side: exception classes kernels raise, and the report read after a launch.

A kernel compiled with ``debug=True`` (or with ``PTXFORGE_DEBUG=1`` in the
environment) checks every array index and division and reports its
``raise``s into a small record (compiler/DebugRecord.h). Each launch of such a
kernel waits for the kernel, reads the record and raises the Python exception
it describes; see docs/runtime.md, "The debug mode".
"""

import builtins
import os
import sys
import threading

from . import _core

_lock = threading.Lock()
_classes: list = []  # id -> exception class
_ids: dict = {}  # exception class -> id


_default_override = []  # [bool] once pf.config.CUDA_DEBUGINFO_DEFAULT was set


def debug_default():
    """True when the debug mode is asked for every kernel that gives no ``debug=``:
    ``pf.config.CUDA_DEBUGINFO_DEFAULT`` where it was set; else numba-cuda's
    ``config.CUDA_DEBUGINFO_DEFAULT`` where numba code has loaded numba-cuda and set it;
    else PTXFORGE_DEBUG or numba's NUMBA_CUDA_DEBUGINFO in the environment."""
    if _default_override:
        return _default_override[0]
    numba_config = sys.modules.get("numba.cuda.core.config")  # never imported here
    if numba_config is not None and getattr(numba_config, "CUDA_DEBUGINFO_DEFAULT", 0):
        return True
    return any(os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")
               for name in ("PTXFORGE_DEBUG", "NUMBA_CUDA_DEBUGINFO"))


def set_debug_default(value):
    """Sets debug_default() (None: PTXFORGE_DEBUG decides again)."""
    _default_override.clear()
    if value is not None:
        _default_override.append(bool(value))


def exception_id(cls):
    """The id that names exception class `cls` in compiled kernels (stable for the process)."""
    with _lock:
        found = _ids.get(cls)
        if found is None:
            found = _ids[cls] = len(_classes)
            _classes.append(cls)
        return found


def _exception(report):
    """The exception a report (from LoadedKernel.debug_report) stands for."""
    kind, name, class_id, message, args = report
    if kind in ("bounds", "tuple_index"):
        return IndexError(message)
    if kind == "zero_division":
        return ZeroDivisionError(message)
    if kind == "assert":
        cls = AssertionError
    else:
        cls = _classes[class_id] if 0 <= class_id < len(_classes) else getattr(builtins, name, RuntimeError)
    # The place and the thread come first, then the exception's own arguments.
    args = [f"{message}: {args[0]}", *args[1:]] if args else [message]
    try:
        return cls(*args)
    except Exception:  # a class whose constructor wants other arguments
        return RuntimeError(f"{cls.__name__}: {', '.join(str(a) for a in args)}")


def check_launch(kernel, stream):
    """Waits for a debug-mode launch on `stream` and raises what its kernel reported.

    A bounds violation traps, which fails the synchronization and leaves the CUDA
    context unusable; the record, in host memory, still says what happened. A
    launch captured into a graph is not waited for (it has not run)."""
    if _core.capturing():
        return
    try:
        _core.stream_synchronize(stream)
    except _core.CudaDriverError as err:
        report = kernel.debug_report()
        if report is None:
            raise
        exc = _exception(report)
        if report[0] == "bounds" and hasattr(exc, "add_note"):
            exc.add_note("the kernel trapped, which leaves this process's CUDA context unusable: "
                         "restart the process to use the GPU again")
        raise exc from err
    report = kernel.debug_report()
    if report is not None:
        raise _exception(report)


def check_cpu_launch(kernel, launch):
    """Runs `launch` (a debug-mode launch on the CPU target, which is synchronous) and
    raises what its kernel reported. A bounds violation stops the launch (as a trap
    stops a GPU kernel): the report explains the KernelError that says so."""
    try:
        launch()
    except _core.KernelError as err:
        report = kernel.debug_report()
        if report is None:
            raise
        raise _exception(report) from err
    report = kernel.debug_report()
    if report is not None:
        raise _exception(report)
