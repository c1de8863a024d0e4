// The hottest writes on PostgreSQL as ONE statement each: data-modifying CTEs check the state of the
// run or experiment and write everything atomically, in one round trip instead of five. (SQLite, in
// process, gains nothing from this and keeps the transactional path.)
import type { KeyValue } from "../types.js";
import type { SqlParam } from "./driver.js";

export interface StoredPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  isNan: 0 | 1;
}

/** Builds VALUES lists with typed placeholders, collecting the bound values. */
class Values {
  readonly params: SqlParam[] = [];

  bind(value: SqlParam, type: string): string {
    this.params.push(value);
    return `?::${type}`;
  }

  rows(rows: readonly (readonly [SqlParam, string][])[]): string {
    return rows.map((row) => `(${row.map(([value, type]) => this.bind(value, type)).join(", ")})`).join(", ");
  }
}

const tagRows = (v: Values, tags: readonly KeyValue[]) =>
  v.rows(
    tags.map((t) => [
      [t.key, "text"],
      [t.value, "text"],
    ]),
  );

/**
 * Creates a run in an active experiment with its tags. Answers the experiment's artifact location, or
 * no row when the experiment is missing or not active (nothing is written then).
 */
export function oneStatementCreateRun(
  run: { id: string; name: string; experimentId: number; userId: string; startTime: number },
  tags: readonly KeyValue[],
): { sql: string; params: SqlParam[] } {
  const v = new Values();
  const sql = `WITH exp AS (SELECT experiment_id, artifact_location FROM experiments
                  WHERE experiment_id = ${v.bind(run.experimentId, "bigint")} AND lifecycle_stage = 'active'),
    created AS (INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, lifecycle_stage, artifact_uri)
      SELECT ${v.bind(run.id, "text")}, ${v.bind(run.name, "text")}, exp.experiment_id, ${v.bind(run.userId, "text")},
             'RUNNING', ${v.bind(run.startTime, "bigint")}, 'active',
             rtrim(exp.artifact_location, '/') || '/' || ${v.bind(run.id, "text")} || '/artifacts'
      FROM exp RETURNING run_uuid),
    tagged AS (INSERT INTO tags (run_uuid, key, value)
      SELECT created.run_uuid, t.column1, t.column2 FROM created, (VALUES ${tagRows(v, tags)}) t RETURNING 1)
    SELECT artifact_location FROM exp`;
  return { sql, params: v.params };
}

export function oneStatementLog(
  runId: string,
  points: readonly StoredPoint[],
  latest: readonly StoredPoint[],
  tags: readonly KeyValue[],
  runName: string | undefined,
): { sql: string; params: SqlParam[] } {
  const v = new Values();
  const metricRows = (list: readonly StoredPoint[]) =>
    v.rows(
      list.map((m) => [
        [m.key, "text"],
        [m.value, "float8"],
        [m.timestamp, "bigint"],
        [m.step, "bigint"],
        [m.isNan, "smallint"],
      ]),
    );
  const ctes = [
    `run AS (SELECT run_uuid FROM runs WHERE run_uuid = ${v.bind(runId, "text")} AND lifecycle_stage = 'active')`,
  ];
  if (points.length > 0) {
    ctes.push(
      `hist AS (INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
        SELECT run.run_uuid, v.column1, v.column2, v.column3, v.column4, v.column5 FROM run, (VALUES ${metricRows(points)}) v
        ON CONFLICT DO NOTHING RETURNING 1)`,
      `latest AS (INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
        SELECT run.run_uuid, v.column1, v.column2, v.column3, v.column4, v.column5 FROM run, (VALUES ${metricRows(latest)}) v
        ON CONFLICT (run_uuid, key) DO UPDATE SET
          value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
        WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)
        RETURNING 1)`,
    );
  }
  if (tags.length > 0) {
    ctes.push(
      `tagged AS (INSERT INTO tags (run_uuid, key, value) SELECT run.run_uuid, v.column1, v.column2 FROM run, (VALUES ${tagRows(v, tags)}) v
        ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value RETURNING 1)`,
    );
  }
  if (runName !== undefined) {
    ctes.push(
      `renamed AS (UPDATE runs SET name = ${v.bind(runName, "text")} WHERE run_uuid IN (SELECT run_uuid FROM run) RETURNING 1)`,
    );
  }
  return { sql: `WITH ${ctes.join(",\n")}\nSELECT COUNT(*) AS active FROM run`, params: v.params };
}
