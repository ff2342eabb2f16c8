"""The ``ptxforge`` command: compile kernels ahead of time, and show every stage.

    ptxforge compile FILE.py [FILE.py ...] [--kernel NAME ...] [--sig SIG ...]
                     [--arch sm_90 [--arch sm_80 ...]] [--emit cubin|fatbin|ptx|llvm|llvm-opt|typed]
                     [-O0..3] [--lineinfo] [--fastmath] [-o DIR]
    ptxforge inspect FILE.py [--kernel NAME] [--sig SIG] [--arch sm_90] [--block-size N]
                     [--stage typed|llvm|llvm-opt|ptx|sass|resources|lines ...]
    ptxforge cache info | clear
    ptxforge doctor
    ptxforge --cmakedir | --includedir

Each file is imported (its ``if __name__ == "__main__"`` part does not run).
``compile`` compiles every kernel with signatures (``@pf.kernel("void(float32[::1])")``
or ``--sig``) for every ``--arch``: with ``-o DIR`` each kernel NAME becomes
DIR/NAME.cubin (one arch) or DIR/NAME.fatbin (several), beside DIR/NAME.h, a C
declaration per signature (docs/aot.md). Without ``-o`` a summary per kernel is
printed, or, with ``--emit``, that stage's text. No GPU is needed.
``inspect`` prints one report of every stage of a kernel (docs/inspection.md).
``cache info`` shows where the disk cache is and what it holds; ``cache clear``
empties it. ``doctor`` shows what was found on this machine and where (driver,
GPUs, PTX assembler, libdevice, NVRTC, nvdisasm, cache), and what to ``pip
install`` for each missing piece.
"""

import argparse
import os
import runpy
import sys
import time

from . import _core
from . import cache as _cache
from .aot import arch_name, compile_kernel, parse_arch
from .dispatcher import Dispatcher

_STAGE_FOR_EMIT = {"typed": "typed", "llvm": "ptx", "llvm-opt": "ptx", "ptx": "ptx", "cubin": "cubin",
                   "fatbin": "cubin", None: "cubin"}


def _kernels_in(path):
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        scope = runpy.run_path(path, run_name="__ptxforge_compile__")
    finally:
        sys.path.pop(0)
    return [(name, obj) for name, obj in scope.items() if isinstance(obj, Dispatcher)]


def _archs(args):
    """The (major, minor) of each --arch (or --cc), in order, once each; the GPU's, else
    sm_90, when none is given. None, said on stderr, for a bad one."""
    texts = list(args.arch or [])
    if args.cc:
        texts.append(args.cc)
    if not texts:
        cc = _core.compute_capability(0) if _core.is_available() else (9, 0)
        return [tuple(cc)]
    archs = []
    for t in texts:
        try:
            cc = parse_arch(t)
        except ValueError as exc:
            print(f"ptxforge {args.command}: {exc}", file=sys.stderr)
            return None
        if cc not in archs:
            archs.append(cc)
    return archs


def _summary(build, ms, out):
    archs = ", ".join(arch_name(cc) for cc in build.archs)
    out.write(f"module {build.name}: {len(build.entries)} signature{'s' if len(build.entries) > 1 else ''} "
              f"for {archs}, compiled in {ms:.1f} ms\n")
    for cc, mod in build.per_arch.items():
        assembler = mod.assembler if mod.cubin else "none: " + mod.assembler_error
        out.write(f"  {arch_name(cc)}: PTX {len(mod.ptx)} bytes, cubin {len(mod.cubin)} bytes ({assembler})\n")
        for k in mod.kernels:
            res = (_core.cubin_resources(mod.cubin, k.entry_name) if mod.cubin else None) or {}
            out.write(f"    entry {k.entry_name}{k.signature}: registers {res.get('registers', '?')}, "
                      f"shared {res.get('shared_bytes', '?')} B, local {res.get('local_bytes', '?')} B\n")
    _ptx_head(build.per_arch[build.archs[-1]].ptx, out)


def _ptx_head(ptx, out):
    lines = [ln for ln in ptx.splitlines() if ln.strip() and not ln.startswith("//")]
    entry = next((ln for ln in lines if ".entry" in ln), "")
    code = [ln for ln in lines if not ln.lstrip().startswith((".", "{", ")", "}", "//"))]
    out.write(f"    | {entry.strip()}\n")
    for ln in code[:6]:
        out.write(f"    |     {ln.strip()}\n")
    if len(code) > 6:
        out.write(f"    |     ... {len(code) - 6} more lines\n")


def _write(path, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)
    return path


def _about(build, path, written):
    archs = ", ".join(arch_name(cc) for cc in build.archs)
    return (f"Kernel '{build.name}' of {path}, compiled ahead of time for {archs}\n"
            f"into {written} by `ptxforge compile` ({_core.compiler_version()}).")


def _emit_files(build, path, emit, outdir, out):
    """Writes what --emit asks for into outdir; returns the paths written."""
    os.makedirs(outdir, exist_ok=True)
    base = os.path.join(outdir, build.name)
    several = len(build.archs) > 1
    written = []

    def per_arch(cc, suffix):
        return f"{base}.{arch_name(cc)}{suffix}" if several else base + suffix

    if emit == "typed":
        first = build.per_arch[build.archs[0]]
        text = "".join(k.typed + "\n" for k in first.kernels)
        return [_write(base + ".typed.txt", text)]
    for cc, mod in build.per_arch.items():
        if emit == "llvm":
            written.append(_write(per_arch(cc, ".ll"), mod.llvm))
        elif emit == "llvm-opt":
            written.append(_write(per_arch(cc, ".opt.ll"), mod.llvm_opt))
        elif emit in ("ptx", None):
            written.append(_write(per_arch(cc, ".ptx"), mod.ptx))
    modules = [w for w in written if w.endswith(".ptx")]
    if emit in ("cubin", "fatbin", None):
        missing = [cc for cc, mod in build.per_arch.items() if not mod.cubin]
        if missing:
            mod = build.per_arch[missing[0]]
            raise RuntimeError(f"{build.name}: no cubin for {arch_name(missing[0])}: {mod.assembler_error}")
        if emit == "fatbin" or (emit is None and several):
            modules = [_write(base + ".fatbin", build.fatbin())]
        else:
            modules = [_write(per_arch(cc, ".cubin"), mod.cubin) for cc, mod in build.per_arch.items()]
        written += modules
    if emit in ("cubin", "fatbin", "ptx", None):
        names = ", ".join(os.path.basename(m) for m in modules)
        written.append(_write(base + ".h", build.header(_about(build, path, names))))
    return written


def _chosen_kernels(path, args):
    """([(name, kernel)] of `path` that --kernel picks, problem): problem 1 when the file
    did not import or a named kernel is missing (said on stderr), 2 when --sig is
    ambiguous (the command stops)."""
    try:
        kernels = _kernels_in(path)
    except Exception as exc:  # the user's file failed to import or a kernel failed to compile
        print(f"{path}: {exc}", file=sys.stderr)
        return [], 1
    problem = 0
    chosen = [(n, d) for n, d in kernels if not args.kernel or n in args.kernel]
    for wanted in args.kernel or []:
        if wanted not in dict(kernels):
            print(f"{path}: no kernel named '{wanted}' (it has {', '.join(n for n, _ in kernels) or 'none'})",
                  file=sys.stderr)
            problem = 1
    if args.sig and len(chosen) > 1:
        print(f"{path}: --sig applies to one kernel; name it with --kernel "
              f"(the file has {', '.join(n for n, _ in chosen)})", file=sys.stderr)
        return [], 2
    return chosen, problem


def _cmd_compile(args):
    archs = _archs(args)
    if archs is None:
        return 2
    if args.emit in ("cubin", "fatbin") and not args.output:
        print(f"ptxforge compile: --emit {args.emit} needs -o DIR", file=sys.stderr)
        return 2
    overrides = {}
    if args.opt is not None:
        overrides["opt_level"] = args.opt
    status = 0
    for path in args.files:
        chosen, problem = _chosen_kernels(path, args)
        if problem == 2:
            return 2
        status = max(status, problem)
        if args.emit is None and not args.output:
            print(f"== {path} ({', '.join(arch_name(cc) for cc in archs)})")
        for name, d in chosen:
            if args.fastmath or args.lineinfo:
                overrides.update(fastmath=d.options["fastmath"] or args.fastmath,
                                 lineinfo=d.options["lineinfo"] or args.lineinfo)
            try:
                sigs = [d._types_of_signature(s) for s in args.sig] if args.sig else list(d.signatures)
            except Exception as exc:
                print(f"kernel {name}: {exc}", file=sys.stderr)
                status = 1
                continue
            if not sigs:
                print(f"kernel {name}: no signature declared; pass --sig", file=sys.stderr)
                continue
            start = time.perf_counter()
            try:
                build = compile_kernel(d, sigs, archs, _STAGE_FOR_EMIT[args.emit],
                                       keep_ir=args.emit in ("llvm", "llvm-opt"), options=overrides)
            except Exception as exc:
                print(exc, file=sys.stderr)
                status = 1
                continue
            ms = (time.perf_counter() - start) * 1e3
            if args.output:
                try:
                    written = _emit_files(build, path, args.emit, args.output, sys.stdout)
                except RuntimeError as exc:
                    print(exc, file=sys.stderr)
                    status = 1
                    continue
                if args.quiet:
                    continue
                if args.emit is None:
                    _summary(build, ms, sys.stdout)
                for w in written:
                    print(f"wrote {w}")
            elif args.emit is None:
                _summary(build, ms, sys.stdout)
            else:
                for cc, mod in build.per_arch.items():
                    if len(archs) > 1:
                        print(f"// {arch_name(cc)}")
                    if args.emit == "typed":
                        sys.stdout.write("".join(k.typed + "\n" for k in mod.kernels))
                        break
                    sys.stdout.write({"llvm": mod.llvm, "llvm-opt": mod.llvm_opt, "ptx": mod.ptx}[args.emit])
    return status


def _cmd_inspect(args):
    from . import inspection

    archs = _archs(args)
    if archs is None:
        return 2
    status = 0
    for path in args.files:
        chosen, problem = _chosen_kernels(path, args)
        if problem == 2:
            return 2
        status = max(status, problem)
        for name, d in chosen:
            sigs = [args.sig] if args.sig else list(d.signatures)
            if not sigs:
                print(f"kernel {name}: no signature declared; pass --sig", file=sys.stderr)
                continue
            for sig in sigs:
                try:
                    report = inspection.report(d, sig, cc=archs[0], block_size=args.block_size,
                                               stages=args.stage or None)
                except Exception as exc:
                    print(exc, file=sys.stderr)
                    status = 1
                    continue
                sys.stdout.write(report)
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
    parser.add_argument("--cmakedir", action="store_true",
                        help="print the folder of ptxforge's CMake package (find_package(ptxforge)) and exit")
    parser.add_argument("--includedir", action="store_true", help="print the folder of the C++ headers and exit")
    sub = parser.add_subparsers(dest="command")
    c = sub.add_parser("compile", help="compile the kernels in Python files ahead of time")
    c.add_argument("files", nargs="+")
    c.add_argument("--emit", choices=["cubin", "fatbin", "ptx", "llvm", "llvm-opt", "typed"])
    c.add_argument("-o", "--output", metavar="DIR",
                   help="write NAME.cubin or NAME.fatbin, NAME.h (and what --emit asks for) here")
    c.add_argument("--kernel", action="append", help="only this kernel (repeatable)")
    c.add_argument("--sig", action="append", help="a signature to compile for, e.g. 'void(float32[::1])' (repeatable)")
    c.add_argument("--arch", action="append", help="target architecture, e.g. sm_90 (repeatable; several give a "
                                                   "fatbin; default: the GPU's, else sm_90)")
    c.add_argument("--cc", help=argparse.SUPPRESS)  # the older spelling of --arch: 9.0
    c.add_argument("-O", dest="opt", type=int, choices=[0, 1, 2, 3], help="LLVM optimisation level (default 3)")
    c.add_argument("--fastmath", action="store_true")
    c.add_argument("-q", "--quiet", action="store_true", help="with -o, print nothing but errors")
    c.add_argument("--lineinfo", action="store_true", help="line tables pointing at the Python source, "
                                                           "optimisation kept (for profilers and compute-sanitizer)")
    i = sub.add_parser("inspect", help="show every stage of a kernel in one report")
    i.add_argument("files", nargs="+")
    i.add_argument("--kernel", action="append", help="only this kernel (repeatable)")
    i.add_argument("--sig", help="the signature to inspect (default: each declared one)")
    i.add_argument("--arch", action="append", help="target architecture (default: the GPU's, else sm_90)")
    i.add_argument("--cc", help=argparse.SUPPRESS)
    i.add_argument("--block-size", type=int, default=256, help="block size for the occupancy figure (default 256)")
    i.add_argument("--stage", action="append",
                   choices=["typed", "llvm", "llvm-opt", "ptx", "sass", "resources", "lines"],
                   help="only these parts of the report (repeatable; default: all)")
    k = sub.add_parser("cache", help="show or empty the disk cache of compiled kernels")
    k.add_argument("action", choices=["info", "clear"])
    sub.add_parser("doctor", help="show the CUDA pieces found (driver, assembler, libdevice ...) and what is missing")
    args = parser.parse_args(argv)
    if args.cmakedir or args.includedir:
        from . import cmake_dir, include_dir

        print(cmake_dir() if args.cmakedir else include_dir())
        return 0
    if args.command == "compile":
        return _cmd_compile(args)
    if args.command == "inspect":
        return _cmd_inspect(args)
    if args.command == "cache":
        return _cmd_cache(args)
    if args.command == "doctor":
        from ._config import doctor

        return 1 if doctor() else 0
    parser.print_help(sys.stderr)
    return 2
