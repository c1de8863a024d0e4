// Garbage collection (`labtrack gc`): what is deleted, and removing a deleted run or experiment with
// every row it owns, in one transaction; the artifacts are the caller's.
import { invalidParameter } from "../../errors.js";
import type { PurgedExperiment, PurgedRun } from "../../types.js";
import type { SqlDriver, SqlExecutor, SqlParam } from "../driver.js";
import type { SqlTraces } from "../traces.js";
import { experimentRow, runRow } from "./rows.js";

export class SqlPurge {
  constructor(
    private readonly db: SqlDriver,
    private readonly traces: SqlTraces,
  ) {}

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
      const row = await runRow(tx, runId);
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
      const row = await experimentRow(tx, experimentId);
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
