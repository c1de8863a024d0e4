// Issue 5: the fluent client's logMetric in a training loop. 100,000 points from a tight loop against
// the real server: what each call costs the loop (it only enqueues), and how long until every point
// is on the server (flush, then the metric history is read back and counted).
import { sqliteBackend } from "./lib/backends.mjs";
import { loggingRows } from "./lib/logging-rows.mjs";
import { startServer } from "./lib/server.mjs";
import { median } from "./lib/stats.mjs";

const POINTS = 100_000;
const CHUNK = 1000;

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)];

function check(condition, message) {
  if (!condition) throw new Error(`bench check failed: ${message}`);
}

/** One trial: a fresh run, 100,000 logMetric calls timed per chunk of 1,000, then flush and verify. */
async function trial(tracker, name) {
  const run = await tracker.startRun({ runName: name });
  const perCallUs = [];
  const start = process.hrtime.bigint();
  for (let c = 0; c < POINTS / CHUNK; c++) {
    const s = process.hrtime.bigint();
    for (let i = c * CHUNK, end = i + CHUNK; i < end; i++) tracker.logMetric("loss", 1 / (i + 1), i);
    perCallUs.push(Number(process.hrtime.bigint() - s) / 1000 / CHUNK);
  }
  const loopMs = Number(process.hrtime.bigint() - start) / 1e6;
  await tracker.flush();
  const onServerMs = Number(process.hrtime.bigint() - start) / 1e6;
  const history = await tracker.getMetricHistory(run.info.runId, "loss");
  check(history.length === POINTS, `the server has ${history.length} points, expected ${POINTS}`);
  check(
    history.every((p, i) => p.step === i),
    "the points are on the server in step order",
  );
  await tracker.endRun();
  perCallUs.sort((a, b) => a - b);
  return { median: median(perCallUs), p99: quantile(perCallUs, 0.99), loopMs, onServerMs };
}

export async function clientSuite({ quick = false, backend } = {}) {
  const own = backend ? undefined : sqliteBackend();
  const store = await (backend ?? own).fresh("client");
  const server = await startServer(store.uri);
  const { Tracker } = await import("../lib/client/index.js");
  const tracker = new Tracker({ trackingUri: server.url, env: {}, exitHook: false });
  try {
    await tracker.setExperiment("bench-client");
    // Warm-up: let the JIT compile the hot path and the server its write path.
    await trial(tracker, "warm-up");
    const trials = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) trials.push(await trial(tracker, `trial-${i}`));
    return loggingRows(trials, {
      call: "logMetric",
      targetUs: 2,
      digits: 3,
      how: "log-batch calls of 1,000 points, one in flight",
      quick,
    });
  } finally {
    tracker.close();
    await server.stop();
    await own?.destroy();
  }
}

// `node bench/client.mjs [--quick]` runs the suite alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await clientSuite({ quick: process.argv.includes("--quick") });
  for (const r of rows)
    console.log(`${r.pass ? "✓" : "✗"} ${r.name}: ${r.value} (target ${r.target}; ${r.note})`);
}
