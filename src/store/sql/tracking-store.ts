// The tracking store on any SQL database behind SqlDriver (SQLite, PostgreSQL): one implementation,
// so both behave the same down to ordering and error codes. Every write is one transaction.
import { randomUUID } from "node:crypto";
import type { Comparison, Filter } from "../../search/ast.js";
import {
  compileExperimentSearch,
  compileRunSearch,
  decodePageToken,
  encodePageToken,
  requiredMetricClauses,
} from "../../search/index.js";
import { invalidParameter, MlflowError, notFound } from "../errors.js";
import { bulkIntervalSteps } from "../metric-sampling.js";
import { LIMITS, RUN_NAME_TAG, storedMetricValue } from "../rules.js";
import { randomRunName } from "../run-names.js";
import type {
  DeleteTracesInput,
  EndTraceInput,
  SearchTracesInput,
  StartTraceInput,
  TraceInfo,
} from "../trace-types.js";
import type {
  BulkHistoryInput,
  BulkIntervalInput,
  CreateLoggedModelInput,
  CreateRunInput,
  DatasetInput,
  DatasetSummary,
  Experiment,
  HistoryInput,
  KeyValue,
  LogBatchInput,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  MetricWithRunId,
  ModelOutput,
  Page,
  PurgedExperiment,
  PurgedRun,
  Run,
  RunInfo,
  RunStatus,
  SearchExperimentsInput,
  SearchLoggedModelsInput,
  SearchRunsInput,
  TrackingStore,
  UpdateRunInput,
} from "../types.js";
import { inList, listParam, type SqlDriver, type SqlExecutor, type SqlParam } from "./driver.js";
import { groupBy } from "./group.js";
import { insertRows } from "./insert-rows.js";
import { SqlLoggedModels } from "./logged-models.js";
import {
  oneStatementCreateRun,
  oneStatementLog,
  PARAM_EXISTS_SQLSTATE,
  type StoredPoint,
} from "./pg-one-statement.js";
import { SqlTraces } from "./traces.js";

interface ExperimentRow {
  experiment_id: number;
  name: string;
  artifact_location: string;
  lifecycle_stage: "active" | "deleted";
  creation_time: number | null;
  last_update_time: number | null;
}

interface RunRow {
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

interface MetricRow {
  run_uuid: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
  /** History rows only ('' when the point names no model or dataset). */
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

interface KeyValueRow {
  run_uuid: string;
  key: string;
  value: string;
}

/** The input tag that says what a dataset was used for (`training`, `eval`…). */
const DATASET_CONTEXT_TAG = "mlflow.data.context";

const toMetric = (r: MetricRow): Metric => {
  const m: Metric = {
    key: r.key,
    value: r.is_nan ? Number.NaN : r.value,
    timestamp: r.timestamp,
    step: r.step,
  };
  if (r.model_id) m.modelId = r.model_id;
  if (r.dataset_name) m.datasetName = r.dataset_name;
  if (r.dataset_digest) m.datasetDigest = r.dataset_digest;
  return m;
};

/** The history columns of a metric point. */
const HISTORY_COLUMNS =
  "run_uuid, key, value, timestamp, step, is_nan, model_id, dataset_name, dataset_digest";

/** A point that names a model or dataset (MLflow 3), which the one-statement path does not write. */
const isLinked = (m: Metric): boolean => Boolean(m.modelId || m.datasetName || m.datasetDigest);

const kv = ({ key, value }: { key: string; value: string }): KeyValue => ({ key, value });

/** Parses an experiment id as MLflow's SQL store does: an integer, else it cannot exist. */
function experimentIdNumber(id: string): number | null {
  return /^-?\d{1,15}$/.test(id) ? Number(id) : null;
}

export function joinArtifactUri(root: string, ...parts: string[]): string {
  return [root.replace(/\/+$/, ""), ...parts].join("/");
}

const toRunInfo = (row: RunRow): RunInfo => ({
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

function newRunRow(
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

const toExperiment = (row: ExperimentRow, tags: KeyValue[]): Experiment => ({
  experimentId: String(row.experiment_id),
  name: row.name,
  artifactLocation: row.artifact_location,
  lifecycleStage: row.lifecycle_stage,
  creationTime: row.creation_time,
  lastUpdateTime: row.last_update_time,
  tags,
});

// Replaces the latest point only when the new one wins (step, timestamp, value) in tuple order; NaN
// takes part as value 0, as in MLflow.
const LATEST_WINS = `
  ON CONFLICT (run_uuid, key) DO UPDATE SET
    value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
  WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`;

const UPSERT_TAG =
  "INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value";

const toStoredPoints = (metrics: readonly Metric[]): (StoredPoint & Metric)[] =>
  metrics.map((m) => {
    const { value, isNan } = storedMetricValue(m.value);
    return { ...m, value, isNan };
  });

/** Each key's winning point within a batch, so that an upsert touches each row once. */
function latestPerKey(points: readonly StoredPoint[]): StoredPoint[] {
  const best = new Map<string, StoredPoint>();
  for (const m of points) {
    const b = best.get(m.key);
    const wins =
      !b ||
      m.step > b.step ||
      (m.step === b.step &&
        (m.timestamp > b.timestamp || (m.timestamp === b.timestamp && m.value > b.value)));
    if (wins) best.set(m.key, m);
  }
  return [...best.values()];
}

/** The last value of a repeated key wins, as in MLflow. */
const lastValues = (tags: readonly KeyValue[]): KeyValue[] =>
  [...new Map(tags.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }));

const LOGGED_MODELS_TAG = "mlflow.log-model.history";

/** A metric comparison matching fewer latest values than this is rare enough to drive a search. */
const SELECTIVE_BOUND = 2000;

/** Rows written after which the planner's statistics are refreshed (see SqlDriver.maintain). */
const ROWS_BEFORE_MAINTENANCE = 2000;

export class SqlTrackingStore implements TrackingStore {
  private rowsSinceMaintenance = 0;
  private maintaining = false;
  /** MLflow 3's logged models, over the same database (shared with the registry's create). */
  readonly loggedModels: SqlLoggedModels;
  /** MLflow's traces, over the same database. */
  readonly traces: SqlTraces;

  constructor(
    private readonly db: SqlDriver,
    private readonly root: string,
  ) {
    this.loggedModels = new SqlLoggedModels(db, joinArtifactUri);
    this.traces = new SqlTraces(db, joinArtifactUri);
  }

  /**
   * A burst of new runs (a sweep) followed by a search must not meet a planner that still believes
   * the tables are empty: after enough writes, statistics are refreshed in the background.
   */
  private wrote(rows: number): void {
    this.rowsSinceMaintenance += rows;
    if (this.rowsSinceMaintenance < ROWS_BEFORE_MAINTENANCE || this.maintaining) return;
    this.rowsSinceMaintenance = 0;
    this.maintaining = true;
    this.db
      .maintain()
      .catch(() => undefined)
      .finally(() => {
        this.maintaining = false;
      });
  }

  /** Creates the Default experiment "0" of a fresh store. */
  async init(): Promise<this> {
    const now = Date.now();
    await this.db.run(
      "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?) ON CONFLICT DO NOTHING",
      [joinArtifactUri(this.root, "0"), now, now],
    );
    return this;
  }

  private get dialect() {
    return this.db.dialect;
  }

  // ---------------------------------------------------------------- experiments

  private async experimentRow(q: SqlExecutor, experimentId: string): Promise<ExperimentRow> {
    const id = experimentIdNumber(experimentId);
    const row =
      id === null
        ? undefined
        : await q.get<ExperimentRow>("SELECT * FROM experiments WHERE experiment_id = ?", [id]);
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    return row;
  }

  private async activeExperiment(q: SqlExecutor, experimentId: string): Promise<ExperimentRow> {
    const row = await this.experimentRow(q, experimentId);
    if (row.lifecycle_stage !== "active") {
      throw invalidParameter(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return row;
  }

  private async withTags(q: SqlExecutor, row: ExperimentRow): Promise<Experiment> {
    const tags = await q.all<KeyValue>(
      "SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key",
      [row.experiment_id],
    );
    return toExperiment(row, tags);
  }

  async createExperiment(
    name: string,
    artifactLocation: string | undefined,
    tags: KeyValue[],
  ): Promise<string> {
    return this.db.transaction(async (tx) => {
      const now = Date.now();
      // ON CONFLICT keeps concurrent creates of one name race-free on every database.
      const row = await tx.get<{ experiment_id: number }>(
        "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, '', 'active', ?, ?) ON CONFLICT (name) DO NOTHING RETURNING experiment_id",
        [name, now, now],
      );
      if (!row) throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${name}) already exists.`);
      const id = row.experiment_id;
      await tx.run("UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?", [
        artifactLocation ?? joinArtifactUri(this.root, String(id)),
        id,
      ]);
      for (const tag of tags) await this.upsertExperimentTag(tx, id, tag);
      return String(id);
    });
  }

  private upsertExperimentTag(q: SqlExecutor, id: number, tag: KeyValue) {
    return q.run(
      "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
      [id, tag.key, tag.value],
    );
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.withTags(this.db, await this.experimentRow(this.db, experimentId));
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    const row = await this.db.get<ExperimentRow>("SELECT * FROM experiments WHERE name = ?", [name]);
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return this.withTags(this.db, row);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.setExperimentLifecycle(experimentId, "deleted");
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.setExperimentLifecycle(experimentId, "active");
  }

  private async setExperimentLifecycle(experimentId: string, target: "active" | "deleted"): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.experimentRow(tx, experimentId);
      if (row.lifecycle_stage === target) {
        const from = target === "deleted" ? "active" : "deleted";
        throw notFound(`No Experiment with id=${experimentId} exists in the '${from}' state`);
      }
      const now = Date.now();
      await tx.run(
        "UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?",
        [target, now, row.experiment_id],
      );
      await tx.run("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?", [
        target,
        target === "deleted" ? now : null,
        row.experiment_id,
      ]);
    });
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.experimentRow(tx, experimentId);
      if (row.lifecycle_stage !== "active") {
        throw new MlflowError("INVALID_STATE", "Cannot rename a non-active experiment.");
      }
      const taken = await tx.get<{ experiment_id: number }>(
        "SELECT experiment_id FROM experiments WHERE name = ?",
        [newName],
      );
      if (taken && taken.experiment_id !== row.experiment_id) {
        throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${newName}) already exists.`);
      }
      await tx.run("UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?", [
        newName,
        Date.now(),
        row.experiment_id,
      ]);
    });
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.activeExperiment(tx, experimentId);
      await this.upsertExperimentTag(tx, row.experiment_id, tag);
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.activeExperiment(tx, experimentId);
      const { changes } = await tx.run("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?", [
        row.experiment_id,
        key,
      ]);
      if (changes === 0) throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
    });
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    const offset = decodePageToken(input.pageToken);
    const query = compileExperimentSearch({
      viewType: input.viewType,
      filter: input.filter,
      orderBy: input.orderBy,
      limit: input.maxResults + 1,
      offset,
      dialect: this.dialect,
    });
    const ids = (await this.db.all<{ experiment_id: number }>(query.sql, query.params)).map(
      (r) => r.experiment_id,
    );
    const more = ids.length > input.maxResults;
    const page = ids.slice(0, input.maxResults);
    if (page.length === 0) return { items: [] };
    const idList = listParam(this.dialect, page);
    const rows = await this.db.all<ExperimentRow>(
      `SELECT * FROM experiments WHERE ${inList(this.dialect, "experiment_id", "bigint")}`,
      [idList],
    );
    const tags = groupBy(
      await this.db.all<KeyValue & { experiment_id: number }>(
        `SELECT experiment_id, key, value FROM experiment_tags WHERE ${inList(this.dialect, "experiment_id", "bigint")} ORDER BY key`,
        [idList],
      ),
      (t) => t.experiment_id,
    );
    const byId = new Map(rows.map((r) => [r.experiment_id, r]));
    const items = page.map((id) => toExperiment(byId.get(id) as ExperimentRow, (tags.get(id) ?? []).map(kv)));
    return { items, nextPageToken: more ? encodePageToken(offset + input.maxResults) : undefined };
  }

  // ---------------------------------------------------------------- runs

  private async runRow(q: SqlExecutor, runId: string): Promise<RunRow> {
    const row = await q.get<RunRow>("SELECT * FROM runs WHERE run_uuid = ?", [runId]);
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  private async activeRun(
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

  async createRun(input: CreateRunInput): Promise<Run> {
    const tagName = input.tags.findLast((t) => t.key === RUN_NAME_TAG)?.value;
    if (input.runName && tagName !== undefined && tagName !== input.runName) {
      throw invalidParameter(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
      );
    }
    const name = input.runName || tagName || randomRunName();
    const id = randomUUID().replaceAll("-", "");
    // The last value of a repeated key wins; the run name tag always mirrors the name.
    const tags = lastValues([...input.tags, { key: RUN_NAME_TAG, value: name }]);
    this.wrote(1 + tags.length);
    const experimentId = experimentIdNumber(input.experimentId);
    const info =
      this.dialect === "postgres" && experimentId !== null
        ? await this.createRunInOneStatement(
            { id, name, experimentId, userId: input.userId, startTime: input.startTime },
            tags,
          )
        : undefined;
    const created =
      info ??
      (await this.db.transaction(async (tx) => {
        const experiment = await this.activeExperiment(tx, input.experimentId);
        const row = newRunRow(id, name, experiment, input);
        await tx.run(
          "INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          [
            row.run_uuid,
            row.name,
            row.experiment_id,
            row.user_id,
            row.status,
            row.start_time,
            row.lifecycle_stage,
            row.artifact_uri,
          ],
        );
        // The row was inserted with its name: no rename after the tags.
        await this.writeTags(tx, id, tags, { rename: false });
        return toRunInfo(row);
      }));
    // A new run has exactly what was just written: no need to read it back.
    return {
      info: created,
      data: { metrics: [], params: [], tags },
      inputs: { datasetInputs: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    };
  }

  /** Undefined when the experiment is missing or not active: the transactional path says which. */
  private async createRunInOneStatement(
    run: { id: string; name: string; experimentId: number; userId: string; startTime: number },
    tags: KeyValue[],
  ): Promise<RunInfo | undefined> {
    const { sql, params } = oneStatementCreateRun(run, tags);
    const experiment = await this.db.get<{ artifact_location: string }>(sql, params);
    if (!experiment) return undefined;
    return toRunInfo(
      newRunRow(
        run.id,
        run.name,
        { experiment_id: run.experimentId, artifact_location: experiment.artifact_location },
        {
          userId: run.userId,
          startTime: run.startTime,
        },
      ),
    );
  }

  async getRunExperimentId(runId: string): Promise<string> {
    const row = await this.db.get<{ experiment_id: number }>(
      "SELECT experiment_id FROM runs WHERE run_uuid = ?",
      [runId],
    );
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return String(row.experiment_id);
  }

  async getRun(runId: string): Promise<Run> {
    const row = await this.runRow(this.db, runId);
    return (await this.loadRuns([row]))[0] as Run;
  }

  /** Loads params, tags, latest metrics and inputs of many runs in a fixed number of queries. */
  private async loadRuns(rows: RunRow[]): Promise<Run[]> {
    if (rows.length === 0) return [];
    const ids = listParam(
      this.dialect,
      rows.map((r) => r.run_uuid),
    );
    const where = inList(this.dialect, "run_uuid", "text");
    const [params, tags, metrics, inputs, links] = await Promise.all([
      this.db.all<KeyValueRow>(`SELECT run_uuid, key, value FROM params WHERE ${where}`, [ids]),
      this.db.all<KeyValueRow>(`SELECT run_uuid, key, value FROM tags WHERE ${where}`, [ids]),
      this.db.all<MetricRow>(
        `SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics WHERE ${where}`,
        [ids],
      ),
      this.loadInputs(ids),
      this.loggedModels.runLinks(ids),
    ]);
    const paramsByRun = groupBy(params, (p) => p.run_uuid);
    const tagsByRun = groupBy(tags, (t) => t.run_uuid);
    const metricsByRun = groupBy(metrics, (m) => m.run_uuid);
    return rows.map((row) => ({
      info: toRunInfo(row),
      data: {
        metrics: (metricsByRun.get(row.run_uuid) ?? []).map(toMetric),
        params: (paramsByRun.get(row.run_uuid) ?? []).map(kv),
        tags: (tagsByRun.get(row.run_uuid) ?? []).map(kv),
      },
      inputs: {
        datasetInputs: inputs.get(row.run_uuid) ?? [],
        modelInputs: links.get(row.run_uuid)?.inputs ?? [],
      },
      outputs: { modelOutputs: links.get(row.run_uuid)?.outputs ?? [] },
    }));
  }

  private async loadInputs(ids: ReturnType<typeof listParam>): Promise<Map<string, DatasetInput[]>> {
    const rows = await this.db.all<{
      run_uuid: string;
      dataset_uuid: string;
      name: string;
      digest: string;
      source_type: string;
      source: string;
      schema: string | null;
      profile: string | null;
    }>(
      `SELECT i.run_uuid, d.dataset_uuid, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
       FROM run_inputs i JOIN datasets d ON d.dataset_uuid = i.dataset_uuid
       WHERE ${inList(this.dialect, "i.run_uuid", "text")} ORDER BY i.run_uuid, i.seq`,
      [ids],
    );
    if (rows.length === 0) return new Map();
    const tags = groupBy(
      await this.db.all<{ run_uuid: string; dataset_uuid: string; key: string; value: string }>(
        `SELECT run_uuid, dataset_uuid, key, value FROM input_tags WHERE ${inList(this.dialect, "run_uuid", "text")} ORDER BY key`,
        [ids],
      ),
      (t) => `${t.run_uuid}/${t.dataset_uuid}`,
    );
    const inputs = rows.map((r) => ({
      runId: r.run_uuid,
      input: {
        tags: (tags.get(`${r.run_uuid}/${r.dataset_uuid}`) ?? []).map(kv),
        dataset: {
          name: r.name,
          digest: r.digest,
          sourceType: r.source_type,
          source: r.source,
          schema: r.schema ?? undefined,
          profile: r.profile ?? undefined,
        },
      },
    }));
    const byRun = groupBy(inputs, (i) => i.runId);
    return new Map([...byRun].map(([runId, list]) => [runId, list.map((i) => i.input)]));
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    return this.db.transaction(async (tx) => {
      await this.activeRun(tx, runId);
      if (input.status !== undefined)
        await tx.run("UPDATE runs SET status = ? WHERE run_uuid = ?", [input.status, runId]);
      if (input.endTime !== undefined) {
        await tx.run("UPDATE runs SET end_time = ? WHERE run_uuid = ?", [input.endTime, runId]);
      }
      if (input.runName) {
        await tx.run("UPDATE runs SET name = ? WHERE run_uuid = ?", [input.runName, runId]);
        await tx.run(UPSERT_TAG, [runId, RUN_NAME_TAG, input.runName]);
      }
      return toRunInfo(await this.runRow(tx, runId));
    });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.setRunLifecycle(runId, "deleted");
  }

  async restoreRun(runId: string): Promise<void> {
    await this.setRunLifecycle(runId, "active");
  }

  private async setRunLifecycle(runId: string, target: "active" | "deleted"): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.runRow(tx, runId);
      await tx.run("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?", [
        target,
        target === "deleted" ? Date.now() : null,
        runId,
      ]);
    });
  }

  async logBatch(runId: string, input: LogBatchInput): Promise<void> {
    // On PostgreSQL a batch is one statement whatever its size, unless a point names a logged model
    // or dataset (MLflow 3), which needs checks the statement does not make.
    const oneStatement = this.dialect === "postgres" && !input.metrics.some(isLinked);
    // History rows are not searched; latest values are, one per key.
    const keys =
      input.metrics.length <= 1 ? input.metrics.length : new Set(input.metrics.map((m) => m.key)).size;
    this.wrote(keys + input.params.length + input.tags.length);
    if (oneStatement && (await this.logInOneStatement(runId, input))) return;
    await this.db.transaction(async (tx) => {
      await this.activeRun(tx, runId);
      if (input.params.length > 0) await this.writeParams(tx, runId, input.params);
      if (input.metrics.length > 0) await this.writeMetrics(tx, runId, input.metrics);
      if (input.tags.length > 0) await this.writeTags(tx, runId, input.tags);
    });
  }

  /**
   * False when nothing was written: the run is missing or not active, or a param was already there.
   * The caller's transactional path then says which, or compares the param's values.
   */
  private async logInOneStatement(runId: string, input: LogBatchInput): Promise<boolean> {
    const points = toStoredPoints(input.metrics);
    const tags = lastValues(input.tags);
    const { sql, params } = oneStatementLog(
      runId,
      points,
      latestPerKey(points),
      tags,
      tags.find((t) => t.key === RUN_NAME_TAG)?.value,
      input.params,
    );
    try {
      const row = await this.db.get<{ active: number }>(sql, params);
      return Number(row?.active) > 0;
    } catch (e) {
      if ((e as { code?: unknown }).code === PARAM_EXISTS_SQLSTATE) return false;
      throw e;
    }
  }

  /** Insert-if-absent, then compare: keeps write-once params race-free under concurrent writers. */
  private async writeParams(tx: SqlExecutor, runId: string, params: KeyValue[]): Promise<void> {
    const inserted = await insertRows(
      tx,
      "INSERT INTO params (run_uuid, key, value) VALUES",
      params.map((p) => [runId, p.key, p.value]),
      "ON CONFLICT DO NOTHING",
    );
    // Every key was new: nothing to compare (the common case).
    if (inserted === params.length) return;
    const stored = new Map(
      (
        await tx.all<KeyValue>(
          `SELECT key, value FROM params WHERE run_uuid = ? AND ${inList(this.dialect, "key", "text")}`,
          [
            runId,
            listParam(
              this.dialect,
              params.map((p) => p.key),
            ),
          ],
        )
      ).map((p) => [p.key, p.value]),
    );
    for (const p of params) {
      const old = stored.get(p.key);
      if (old !== undefined && old !== p.value) {
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${old}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
        );
      }
    }
  }

  private async writeMetrics(tx: SqlExecutor, runId: string, metrics: Metric[]): Promise<void> {
    const points = toStoredPoints(metrics);
    const row = (m: StoredPoint) => [runId, m.key, m.value, m.timestamp, m.step, m.isNan];
    await this.loggedModels.writeMetrics(tx, runId, points);
    await insertRows(
      tx,
      `INSERT INTO metrics (${HISTORY_COLUMNS}) VALUES`,
      points.map((m) => [...row(m), m.modelId ?? "", m.datasetName ?? "", m.datasetDigest ?? ""]),
      "ON CONFLICT DO NOTHING",
    );
    await insertRows(
      tx,
      "INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES",
      latestPerKey(points).map(row),
      LATEST_WINS,
    );
  }

  private async writeTags(
    tx: SqlExecutor,
    runId: string,
    tags: KeyValue[],
    { rename = true } = {},
  ): Promise<void> {
    const last = lastValues(tags);
    await insertRows(
      tx,
      "INSERT INTO tags (run_uuid, key, value) VALUES",
      last.map((t) => [runId, t.key, t.value]),
      "ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value",
    );
    const name = rename ? last.find((t) => t.key === RUN_NAME_TAG)?.value : undefined;
    if (name !== undefined) await tx.run("UPDATE runs SET name = ? WHERE run_uuid = ?", [name, runId]);
  }

  async appendLoggedModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.activeRun(tx, runId);
      const tag = await tx.get<{ value: string }>("SELECT value FROM tags WHERE run_uuid = ? AND key = ?", [
        runId,
        LOGGED_MODELS_TAG,
      ]);
      let history: unknown[] = [];
      try {
        const parsed: unknown = tag ? JSON.parse(tag.value) : [];
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        // A hand-edited, unparseable tag is replaced rather than failing every later log-model.
      }
      history.push(model);
      await this.writeTags(tx, runId, [{ key: LOGGED_MODELS_TAG, value: JSON.stringify(history) }]);
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.activeRun(tx, runId);
      const { changes } = await tx.run("DELETE FROM tags WHERE run_uuid = ? AND key = ?", [runId, key]);
      if (changes === 0) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    });
  }

  async logOutputs(runId: string, outputs: ModelOutput[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.activeRun(tx, runId);
      await this.loggedModels.linkRun(tx, runId, "output", outputs);
    });
  }

  async logInputs(runId: string, inputs: DatasetInput[], modelInputs: string[] = []): Promise<void> {
    await this.db.transaction(async (tx) => {
      const run = await this.activeRun(tx, runId);
      await this.loggedModels.linkRun(
        tx,
        runId,
        "input",
        modelInputs.map((modelId) => ({ modelId, step: 0 })),
      );
      for (const input of inputs) {
        const d = input.dataset;
        await tx.run(
          "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, source_type, source, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
          [
            randomUUID().replaceAll("-", ""),
            run.experiment_id,
            d.name,
            d.digest,
            d.sourceType,
            d.source,
            d.schema ?? null,
            d.profile ?? null,
          ],
        );
        const dataset = await tx.get<{ dataset_uuid: string }>(
          "SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?",
          [run.experiment_id, d.name, d.digest],
        );
        const datasetId = (dataset as { dataset_uuid: string }).dataset_uuid;
        const linked = await tx.run(
          "INSERT INTO run_inputs (run_uuid, dataset_uuid, seq) VALUES (?, ?, (SELECT COUNT(*) FROM run_inputs WHERE run_uuid = ?)) ON CONFLICT DO NOTHING",
          [runId, datasetId, runId],
        );
        // Input tags are written only when the link is first made, as in MLflow.
        if (linked.changes === 0) continue;
        for (const t of input.tags) {
          await tx.run(
            "INSERT INTO input_tags (run_uuid, dataset_uuid, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (run_uuid, dataset_uuid, key) DO UPDATE SET value = excluded.value",
            [runId, datasetId, t.key, t.value],
          );
        }
      }
    });
  }

  /**
   * Counts (up to a bound, on the (key, value) index) the runs each required metric comparison
   * matches; the rare ones drive the search. A 0.1 % filter over 100,000 runs: 78 → ~1 ms.
   */
  private async selectiveClauses(filter: Filter | null): Promise<Set<Comparison> | undefined> {
    const clauses = requiredMetricClauses(filter);
    if (clauses.length === 0) return undefined;
    const selective = new Set<Comparison>();
    for (const c of clauses) {
      const op = c.comparator as "=" | "!=" | "<" | "<=" | ">" | ">=";
      const row = await this.db.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM latest_metrics WHERE key = ? AND is_nan = 0 AND value ${op} ${this.dialect === "postgres" ? "CAST(? AS DOUBLE PRECISION)" : "?"} LIMIT ${SELECTIVE_BOUND}) AS hits`,
        [c.key, c.value as number],
      );
      if (Number(row?.n ?? SELECTIVE_BOUND) < SELECTIVE_BOUND) selective.add(c);
    }
    return selective;
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const offset = decodePageToken(input.pageToken);
    const experimentIds = input.experimentIds
      .map(experimentIdNumber)
      .filter((id): id is number => id !== null);
    if (experimentIds.length === 0) return { items: [] };
    const query = compileRunSearch({
      experimentIds,
      selective: await this.selectiveClauses(input.filter),
      viewType: input.viewType,
      filter: input.filter,
      orderBy: input.orderBy,
      limit: input.maxResults,
      offset,
      dialect: this.dialect,
    });
    const ids = (await this.db.all<{ run_uuid: string }>(query.sql, query.params)).map((r) => r.run_uuid);
    if (ids.length === 0) return { items: [] };
    const rows = await this.db.all<RunRow>(
      `SELECT * FROM runs WHERE ${inList(this.dialect, "run_uuid", "text")}`,
      [listParam(this.dialect, ids)],
    );
    const byId = new Map(rows.map((r) => [r.run_uuid, r]));
    const items = await this.loadRuns(ids.map((id) => byId.get(id) as RunRow));
    return {
      items,
      nextPageToken: ids.length === input.maxResults ? encodePageToken(offset + ids.length) : undefined,
    };
  }

  // ---------------------------------------------------------------- logged models (MLflow 3)

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return this.loggedModels.create(input);
  }

  getLoggedModel(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    return this.loggedModels.get(modelId, allowDeleted);
  }

  getLoggedModelExperimentId(modelId: string): Promise<string> {
    return this.loggedModels.experimentId(modelId);
  }

  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.loggedModels.finalize(modelId, status);
  }

  deleteLoggedModel(modelId: string): Promise<void> {
    return this.loggedModels.delete(modelId);
  }

  setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    return this.loggedModels.setTags(modelId, tags);
  }

  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return this.loggedModels.deleteTag(modelId, key);
  }

  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    return this.loggedModels.logParams(modelId, params);
  }

  searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    return this.loggedModels.search(input);
  }

  // ---------------------------------------------------------------- traces

  startTrace(input: StartTraceInput): Promise<TraceInfo> {
    return this.traces.startTrace(input);
  }

  endTrace(requestId: string, input: EndTraceInput): Promise<TraceInfo> {
    return this.traces.endTrace(requestId, input);
  }

  getTraceInfo(requestId: string): Promise<TraceInfo> {
    return this.traces.getTraceInfo(requestId);
  }

  getTraceExperimentId(requestId: string): Promise<string> {
    return this.traces.getTraceExperimentId(requestId);
  }

  searchTraces(input: SearchTracesInput): Promise<Page<TraceInfo>> {
    return this.traces.searchTraces(input);
  }

  deleteTraces(input: DeleteTracesInput): Promise<{ deleted: number; artifactLocations: string[] }> {
    return this.traces.deleteTraces(input);
  }

  setTraceTag(requestId: string, tag: KeyValue): Promise<void> {
    return this.traces.setTraceTag(requestId, tag);
  }

  deleteTraceTag(requestId: string, key: string): Promise<void> {
    return this.traces.deleteTraceTag(requestId, key);
  }

  // ---------------------------------------------------------------- metrics

  async getMetricHistory(input: HistoryInput): Promise<Page<Metric>> {
    const offset = decodePageToken(input.pageToken);
    const limit = input.maxResults;
    const rows = await this.db.all<MetricRow>(
      `SELECT ${HISTORY_COLUMNS} FROM metrics WHERE run_uuid = ? AND key = ? ORDER BY step, timestamp, value LIMIT ? OFFSET ?`,
      [input.runId, input.key, limit === undefined ? Number.MAX_SAFE_INTEGER : limit + 1, offset],
    );
    const more = limit !== undefined && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      items: page.map(toMetric),
      nextPageToken: more ? encodePageToken(offset + (limit as number)) : undefined,
    };
  }

  async getMetricHistoryBulkInterval(input: BulkIntervalInput): Promise<MetricWithRunId[]> {
    const ids = listParam(this.dialect, input.runIds);
    const inRuns = inList(this.dialect, "run_uuid", "text");
    // Per run, MIN and MAX are two seeks on the (run_uuid, key, step) index, not a scan.
    const ranges: { run_uuid: string; min_step: number; max_step: number }[] = [];
    for (const runId of input.runIds) {
      const r = await this.db.get<{ min_step: number | null; max_step: number | null }>(
        `SELECT (SELECT MIN(step) FROM metrics WHERE run_uuid = ? AND key = ?) AS min_step,
                (SELECT MAX(step) FROM metrics WHERE run_uuid = ? AND key = ?) AS max_step`,
        [runId, input.key, runId, input.key],
      );
      if (r && r.min_step !== null && r.max_step !== null)
        ranges.push({ run_uuid: runId, min_step: Number(r.min_step), max_step: Number(r.max_step) });
    }
    if (ranges.length === 0) return [];
    const start = input.startStep ?? 0;
    const end = input.endStep ?? Math.max(...ranges.map((r) => r.max_step));
    const distinct =
      (await this.denseSteps(ranges, input.key, start, end)) ??
      (
        await this.db.all<{ step: number }>(
          `SELECT DISTINCT step FROM metrics WHERE ${inRuns} AND key = ? AND step BETWEEN ? AND ? ORDER BY step`,
          [ids, input.key, start, end],
        )
      ).map((r) => Number(r.step));
    const steps = listParam(this.dialect, bulkIntervalSteps(distinct, ranges, start, end, input.maxResults));
    const out: MetricWithRunId[] = [];
    for (const runId of input.runIds) {
      const rows = await this.db.all<MetricRow>(
        `SELECT ${HISTORY_COLUMNS} FROM metrics
         WHERE run_uuid = ? AND key = ? AND ${inList(this.dialect, "step", "bigint")}
         ORDER BY step, timestamp, value LIMIT ?`,
        [runId, input.key, steps, LIMITS.bulkIntervalPointsPerRun],
      );
      for (const r of rows) out.push({ ...toMetric(r), runId });
    }
    return out;
  }

  async getMetricHistoryBulk(input: BulkHistoryInput): Promise<MetricWithRunId[]> {
    const runOrder = this.dialect === "postgres" ? 'run_uuid COLLATE "C"' : "run_uuid";
    const rows = await this.db.all<MetricRow>(
      `SELECT ${HISTORY_COLUMNS} FROM metrics WHERE ${inList(this.dialect, "run_uuid", "text")} AND key = ?
       ORDER BY ${runOrder}, timestamp, step, value LIMIT ?`,
      [listParam(this.dialect, input.runIds), input.key, input.maxResults],
    );
    return rows.map((r) => ({ ...toMetric(r), runId: r.run_uuid }));
  }

  async searchDatasets(experimentIds: string[], limit: number): Promise<DatasetSummary[]> {
    const ids = experimentIds.map(experimentIdNumber).filter((id): id is number => id !== null);
    if (ids.length === 0) return [];
    const text = (column: string) => (this.dialect === "postgres" ? `${column} COLLATE "C"` : column);
    // A dataset used without a context tag is listed too, with no context (MLflow's outer join).
    const rows = await this.db.all<{
      experiment_id: number;
      name: string;
      digest: string;
      context: string | null;
    }>(
      `SELECT * FROM (
         SELECT DISTINCT d.experiment_id, d.name, d.digest, t.value AS context
         FROM datasets d
         JOIN run_inputs i ON i.dataset_uuid = d.dataset_uuid
         LEFT JOIN input_tags t ON t.run_uuid = i.run_uuid AND t.dataset_uuid = i.dataset_uuid AND t.key = ?
         WHERE ${inList(this.dialect, "d.experiment_id", "bigint")}
       ) s
       ORDER BY experiment_id, ${text("name")}, ${text("digest")}, ${text("context")}
       LIMIT ?`,
      [DATASET_CONTEXT_TAG, listParam(this.dialect, ids), limit],
    );
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: r.name,
      digest: r.digest,
      context: r.context,
    }));
  }

  /**
   * The distinct steps of these runs in [start, end] when every run logged every step of its range
   * there (the usual training loop): then they are the union of the ranges, known without reading
   * the points. Null when some run has gaps, and the caller reads them.
   */
  private async denseSteps(
    ranges: readonly { run_uuid: string; min_step: number; max_step: number }[],
    key: string,
    start: number,
    end: number,
  ): Promise<number[] | null> {
    const spans: [number, number][] = [];
    for (const r of ranges) {
      const from = Math.max(start, r.min_step);
      const to = Math.min(end, r.max_step);
      if (from > to) continue;
      const c = await this.db.get<{ n: number }>(
        "SELECT COUNT(DISTINCT step) AS n FROM metrics WHERE run_uuid = ? AND key = ? AND step BETWEEN ? AND ?",
        [r.run_uuid, key, from, to],
      );
      if (!c || Number(c.n) !== to - from + 1) return null;
      spans.push([from, to]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    const steps: number[] = [];
    let next = Number.NEGATIVE_INFINITY;
    for (const [from, to] of spans) {
      for (let s = Math.max(from, next); s <= to; s++) steps.push(s);
      next = Math.max(next, to + 1);
    }
    // Ranges are not bounded by anything but the data: keep the fallback for huge sparse-looking spans.
    return steps.length <= 5_000_000 ? steps : null;
  }

  // ---------------------------------------------------------------- garbage collection

  async listDeleted(before: number | null): Promise<{ runIds: string[]; experimentIds: string[] }> {
    const age = (column: string) => (before === null ? "" : ` AND ${column} <= ?`);
    const bound = before === null ? [] : [before];
    const runs = await this.db.all<{ run_uuid: string }>(
      `SELECT run_uuid FROM runs WHERE lifecycle_stage = 'deleted'${age("deleted_time")} ORDER BY deleted_time, run_uuid`,
      bound,
    );
    const experiments = await this.db.all<{ experiment_id: number }>(
      `SELECT experiment_id FROM experiments WHERE lifecycle_stage = 'deleted'${age("last_update_time")} ORDER BY experiment_id`,
      bound,
    );
    return {
      runIds: runs.map((r) => r.run_uuid),
      experimentIds: experiments.map((e) => String(e.experiment_id)),
    };
  }

  async purgeRun(runId: string): Promise<PurgedRun> {
    return this.db.transaction(async (tx) => {
      const row = await this.runRow(tx, runId);
      if (row.lifecycle_stage !== "deleted") {
        // MLflow's words (mlflow gc).
        throw invalidParameter(
          `Run ${runId} is not in \`deleted\` lifecycle stage. Only runs in \`deleted\` lifecycle stage can be deleted.`,
        );
      }
      await deleteRunRows(tx, "run_uuid = ?", [runId]);
      return { runId, artifactUri: row.artifact_uri };
    });
  }

  async purgeExperiment(experimentId: string): Promise<PurgedExperiment> {
    return this.db.transaction(async (tx) => {
      const row = await this.experimentRow(tx, experimentId);
      if (row.lifecycle_stage !== "deleted") {
        throw invalidParameter(
          `Experiments ['${experimentId}'] are not in the deleted lifecycle stage. Only experiments in the deleted lifecycle stage can be hard-deleted.`,
        );
      }
      const id = row.experiment_id;
      const runs = await tx.all<{ run_uuid: string; artifact_uri: string }>(
        "SELECT run_uuid, artifact_uri FROM runs WHERE experiment_id = ? ORDER BY run_uuid",
        [id],
      );
      const models = await tx.all<{ model_id: string; artifact_location: string }>(
        "SELECT model_id, artifact_location FROM logged_models WHERE experiment_id = ? ORDER BY model_id",
        [id],
      );
      const traces = await this.traces.ofExperiment(tx, id);
      await deleteRunRows(tx, "run_uuid IN (SELECT run_uuid FROM runs WHERE experiment_id = ?)", [id]);
      await this.traces.purgeExperiment(tx, id);
      // What the experiment owns besides runs (the foreign keys would cascade; said explicitly so a
      // table added later without a cascade fails here rather than leaving orphans).
      const ofModels = "model_id IN (SELECT model_id FROM logged_models WHERE experiment_id = ?)";
      for (const table of ["logged_model_tags", "logged_model_params", "logged_model_metrics"])
        await tx.run(`DELETE FROM ${table} WHERE ${ofModels}`, [id]);
      for (const table of ["logged_models", "datasets", "experiment_tags", "experiment_permissions"])
        await tx.run(`DELETE FROM ${table} WHERE experiment_id = ?`, [id]);
      await tx.run("DELETE FROM experiments WHERE experiment_id = ?", [id]);
      return {
        experimentId: String(id),
        runs: runs.map((r) => ({ runId: r.run_uuid, artifactUri: r.artifact_uri })),
        models: models.map((m) => ({ modelId: m.model_id, artifactLocation: m.artifact_location })),
        traces,
      };
    });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

/**
 * Deletes the runs matching `where` (over `run_uuid`) and every row they own: dataset inputs and their
 * tags, logged-model inputs/outputs, metric history and latest values, params, tags, and the metric
 * points linked to logged models that were logged in them.
 */
async function deleteRunRows(tx: SqlExecutor, where: string, params: SqlParam[]): Promise<void> {
  for (const table of [
    "input_tags",
    "run_inputs",
    "run_logged_models",
    "logged_model_metrics",
    "latest_metrics",
    "metrics",
    "params",
    "tags",
    "runs",
  ])
    await tx.run(`DELETE FROM ${table} WHERE ${where}`, params);
}
