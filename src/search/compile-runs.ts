// runs/search → one SELECT of run ids in their final order. Filters on metrics, params, tags and
// datasets use the (key, value, run_uuid) and primary-key indexes; order terms are LEFT JOINs — or, for
// a walk (RunWalk), the first order term's (key, value) index is read in order and drives the search.
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
   * (key, value) index instead of being checked run by run. Same results either way. In a walk, the
   * param and tag equalities in it are read once as a list of runs (a few thousand index entries
   * read in order) instead of one random lookup per walked run.
   */
  selective?: ReadonlySet<Comparison> | undefined;
  /** Read the runs in the order of the first order term's index, up to a bound: see RunWalk. */
  walk?: RunWalk | undefined;
  /** Read one value's runs in the experiment's run order, up to a start time: see GroupWalk. */
  group?: GroupWalk | undefined;
}

/**
 * A search ordered by a metric (or, on SQLite, a param or tag) can read that key's (key, value, run_uuid)
 * index in the order asked for and check the filter run by run, instead of checking every run of the
 * experiments and sorting the matches: a top 100 of a broad filter over 1,000,000 runs then reads a few
 * hundred index entries. The walk reads the values up to `bound` (inclusive, in the walk's direction:
 * `>= bound` descending, `<= bound` ascending; null reads every value of the key), so every run that the
 * full order puts before the first run outside the walk is in it: values beyond the bound, NaN and
 * missing values all come after. Its answer is therefore the search's exact answer as long as it holds at
 * least offset + limit runs; the store decides when to walk and how far (walkTerm, compileWalkBound).
 */
export interface RunWalk {
  readonly bound: number | string | null;
}

/**
 * A search ordered by one param or tag (SQLite, one experiment, active or deleted runs) whose first
 * value in that order is shared by many runs — a param of few values, an optimizer's name: a RunWalk
 * would read that value's whole tie group and sort it by start time (40,000 runs of 1,000,000 for a
 * param of 25 values). The group's runs are ordered by start_time DESC, run_uuid, which is the
 * experiment's own index (runs_search_default): reading that index from the newest run, keeping the
 * runs with the value that pass the filter, gives the group's runs in the final order, so the first
 * offset + limit of them are the page whenever they are found among the runs read. `since` bounds the
 * read to the runs started at or after it (ties included); null reads every run. The value must be the
 * key's first in the order over all experiments: no run can then come before the group's.
 */
export interface GroupWalk {
  readonly value: string;
  readonly since: number | null;
}

/** The index a walk of each entity reads, and the table it belongs to. */
const WALK_INDEX = {
  metric: { table: "latest_metrics", index: "latest_metrics_key_value" },
  param: { table: "params", index: "params_key_value" },
  tag: { table: "tags", index: "tags_key_value" },
} as const;

/**
 * The order term a walk would follow, or null when the search cannot be walked: its first order term
 * must be a metric, param or tag. On PostgreSQL strings are ordered by code point (COLLATE "C") while
 * the index follows the database's collation, so only metrics walk there.
 */
export function walkTerm(orderBy: readonly OrderTerm[], dialect: Dialect): OrderTerm | null {
  const first = orderBy[0];
  if (!first) return null;
  if (first.entity === "metric") return first;
  if ((first.entity === "param" || first.entity === "tag") && dialect === "sqlite") return first;
  return null;
}

/**
 * The value at 0-based `position` of the term's key in walk order (one row, column `value`; none when
 * the key has fewer values): the bound of a walk that reads about `position` index entries. NaN rows
 * (stored as 0) and other experiments' runs are counted too — the bound only sizes the walk.
 */
export function compileWalkBound(term: OrderTerm, position: number, dialect: Dialect): SqlFragment {
  const q = new SqlBuilder(dialect);
  const { table } = WALK_INDEX[term.entity as keyof typeof WALK_INDEX];
  const key = q.bind(term.key);
  return q.done(
    `SELECT value FROM ${table} WHERE key = ${key} ORDER BY value ${direction(term.ascending)} LIMIT 1 OFFSET ${q.bind(position)}`,
  );
}

/**
 * The start time of the run at 0-based `position` of one experiment's runs in their default order (one
 * row, column `start_time`; none when it has fewer runs): the bound of a GroupWalk that reads about
 * `position` runs.
 */
export function compileGroupBound(
  query: Pick<RunSearchQuery, "experimentIds" | "viewType" | "dialect">,
  position: number,
): SqlFragment {
  const q = new SqlBuilder(query.dialect);
  const where = runsOfExperiment(query, q);
  return q.done(
    `SELECT r.start_time FROM runs r INDEXED BY runs_search_default WHERE ${where} ORDER BY r.start_time DESC LIMIT 1 OFFSET ${q.bind(position)}`,
  );
}

/**
 * The first value of the order term's key, in its order, among the runs a param or tag equality
 * selects (one row, column `value`: null when they have no value of the key): the GroupWalk of a
 * search whose filter requires that equality starts there, as no run it can answer comes before. The
 * equality's runs of every experiment count: the value is then at or before the first of the page.
 */
export function compileFirstValueAmong(term: OrderTerm, list: Comparison, dialect: Dialect): SqlFragment {
  const q = new SqlBuilder(dialect);
  const termTable = WALK_INDEX[term.entity as "param" | "tag"].table;
  const listTable = WALK_INDEX[list.entity as "param" | "tag"].table;
  // The list's runs drive (CROSS JOIN keeps SQLite's nesting), each one's value found by its key: a
  // read of the key's index in order, probing the list, could cross most of it first (0.7 s).
  return q.done(
    `SELECT ${term.ascending ? "MIN" : "MAX"}(o0.value) AS value FROM ${listTable} l CROSS JOIN ${termTable} o0 WHERE l.key = ${q.bind(list.key)} AND l.value = ${q.bind(list.value as string)} AND o0.run_uuid = l.run_uuid AND o0.key = ${q.bind(term.key)}`,
  );
}

/** Whether a search may be a GroupWalk: its order, experiments and view fit the experiment's index. */
export function groupWalkable(
  query: Pick<RunSearchQuery, "experimentIds" | "viewType" | "orderBy" | "dialect">,
): boolean {
  const first = query.orderBy[0];
  return (
    query.dialect === "sqlite" &&
    query.orderBy.length === 1 &&
    (first?.entity === "param" || first?.entity === "tag") &&
    query.experimentIds.length === 1 &&
    query.viewType !== "ALL"
  );
}

function runsOfExperiment(query: Pick<RunSearchQuery, "experimentIds" | "viewType">, q: SqlBuilder): string {
  return `r.experiment_id = ${q.bind(query.experimentIds[0] as number)} AND r.lifecycle_stage = ${q.bind(query.viewType === "DELETED_ONLY" ? "deleted" : "active")}`;
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

/**
 * `run` is the column holding the run id the clause checks: `r.run_uuid`, or in a walk the walked index's
 * own `o0.run_uuid`, so that SQLite checks the clause before it looks the run up.
 */
function runClause(
  c: Comparison,
  q: SqlBuilder,
  selective: ReadonlySet<Comparison> | undefined,
  run = "r.run_uuid",
  perRun = run !== "r.run_uuid",
): string {
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
        return `${run} IN (SELECT m.run_uuid FROM latest_metrics m WHERE m.key = ${key} AND ${test})`;
      }
      return `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_uuid = ${run} AND m.key = ${key} AND ${test})`;
    }
    case "param":
    case "tag": {
      const table = c.entity === "param" ? "params" : "tags";
      const key = q.bind(c.key);
      const test = q.compare("p.value", comparator as "=", value as string);
      // In a walk the runs come one by one in the walk's order (`perRun`): checked each, unless the caller
      // measured the list to be short enough to build (`selective`).
      return comparator === "=" && (!perRun || selective?.has(c))
        ? `${run} IN (SELECT p.run_uuid FROM ${table} p WHERE p.key = ${key} AND ${test})`
        : `EXISTS (SELECT 1 FROM ${table} p WHERE p.run_uuid = ${run} AND p.key = ${key} AND ${test})`;
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
      return `EXISTS (SELECT 1 FROM run_inputs i JOIN datasets d ON d.dataset_uuid = i.dataset_uuid${context} WHERE i.run_uuid = ${run} AND ${test})`;
    }
    default: {
      const column = RUN_COLUMNS[c.key] as string;
      if (list) return q.inList(column, runIdValues(value as string[]), comparator === "NOT IN");
      return q.compare(column, comparator as "=", value as string | number);
    }
  }
}

/** The comparisons a filter requires of every match (its top-level AND). */
const requiredClauses = (filter: Filter | null): Comparison[] => {
  if (!filter) return [];
  const all = filter.kind === "comparison" ? [filter] : filter.kind === "and" ? filter.clauses : [];
  return all.filter((c): c is Comparison => c.kind === "comparison");
};

/** The metric comparisons a filter requires of every match (top-level AND), the ones worth measuring. */
export function requiredMetricClauses(filter: Filter | null): Comparison[] {
  return requiredClauses(filter).filter((c) => c.entity === "metric" && typeof c.value === "number");
}

/**
 * The param and tag equalities a filter requires of every match: a rare one answers the search faster
 * from its own (key, value) index than a walk, which would read many runs to find the few that match.
 */
export function requiredEqualities(filter: Filter | null): Comparison[] {
  return requiredClauses(filter).filter(
    (c) => (c.entity === "param" || c.entity === "tag") && c.comparator === "=",
  );
}

/**
 * Counts, up to `bound`, the runs of the experiments in the view (one row, column `n`), on the covering
 * index runs_search_default: the number of runs a full search checks.
 */
export function compileRunCount(
  query: Pick<RunSearchQuery, "experimentIds" | "viewType" | "dialect">,
  bound: number,
): SqlFragment {
  const q = new SqlBuilder(query.dialect);
  const where = [`r.experiment_id IN (${query.experimentIds.map((id) => q.bind(id)).join(", ")})`];
  if (query.viewType !== "ALL") {
    where.push(`r.lifecycle_stage = ${q.bind(query.viewType === "ACTIVE_ONLY" ? "active" : "deleted")}`);
  }
  return q.done(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM runs r WHERE ${where.join(" AND ")} LIMIT ${q.bind(bound)}) AS hits`,
  );
}

/** Counts, up to `bound`, the runs a param or tag equality matches (one row, column `n`). */
export function compileEqualityCount(c: Comparison, bound: number, dialect: Dialect): SqlFragment {
  const q = new SqlBuilder(dialect);
  const table = c.entity === "param" ? "params" : "tags";
  const key = q.bind(c.key);
  const value = q.bind(c.value as string);
  return q.done(
    `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${table} WHERE key = ${key} AND value = ${value} LIMIT ${q.bind(bound)}) AS hits`,
  );
}

export function compileRunSearch(query: RunSearchQuery): SqlFragment {
  if (query.group && groupWalkable(query)) return compileGroupWalk(query, query.group);
  const q = new SqlBuilder(query.dialect);
  const walk = query.walk && walkTerm(query.orderBy, query.dialect) ? query.walk : undefined;
  const joins: string[] = [];
  const order: string[] = [];
  query.orderBy.forEach((term, i) => {
    const alias = `o${i}`;
    const dir = direction(term.ascending);
    if (i === 0 && walk) {
      // Every walked row has a value of the key (and, for a metric, not NaN): nothing to put first.
      order.push(`${q.sortable(`${alias}.value`, term.entity === "metric" ? "number" : "string")} ${dir}`);
    } else if (term.entity === "metric") {
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

  let from = "runs r";
  const where: string[] = [];
  if (walk) {
    const term = query.orderBy[0] as OrderTerm;
    const { table, index } = WALK_INDEX[term.entity as keyof typeof WALK_INDEX];
    // SQLite: the index read in order, then each run by its key (CROSS JOIN keeps that nesting); its
    // placeholders are positional, so the walk's own conditions are bound where they are written.
    from =
      query.dialect === "sqlite"
        ? `${table} o0 INDEXED BY ${index} CROSS JOIN runs r`
        : `${table} o0 JOIN runs r ON r.run_uuid = o0.run_uuid`;
    where.push(`o0.key = ${q.bind(term.key)}`);
    if (walk.bound !== null) {
      const value = walk.bound;
      const bound =
        typeof value === "number" && query.dialect === "postgres"
          ? `CAST(${q.bind(value)} AS DOUBLE PRECISION)`
          : q.bind(value);
      where.push(`o0.value ${term.ascending ? "<=" : ">="} ${bound}`);
    }
    // NaN is stored as 0 with is_nan = 1: only a walk reaching 0 can meet one. Testing the value first
    // spares the other rows a look at the table (is_nan is not in the index).
    const reachesZero =
      walk.bound === null ||
      (typeof walk.bound === "number" && (term.ascending ? walk.bound >= 0 : walk.bound <= 0));
    if (term.entity === "metric" && reachesZero) where.push("(o0.value <> 0 OR o0.is_nan = 0)");
    if (query.dialect === "sqlite") where.push("r.run_uuid = o0.run_uuid");
  }
  // Joins of the other order terms come before WHERE in the text: bound in that order for SQLite.
  const joinText = joins.join(" ");
  where.push(`r.experiment_id IN (${query.experimentIds.map((id) => q.bind(id)).join(", ")})`);
  if (query.viewType !== "ALL") {
    where.push(`r.lifecycle_stage = ${q.bind(query.viewType === "ACTIVE_ONLY" ? "active" : "deleted")}`);
  }
  if (query.filter) {
    const run = walk ? "o0.run_uuid" : "r.run_uuid";
    where.push(compileFilter(query.filter, (c) => runClause(c, q, query.selective, run)));
  }
  const sql = `SELECT r.run_uuid FROM ${from} ${joinText} WHERE ${where.join(" AND ")} ORDER BY ${order.join(", ")} LIMIT ${q.bind(query.limit)} OFFSET ${q.bind(query.offset)}`;
  return q.done(sql);
}

/** A GroupWalk's statement: the experiment's index from the newest run, the value checked run by run. */
function compileGroupWalk(query: RunSearchQuery, group: GroupWalk): SqlFragment {
  const q = new SqlBuilder(query.dialect);
  const term = query.orderBy[0] as OrderTerm;
  const { table } = WALK_INDEX[term.entity as "param" | "tag"];
  const where = [runsOfExperiment(query, q)];
  if (group.since !== null) where.push(`r.start_time >= ${q.bind(group.since)}`);
  where.push(
    `EXISTS (SELECT 1 FROM ${table} o0 WHERE o0.run_uuid = r.run_uuid AND o0.key = ${q.bind(term.key)} AND o0.value = ${q.bind(group.value)})`,
  );
  if (query.filter)
    where.push(compileFilter(query.filter, (c) => runClause(c, q, query.selective, "r.run_uuid", true)));
  return q.done(
    `SELECT r.run_uuid FROM runs r INDEXED BY runs_search_default WHERE ${where.join(" AND ")} ORDER BY r.start_time DESC, r.run_uuid ASC LIMIT ${q.bind(query.limit)} OFFSET ${q.bind(query.offset)}`,
  );
}
