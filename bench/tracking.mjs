// The tracking-server workloads of issue 3, against one backend (SQLite; PostgreSQL side by side).
// Every workload checks what the server answered (counts, and for searches the exact runs in the exact
// order, computed here from the data the bench wrote), so a fast wrong answer cannot pass.
import { client } from "./lib/http.mjs";
import { table } from "./lib/report.mjs";
import { logRunOverHttp, scaleRun, seededRunId, seedRuns, verifySeed } from "./lib/seed.mjs";
import { startServer } from "./lib/server.mjs";
import { fmtMs, median, p95, repeat, sample, time } from "./lib/stats.mjs";

const ts = () => Date.now();

function check(condition, message) {
  if (!condition) throw new Error(`bench check failed: ${message}`);
}

/** Expected order of runs/search: by metric value DESC, then start_time DESC, then run id. */
const byMetricDesc = (key) => (a, b) =>
  b.metrics[key] - a.metrics[key] || b.startTime - a.startTime || (a.id < b.id ? -1 : 1);

/** Checks a runs/search answer against the expected runs (ids in order). */
function checkRuns(answer, expected, what) {
  const got = (answer.runs ?? []).map((r) => r.info.run_id);
  check(got.length === expected.length, `${what}: ${got.length} runs returned, expected ${expected.length}`);
  const at = got.findIndex((id, i) => id !== expected[i]);
  check(at < 0, `${what}: run #${at} is ${got[at]}, expected ${expected[at]}`);
}

const logMetric = (api, runId, i) =>
  api.post("/runs/log-metric", { run_id: runId, key: "loss", value: i / 7, timestamp: ts(), step: i });

async function historyLength(api, runId, key) {
  const h = await api.get("/metrics/get-history", { run_id: runId, metric_key: key, max_results: 100_000 });
  return h.metrics?.length ?? 0;
}

export async function trackingSuite({ backend, quick, log = () => {} }) {
  const rows = [];
  const reps = quick ? 2 : 3;
  const samples = quick ? 10 : 30;
  const add = (row) => {
    rows.push(row);
    log(row);
  };
  /** A sequential workload of `n` calls, repeated; reported per `full` calls (scaled in --quick). */
  const sequential = (name, mlflow, target, limitMs, full, n, times) => {
    const scaled = times.map((ms) => (ms * full) / n);
    const value = median(scaled);
    const scaleNote = n === full ? "" : `; ${n} calls measured, scaled to ${full}`;
    add({
      name,
      mlflow,
      target,
      value,
      unit: "ms",
      pass: value <= limitMs,
      note: `median of ${reps}, range ${fmtMs(scaled[0])}–${fmtMs(scaled.at(-1))}${scaleNote}`,
    });
  };
  const sampled = (name, mlflow, target, limitMs, times, extra = "") =>
    add({
      name,
      mlflow,
      target,
      value: median(times),
      unit: "ms",
      pass: median(times) <= limitMs,
      note: `median of ${times.length}, p95 ${fmtMs(p95(times))}${extra}`,
    });

  // ------------------------------------------------------------ workloads on a fresh store
  const store = await backend.fresh("tracking");
  const server = await startServer(store.uri);
  const api = client(server.url);
  try {
    const exp = (await api.post("/experiments/create", { name: "bench" })).experiment_id;
    const newRun = async () => (await api.post("/runs/create", { experiment_id: exp })).run.info.run_id;
    // Warm-up: the first calls of a process compile code paths and fill caches.
    const warm = await newRun();
    for (let i = 0; i < 200; i++) await logMetric(api, warm, i);

    const nRuns = quick ? 200 : 1000;
    const creates = await repeat(reps, async () => {
      let last;
      const ms = await time(async () => {
        for (let i = 0; i < nRuns; i++)
          last = await api.post("/runs/create", { experiment_id: exp, start_time: ts() });
      });
      check(/^[0-9a-f]{32}$/.test(last.run.info.run_id), "runs/create answers a run");
      return ms;
    });
    sequential("1,000 sequential runs/create", "10.6–11.4 s", "≤ 1 s", 1000, 1000, nRuns, creates);

    const nMetric = quick ? 400 : 2000;
    const logs = await repeat(reps, async () => {
      const run = await newRun();
      const ms = await time(async () => {
        for (let i = 0; i < nMetric; i++) await logMetric(api, run, i);
      });
      check((await historyLength(api, run, "loss")) === nMetric, "every logged metric is in the history");
      return ms;
    });
    sequential("2,000 sequential log-metric", "11.9–13.0 s", "≤ 1.2 s", 1200, 2000, nMetric, logs);

    const nBatches = quick ? 10 : 50;
    const batches = await repeat(reps, async () => {
      const run = await newRun();
      const bodies = Array.from({ length: nBatches }, (_, b) => ({
        run_id: run,
        metrics: Array.from({ length: 1000 }, (_, i) => ({
          key: `m${i % 10}`,
          value: Math.random(),
          timestamp: ts(),
          step: b * 100 + Math.floor(i / 10),
        })),
      }));
      const ms = await time(async () => {
        for (const body of bodies) await api.post("/runs/log-batch", body);
      });
      check((await historyLength(api, run, "m3")) === nBatches * 100, "log-batch wrote every point");
      return ms;
    });
    sequential("50 log-batch calls of 1,000 metrics", "4.7–4.9 s", "≤ 0.45 s", 450, 50, nBatches, batches);

    const nPT = quick ? 20 : 100;
    const paramBatches = await repeat(reps, async () => {
      const runs = [];
      for (let b = 0; b < nPT; b++) runs.push(await newRun());
      const bodies = runs.map((run, b) => ({
        run_id: run,
        params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: String(i) })),
        tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: String(b) })),
      }));
      const ms = await time(async () => {
        for (const body of bodies) await api.post("/runs/log-batch", body);
      });
      const run = (await api.get("/runs/get", { run_id: runs.at(-1) })).run;
      check(run.data.params.length === 100, "100 params stored");
      check(run.data.tags.length === 101, "100 tags stored (plus mlflow.runName)");
      return ms;
    });
    sequential(
      "100 log-batch calls of 100 params + 100 tags",
      "3.3–3.7 s",
      "≤ 0.33 s",
      330,
      100,
      nPT,
      paramBatches,
    );

    const histRun = await newRun();
    for (let b = 0; b < 10; b++) {
      const metrics = Array.from({ length: 1000 }, (_, i) => ({
        key: "curve",
        value: Math.random(),
        timestamp: ts(),
        step: b * 1000 + i,
      }));
      await api.post("/runs/log-batch", { run_id: histRun, metrics });
    }
    let points = 0;
    const hist = await sample(samples, async () => {
      const h = await api.get("/metrics/get-history", { run_id: histRun, metric_key: "curve" });
      points = h.metrics?.length ?? 0;
    });
    check(points === 10_000, `get-history returned ${points} points, expected 10,000`);
    sampled("get-history of a 10,000-point metric", "0.48–0.56 s", "≤ 40 ms", 40, hist);

    // 1,000 runs (10 params, 10 metrics, 5 tags each) logged through the API by 4 clients.
    const searchExp = (await api.post("/experiments/create", { name: "search-1k" })).experiment_id;
    const logged = new Array(1000);
    await Promise.all(
      Array.from({ length: 4 }, async (_, w) => {
        for (let i = w; i < 1000; i += 4) logged[i] = await logRunOverHttp(api, searchExp, i);
      }),
    );
    const known = logged.map((id, i) => {
      const run = scaleRun(i);
      return {
        id,
        startTime: run.startTime,
        params: Object.fromEntries(run.params.map((p) => [p.key, p.value])),
        metrics: Object.fromEntries(run.metrics.map((m) => [m.key, m.value])),
      };
    });
    const filtered = {
      experiment_ids: [searchExp],
      filter: "params.p4 = '0' and metrics.m0 > 0.2",
      order_by: ["metrics.m1 DESC"],
      max_results: 100,
    };
    const expected = known
      .filter((r) => r.params.p4 === "0" && r.metrics.m0 > 0.2)
      .sort(byMetricDesc("m1"))
      .slice(0, 100)
      .map((r) => r.id);
    checkRuns(await api.post("/runs/search", filtered), expected, "filtered search over 1,000 runs");
    sampled(
      "filtered, ordered runs/search over 1,000 runs",
      "126–131 ms",
      "≤ 10 ms",
      10,
      await sample(samples, () => api.post("/runs/search", filtered)),
      `; \`${filtered.filter}\` by \`${filtered.order_by[0]}\`, ${expected.length} runs`,
    );
    const everything = { experiment_ids: [searchExp], max_results: 1000 };
    const allExpected = [...known]
      .sort((a, b) => b.startTime - a.startTime || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    const all = await api.post("/runs/search", everything);
    checkRuns(all, allExpected, "search returning 1,000 runs");
    check(
      all.runs.every((r) => r.data.params.length === 10 && r.data.metrics.length === 10),
      "runs come with their data",
    );
    sampled(
      "runs/search returning 1,000 runs",
      "1.39 s",
      "≤ 100 ms",
      100,
      await sample(quick ? 5 : 15, () => api.post("/runs/search", everything)),
      `; ${(JSON.stringify(all).length / 2 ** 20).toFixed(1)} MB of JSON`,
    );

    // 4 clients, each on its own keep-alive connection, logging to its own run as fast as it can.
    const per = quick ? 500 : 2500;
    const clients = Array.from({ length: 4 }, () => client(server.url, { connections: 1 }));
    const rates = await repeat(reps, async () => {
      const runs = await Promise.all(clients.map(async () => newRun()));
      await Promise.all(clients.map((c, k) => logMetric(c, runs[k], 0)));
      const ms = await time(() =>
        Promise.all(
          clients.map(async (c, k) => {
            for (let i = 1; i <= per; i++) await logMetric(c, runs[k], i);
          }),
        ),
      );
      for (const run of runs) check((await historyLength(api, run, "loss")) === per + 1, "concurrent writes");
      return (4 * per) / (ms / 1000);
    });
    for (const c of clients) c.close();
    const rps = median(rates);
    add({
      name: "log-metric from 4 concurrent clients",
      mlflow: "180 req/s",
      target: "≥ 1,800 req/s",
      value: rps,
      unit: "req/s",
      pass: rps >= 1800,
      note: `median of ${reps}, range ${Math.round(rates[0]).toLocaleString("en")}–${Math.round(rates.at(-1)).toLocaleString("en")} req/s; ${per} calls per client`,
    });
    const mem = server.memory();
    add({
      name: "server memory after these workloads",
      mlflow: "–",
      target: "–",
      value: mem.peakMb,
      unit: "MB",
      pass: null,
      note: `peak (VmHWM); RSS now ${mem.rssMb.toFixed(0)} MB`,
    });
  } finally {
    api.close();
    await server.stop();
  }

  // ------------------------------------------------------------ scale: 100,000 runs in one experiment
  const nScale = quick ? 10_000 : 100_000;
  const of = `of ${nScale.toLocaleString("en")} runs`;
  const big = await backend.fresh("scale");
  let experimentId;
  const seedMs = await time(async () => {
    experimentId = await seedRuns(big.location, { runs: nScale });
  });
  const scaleServer = await startServer(big.uri);
  const scaleApi = client(scaleServer.url);
  try {
    const known = Array.from({ length: nScale }, (_, i) => {
      const run = scaleRun(i);
      return {
        id: seededRunId(i),
        startTime: run.startTime,
        p0: run.params[0].value,
        metrics: Object.fromEntries(run.metrics.map((m) => [m.key, m.value])),
      };
    });
    const searches = [
      {
        name: `filtered search ordered by a metric, top 100 ${of}`,
        filter: "params.p0 = '7' and metrics.m0 > 0.5",
        keep: (r) => r.p0 === "7" && r.metrics.m0 > 0.5,
      },
      {
        name: `same, broad filter (half the runs match) ${of}`,
        filter: "metrics.m0 > 0.5",
        keep: (r) => r.metrics.m0 > 0.5,
      },
      {
        name: `same, rare metric filter (0.1% match) ${of}`,
        filter: "metrics.m0 > 0.999",
        keep: (r) => r.metrics.m0 > 0.999,
      },
    ];
    for (const s of searches) {
      const body = {
        experiment_ids: [experimentId],
        filter: s.filter,
        order_by: ["metrics.m1 DESC"],
        max_results: 100,
      };
      const want = known.filter(s.keep).sort(byMetricDesc("m1")).slice(0, 100);
      let answer;
      const first = await time(async () => {
        answer = await scaleApi.post("/runs/search", body);
      });
      checkRuns(
        answer,
        want.map((r) => r.id),
        s.name,
      );
      s.matched = want.length;
      sampled(
        s.name,
        "–",
        "≤ 50 ms",
        50,
        await sample(samples, () => scaleApi.post("/runs/search", body)),
        `; \`${s.filter}\` by \`metrics.m1 DESC\` (${s.matched} returned); first (cold) call ${fmtMs(first)}`,
      );
    }
    const firstPage = { experiment_ids: [experimentId], max_results: 100 };
    const newest = known
      .slice(-1000)
      .sort((a, b) => b.startTime - a.startTime || (a.id < b.id ? -1 : 1))
      .map((r) => r.id);
    checkRuns(await scaleApi.post("/runs/search", firstPage), newest.slice(0, 100), "first page");
    const page = await sample(samples, () => scaleApi.post("/runs/search", firstPage));
    add({
      name: `first page (100 runs, default order) ${of}`,
      mlflow: "–",
      target: "–",
      value: median(page),
      unit: "ms",
      pass: null,
      note: `median of ${page.length}, p95 ${fmtMs(p95(page))}`,
    });
    const big1000 = { experiment_ids: [experimentId], max_results: 1000 };
    checkRuns(await scaleApi.post("/runs/search", big1000), newest, "1,000 runs");
    const thousand = await sample(quick ? 5 : 10, () => scaleApi.post("/runs/search", big1000));
    add({
      name: `1,000 runs (default order) ${of}`,
      mlflow: "–",
      target: "–",
      value: median(thousand),
      unit: "ms",
      pass: null,
      note: `median of ${thousand.length}, p95 ${fmtMs(p95(thousand))}`,
    });
    const mem = scaleServer.memory();
    add({
      name: `server memory with ${nScale.toLocaleString("en")} runs`,
      mlflow: "–",
      target: "< 200 MB",
      value: mem.peakMb,
      unit: "MB",
      pass: mem.peakMb < 200,
      note: `peak RSS (VmHWM) over start-up and every search above; RSS now ${mem.rssMb.toFixed(0)} MB; seeded in ${(seedMs / 1000).toFixed(1)} s`,
    });
    // Last, so that its writes do not touch the figures: the seeded rows are what the API writes.
    await verifySeed(scaleApi, 3);
  } finally {
    scaleApi.close();
    await scaleServer.stop();
  }
  return rows;
}

/** What profiling found behind a miss (EXPLAIN QUERY PLAN, --cpu-prof, strace), by row name prefix. */
const KNOWN_CAUSES = {
  "50 log-batch calls of 1,000 metrics":
    "each call is ~9 ms at the server on a quiet machine (--cpu-prof, 2026-12-07): ~5 ms SQLite inserting 1,000 history rows under their 9-column unique index (one prepared single-row statement per row; a 500-row VALUES statement cost ~25% more) and the 10 latest values, ~1 ms the commit, the rest the 80 kB body decoded, checked and made into rows. On a busy machine the row moves 450–850 ms.",
  "100 log-batch calls of 100 params":
    "each call dirties ~250 B-tree pages (one leaf per key in the (key, value) indexes of params and tags), so its commit writes ~1 MB of WAL, two pwrite calls per page; the commit is most of the time (--cpu-prof: COMMIT 1.8 ms of ~3 ms per call). The WAL is checkpointed every 10,000 pages to keep checkpoints off most requests.",
  "same, broad filter":
    "the plan walks all runs of the experiment (runs_search_default), looks up m0 and m1 in latest_metrics for each and sorts the ~50,000 matches (EXPLAIN: SEARCH r USING COVERING INDEX runs_search_default; CORRELATED SCALAR SUBQUERY; USE TEMP B-TREE FOR ORDER BY). Walking latest_metrics_key_value for m1 in value order and stopping at 100 matches answers in 0.5 ms (hand-written, forced with INDEXED BY / CROSS JOIN) — a compiler change in src/search: the NaN and missing-metric tail must come after, and the walk must not be chosen for rare filters.",
  "same, rare metric filter":
    "metric comparisons compile to a correlated EXISTS per run, so a range matching 110 runs still visits all 100,000. Written as `r.run_uuid IN (SELECT run_uuid FROM latest_metrics WHERE key = ? AND value > ? AND is_nan = 0)` SQLite starts from latest_metrics_key_value: 0.4 ms (PostgreSQL's planner finds that plan by itself). The same rewrite is 2× slower for the broad filter, so src/search should choose by selectivity: counting the index range costs ≤ 2.5 ms at 100,000 runs.",
};

const fmt = (row) =>
  row.unit === "ms" ? fmtMs(row.value) : `${Math.round(row.value).toLocaleString("en")} ${row.unit}`;
const verdict = (row) => (row.pass === null ? "–" : row.pass ? "✓ pass" : "✗ FAIL");

export const formatRow = (row) => `${verdict(row)} ${row.name}: ${fmt(row)} (target ${row.target})`;

/** The BENCHMARKS.md section: SQLite against the targets, other backends side by side. */
export function trackingSection(results, { quick }) {
  const [primary, ...others] = results;
  const columns = [
    { title: "workload", value: (r) => r.name },
    { title: "MLflow 2.17", value: (r) => r.mlflow },
    { title: "Labtrack target", value: (r) => r.target },
    { title: `Labtrack, ${primary.backend}`, value: fmt },
    { title: "pass", value: verdict },
    ...others.map((o) => ({
      title: `Labtrack, ${o.backend}`,
      value: (r) => {
        const p = o.rows.find((x) => x.name === r.name);
        return p ? `${fmt(p)}${p.pass === false ? " ✗" : ""}` : "–";
      },
    })),
    { title: `notes (${primary.backend})`, value: (r) => r.note ?? "" },
  ];
  const failed = primary.rows.filter((r) => r.pass === false);
  const diagnoses = failed.flatMap((r) => {
    const d = Object.entries(KNOWN_CAUSES).find(([prefix]) => r.name.startsWith(prefix));
    return d ? [`- **${r.name}**: ${d[1]}`] : [];
  });
  return `${quick ? "**Quick run** (`--quick`: smaller workloads, scaled figures) — not the reference figures.\n\n" : ""}MLflow 2.17's figures were measured on the same kind of machine (its own server, SQLite, gunicorn with
2 workers). Labtrack: one \`labtrack server\` process started from the CLI (\`bin/labtrack.js server
--port 0 --backend-store-uri …\`), over HTTP on loopback with keep-alive connections (node:http
agents); the bench client runs on the same 2 cores.

- **Sequential workloads** (runs/create, log-metric, log-batch) are timed end to end, client side, from
  the first request to the last answer; each is repeated ${quick ? 2 : 3} times on fresh runs and the median is
  reported (range in the notes). Set-up (creating the runs a batch goes to) is not timed.
- **Reads** (get-history, searches) report the median of repeated calls after 3 unmeasured ones (p95 in
  the notes).
- **4 concurrent clients**: each its own connection and run, ${quick ? 500 : 2500} log-metric calls each, as fast as
  answers come; requests per second over the wall time of all four.
- **Checks**: every answer is verified — histories have every point, and each search returns exactly
  the runs, in exactly the order, computed by the bench from the data it wrote.
- **Scale**: ${quick ? "10,000" : "100,000"} runs (10 params, 10 metrics, 5 tags plus \`mlflow.runName\` each) in one experiment,
  seeded directly into the store through the real schema and driver (\`bench/lib/seed.mjs\` on
  \`lib/store\`, the migrations the server runs) — seeding over HTTP would measure the seeding. The
  seeded rows are what the API writes: after the measurements, the same runs are logged again through
  the API (runs/create, log-batch, runs/update) and must read back identical (runs/get, get-history).
  Statistics are refreshed after seeding (\`ANALYZE\`), as the server does after bursts of writes.
  Memory is the server process's peak RSS (\`VmHWM\` in /proc/<pid>/status) over its whole life.
${others.length ? `- ${others.map((o) => o.backend).join(", ")}: the same workloads, side by side (no issue-3 targets).\n` : ""}
${table(primary.rows, columns)}

${failed.length === 0 ? `Every issue-3 target is met on ${primary.backend}.` : `Missed on ${primary.backend}: ${failed.map((r) => r.name).join("; ")}.`}
${diagnoses.length ? `\nWhy (profiled; shown only while the row misses):\n\n${diagnoses.join("\n")}\n` : ""}`;
}
