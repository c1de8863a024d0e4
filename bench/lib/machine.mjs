// What the figures were measured on: CPU, cores, RAM, Node, the SQLite that better-sqlite3 bundles (the
// one the server uses), and how busy the machine was — other work on a 2-core machine moves the figures.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { resolve } from "node:path";
import Database from "better-sqlite3";

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  return cpus()[0]?.model ?? "unknown CPU";
}

export function machine() {
  const db = new Database(":memory:");
  const sqlite = db.prepare("SELECT sqlite_version() AS v").get().v;
  db.close();
  return {
    cpu: cpuModel(),
    cores: cpus().length,
    ramGb: (totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    sqlite,
  };
}

/** The 1-minute load average, e.g. "0.42". */
export const load = () => loadavg()[0].toFixed(2);

/** The commit the figures are for, e.g. "abc1234" or "abc1234 + uncommitted changes to src/". */
export function codeVersion() {
  const git = (...args) =>
    spawnSync("git", args, { cwd: resolve(import.meta.dirname, "../.."), encoding: "utf8" }).stdout?.trim();
  const head = git("rev-parse", "--short", "HEAD");
  if (!head) return "unknown";
  return git("status", "--porcelain", "--untracked-files=no", "--", "src")
    ? `${head} + uncommitted changes to src/`
    : head;
}
