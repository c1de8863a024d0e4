// SqlDriver over node-postgres with a connection pool. `?` placeholders become `$1…$n`; while the
// database is unreachable every call fails with TEMPORARILY_UNAVAILABLE (503), and the pool
// reconnects by itself when it is back.
import pg from "pg";
import { MlflowError } from "../errors.js";
import type { SqlDriver, SqlExecutor, SqlParam } from "./driver.js";

const INT8_OID = 20;

/** SQLSTATE classes and Node errors that mean "the database is not there right now". */
function isUnavailable(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  if (typeof code !== "string") {
    return (
      e instanceof Error && /Connection terminated|connect ECONNREFUSED|timeout exceeded/i.test(e.message)
    );
  }
  return (
    code.startsWith("08") ||
    code === "57P01" ||
    code === "57P02" ||
    code === "57P03" ||
    code === "ECONNREFUSED" ||
    code === "ECONNRESET" ||
    code === "EPIPE" ||
    code === "ETIMEDOUT"
  );
}

const isRetryable = (e: unknown): boolean => {
  const code = (e as { code?: unknown }).code;
  return code === "40001" || code === "40P01";
};

function mapError(e: unknown): unknown {
  if (isUnavailable(e)) {
    return new MlflowError(
      "TEMPORARILY_UNAVAILABLE",
      `The database is unavailable (${(e as Error).message}); retry the request.`,
    );
  }
  return e;
}

const converted = new Map<string, string>();

/** Rewrites `?` placeholders (outside quoted text) to PostgreSQL's numbered ones. */
export function toNumberedPlaceholders(sql: string): string {
  const cached = converted.get(sql);
  if (cached !== undefined) return cached;
  let out = "";
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === "?") {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  converted.set(sql, out);
  return out;
}

const names = new Map<string, string>();

/**
 * The store's own statements are named, so they are parsed and planned once per connection (the
 * one-statement writes of pg-one-statement.ts are long but have one text each). Searches (compiled
 * with numbered placeholders already) stay unnamed: they need a plan for their actual values, not a
 * generic one. Multi-row inserts (many parameters) stay unnamed so their many shapes do not pile up
 * on the server.
 */
function statement(sql: string, values: unknown[]): pg.QueryConfig {
  const text = toNumberedPlaceholders(sql);
  const own = text !== sql;
  if (!own || text.length > 8000 || values.length > 64) return { text, values };
  let name = names.get(text);
  if (!name) {
    name = `lt${names.size}`;
    names.set(text, name);
  }
  return { name, text, values };
}

function executor(
  query: (config: pg.QueryConfig | pg.QueryArrayConfig) => Promise<pg.QueryResult>,
): SqlExecutor {
  const exec = async (sql: string, params: readonly SqlParam[] = [], asArrays = false) => {
    try {
      const config = statement(sql, params as unknown[]);
      return await query(asArrays ? { ...config, rowMode: "array" as const } : config);
    } catch (e) {
      throw mapError(e);
    }
  };
  return {
    dialect: "postgres",
    all: async <T>(sql: string, params?: readonly SqlParam[]) => (await exec(sql, params)).rows as T[],
    values: async <T extends readonly unknown[]>(sql: string, params?: readonly SqlParam[]) =>
      (await exec(sql, params, true)).rows as unknown as T[],
    get: async <T>(sql: string, params?: readonly SqlParam[]) =>
      (await exec(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params?: readonly SqlParam[]) => ({
      changes: (await exec(sql, params)).rowCount ?? 0,
    }),
  };
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = "postgres" as const;
  readonly pool: pg.Pool;
  private readonly direct: SqlExecutor;

  constructor(uri: string, options: { maxConnections?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString: uri,
      max: options.maxConnections ?? 16,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      // int8 columns (timestamps, counts) fit in a double for every value we store.
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          oid === INT8_OID
            ? (v: string) => Number(v)
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle client losing its connection (database restart) must not crash the server.
    this.pool.on("error", () => undefined);
    this.direct = executor((config) => this.pool.query(config));
  }

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  values<T extends readonly unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.direct.values<T>(sql, params);
  }

  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.direct.get<T>(sql, params);
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.direct.run(sql, params);
  }

  /**
   * One transaction on one connection of the pool, opened by `begin`: committed when `fn` succeeds,
   * rolled back otherwise. Errors come out as the driver gave them (the callers map them).
   */
  private async inTransaction<T>(begin: string, fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken = false;
    try {
      await client.query(begin);
      const result = await fn(executor((config) => client.query(config)));
      await client.query("COMMIT");
      return result;
    } catch (e) {
      try {
        await client.query("ROLLBACK");
      } catch {
        broken = true;
      }
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async boundedReads<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      // SET LOCAL lasts until the transaction's end: the connection goes back to the pool unchanged.
      return await this.inTransaction("BEGIN READ ONLY; SET LOCAL max_parallel_workers_per_gather = 0", fn);
    } catch (e) {
      throw mapError(e);
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inTransaction("BEGIN", fn);
      } catch (e) {
        // Serialization failures and deadlocks are the database asking us to try again.
        if (isRetryable(e) && attempt < 5) continue;
        throw mapError(e);
      }
    }
  }

  async maintain(): Promise<void> {
    // Autovacuum analyzes only after its nap and a 10% change; searches right after a bulk of new runs
    // need statistics now.
    const stale = await this.all<{ relname: string }>(
      `SELECT relname FROM pg_stat_user_tables
       WHERE relname IN ('runs', 'params', 'tags', 'latest_metrics', 'experiments', 'experiment_tags',
                         'registered_models', 'model_versions', 'model_version_tags', 'registered_model_tags')
         AND n_mod_since_analyze > 50 + 0.05 * n_live_tup`,
    );
    for (const { relname } of stale) await this.run(`ANALYZE ${relname}`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
