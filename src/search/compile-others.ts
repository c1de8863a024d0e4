// experiments/search, registered-models/search and model-versions/search → SELECTs of keys in order.
import type { Comparison, Dialect, Filter, OrderTerm, SqlFragment } from "./ast.js";
import { compileFilter } from "./compile-filter.js";
import { direction, SqlBuilder } from "./sql.js";

interface Query {
  filter: Filter | null;
  orderBy: readonly OrderTerm[];
  limit: number;
  offset: number;
  dialect: Dialect;
}

interface Target {
  select: string;
  /** Attribute key → column. */
  columns: Record<string, string>;
  /** Keys whose columns are numbers (the others sort as strings, by code point). */
  numeric: readonly string[];
  /** The tag table and how it joins the searched row. */
  tags: { table: string; join: string };
  /** Always-true conditions, e.g. hiding deleted versions. */
  where?: string[];
  /** Order terms appended when the caller did not name their key. */
  tieBreakers: { key: string; ascending: boolean }[];
  /** Used when no order_by is given at all. */
  defaultOrder: { key: string; ascending: boolean }[];
}

function clause(c: Comparison, q: SqlBuilder, t: Target): string {
  if (c.entity === "tag") {
    return `EXISTS (SELECT 1 FROM ${t.tags.table} g WHERE ${t.tags.join} AND g.key = ${q.bind(c.key)} AND ${q.compare("g.value", c.comparator as "=", c.value as string)})`;
  }
  const column = t.columns[c.key] as string;
  if (c.comparator === "IN" || c.comparator === "NOT IN") {
    return q.inList(column, c.value as string[], c.comparator === "NOT IN");
  }
  return q.compare(column, c.comparator, c.value as string | number);
}

function compile(t: Target, query: Query, extraWhere: (q: SqlBuilder) => string[] = () => []): SqlFragment {
  const q = new SqlBuilder(query.dialect);
  const where = [...(t.where ?? []), ...extraWhere(q)];
  if (query.filter) where.push(compileFilter(query.filter, (c) => clause(c, q, t)));
  const terms =
    query.orderBy.length > 0
      ? [...query.orderBy]
      : t.defaultOrder.map((o) => ({ ...o, entity: "attribute" as const }));
  const named = new Set(terms.map((o) => t.columns[o.key]));
  for (const tie of t.tieBreakers) {
    if (!named.has(t.columns[tie.key])) {
      terms.push({ entity: "attribute", ...tie });
      named.add(t.columns[tie.key]);
    }
  }
  const order = terms.map((o) => {
    const column = t.columns[o.key] as string;
    const type = t.numeric.includes(o.key) ? "number" : "string";
    return `CASE WHEN ${column} IS NULL THEN 1 ELSE 0 END, ${q.sortable(column, type)} ${direction(o.ascending)}`;
  });
  const sql = `SELECT ${t.select} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY ${order.join(", ")} LIMIT ${q.bind(query.limit)} OFFSET ${q.bind(query.offset)}`;
  return q.done(sql);
}

const EXPERIMENT_TARGET: Target = {
  // The whole row, which the store answers with: read again by id, it was one more statement (a round
  // trip on PostgreSQL) for every experiments/search.
  select: "e.* FROM experiments e",
  columns: {
    name: "e.name",
    experiment_id: "e.experiment_id",
    creation_time: "e.creation_time",
    last_update_time: "e.last_update_time",
  },
  numeric: ["experiment_id", "creation_time", "last_update_time"],
  tags: { table: "experiment_tags", join: "g.experiment_id = e.experiment_id" },
  tieBreakers: [{ key: "experiment_id", ascending: false }],
  defaultOrder: [
    { key: "creation_time", ascending: false },
    { key: "experiment_id", ascending: true },
  ],
};

export function compileExperimentSearch(
  query: Query & { viewType: "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL" },
): SqlFragment {
  return compile(EXPERIMENT_TARGET, query, (q) =>
    query.viewType === "ALL"
      ? []
      : [`e.lifecycle_stage = ${q.bind(query.viewType === "ACTIVE_ONLY" ? "active" : "deleted")}`],
  );
}

const MODEL_TARGET: Target = {
  select: "m.name FROM registered_models m",
  columns: {
    name: "m.name",
    timestamp: "m.last_updated_time",
    last_updated_timestamp: "m.last_updated_time",
  },
  numeric: ["timestamp", "last_updated_timestamp"],
  tags: { table: "registered_model_tags", join: "g.name = m.name" },
  tieBreakers: [{ key: "name", ascending: true }],
  defaultOrder: [{ key: "name", ascending: true }],
};

export function compileRegisteredModelSearch(query: Query): SqlFragment {
  return compile(MODEL_TARGET, query);
}

const VERSION_TARGET: Target = {
  select: "v.name, v.version FROM model_versions v",
  columns: {
    name: "v.name",
    source_path: "v.source",
    run_id: "v.run_id",
    version_number: "v.version",
    creation_timestamp: "v.creation_time",
    last_updated_timestamp: "v.last_updated_time",
  },
  numeric: ["version_number", "creation_timestamp", "last_updated_timestamp"],
  tags: { table: "model_version_tags", join: "g.name = v.name AND g.version = v.version" },
  where: ["v.current_stage <> 'Deleted_Internal'"],
  tieBreakers: [
    { key: "name", ascending: true },
    { key: "version_number", ascending: false },
  ],
  defaultOrder: [{ key: "last_updated_timestamp", ascending: false }],
};

export function compileModelVersionSearch(query: Query): SqlFragment {
  return compile(VERSION_TARGET, query);
}
