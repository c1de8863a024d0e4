// MLflow 3's logged models on any SQL database behind SqlDriver: create, finalize, tags, params, soft
// delete, search, and the metrics and run links that name them. Part of the tracking store (it calls
// these within its own transactions when runs log metrics or outputs naming a model).
import { randomUUID } from "node:crypto";
import type { Comparison } from "../../search/ast.js";
import {
  compileKeyedCount,
  type LoggedModelSearchPart,
  ordersByKeptMetric,
  requiredKeyedEqualities,
} from "../../search/compile-logged-models.js";
import {
  compileLoggedModelSearch,
  compileMetricPointCount,
  decodePageToken,
  encodePageToken,
  type LoggedModelSearchQuery,
  requiredMetricComparisons,
} from "../../search/index.js";
import { invalidParameter, MlflowError, notFound } from "../errors.js";
import { randomRunName } from "../run-names.js";
import type {
  CreateLoggedModelInput,
  KeyValue,
  LoggedModel,
  LoggedModelMetric,
  LoggedModelStatus,
  Metric,
  ModelOutput,
  Page,
  SearchLoggedModelsInput,
} from "../types.js";
import { inList, listParam, type SqlDriver, type SqlExecutor } from "./driver.js";
import { activeExperimentRow, experimentIdNumber } from "./experiment-row.js";
import { groupBy } from "./group.js";
import { insertRows } from "./insert-rows.js";

interface LoggedModelRow {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: LoggedModelStatus;
  lifecycle_stage: "active" | "deleted";
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}

interface ModelMetricRow {
  model_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
  run_uuid: string;
  dataset_name: string;
  dataset_digest: string;
}

/** The tag where the registry lists the versions made from a model, as MLflow keeps it. */
export const MODEL_VERSIONS_TAG = "mlflow.modelVersions";

/**
 * A metric comparison or param / tag equality matching at most this many rows drives the search (see
 * compile-logged-models):
 * checking c candidates costs ~2c index probes, reading the models in order until a page of 100 is full
 * ~100·N/c, which is more for c below ~700 in an experiment of 10,000 models.
 */
const SELECTIVE_BOUND = 500;

export const newLoggedModelId = (): string => `m-${randomUUID().replaceAll("-", "")}`;

export const loggedModelNotFound = (modelId: string): MlflowError =>
  notFound(`Logged model with ID '${modelId}' not found.`);

/** `[{"name": …, "version": …}]`, tolerating a hand-edited tag (it then lists nothing). */
export function parseRegistrations(value: string | undefined): { name: string; version: string }[] {
  if (value === undefined) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed)) return [];
    return parsed.flatMap((r: unknown) => {
      if (r === null || typeof r !== "object") return [];
      const { name, version } = r as { name?: unknown; version?: unknown };
      return typeof name === "string" && (typeof version === "string" || typeof version === "number")
        ? [{ name, version: String(version) }]
        : [];
    });
  } catch {
    return [];
  }
}

const kv = ({ key, value }: { key: string; value: string }): KeyValue => ({ key, value });

const toMetric = (r: ModelMetricRow): LoggedModelMetric => ({
  key: r.key,
  value: r.is_nan ? Number.NaN : r.value,
  timestamp: r.timestamp,
  step: r.step,
  modelId: r.model_id,
  datasetName: r.dataset_name || undefined,
  datasetDigest: r.dataset_digest || undefined,
  runId: r.run_uuid,
});

interface Held {
  tags: Map<string, (KeyValue & { model_id: string })[]>;
  params: Map<string, (KeyValue & { model_id: string })[]>;
  metrics: Map<string, ModelMetricRow[]>;
}

function toLoggedModel(r: LoggedModelRow, held: Held): LoggedModel {
  const modelTags = (held.tags.get(r.model_id) ?? []).map(kv);
  return {
    modelId: r.model_id,
    experimentId: String(r.experiment_id),
    name: r.name,
    artifactLocation: r.artifact_location,
    status: r.status,
    statusMessage: r.status_message,
    creationTimestamp: Number(r.creation_timestamp_ms),
    lastUpdatedTimestamp: Number(r.last_updated_timestamp_ms),
    modelType: r.model_type,
    sourceRunId: r.source_run_id,
    tags: modelTags,
    params: (held.params.get(r.model_id) ?? []).map(kv),
    metrics: (held.metrics.get(r.model_id) ?? []).map(toMetric),
    registrations: parseRegistrations(modelTags.find((t) => t.key === MODEL_VERSIONS_TAG)?.value),
  };
}

export class SqlLoggedModels {
  constructor(
    private readonly db: SqlDriver,
    private readonly joinUri: (root: string, ...parts: string[]) => string,
  ) {}

  private get dialect() {
    return this.db.dialect;
  }

  async row(q: SqlExecutor, modelId: string, allowDeleted = false): Promise<LoggedModelRow> {
    const row = await q.get<LoggedModelRow>("SELECT * FROM logged_models WHERE model_id = ?", [modelId]);
    if (!row || (!allowDeleted && row.lifecycle_stage !== "active")) throw loggedModelNotFound(modelId);
    return row;
  }

  /** Every id must name a live model (metrics and run links may only point at those). */
  async requireLive(q: SqlExecutor, modelIds: readonly string[]): Promise<void> {
    const ids = [...new Set(modelIds)];
    if (ids.length === 0) return;
    const found = new Set(
      (
        await q.all<{ model_id: string }>(
          `SELECT model_id FROM logged_models WHERE ${inList(this.dialect, "model_id", "text")} AND lifecycle_stage = 'active'`,
          [listParam(this.dialect, ids)],
        )
      ).map((r) => r.model_id),
    );
    const missing = ids.find((id) => !found.has(id));
    if (missing !== undefined) throw loggedModelNotFound(missing);
  }

  async create(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const id = newLoggedModelId();
    await this.db.transaction(async (tx) => {
      const experiment = await activeExperimentRow(tx, input.experimentId);
      if (input.sourceRunId !== undefined) {
        const run = await tx.get<{ run_uuid: string }>("SELECT run_uuid FROM runs WHERE run_uuid = ?", [
          input.sourceRunId,
        ]);
        if (!run) throw notFound(`Run with id=${input.sourceRunId} not found`);
      }
      const now = Date.now();
      await tx.run(
        `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms,
           last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id)
         VALUES (?, ?, ?, ?, ?, ?, 'LOGGED_MODEL_PENDING', 'active', ?, ?)`,
        [
          id,
          experiment.experiment_id,
          input.name ?? randomRunName(),
          this.joinUri(experiment.artifact_location, "models", id, "artifacts"),
          now,
          now,
          input.modelType ?? null,
          input.sourceRunId ?? null,
        ],
      );
      await this.writeParams(tx, id, input.params);
      await this.writeTags(tx, id, input.tags);
    });
    return this.get(id);
  }

  async get(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    const row = await this.row(this.db, modelId, allowDeleted);
    return (await this.load(this.db, [row]))[0] as LoggedModel;
  }

  async experimentId(modelId: string): Promise<string> {
    return String((await this.row(this.db, modelId, true)).experiment_id);
  }

  async finalize(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    if (status === "LOGGED_MODEL_PENDING") {
      throw invalidParameter(
        `Invalid model status: ${status}. A logged model is finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED.`,
      );
    }
    await this.db.transaction(async (tx) => {
      const row = await this.row(tx, modelId);
      if (row.status !== "LOGGED_MODEL_PENDING") {
        throw new MlflowError(
          "INVALID_STATE",
          `Logged model '${modelId}' is already finalized with status ${row.status}; only a LOGGED_MODEL_PENDING model can be finalized.`,
        );
      }
      await tx.run("UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?", [
        status,
        Date.now(),
        modelId,
      ]);
    });
    return this.get(modelId);
  }

  async delete(modelId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, modelId);
      await tx.run(
        "UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_timestamp_ms = ? WHERE model_id = ?",
        [Date.now(), modelId],
      );
    });
  }

  async setTags(modelId: string, tags: KeyValue[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, modelId);
      await this.writeTags(tx, modelId, tags);
      await this.touch(tx, modelId);
    });
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, modelId);
      const { changes } = await tx.run("DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?", [
        modelId,
        key,
      ]);
      if (changes === 0) throw notFound(`No tag with key '${key}' found for model with ID '${modelId}'.`);
      await this.touch(tx, modelId);
    });
  }

  async logParams(modelId: string, params: KeyValue[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.row(tx, modelId);
      await this.writeParams(tx, modelId, params);
      await this.touch(tx, modelId);
    });
  }

  /**
   * Appends a registration to the model's `mlflow.modelVersions` tag, inside the caller's transaction
   * (the registry's create of the version), so that both are written or neither.
   */
  async addRegistration(tx: SqlExecutor, modelId: string, name: string, version: number): Promise<void> {
    const tag = await tx.get<{ value: string }>(
      "SELECT value FROM logged_model_tags WHERE model_id = ? AND key = ?",
      [modelId, MODEL_VERSIONS_TAG],
    );
    const list = tag
      ? parseRegistrations(tag.value).map((r) => ({ name: r.name, version: Number(r.version) }))
      : [];
    list.push({ name, version });
    // Python's json.dumps spacing, so that the tag reads the same as MLflow's.
    const text = `[${list.map((r) => `{"name": ${JSON.stringify(r.name)}, "version": ${r.version}}`).join(", ")}]`;
    await this.writeTags(tx, modelId, [{ key: MODEL_VERSIONS_TAG, value: text }]);
    await this.touch(tx, modelId);
  }

  private touch(tx: SqlExecutor, modelId: string) {
    return tx.run("UPDATE logged_models SET last_updated_timestamp_ms = ? WHERE model_id = ?", [
      Date.now(),
      modelId,
    ]);
  }

  private async writeTags(tx: SqlExecutor, modelId: string, tags: KeyValue[]): Promise<void> {
    // The last value of a repeated key wins.
    const last = [...new Map(tags.map((t) => [t.key, t.value]))];
    if (last.length === 0) return;
    await insertRows(
      tx,
      "INSERT INTO logged_model_tags (model_id, key, value) VALUES",
      last.map(([key, value]) => [modelId, key, value]),
      "ON CONFLICT (model_id, key) DO UPDATE SET value = excluded.value",
    );
  }

  /** Params are write-once, as a run's: the same value again is fine, another value is refused. */
  private async writeParams(tx: SqlExecutor, modelId: string, params: KeyValue[]): Promise<void> {
    if (params.length === 0) return;
    const seen = new Map<string, string>();
    for (const p of params) {
      const before = seen.get(p.key);
      if (before !== undefined && before !== p.value) {
        throw invalidParameter(
          `Duplicate parameter keys have been submitted: ['${p.key}'] with different values.`,
        );
      }
      seen.set(p.key, p.value);
    }
    await insertRows(
      tx,
      "INSERT INTO logged_model_params (model_id, key, value) VALUES",
      [...seen].map(([key, value]) => [modelId, key, value]),
      "ON CONFLICT DO NOTHING",
    );
    const stored = await tx.all<KeyValue>(
      `SELECT key, value FROM logged_model_params WHERE model_id = ? AND ${inList(this.dialect, "key", "text")}`,
      [modelId, listParam(this.dialect, [...seen.keys()])],
    );
    for (const p of stored) {
      const wanted = seen.get(p.key) as string;
      if (p.value !== wanted) {
        throw invalidParameter(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${p.value}' for logged model ID='${modelId}'. Attempted logging new value '${wanted}'.`,
        );
      }
    }
  }

  /** Metric points naming a model are that model's metrics too (run tx of log-metric / log-batch). */
  async writeMetrics(tx: SqlExecutor, runId: string, points: readonly (Metric & { isNan: 0 | 1 })[]) {
    const linked = points.filter((m) => m.modelId);
    if (linked.length === 0) return;
    await this.requireLive(
      tx,
      linked.map((m) => m.modelId as string),
    );
    await insertRows(
      tx,
      "INSERT INTO logged_model_metrics (model_id, key, value, timestamp, step, is_nan, run_uuid, dataset_name, dataset_digest) VALUES",
      linked.map((m) => [
        m.modelId as string,
        m.key,
        m.value,
        m.timestamp,
        m.step,
        m.isNan,
        runId,
        m.datasetName ?? "",
        m.datasetDigest ?? "",
      ]),
      "ON CONFLICT DO NOTHING",
    );
  }

  /** Links models to a run as inputs or outputs (run tx); a link already made stays as it was. */
  async linkRun(
    tx: SqlExecutor,
    runId: string,
    direction: "input" | "output",
    models: readonly ModelOutput[],
  ): Promise<void> {
    if (models.length === 0) return;
    await this.requireLive(
      tx,
      models.map((m) => m.modelId),
    );
    for (const m of models) {
      await tx.run(
        "INSERT INTO run_logged_models (run_uuid, direction, model_id, step, seq) VALUES (?, ?, ?, ?, (SELECT COUNT(*) FROM run_logged_models WHERE run_uuid = ? AND direction = ?)) ON CONFLICT DO NOTHING",
        [runId, direction, m.modelId, m.step, runId, direction],
      );
    }
  }

  /** Inputs and outputs of many runs in one query. */
  async runLinks(
    ids: ReturnType<typeof listParam>,
  ): Promise<Map<string, { inputs: string[]; outputs: ModelOutput[] }>> {
    const rows = await this.db.all<{ run_uuid: string; direction: string; model_id: string; step: number }>(
      `SELECT run_uuid, direction, model_id, step FROM run_logged_models WHERE ${inList(this.dialect, "run_uuid", "text")} ORDER BY run_uuid, direction, seq`,
      [ids],
    );
    const out = new Map<string, { inputs: string[]; outputs: ModelOutput[] }>();
    for (const r of rows) {
      let entry = out.get(r.run_uuid);
      if (!entry) {
        entry = { inputs: [], outputs: [] };
        out.set(r.run_uuid, entry);
      }
      if (r.direction === "input") entry.inputs.push(r.model_id);
      else entry.outputs.push({ modelId: r.model_id, step: Number(r.step) });
    }
    return out;
  }

  async search(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    const offset = decodePageToken(input.pageToken);
    const experimentIds = input.experimentIds
      .map(experimentIdNumber)
      .filter((id): id is number => id !== null);
    if (experimentIds.length === 0) return { items: [] };
    const query: LoggedModelSearchQuery = {
      experimentIds,
      filter: input.filter,
      selective: await this.selective(input, experimentIds),
      datasets: input.datasets,
      orderBy: input.orderBy,
      limit: input.maxResults + 1,
      offset,
      dialect: this.dialect,
    };
    const ids = await this.searchIds(query);
    const more = ids.length > input.maxResults;
    const page = ids.slice(0, input.maxResults);
    if (page.length === 0) return { items: [] };
    // The models' rows and what they hold, read at once (on PostgreSQL, four connections at a time).
    const [rows, held] = await Promise.all([
      this.db.all<LoggedModelRow>(
        `SELECT * FROM logged_models WHERE ${inList(this.dialect, "model_id", "text")}`,
        [listParam(this.dialect, page)],
      ),
      this.held(this.db, page),
    ]);
    const byId = new Map(rows.map((r) => [r.model_id, r]));
    const items = page.map((id) => toLoggedModel(byId.get(id) as LoggedModelRow, held));
    return { items, nextPageToken: more ? encodePageToken(offset + input.maxResults) : undefined };
  }

  /** The ids of the query's page: the models with the first order term's metric, then those without. */
  private async searchIds(query: LoggedModelSearchQuery): Promise<string[]> {
    const ids = async (part: LoggedModelSearchPart, q: LoggedModelSearchQuery = query) => {
      const { sql, params } = compileLoggedModelSearch(q, part);
      return (await this.db.all<{ model_id: string }>(sql, params)).map((r) => r.model_id);
    };
    if (!ordersByKeptMetric(query.orderBy)) return ids("all");
    const valued = await ids("valued");
    if (valued.length >= query.limit) return valued;
    // The models with a value end within this page: the page goes on with those without one, from
    // where the offset falls among them (counting the others only when the offset is past them all).
    let before = query.offset + valued.length;
    if (valued.length === 0 && query.offset > 0) {
      const { sql, params } = compileLoggedModelSearch(query, "valued-count");
      before = Number((await this.db.get<{ n: number | string }>(sql, params))?.n ?? 0);
    }
    const rest = await ids("unvalued", {
      ...query,
      limit: query.limit - valued.length,
      offset: Math.max(0, query.offset - before),
    });
    return [...valued, ...rest];
  }

  /** The required metric comparisons and param / tag equalities that match few rows (one bounded index count each). */
  private async selective(input: SearchLoggedModelsInput, experimentIds: number[]): Promise<Set<Comparison>> {
    const out = new Set<Comparison>();
    const counts = [
      ...requiredMetricComparisons(input.filter).map((c) => ({
        c,
        count: compileMetricPointCount(c, input.datasets, SELECTIVE_BOUND + 1, this.dialect, experimentIds),
      })),
      ...requiredKeyedEqualities(input.filter).map((c) => ({
        c,
        count: compileKeyedCount(c, SELECTIVE_BOUND + 1, this.dialect),
      })),
    ];
    for (const { c, count } of counts) {
      const row = await this.db.get<{ n: number | string }>(count.sql, count.params);
      if (Number(row?.n ?? 0) <= SELECTIVE_BOUND) out.add(c);
    }
    return out;
  }

  /** Tags, params and metrics of many models in three queries. */
  private async load(q: SqlExecutor, rows: readonly LoggedModelRow[]): Promise<LoggedModel[]> {
    const held = await this.held(
      q,
      rows.map((r) => r.model_id),
    );
    return rows.map((r) => toLoggedModel(r, held));
  }

  /** The tags, params and metrics of these models, by model. */
  private async held(q: SqlExecutor, modelIds: readonly string[]): Promise<Held> {
    const ids = listParam(this.dialect, modelIds);
    const where = inList(this.dialect, "model_id", "text");
    // Ordered as the primary keys and the metrics' point index are (model first), so that the rows come
    // in index order without a sort; grouped by model below, each model's come by key as before.
    const [tags, params, metrics] = await Promise.all([
      q.all<KeyValue & { model_id: string }>(
        `SELECT model_id, key, value FROM logged_model_tags WHERE ${where} ORDER BY model_id, key`,
        [ids],
      ),
      q.all<KeyValue & { model_id: string }>(
        `SELECT model_id, key, value FROM logged_model_params WHERE ${where} ORDER BY model_id, key`,
        [ids],
      ),
      q.all<ModelMetricRow>(
        `SELECT model_id, key, value, timestamp, step, is_nan, run_uuid, dataset_name, dataset_digest
         FROM logged_model_metrics WHERE ${where} ORDER BY model_id, key, timestamp, step`,
        [ids],
      ),
    ]);
    return {
      tags: groupBy(tags, (t) => t.model_id),
      params: groupBy(params, (p) => p.model_id),
      metrics: groupBy(metrics, (m) => m.model_id),
    };
  }
}
