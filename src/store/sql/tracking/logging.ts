// What runs log: metrics, params and tags (log-batch, and on PostgreSQL one statement per batch),
// logged models in the run's history tag, dataset and logged-model inputs, model outputs. Every write is
// one transaction.
import { randomUUID } from "node:crypto";
import { invalidParameter, notFound } from "../../errors.js";
import { RUN_NAME_TAG, storedMetricValue } from "../../rules.js";
import type { DatasetInput, KeyValue, LogBatchInput, Metric, ModelOutput } from "../../types.js";
import { inList, listParam, type SqlDriver, type SqlExecutor } from "../driver.js";
import { insertRows } from "../insert-rows.js";
import type { SqlLoggedModels } from "../logged-models.js";
import { oneStatementLog, PARAM_EXISTS_SQLSTATE, type StoredPoint } from "../pg-one-statement.js";
import { activeRun, HISTORY_COLUMNS } from "./rows.js";
import type { PlannerStatistics } from "./statistics.js";

/** A point that names a model or dataset (MLflow 3), which the one-statement path does not write. */
const isLinked = (m: Metric): boolean => Boolean(m.modelId || m.datasetName || m.datasetDigest);

// Replaces the latest point only when the new one wins (step, timestamp, value) in tuple order; NaN
// takes part as value 0, as in MLflow.
const LATEST_WINS = `
  ON CONFLICT (run_uuid, key) DO UPDATE SET
    value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
  WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`;

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
export const lastValues = (tags: readonly KeyValue[]): KeyValue[] =>
  [...new Map(tags.map((t) => [t.key, t.value]))].map(([key, value]) => ({ key, value }));

const LOGGED_MODELS_TAG = "mlflow.log-model.history";

export class SqlLogging {
  constructor(
    private readonly db: SqlDriver,
    private readonly loggedModels: SqlLoggedModels,
    private readonly statistics: PlannerStatistics,
  ) {}

  private get dialect() {
    return this.db.dialect;
  }

  async logBatch(runId: string, input: LogBatchInput): Promise<void> {
    // On PostgreSQL a batch is one statement whatever its size, unless a point names a logged model
    // or dataset (MLflow 3), which needs checks the statement does not make.
    const oneStatement = this.dialect === "postgres" && !input.metrics.some(isLinked);
    // History rows are not searched; latest values are, one per key.
    const keys =
      input.metrics.length <= 1 ? input.metrics.length : new Set(input.metrics.map((m) => m.key)).size;
    this.statistics.wrote(keys + input.params.length + input.tags.length);
    if (oneStatement && (await this.logInOneStatement(runId, input))) return;
    await this.db.transaction(async (tx) => {
      await activeRun(tx, runId);
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
      points.map((m) => [
        runId,
        m.key,
        m.value,
        m.timestamp,
        m.step,
        m.isNan,
        m.modelId ?? "",
        m.datasetName ?? "",
        m.datasetDigest ?? "",
      ]),
      "ON CONFLICT DO NOTHING",
    );
    await insertRows(
      tx,
      "INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan) VALUES",
      latestPerKey(points).map(row),
      LATEST_WINS,
    );
  }

  /**
   * Upserts tags (the last value of a repeated key wins) and renames the run for `mlflow.runName`;
   * run creation writes its tags here too.
   */
  async writeTags(tx: SqlExecutor, runId: string, tags: KeyValue[], { rename = true } = {}): Promise<void> {
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
      await activeRun(tx, runId);
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
      await activeRun(tx, runId);
      const { changes } = await tx.run("DELETE FROM tags WHERE run_uuid = ? AND key = ?", [runId, key]);
      if (changes === 0) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
    });
  }

  async logOutputs(runId: string, outputs: ModelOutput[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await activeRun(tx, runId);
      await this.loggedModels.linkRun(tx, runId, "output", outputs);
    });
  }

  async logInputs(runId: string, inputs: DatasetInput[], modelInputs: string[] = []): Promise<void> {
    await this.db.transaction(async (tx) => {
      const run = await activeRun(tx, runId);
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
}
