"""Devices, memory, streams, events and CUDA graphs: the runtime's Python face.

The names and behaviour follow numba-cuda's ``cuda`` module (``cuda.stream()``,
``cuda.event()``, ``cuda.to_device`` ...); CUDA graphs, which numba-cuda
lacks, are ``graph_capture``. A stream is passed to the driver as its handle;
0 is the legacy default stream.

Where device arrays live in host memory (the CPU target's default, or no GPU:
``_target.host_memory()``), streams and events are host ones: everything is
synchronous, so waiting returns at once, and events record the time.
"""

import collections
import contextlib
import itertools
import time

from . import _core, _target
from ._args import In, InOut, Out  # noqa: F401  (copy directions of launch arguments)

__all__ = [
    "is_available", "is_bfloat16_supported", "synchronize", "detect", "gpus", "select_device", "get_current_device", "current_context",
    "list_devices", "stream", "default_stream", "legacy_default_stream", "per_thread_default_stream",
    "external_stream", "Stream", "event", "Event", "event_elapsed_time", "graph_capture", "Graph",
    "In", "Out", "InOut",
]

# Device arrays need numpy; they are imported on first use (PEP 562), so that
# `import ptxforge` stays fast. The package forwards these names here.
ARRAY_NAMES = (
    "DeviceNDArray", "MappedNDArray", "ManagedNDArray", "to_device", "device_array", "device_array_like",
    "pinned_array", "pinned_array_like", "mapped_array", "mapped_array_like", "managed_array", "as_cuda_array",
    "is_cuda_array", "from_cuda_array_interface", "from_dlpack",
)


def __getattr__(name):
    if name in ARRAY_NAMES:
        from . import devicearray

        return getattr(devicearray, name)
    raise AttributeError(f"module 'ptxforge._runtime' has no attribute {name!r}")


def synchronize(timeout=None):
    """Waits for all work on the current device. With `timeout` (seconds), raises
    TimeoutError, naming the last kernel launched, if the work on the legacy default
    stream and every blocking stream has not finished by then (non-blocking streams
    are not waited for then). Nothing to wait for on the CPU target."""
    if not _target.gpu_available():
        return
    if timeout is None:
        _core.synchronize()
        return
    event = Event(timing=False)
    event.record(0)
    _wait(event, timeout, "the device's work")


def _wait(event, timeout, what):
    """Polls `event` until it completes, or raises TimeoutError after `timeout` seconds.
    A kernel fault is raised by the query, as by a synchronize."""
    timeout = float(timeout)
    if not timeout >= 0:  # NaN too
        raise ValueError(f"timeout must be a number of seconds >= 0, got {timeout}")
    deadline = time.monotonic() + timeout
    delay = 1e-4
    while not event.query():
        if time.monotonic() >= deadline:
            device = _core.current_device()
            name = _core.last_launched_kernel(device)
            last = f"; the last kernel launched on device {device} is '{name}'" if name else ""
            raise TimeoutError(
                f"{what} did not finish within {timeout:g} s{last}. A running kernel cannot be stopped: "
                "it holds the GPU until it ends, and only the end of this process (os._exit) or a "
                "device reset ends it sooner; results it writes are not ready")
        time.sleep(delay)
        delay = min(delay * 2, 0.01)


# -- streams ----------------------------------------------------------------------------

_host_handles = itertools.count(0x7F000001, 2)


class _HostStream:
    """A stream of the CPU target: work on it is done when it is queued."""

    __slots__ = ("handle",)

    def __init__(self):
        self.handle = next(_host_handles)

    def synchronize(self, timeout=None):  # the CPU target's work is done when queued
        pass

    def query(self):
        return True


class _HostEvent:
    """An event of the CPU target: it records when it was recorded."""

    __slots__ = ("handle", "seconds")

    def __init__(self):
        self.handle = next(_host_handles)
        self.seconds = None

    def record(self, stream=0):
        self.seconds = time.perf_counter()

    def synchronize(self):
        pass

    def query(self):
        return True

    def wait(self, stream=0):
        pass



class Stream:
    """A CUDA stream (numba-cuda's Stream). ``handle`` is the CUstream as an int."""

    __slots__ = ("_stream", "handle", "__weakref__")

    def __init__(self, handle=None, _owned=None):
        self._stream = _owned
        self.handle = _owned.handle if _owned is not None else int(handle or 0)

    def __int__(self):
        return self.handle

    def __eq__(self, other):
        return isinstance(other, Stream) and other.handle == self.handle

    def __hash__(self):
        return hash(self.handle)

    def __repr__(self):
        names = {0: "legacy default", 2: "per-thread default"}
        return f"<ptxforge Stream {names.get(self.handle, hex(self.handle))}>"

    def synchronize(self, timeout=None):
        """Waits for all work queued on this stream; with `timeout` (seconds), raises
        TimeoutError, naming the last kernel launched, if it has not finished by then."""
        if timeout is not None:
            event = Event(timing=False)
            event.record(self)
            _wait(event, timeout, f"the work on {self!r}")
        elif self._stream is not None:
            self._stream.synchronize()
        elif _target.gpu_available():
            _core.stream_synchronize(self.handle)

    def query(self):
        """True when all work queued on this stream has finished."""
        if self._stream is None:
            if _target.gpu_available():
                _core.stream_synchronize(self.handle)
            return True
        return self._stream.query()

    @contextlib.contextmanager
    def auto_synchronize(self):
        """``with stream.auto_synchronize():`` synchronizes the stream when the block ends."""
        try:
            yield self
        finally:
            self.synchronize()

    def record(self, event=None):
        """Records `event` (a new one when None) on this stream and returns it."""
        event = event or Event()
        event.record(self)
        return event

    def wait_event(self, event):
        """Makes this stream wait, on the device, for `event`."""
        event.wait(self)


def stream():
    """A new stream, blocking with respect to the legacy default stream (numba-cuda's cuda.stream())."""
    return Stream(_owned=_HostStream() if _target.host_memory() else _core.Stream(False))


def default_stream():
    """The default stream: the legacy default stream, handle 0."""
    return Stream(0)


legacy_default_stream = default_stream


def per_thread_default_stream():
    """The per-thread default stream (CU_STREAM_PER_THREAD, handle 2)."""
    return Stream(2)


def external_stream(ptr):
    """A Stream for a CUstream made elsewhere (CuPy's ``stream.ptr``, torch's ``cuda_stream``)."""
    return Stream(int(ptr))


# -- events -----------------------------------------------------------------------------


class Event:
    """A CUDA event (numba-cuda's Event)."""

    __slots__ = ("_event",)

    def __init__(self, timing=True):
        self._event = _HostEvent() if _target.host_memory() else _core.Event(bool(timing))

    @property
    def handle(self):
        return self._event.handle

    def record(self, stream=0):
        self._event.record(_handle(stream))

    def synchronize(self):
        self._event.synchronize()

    def query(self):
        return self._event.query()

    def wait(self, stream=0):
        """Makes `stream` wait, on the device, for the work before the last record()."""
        self._event.wait(_handle(stream))

    def elapsed_time(self, evtend):
        return event_elapsed_time(self, evtend)


def event(timing=True):
    return Event(timing)


def event_elapsed_time(evtstart, evtend):
    """Milliseconds between two recorded events (both must have completed)."""
    if isinstance(evtstart._event, _HostEvent) or isinstance(evtend._event, _HostEvent):
        if evtstart._event.seconds is None or evtend._event.seconds is None:
            raise RuntimeError("event_elapsed_time of an event that was never recorded")
        return (evtend._event.seconds - evtstart._event.seconds) * 1000.0
    return _core.event_elapsed_time(evtstart._event, evtend._event)


def _handle(stream):
    if stream is None or (isinstance(stream, int) and stream == 0):
        return 0
    if isinstance(stream, int):
        return stream
    h = getattr(stream, "handle", None)
    if h is None:
        h = getattr(stream, "cuda_stream", None)
    if h is None:
        h = getattr(stream, "ptr", None)
    if h is None:
        raise TypeError(f"cannot use {stream!r} as a stream")
    return int(getattr(h, "value", h) or 0)


# -- CUDA graphs ------------------------------------------------------------------------


class Graph:
    """Work captured from a stream, replayed with ``launch()``."""

    __slots__ = ("_graph", "stream")

    def __init__(self, stream):
        self._graph = None
        self.stream = stream

    @property
    def node_count(self):
        return self._graph.node_count if self._graph is not None else 0

    def launch(self, stream=None):
        """Replays the captured work on `stream` (the capture's stream when None); asynchronous."""
        if self._graph is None:
            raise RuntimeError("the graph is launched after its capture block ends")
        self._graph.launch(_handle(self.stream if stream is None else stream))


@contextlib.contextmanager
def graph_capture(stream):
    """``with graph_capture(s) as g:`` records the launches and copies queued on `s`
    (a stream from ptxforge.stream()) into `g` instead of running them; ``g.launch()``
    replays them. Copies from host memory inside a capture need pinned arrays."""
    if isinstance(getattr(stream, "_stream", None), _HostStream):
        raise _core.CudaSupportError("CUDA graphs need a GPU: this stream belongs to the CPU target, which runs "
                                     "work as it is queued")
    handle = _handle(stream)
    graph = Graph(stream)
    _core.begin_capture(handle)
    try:
        yield graph
    except BaseException:
        with contextlib.suppress(Exception):
            _core.end_capture(handle)
        raise
    graph._graph = _core.end_capture(handle)


# -- devices ----------------------------------------------------------------------------

MemoryInfo = collections.namedtuple("MemoryInfo", ["free", "total"])

# The stand-in device of the CPU target: what the device queries answer where the
# default target is the CPU and there is no GPU (as numba-cuda's simulator has a fake
# device). The CPU target compiles for sm_90 and keeps sm_90's launch limits
# (docs/cpu.md), so it reports them.
_CPU_NAME = b"ptxforge CPU target (no GPU; kernels run on the host CPU as sm_90 code)"
_CPU_UUID = "CPU-00000000-0000-0000-0000-000000000000"
_CPU_CC = (9, 0)


def _cpu_standin():
    """True when the device queries answer for the CPU target's stand-in device."""
    return _target.default() == "cpu" and not _target.gpu_available()


def _host_memory_info():
    """(available, total) bytes of this machine's memory."""
    total = available = 0
    try:
        with open("/proc/meminfo") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        total = int(fields["MemTotal"].split()[0]) * 1024
        available = int(fields.get("MemAvailable", fields["MemFree"]).split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        import os

        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            available = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
        except (OSError, ValueError, AttributeError):
            pass
    return available, total


class Device:
    """One GPU (numba-cuda's Device): id, name, compute_capability and attributes.
    On the CPU target with no GPU, the one stand-in device (``is_cpu`` is True)."""

    def __init__(self, ordinal):
        self.id = ordinal
        self.is_cpu = _cpu_standin()
        if self.is_cpu:
            if ordinal != 0:
                raise ValueError(f"there is no device {ordinal}: the CPU target has one device, 0")
            self.name = _CPU_NAME
            self.uuid = _CPU_UUID
            self.compute_capability = _CPU_CC
            self.MULTIPROCESSOR_COUNT = _core.cpu_workers()
            self.MAX_THREADS_PER_BLOCK = 1024
            self.MAX_BLOCK_DIM_X, self.MAX_BLOCK_DIM_Y, self.MAX_BLOCK_DIM_Z = 1024, 1024, 64
            self.MAX_GRID_DIM_X, self.MAX_GRID_DIM_Y, self.MAX_GRID_DIM_Z = 2**31 - 1, 65535, 65535
            self.MAX_SHARED_MEMORY_PER_BLOCK = 49152
            self.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 232448
            self.WARP_SIZE = 32
            self.total_memory = _host_memory_info()[1]
            return
        info = _core.device_info(ordinal)
        self.name = info["name"].encode()
        self.compute_capability = tuple(info["compute_capability"])
        self.MULTIPROCESSOR_COUNT = info["multiprocessors"]
        self.MAX_THREADS_PER_BLOCK = info["max_threads_per_block"]
        self.MAX_BLOCK_DIM_X, self.MAX_BLOCK_DIM_Y, self.MAX_BLOCK_DIM_Z = info["max_block_dim"]
        self.MAX_GRID_DIM_X, self.MAX_GRID_DIM_Y, self.MAX_GRID_DIM_Z = info["max_grid_dim"]
        self.MAX_SHARED_MEMORY_PER_BLOCK = info["max_shared_per_block"]
        self.MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = info["max_shared_per_block_optin"]
        self.WARP_SIZE = info["warp_size"]
        self.total_memory = info["total_memory"]

    @property
    def supports_float16(self):
        return self.compute_capability >= (5, 3)

    @property
    def supports_bfloat16(self):
        return self.compute_capability >= (8, 0)

    @property
    def supports_fp8(self):
        return self.compute_capability >= (8, 9)

    def __repr__(self):
        return f"<{'CPU' if self.is_cpu else 'CUDA'} device {self.id} '{self.name.decode()}'>"

    def __eq__(self, other):
        return isinstance(other, Device) and (other.id, other.is_cpu) == (self.id, self.is_cpu)

    def __hash__(self):
        return hash((self.id, self.is_cpu))

    def __enter__(self):
        self._previous = 0 if self.is_cpu else _core.current_device()
        select_device(self.id)
        return self

    def __exit__(self, *exc):
        select_device(self._previous)

    def reset(self):
        synchronize()


class Context:
    """The current device's primary context (numba-cuda's current_context())."""

    def __init__(self, device):
        self.device = device

    def get_memory_info(self):
        """(free, total) bytes of device memory; of host memory on the CPU target's stand-in
        device, where device arrays live in host memory."""
        if self.device.is_cpu:
            return MemoryInfo(*_host_memory_info())
        free, total = _core.memory_info()
        return MemoryInfo(free, total)

    def synchronize(self):
        synchronize()

    def reset(self):
        """Waits for the device's work. ptxforge keeps the primary context alive (kernels
        stay loaded), so unlike numba-cuda this frees nothing."""
        synchronize()


def _device_count():
    return 1 if _cpu_standin() else _core.device_count()


class _Gpus:
    """``pf.gpus``: the devices, indexable, iterable; ``pf.gpus.current``."""

    def __len__(self):
        return _device_count()

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [Device(j) for j in range(len(self))[i]]
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"there is no CUDA device {i}")
        return Device(i % n)

    def __iter__(self):
        return (Device(i) for i in range(len(self)))

    @property
    def current(self):
        return get_current_device()


gpus = _Gpus()


def is_available():
    """True when kernels can run: on the GPU target, a CUDA driver and at least one GPU
    can be used; on the CPU target, always (the host is the device)."""
    return _target.default() == "cpu" or _core.is_available()


def list_devices():
    return list(gpus)


def select_device(device_id):
    """Makes `device_id` the device that allocations, launches and streams use; returns it."""
    if _cpu_standin():
        return Device(int(device_id))
    _core.select_device(int(device_id))
    return Device(int(device_id))


def get_current_device():
    return Device(0 if _cpu_standin() else _core.current_device())


def current_context(devnum=None):
    return Context(get_current_device() if devnum is None else Device(devnum))


def is_bfloat16_supported():
    """Whether the current device computes with bfloat16 (compute capability 8.0 and up), as
    numba-cuda's ``cuda.is_bfloat16_supported()``; the CPU target's stand-in (sm_90) does."""
    return get_current_device().supports_bfloat16


def detect():
    """Prints the devices found and returns whether any is usable (numba-cuda's cuda.detect())."""
    if not is_available():
        print(f"no CUDA devices: {_core.unavailable_reason()}")
        return False
    for d in gpus:
        print(f"[{d.id}] {d.name.decode()} (compute capability {d.compute_capability[0]}.{d.compute_capability[1]})")
    return True
