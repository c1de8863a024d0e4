// Runs: create (on PostgreSQL in one statement), read with their data and inputs, update, soft delete
// and restore. Every write is one transaction.
import { randomUUID } from "node:crypto";
import { invalidParameter, notFound } from "../../errors.js";
import { RUN_NAME_TAG } from "../../rules.js";
import { randomRunName } from "../../run-names.js";
import type { CreateRunInput, DatasetInput, KeyValue, Run, RunInfo, UpdateRunInput } from "../../types.js";
import { inList, listParam, type SqlDriver } from "../driver.js";
import { experimentIdNumber } from "../experiment-row.js";
import { groupBy } from "../group.js";
import type { SqlLoggedModels } from "../logged-models.js";
import { oneStatementCreateRun } from "../pg-one-statement.js";
import { lastValues, type SqlLogging } from "./logging.js";
import {
  activeExperiment,
  activeRun,
  type KeyValueValues,
  keyValueOf,
  kv,
  LATEST_COLUMNS,
  type LatestValues,
  latestOf,
  newRunRow,
  type RunRow,
  runRow,
  toRunInfo,
} from "./rows.js";
import type { PlannerStatistics } from "./statistics.js";

const UPSERT_TAG =
  "INSERT INTO tags (run_uuid, key, value) VALUES (?, ?, ?) ON CONFLICT (run_uuid, key) DO UPDATE SET value = excluded.value";

export class SqlRuns {
  constructor(
    private readonly db: SqlDriver,
    private readonly loggedModels: SqlLoggedModels,
    private readonly logging: SqlLogging,
    private readonly statistics: PlannerStatistics,
  ) {}

  private get dialect() {
    return this.db.dialect;
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
    this.statistics.wrote(1 + tags.length);
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
        const experiment = await activeExperiment(tx, input.experimentId);
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
        await this.logging.writeTags(tx, id, tags, { rename: false });
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
    const row = await runRow(this.db, runId);
    return (await this.loadRuns([row]))[0] as Run;
  }

  /** Loads params, tags, latest metrics and inputs of many runs in a fixed number of queries. */
  async loadRuns(rows: RunRow[]): Promise<Run[]> {
    if (rows.length === 0) return [];
    return this.assemble(rows, await this.runData(rows.map((r) => r.run_uuid)));
  }

  /**
   * The same for runs known by id (a search's page), in the order of `ids`: their rows are read with
   * their data, at once (on PostgreSQL, on separate connections: one round trip less than rows first).
   */
  async loadRunsById(ids: readonly string[]): Promise<Run[]> {
    if (ids.length === 0) return [];
    const [rows, data] = await Promise.all([
      this.db.all<RunRow>(`SELECT * FROM runs WHERE ${inList(this.dialect, "run_uuid", "text")}`, [
        listParam(this.dialect, ids),
      ]),
      this.runData(ids),
    ]);
    const byId = new Map(rows.map((r) => [r.run_uuid, r]));
    return this.assemble(
      ids.map((id) => byId.get(id) as RunRow),
      data,
    );
  }

  /** What runs hold besides their row: params, tags, latest metrics, inputs and logged-model links. */
  private runData(runIds: readonly string[]) {
    const ids = listParam(this.dialect, runIds);
    const where = inList(this.dialect, "run_uuid", "text");
    return Promise.all([
      this.db.values<KeyValueValues>(`SELECT run_uuid, key, value FROM params WHERE ${where}`, [ids]),
      this.db.values<KeyValueValues>(`SELECT run_uuid, key, value FROM tags WHERE ${where}`, [ids]),
      this.db.values<LatestValues>(`SELECT ${LATEST_COLUMNS} FROM latest_metrics WHERE ${where}`, [ids]),
      this.loadInputs(ids),
      this.loggedModels.runLinks(ids),
    ]);
  }

  private assemble(
    rows: RunRow[],
    [params, tags, metrics, inputs, links]: Awaited<ReturnType<SqlRuns["runData"]>>,
  ): Run[] {
    const paramsByRun = groupBy(params, (p) => p[0]);
    const tagsByRun = groupBy(tags, (t) => t[0]);
    const metricsByRun = groupBy(metrics, (m) => m[0]);
    return rows.map((row) => ({
      info: toRunInfo(row),
      data: {
        metrics: (metricsByRun.get(row.run_uuid) ?? []).map(latestOf),
        params: (paramsByRun.get(row.run_uuid) ?? []).map(keyValueOf),
        tags: (tagsByRun.get(row.run_uuid) ?? []).map(keyValueOf),
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
      await activeRun(tx, runId);
      if (input.status !== undefined)
        await tx.run("UPDATE runs SET status = ? WHERE run_uuid = ?", [input.status, runId]);
      if (input.endTime !== undefined) {
        await tx.run("UPDATE runs SET end_time = ? WHERE run_uuid = ?", [input.endTime, runId]);
      }
      if (input.runName) {
        await tx.run("UPDATE runs SET name = ? WHERE run_uuid = ?", [input.runName, runId]);
        await tx.run(UPSERT_TAG, [runId, RUN_NAME_TAG, input.runName]);
      }
      return toRunInfo(await runRow(tx, runId));
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
      await runRow(tx, runId);
      await tx.run("UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_uuid = ?", [
        target,
        target === "deleted" ? Date.now() : null,
        runId,
      ]);
    });
  }
}
