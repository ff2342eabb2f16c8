"""A short run of the fuzzer (tests/python/fuzz/): generated and mutated kernels, each
compiled in a child process, must give no crash, hang, stray exception, malformed or
internal CompileError, or PTX the assembler rejects.

The seeds are fixed so that CI is repeatable; PTXFORGE_FUZZ_SEED and
PTXFORGE_FUZZ_INPUTS pick others. The long run is one command (README, "Developing").
"""

import json
import os

from fuzz import gen
from fuzz.pool import Campaign

INPUTS = int(os.environ.get("PTXFORGE_FUZZ_INPUTS", "1200"))
SEED = int(os.environ.get("PTXFORGE_FUZZ_SEED", "0"))


def test_short_fuzz_run(tmp_path):
    campaign = Campaign(str(tmp_path / "bugs"), timeout=20.0, batch=400, ptxas_every=50)
    try:
        for n in range(INPUTS):
            campaign.run(gen.make(SEED + n))
        summary = campaign.summary()
    finally:
        campaign.close()
    print(json.dumps({k: summary[k] for k in ("inputs", "seconds", "outcomes")}))
    assert summary["inputs"] == INPUTS
    assert summary["outcomes"].get("ok", 0) > INPUTS // 10, summary["outcomes"]  # the inputs reach the back end
    details = [f"{b.kind}: {b.key[1]}\n  reproduce: python3 tests/python/fuzz/run.py --replay "
               f"{b.job.origin.split(':')[0].split()[-1]}\n  {b.detail[-1500:]}" for b in campaign.bugs.values()]
    assert not details, "the fuzzer found bugs:\n" + "\n".join(details)
