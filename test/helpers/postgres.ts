// A throwaway PostgreSQL cluster from Debian's packages, on 127.0.0.1 and a free port, for tests and
// benchmarks. Runs as the postgres user when we are root (initdb refuses root).
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

function pgBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, "bin", "initdb"))) return join(root, v, "bin");
  throw new Error("PostgreSQL is not installed (apt-get install postgresql); .ci/run installs it");
}

export const postgresAvailable = (): boolean => {
  try {
    pgBinDir();
    return true;
  } catch {
    return false;
  }
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Runs SQL as the superuser against a cluster started by startPostgres (possibly in another process). */
export function psqlAt(port: number, sql: string): void {
  const args = ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql];
  const r = spawnSync(join(pgBinDir(), "psql"), args, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
}

export interface PgCluster {
  port: number;
  dir: string;
  /** `postgresql://postgres@127.0.0.1:<port>/<db>` */
  url(database: string): string;
  createDatabase(name: string): void;
  dropDatabase(name: string): void;
  stop(): void;
  start(): void;
  destroy(): void;
}

export async function startPostgres(): Promise<PgCluster> {
  const bin = pgBinDir();
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const dir = mkdtempSync(join(tmpdir(), "labtrack-pg-"));
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
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
  const start = () =>
    run("pg_ctl", [
      "-D",
      data,
      "-l",
      join(dir, "server.log"),
      "-w",
      "-t",
      "60",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
      "start",
    ]);
  const stop = () => {
    run("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"]);
  };
  start();
  const psql = (sql: string) => psqlAt(port, sql);
  return {
    port,
    dir,
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    createDatabase: (name) => psql(`CREATE DATABASE "${name}"`),
    dropDatabase: (name) => psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    stop,
    start: () => {
      start();
    },
    destroy: () => {
      try {
        stop();
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
