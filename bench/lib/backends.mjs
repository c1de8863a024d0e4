// Fresh stores for each benchmark: a SQLite file in a temp directory, or a database in a throwaway
// PostgreSQL cluster (Debian's packages, 127.0.0.1, free port).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pgBinDir, startCluster } from "../../test/helpers/pg-cluster.mjs";

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

export async function postgresBackend() {
  if (!pgBinDir()) return null;
  // Durable settings (fsync on): the figures are what a real deployment would see.
  const cluster = await startCluster({ prefix: "labtrack-bench-pg-", settings: "-c shared_buffers=256MB" });
  let n = 0;
  return {
    name: "PostgreSQL",
    async fresh(label) {
      const db = `bench_${label}_${n++}`;
      cluster.createDatabase(db);
      const uri = cluster.url(db);
      return { uri, location: { kind: "postgres", uri } };
    },
    version() {
      return cluster.psql("SHOW server_version");
    },
    async destroy() {
      cluster.destroy();
    },
  };
}
