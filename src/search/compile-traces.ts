// MLflow's trace search (GET /mlflow/traces): its filter grammar — attributes (request_id, status,
// timestamp_ms, execution_time_ms, and `name` / `run_id`, which MLflow reads from the
// `mlflow.traceName` tag and the `mlflow.sourceRun` request metadata), `tags.x` and
// `request_metadata.x` — and its order_by, compiled to one SELECT of the traces in their final order.
import type { Comparator, Comparison, Dialect, Filter, OrderTerm, SqlFragment } from "./ast.js";
import { compileFilter } from "./compile-filter.js";
import { SearchError } from "./errors.js";
import { parseFilter, parseOrderBy } from "./parser.js";
import type { SearchSchema } from "./schemas.js";
import { direction, SqlBuilder } from "./sql.js";

/** Attributes MLflow maps onto a tag or request metadata key. */
const NAME_TAG = "mlflow.traceName";
const SOURCE_RUN = "mlflow.sourceRun";

export const TRACES: SearchSchema = {
  name: "traces",
  prefixes: {
    tag: "tag",
    tags: "tag",
    attribute: "attribute",
    attributes: "attribute",
    trace: "attribute",
    request_metadata: "metadata",
    metadata: "metadata",
  },
  attributes: {
    request_id: { type: "string", list: true, notIn: true },
    status: { type: "string", list: true, notIn: true },
    timestamp_ms: { type: "number" },
    execution_time_ms: { type: "number" },
    name: { type: "string" },
    run_id: { type: "string" },
  },
  aliases: { timestamp: "timestamp_ms", execution_time: "execution_time_ms" },
  stringEntities: ["tag", "metadata"],
  numberEntities: [],
  orderAttributes: [
    "experiment_id",
    "timestamp_ms",
    "execution_time_ms",
    "status",
    "request_id",
    "name",
    "run_id",
  ],
  orderEntities: ["tag", "metadata"],
};

/** Comparisons on a tag or request metadata (incl. `name` and `run_id`) become these. */
interface KeyedComparison {
  table: "trace_tags" | "trace_request_metadata";
  key: string;
}

function keyed(entity: Comparison["entity"], key: string): KeyedComparison | null {
  if (entity === "tag") return { table: "trace_tags", key };
  if (entity === "metadata") return { table: "trace_request_metadata", key };
  if (entity === "attribute" && key === "name") return { table: "trace_tags", key: NAME_TAG };
  if (entity === "attribute" && key === "run_id") return { table: "trace_request_metadata", key: SOURCE_RUN };
  return null;
}

/**
 * MLflow allows no LIKE / ILIKE on traces (too slow on large values, it says): tags and request
 * metadata take `=` and `!=`, the string attributes also `IN` and `NOT IN`.
 */
function checkComparators(filter: Filter | null): void {
  if (!filter) return;
  if (filter.kind !== "comparison") {
    for (const c of filter.clauses) checkComparators(c);
    return;
  }
  const { entity, key, comparator } = filter;
  if (comparator !== "LIKE" && comparator !== "ILIKE") return;
  const allowed = keyed(entity, key) ? "=, !=" : "=, !=, IN, NOT IN";
  const what = entity === "attribute" ? `attribute '${key}'` : `${entity} '${key}'`;
  throw new SearchError(`Invalid comparator '${comparator}' for ${what} of a trace: use one of ${allowed}`);
}

export function parseTraceFilter(text: string | undefined): Filter | null {
  const filter = parseFilter(text, TRACES);
  checkComparators(filter);
  return filter;
}

export const parseTraceOrderBy = (items: readonly string[] | undefined): OrderTerm[] =>
  parseOrderBy(items, TRACES);

export interface TraceSearchQuery {
  experimentIds: readonly number[];
  filter: Filter | null;
  /**
   * Tag / metadata equalities known to match few traces (see traceSelectivityCounts): the search
   * starts from their index entries. The others are checked trace by trace while the traces are read
   * in the requested order, which stops once a page is full.
   */
  selective?: ReadonlySet<Comparison>;
  orderBy: readonly OrderTerm[];
  limit: number;
  offset: number;
  dialect: Dialect;
}

const COLUMNS: Record<string, { column: string; type: "string" | "number"; nullable: boolean }> = {
  experiment_id: { column: "t.experiment_id", type: "number", nullable: false },
  request_id: { column: "t.request_id", type: "string", nullable: false },
  status: { column: "t.status", type: "string", nullable: false },
  timestamp_ms: { column: "t.timestamp_ms", type: "number", nullable: false },
  // NULL while the trace is in progress.
  execution_time_ms: { column: "t.execution_time_ms", type: "number", nullable: true },
};

/** `key = … AND value <op> …` over the tag / metadata table aliased `x`. */
function keyedMatch(q: SqlBuilder, k: KeyedComparison, comparator: Comparator, value: string): string {
  const key = `x.key = ${q.bind(k.key)}`;
  // PostgreSQL indexes the values' first 256 characters (a B-tree entry has a size limit).
  if (q.dialect !== "postgres" || comparator !== "=") {
    return `${key} AND ${q.compare("x.value", comparator as "=" | "!=", value)}`;
  }
  // A value of fewer than 256 characters equals its prefix only if it is the whole value; saying it
  // once more would make the planner count ~200 times fewer matches than there are.
  return Array.from(value).length < 256
    ? `${key} AND substr(x.value, 1, 256) = ${q.bind(value)}`
    : `${key} AND substr(x.value, 1, 256) = substr(${q.bind(value)}, 1, 256) AND x.value = ${q.bind(value)}`;
}

/**
 * The traces whose `key` compares so with `value`. A selective equality is a list read from the
 * (key, value) index that drives the search; otherwise a probe of each trace's own key, so that the
 * traces are read in the index's order and the search stops at a full page (a list of most of the
 * experiment, then sorted, is what made a common tag 30 times slower than no filter).
 */
function keyedClause(q: SqlBuilder, k: KeyedComparison, c: Comparison, selective: boolean): string {
  const value = c.value as string;
  if (selective) {
    return `t.request_id IN (SELECT x.request_id FROM ${k.table} x WHERE ${keyedMatch(q, k, c.comparator, value)})`;
  }
  return `EXISTS (SELECT 1 FROM ${k.table} x WHERE x.request_id = t.request_id AND ${keyedMatch(q, k, c.comparator, value)})`;
}

/** The equalities on tags or request metadata every match must satisfy (those ANDed at the top). */
export function requiredKeyedEqualities(filter: Filter | null): Comparison[] {
  if (!filter) return [];
  const top = filter.kind === "and" ? filter.clauses : [filter];
  return top.filter(
    (c): c is Comparison =>
      c.kind === "comparison" && c.comparator === "=" && keyed(c.entity, c.key) !== null,
  );
}

/** How many tag / metadata rows match an equality, counted up to `bound` (index only). */
export function compileKeyedCount(c: Comparison, bound: number, dialect: Dialect): SqlFragment {
  const q = new SqlBuilder(dialect);
  const k = keyed(c.entity, c.key) as KeyedComparison;
  const match = keyedMatch(q, k, "=", c.value as string);
  return q.done(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${k.table} x WHERE ${match} LIMIT ${q.bind(bound)}) s`,
  );
}

function clause(c: Comparison, q: SqlBuilder, selective: ReadonlySet<Comparison> | undefined): string {
  const k = keyed(c.entity, c.key);
  if (k) return keyedClause(q, k, c, selective?.has(c) === true);
  const column = (COLUMNS[c.key] as { column: string }).column;
  if (c.comparator === "IN" || c.comparator === "NOT IN") {
    return q.inList(column, c.value as string[], c.comparator === "NOT IN");
  }
  // An integer bound compares as the bigint column's own type, so that PostgreSQL can read the range
  // in the (experiment, timestamp) index; other numbers compare as doubles (SqlBuilder.compare).
  if (
    typeof c.value === "number" &&
    Number.isSafeInteger(c.value) &&
    c.comparator !== "LIKE" &&
    c.comparator !== "ILIKE"
  ) {
    return `${column} ${c.comparator} ${q.bind(c.value)}`;
  }
  return q.compare(column, c.comparator, c.value as string | number);
}

/** A tag or request metadata value of the trace, for ordering (NULL when it has none). */
function keyedValue(q: SqlBuilder, k: KeyedComparison): string {
  return `(SELECT x.value FROM ${k.table} x WHERE x.request_id = t.request_id AND x.key = ${q.bind(k.key)})`;
}

export function compileTraceSearch(query: TraceSearchQuery): SqlFragment {
  const q = new SqlBuilder(query.dialect);
  // Built in the order the placeholders appear (WHERE, ORDER BY, LIMIT): SQLite binds by position.
  const where = [`t.experiment_id IN (${query.experimentIds.map((id) => q.bind(id)).join(", ")})`];
  if (query.filter) where.push(compileFilter(query.filter, (c) => clause(c, q, query.selective)));
  const order: string[] = [];
  for (const term of query.orderBy) {
    const dir = direction(term.ascending);
    const k = keyed(term.entity, term.key);
    if (k) {
      // Traces without the value come last, in both directions (as MLflow).
      order.push(`CASE WHEN ${keyedValue(q, k)} IS NULL THEN 1 ELSE 0 END`);
      order.push(`${q.sortable(keyedValue(q, k), "string")} ${dir}`);
      continue;
    }
    const spec = COLUMNS[term.key] as (typeof COLUMNS)[string];
    // Traces in progress (no execution time) last, in both directions, as MLflow; said as NULLS LAST
    // so that the slowest-first order reads the trace_info_duration index.
    order.push(`${q.sortable(spec.column, spec.type)} ${dir}${spec.nullable ? " NULLS LAST" : ""}`);
  }
  const ordered = (key: string) => query.orderBy.some((t) => t.entity === "attribute" && t.key === key);
  if (!ordered("timestamp_ms")) order.push("t.timestamp_ms DESC");
  if (!ordered("request_id")) order.push(`${q.sortable("t.request_id", "string")} ASC`);
  const sql = `SELECT t.request_id, t.experiment_id, t.timestamp_ms, t.execution_time_ms, t.status FROM trace_info t WHERE ${where.join(" AND ")} ORDER BY ${order.join(", ")} LIMIT ${q.bind(query.limit)} OFFSET ${q.bind(query.offset)}`;
  return q.done(sql);
}
