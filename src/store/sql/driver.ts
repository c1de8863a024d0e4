// What the shared SQL store needs from a database: a few async query methods and write transactions.
// SQL is written once with `?` placeholders; `Dialect` fragments cover what differs between engines.
import type { Dialect } from "../../search/ast.js";

export type SqlParam = string | number | null | readonly string[] | readonly number[];

export interface SqlExecutor {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /**
   * The rows as arrays in the statement's column order. For reads of many rows: an object per row
   * costs the drivers two to three times the read itself (10,000 history points: ~33 ms as objects,
   * ~13 ms as arrays on SQLite), and the garbage collector as much again.
   */
  values<T extends readonly unknown[]>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }>;
}

export interface SqlDriver extends SqlExecutor {
  /** Runs `fn` in one write transaction: all of it is committed, or none of it. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Runs `fn`'s reads, each bounded in the rows it may read (a search's walk: run-walk.ts), without
   * parallel plans. PostgreSQL plans parallel workers for some of them, and starting the workers costs
   * more than they save on reads this small: a walk of 20,000 index entries at 1,000,000 runs took
   * ~75 ms with them, ~58 without, on 2 cores. SQLite has no parallel plans.
   */
  boundedReads<T>(fn: (q: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Keeps the query planner's statistics fresh: the search plans depend on them, and a table that
   * grew from empty without new statistics gets plans that are quadratic in its size.
   */
  maintain(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `column IN (list)` with the whole list bound as one parameter, so that long lists never hit a
 * placeholder limit: a JSON array on SQLite, a native array on PostgreSQL.
 */
export function inList(dialect: Dialect, column: string, type: "text" | "bigint"): string {
  return dialect === "sqlite"
    ? `${column} IN (SELECT value FROM json_each(?))`
    : `${column} = ANY(?::${type}[])`;
}

export function listParam(dialect: Dialect, values: readonly (string | number)[]): SqlParam {
  return dialect === "sqlite" ? JSON.stringify(values) : (values as readonly string[]);
}
