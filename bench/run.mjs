#!/usr/bin/env node
// `npm run bench` → BENCHMARKS.md. Suites start the real server from the CLI and talk to it over HTTP
// on loopback with keep-alive connections. `--quick` runs smaller workloads (for a smoke check).
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { artifactsSuite } from "./artifacts.mjs";
import { postgresBackend, sqliteBackend } from "./lib/backends.mjs";
import { fmtMs } from "./lib/stats.mjs";
import { throughputSuite } from "./throughput.mjs";
import { trackingSuite } from "./tracking.mjs";

const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);

const fmt = (row) =>
  row.unit === "ms" ? fmtMs(row.value) : `${Math.round(row.value).toLocaleString("en")} ${row.unit}`;

function table(rows, columns) {
  const head = `| ${columns.map((c) => c.title).join(" | ")} |\n|${columns.map(() => "---").join("|")}|`;
  return [head, ...rows.map((r) => `| ${columns.map((c) => c.value(r)).join(" | ")} |`)].join("\n");
}

const sections = [];
const machine = {
  cpu: cpus()[0]?.model ?? "unknown",
  cores: cpus().length,
  ramGb: (totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  sqlite: new Database(":memory:").prepare("SELECT sqlite_version() AS v").get().v,
};

const backends = [sqliteBackend()];
const pg = process.argv.includes("--sqlite-only") ? null : await postgresBackend();
if (pg) backends.push(pg);
machine.postgres = pg?.version() ?? "not installed";

const results = new Map();
try {
  if (!only || only === "tracking") {
    for (const backend of backends) {
      console.log(`== tracking suite on ${backend.name}${quick ? " (quick)" : ""}`);
      const rows = await trackingSuite({ backend, quick });
      for (const r of rows) console.log(`  ${r.pass ? "✓" : "✗"} ${r.name}: ${fmt(r)} (target ${r.target})`);
      results.set(backend.name, rows);
    }
    const sqlite = results.get("SQLite") ?? [];
    const postgres = results.get("PostgreSQL");
    sections.push(`## Tracking server (issue 3, and PostgreSQL side by side for issue 10)

MLflow 2.17's figures were measured on the same kind of machine (its own server, SQLite, gunicorn with
2 workers). Labtrack: one server process, over HTTP on loopback, keep-alive connections. Sequential
workloads are timed end to end; small ones report the median of repeated calls (p95 in the notes).

${table(sqlite, [
  { title: "workload", value: (r) => r.name },
  { title: "MLflow 2.17", value: (r) => r.mlflow },
  { title: "target", value: (r) => r.target },
  { title: "Labtrack, SQLite", value: (r) => `${fmt(r)} ${r.pass ? "✓" : "✗"}` },
  ...(postgres
    ? [
        {
          title: "Labtrack, PostgreSQL",
          value: (r) => {
            const p = postgres.find((x) => x.name === r.name);
            return p ? `${fmt(p)} (${(p.value / r.value).toFixed(1)}×)` : "–";
          },
        },
      ]
    : []),
  { title: "notes (SQLite)", value: (r) => r.note || "" },
])}

The 100,000-run store is seeded directly through the real schema (bench/lib/seed.mjs) with exactly the
rows the API writes — runs, 10 params, 5 tags plus \`mlflow.runName\`, 10 metrics with history and latest
values — because seeding it over HTTP would measure the seeding. The search is
\`params.p0 = '7' and metrics.m0 > 0.5\` ordered by \`metrics.m1 DESC\`, top 100.
PostgreSQL runs with its durable defaults (fsync on) in a throwaway cluster on the same machine.`);
  }
  if (!only || only === "artifacts") {
    console.log("== artifacts and registry on SQLite");
    const rows = await artifactsSuite({ backend: backends[0], quick });
    for (const r of rows) console.log(`  ${r.pass ? "✓" : "✗"} ${r.name}: ${r.value} (target ${r.target})`);
    sections.push(`## Artifacts and model registry (issue 7)

A 200 MB file generated on the fly is streamed through the mlflow-artifacts proxy to the local
artifact store and back; the server's peak RSS (VmHWM) is read before and after.

${table(rows, [
  { title: "workload", value: (r) => r.name },
  { title: "target", value: (r) => r.target },
  { title: "Labtrack", value: (r) => `${r.value} ${r.pass ? "✓" : "✗"}` },
])}`);
  }
  if ((!only || only === "throughput") && pg) {
    console.log("== batch throughput on PostgreSQL, 1 and 2 server processes");
    const rows = await throughputSuite({ backend: pg, quick });
    for (const r of rows) console.log(`  ${r.name}: ${Math.round(r.value)} metrics/s`);
    sections.push(`## PostgreSQL: parallel batch logging (issue 10)

8 parallel clients, each logging log-batch calls of 1,000 metrics to its own run for a fixed number
of calls; throughput counts metrics acknowledged per second.

${table(rows, [
  { title: "setup", value: (r) => r.name },
  { title: "throughput", value: (r) => `${Math.round(r.value).toLocaleString("en")} metrics/s` },
  { title: "notes", value: (r) => r.note },
])}`);
  }
} finally {
  for (const b of backends) await b.destroy();
}

const header = `# Benchmarks

Written by \`npm run bench\`${quick ? " --quick (smaller workloads)" : ""} on ${new Date().toISOString().slice(0, 10)}.

Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGb} GB RAM; Node ${machine.node}; SQLite ${machine.sqlite}; PostgreSQL ${machine.postgres}.
`;
writeFileSync(resolve(import.meta.dirname, "../BENCHMARKS.md"), `${header}\n${sections.join("\n\n")}\n`);
console.log("wrote BENCHMARKS.md");
