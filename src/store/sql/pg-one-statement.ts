// The hottest writes on PostgreSQL as ONE statement each: data-modifying CTEs check the state of the
// run or experiment and write everything atomically (a statement is its own transaction), in one round
// trip instead of five or six. The rows travel as a few arrays that `unnest()` turns back into rows, so
// each statement has ONE text whatever the number of rows: the driver prepares it once per connection
// and PostgreSQL parses and plans it once, where multi-row VALUES lists made a new statement of
// thousands of parameters for every batch size. (SQLite, in process, gains nothing from this and keeps
// the transactional path.)
import type { KeyValue } from "../types.js";
import type { SqlParam } from "./driver.js";

export interface StoredPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  isNan: 0 | 1;
}

/**
 * SQLSTATE of the deliberate division by zero that aborts a log statement when a param was already
 * there (see ONE_STATEMENT_LOG): the caller then takes the transactional path, which compares values.
 */
export const PARAM_EXISTS_SQLSTATE = "22012";

const CREATE_RUN = `WITH exp AS (SELECT experiment_id, artifact_location FROM experiments
    WHERE experiment_id = ?::bigint AND lifecycle_stage = 'active'),
  created AS (INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, lifecycle_stage, artifact_uri)
    SELECT ?::text, ?::text, exp.experiment_id, ?::text, 'RUNNING', ?::bigint, 'active',
           rtrim(exp.artifact_location, '/') || '/' || ?::text || '/artifacts'
    FROM exp RETURNING run_uuid),
  tagged AS (INSERT INTO tags (run_uuid, key, value)
    SELECT created.run_uuid, t.key, t.value FROM created, unnest(?::text[], ?::text[]) AS t (key, value) RETURNING 1)
  SELECT artifact_location FROM exp`;

/**
 * Creates a run in an active experiment with its tags. Answers the experiment's artifact location, or
 * no row when the experiment is missing or not active (nothing is written then).
 */
export function oneStatementCreateRun(
  run: { id: string; name: string; experimentId: number; userId: string; startTime: number },
  tags: readonly KeyValue[],
): { sql: string; params: SqlParam[] } {
  return {
    sql: CREATE_RUN,
    params: [
      run.experimentId,
      run.id,
      run.name,
      run.userId,
      run.startTime,
      run.id,
      tags.map((t) => t.key),
      tags.map((t) => t.value),
    ],
  };
}

// Every part runs whether or not it has rows (unnest of an empty array gives none). Params are
// insert-only: when one was already there (logged before, or by a concurrent request that committed
// first), the final SELECT divides by zero, which aborts the whole statement; the transactional path
// then tells an identical value (accepted) from a different one (MLflow's 400). A missing or inactive
// run writes nothing and answers active = 0.
const LOG = `WITH run AS (SELECT run_uuid FROM runs WHERE run_uuid = ?::text AND lifecycle_stage = 'active'),
  hist AS (INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)
    SELECT run.run_uuid, m.* FROM run, unnest(?::text[], ?::float8[], ?::bigint[], ?::bigint[], ?::smallint[]) AS m
    ON CONFLICT DO NOTHING RETURNING 1),
  latest AS (INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
    SELECT run.run_uuid, m.* FROM run, unnest(?::text[], ?::float8[], ?::bigint[], ?::bigint[], ?::smallint[]) AS m
    ON CONFLICT (run_uuid, key) DO UPDATE SET
      value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
    WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)
    RETURNING 1),
  tagged AS (INSERT INTO tags (run_uuid, key, value)
    SELECT run.run_uuid, t.* FROM run, unnest(?::text[], ?::text[]) AS t
    ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value RETURNING 1),
  renamed AS (UPDATE runs SET name = ?::text
    WHERE ?::text IS NOT NULL AND run_uuid IN (SELECT run_uuid FROM run) RETURNING 1),
  added AS (INSERT INTO params (run_uuid, key, value)
    SELECT run.run_uuid, p.* FROM run, unnest(?::text[], ?::text[]) AS p
    ON CONFLICT DO NOTHING RETURNING 1)
  SELECT active, 1 / (CASE WHEN active = 0 OR (SELECT COUNT(*) FROM added) = ?::bigint THEN 1 ELSE 0 END) AS ok
  FROM (SELECT COUNT(*) AS active FROM run) r`;

const column = <T>(points: readonly StoredPoint[], pick: (m: StoredPoint) => T): T[] => points.map(pick);

/** The metric arrays of LOG: keys, values, timestamps, steps, NaN flags. */
const metricArrays = (points: readonly StoredPoint[]): SqlParam[] => [
  column(points, (m) => m.key),
  column(points, (m) => m.value),
  column(points, (m) => m.timestamp),
  column(points, (m) => m.step),
  column(points, (m) => m.isNan),
];

/**
 * Logs a batch to an active run: history points, each key's winning latest point, tags (deduplicated
 * by the caller), the run's name when a tag renames it, and params that must all be new. Answers a row
 * whose `active` is 0 when the run is missing or not active (nothing written); fails with
 * PARAM_EXISTS_SQLSTATE when a param was already there (nothing written either).
 */
export function oneStatementLog(
  runId: string,
  points: readonly StoredPoint[],
  latest: readonly StoredPoint[],
  tags: readonly KeyValue[],
  runName: string | undefined,
  params: readonly KeyValue[],
): { sql: string; params: SqlParam[] } {
  const name = runName ?? null;
  return {
    sql: LOG,
    params: [
      runId,
      ...metricArrays(points),
      ...metricArrays(latest),
      tags.map((t) => t.key),
      tags.map((t) => t.value),
      name,
      name,
      params.map((p) => p.key),
      params.map((p) => p.value),
      params.length,
    ],
  };
}
