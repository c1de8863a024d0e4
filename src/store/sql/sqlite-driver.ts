// SqlDriver over better-sqlite3. The connection is shared by every request, so statements of one
// transaction must not interleave with another request's: a queue runs one operation at a time.
import type Database from "better-sqlite3";
import type { SqlDriver, SqlExecutor, SqlParam } from "./driver.js";

type Statement = Database.Statement<unknown[], unknown>;

export class SqliteDriver implements SqlDriver {
  readonly dialect = "sqlite" as const;
  private readonly cache = new Map<string, Statement>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly direct: SqlExecutor;
  // Prepared once: `exec` would parse these three on every write request.
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;

  constructor(private readonly db: Database.Database) {
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
    const prepare = (sql: string): Statement => {
      let stmt = this.cache.get(sql);
      if (!stmt) {
        // Multi-row inserts make many shapes of one statement; keep the cache bounded.
        if (this.cache.size >= 2000) this.cache.clear();
        stmt = db.prepare(sql);
        this.cache.set(sql, stmt);
      }
      return stmt;
    };
    const bind = (params: readonly SqlParam[] | undefined) => (params ?? []) as unknown[];
    this.direct = {
      all: async <T>(sql: string, params?: readonly SqlParam[]) => prepare(sql).all(...bind(params)) as T[],
      get: async <T>(sql: string, params?: readonly SqlParam[]) =>
        prepare(sql).get(...bind(params)) as T | undefined,
      run: async (sql: string, params?: readonly SqlParam[]) => ({
        changes: prepare(sql).run(...bind(params)).changes,
      }),
    };
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn, fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.exclusive(() => this.direct.all<T>(sql, params));
  }

  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.exclusive(() => this.direct.get<T>(sql, params));
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.exclusive(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      // IMMEDIATE takes the write lock up front: another process sharing the file waits (busy
      // timeout) instead of failing half-way.
      this.begin.run();
      try {
        const result = await fn(this.direct);
        this.commit.run();
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.rollback.run();
        throw e;
      }
    });
  }

  async maintain(): Promise<void> {
    // Cheap when nothing changed; analyzes the tables whose size moved a lot.
    await this.exclusive(async () => this.db.pragma("optimize"));
  }

  async close(): Promise<void> {
    await this.exclusive(async () => this.db.close());
  }
}
