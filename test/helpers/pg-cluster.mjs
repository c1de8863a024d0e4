// A throwaway PostgreSQL cluster from Debian's packages, on 127.0.0.1 and a free port. Plain JS so
// that both the tests (test/helpers/postgres.ts) and the benchmarks (bench/lib/backends.mjs) use it.
// Runs the server tools as the postgres user when we are root (initdb refuses root).
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The newest installed PostgreSQL's bin directory, or null. */
export function pgBinDir() {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const version = readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .find((v) => existsSync(join(root, v, "bin", "initdb")));
  return version ? join(root, version, "bin") : null;
}

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

/**
 * @param {{ prefix?: string, settings?: string }} options `settings`: extra `-c name=value` flags.
 */
export async function startCluster({ prefix = "labtrack-pg-", settings = "" } = {}) {
  const bin = pgBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it");
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => {
    const [file, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (asRoot) {
    const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, id("-u"), id("-g"));
  }
  const data = join(dir, "data");
  // C collation sorts by code point, like SQLite, so both stores order strings the same way.
  run("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--lc-collate=C",
    "--lc-ctype=C.UTF-8",
  ]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200 ${settings}`;
  const start = () =>
    run("pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
  const stop = () => run("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]);
  /** Runs SQL as the superuser; answers what psql printed (unaligned, tuples only). */
  const psql = (sql) => {
    const args = [
      "-h",
      "127.0.0.1",
      "-p",
      String(port),
      "-U",
      "postgres",
      "-v",
      "ON_ERROR_STOP=1",
      "-tAc",
      sql,
    ];
    const r = spawnSync(join(bin, "psql"), args, { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  };
  start();
  return {
    port,
    dir,
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    psql,
    createDatabase: (name) => psql(`CREATE DATABASE "${name}"`),
    dropDatabase: (name) => psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    start,
    stop,
    destroy() {
      try {
        stop();
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
