// The tracking store on SQLite (better-sqlite3). Calls are synchronous underneath and each one is a
// single short transaction, so one process never sees SQLITE_BUSY; the busy timeout covers other
// processes sharing the file.
import { randomUUID } from "node:crypto";
import {
  compileExperimentSearch,
  compileRunSearch,
  decodePageToken,
  encodePageToken,
} from "../../search/index.js";
import { invalidParameter, MlflowError, notFound } from "../errors.js";
import { bulkIntervalSteps } from "../metric-sampling.js";
import { LIMITS, RUN_NAME_TAG, storedMetricValue } from "../rules.js";
import { randomRunName } from "../run-names.js";
import type {
  BulkIntervalInput,
  CreateRunInput,
  DatasetInput,
  Experiment,
  HistoryInput,
  KeyValue,
  LogBatchInput,
  Metric,
  MetricWithRunId,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SearchExperimentsInput,
  SearchRunsInput,
  TrackingStore,
  UpdateRunInput,
} from "../types.js";
import { type Db, openDatabase } from "./connection.js";
import { SqliteRegistry } from "./sqlite-registry.js";

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
}

interface KeyValueRow {
  run_uuid: string;
  key: string;
  value: string;
}

export interface SqliteStoreOptions {
  file: string;
  defaultArtifactRoot: string;
}

const toMetric = (r: MetricRow): Metric => ({
  key: r.key,
  value: r.is_nan ? Number.NaN : r.value,
  timestamp: r.timestamp,
  step: r.step,
});

/** Parses an experiment id as MLflow's SQL store does: an integer, else it cannot exist. */
function experimentIdNumber(id: string): number | null {
  return /^-?\d{1,15}$/.test(id) ? Number(id) : null;
}

export function joinArtifactUri(root: string, ...parts: string[]): string {
  return [root.replace(/\/+$/, ""), ...parts].join("/");
}

export class SqliteStore implements TrackingStore {
  private readonly db: Db;
  private readonly root: string;
  private readonly stmt: ReturnType<SqliteStore["prepare"]>;
  /** The model registry, on the same database. */
  readonly registry: SqliteRegistry;

  constructor(options: SqliteStoreOptions) {
    this.db = openDatabase(options.file);
    this.registry = new SqliteRegistry(this.db);
    this.root = options.defaultArtifactRoot;
    this.stmt = this.prepare();
    this.ensureDefaultExperiment();
  }

  private prepare() {
    const db = this.db;
    return {
      experimentById: db.prepare<[number], ExperimentRow>(
        "SELECT * FROM experiments WHERE experiment_id = ?",
      ),
      experimentByName: db.prepare<[string], ExperimentRow>("SELECT * FROM experiments WHERE name = ?"),
      experimentTags: db.prepare<[number], KeyValue>(
        "SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key",
      ),
      insertExperiment: db.prepare(
        "INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, '', 'active', ?, ?)",
      ),
      setExperimentLocation: db.prepare(
        "UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?",
      ),
      setExperimentStage: db.prepare(
        "UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?",
      ),
      setExperimentRunsStage: db.prepare(
        "UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ?",
      ),
      renameExperiment: db.prepare(
        "UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?",
      ),
      upsertExperimentTag: db.prepare(
        "INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value",
      ),
      deleteExperimentTag: db.prepare("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?"),

      runById: db.prepare<[string], RunRow>("SELECT * FROM runs WHERE run_uuid = ?"),
      insertRun: db.prepare(
        "INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time, lifecycle_stage, artifact_uri) VALUES (?, ?, ?, ?, 'RUNNING', ?, 'active', ?)",
      ),
      setRunStage: db.prepare("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?"),
      setRunStatus: db.prepare("UPDATE runs SET status = ? WHERE run_uuid = ?"),
      setRunEndTime: db.prepare("UPDATE runs SET end_time = ? WHERE run_uuid = ?"),
      setRunName: db.prepare("UPDATE runs SET name = ? WHERE run_uuid = ?"),
      paramValue: db.prepare<[string, string], { value: string }>(
        "SELECT value FROM params WHERE run_uuid = ? AND key = ?",
      ),
      insertParam: db.prepare("INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)"),
      upsertTag: db.prepare(
        "INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value",
      ),
      deleteTag: db.prepare("DELETE FROM tags WHERE run_uuid = ? AND key = ?"),
      insertMetric: db.prepare(
        "INSERT OR IGNORE INTO metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      // Replaces the latest point only when the new one wins (step, timestamp, value) in tuple order;
      // NaN takes part as value 0, as in MLflow.
      upsertLatest: db.prepare(`
        INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (run_uuid, key) DO UPDATE SET
          value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
        WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`),
      findDataset: db.prepare<[number, string, string], { dataset_uuid: string }>(
        "SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?",
      ),
      insertDataset: db.prepare(
        "INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, source_type, source, schema, profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      insertRunInput: db.prepare(
        "INSERT OR IGNORE INTO run_inputs (run_uuid, dataset_uuid, seq) VALUES (?, ?, (SELECT COUNT(*) FROM run_inputs WHERE run_uuid = ?))",
      ),
      insertInputTag: db.prepare(
        "INSERT OR REPLACE INTO input_tags (run_uuid, dataset_uuid, key, value) VALUES (?, ?, ?, ?)",
      ),
      history: db.prepare<[string, string, number, number], MetricRow>(
        "SELECT run_uuid, key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? ORDER BY step, timestamp, value LIMIT ? OFFSET ?",
      ),
    };
  }

  private ensureDefaultExperiment(): void {
    const now = Date.now();
    this.db
      .prepare(
        "INSERT OR IGNORE INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
      )
      .run(joinArtifactUri(this.root, "0"), now, now);
  }

  // ---------------------------------------------------------------- experiments

  private experimentRow(experimentId: string): ExperimentRow {
    const id = experimentIdNumber(experimentId);
    const row = id === null ? undefined : this.stmt.experimentById.get(id);
    if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
    return row;
  }

  private toExperiment(row: ExperimentRow): Experiment {
    return {
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location,
      lifecycleStage: row.lifecycle_stage,
      creationTime: row.creation_time,
      lastUpdateTime: row.last_update_time,
      tags: this.stmt.experimentTags.all(row.experiment_id),
    };
  }

  async createExperiment(
    name: string,
    artifactLocation: string | undefined,
    tags: KeyValue[],
  ): Promise<string> {
    return this.db
      .transaction(() => {
        if (this.stmt.experimentByName.get(name)) {
          throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${name}) already exists.`);
        }
        const now = Date.now();
        const id = Number(this.stmt.insertExperiment.run(name, now, now).lastInsertRowid);
        this.stmt.setExperimentLocation.run(artifactLocation ?? joinArtifactUri(this.root, String(id)), id);
        for (const tag of tags) this.stmt.upsertExperimentTag.run(id, tag.key, tag.value);
        return String(id);
      })
      .immediate();
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    return this.toExperiment(this.experimentRow(experimentId));
  }

  async getExperimentByName(name: string): Promise<Experiment> {
    const row = this.stmt.experimentByName.get(name);
    if (!row) throw notFound(`Could not find experiment with name '${name}'`);
    return this.toExperiment(row);
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    this.setExperimentLifecycle(experimentId, "deleted");
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    this.setExperimentLifecycle(experimentId, "active");
  }

  private setExperimentLifecycle(experimentId: string, target: "active" | "deleted"): void {
    this.db
      .transaction(() => {
        const row = this.experimentRow(experimentId);
        if (row.lifecycle_stage === target) {
          throw notFound(
            `No Experiment with id=${experimentId} exists in the '${target === "deleted" ? "active" : "deleted"}' state`,
          );
        }
        const now = Date.now();
        this.stmt.setExperimentStage.run(target, now, row.experiment_id);
        this.stmt.setExperimentRunsStage.run(target, target === "deleted" ? now : null, row.experiment_id);
      })
      .immediate();
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.experimentRow(experimentId);
        if (row.lifecycle_stage !== "active") {
          throw new MlflowError("INVALID_STATE", "Cannot rename a non-active experiment.");
        }
        const taken = this.stmt.experimentByName.get(newName);
        if (taken && taken.experiment_id !== row.experiment_id) {
          throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${newName}) already exists.`);
        }
        this.stmt.renameExperiment.run(newName, Date.now(), row.experiment_id);
      })
      .immediate();
  }

  private activeExperiment(experimentId: string): ExperimentRow {
    const row = this.experimentRow(experimentId);
    if (row.lifecycle_stage !== "active") {
      throw invalidParameter(
        `The experiment ${experimentId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return row;
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.activeExperiment(experimentId);
        this.stmt.upsertExperimentTag.run(row.experiment_id, tag.key, tag.value);
      })
      .immediate();
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.activeExperiment(experimentId);
        if (this.stmt.deleteExperimentTag.run(row.experiment_id, key).changes === 0) {
          throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
        }
      })
      .immediate();
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    const offset = decodePageToken(input.pageToken);
    const query = compileExperimentSearch({
      viewType: input.viewType,
      filter: input.filter,
      orderBy: input.orderBy,
      limit: input.maxResults + 1,
      offset,
      dialect: "sqlite",
    });
    const ids = this.db
      .prepare<unknown[], { experiment_id: number }>(query.sql)
      .all(...query.params)
      .map((r) => r.experiment_id);
    const more = ids.length > input.maxResults;
    const page = ids.slice(0, input.maxResults);
    const rows = this.db
      .prepare<[string], ExperimentRow>(
        "SELECT * FROM experiments WHERE experiment_id IN (SELECT value FROM json_each(?))",
      )
      .all(JSON.stringify(page));
    const tags = this.db
      .prepare<[string], KeyValue & { experiment_id: number }>(
        "SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (SELECT value FROM json_each(?)) ORDER BY key",
      )
      .all(JSON.stringify(page));
    const byId = new Map(rows.map((r) => [r.experiment_id, r]));
    const tagsById = new Map<number, KeyValue[]>();
    for (const { experiment_id, key, value } of tags) {
      const list = tagsById.get(experiment_id);
      if (list) list.push({ key, value });
      else tagsById.set(experiment_id, [{ key, value }]);
    }
    const items = page.map((id) => ({
      ...this.toExperimentShallow(byId.get(id) as ExperimentRow),
      tags: tagsById.get(id) ?? [],
    }));
    return { items, nextPageToken: more ? encodePageToken(offset + input.maxResults) : undefined };
  }

  private toExperimentShallow(row: ExperimentRow): Experiment {
    return {
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location,
      lifecycleStage: row.lifecycle_stage,
      creationTime: row.creation_time,
      lastUpdateTime: row.last_update_time,
      tags: [],
    };
  }

  // ---------------------------------------------------------------- runs

  private runRow(runId: string): RunRow {
    const row = this.stmt.runById.get(runId);
    if (!row) throw notFound(`Run with id=${runId} not found`);
    return row;
  }

  private activeRun(runId: string): RunRow {
    const row = this.runRow(runId);
    if (row.lifecycle_stage !== "active") {
      throw invalidParameter(
        `The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`,
      );
    }
    return row;
  }

  async createRun(input: CreateRunInput): Promise<Run> {
    const runId = this.db
      .transaction(() => {
        const experiment = this.activeExperiment(input.experimentId);
        const tagName = input.tags.findLast((t) => t.key === RUN_NAME_TAG)?.value;
        if (input.runName && tagName !== undefined && tagName !== input.runName) {
          throw invalidParameter(
            `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
          );
        }
        const name = input.runName || tagName || randomRunName();
        const id = randomUUID().replaceAll("-", "");
        const artifactUri = joinArtifactUri(experiment.artifact_location, id, "artifacts");
        this.stmt.insertRun.run(
          id,
          name,
          experiment.experiment_id,
          input.userId,
          input.startTime,
          artifactUri,
        );
        for (const tag of input.tags) this.stmt.upsertTag.run(id, tag.key, tag.value);
        this.stmt.upsertTag.run(id, RUN_NAME_TAG, name);
        return id;
      })
      .immediate();
    return this.getRun(runId);
  }

  async getRun(runId: string): Promise<Run> {
    const row = this.runRow(runId);
    return this.loadRuns([row])[0] as Run;
  }

  /** Loads params, tags, latest metrics and inputs of many runs in a fixed number of queries. */
  private loadRuns(rows: RunRow[]): Run[] {
    if (rows.length === 0) return [];
    const ids = JSON.stringify(rows.map((r) => r.run_uuid));
    const inIds = "run_uuid IN (SELECT value FROM json_each(?))";
    const group = <T extends { run_uuid: string }>(items: T[]): Map<string, T[]> => {
      const map = new Map<string, T[]>();
      for (const item of items) {
        const list = map.get(item.run_uuid);
        if (list) list.push(item);
        else map.set(item.run_uuid, [item]);
      }
      return map;
    };
    const params = group(
      this.db
        .prepare<[string], KeyValueRow>(`SELECT run_uuid, key, value FROM params WHERE ${inIds}`)
        .all(ids),
    );
    const tags = group(
      this.db.prepare<[string], KeyValueRow>(`SELECT run_uuid, key, value FROM tags WHERE ${inIds}`).all(ids),
    );
    const metrics = group(
      this.db
        .prepare<[string], MetricRow>(
          `SELECT run_uuid, key, value, timestamp, step, is_nan FROM latest_metrics WHERE ${inIds}`,
        )
        .all(ids),
    );
    const inputs = this.loadInputs(ids);
    const kv = (r: KeyValueRow): KeyValue => ({ key: r.key, value: r.value });
    return rows.map((row) => ({
      info: this.toRunInfo(row),
      data: {
        metrics: (metrics.get(row.run_uuid) ?? []).map(toMetric),
        params: (params.get(row.run_uuid) ?? []).map(kv),
        tags: (tags.get(row.run_uuid) ?? []).map(kv),
      },
      inputs: { datasetInputs: inputs.get(row.run_uuid) ?? [] },
    }));
  }

  private loadInputs(idsJson: string): Map<string, DatasetInput[]> {
    const result = new Map<string, DatasetInput[]>();
    const rows = this.db
      .prepare<
        [string],
        {
          run_uuid: string;
          dataset_uuid: string;
          name: string;
          digest: string;
          source_type: string;
          source: string;
          schema: string | null;
          profile: string | null;
        }
      >(
        `SELECT i.run_uuid, d.dataset_uuid, d.name, d.digest, d.source_type, d.source, d.schema, d.profile
         FROM run_inputs i JOIN datasets d ON d.dataset_uuid = i.dataset_uuid
         WHERE i.run_uuid IN (SELECT value FROM json_each(?)) ORDER BY i.run_uuid, i.seq`,
      )
      .all(idsJson);
    if (rows.length === 0) return result;
    const tags = this.db
      .prepare<[string], { run_uuid: string; dataset_uuid: string; key: string; value: string }>(
        "SELECT run_uuid, dataset_uuid, key, value FROM input_tags WHERE run_uuid IN (SELECT value FROM json_each(?))",
      )
      .all(idsJson);
    for (const r of rows) {
      const input: DatasetInput = {
        tags: tags
          .filter((t) => t.run_uuid === r.run_uuid && t.dataset_uuid === r.dataset_uuid)
          .map(({ key, value }) => ({ key, value })),
        dataset: {
          name: r.name,
          digest: r.digest,
          sourceType: r.source_type,
          source: r.source,
          schema: r.schema ?? undefined,
          profile: r.profile ?? undefined,
        },
      };
      const list = result.get(r.run_uuid);
      if (list) list.push(input);
      else result.set(r.run_uuid, [input]);
    }
    return result;
  }

  private toRunInfo(row: RunRow): RunInfo {
    return {
      runId: row.run_uuid,
      runName: row.name,
      experimentId: String(row.experiment_id),
      userId: row.user_id,
      status: row.status,
      startTime: row.start_time,
      endTime: row.end_time,
      artifactUri: row.artifact_uri,
      lifecycleStage: row.lifecycle_stage,
    };
  }

  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    return this.db
      .transaction(() => {
        this.activeRun(runId);
        if (input.status !== undefined) this.stmt.setRunStatus.run(input.status, runId);
        if (input.endTime !== undefined) this.stmt.setRunEndTime.run(input.endTime, runId);
        if (input.runName) {
          this.stmt.setRunName.run(input.runName, runId);
          this.stmt.upsertTag.run(runId, RUN_NAME_TAG, input.runName);
        }
        return this.toRunInfo(this.runRow(runId));
      })
      .immediate();
  }

  async deleteRun(runId: string): Promise<void> {
    this.db
      .transaction(() => {
        this.runRow(runId);
        this.stmt.setRunStage.run("deleted", Date.now(), runId);
      })
      .immediate();
  }

  async restoreRun(runId: string): Promise<void> {
    this.db
      .transaction(() => {
        this.runRow(runId);
        this.stmt.setRunStage.run("active", null, runId);
      })
      .immediate();
  }

  async logBatch(runId: string, input: LogBatchInput): Promise<void> {
    this.db
      .transaction(() => {
        this.activeRun(runId);
        for (const p of input.params) {
          const existing = this.stmt.paramValue.get(runId, p.key);
          if (existing === undefined) this.stmt.insertParam.run(runId, p.key, p.value);
          else if (existing.value !== p.value) {
            throw invalidParameter(
              `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing.value}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
            );
          }
        }
        for (const m of input.metrics) {
          const { value, isNan } = storedMetricValue(m.value);
          this.stmt.insertMetric.run(runId, m.key, value, m.timestamp, m.step, isNan);
          this.stmt.upsertLatest.run(runId, m.key, value, m.timestamp, m.step, isNan);
        }
        for (const t of input.tags) {
          this.stmt.upsertTag.run(runId, t.key, t.value);
          if (t.key === RUN_NAME_TAG) this.stmt.setRunName.run(t.value, runId);
        }
      })
      .immediate();
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    this.db
      .transaction(() => {
        this.activeRun(runId);
        if (this.stmt.deleteTag.run(runId, key).changes === 0) {
          throw notFound(`No tag with name: ${key} in run with id ${runId}`);
        }
      })
      .immediate();
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    this.db
      .transaction(() => {
        const run = this.activeRun(runId);
        for (const input of inputs) {
          const d = input.dataset;
          let datasetId = this.stmt.findDataset.get(run.experiment_id, d.name, d.digest)?.dataset_uuid;
          if (!datasetId) {
            datasetId = randomUUID().replaceAll("-", "");
            this.stmt.insertDataset.run(
              datasetId,
              run.experiment_id,
              d.name,
              d.digest,
              d.sourceType,
              d.source,
              d.schema ?? null,
              d.profile ?? null,
            );
          }
          // Input tags are written only when the link is first made, as in MLflow.
          if (this.stmt.insertRunInput.run(runId, datasetId, runId).changes > 0) {
            for (const t of input.tags) this.stmt.insertInputTag.run(runId, datasetId, t.key, t.value);
          }
        }
      })
      .immediate();
  }

  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const offset = decodePageToken(input.pageToken);
    const experimentIds = input.experimentIds
      .map(experimentIdNumber)
      .filter((id): id is number => id !== null);
    if (experimentIds.length === 0) return { items: [] };
    const query = compileRunSearch({
      experimentIds,
      viewType: input.viewType,
      filter: input.filter,
      orderBy: input.orderBy,
      limit: input.maxResults,
      offset,
      dialect: "sqlite",
    });
    const ids = this.db
      .prepare<unknown[], { run_uuid: string }>(query.sql)
      .all(...query.params)
      .map((r) => r.run_uuid);
    const rows = this.db
      .prepare<[string], RunRow>("SELECT * FROM runs WHERE run_uuid IN (SELECT value FROM json_each(?))")
      .all(JSON.stringify(ids));
    const byId = new Map(rows.map((r) => [r.run_uuid, r]));
    const items = this.loadRuns(ids.map((id) => byId.get(id) as RunRow));
    return {
      items,
      nextPageToken: ids.length === input.maxResults ? encodePageToken(offset + ids.length) : undefined,
    };
  }

  // ---------------------------------------------------------------- metrics

  async getMetricHistory(input: HistoryInput): Promise<Page<Metric>> {
    const offset = decodePageToken(input.pageToken);
    const limit = input.maxResults ?? -1;
    const rows = this.stmt.history.all(input.runId, input.key, limit === -1 ? -1 : limit + 1, offset);
    const more = limit !== -1 && rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { items: page.map(toMetric), nextPageToken: more ? encodePageToken(offset + limit) : undefined };
  }

  async getMetricHistoryBulkInterval(input: BulkIntervalInput): Promise<MetricWithRunId[]> {
    const ids = JSON.stringify(input.runIds);
    const stepRows = this.db
      .prepare<[string, string], { run_uuid: string; min_step: number; max_step: number }>(
        "SELECT run_uuid, MIN(step) AS min_step, MAX(step) AS max_step FROM metrics WHERE run_uuid IN (SELECT value FROM json_each(?)) AND key = ? GROUP BY run_uuid",
      )
      .all(ids, input.key);
    if (stepRows.length === 0) return [];
    const start = input.startStep ?? 0;
    const end = input.endStep ?? Math.max(...stepRows.map((r) => r.max_step));
    const distinct = this.db
      .prepare<[string, string, number, number], { step: number }>(
        "SELECT DISTINCT step FROM metrics WHERE run_uuid IN (SELECT value FROM json_each(?)) AND key = ? AND step BETWEEN ? AND ? ORDER BY step",
      )
      .all(ids, input.key, start, end)
      .map((r) => r.step);
    const steps = bulkIntervalSteps(distinct, stepRows, start, end, input.maxResults);
    const points = this.db.prepare<[string, string, string, number], MetricRow>(
      `SELECT run_uuid, key, value, timestamp, step, is_nan FROM metrics
       WHERE run_uuid = ? AND key = ? AND step IN (SELECT value FROM json_each(?))
       ORDER BY step, timestamp, value LIMIT ?`,
    );
    const stepsJson = JSON.stringify(steps);
    const out: MetricWithRunId[] = [];
    for (const runId of input.runIds) {
      for (const r of points.all(runId, input.key, stepsJson, LIMITS.bulkIntervalPointsPerRun)) {
        out.push({ ...toMetric(r), runId });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
