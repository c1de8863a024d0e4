#!/usr/bin/env node
// `npm run bench` → BENCHMARKS.md. Each suite starts the real server from the CLI and talks to it over
// HTTP on loopback with keep-alive connections, and renders one section of the report; a run replaces
// the sections of the suites it ran and keeps the others (bench/lib/report.mjs).
//
//   npm run bench                          every suite, full size → BENCHMARKS.md
//   npm run bench -- --only=tracking       some suites (comma-separated ids) → their sections only
//   npm run bench -- --quick               smaller workloads, printed; written only with --out=FILE
//   npm run bench -- --sqlite-only         skip PostgreSQL even when it is installed
//   npm run bench -- --only=million        the opt-in suites (`optIn`) run only when named: minutes and GBs
//
// Adding a suite: a module bench/<suite>.mjs that runs the workloads and returns rows, and an entry in
// SUITES below whose `run` returns the section's markdown (without its heading).
import { resolve } from "node:path";
import { artifactsSuite } from "./artifacts.mjs";
import { authSuite } from "./auth.mjs";
import { clientSuite } from "./client.mjs";
import { headlessSuite } from "./headless.mjs";
import { labSuite } from "./lab.mjs";
import { postgresBackend, sqliteBackend } from "./lib/backends.mjs";
import { codeVersion, load, machine } from "./lib/machine.mjs";
import { printRows, table, targetTable, writeReport } from "./lib/report.mjs";
import { loggedModelsSuite, modelLoggingSuite } from "./logged-models.mjs";
import { millionSection, millionSuite } from "./million.mjs";
import { panelSuite } from "./panel.mjs";
import { pgWorkersRows, pgWritesSuite } from "./pg-writes.mjs";
import { pythonClientSuite } from "./python-client.mjs";
import { floorRows, mlflowMissing, sideBySide } from "./side-by-side.mjs";
import { throughputSuite } from "./throughput.mjs";
import { tracesSuite } from "./traces.mjs";
import { formatRow, trackingSection, trackingSuite } from "./tracking.mjs";

const args = process.argv.slice(2);
const flag = (name) => args.includes(`--${name}`);
const option = (name) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = flag("quick");
const only = option("only")?.split(",");
const out = option("out") ?? (quick ? null : resolve(import.meta.dirname, "../BENCHMARKS.md"));

const SUITES = [
  {
    id: "tracking",
    title: "Tracking server (issue 3)",
    async run({ backends }) {
      const results = [];
      for (const backend of backends) {
        console.log(`== tracking on ${backend.name}${quick ? " (quick)" : ""}`);
        const rows = await trackingSuite({ backend, quick, log: (r) => console.log(`  ${formatRow(r)}`) });
        results.push({ backend: backend.name, rows });
      }
      return trackingSection(results, { quick });
    },
  },
  {
    id: "side-by-side",
    title: "Beside MLflow 2.17.2: every request ten times faster (issue 19)",
    async run({ backends }) {
      const parts = [];
      const rounds = quick ? 1 : 2;
      const scale = quick ? 0.2 : 1;
      for (const backend of backends) {
        const missing = mlflowMissing({ postgres: backend.name === "PostgreSQL" });
        if (missing) {
          console.log(`== side by side on ${backend.name}: skipped (${missing})`);
          parts.push(`### ${backend.name}\n\nSkipped the MLflow ratios: ${missing}.`);
          continue;
        }
        console.log(`== workload.mjs against MLflow and Labtrack on ${backend.name}`);
        const rows = await sideBySide({
          labtrackUri: (await backend.fresh("side-lab")).uri,
          // MLflow makes its own temporary SQLite file; on PostgreSQL, a database beside Labtrack's.
          mlflowUri: backend.name === "PostgreSQL" ? (await backend.fresh("side-mlflow")).uri : null,
          rounds,
          scale,
          log: console.log,
        });
        for (const r of rows) console.log(`  ${r.pass ? "✓" : "✗"} ${r.name}: ${r.ratio.toFixed(1)}×`);
        parts.push(`### ${backend.name}${scale === 1 ? "" : ` (--scale ${scale})`}

${table(rows, [
  { title: "workload.mjs step", value: (r) => r.name },
  { title: "MLflow 2.17.2", value: (r) => r.mlflow },
  { title: "Labtrack", value: (r) => r.labtrack },
  {
    title: "Labtrack's advantage (target ≥ 10×)",
    value: (r) => `${r.ratio.toFixed(1)}× ${r.pass ? "✓" : "✗"}`,
  },
  { title: "notes", value: (r) => r.note },
])}`);
      }
      console.log("== simple requests against the client's floor on SQLite");
      const floor = await floorRows({
        labtrackUri: (await backends[0].fresh("floor")).uri,
        chunks: quick ? 3 : 9,
        chunk: quick ? 200 : 500,
      });
      printRows(floor);
      return `\`../shared/mlflow-ref/workload.mjs URL --concurrency 4\` (its own client: fetch, one request at a
time, every answer checked) against the real MLflow 2.17.2 (\`serve.sh\`: gunicorn, 2 workers) and
against one \`labtrack server\` process on the same backend, alternately, ${rounds} round${rounds > 1 ? "s" : ""}; each
row is MLflow's time over Labtrack's (for the concurrent row, Labtrack's requests per second over
MLflow's), the median over rounds. Absolute times move with the machine's load: read the ratios.

${parts.join("\n\n")}

### The client's floor

A trivial Node server in another process answering \`{}\` to every request is the floor of this client:
what a request costs before any server work. Labtrack (SQLite) and the floor are timed in interleaved
chunks of sequential requests.

${targetTable(floor, { notes: true })}`;
    },
  },
  {
    id: "artifacts",
    title: "Artifacts and model registry (issue 7)",
    async run({ backends }) {
      console.log("== artifacts and registry on SQLite");
      const rows = await artifactsSuite({ backend: backends[0], quick });
      printRows(rows);
      return `A 200 MB file generated on the fly is streamed through the mlflow-artifacts proxy to the local
artifact store and back; the server's peak RSS (VmHWM) is read before and after.

${targetTable(rows)}`;
    },
  },
  {
    id: "auth",
    title: "Authentication overhead (issue 11)",
    async run({ backends }) {
      console.log("== authentication overhead on SQLite");
      const rows = await authSuite({ backend: backends[0], quick });
      printRows(rows);
      return `The same request (experiments/get, one keep-alive connection) against a server without and with
\`--auth\` (HTTP Basic, credentials cached after the first bcrypt check); medians of 5 interleaved rounds.

${targetTable(rows)}`;
    },
  },
  {
    id: "client",
    title: "TypeScript client: logging from a training loop (issue 5)",
    async run({ backends }) {
      console.log("== fluent client on SQLite");
      const rows = await clientSuite({ backend: backends[0], quick });
      printRows(rows);
      return `100,000 \`logMetric\` calls from a tight loop (the fluent API from lib/client) against the real
server; the time per call is measured per chunk of 1,000 calls with process.hrtime.bigint, and "on the
server" ends when flush() resolves and the metric history read back has every point, in step order.

${targetTable(rows, { notes: true })}`;
    },
  },
  {
    id: "python-client",
    title: "Python module: logging from a training loop (issue 15)",
    async run({ backends }) {
      console.log("== import labtrack (Debian's python3) on SQLite");
      const rows = await pythonClientSuite({ backend: backends[0], quick });
      printRows(rows);
      return `100,000 \`labtrack.log_metric\` calls from a tight loop (python/labtrack, standard library only,
under Debian's python3) against the real server, measured as the TypeScript client is: the time per
call per chunk of 1,000 calls with time.perf_counter_ns (the sender thread runs meanwhile), and "on the
server" ends when flush() returns; the metric history is then read back and checked, in step order.
A warm-up trial runs first.

${targetTable(rows, { notes: true })}`;
    },
  },
  {
    id: "lab",
    title: "JupyterLab: page load, tracked cells, inline charts (issues 4, 6, 9)",
    async run() {
      console.log("== JupyterLab with Labtrack in chromium");
      const rows = await labSuite({ quick });
      printRows(rows);
      return `The app \`npm start\` runs (tracking server on SQLite, JupyterLab from app/ under Debian's
jupyter-server, Labtrack loaded as a prebuilt federated extension) in headless Debian chromium. The
workspace has the Labtrack panel open on an experiment of 50 runs; each load is a fresh browser context
(cold HTTP cache) timed from navigation to the first run row in the panel, then a new page of the same
context (a user's next visit: content-hashed files come from the HTTP cache without a request). Static
files are gzipped at build and served with Content-Encoding; "over the network" counts what the page's
resource timing says was not served from the cache.

${targetTable(rows, { first: "measure", notes: true })}`;
    },
  },
  {
    id: "headless",
    title: "labtrack run: headless executions and sweeps (issue 18)",
    async run({ backends }) {
      console.log("== labtrack run on SQLite");
      const rows = await headlessSuite({ backend: backends[0], quick });
      printRows(rows);
      return `A 20-cell Python notebook (a parameters cell, 10 \`%%track\` cells each logging a param, a metric
and 50 per-step points with \`import labtrack\`, 9 plain cells) executed by \`labtrack run\`'s engine
against the same cells with the magic lines blanked and the logging calls no-ops, sent to the kernel
over the same ZeroMQ client; kernel start excluded from both. Then a 2×2 sweep through the CLI
(\`--sweep lr=… --sweep batch=…\`), sequential and \`--parallel 2\`, wall time including kernel starts.

${targetTable(rows, { notes: true })}`;
    },
  },
  {
    id: "panel",
    title: "The experiment panel at scale (issue 8)",
    async run() {
      console.log("== the runs table and compare view in chromium");
      const rows = await panelSuite({ quick });
      printRows(rows);
      return `One SQLite store holds an experiment of 10,000 runs and one of 100,000 runs, each run with 20
params, 10 metrics and 5 tags (seeded through the real schema, as the tracking suite seeds). The tracking
server and JupyterLab run as \`npm start\` runs them; every figure is taken in the page, in headless
Debian chromium, through the Jupyter proxy: a fresh page per round, the table opened by its command.
Long tasks come from the browser's PerformanceObserver while the mouse wheel scrolls the table.

${targetTable(rows, { first: "measure", notes: true })}`;
    },
  },
  {
    id: "million",
    title: "A million runs (issue 19)",
    // Seeding 1,000,000 runs twice takes tens of minutes and ~17 GB of temporary space.
    optIn: true,
    async run({ backends, pg }) {
      // BENCH_MILLION_KEEP=DIR keeps the seeded SQLite file there for the next run (bench/million.mjs).
      // BENCH_MILLION_PG_URI=URI (with BENCH_MILLION_KEEP) uses and keeps that PostgreSQL database.
      const keep = process.env.BENCH_MILLION_KEEP ?? null;
      const pgUri = process.env.BENCH_MILLION_PG_URI ?? null;
      const runs = quick ? 100_000 : 1_000_000;
      return millionSection(await millionSuite({ sqlite: backends[0], pg, runs, quick, keep, pgUri }), {
        quick,
      });
    },
  },
  {
    id: "traces",
    title: "Trace search (issue 16)",
    async run({ backends }) {
      const parts = [];
      for (const backend of backends) {
        console.log(`== trace search on ${backend.name}${quick ? " (quick)" : ""}`);
        const rows = await tracesSuite({ backend, quick });
        printRows(rows);
        parts.push(`### ${backend.name} (${rows.note})\n\n${targetTable(rows)}`);
      }
      return `GET /mlflow/traces over one experiment of 100,000 traces (one in ten failed, one in a hundred
recorded in a run, eight trace names; three tags and three or four request metadata each), seeded
directly through the real schema with the rows start-trace and end-trace write (a trace recorded over
HTTP is first read back and compared with a seeded one). Median of 41 requests on one keep-alive
connection, max_results 100, after 3 unmeasured ones. PostgreSQL plans the name + time filter in
parallel (Gather Merge over the timestamp index): EXPLAIN ANALYZE shows about 2 ms of work in it, the
rest is starting the worker, which a loaded machine makes slow.

${parts.join("\n\n")}`;
    },
  },
  {
    id: "logged-models",
    title: "MLflow 3 logged models (issue 16)",
    async run({ backends }) {
      const parts = [];
      for (const backend of backends) {
        console.log(`== logged-models/search on ${backend.name}${quick ? " (quick)" : ""}`);
        const rows = await loggedModelsSuite({ backend, quick });
        printRows(rows);
        parts.push(`#### ${backend.name} (${rows.note})\n\n${targetTable(rows)}`);
      }
      console.log("== logging a model, Labtrack vs the real MLflow, on SQLite");
      const logging = await modelLoggingSuite({ backend: backends[0], quick });
      for (const r of logging)
        console.log(`  ${r.name}: Labtrack ${r.labtrack}, MLflow ${r.mlflow} ${r.ratio}`);
      return `### logged-models/search

POST /mlflow/logged-models/search over one experiment of 10,000 logged models (50 names, one in twenty
failed; three params, two tags and two metrics each), seeded directly through the real schema with the
rows create, log-params, set-tags, log-metric and finalize write (a model logged over HTTP is first read
back and compared with a seeded one). Median of 41 requests on one keep-alive connection, max_results
100, after 3 unmeasured ones.

${parts.join("\n\n")}

### Logging a model end to end, side by side

The HTTP sequence a client sends to log and register one model (the six files \`mlflow.sklearn.log_model\`
writes, with a 64 kB pickle), on one keep-alive connection per server, the servers' turns interleaved;
median of ${logging.n} models after one unmeasured. The MLflow 3 way is what MLflow 3 clients send
(LoggedModel API); the MLflow 2 way is what MLflow 2 clients send, the same sequence to both servers.
Labtrack on SQLite; ${logging.note}. MLflow's own server has no LoggedModel API (2.17.2, and the MLflow 3
development branch's server has none on SQLite either), so only the MLflow 2 way compares.

${table(logging, [
  { title: "sequence", value: (r) => r.name },
  { title: "Labtrack", value: (r) => r.labtrack },
  { title: "MLflow", value: (r) => r.mlflow },
  { title: "Labtrack vs MLflow", value: (r) => r.ratio },
])}`;
    },
  },
  {
    id: "pg-writes",
    title: "PostgreSQL writes beside SQLite's (issue 19)",
    needs: "postgres",
    async run({ backends, pg }) {
      console.log("== sequential writes: SQLite, PostgreSQL, PostgreSQL with synchronous_commit off");
      const rows = await pgWritesSuite({ sqlite: backends[0], pg, quick, log: console.log });
      console.log("== 4 concurrent log-metric clients on PostgreSQL, 1 and 2 server processes");
      const workers = await pgWorkersRows({ pg, quick, log: console.log });
      return `The sequential write workloads of the tracking suite against three servers started alike, one
round on each in turn (${quick ? "one round" : "3 rounds"}), on a PostgreSQL cluster with durable settings (fsync on): SQLite;
PostgreSQL as configured (a WAL flush at each commit, which SQLite as Labtrack opens it does not
make); and PostgreSQL with \`synchronous_commit = off\` for Labtrack's connections (\`?options=-c
synchronous_commit=off\` in the URI: SQLite's durability, see README). Each figure is the median
time, each ratio PostgreSQL's time over SQLite's in the same round (median over rounds); target ≤ 1.5×.

${table(rows, [
  { title: "workload", value: (r) => r.name },
  { title: "SQLite", value: (r) => r.sqlite },
  { title: "PostgreSQL (flush per commit)", value: (r) => r.durable },
  { title: "PostgreSQL, synchronous_commit off", value: (r) => r.relaxed },
  { title: "notes", value: (r) => r.note },
])}

4 concurrent clients (each its own keep-alive connection and run) logging single metrics on
PostgreSQL: ${workers.one} with one server process, ${workers.two} with \`--workers 2\`
(${workers.scaling.toFixed(2)}× the first; ${workers.note}).`;
    },
  },
  {
    id: "pg-throughput",
    title: "PostgreSQL: parallel batch logging (issue 10)",
    needs: "postgres",
    async run({ pg }) {
      console.log("== batch throughput on PostgreSQL, 1 and 2 server processes");
      const rows = await throughputSuite({ backend: pg, quick });
      for (const r of rows) console.log(`  ${r.name}: ${Math.round(r.value)} metrics/s`);
      return `8 parallel clients, each logging log-batch calls of 1,000 metrics to its own run for a fixed number
of calls; throughput counts metrics acknowledged per second.

${table(rows, [
  { title: "setup", value: (r) => r.name },
  { title: "throughput", value: (r) => `${Math.round(r.value).toLocaleString("en")} metrics/s` },
  { title: "notes", value: (r) => r.note },
])}`;
    },
  },
];

const unknown = (only ?? []).filter((id) => !SUITES.some((s) => s.id === id));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(", ")}; suites: ${SUITES.map((s) => s.id).join(", ")}`);
  process.exit(2);
}

const info = machine();
const backends = [sqliteBackend()];
const pg = flag("sqlite-only") ? null : await postgresBackend();
if (pg) backends.push(pg);
info.postgres = pg?.version() ?? "not used in the last run";

const header = `# Benchmarks

Written by \`npm run bench\` (bench/run.mjs; \`--only=<suite>\` re-runs one section). Figures are for this
machine: ${info.cpu}, ${info.cores} cores, ${info.ramGb} GB RAM; Node ${info.node}; SQLite ${info.sqlite}
(better-sqlite3); PostgreSQL ${info.postgres}. Other work on the machine moves the figures: each
section says when it was measured and how busy the machine was (1-minute load average). Notes
written by hand between \`<!-- notes -->\` markers in a section stay when the section is re-run.`;

const code = codeVersion();
const updates = new Map();
let failed = false;
try {
  for (const suite of SUITES) {
    if (only ? !only.includes(suite.id) : suite.optIn) continue;
    if (suite.needs === "postgres" && !pg) {
      console.log(`== ${suite.id}: skipped (PostgreSQL is not installed or --sqlite-only)`);
      continue;
    }
    const loadBefore = load();
    const started = new Date();
    let body;
    try {
      body = await suite.run({ backends, pg, quick });
    } catch (e) {
      failed = true;
      console.error(`!! ${suite.id} failed: ${e.stack ?? e}`);
      continue;
    }
    const minutes = ((Date.now() - started.getTime()) / 60_000).toFixed(1);
    const when = `${started.toISOString().slice(0, 16).replace("T", " ")} UTC`;
    const section = `## ${suite.title}

_Measured ${when}${quick ? " (quick run)" : ""} on commit ${code} in ${minutes} min; load average ${loadBefore} before, ${load()} after._

${body}`;
    updates.set(suite.id, section);
    if (out)
      writeReport(
        out,
        header,
        updates,
        SUITES.map((s) => s.id),
        Object.fromEntries(SUITES.map((s) => [s.id, s.title])),
      );
    else console.log(`\n${section}\n`);
  }
} finally {
  for (const b of backends) await b.destroy();
}
if (out && updates.size > 0) console.log(`wrote ${out} (${[...updates.keys()].join(", ")})`);
process.exit(failed ? 1 : 0);
