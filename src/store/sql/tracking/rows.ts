// The tracking store's rows and how they become MLflow's objects, and the lookups every part of the
// store starts from (an experiment or run that must exist, or be active), with MLflow's errors.
import { invalidParameter, notFound } from "../../errors.js";
import type { Experiment, KeyValue, Metric, RunInfo, RunStatus } from "../../types.js";
import type { SqlExecutor } from "../driver.js";
import { experimentIdNumber } from "../experiment-row.js";

export interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: "active" | "deleted";
  creation_time: number | null;
  last_update_time: number | null;
}

export interface RunRow {
  run_uuid: string;
  name: string;
  experiment_id: number;
  user_id: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: "active" | "deleted";
  artifact_uri: string;
}

/**
 * A metric point's columns after its key, as `values` reads them (POINT_COLUMNS); reads of several
 * runs add run_uuid after them. The key is the one asked for, not read again for every point.
 */
export const POINT_COLUMNS = "value, timestamp, step, is_nan, model_id, dataset_name, dataset_digest";
export type PointValues = readonly [
  value: number,
  timestamp: number,
  step: number,
  isNan: number,
  modelId: string,
  datasetName: string,
  datasetDigest: string,
];

export function pointOf(key: string, r: readonly [...PointValues, ...unknown[]]): Metric {
  const m: Metric = { key, value: r[3] ? Number.NaN : r[0], timestamp: r[1], step: r[2] };
  // '' when the point names no model or dataset (MLflow 3's fields).
  if (r[4]) m.modelId = r[4];
  if (r[5]) m.datasetName = r[5];
  if (r[6]) m.datasetDigest = r[6];
  return m;
}

/** A run's latest value of a metric, as `values` reads LATEST_COLUMNS from latest_metrics. */
export const LATEST_COLUMNS = "run_uuid, key, value, timestamp, step, is_nan";
export type LatestValues = readonly [
  runUuid: string,
  key: string,
  value: number,
  timestamp: number,
  step: number,
  isNan: number,
];

export const latestOf = (r: LatestValues): Metric => ({
  key: r[1],
  value: r[5] ? Number.NaN : r[2],
  timestamp: r[3],
  step: r[4],
});

/** A run's param or tag, as `values` reads `run_uuid, key, value`. */
export type KeyValueValues = readonly [runUuid: string, key: string, value: string];

export const keyValueOf = (r: KeyValueValues): KeyValue => ({ key: r[1], value: r[2] });

/** The history columns of a metric point. */
export const HISTORY_COLUMNS =
  "run_uuid, key, value, timestamp, step, is_nan, model_id, dataset_name, dataset_digest";

export const kv = ({ key, value }: { key: string; value: string }): KeyValue => ({ key, value });

export function joinArtifactUri(root: string, ...parts: string[]): string {
  return [root.replace(/\/+$/, ""), ...parts].join("/");
}

export const toRunInfo = (row: RunRow): RunInfo => ({
  runId: row.run_uuid,
  runName: row.name,
  experimentId: String(row.experiment_id),
  userId: row.user_id,
  status: row.status,
  startTime: row.start_time,
  endTime: row.end_time,
  artifactUri: row.artifact_uri,
  lifecycleStage: row.lifecycle_stage,
});

export function newRunRow(
  id: string,
  name: string,
  experiment: Pick<ExperimentRow, "experiment_id" | "artifact_location">,
  input: { userId: string; startTime: number },
): RunRow {
  return {
    run_uuid: id,
    name,
    experiment_id: experiment.experiment_id,
    user_id: input.userId,
    status: "RUNNING",
    start_time: input.startTime,
    end_time: null,
    lifecycle_stage: "active",
    artifact_uri: joinArtifactUri(experiment.artifact_location, id, "artifacts"),
  };
}

export const toExperiment = (row: ExperimentRow, tags: KeyValue[]): Experiment => ({
  experimentId: String(row.experiment_id),
  name: row.name,
  artifactLocation: row.artifact_location,
  lifecycleStage: row.lifecycle_stage,
  creationTime: row.creation_time,
  lastUpdateTime: row.last_update_time,
  tags,
});

export async function experimentRow(q: SqlExecutor, experimentId: string): Promise<ExperimentRow> {
  const id = experimentIdNumber(experimentId);
  const row =
    id === null
      ? undefined
      : await q.get<ExperimentRow>("SELECT * FROM experiments WHERE experiment_id = ?", [id]);
  if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
  return row;
}

export async function activeExperiment(q: SqlExecutor, experimentId: string): Promise<ExperimentRow> {
  const row = await experimentRow(q, experimentId);
  if (row.lifecycle_stage !== "active") {
    throw invalidParameter(
      `The experiment ${experimentId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
    );
  }
  return row;
}

export async function runRow(q: SqlExecutor, runId: string): Promise<RunRow> {
  const row = await q.get<RunRow>("SELECT * FROM runs WHERE run_uuid = ?", [runId]);
  if (!row) throw notFound(`Run with id=${runId} not found`);
  return row;
}

export async function activeRun(
  q: SqlExecutor,
  runId: string,
): Promise<Pick<RunRow, "lifecycle_stage" | "experiment_id">> {
  // Only what the writes that check it need, not the whole row.
  const row = await q.get<Pick<RunRow, "lifecycle_stage" | "experiment_id">>(
    "SELECT lifecycle_stage, experiment_id FROM runs WHERE run_uuid = ?",
    [runId],
  );
  if (!row) throw notFound(`Run with id=${runId} not found`);
  if (row.lifecycle_stage !== "active") {
    throw invalidParameter(
      `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
    );
  }
  return row;
}
