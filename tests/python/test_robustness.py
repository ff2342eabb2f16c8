"""Nothing a user writes crashes the process.

Odd but valid Python kernels (fuzz_kernels_*.py, plus deeply nested programs
generated here) are compiled in a subprocess, so that a segfault or abort
shows as a failing test naming the kernel instead of killing pytest. Each
kernel must compile, with PTX that ptxas accepts, or raise CompileError.
"""

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SIGS = ["void(int64[::1])", "void(float32[::1])", "void(int32[:])"]

# Compiles every function of each module file named on the command line; one JSON line per try.
RUNNER = textwrap.dedent("""
    import importlib.util, inspect, json, os, sys
    import ptxforge as pf

    out_dir, sigs = sys.argv[1], json.loads(sys.argv[2])
    for path in sys.argv[3:]:
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        funcs = [f for _, f in inspect.getmembers(mod, inspect.isfunction) if f.__module__ == name]
        for f in funcs:
            for n, sig in enumerate(sigs):
                key = f"{name}.{f.__name__}[{sig}]"
                print(json.dumps({"start": key}), flush=True)
                try:
                    ptx, _ = pf.compile_ptx(f, sig)
                except pf.CompileError as e:
                    rendered = str(e)
                    ok = rendered.startswith(f"{e.filename}:{e.lineno}:{e.col}: error: ")
                    print(json.dumps({"key": key, "outcome": "error", "msg": e.msg, "well_formed": ok}), flush=True)
                except Exception as e:
                    print(json.dumps({"key": key, "outcome": "exception", "msg": f"{type(e).__name__}: {e}"}),
                          flush=True)
                else:
                    ptx_path = os.path.join(out_dir, f"{name}.{f.__name__}.{n}.ptx")
                    with open(ptx_path, "w") as fh:
                        fh.write(ptx)
                    print(json.dumps({"key": key, "outcome": "ok", "ptx": ptx_path}), flush=True)
""")


def _run(tmp_path, module_paths, sigs=SIGS, timeout=600):
    script = tmp_path / "runner.py"
    script.write_text(RUNNER)
    out_dir = tmp_path / "ptx"
    out_dir.mkdir()
    proc = subprocess.run([sys.executable, str(script), str(out_dir), json.dumps(sigs), *map(str, module_paths)],
                          capture_output=True, text=True, timeout=timeout, env=dict(os.environ))
    results, last = {}, None
    for line in proc.stdout.splitlines():
        rec = json.loads(line)
        if "start" in rec:
            last = rec["start"]
        else:
            results[rec["key"]] = rec
            last = None
    assert proc.returncode == 0, (f"the compiler process died (exit {proc.returncode}) while compiling {last}:\n"
                                  f"{proc.stderr[-4000:]}")
    return results


def _check(results, assert_ptx_assembles):
    bad = [f"{k}: {r['msg']}" for k, r in results.items() if r["outcome"] == "exception"]
    assert not bad, "exceptions other than CompileError:\n" + "\n".join(bad)
    malformed = [k for k, r in results.items() if r["outcome"] == "error" and not r["well_formed"]]
    assert not malformed, f"CompileErrors without file:line:col: {malformed}"
    for key, r in results.items():
        if r["outcome"] == "ok":
            with open(r["ptx"]) as fh:
                assert_ptx_assembles(fh.read(), key)


# Outcomes pinned for a few kernels: the loop must neither reject good code nor accept nonsense.
EXPECTED = {
    "k_break_continue": "ok", "k_chained": "ok", "k_while_else": "ok", "k_for_else": "ok", "k_tuples": "ok",
    "k_bools": "ok", "k_deep_if": "ok", "k_deep_loops": "ok", "k_neg_step": "ok", "k_shift": "ok",
    "k_nested_break": "ok", "k_long_chain": "ok", "k_pass_only": "ok", "k_return_none": "ok",
    "k_huge_int": "error", "k_string": "error", "k_yield": "error", "k_with": "error", "k_recursive": "error",
    "k_listcomp": "error", "k_set": "error", "k_none": "error", "k_conflict_branches": "error",
    # k_param_rebind: `x = 1` starts a new variable, as numba's SSA does (x's array is never read after)
    "k_param_rebind": "ok", "k_store_tuple": "error", "k_iter_array": "ok",
}


def test_fuzz_corpus_never_crashes(tmp_path, assert_ptx_assembles):
    paths = [os.path.join(HERE, "fuzz_kernels_flow.py"), os.path.join(HERE, "fuzz_kernels_typing.py")]
    results = _run(tmp_path, paths)
    assert len(results) >= 90 * len(SIGS)
    _check(results, assert_ptx_assembles)
    for key, r in results.items():
        func = key.split(".")[1].split("[")[0]
        if func in EXPECTED and "int64" in key:
            assert r["outcome"] == EXPECTED[func], f"{key}: {r}"
    compiled = sum(r["outcome"] == "ok" for r in results.values())
    assert compiled >= 40 * len(SIGS) // 2


def _generated_source():
    """Programs at the edges of what CPython parses: deep nesting, long chains, big bodies."""
    parts = ["import ptxforge as pf\n"]
    depth = 90  # CPython allows 100 levels of indentation
    lines = ["def deep_ifs(x):", "    i = pf.grid(1)"]
    for d in range(depth):
        lines.append("    " * (d + 1) + f"if i > {d}:")
    lines.append("    " * (depth + 1) + "x[0] = i")
    parts.append("\n".join(lines))
    parts.append("def deep_parens(x):\n    x[0] = " + "(" * 150 + "x[0] + 1" + ")" * 150)
    parts.append("def long_sum(x):\n    x[0] = x[0]" + " + 1" * 800)
    parts.append("def long_unary(x):\n    x[0] = " + "- " * 1000 + "x[0]")
    parts.append("def long_chain_compare(x):\n    x[0] = " + " < ".join(str(n) for n in range(300)))
    parts.append("def long_bool_chain(x):\n    x[0] = " + " and ".join(f"x[{n}] > 0" for n in range(300)))
    elifs = ["def long_elif(x):", "    v = x[0]", "    if v == 0:", "        x[0] = 0"]
    for n in range(1, 300):
        elifs += [f"    elif v == {n}:", f"        x[0] = {n}"]
    parts.append("\n".join(elifs))
    parts.append("def many_statements(x):\n    v = x[0]\n" + "".join(f"    v = v * 3 + {n}\n" for n in range(1500))
                 + "    x[0] = v")
    loops = ["def deep_loops(x):", "    s = 0"]
    for d in range(18):  # CPython allows 20 nested blocks
        loops.append("    " * (d + 1) + f"for i{d} in range(2):")
    loops.append("    " * 19 + "s += 1")
    loops.append("    x[0] = s")
    parts.append("\n".join(loops))
    parts.append("def many_locals(x):\n" + "".join(f"    v{n} = x[{n}] + {n}\n" for n in range(500))
                 + "    x[0] = " + " + ".join(f"v{n}" for n in range(500)))
    parts.append("def deep_undefined(x):\n    x[0] = " + "(" * 100 + "nowhere" + ")" * 100)
    parts.append("def deep_ternary(x):\n    x[0] = " + "".join(f"{n} if x[0] == {n} else " for n in range(200))
                 + "-1")
    return "\n\n\n".join(parts) + "\n"


def test_generated_deep_programs_never_crash(tmp_path, assert_ptx_assembles):
    path = tmp_path / "generated_kernels.py"
    path.write_text(_generated_source())
    results = _run(tmp_path, [path], sigs=["void(int64[::1])", "void(float64[::1])"])
    assert len(results) == 12 * 2
    _check(results, assert_ptx_assembles)
    assert results["generated_kernels.deep_undefined[void(int64[::1])]"]["outcome"] == "error"
    for name in ("deep_ifs", "deep_parens", "long_sum", "long_elif", "many_statements", "deep_loops"):
        assert results[f"generated_kernels.{name}[void(int64[::1])]"]["outcome"] == "ok", name


def _add_one(x):
    x[0] = x[0] + 1


@pytest.mark.parametrize("sig,msg", [
    ("void(int64[::1], float32[::1])", "'_add_one' takes 1 argument(s) but 2 were given"),
    ("void()", "'_add_one' takes 1 argument(s) but 0 were given"),
    ("void(float32)", "float32 cannot be indexed"),
    ("void(int64[:, :, ::1])", "on whole arrays is not supported in kernels"),
    ("void(Tuple(int64, float32))", "tuples cannot be changed"),
])
def test_signature_mismatch_is_a_compile_error(sig, msg):
    import ptxforge as pf

    with pytest.raises(pf.CompileError, match=re.escape(msg)):
        pf.compile_ptx(_add_one, sig)
