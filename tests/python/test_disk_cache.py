"""The disk cache (compiler/KernelCache.cpp, ptxforge.cache): every part of the key,
entries that are corrupt, truncated or raced for, eviction, errors with a warm cache.

Compile-only: kernels are compiled to cubins for sm_90, no GPU needed. Each
test has its own empty cache directory (the ``cache_dir`` fixture).
"""

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import ptxforge as pf

SIG = "void(float32[::1])"


def outcome(func, sig=SIG, **options):
    """'hit' or 'miss': what a fresh kernel object of `func` found in the disk cache."""
    func = getattr(func, "py_func", func)
    before = pf.cache.stats()
    pf.kernel(**options)(func).compile(sig)
    after = pf.cache.stats()
    hits, misses = after["hits"] - before["hits"], after["misses"] - before["misses"]
    assert hits + misses == 1, (before, after)
    return "hit" if hits else "miss"


def entries(cache_dir):
    """The entry files under the cache directory."""
    return sorted(p for p in cache_dir.rglob("*") if p.is_file() and len(p.parent.name + p.name) == 64)


KERNEL = """
import ptxforge as pf

SCALE = 2.0

@pf.kernel
def k(a):
    i = pf.grid(1)
    if i < a.size:
        a[i] = a[i] * SCALE
"""


def test_a_second_kernel_object_hits_and_reads_what_was_compiled(cache_dir, make_module):
    m = make_module(KERNEL)
    assert outcome(m.k) == "miss"
    assert len(entries(cache_dir)) == 1
    assert outcome(m.k) == "hit"
    fresh = pf.kernel(m.k.py_func)
    assert fresh.inspect_ptx(SIG) == m.k.inspect_ptx(SIG)
    assert fresh.get_regs_per_thread(SIG) == m.k.get_regs_per_thread(SIG) > 0


def test_kernel_source_is_keyed(cache_dir, make_module):
    assert outcome(make_module(KERNEL).k) == "miss"
    assert outcome(make_module(KERNEL).k) == "hit"  # the same text in another file
    assert outcome(make_module(KERNEL.replace("a[i] * SCALE", "a[i] * SCALE + 1.0")).k) == "miss"
    assert outcome(make_module(KERNEL.replace("if i < a.size:", "if i < a.size:  # bounds")).k) == "miss"


def test_global_values_are_keyed(cache_dir, make_module):
    m = make_module(KERNEL)
    assert outcome(m.k) == "miss"
    m.SCALE = 3.0
    assert outcome(m.k) == "miss"
    m.SCALE = 2.0
    assert outcome(m.k) == "hit"
    m.SCALE = 2  # same value, another type: weak int, not weak float
    assert outcome(m.k) == "miss"


def test_a_global_named_like_a_parameter_or_local_is_not_keyed(cache_dir, make_module):
    # `a` and `i` are the kernel's own names: module globals that share them
    # neither reach the compiler nor change the key.
    m = make_module(KERNEL + "\nimport numpy as np\na = np.arange(1000.0)\ni = 5\n")
    assert outcome(m.k) == "miss"
    m.a = np.ones(7)
    m.i = object()
    assert outcome(m.k) == "hit"
    m.SCALE = 3.0
    assert outcome(m.k) == "miss"


def test_global_arrays_and_tuples_are_keyed_by_value(cache_dir, make_module):
    m = make_module("""
        import numpy as np
        import ptxforge as pf

        TABLE = np.arange(4, dtype=np.float32)
        SHAPE = (1, 2)

        @pf.kernel
        def k(a):
            i = pf.grid(1)
            if i < a.size:
                a[i] = TABLE[i % 4] + SHAPE[1]
        """)
    import numpy as np

    assert outcome(m.k) == "miss"
    m.TABLE = np.arange(4, dtype=np.float32)  # a new array, equal values
    assert outcome(m.k) == "hit"
    m.TABLE = np.arange(4, dtype=np.float32)[::-1].copy()
    assert outcome(m.k) == "miss"
    m.TABLE = np.arange(4, dtype=np.float64)
    assert outcome(m.k) == "miss"
    m.SHAPE = (1, 3)
    assert outcome(m.k) == "miss"


def test_closure_values_are_keyed(cache_dir, make_module):
    m = make_module("""
        import ptxforge as pf

        def make(c):
            @pf.kernel
            def k(a):
                a[0] = c
            return k
        """)
    assert outcome(m.make(1.5)) == "miss"
    assert outcome(m.make(2.5)) == "miss"
    assert outcome(m.make(1.5)) == "hit"
    assert outcome(m.make(2.5)) == "hit"


DEVICE = """
import ptxforge as pf

@pf.jit(device=True)
def inner(v):
    return v + 1.0

@pf.jit(device=True)
def outer(v):
    return inner(v) * 2.0

@pf.kernel
def k(a):
    a[0] = outer(a[0])
"""


def test_device_functions_are_keyed_transitively(cache_dir, make_module):
    assert outcome(make_module(DEVICE).k) == "miss"
    assert outcome(make_module(DEVICE).k) == "hit"
    assert outcome(make_module(DEVICE.replace("inner(v) * 2.0", "inner(v) * 3.0")).k) == "miss"
    assert outcome(make_module(DEVICE.replace("v + 1.0", "v + 2.0")).k) == "miss"  # two calls down
    m = make_module(DEVICE)
    assert outcome(m.k) == "hit"
    m.inner = m.outer  # what `outer` calls is a global too
    with pytest.raises(pf.CompileError, match="recurs"):
        m.k.compile(SIG)


def test_device_function_globals_are_keyed(cache_dir, make_module):
    source = DEVICE.replace("v + 1.0", "v + OFFSET").replace("import ptxforge as pf",
                                                             "import ptxforge as pf\nOFFSET = 1.0")
    m = make_module(source)
    assert outcome(m.k) == "miss"
    m.OFFSET = 4.0
    assert outcome(m.k) == "miss"
    m.OFFSET = 1.0
    assert outcome(m.k) == "hit"


def test_signature_options_and_target_are_keyed(cache_dir, make_module):
    m = make_module(KERNEL)
    assert outcome(m.k) == "miss"
    assert outcome(m.k, "void(float64[::1])") == "miss"
    assert outcome(m.k, "void(float32[:])") == "miss"
    assert outcome(m.k, fastmath=True) == "miss"
    assert outcome(m.k, lineinfo=True) == "miss"
    assert outcome(m.k, max_registers=32) == "miss"
    assert outcome(m.k, launch_bounds=128) == "miss"
    assert outcome(m.k, opt=False) == "miss"
    assert outcome(m.k, fma=False) == "miss"
    assert outcome(m.k, fastmath=True) == "hit"
    d = pf.kernel(m.k.py_func)
    types = d._types_of_signature(SIG)
    assert d._compile(types, (8, 0), "cubin").artifacts.from_cache is False  # another target arch
    assert d._compile(types, (9, 0), "cubin").artifacts.from_cache is True


def test_moving_a_kernel_keeps_its_entry_unless_lines_are_recorded(cache_dir, make_module):
    assert outcome(make_module(KERNEL).k) == "miss"
    assert outcome(make_module("\n\n# a comment above\n" + KERNEL).k) == "hit"
    assert outcome(make_module(KERNEL).k, lineinfo=True) == "miss"
    assert outcome(make_module("\n\n" + KERNEL).k, lineinfo=True) == "miss"  # the line tables differ


def test_indentation_is_not_keyed(cache_dir, make_module):
    assert outcome(make_module(KERNEL).k) == "miss"
    nested = make_module("import ptxforge as pf\nSCALE = 2.0\n\nclass Holder:\n"
                         + textwrap.indent(KERNEL.split("SCALE = 2.0", 1)[1], "    "))
    assert outcome(nested.Holder.k) == "hit"


def test_adding_a_kernel_to_a_file_recompiles_nothing_else(cache_dir, make_module):
    assert outcome(make_module(KERNEL).k) == "miss"
    grown = make_module(KERNEL + "\n@pf.kernel\ndef k2(a):\n    a[0] = 1.0\n")
    assert outcome(grown.k) == "hit"
    assert outcome(grown.k2) == "miss"


def test_the_compiler_build_is_keyed():
    identity = pf._core.compiler_identity()
    assert "LLVM 19" in identity and "; build " in identity
    build = identity.split("; build ")[1].split(";")[0]
    assert len(build) >= 16 and all(c in "0123456789abcdef" for c in build), identity


def test_cache_false_and_the_environment_turn_it_off(cache_dir, make_module, monkeypatch):
    m = make_module(KERNEL)
    before = pf.cache.stats()
    pf.kernel(cache=False)(m.k.py_func).compile(SIG)
    monkeypatch.setenv("PTXFORGE_CACHE", "0")
    pf.kernel(m.k.py_func).compile(SIG)
    after = pf.cache.stats()
    assert after["compiles"] - before["compiles"] == 2
    assert after["hits"] == before["hits"] and after["stores"] == before["stores"]
    assert entries(cache_dir) == []
    assert pf.cache.info()["enabled"] is False


def test_compile_ptx_always_compiles(cache_dir, make_module):
    m = make_module(KERNEL)
    m.k.compile(SIG)
    before = pf.cache.stats()
    pf.compile_ptx(m.k, SIG)
    assert pf.cache.stats()["compiles"] == before["compiles"] + 1


def test_inspecting_ir_compiles_and_a_ptx_request_reads_the_entry(cache_dir, make_module):
    m = make_module(KERNEL)
    m.k.compile(SIG)
    assert "define" in pf.kernel(m.k.py_func).inspect_llvm(SIG)  # the IR is not stored: compiled
    assert outcome(m.k) == "hit"
    d = pf.kernel(m.k.py_func)
    before = pf.cache.stats()
    assert ".entry k" in d.inspect_ptx(SIG)
    assert pf.cache.stats()["hits"] == before["hits"] + 1


# -- errors are raised every time (NVIDIA/warp#1711, #1713) -------------------------

BAD = KERNEL.replace("a[i] * SCALE", "a[i] * undefined_name")


def test_a_compile_error_is_raised_on_every_attempt(cache_dir, make_module):
    m = make_module(BAD)
    for _ in range(3):
        with pytest.raises(pf.CompileError, match="undefined_name"):
            m.k.compile(SIG)
    with pytest.raises(pf.CompileError, match="undefined_name"):
        pf.kernel(m.k.py_func).compile(SIG)
    assert entries(cache_dir) == []


def test_an_edit_that_breaks_a_cached_kernel_raises(cache_dir, make_module):
    assert outcome(make_module(KERNEL).k) == "miss"
    with pytest.raises(pf.CompileError, match="undefined_name"):
        make_module(BAD).k.compile(SIG)
    m = make_module(KERNEL)
    m.SCALE = "a string"  # a global that no longer has a device meaning
    with pytest.raises(pf.CompileError, match="SCALE"):
        m.k.compile(SIG)
    m.SCALE = 2.0
    assert outcome(m.k) == "hit"


def test_errors_are_raised_in_fresh_processes_with_a_warm_cache(cache_dir, tmp_path):
    good = tmp_path / "good.py"
    good.write_text(KERNEL)
    bad = tmp_path / "bad.py"
    bad.write_text(BAD.replace("SCALE = 2.0", "SCALE = 2.0\nUNUSED = 1"))
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import ptxforge as pf
        import good, bad
        good.k.compile({SIG!r})
        try:
            bad.k.compile({SIG!r})
        except pf.CompileError as e:
            print("error:", str(e).splitlines()[0])
        print(pf.cache.stats())
        """)
    for run in range(2):
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=os.environ)
        assert out.returncode == 0, out.stderr
        assert "error:" in out.stdout and "undefined_name" in out.stdout, out.stdout
        stats = eval(out.stdout.strip().splitlines()[-1])
        assert stats["hits"] == run  # the good kernel: compiled, then read
        assert stats["compiles"] == (2 if run == 0 else 1)  # the bad one is compiled (and fails) every time


# -- damaged entries -------------------------------------------------------------------


def damage_and_reload(cache_dir, make_module, damage):
    m = make_module(KERNEL)
    ptx = m.k.inspect_ptx(SIG)
    m.k.compile(SIG)
    (entry,) = entries(cache_dir)
    damage(entry)
    d = pf.kernel(m.k.py_func)
    before = pf.cache.stats()
    with pytest.warns(pf.cache.CacheWarning, match="was not loaded") as caught:
        d.compile(SIG)
    after = pf.cache.stats()
    assert after["corrupt"] == before["corrupt"] + 1 and after["compiles"] == before["compiles"] + 1
    assert str(entry) in str(caught[0].message)
    assert d.inspect_ptx(SIG) == ptx
    with warnings.catch_warnings():  # the entry was written again, whole
        warnings.simplefilter("error")
        assert outcome(m.k) == "hit"


def test_a_corrupt_entry_warns_and_recompiles(cache_dir, make_module):
    def flip(path):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0x40
        path.write_bytes(bytes(data))

    damage_and_reload(cache_dir, make_module, flip)


def test_a_truncated_entry_warns_and_recompiles(cache_dir, make_module):
    def truncate(path):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) * 2 // 3])

    damage_and_reload(cache_dir, make_module, truncate)


@pytest.mark.parametrize("content", [b"", b"PFKC", b"not an entry at all" * 10])
def test_a_foreign_or_empty_file_warns_and_recompiles(cache_dir, make_module, content):
    damage_and_reload(cache_dir, make_module, lambda path: path.write_bytes(content))


def test_an_entry_under_another_key_is_not_read(cache_dir, make_module):
    a = make_module(KERNEL)
    a.k.compile(SIG)
    (first,) = entries(cache_dir)
    b = make_module(KERNEL.replace("SCALE = 2.0", "SCALE = 5.0"))
    b.k.compile(SIG)
    second = next(p for p in entries(cache_dir) if p != first)
    second.write_bytes(first.read_bytes())  # a valid entry, but for another kernel
    with pytest.warns(pf.cache.CacheWarning, match="another key"):
        pf.kernel(b.k.py_func).compile(SIG)


def test_an_unwritable_cache_warns_and_still_compiles(tmp_path, make_module, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("PTXFORGE_CACHE_DIR", str(blocker / "cache"))  # a directory under a file
    m = make_module(KERNEL)
    with pytest.warns(pf.cache.CacheWarning, match="cannot be created"):
        m.k.compile(SIG)
    assert m.k.get_regs_per_thread(SIG) > 0


# -- processes at once, and eviction ---------------------------------------------------

RACE = """
import sys
sys.path.insert(0, sys.argv[1])
import ptxforge as pf
import racer
sys.stdin.readline()  # start together
racer.k.compile({sig!r})
print(pf.cache.stats()["stores"])
"""


def test_processes_writing_the_same_entry_at_once(cache_dir, tmp_path):
    (tmp_path / "racer.py").write_text(KERNEL)
    procs = [subprocess.Popen([sys.executable, "-c", RACE.format(sig=SIG), str(tmp_path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ)
             for _ in range(6)]
    for p in procs:  # all imported; now all compile
        p.stdin.write("go\n")
        p.stdin.flush()
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [r[1] for r in results]
    assert sum(int(out.split()[-1]) for out, _ in results) >= 1
    assert len(entries(cache_dir)) == 1  # one entry, no temporary files left
    assert not [p for p in cache_dir.rglob(".tmp-*")]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        import importlib.util

        spec = importlib.util.spec_from_file_location("racer_again", tmp_path / "racer.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert outcome(module.k) == "hit"


def test_least_recently_used_entries_are_evicted(cache_dir, make_module, monkeypatch):
    kernels = [make_module(KERNEL.replace("SCALE = 2.0", f"SCALE = {i}.5")).k for i in range(4)]
    for k in kernels[:3]:
        k.compile(SIG)
    files = entries(cache_dir)
    size = max(p.stat().st_size for p in files)
    # Age the three entries in order 0, 1, 2 (0 oldest), then use kernel 0: 1 is now the oldest.
    order = sorted(files, key=lambda p: p.stat().st_mtime_ns)
    for age, path in enumerate(order):
        os.utime(path, (1_000_000 + age, 1_000_000 + age))
    by_kernel = dict(enumerate(order))
    assert outcome(kernels[0]) == "hit"
    assert by_kernel[0].stat().st_mtime > 2_000_000  # a hit refreshes the entry
    monkeypatch.setenv("PTXFORGE_CACHE_SIZE", str(int(size * 3.5)))
    kernels[3].compile(SIG)  # four entries do not fit: the least recently used go, down to 80%
    left = entries(cache_dir)
    assert by_kernel[1] not in left and by_kernel[0] in left and len(left) == 2
    assert sum(p.stat().st_size for p in left) <= size * 3.5
    assert outcome(kernels[0]) == "hit" and outcome(kernels[1]) == "miss"


def test_eviction_keeps_the_cache_under_its_bound(cache_dir, make_module, monkeypatch):
    monkeypatch.setenv("PTXFORGE_CACHE_SIZE", "40K")
    for i in range(12):
        make_module(KERNEL.replace("SCALE = 2.0", f"SCALE = {i}.25")).k.compile(SIG)
        assert sum(p.stat().st_size for p in entries(cache_dir)) <= 40 * 1024
    assert len(entries(cache_dir)) >= 2


# -- the command line ------------------------------------------------------------------


def test_cache_info_and_clear(cache_dir, make_module, tmp_path):
    make_module(KERNEL).k.compile(SIG)
    junk = cache_dir / "not-ours.txt"
    junk.write_text("a user's file")

    def run(*args):
        return subprocess.run([sys.executable, "-m", "ptxforge", "cache", *args], capture_output=True, text=True,
                              env=os.environ, check=False)

    info = run("info")
    assert info.returncode == 0, info.stderr
    assert str(cache_dir) in info.stdout and "entries:    1" in info.stdout
    cleared = run("clear")
    assert cleared.returncode == 0 and "removed 1 cached kernel " in cleared.stdout
    assert entries(cache_dir) == [] and junk.read_text() == "a user's file"
    assert "entries:    0" in run("info").stdout


def test_cache_size_is_read_with_units(monkeypatch):
    for text, value in [("1000", 1000), ("64K", 64 << 10), ("1.5M", 3 << 19), ("2g", 2 << 30)]:
        monkeypatch.setenv("PTXFORGE_CACHE_SIZE", text)
        assert pf.cache.max_bytes() == value
    monkeypatch.setenv("PTXFORGE_CACHE_SIZE", "lots")
    with pytest.raises(ValueError, match="PTXFORGE_CACHE_SIZE"):
        pf.cache.max_bytes()


def test_the_default_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("PTXFORGE_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert pf.cache.directory() == str(tmp_path / "ptxforge")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert pf.cache.directory() == str(tmp_path / ".cache" / "ptxforge")
