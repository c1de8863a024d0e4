#!/usr/bin/env node
// MLflow 3's tutorial flow (bench/mlflow3-flow.py) with the real MLflow 3 client against `labtrack server`
// on SQLite and on PostgreSQL (a throwaway cluster, when installed). Not run in CI, which has no MLflow:
// it needs the client of ../shared/mlflow-ref/setup-mlflow3-client.sh in /tmp/mlflow3dev (or
// MLFLOW3_CLIENT_DIR) and a built lib/.
//
//   node bench/mlflow3-flow.mjs [--sqlite-only]
//
// Prints each step of the flow per store, then every answer other than a 2xx the server gave (from its
// access log): the ones the client expects (a v3 trace endpoint's ENDPOINT_NOT_FOUND, "does this
// registered model exist yet?") are named as such. Exits 1 when a step failed or an answer was neither a 2xx nor one of those.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { postgresBackend, sqliteBackend } from "./lib/backends.mjs";
import { startServer } from "./lib/server.mjs";

const CLIENT = process.env.MLFLOW3_CLIENT_DIR ?? "/tmp/mlflow3dev";
const SCRIPT = resolve(import.meta.dirname, "mlflow3-flow.py");

/** Answers other than 2xx that the MLflow 3 client asks for on purpose. */
const EXPECTED = [
  // mlflow.set_experiment(name) looks the name up before it creates the experiment.
  { route: /experiments\/get-by-name$/, status: 404, why: "set_experiment of a new name" },
  // runs:/<run>/model: the client first downloads `model` from the run's artifacts, and on failure finds
  // the run's logged model named `model` (MLflow 3 keeps models out of the run's artifact tree).
  {
    route: /^\/api\/2\.0\/mlflow-artifacts\/artifacts\//,
    status: 404,
    why: "runs:/ → falls back to the logged model",
  },
  // Later MLflow 3 clients try the v3 tracing API first and fall back to v2 on ENDPOINT_NOT_FOUND.
  { route: /^\/api\/3\.0\/mlflow\/traces/, status: 404, why: "v3 tracing → falls back to v2" },
];

function clientEnv() {
  const env = readFileSync(join(CLIENT, "env.sh"), "utf8");
  const vars = {};
  for (const m of env.matchAll(/^export (\w+)="?(.*?)"?$/gm)) {
    vars[m[1]] = m[2].replace(/\$(\w+)/g, (_, name) => process.env[name] ?? "");
  }
  return vars;
}

function runFlow(trackingUri) {
  return new Promise((done) => {
    const child = spawn("/usr/bin/python3", [SCRIPT], {
      cwd: tmpdir(),
      env: { ...process.env, ...clientEnv(), MLFLOW_TRACKING_URI: trackingUri },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b) => {
      out += b;
      for (const line of String(b).split("\n")) if (/^(ok|FAIL) /.test(line)) console.log(`  ${line}`);
    });
    child.stderr.on("data", (b) => {
      out += b;
    });
    child.on("exit", (code) => done({ code, out }));
  });
}

/** The access log's answers other than 2xx, grouped by route and status. */
function unusualAnswers(logFile) {
  const counts = new Map();
  for (const line of readFileSync(logFile, "utf8").split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line);
    if (entry.status < 300) continue;
    const key = `${entry.status} ${entry.method} ${entry.route}`;
    counts.set(key, { ...entry, n: (counts.get(key)?.n ?? 0) + 1 });
  }
  return [...counts.values()];
}

if (!existsSync(join(CLIENT, "env.sh"))) {
  console.error(`no MLflow 3 client in ${CLIENT}: run ../shared/mlflow-ref/setup-mlflow3-client.sh`);
  process.exit(2);
}
const backends = [sqliteBackend()];
if (!process.argv.includes("--sqlite-only")) {
  const pg = await postgresBackend();
  if (pg) backends.push(pg);
  else console.log("(PostgreSQL is not installed: SQLite only)");
}
let failed = false;
try {
  for (const backend of backends) {
    const { uri } = await backend.fresh("flow");
    const logDir = mkdtempSync(join(tmpdir(), "labtrack-flow-"));
    const accessLog = join(logDir, "access.log");
    const server = await startServer(uri, ["--access-log", accessLog]);
    console.log(`== MLflow 3 client against labtrack server on ${backend.name} (${server.url})`);
    try {
      const { code, out } = await runFlow(server.url);
      if (code !== 0) {
        failed = true;
        console.log(out.split("\n").slice(-40).join("\n"));
      }
    } finally {
      await server.stop();
    }
    for (const a of unusualAnswers(accessLog)) {
      const known = EXPECTED.find((e) => e.status === a.status && e.route.test(a.route));
      if (!known) failed = true;
      console.log(
        `  answer ${a.status} ${a.method} ${a.route} ×${a.n}${known ? ` (expected: ${known.why})` : ""}`,
      );
    }
    rmSync(logDir, { recursive: true, force: true });
  }
} finally {
  for (const b of backends) await b.destroy();
}
process.exit(failed ? 1 : 0);
