"""Issue 15's Python figures, run by bench/python-client.mjs under Debian's python3: 100,000
labtrack.log_metric calls from a tight loop, timed per chunk of 1,000 with perf_counter_ns, then
flush(); one JSON line per trial on stdout. argv: one run id per trial (the first is a warm-up)."""

import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import labtrack  # noqa: E402

POINTS = 100_000
CHUNK = 1000


def trial(run_id):
    os.environ["MLFLOW_RUN_ID"] = run_id  # as %%track sets it: the default run, read at each call
    log_metric = labtrack.log_metric
    per_call_us = []
    start = time.perf_counter_ns()
    for c in range(POINTS // CHUNK):
        s = time.perf_counter_ns()
        for i in range(c * CHUNK, (c + 1) * CHUNK):
            log_metric("loss", 1 / (i + 1), step=i)
        per_call_us.append((time.perf_counter_ns() - s) / 1000 / CHUNK)
    loop_ms = (time.perf_counter_ns() - start) / 1e6
    labtrack.flush()
    on_server_ms = (time.perf_counter_ns() - start) / 1e6
    per_call_us.sort()
    return {
        "run_id": run_id,
        "median": per_call_us[len(per_call_us) // 2],
        "p99": per_call_us[min(len(per_call_us) - 1, math.ceil(len(per_call_us) * 0.99) - 1)],
        "loopMs": loop_ms,
        "onServerMs": on_server_ms,
    }


for run in sys.argv[1:]:
    print(json.dumps(trial(run)), flush=True)
