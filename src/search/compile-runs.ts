// runs/search → one SELECT of run ids in their final order. Filters on metrics, params, tags and
// datasets use the (key, value, run_uuid) and primary-key indexes; order terms are LEFT JOINs.
import type { Comparison, Dialect, Filter, OrderTerm, SqlFragment } from "./ast.js";
import { compileFilter } from "./compile-filter.js";
import { RUNS } from "./schemas.js";
import { direction, SqlBuilder } from "./sql.js";

export interface RunSearchQuery {
  experimentIds: readonly number[];
  viewType: "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
  filter: Filter | null;
  orderBy: readonly OrderTerm[];
  limit: number;
  offset: number;
  dialect: Dialect;
  /**
   * Metric comparisons the caller measured to match few runs: they select run ids through the
   * (key, value) index instead of being checked run by run. Same results either way.
   */
  selective?: ReadonlySet<Comparison> | undefined;
}

const RUN_COLUMNS: Record<string, string> = {
  run_id: "r.run_uuid",
  run_name: "r.name",
  user_id: "r.user_id",
  status: "r.status",
  artifact_uri: "r.artifact_uri",
  start_time: "r.start_time",
  end_time: "r.end_time",
};

/** Run ids are lowercase hex: MLflow silently drops list values with uppercase letters. */
const runIdValues = (values: readonly string[]) => values.filter((v) => v === v.toLowerCase());

function runClause(c: Comparison, q: SqlBuilder, selective: ReadonlySet<Comparison> | undefined): string {
  const { comparator, value } = c;
  const list = comparator === "IN" || comparator === "NOT IN";
  switch (c.entity) {
    // Equality on a param or tag is usually selective: `run_uuid IN (…)` over the (key, value, run_uuid)
    // index lets the planner start from the few runs it selects (100,000 runs: 80 → a few ms). Ranges,
    // LIKE and != select much more, so they stay per-run EXISTS checks on the primary keys — as a list
    // they would be materialised whole on every search.
    case "metric": {
      const key = q.bind(c.key); // bound first: SQLite's placeholders are positional
      // A NaN latest value compares as IEEE says, as MLflow's stores agree: it is != every number and
      // matches no other comparison.
      const test =
        comparator === "!="
          ? `(m.is_nan = 1 OR ${q.compare("m.value", "!=", value as number)})`
          : `m.is_nan = 0 AND ${q.compare("m.value", comparator as "=", value as number)}`;
      if (selective?.has(c)) {
        return `r.run_uuid IN (SELECT m.run_uuid FROM latest_metrics m WHERE m.key = ${key} AND ${test})`;
      }
      return `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = r.run_uuid AND m.key = ${key} AND ${test})`;
    }
    case "param":
    case "tag": {
      const table = c.entity === "param" ? "params" : "tags";
      const key = q.bind(c.key);
      const test = q.compare("p.value", comparator as "=", value as string);
      return comparator === "="
        ? `r.run_uuid IN (SELECT p.run_uuid FROM ${table} p WHERE p.key = ${key} AND ${test})`
        : `EXISTS (SELECT 1 FROM ${table} p WHERE p.run_uuid = r.run_uuid AND p.key = ${key} AND ${test})`;
    }
    case "dataset": {
      const column = c.key === "context" ? "t.value" : c.key === "name" ? "d.name" : "d.digest";
      const context =
        c.key === "context"
          ? ` JOIN input_tags t ON t.run_uuid = i.run_uuid AND t.dataset_uuid = i.dataset_uuid AND t.key = ${q.bind("mlflow.data.context")}`
          : "";
      const test = list
        ? q.inList(column, value as string[], comparator === "NOT IN")
        : q.compare(column, comparator as "=", value as string);
      return `EXISTS (SELECT 1 FROM run_inputs i JOIN datasets d ON d.dataset_uuid = i.dataset_uuid${context} WHERE i.run_uuid = r.run_uuid AND ${test})`;
    }
    default: {
      const column = RUN_COLUMNS[c.key] as string;
      if (list) return q.inList(column, runIdValues(value as string[]), comparator === "NOT IN");
      return q.compare(column, comparator as "=", value as string | number);
    }
  }
}

/** The metric comparisons a filter requires of every match (top-level AND), the ones worth measuring. */
export function requiredMetricClauses(filter: Filter | null): Comparison[] {
  if (!filter) return [];
  const all = filter.kind === "comparison" ? [filter] : filter.kind === "and" ? filter.clauses : [];
  return all.filter(
    (c): c is Comparison => c.kind === "comparison" && c.entity === "metric" && typeof c.value === "number",
  );
}

export function compileRunSearch(query: RunSearchQuery): SqlFragment {
  const q = new SqlBuilder(query.dialect);
  const joins: string[] = [];
  const order: string[] = [];
  query.orderBy.forEach((term, i) => {
    const alias = `o${i}`;
    const dir = direction(term.ascending);
    if (term.entity === "metric") {
      joins.push(
        `LEFT JOIN latest_metrics ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${alias}.key = ${q.bind(term.key)}`,
      );
      // Values first, then NaN, then runs without the metric — in both directions, as MLflow.
      order.push(
        `CASE WHEN ${alias}.run_uuid IS NULL THEN 2 WHEN ${alias}.is_nan = 1 THEN 1 ELSE 0 END`,
        `${alias}.value ${dir}`,
      );
    } else if (term.entity === "param" || term.entity === "tag") {
      const table = term.entity === "param" ? "params" : "tags";
      joins.push(
        `LEFT JOIN ${table} ${alias} ON ${alias}.run_uuid = r.run_uuid AND ${alias}.key = ${q.bind(term.key)}`,
      );
      order.push(
        `CASE WHEN ${alias}.value IS NULL THEN 1 ELSE 0 END`,
        `${q.sortable(`${alias}.value`, "string")} ${dir}`,
      );
    } else {
      const column = RUN_COLUMNS[term.key] as string;
      const type = RUNS.attributes[term.key]?.type ?? "string";
      order.push(`CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END`, `${q.sortable(column, type)} ${dir}`);
    }
  });
  if (!query.orderBy.some((t) => t.entity === "attribute" && t.key === "start_time"))
    order.push("r.start_time DESC");
  order.push(`${q.sortable("r.run_uuid", "string")} ASC`);

  const where = [`r.experiment_id IN (${query.experimentIds.map((id) => q.bind(id)).join(", ")})`];
  if (query.viewType !== "ALL") {
    where.push(`r.lifecycle_stage = ${q.bind(query.viewType === "ACTIVE_ONLY" ? "active" : "deleted")}`);
  }
  if (query.filter) where.push(compileFilter(query.filter, (c) => runClause(c, q, query.selective)));
  const sql = `SELECT r.run_uuid FROM runs r ${joins.join(" ")} WHERE ${where.join(" AND ")} ORDER BY ${order.join(", ")} LIMIT ${q.bind(query.limit)} OFFSET ${q.bind(query.offset)}`;
  return q.done(sql);
}
