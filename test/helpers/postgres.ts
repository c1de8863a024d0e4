// Typed access to the throwaway PostgreSQL cluster (test/helpers/pg-cluster.mjs) for the tests.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pgBinDir, startCluster } from "./pg-cluster.mjs";

export interface PgCluster {
  port: number;
  dir: string;
  /** `postgresql://postgres@127.0.0.1:<port>/<db>` */
  url(database: string): string;
  psql(sql: string): string;
  createDatabase(name: string): void;
  dropDatabase(name: string): void;
  stop(): void;
  start(): void;
  destroy(): void;
}

export const postgresAvailable = (): boolean => pgBinDir() !== null;

/** fsync off: the tests check behaviour, not durability against power loss. */
export const startPostgres = (): Promise<PgCluster> =>
  startCluster({ settings: "-c fsync=off" }) as Promise<PgCluster>;

/** Runs SQL as the superuser against a cluster started by startPostgres (possibly in another process). */
export function psqlAt(port: number, sql: string): void {
  const bin = pgBinDir();
  if (!bin) throw new Error("PostgreSQL is not installed");
  const args = ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql];
  const r = spawnSync(join(bin, "psql"), args, { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
}
