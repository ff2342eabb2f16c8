"""What ptxforge found on this machine: ``pf.config()`` and ``ptxforge doctor``;
and the settings numba code reads from ``numba.cuda.config``: ``pf.config`` is
callable and carries them as attributes (``pf.config.ENABLE_CUDASIM`` ...).

Every CUDA part is looked for in NVIDIA's pip packages first (the
site-packages directories on ``sys.path``), then under ``$CUDA_HOME``,
``$CUDA_PATH``, the toolkit of ``ptxas`` on ``PATH`` and ``/usr/local/cuda``.
Only the driver is needed to run kernels; the rest is found where it is:

- libdevice (``nvidia-nvvm``; CUDA 12: ``nvidia-cuda-nvcc-cu12``) for math
  functions;
- nvJitLink (``nvidia-nvjitlink``; ``nvidia-nvjitlink-cu12``), which turns
  PTX into a cubin in-process; without one that fits the driver, the
  driver's own JIT compiles the PTX when the module loads;
- NVRTC (``nvidia-cuda-nvrtc``), only for CUDA C files given to ``link=``;
- nvdisasm (``nvidia-cuda-nvdisasm``), only for SASS listings.

``pip install "ptxforge[cu13]"`` (or ``[cu12]``, for a CUDA 12 driver)
brings libdevice and nvJitLink.
"""

import sys

from . import _core
from . import cache as _cache

__all__ = ["config", "doctor"]


def _version(v):
    return f"{v // 1000}.{v % 1000 // 10}" if v else None


def _extra(driver_version):
    """The ptxforge extra that matches the driver: cu12 for a CUDA 12 driver, else cu13."""
    return "cu12" if driver_version and driver_version // 1000 <= 12 else "cu13"


def _packages(extra):
    cu12 = extra == "cu12"
    return {
        "libdevice": "nvidia-cuda-nvcc-cu12" if cu12 else "nvidia-nvvm",
        "nvjitlink": "nvidia-nvjitlink-cu12" if cu12 else "nvidia-nvjitlink",
        "nvrtc": "nvidia-cuda-nvrtc-cu12" if cu12 else "nvidia-cuda-nvrtc",
        "nvdisasm": "nvidia-cuda-nvdisasm-cu12" if cu12 else "nvidia-cuda-nvdisasm",
    }


def _gpus():
    if not _core.is_available():
        return []
    gpus = []
    for i in range(_core.device_count()):
        info = _core.device_info(i)
        gpus.append({"ordinal": i, "name": info["name"], "compute_capability": tuple(info["compute_capability"]),
                     "memory_bytes": info["total_memory"]})
    return gpus


def _found():
    """What ptxforge uses on this machine, as a dict: versions, the driver and its
    GPUs, the PTX assembler chosen for the driver and why, where libdevice, nvJitLink,
    ptxas, NVRTC and nvdisasm were found (None where missing), the disk cache, and
    ``missing``: one entry per missing piece with what it is for and what to install.

    Looking up the GPUs starts the driver (``cuInit``); the rest needs no GPU."""
    from . import __version__

    driver = _core.driver_version()
    toolkit = _core.toolkit()
    choice = _core.choose_assembler(driver)
    nvrtc_path, nvrtc_error = _core.nvrtc()
    extra = _extra(driver)
    packages = _packages(extra)
    cfg = {
        "ptxforge": __version__,
        "llvm": _core.llvm_version(),
        "python": sys.version.split()[0],
        "driver": {"version": _version(driver), "path": _core.driver_path() or None,
                   "error": None if driver else _core.unavailable_reason()},
        "gpus": _gpus() if driver else [],
        "assembler": "driver JIT" if choice["assembler"] == "none" else choice["assembler"],
        "assembler_reason": choice["reason"],
        "nvjitlink": choice["nvjitlink"],
        "ptxas": choice["ptxas"],
        "libdevice": toolkit["libdevice"] or None,
        "nvrtc": nvrtc_path or None,
        "nvdisasm": toolkit["nvdisasm"] or None,
        "cuda_home": toolkit["home"] or None,
        "searched": toolkit["roots"],
        "cache": {"directory": _cache.directory(), "enabled": _cache.enabled()},
        "extra": extra,
        "missing": [],
    }
    missing = cfg["missing"]

    def lack(piece, why, package):
        missing.append({"piece": piece, "why": why, "install": f"pip install {package}"})

    if not driver:
        missing.append({"piece": "driver", "why": "launching kernels needs an NVIDIA GPU and its driver "
                        "(libcuda.so.1); compiling and inspecting work without one",
                        "install": "install the NVIDIA driver (not from pip)"})
    if not cfg["libdevice"]:
        lack("libdevice", "math functions (math.exp, math.sqrt ...) need libdevice.10.bc",
             f"{packages['libdevice']}  (or \"ptxforge[{extra}]\")")
    if not choice["nvjitlink"]["path"]:
        why = ("PTX is assembled to a cubin in-process; without it the driver's JIT compiles PTX at load "
               "(slower first launch) and link= files cannot be linked")
        if choice["nvjitlink"]["error"] and "newer than the driver" in choice["nvjitlink"]["error"]:
            why = "the nvJitLink found is newer than the driver; " + why
        lack("nvJitLink", why, f"{packages['nvjitlink']}  (or \"ptxforge[{extra}]\")")
    if not cfg["nvrtc"]:
        lack("NVRTC", "optional: only CUDA C files given to link= need it", packages["nvrtc"])
    if not cfg["nvdisasm"]:
        lack("nvdisasm", "optional: only SASS listings need it", packages["nvdisasm"])
    return cfg


def _where(path):
    return path if path else "not found"


def doctor(out=None):
    """Prints config() as ``ptxforge doctor`` does: one line per piece, then what is
    missing and what to install. Returns the number of missing pieces that
    compiling needs (libdevice); a missing driver only stops launches."""
    out = out or sys.stdout
    c = _found()
    w = out.write
    w(f"ptxforge      {c['ptxforge']} (LLVM {c['llvm']}, Python {c['python']})\n")
    d = c["driver"]
    w(f"driver        {'CUDA ' + d['version'] + ' at ' + d['path'] if d['version'] else 'not found'}\n")
    for g in c["gpus"]:
        cc = g["compute_capability"]
        w(f"GPU {g['ordinal']}         {g['name']} (sm_{cc[0]}{cc[1]}, {g['memory_bytes'] / 2**30:.0f} GiB)\n")
    if d["version"] and not c["gpus"]:
        w(f"GPUs          none usable: {_core.unavailable_reason()}\n")
    w(f"assembler     {c['assembler']}: {c['assembler_reason']}\n")
    for name in ("nvjitlink", "ptxas"):
        a = c[name]
        label = "nvJitLink" if name == "nvjitlink" else "ptxas"
        if a["path"]:
            w(f"{label:<13} {a['version'] or 'version unknown'} at {a['path']}\n")
        else:
            w(f"{label:<13} {a['error'] or 'not found'}\n")
    w(f"libdevice     {_where(c['libdevice'])}\n")
    w(f"NVRTC         {_where(c['nvrtc'])}\n")
    w(f"nvdisasm      {_where(c['nvdisasm'])}\n")
    w(f"CUDA toolkit  {_where(c['cuda_home'])}\n")
    cache = c["cache"]
    w(f"cache         {cache['directory']}{'' if cache['enabled'] else ' (off: PTXFORGE_CACHE=0)'}\n")
    if c["searched"]:
        w("searched      " + "\n              ".join(c["searched"]) + "\n")
    required = 0
    for m in c["missing"]:
        required += m["piece"] == "libdevice"
        w(f"missing       {m['piece']}: {m['why']}; {m['install']}\n")
    if not c["missing"]:
        w("nothing missing\n")
    return required


# -- numba's config names ------------------------------------------------------------------
#
# numba code reads numba.cuda.config (`if config.ENABLE_CUDASIM:` ...) and sets a few of
# its switches. ptxforge's config object answers numba's names with ptxforge's meaning;
# the ones ptxforge acts on are honoured when set, the others are fixed facts. A name
# numba has and ptxforge does not is an AttributeError saying so.

def _check_cc_setting(name, value):
    if value is None and name == "FORCE_CUDA_CC":
        return None
    from .dispatcher import check_cc

    return check_cc(value)


class Config:
    """``pf.config()``: what ptxforge found on this machine (a dict; see :func:`_found`).

    Its attributes are the settings of numba-cuda's ``numba.cuda.config`` that numba code
    reads, with ptxforge's meaning (docs/numba.md, "numba's config"):

    - ``ENABLE_CUDASIM`` False: ptxforge never simulates. The CPU target
      (``PTXFORGE_TARGET=cpu``) compiles kernels for the CPU with CUDA's semantics; code
      meant for numba's simulator does not apply to it. ``DISABLE_CUDA`` False.
    - ``CUDA_DEFAULT_PTX_CC`` (9, 0): the compute capability ``compile_ptx`` and
      ``compile`` compile for when given no ``cc``; settable.
    - ``FORCE_CUDA_CC`` None: when set to (major, minor), kernels are compiled for it
      instead of the current GPU's; settable.
    - ``CUDA_DEBUGINFO_DEFAULT`` (and its alias ``DEBUGINFO_DEFAULT``): the ``debug=`` of
      kernels that give none, the debug mode of docs/runtime.md; starts as
      ``PTXFORGE_DEBUG`` says; settable (it applies to kernels decorated afterwards, as
      in numba).
    - ``CUDA_ENABLE_NRT`` False: ptxforge has no reference-counting runtime, and needs
      none for what it compiles; setting it changes nothing.
    - ``CUDA_LOW_OCCUPANCY_WARNINGS``, ``CUDA_WARN_ON_IMPLICIT_COPY`` 0 and
      ``DISABLE_PERFORMANCE_WARNINGS`` 1: ptxforge does not issue numba's performance
      warnings; setting them changes nothing.
    - ``CUDA_PER_THREAD_DEFAULT_STREAM`` 0: stream 0 is the legacy default stream;
      ``pf.per_thread_default_stream()`` gives the other.
    - ``CUDA_MEMORY_MANAGER`` "default": ptxforge's own allocator (stream-ordered
      pools); no external memory manager plugs in.
    - ``OPT`` 3: kernels are optimised at LLVM's -O3 unless ``opt=False``.
    - ``DISABLE_JIT`` 0, ``CUDA_ARRAY_INTERFACE_SYNC`` 1 (work queued on a consumed
      ``__cuda_array_interface__``'s stream is ordered before the consumer's, on the
      device).
    """

    # name -> default; names in _SETTABLE may be assigned, the rest are facts.
    _FACTS = {
        "ENABLE_CUDASIM": False,
        "DISABLE_CUDA": False,
        "DISABLE_JIT": 0,
        "CUDA_ENABLE_NRT": False,
        "CUDA_LOW_OCCUPANCY_WARNINGS": 0,
        "CUDA_WARN_ON_IMPLICIT_COPY": 0,
        "DISABLE_PERFORMANCE_WARNINGS": 1,
        "CUDA_PER_THREAD_DEFAULT_STREAM": 0,
        "CUDA_MEMORY_MANAGER": "default",
        "CUDA_ARRAY_INTERFACE_SYNC": 1,
        "OPT": 3,
    }
    # Switches that change nothing in ptxforge, but that numba code flips (and restores).
    _INERT = ("CUDA_ENABLE_NRT", "CUDA_LOW_OCCUPANCY_WARNINGS", "CUDA_WARN_ON_IMPLICIT_COPY",
              "DISABLE_PERFORMANCE_WARNINGS")

    def __init__(self):
        object.__setattr__(self, "_values", dict(self._FACTS, CUDA_DEFAULT_PTX_CC=(9, 0), FORCE_CUDA_CC=None))

    def __call__(self):
        return _found()

    def __repr__(self):
        return "<ptxforge config: call it for what ptxforge found; attributes: numba's settings>"

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._values) | {"CUDA_DEBUGINFO_DEFAULT", "DEBUGINFO_DEFAULT"})

    def __getattr__(self, name):
        if name in ("CUDA_DEBUGINFO_DEFAULT", "DEBUGINFO_DEFAULT"):
            from . import _debug

            return int(_debug.debug_default())
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        raise AttributeError(f"ptxforge's config has no setting {name!r}" +
                             ("; numba's has, but it belongs to numba's own compiler or runtime, which ptxforge "
                              "does not emulate (docs/numba.md)" if name.isupper() else ""))

    def __setattr__(self, name, value):
        if name in ("CUDA_DEBUGINFO_DEFAULT", "DEBUGINFO_DEFAULT"):
            from . import _debug

            _debug.set_debug_default(None if value is None else bool(value))
        elif name in ("CUDA_DEFAULT_PTX_CC", "FORCE_CUDA_CC"):
            self._values[name] = _check_cc_setting(name, value)
        elif name in self._INERT:
            self._values[name] = value
        elif name in self._values:
            raise AttributeError(f"config.{name} is a fact about ptxforge, not a setting: it is {self._values[name]!r}")
        else:
            raise AttributeError(f"ptxforge's config has no setting {name!r}")


config = Config()
