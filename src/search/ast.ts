// The filter / order_by AST shared by every search (runs, experiments, registered models, model versions).
// Parsers produce it from MLflow's text grammar; compilers turn it into SQL with bound parameters.

/**
 * What a key refers to. `attribute` covers columns of the searched entity (run_name, status, name, …);
 * `metadata` is a trace's request metadata.
 */
export type Entity = "metric" | "param" | "tag" | "attribute" | "dataset" | "metadata";

export type Comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";

export type Value = string | number | readonly string[];

export interface Comparison {
  readonly kind: "comparison";
  readonly entity: Entity;
  /** Canonical key: aliases resolved (e.g. `created` → `start_time`, `run name` → `run_name`). */
  readonly key: string;
  readonly comparator: Comparator;
  /** number for numeric comparisons, string for string ones, string[] for IN / NOT IN. */
  readonly value: Value;
}

/** Labtrack extension: MLflow only has AND; we also accept OR and parentheses (a strict superset). */
export interface Conjunction {
  readonly kind: "and" | "or";
  readonly clauses: readonly Filter[];
}

export type Filter = Comparison | Conjunction;

export interface OrderTerm {
  readonly entity: Entity;
  readonly key: string;
  readonly ascending: boolean;
}

/** A compiled SQL fragment. `params` are bound in order of appearance of the placeholders. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly (string | number)[];
}

/** SQLite uses `?`; PostgreSQL uses `$1, $2, …`. Compilers ask the dialect for each placeholder. */
export type Dialect = "sqlite" | "postgres";
