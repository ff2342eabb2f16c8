"""The benchmark suite's kernels, ptxforge's code against nvcc's, read without a GPU.

    python3 bench/kernels_vs_nvcc.py [--quick] [--out DIR] [--sass KERNEL]

For every kernel of bench/kernels.py it compiles
  ptxforge, general      the kernel every launch may take (no launch facts);
  ptxforge, launched     the kernel bench/kernels.py's launch selects: its arrays'
                         facts (alignment, sizes, disjointness) and its block's
                         coarsening, computed by the dispatcher's own code from
                         arrays at aligned, disjoint made-up addresses of the bench's
                         sizes (nothing is allocated);
  nvcc                   bench/kernels.cu through ``nvcc -O3 -arch=sm_90 -cubin``,
and reads each cubin's SASS (nvdisasm) and registers. Per kernel the table gives
registers, SASS instructions, global loads and stores with their widths, the hot
loop (the innermost loop with the most global loads: its instructions and loads per
iteration), and the logical threads each physical thread runs. --sass prints one
kernel's three SASS listings. Needs nvcc and nvdisasm (the CUDA toolkit, or the
nvidia-cuda-nvcc and nvidia-cuda-nvdisasm wheels), no GPU. The table is written to
DIR/kernels_vs_nvcc.md ($OUT/kernels when $OUT is set, else build/bench).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402

import kernels as suite_driver  # noqa: E402  (bench/kernels.py: sizes, launch configurations)

FAKE = 0x7F0000000000
CC = (9, 0)


def tool(name):
    found = shutil.which(name)
    if found:
        return found
    path = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", name)
    return path if os.access(path, os.X_OK) else None


def functions(sass):
    """{function name: [instruction text]} of an nvdisasm listing, labels as 'LABEL:' items."""
    out, current = {}, None
    for line in sass.splitlines():
        m = re.match(r"\s*\.text\.(\w+):", line)
        if m:
            current = out.setdefault(m.group(1), [])
            continue
        if current is None:
            continue
        m = re.match(r"\s*(\.L_x_\d+):", line)
        if m:
            current.append(m.group(1) + ":")
            continue
        m = re.match(r"\s*/\*[0-9a-f]+\*/\s+(.*?)\s*;", line)
        if m:
            current.append(m.group(1))
    return out


def kernel_listing(listings, entry, what):
    """The kernel's own listing among a cubin's functions: the one named `entry` (a cubin
    may hold other functions too, e.g. callees not inlined, in any order), else the
    longest."""
    if entry in listings:
        if len(listings) > 1:
            print(f"note: {what}: the cubin holds {', '.join(listings)}; the kernel is '{entry}'", file=sys.stderr)
        return listings[entry]
    if not listings:
        raise SystemExit(f"{what}: nvdisasm listed no function")
    name = max(listings, key=lambda n: len(listings[n]))
    print(f"note: {what}: no function '{entry}' in the cubin ({', '.join(listings)}); using '{name}'",
          file=sys.stderr)
    return listings[name]


def width(op):
    """Bytes of one global load or store."""
    parts = op.split(".")
    for p, w in (("128", 16), ("64", 8), ("U8", 1), ("S8", 1), ("U16", 2), ("S16", 2)):
        if p in parts:
            return w
    return 4


def memory_ops(instructions, kind):
    ops = []
    for ins in instructions:
        text = ins.split(None, 1)[1] if ins.startswith("@") else ins
        op = text.split()[0] if text else ""
        if op.startswith(kind + "."):
            ops.append(width(op))
    return ops


def loops(instructions):
    """[(first, last)] index ranges of the backward branches' loops."""
    labels, out = {}, []
    count = 0
    for ins in instructions:
        if ins.endswith(":"):
            labels[ins[:-1]] = count
        else:
            count += 1
    body = [i for i in instructions if not i.endswith(":")]
    for j, ins in enumerate(body):
        m = re.search(r"BRA\s+`?\(?(\.L_x_\d+)", ins)
        if m and m.group(1) in labels and labels[m.group(1)] <= j:
            out.append((labels[m.group(1)], j))
    return out, body


def summary(instructions):
    ranges, body = loops(instructions)
    innermost = [r for r in ranges if not any(o != r and r[0] <= o[0] and o[1] <= r[1] for o in ranges)]
    hot = None
    for first, last in innermost:
        chunk = body[first:last + 1]
        loads = memory_ops(chunk, "LDG")
        key = (len(loads), len(chunk))
        if hot is None or key > hot[0]:
            hot = (key, len(chunk), loads)
    loads, stores = memory_ops(body, "LDG"), memory_ops(body, "STG")
    return {"instructions": len(body), "loads": loads, "stores": stores,
            "loop": None if hot is None else {"instructions": hot[1], "loads": hot[2]}}


def widths(ops):
    if not ops:
        return "0"
    counts = {}
    for w in ops:
        counts[w] = counts.get(w, 0) + 1
    return " + ".join(f"{c}x{w * 8}b" for w, c in sorted(counts.items(), reverse=True))


def nvcc_side(workdir):
    nvcc, nvdisasm, cuobjdump = tool("nvcc"), tool("nvdisasm"), tool("cuobjdump")
    cubin = os.path.join(workdir, "kernels.cubin")
    subprocess.run([nvcc, "-O3", f"-arch=sm_{CC[0]}{CC[1]}", "-cubin", "-o", cubin, os.path.join(HERE, "kernels.cu")],
                   check=True, capture_output=True)
    sass = subprocess.run([nvdisasm, "-c", cubin], check=True, capture_output=True, text=True).stdout
    regs = {}
    usage = subprocess.run([cuobjdump, "-res-usage", cubin], check=True, capture_output=True, text=True).stdout
    name = None
    for line in usage.splitlines():
        m = re.search(r"Function (\w+):", line)
        if m:
            name = m.group(1)
        m = re.search(r"REG:(\d+)", line)
        if m and name:
            regs[name] = int(m.group(1))
    return functions(sass), regs


def ptxforge_side(pf, name, n, workdir):
    """{'general': (facts, sass, registers, coarsen), 'launched': ...} for one kernel."""
    from ptxforge._args import describe
    from ptxforge.devicearray import DeviceNDArray

    suite = suite_driver.load_suite(pf)
    kernel = getattr(suite, name)
    ins, outs = suite_driver.arg_shapes(name, n)
    arrays = [DeviceNDArray(shape, None, dtype, 0, object(), FAKE + (k << 36))
              for k, (shape, dtype) in enumerate(ins + outs)]
    args = suite_driver.scalars_before(name) + arrays + suite_driver.scalars_after(name)
    types, values, _ = describe(tuple(args), kernel._param_names())
    grid, block = suite_driver.launch_config(name, n)
    block3 = tuple(block) + (1,) * (3 - len(block))
    out = {}
    nvdisasm = tool("nvdisasm")
    grid3 = tuple(grid) + (1,) * (3 - len(grid)) if isinstance(grid, (tuple, list)) else (grid, 1, 1)
    for label, facts in (("general", None), ("launched", kernel._launch_facts(types, values, block3, CC, grid3))):
        artifacts = kernel._compile(types, CC, "cubin", facts=facts).artifacts
        path = os.path.join(workdir, f"{name}_{label}.cubin")
        with open(path, "wb") as f:
            f.write(artifacts.cubin)
        sass = subprocess.run([nvdisasm, "-c", path], check=True, capture_output=True, text=True).stdout
        listing = kernel_listing(functions(sass), artifacts.entry_name, f"{name} {label}")
        out[label] = (artifacts.specialization or "general", listing, artifacts.resources().get("registers"),
                      artifacts.coarsen)
    return out


def row(label, instructions, registers, coarsen):
    s = summary(instructions)
    loop = s["loop"]
    loop_text = (f"{loop['instructions']} instr, {len(loop['loads'])} loads ({widths(loop['loads'])})"
                 if loop else "no loop")
    return (f"| {label} | {registers} | {coarsen} | {s['instructions']} | {widths(s['loads'])} | "
            f"{widths(s['stores'])} | {loop_text} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the sizes of bench/kernels.py --quick")
    parser.add_argument("--out", help="output folder")
    parser.add_argument("--sass", metavar="KERNEL", help="print this kernel's SASS, all three versions")
    args = parser.parse_args()
    missing = [t for t in ("nvcc", "nvdisasm", "cuobjdump") if tool(t) is None]
    if missing:
        print(f"needs {', '.join(missing)} (the CUDA toolkit); not found")
        return 0
    import ptxforge as pf

    out_dir = args.out or (os.path.join(os.environ["OUT"], "kernels") if os.environ.get("OUT")
                           else os.path.join(ROOT, "build", "bench"))
    os.makedirs(out_dir, exist_ok=True)
    lines = [f"ptxforge {pf.__version__} against nvcc (`{tool('nvcc')}`), sm_{CC[0]}{CC[1]}, "
             f"sizes of `bench/kernels.py{' --quick' if args.quick else ''}`", "",
             "| kernel / version | registers | threads per thread | SASS instr | global loads | global stores "
             "| hot loop: instructions, loads per iteration |",
             "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="pf-static-") as work:
        nv_sass, nv_regs = nvcc_side(work)
        for name, (full, quick, _, _) in suite_driver.KERNELS.items():
            if args.sass and name != args.sass:
                continue
            n = quick if args.quick else full
            ours = ptxforge_side(pf, name, n, work)
            lines.append(f"| **{name}** | | | | | | |")
            lines.append(row("nvcc -O3", nv_sass[name], nv_regs.get(name), 1))
            for label in ("general", "launched"):
                spec, listing, regs, coarsen = ours[label]
                lines.append(row(f"ptxforge {label}: `{spec}`" if label == "launched" else "ptxforge general",
                                 listing, regs, coarsen))
            if args.sass:
                for label, listing in (("nvcc", nv_sass[name]), ("ptxforge general", ours["general"][1]),
                                       ("ptxforge launched", ours["launched"][1])):
                    print(f"==== {name}: {label}")
                    print("\n".join(listing))
    lines += ["", "Widths are in bits (128b: one 16-byte vector access). A coarsened kernel does the work of "
              "its threads per thread (4 or more) in one physical thread: compare its instructions with that "
              "many times nvcc's."]
    table = "\n".join(lines)
    print(table)
    if not args.sass:
        with open(os.path.join(out_dir, "kernels_vs_nvcc.md"), "w") as f:
            f.write(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
