"""The ``ptxforge`` command: compile kernels in files and show every stage.

    ptxforge compile FILE.py [FILE.py ...] [--emit=typed|llvm|llvm-opt|ptx|cubin] [-o DIR]
                     [--kernel NAME] [--sig SIGNATURE] [--cc 9.0] [--fastmath] [--lineinfo]
    ptxforge cache info | clear

Each file is imported (its ``if __name__ == "__main__"`` part does not run);
every kernel in it with a signature (``@pf.kernel("void(float32[::1])")``,
or ``--sig``) is compiled. With no ``--emit`` a summary is printed per
kernel: signature, PTX size, registers and the first PTX lines. Kernels
found in the disk cache are read from it (the summary says so).

``ptxforge cache info`` shows where the disk cache is and what it holds;
``ptxforge cache clear`` empties it.
"""

import argparse
import os
import runpy
import sys
import time

from . import _core
from . import cache as _cache
from .dispatcher import Dispatcher

_EMIT_ATTR = {"typed": "typed", "llvm": "llvm", "llvm-opt": "llvm_opt", "ptx": "ptx"}


def _kernels_in(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        scope = runpy.run_path(path, run_name="__ptxforge_compile__")
    finally:
        sys.path.pop(0)
    return [(name, obj) for name, obj in scope.items() if isinstance(obj, Dispatcher)]


def _parse_cc(text):
    major, _, minor = text.partition(".")
    return int(major), int(minor or 0)


def _compile_one(dispatcher, types, cc, args):
    if args.fastmath or args.lineinfo:  # the module was imported for this run alone
        dispatcher.options = dict(dispatcher.options, fastmath=dispatcher.options["fastmath"] or args.fastmath,
                                  lineinfo=dispatcher.options["lineinfo"] or args.lineinfo)
    start = time.perf_counter()
    artifacts = dispatcher._compile(types, cc, "cubin", keep_ir=args.emit in ("llvm", "llvm-opt")).artifacts
    return artifacts, (time.perf_counter() - start) * 1e3


def _summary(name, artifacts, ms, out):
    res = artifacts.resources()
    regs = res.get("registers", "?")
    ptx_lines = [ln for ln in artifacts.ptx.splitlines() if ln.strip() and not ln.startswith("//")]
    how = "read from the disk cache" if artifacts.from_cache else "compiled"
    out.write(f"kernel {name}{artifacts.signature}\n")
    out.write(f"  entry {artifacts.entry_name}: PTX {len(artifacts.ptx)} bytes, cubin "
              f"{len(artifacts.cubin)} bytes ({artifacts.assembler or 'none: ' + artifacts.assembler_error}), "
              f"registers {regs}, shared {res.get('shared_bytes', '?')} B, local {res.get('local_bytes', '?')} B, "
              f"{how} in {ms:.1f} ms\n")
    # The entry line, then the first instructions (parameter and register
    # declarations are summarised above).
    entry = next((ln for ln in ptx_lines if ".entry" in ln), "")
    code = [ln for ln in ptx_lines if not ln.lstrip().startswith((".", "{", ")", "}", "//"))]
    out.write(f"    | {entry.strip()}\n")
    for ln in code[:6]:
        out.write(f"    |     {ln.strip()}\n")
    if len(code) > 6:
        out.write(f"    |     ... {len(code) - 6} more lines\n")


def _cmd_compile(args):
    cc = _parse_cc(args.cc) if args.cc else (
        _core.compute_capability(0) if _core.is_available() else (9, 0))
    status = 0
    for path in args.files:
        try:
            kernels = _kernels_in(path)
        except Exception as exc:  # the user's file failed to import or a kernel failed to compile
            print(f"{path}: {exc}", file=sys.stderr)
            status = 1
            continue
        if args.emit is None:
            print(f"== {path} (sm_{cc[0]}{cc[1]})")
        for name, d in kernels:
            if args.kernel and name != args.kernel:
                continue
            sigs = [d._types_of_signature(args.sig)] if args.sig else list(d.signatures)
            if not sigs:
                print(f"kernel {name}: no signature declared; pass --sig", file=sys.stderr)
                continue
            for types in sigs:
                try:
                    artifacts, ms = _compile_one(d, types, cc, args)
                except Exception as exc:
                    print(exc, file=sys.stderr)
                    status = 1
                    continue
                if args.output:
                    os.makedirs(args.output, exist_ok=True)
                    base = os.path.join(args.output, artifacts.entry_name)
                    with open(base + ".ptx", "w") as f:
                        f.write(artifacts.ptx)
                    if artifacts.cubin:
                        with open(base + ".cubin", "wb") as f:
                            f.write(artifacts.cubin)
                if args.emit is None:
                    _summary(name, artifacts, ms, sys.stdout)
                elif args.emit == "cubin":
                    if not args.output:
                        print("--emit=cubin needs -o DIR", file=sys.stderr)
                        return 2
                else:
                    sys.stdout.write(getattr(artifacts, _EMIT_ATTR[args.emit]))
    return status


def _size(n):
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024


def _cmd_cache(args):
    if args.action == "clear":
        removed = _cache.clear()
        print(f"removed {removed} cached kernel{'s' if removed != 1 else ''} from {_cache.directory()}")
        return 0
    info = _cache.info()
    state = "on" if info["enabled"] else "off (PTXFORGE_CACHE=0)"
    print(f"directory:  {info['directory']}")
    print(f"state:      {state}")
    print(f"entries:    {info['entries']} (one per kernel and signature)")
    print(f"size:       {_size(info['bytes'])} of at most {_size(info['max_bytes'])} (PTXFORGE_CACHE_SIZE)")
    print(f"compiler:   {'; '.join(_core.compiler_identity().split('; ')[:3])} (entries of other builds are never read)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ptxforge", description="Compile ptxforge kernels and show each stage.")
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("compile", help="compile the kernels in Python files")
    c.add_argument("files", nargs="+")
    c.add_argument("--emit", choices=["typed", "llvm", "llvm-opt", "ptx", "cubin"])
    c.add_argument("-o", "--output", help="write <entry>.ptx and <entry>.cubin here")
    c.add_argument("--kernel", help="only this kernel")
    c.add_argument("--sig", help="signature to compile for, e.g. 'void(float32[::1])'")
    c.add_argument("--cc", help="compute capability, e.g. 9.0 (default: the GPU's, else 9.0)")
    c.add_argument("--fastmath", action="store_true")
    c.add_argument("--lineinfo", action="store_true")
    k = sub.add_parser("cache", help="show or empty the disk cache of compiled kernels")
    k.add_argument("action", choices=["info", "clear"])
    args = parser.parse_args(argv)
    if args.command == "cache":
        return _cmd_cache(args)
    return _cmd_compile(args)
