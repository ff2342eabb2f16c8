"""Runs the fuzzer: ``python3 tests/python/fuzz/run.py --inputs 100000 --out fuzz-out``.

Inputs come from fuzz/gen.py, one per seed (``--seed`` is the first); each runs
in a child process (fuzz/pool.py). Prints a line per new bug and a progress
line every ``--every`` inputs; writes each distinct bug's reproducer (a .py and
a .json naming function, signature, capability and options) and summary.json
to ``--out``. ``--replay SEED`` runs one input and prints it. Exits 1 when a
bug was found.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fuzz import gen  # noqa: E402
from fuzz.pool import Campaign  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--inputs", type=int, default=1000, help="how many inputs (default 1000)")
    p.add_argument("--seconds", type=float, default=None, help="stop after this long")
    p.add_argument("--seed", type=int, default=0, help="the first input's seed")
    p.add_argument("--out", default=None, help="folder for reproducers and summary.json")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds before an input counts as a hang")
    p.add_argument("--batch", type=int, default=300, help="inputs per child process")
    p.add_argument("--ptxas-every", type=int, default=25, help="also run a ptxas process on every Nth PTX")
    p.add_argument("--nice", type=int, default=0, help="niceness of the child processes")
    p.add_argument("--every", type=int, default=1000, help="progress line every N inputs")
    p.add_argument("--replay", type=int, default=None, help="run the input of this seed alone and show it")
    args = p.parse_args(argv)

    log = lambda msg: print(msg, flush=True)  # noqa: E731
    campaign = Campaign(args.out, timeout=args.timeout, batch=args.batch, nice=args.nice,
                        ptxas_every=args.ptxas_every, log=log)
    try:
        if args.replay is not None:
            inp = gen.make(args.replay)
            print(f"# {inp.origin}\n# func {inp.func}, sig {inp.sig!r}, cc {inp.cc}, device {inp.device}, "
                  f"options {inp.options}\n{inp.source}")
            bug = campaign.run(inp)
            print(json.dumps(campaign.summary()["outcomes"]), bug.detail if bug else "no bug")
            return 1 if bug else 0
        deadline = time.monotonic() + args.seconds if args.seconds else None
        for n in range(args.inputs):
            if deadline and time.monotonic() > deadline:
                break
            campaign.run(gen.make(args.seed + n))
            if (n + 1) % args.every == 0:
                s = campaign.summary()
                log(f"{s['inputs']} inputs, {s['seconds']} s, {s['inputs_per_second']}/s, "
                    f"{len(s['bugs'])} bugs, outcomes {s['outcomes']}")
        summary = campaign.summary()
        summary["first_seed"] = args.seed
        log(json.dumps(summary, indent=1))
        if args.out:
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, "summary.json"), "w") as f:
                json.dump(summary, f, indent=1)
        return 1 if summary["bugs"] else 0
    finally:
        campaign.close()


if __name__ == "__main__":
    sys.exit(main())
