// Labtrack beside the real MLflow 2.17.2 (issue 19): the same neutral workload
// (../shared/mlflow-ref/workload.mjs) against both servers on the same backend, run alternately in the
// same minutes, and each row reported as a ratio; absolute times move with the machine's load, ratios
// taken side by side much less. Also the client's floor: a trivial Node server answering a fixed JSON
// in another process, timed with the same kind of requests (fetch, JSON body, JSON answer).
//
// MLflow runs from /tmp/mlflowref (see ../shared/mlflow-ref/README.md); where that setup is absent
// (CI), the MLflow ratios are skipped with a note and only the floor comparison runs. MLflow on
// PostgreSQL needs Debian's python3-psycopg2.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { startServer } from "./lib/server.mjs";
import { median } from "./lib/stats.mjs";

const REF = resolve(import.meta.dirname, "../../shared/mlflow-ref");
const MLFLOWREF = process.env.MLFLOWREF ?? "/tmp/mlflowref";

/** Why MLflow cannot run here, or null when it can. */
export function mlflowMissing({ postgres = false } = {}) {
  if (!existsSync(`${MLFLOWREF}/env.sh`)) return `${MLFLOWREF} is absent (no MLflow reference setup)`;
  if (!existsSync(`${REF}/serve.sh`) || !existsSync(`${REF}/workload.mjs`)) return `${REF} is absent`;
  if (postgres && spawnSync("/usr/bin/python3", ["-c", "import psycopg2"]).status !== 0) {
    return "python3-psycopg2 is not installed (MLflow's PostgreSQL driver)";
  }
  return null;
}

const freePort = () =>
  new Promise((done) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });

/** Starts MLflow with serve.sh; answers its URL and a stop function. */
export async function startMlflow(backendUri) {
  const port = await freePort();
  const args = [resolve(REF, "serve.sh"), String(port), ...(backendUri ? [backendUri] : [])];
  const r = spawnSync("bash", args, { encoding: "utf8", timeout: 180_000 });
  const pid = Number(r.stdout.trim().split("\n").at(-1));
  if (r.status !== 0 || !pid) throw new Error(`MLflow did not start: ${r.stderr.slice(-800)}`);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => spawnSync("bash", [resolve(REF, "stop.sh"), String(pid)], { timeout: 30_000 }),
  };
}

/** One run of workload.mjs: its timings_ms. */
function workload(url, { scale, concurrency }) {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      [resolve(REF, "workload.mjs"), url, "--scale", String(scale), "--concurrency", String(concurrency)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (b) => {
      out += b;
    });
    child.stderr.on("data", (b) => {
      err += b;
    });
    child.on("exit", () => {
      try {
        const result = JSON.parse(out.trim().split("\n").at(-1));
        if (!result.ok) throw new Error(result.error);
        done(result.timings_ms);
      } catch (e) {
        fail(new Error(`workload.mjs against ${url} failed: ${e.message}\n${err.slice(-500)}`));
      }
    });
  });
}

/** The workload's rows: how to read each figure, and whether more is better. */
const ROWS = [
  ["runs_create", "1,000 sequential runs/create", (t) => t.total],
  ["log_metric", "2,000 sequential log-metric", (t) => t.total],
  ["log_batch_metrics", "50 log-batch calls of 1,000 metrics", (t) => t.total],
  ["log_batch_params_tags", "100 log-batch calls of 100 params + 100 tags", (t) => t.total],
  ["get_history_10k", "get-history of a 10,000-point metric (median of 5)", (t) => t.median],
  ["search_filter_order", "runs/search filter + order_by over 1,000 runs (median of 20)", (t) => t.median],
  ["search_1000", "runs/search returning 1,000 runs (median of 5)", (t) => t.median],
  ["experiments_search", "experiments/search by name (median of 20)", (t) => t.median],
  ["log_metric_concurrent", "log-metric from 4 concurrent clients", (t) => t.req_per_s, "req/s"],
];

const fmt = (v, unit) =>
  unit === "req/s"
    ? `${Math.round(v).toLocaleString("en")} req/s`
    : v >= 1000
      ? `${(v / 1000).toFixed(2)} s`
      : `${v.toFixed(v < 10 ? 2 : 1)} ms`;

/**
 * Alternates the workload against MLflow and Labtrack `rounds` times; answers one row per workload
 * step with both medians and the median of the per-round ratios (MLflow time / Labtrack time, or
 * Labtrack req/s / MLflow req/s).
 */
export async function sideBySide({ labtrackUri, mlflowUri, rounds, scale, log }) {
  const lab = await startServer(labtrackUri);
  const mlflow = await startMlflow(mlflowUri);
  const runs = { lab: [], mlflow: [] };
  try {
    for (let r = 0; r < rounds; r++) {
      // Alternate which goes first, so that neither always meets the machine in the same state.
      const order = r % 2 === 0 ? ["mlflow", "lab"] : ["lab", "mlflow"];
      for (const who of order) {
        log(`  round ${r + 1}/${rounds}: workload.mjs against ${who === "lab" ? "Labtrack" : "MLflow"}`);
        runs[who].push(await workload(who === "lab" ? lab.url : mlflow.url, { scale, concurrency: 4 }));
      }
    }
  } finally {
    await lab.stop();
    mlflow.stop();
  }
  return ROWS.map(([id, name, read, unit]) => {
    const labs = runs.lab.map((t) => read(t[id]));
    const mls = runs.mlflow.map((t) => read(t[id]));
    const ratios = labs.map((l, i) => (unit === "req/s" ? l / mls[i] : mls[i] / l)).sort((a, b) => a - b);
    const ratio = median(ratios);
    return {
      name,
      mlflow: fmt(median([...mls].sort((a, b) => a - b)), unit),
      labtrack: fmt(median([...labs].sort((a, b) => a - b)), unit),
      ratio,
      pass: ratio >= 10,
      note: rounds > 1 ? `ratios ${ratios.map((x) => x.toFixed(1)).join(", ")}` : "one round",
    };
  });
}

// ------------------------------------------------------------------ the client's floor

const FLOOR_SERVER = `
const body = Buffer.from("{}");
const s = require("node:http").createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    res.end(body);
  });
}).listen(0, "127.0.0.1", () => console.log(s.address().port));`;

/** A trivial Node server answering `{}` to every request, in a process of its own. */
async function startFloor() {
  const child = spawn(process.execPath, ["-e", FLOOR_SERVER], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((done) => child.stdout.once("data", (b) => done(Number(String(b).trim()))));
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill() };
}

/** Milliseconds per request of `n` sequential POSTs, made as workload.mjs makes them. */
async function perRequest(url, body, n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body(i)),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${url} → ${res.status}: ${text.slice(0, 200)}`);
    JSON.parse(text);
  }
  return (performance.now() - start) / n;
}

/**
 * Sequential simple requests against Labtrack and against the floor, interleaved in chunks so both
 * meet the same load; answers rows of Labtrack's time per request over the floor's (target ≤ 2×).
 */
export async function floorRows({ labtrackUri, chunks, chunk }) {
  const lab = await startServer(labtrackUri);
  const floor = await startFloor();
  const api = (path) => `${lab.url}/api/2.0/mlflow${path}`;
  const post = async (path, body) => {
    const res = await fetch(api(path), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return res.json();
  };
  try {
    const exp = (await post("/experiments/create", { name: "floor" })).experiment_id;
    const run = (await post("/runs/create", { experiment_id: exp })).run.info.run_id;
    const requests = [
      [
        "log-metric (one point)",
        "/runs/log-metric",
        (i) => ({ run_id: run, key: "loss", value: i / 7, timestamp: 1_700_000_000_000 + i, step: i }),
      ],
      ["runs/create", "/runs/create", (i) => ({ experiment_id: exp, start_time: 1_700_000_000_000 + i })],
    ];
    const rows = [];
    for (const [name, path, body] of requests) {
      // Warm-up: the first calls compile code paths on both sides.
      await perRequest(api(path), body, 300);
      await perRequest(floor.url, body, 300);
      const ratios = [];
      const labMs = [];
      const floorMs = [];
      for (let c = 0; c < chunks; c++) {
        const f = await perRequest(floor.url, body, chunk);
        const l = await perRequest(api(path), body, chunk);
        floorMs.push(f);
        labMs.push(l);
        ratios.push(l / f);
      }
      ratios.sort((a, b) => a - b);
      const ratio = median(ratios);
      rows.push({
        name: `sequential ${name}, per request, over the floor`,
        target: "≤ 2×",
        value: `${ratio.toFixed(2)}×`,
        pass: ratio <= 2,
        note: `Labtrack ${median(labMs.sort((a, b) => a - b)).toFixed(3)} ms, floor ${median(floorMs.sort((a, b) => a - b)).toFixed(3)} ms per request (medians of ${chunks} interleaved chunks of ${chunk}); ratios ${ratios[0].toFixed(2)}–${ratios.at(-1).toFixed(2)}`,
      });
    }
    return rows;
  } finally {
    floor.stop();
    await lab.stop();
  }
}
