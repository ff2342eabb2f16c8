"""Runs fuzz inputs in child processes and sorts the outcomes into bugs.

One child (fuzz/child.py) compiles input after input; it is replaced after
`batch` inputs, after a crash and after a hang. The bugs are:

- crash: the child died (a signal, an abort, LLVM's "LLVM ERROR" exit);
- hang: one input took more than `timeout` seconds;
- exception: a Python exception other than CompileError, TypeError, ValueError
  (and pybind11's "incompatible function arguments", which no check caught);
- malformed: a CompileError that does not start with file:line:col;
- internal: a CompileError saying "internal compiler error" (LLVM or the
  verifier caught what the front end should have);
- rejected: PTX that the assembler (nvJitLink, or ptxas) rejects.

Each bug is keyed by its kind and its message with numbers and quoted names
blanked, so that one cause found a thousand times counts once.
"""

import json
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "child.py")


def normalise(text):
    """The message's first meaningful line with numbers, names and paths blanked: a bug's key."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    keep = next((ln for ln in lines if "LLVM ERROR" in ln or "error   :" in ln), None)  # LLVM's, ptxas's
    if keep is None:
        keep = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else "")
    keep = keep.split("error   :", 1)[-1]
    keep = re.sub(r"/[\w./-]+", "<path>", keep)
    keep = re.sub(r"'[^']*'", "'X'", keep)
    keep = re.sub(r"%[\w.]+", "%R", keep)
    keep = re.sub(r"0x[0-9a-fA-F]+|\d+", "N", keep)
    return keep[:200]


class Bug:
    def __init__(self, kind, key, job, detail):
        self.kind, self.key, self.job, self.detail = kind, key, job, detail
        self.count = 1


def classify(job, answer):
    """(kind, detail) for an answer that shows a bug, else None."""
    outcome = answer.get("outcome")
    if outcome == "exception":
        return "exception", answer.get("trace") or answer["msg"]
    if outcome in ("type_error", "value_error") and "incompatible function arguments" in answer["msg"]:
        return "exception", "pybind11's " + answer["msg"]  # an argument the Python layer never checked
    if outcome == "compile_error":
        if "internal compiler error" in answer["msg"]:
            return "internal", answer["msg"]
        if not answer.get("well_formed", True):
            return "malformed", answer["msg"]
    if outcome == "ok" and answer.get("asm_error"):
        return "rejected", answer["asm_error"]
    return None


class Pool:
    """One child at a time; `run(job)` returns (answer or None, bug kind or None, detail)."""

    def __init__(self, workdir, timeout=20.0, batch=300, env=None, nice=0):
        self.workdir = workdir
        self.timeout = timeout
        self.batch = batch
        self.env = dict(env or os.environ)
        self.nice = nice
        self.proc = None
        self.done_in_child = 0
        self.restarts = 0
        self.stderr_path = os.path.join(workdir, "child.stderr")

    def _start(self):
        self.stop()
        self._stderr = open(self.stderr_path, "w+")
        preexec = (lambda: os.nice(self.nice)) if self.nice else None
        self.proc = subprocess.Popen([sys.executable, CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=self.env, text=True, bufsize=1,
                                     preexec_fn=preexec)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        self.done_in_child = 0
        self.restarts += 1

    def stop(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.selector.close()
            self._stderr.close()
            self.proc = None

    def _kill(self):
        self.proc.kill()
        self.proc.wait()
        self.selector.close()
        self._stderr.close()
        self.proc = None

    def _stderr_tail(self):
        with open(self.stderr_path, errors="replace") as f:
            text = f.read()
        return text.rsplit("@@job", 1)[-1].split("\n", 1)[-1][-4000:]

    def run(self, job):
        if self.proc is None or self.done_in_child >= self.batch:
            self._start()
        self.done_in_child += 1
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            pass
        deadline = time.monotonic() + self.timeout
        line = ""
        while not line:
            left = deadline - time.monotonic()
            if left <= 0:
                tail = self._stderr_tail()
                self._kill()
                return None, "hang", f"no answer in {self.timeout:.0f} s\n{tail}"
            if self.selector.select(timeout=left):
                line = self.proc.stdout.readline()
                if not line:  # EOF: the child died
                    status = self.proc.wait()
                    tail = self._stderr_tail()
                    self.selector.close()
                    self._stderr.close()
                    self.proc = None
                    why = f"signal {signal.Signals(-status).name}" if status < 0 else f"exit status {status}"
                    return None, "crash", f"{why}\n{tail}"
        answer = json.loads(line)
        found = classify(job, answer)
        return answer, found and found[0], found and found[1]


class Campaign:
    """Runs inputs, counts outcomes and keeps one reproducer per distinct bug."""

    def __init__(self, out_dir=None, timeout=20.0, batch=300, nice=0, ptxas_every=0, log=None):
        self.tmp = tempfile.mkdtemp(prefix="pf-fuzz-")
        self.out_dir = out_dir
        self.pool = Pool(self.tmp, timeout=timeout, batch=batch, nice=nice)
        self.bugs = {}
        self.outcomes = {}
        self.inputs = 0
        self.ptxas_every = ptxas_every
        self.ptxas = shutil.which("ptxas") or ("/usr/local/cuda/bin/ptxas"
                                               if os.access("/usr/local/cuda/bin/ptxas", os.X_OK) else None)
        self.log = log
        self.started = time.monotonic()
        self.slowest = (0.0, None)
        self.messages = {}  # normalised error messages of rejected inputs: how often each came

    def run(self, inp):
        """Runs one input (fuzz.gen.Input); returns the Bug it showed, if any."""
        self.inputs += 1
        path = os.path.join(self.tmp, f"input_{self.inputs}.py")
        with open(path, "w") as f:
            f.write(inp.source)
        job = {"id": self.inputs, "path": path, "func": inp.func, "sig": inp.sig, "cc": list(inp.cc)
               if isinstance(inp.cc, tuple) else inp.cc, "device": inp.device, "options": inp.options,
               "ptxas": self.ptxas if self.ptxas_every and self.inputs % self.ptxas_every == 0 else None}
        t0 = time.monotonic()
        answer, kind, detail = self.pool.run(job)
        took = time.monotonic() - t0
        if took > self.slowest[0]:
            self.slowest = (took, inp)
        outcome = answer["outcome"] if answer else kind
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if answer and outcome not in ("ok",):
            msg = f"{outcome}: {normalise(answer.get('msg', ''))}"
            self.messages[msg] = self.messages.get(msg, 0) + 1
        bug = None
        if kind:
            key = (kind, normalise(detail))
            bug = self.bugs.get(key)
            if bug is None:
                bug = self.bugs[key] = Bug(kind, key, inp, detail)
                self._save(bug, len(self.bugs))
                if self.log:
                    self.log(f"[{self.inputs}] NEW {kind}: {key[1]}  ({inp.origin})")
            else:
                bug.count += 1
        os.unlink(path)
        return bug

    def _save(self, bug, n):
        if not self.out_dir:
            return
        os.makedirs(self.out_dir, exist_ok=True)
        stem = os.path.join(self.out_dir, f"bug{n:03d}_{bug.kind}")
        with open(stem + ".py", "w") as f:
            f.write(bug.job.source)
        with open(stem + ".json", "w") as f:
            json.dump({"kind": bug.kind, "key": bug.key[1], "func": bug.job.func, "sig": bug.job.sig,
                       "cc": bug.job.cc, "device": bug.job.device, "options": bug.job.options,
                       "origin": bug.job.origin, "detail": bug.detail[-4000:]}, f, indent=1)

    def summary(self):
        elapsed = time.monotonic() - self.started
        return {"inputs": self.inputs, "seconds": round(elapsed, 1),
                "inputs_per_second": round(self.inputs / elapsed, 2) if elapsed else 0,
                "outcomes": self.outcomes, "child_starts": self.pool.restarts,
                "slowest_s": round(self.slowest[0], 2),
                "slowest_origin": self.slowest[1].origin if self.slowest[1] else None,
                "common_errors": sorted(self.messages.items(), key=lambda kv: -kv[1])[:25],
                "bugs": [{"kind": b.kind, "key": b.key[1], "count": b.count, "origin": b.job.origin}
                         for b in self.bugs.values()]}

    def close(self):
        self.pool.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)
