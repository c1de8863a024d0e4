// What differs between SQLite and PostgreSQL in compiled searches, in one place: placeholders,
// case-insensitive matching, code-point string ordering, and binding a list.
import type { Comparator, Dialect, SqlFragment } from "./ast.js";

/** SQLite has no Unicode-aware lower(); the store registers this one on each connection. */
export const SQLITE_LOWER = "labtrack_lower";

export class SqlBuilder {
  readonly params: (string | number)[] = [];

  constructor(readonly dialect: Dialect) {}

  /** Binds a value and returns its placeholder. */
  bind(value: string | number): string {
    this.params.push(value);
    return this.dialect === "sqlite" ? "?" : `$${this.params.length}`;
  }

  /** `column IN (…)` for a list of strings, each bound. An empty list matches nothing. */
  inList(column: string, values: readonly string[], negate: boolean): string {
    if (values.length === 0) return negate ? "1 = 1" : "1 = 0";
    return `${column} ${negate ? "NOT IN" : "IN"} (${values.map((v) => this.bind(v)).join(", ")})`;
  }

  /** A string or numeric comparison of `column` with a bound value. */
  compare(column: string, comparator: Exclude<Comparator, "IN" | "NOT IN">, value: string | number): string {
    const placeholder = this.bind(value);
    if (comparator === "ILIKE") {
      return this.dialect === "sqlite"
        ? `${SQLITE_LOWER}(${column}) LIKE ${SQLITE_LOWER}(${placeholder})`
        : `${column} ILIKE ${placeholder}`;
    }
    // Numbers compare as doubles: `start_time > 1.5` or `> 1e309` must not fail on a bigint column.
    if (typeof value === "number" && this.dialect === "postgres") {
      return `${column} ${comparator} CAST(${placeholder} AS DOUBLE PRECISION)`;
    }
    // SQLite's LIKE is made case-sensitive by the store (PRAGMA case_sensitive_like), as MLflow does.
    return `${column} ${comparator} ${placeholder}`;
  }

  /** Strings sort by code point on both databases, whatever PostgreSQL's collation is. */
  sortable(column: string, type: "string" | "number"): string {
    return type === "string" && this.dialect === "postgres" ? `${column} COLLATE "C"` : column;
  }

  done(sql: string): SqlFragment {
    return { sql, params: this.params };
  }
}

export const direction = (ascending: boolean): string => (ascending ? "ASC" : "DESC");
