// Fresh stores for each benchmark: a SQLite file in a temp directory, or a database in a throwaway
// PostgreSQL cluster (Debian's packages, 127.0.0.1, free port).
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function sqliteBackend() {
  const dir = mkdtempSync(join(tmpdir(), "labtrack-bench-"));
  let n = 0;
  return {
    name: "SQLite",
    async fresh(label) {
      const file = join(dir, `${label}-${n++}.db`);
      return { uri: `sqlite:///${file}`, location: { kind: "sqlite", file } };
    },
    version() {
      return "";
    },
    async destroy() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function pgBin() {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const v = readdirSync(root)
    .sort((a, b) => Number(b) - Number(a))
    .find((d) => existsSync(join(root, d, "bin", "initdb")));
  return v ? join(root, v, "bin") : null;
}

const freePort = () =>
  new Promise((done) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => done(port));
    });
  });

export async function postgresBackend() {
  const bin = pgBin();
  if (!bin) return null;
  const asRoot = process.getuid?.() === 0;
  const run = (cmd, args) => {
    const [file, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]]
      : [join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  const dir = mkdtempSync(join(tmpdir(), "labtrack-bench-pg-"));
  if (asRoot) {
    const id = (flag) => Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
    chownSync(dir, id("-u"), id("-g"));
  }
  const data = join(dir, "data");
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
  // Durable settings (fsync on): the figures are what a real deployment would see.
  run("pg_ctl", [
    "-D",
    data,
    "-l",
    join(dir, "log"),
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_buffers=256MB`,
    "start",
  ]);
  const psql = (sql) =>
    spawnSync(join(bin, "psql"), ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-tAc", sql], {
      encoding: "utf8",
    });
  let n = 0;
  return {
    name: "PostgreSQL",
    async fresh(label) {
      const db = `bench_${label}_${n++}`;
      psql(`CREATE DATABASE ${db}`);
      const uri = `postgresql://postgres@127.0.0.1:${port}/${db}`;
      return { uri, location: { kind: "postgres", uri } };
    },
    version() {
      return psql("SHOW server_version").stdout.trim();
    },
    async destroy() {
      run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
