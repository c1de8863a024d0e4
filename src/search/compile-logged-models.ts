// logged-models/search → one SELECT of model ids in their final order. A metric of a model is the
// latest value (by timestamp, then step) logged with its id under that key — on the requested
// datasets only, when some are named — read through the (model_id, key, timestamp, step) index.
import type { Comparator, Comparison, Dialect, Filter, SqlFragment } from "./ast.js";
import { compileFilter } from "./compile-filter.js";
import { LOGGED_MODELS } from "./schemas.js";
import { direction, SqlBuilder } from "./sql.js";

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
  datasets: readonly { name: string; digest: string | undefined }[];
  orderBy: readonly LoggedModelOrderTerm[];
  limit: number;
  offset: number;
  dialect: Dialect;
  /**
   * Metric comparisons known to match few points (see compileMetricPointCount): the search starts from
   * their (key, value) index entries. The others are checked model by model while the models are read
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

function onDatasets(
  q: SqlBuilder,
  datasets: readonly { name: string; digest: string | undefined }[],
): string {
  if (datasets.length === 0) return "";
  const each = datasets.map((d) =>
    d.digest === undefined
      ? `m.dataset_name = ${q.bind(d.name)}`
      : `(m.dataset_name = ${q.bind(d.name)} AND m.dataset_digest = ${q.bind(d.digest)})`,
  );
  return ` AND (${each.join(" OR ")})`;
}

/** The model's latest value of a metric key (NULL when absent or NaN). */
function latestMetric(
  q: SqlBuilder,
  key: string,
  datasets: readonly { name: string; digest: string | undefined }[],
): string {
  return `(SELECT CASE WHEN m.is_nan = 1 THEN NULL ELSE m.value END FROM logged_model_metrics m
    WHERE m.model_id = lm.model_id AND m.key = ${q.bind(key)}${onDatasets(q, datasets)}
    ORDER BY m.timestamp DESC, m.step DESC LIMIT 1)`;
}

/** Comparisons that a point's value can satisfy only if it is a number (never NULL or NaN). */
const VALUE_DRIVEN = new Set<Comparator>(["=", ">", ">=", "<", "<="]);

/** `m.key = … AND m.value <op> …` over the points of logged_model_metrics aliased `m`. */
function pointMatch(
  q: SqlBuilder,
  c: Comparison,
  datasets: readonly { name: string; digest: string | undefined }[],
): string {
  return `m.key = ${q.bind(c.key)} AND m.is_nan = 0 AND ${q.compare("m.value", c.comparator as "=", c.value as number)}${onDatasets(q, datasets)}`;
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

/** How many metric points (of any model) compare so, counted up to `bound` (index only). */
export function compileMetricPointCount(
  c: Comparison,
  datasets: readonly { name: string; digest: string | undefined }[],
  bound: number,
  dialect: Dialect,
): SqlFragment {
  const q = new SqlBuilder(dialect);
  const match = pointMatch(q, c, datasets);
  return q.done(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM logged_model_metrics m WHERE ${match} LIMIT ${q.bind(bound)}) s`,
  );
}

function clause(c: Comparison, q: SqlBuilder, query: LoggedModelSearchQuery): string {
  const { comparator, value } = c;
  switch (c.entity) {
    case "metric": {
      const latest = () =>
        q.compare(latestMetric(q, c.key, query.datasets), comparator as "=", value as number);
      if (!query.selective?.has(c)) return latest();
      // The model's latest point is one of its points: the models with a point that compares so are a
      // superset, read from the (key, value) index, and only their latest values are computed (a list of
      // most of the experiment, then sorted, would be slower than checking the models in order). On
      // PostgreSQL as an array computed once: as `IN (…)` the planner checked every model's latest
      // value first and the list after. Built in text order: SQLite binds by position.
      const points = `SELECT m.model_id FROM logged_model_metrics m WHERE ${pointMatch(q, c, query.datasets)}`;
      const candidates =
        q.dialect === "postgres" ? `lm.model_id = ANY(ARRAY(${points}))` : `lm.model_id IN (${points})`;
      return `(${candidates} AND ${latest()})`;
    }
    case "param":
    case "tag": {
      const table = c.entity === "param" ? "logged_model_params" : "logged_model_tags";
      return `EXISTS (SELECT 1 FROM ${table} p WHERE p.model_id = lm.model_id AND p.key = ${q.bind(c.key)} AND ${q.compare("p.value", comparator as "=", value as string)})`;
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

export function compileLoggedModelSearch(query: LoggedModelSearchQuery): SqlFragment {
  const q = new SqlBuilder(query.dialect);
  // Each order value is computed once, as a column of an inner SELECT (a metric's is a subquery), and
  // the outer query sorts on it. Built in the order the placeholders appear: SQLite binds by position.
  const columns = ["lm.model_id AS model_id", "lm.creation_timestamp_ms AS created"];
  const order: string[] = [];
  query.orderBy.forEach((term, i) => {
    const alias = `o${i}`;
    const dir = direction(term.ascending);
    let type: "string" | "number" = "number";
    if (term.metric) {
      const datasets =
        term.datasetName === undefined ? [] : [{ name: term.datasetName, digest: term.datasetDigest }];
      columns.push(`${latestMetric(q, term.key, datasets)} AS ${alias}`);
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

  const where = [
    `lm.experiment_id IN (${query.experimentIds.map((id) => q.bind(id)).join(", ")})`,
    "lm.lifecycle_stage = 'active'",
  ];
  if (query.filter) where.push(compileFilter(query.filter, (c) => clause(c, q, query)));
  // Datasets without a metric filter: the models that have some metric on one of them (as MLflow).
  if (query.datasets.length > 0 && !metricClauses(query.filter)) {
    where.push(
      `EXISTS (SELECT 1 FROM logged_model_metrics m WHERE m.model_id = lm.model_id${onDatasets(q, query.datasets)})`,
    );
  }
  const inner = `SELECT ${columns.join(", ")} FROM logged_models lm WHERE ${where.join(" AND ")}`;
  const sql = `SELECT model_id FROM (${inner}) t ORDER BY ${order.join(", ")} LIMIT ${q.bind(query.limit)} OFFSET ${q.bind(query.offset)}`;
  return q.done(sql);
}
