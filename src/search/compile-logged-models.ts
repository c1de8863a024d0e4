// logged-models/search → one SELECT of model ids in their final order (two when ordered first by a
// metric, see compileLoggedModelSearch's `part`). A metric of a model is the latest value (by timestamp,
// then step) logged with its id under that key — on the requested datasets only, when some are named.
// Schema step 8 keeps that value per (model, key) and per (model, key, dataset) in
// logged_model_latest_metrics; other dataset restrictions (several datasets, a name without a digest)
// compute it from the points through their (model_id, key, timestamp, step) index.
import type { Comparator, Comparison, Dialect, Filter, SqlFragment } from "./ast.js";
import { compileFilter } from "./compile-filter.js";
import { LOGGED_MODELS } from "./schemas.js";
import { direction, SqlBuilder } from "./sql.js";

type Datasets = readonly { name: string; digest: string | undefined }[];

export interface LoggedModelOrderTerm {
  /** An attribute key (`name`, `creation_timestamp`, …), or a metric key when `metric` is true. */
  key: string;
  metric: boolean;
  ascending: boolean;
  datasetName: string | undefined;
  datasetDigest: string | undefined;
}

export interface LoggedModelSearchQuery {
  experimentIds: readonly number[];
  filter: Filter | null;
  datasets: Datasets;
  orderBy: readonly LoggedModelOrderTerm[];
  limit: number;
  offset: number;
  dialect: Dialect;
  /**
   * Metric comparisons and param / tag equalities known to match few rows (see compileMetricPointCount,
   * compileKeyedCount): the search starts from their (key, value) index entries. The others are checked model by model while the models are read
   * in the requested order, which stops once a page is full.
   */
  selective?: ReadonlySet<Comparison>;
}

export const LOGGED_MODEL_ORDER_ATTRIBUTES = LOGGED_MODELS.orderAttributes;

const COLUMNS: Record<string, string> = {
  name: "lm.name",
  model_id: "lm.model_id",
  model_type: "lm.model_type",
  status: "lm.status",
  source_run_id: "lm.source_run_id",
  creation_timestamp: "lm.creation_timestamp_ms",
  last_updated_timestamp: "lm.last_updated_timestamp_ms",
};

/** Users write MLflow's Python names (`READY`); the wire and the store use the proto names. */
const STATUS_NAMES: Record<string, string> = {
  PENDING: "LOGGED_MODEL_PENDING",
  READY: "LOGGED_MODEL_READY",
  FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
  UPLOAD_FAILED: "LOGGED_MODEL_UPLOAD_FAILED",
};
const statusValue = (v: string): string => STATUS_NAMES[v.toUpperCase()] ?? v;

function onDatasets(q: SqlBuilder, datasets: Datasets): string {
  if (datasets.length === 0) return "";
  const each = datasets.map((d) =>
    d.digest === undefined
      ? `m.dataset_name = ${q.bind(d.name)}`
      : `(m.dataset_name = ${q.bind(d.name)} AND m.dataset_digest = ${q.bind(d.digest)})`,
  );
  return ` AND (${each.join(" OR ")})`;
}

/**
 * The rows of logged_model_latest_metrics that hold the latest values under these datasets: dataset
 * '' '' for none named (all points), the dataset itself for one named with its digest. null: kept by no
 * row (computed from the points).
 */
function keptScope(datasets: Datasets): { name: string; digest: string } | null {
  if (datasets.length === 0) return { name: "", digest: "" };
  const [only] = datasets;
  if (datasets.length > 1 || !only || only.name === "" || only.digest === undefined) return null;
  return { name: only.name, digest: only.digest };
}

/** `l.key = … AND l.dataset_name = … AND l.dataset_digest = …` over logged_model_latest_metrics `l`. */
function kept(q: SqlBuilder, key: string, scope: { name: string; digest: string }): string {
  return `l.key = ${q.bind(key)} AND l.dataset_name = ${q.bind(scope.name)} AND l.dataset_digest = ${q.bind(scope.digest)}`;
}

/** The datasets an order term restricts its metric to. */
const termDatasets = (term: LoggedModelOrderTerm): Datasets =>
  term.datasetName === undefined ? [] : [{ name: term.datasetName, digest: term.datasetDigest }];

/** The model's latest value of a metric key (NULL when absent or NaN). */
function latestMetric(q: SqlBuilder, key: string, datasets: Datasets): string {
  const scope = keptScope(datasets);
  if (scope) {
    return `(SELECT l.value FROM logged_model_latest_metrics l WHERE l.model_id = lm.model_id AND ${kept(q, key, scope)})`;
  }
  // Ties broken as the triggers of schema step 8 break them: a NaN, then the greatest value.
  return `(SELECT CASE WHEN m.is_nan = 1 THEN NULL ELSE m.value END FROM logged_model_metrics m
    WHERE m.model_id = lm.model_id AND m.key = ${q.bind(key)}${onDatasets(q, datasets)}
    ORDER BY m.timestamp DESC, m.step DESC, m.is_nan DESC, m.value DESC LIMIT 1)`;
}

/** Comparisons that a point's value can satisfy only if it is a number (never NULL or NaN). */
const VALUE_DRIVEN = new Set<Comparator>(["=", ">", ">=", "<", "<="]);

/**
 * The model ids of rows whose value compares so: the kept latest values when a row of
 * logged_model_latest_metrics holds them (exactly the models that match), else the points (a superset:
 * a model's latest point is one of its points). Either way read from a (key, value) index.
 */
function valueMatch(
  q: SqlBuilder,
  c: Comparison,
  datasets: Datasets,
  experimentIds: readonly number[],
): { sql: string; exact: boolean } {
  const scope = keptScope(datasets);
  if (scope) {
    const experiments = experimentIds.map((id) => q.bind(id)).join(", ");
    const where = `l.experiment_id IN (${experiments}) AND ${kept(q, c.key, scope)} AND ${q.compare("l.value", c.comparator as "=", c.value as number)}`;
    return { sql: `SELECT l.model_id FROM logged_model_latest_metrics l WHERE ${where}`, exact: true };
  }
  const where = `m.key = ${q.bind(c.key)} AND m.is_nan = 0 AND ${q.compare("m.value", c.comparator as "=", c.value as number)}${onDatasets(q, datasets)}`;
  return { sql: `SELECT m.model_id FROM logged_model_metrics m WHERE ${where}`, exact: false };
}

/** The metric comparisons every match must satisfy (ANDed at the top) that a point's value can drive. */
export function requiredMetricComparisons(filter: Filter | null): Comparison[] {
  if (!filter) return [];
  const top = filter.kind === "and" ? filter.clauses : [filter];
  return top.filter(
    (c): c is Comparison =>
      c.kind === "comparison" &&
      c.entity === "metric" &&
      VALUE_DRIVEN.has(c.comparator) &&
      typeof c.value === "number",
  );
}

/** How many rows of valueMatch there are, counted up to `bound` (index only). */
export function compileMetricPointCount(
  c: Comparison,
  datasets: Datasets,
  bound: number,
  dialect: Dialect,
  experimentIds: readonly number[],
): SqlFragment {
  const q = new SqlBuilder(dialect);
  const match = valueMatch(q, c, datasets, experimentIds);
  return q.done(`SELECT COUNT(*) AS n FROM (${match.sql} LIMIT ${q.bind(bound)}) s`);
}

/**
 * Ends a correlated EXISTS over a model's kept metric values that must stay a probe of each model (by
 * the primary key), made while the models are read in the requested order until the page is full, as
 * the scalar subquery of a latest value computed from the points is. PostgreSQL otherwise turns it into
 * a join of every matching row and sorts them all whenever its statistics of the values (of all keys
 * at once) say they are rare; the rare ones are found by a bounded index count and read from the index
 * instead. `OFFSET 0` keeps a subquery from being pulled up into a join.
 */
const probeOnly = (q: SqlBuilder): string => (q.dialect === "postgres" ? " OFFSET 0" : "");

const KEYED = { param: "logged_model_params", tag: "logged_model_tags" } as const;

/** The param / tag equalities every match must satisfy (those ANDed at the top). */
export function requiredKeyedEqualities(filter: Filter | null): Comparison[] {
  if (!filter) return [];
  const top = filter.kind === "and" ? filter.clauses : [filter];
  return top.filter(
    (c): c is Comparison =>
      c.kind === "comparison" && (c.entity === "param" || c.entity === "tag") && c.comparator === "=",
  );
}

/** `p.key = … AND p.value = …` through the (key, value) index of params or tags, aliased `p`. */
function keyedEquality(q: SqlBuilder, c: Comparison): string {
  const key = `p.key = ${q.bind(c.key)}`;
  const value = c.value as string;
  if (q.dialect !== "postgres") return `${key} AND p.value = ${q.bind(value)}`;
  // PostgreSQL indexes the values' first 256 characters (a B-tree entry has a size limit). A shorter
  // value equals its prefix only if it is the whole value; saying it once more would make the planner
  // count far fewer matches than there are.
  return Array.from(value).length < 256
    ? `${key} AND substr(p.value, 1, 256) = ${q.bind(value)}`
    : `${key} AND substr(p.value, 1, 256) = substr(${q.bind(value)}, 1, 256) AND p.value = ${q.bind(value)}`;
}

/** How many params / tags (of any model) are equal so, counted up to `bound` (index only). */
export function compileKeyedCount(c: Comparison, bound: number, dialect: Dialect): SqlFragment {
  const q = new SqlBuilder(dialect);
  const table = KEYED[c.entity as "param" | "tag"];
  return q.done(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${table} p WHERE ${keyedEquality(q, c)} LIMIT ${q.bind(bound)}) s`,
  );
}

function clause(c: Comparison, q: SqlBuilder, query: LoggedModelSearchQuery): string {
  const { comparator, value } = c;
  switch (c.entity) {
    case "metric": {
      const scope = keptScope(query.datasets);
      const latest = () =>
        scope
          ? `EXISTS (SELECT 1 FROM logged_model_latest_metrics l WHERE l.model_id = lm.model_id AND ${kept(q, c.key, scope)} AND ${q.compare("l.value", comparator as "=", value as number)}${probeOnly(q)})`
          : q.compare(latestMetric(q, c.key, query.datasets), comparator as "=", value as number);
      if (!query.selective?.has(c)) return latest();
      // Few rows compare so: the search starts from their index entries (a list of most of the
      // experiment, then sorted, would be slower than checking the models in order). Points are a
      // superset whose models' latest values are then checked. On PostgreSQL as an array computed once:
      // as `IN (…)` the planner checked every model's latest value first and the list after. Built in
      // text order: SQLite binds by position.
      const match = valueMatch(q, c, query.datasets, query.experimentIds);
      const candidates =
        q.dialect === "postgres" ? `lm.model_id = ANY(ARRAY(${match.sql}))` : `lm.model_id IN (${match.sql})`;
      return match.exact ? candidates : `(${candidates} AND ${latest()})`;
    }
    case "param":
    case "tag": {
      const table = KEYED[c.entity];
      if (query.selective?.has(c)) {
        const match = `SELECT p.model_id FROM ${table} p WHERE ${keyedEquality(q, c)}`;
        return q.dialect === "postgres" ? `lm.model_id = ANY(ARRAY(${match}))` : `lm.model_id IN (${match})`;
      }
      // PostgreSQL picks between reading the models in order (probing each one's key) and joining
      // every matching row, from its statistics of (key, value) pairs (schema step 8): either is right
      // for some filters (a common value, several that are rare together).
      const match =
        comparator === "="
          ? keyedEquality(q, c)
          : `p.key = ${q.bind(c.key)} AND ${q.compare("p.value", comparator as "!=", value as string)}`;
      return `EXISTS (SELECT 1 FROM ${table} p WHERE p.model_id = lm.model_id AND ${match})`;
    }
    default: {
      const column = COLUMNS[c.key] as string;
      const status = c.key === "status" && comparator !== "LIKE" && comparator !== "ILIKE";
      if (comparator === "IN" || comparator === "NOT IN") {
        const list = (value as string[]).map((v) => (status ? statusValue(v) : v));
        return q.inList(column, list, comparator === "NOT IN");
      }
      const v = status ? statusValue(value as string) : value;
      return q.compare(column, comparator, v as string | number);
    }
  }
}

function metricClauses(filter: Filter | null): boolean {
  if (!filter) return false;
  if (filter.kind === "comparison") return filter.entity === "metric";
  return filter.clauses.some(metricClauses);
}

/**
 * Whether the search is ordered first by a metric that logged_model_latest_metrics keeps: then it runs
 * in parts (see compileLoggedModelSearch), each of which reads an index in the requested order.
 */
export function ordersByKeptMetric(orderBy: readonly LoggedModelOrderTerm[]): boolean {
  const first = orderBy[0];
  return first?.metric === true && keptScope(termDatasets(first)) !== null;
}

/**
 * Ordered first by a kept metric (ordersByKeptMetric), a search is two: the models with a value of it
 * (`valued`: their kept values walked in the (experiment, key, value) index's order, each model checked
 * against the filter, until the page is full), then the models without one (`unvalued`, last in both
 * directions as MLflow: in the order of the other terms); `valued-count` counts the first, for an
 * offset past them. Any other search is one (`all`): the order values computed per model, then sorted.
 */
export type LoggedModelSearchPart = "all" | "valued" | "unvalued" | "valued-count";

export function compileLoggedModelSearch(
  query: LoggedModelSearchQuery,
  part: LoggedModelSearchPart = "all",
): SqlFragment {
  const q = new SqlBuilder(query.dialect);
  const split = part !== "all";
  const first = query.orderBy[0];
  const firstScope = first?.metric ? keptScope(termDatasets(first)) : null;
  if (split && (!first || !firstScope)) throw new Error("not ordered first by a kept metric");
  // Each order value is computed once, as a column of an inner SELECT (a metric's is a subquery), and
  // the outer query sorts on it. Built in the order the placeholders appear: SQLite binds by position.
  const columns = ["lm.model_id AS model_id", "lm.creation_timestamp_ms AS created"];
  const order: string[] = [];
  query.orderBy.forEach((term, i) => {
    const alias = `o${i}`;
    const dir = direction(term.ascending);
    if (split && i === 0) {
      // No NULLs here: the order of the index (read backwards for DESC), without a NULLS clause.
      if (part === "valued") {
        columns.push(`l.value AS ${alias}`);
        order.push(`${alias} ${dir}`);
      }
      return;
    }
    if (part === "valued-count") return;
    let type: "string" | "number" = "number";
    if (term.metric) {
      columns.push(`${latestMetric(q, term.key, termDatasets(term))} AS ${alias}`);
    } else {
      columns.push(`${COLUMNS[term.key] as string} AS ${alias}`);
      if (LOGGED_MODELS.attributes[term.key]?.type !== "number") type = "string";
    }
    // Models without the value come last, in both directions. One mention of the alias: the planner
    // inlines it, and a second one (`CASE WHEN o0 IS NULL`) computed a metric's subquery twice per model.
    order.push(`${q.sortable(alias, type)} ${dir} NULLS LAST`);
  });
  if (!query.orderBy.some((t) => !t.metric && t.key === "creation_timestamp")) order.push("created DESC");
  if (!query.orderBy.some((t) => !t.metric && t.key === "model_id"))
    order.push(`${q.sortable("model_id", "string")} ASC`);

  const experiments = () => query.experimentIds.map((id) => q.bind(id)).join(", ");
  const where = [`lm.experiment_id IN (${experiments()})`, "lm.lifecycle_stage = 'active'"];
  let from = "logged_models lm";
  if (first && firstScope && (part === "valued" || part === "valued-count")) {
    // CROSS JOIN: SQLite then keeps the kept values as the outer loop, in their index's order (else it
    // reads every model of the experiment and sorts them all); PostgreSQL plans it as any join.
    from = "logged_model_latest_metrics l CROSS JOIN logged_models lm";
    where.push(
      "lm.model_id = l.model_id",
      `l.experiment_id IN (${experiments()})`,
      kept(q, first.key, firstScope),
      "l.value IS NOT NULL",
    );
  } else if (first && firstScope && part === "unvalued") {
    where.push(
      `NOT EXISTS (SELECT 1 FROM logged_model_latest_metrics l WHERE l.model_id = lm.model_id AND ${kept(q, first.key, firstScope)} AND l.value IS NOT NULL)`,
    );
  }
  if (query.filter) where.push(compileFilter(query.filter, (c) => clause(c, q, query)));
  // Datasets without a metric filter: the models that have some metric on one of them (as MLflow).
  if (query.datasets.length > 0 && !metricClauses(query.filter)) {
    where.push(
      `EXISTS (SELECT 1 FROM logged_model_metrics m WHERE m.model_id = lm.model_id${onDatasets(q, query.datasets)})`,
    );
  }
  const inner = `SELECT ${columns.join(", ")} FROM ${from} WHERE ${where.join(" AND ")}`;
  if (part === "valued-count") return q.done(`SELECT COUNT(*) AS n FROM (${inner}) t`);
  const sql = `SELECT model_id FROM (${inner}) t ORDER BY ${order.join(", ")} LIMIT ${q.bind(query.limit)} OFFSET ${q.bind(query.offset)}`;
  return q.done(sql);
}
