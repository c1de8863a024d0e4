// Issue 15: `import labtrack` (python/labtrack) in a training loop, measured as the TypeScript client
// is (bench/client.mjs): 100,000 log_metric calls from a tight loop under Debian's python3 against the
// real server — what each call costs the loop (it only queues), and how long until every point is on
// the server (flush() returned, then the metric history is read back and checked in step order).
import { spawn } from "node:child_process";
import { join } from "node:path";
import { sqliteBackend } from "./lib/backends.mjs";
import { loggingRows } from "./lib/logging-rows.mjs";
import { startServer } from "./lib/server.mjs";

const POINTS = 100_000;
const PYTHON = "/usr/bin/python3";

function check(condition, message) {
  if (!condition) throw new Error(`bench check failed: ${message}`);
}

/** Runs bench/python-client.py on the runs (the first one a warm-up); its JSON lines. */
function runPython(trackingUri, runIds) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(PYTHON, [join(import.meta.dirname, "python-client.py"), ...runIds], {
      env: { ...process.env, MLFLOW_TRACKING_URI: trackingUri },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`python3 exited with ${code}:\n${err}`));
      else
        resolveRun(
          out
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l)),
        );
    });
  });
}

export async function pythonClientSuite({ quick = false, backend } = {}) {
  const own = backend ? undefined : sqliteBackend();
  const store = await (backend ?? own).fresh("python-client");
  const server = await startServer(store.uri);
  const { RestClient } = await import("../lib/client/index.js");
  const client = new RestClient({ trackingUri: server.url });
  try {
    const exp = await client.createExperiment("bench-python-client");
    const runIds = [];
    for (let i = 0; i < (quick ? 2 : 4); i++)
      runIds.push((await client.createRun({ experimentId: exp, runName: `trial-${i}` })).info.run_id);
    // The first trial warms up the interpreter's caches and the server's write path.
    const results = await runPython(server.url, runIds);
    check(results.length === runIds.length, `python3 reported ${results.length} trials`);
    for (const r of results) {
      const history = await client.getMetricHistory(r.run_id, "loss");
      check(history.length === POINTS, `the server has ${history.length} points, expected ${POINTS}`);
      check(
        history.every((p, i) => p.step === i),
        "the points are on the server in step order",
      );
    }
    const trials = results.slice(1);
    return loggingRows(trials, {
      call: "log_metric",
      targetUs: 5,
      digits: 2,
      how: "log-batch calls of 1,000 points from a background thread, one in flight",
      quick,
    });
  } finally {
    await server.stop();
    await own?.destroy();
  }
}

// `node bench/python-client.mjs [--quick]` runs the suite alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await pythonClientSuite({ quick: process.argv.includes("--quick") });
  for (const r of rows)
    console.log(`${r.pass ? "✓" : "✗"} ${r.name}: ${r.value} (target ${r.target}; ${r.note})`);
}
