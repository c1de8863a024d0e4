// Experiments: create, read, rename, tags, soft delete and restore (their runs follow). Every write is
// one transaction.
import { MlflowError, notFound } from "../../errors.js";
import type { Experiment, KeyValue } from "../../types.js";
import type { SqlDriver, SqlExecutor } from "../driver.js";
import {
  activeExperiment,
  type ExperimentRow,
  experimentRow,
  joinArtifactUri,
  toExperiment,
} from "./rows.js";

export class SqlExperiments {
  constructor(
    private readonly db: SqlDriver,
    private readonly root: string,
  ) {}

  /** Creates the Default experiment "0" of a fresh store. */
  async createDefault(): Promise<void> {
    const now = Date.now();
    await this.db.run(
      "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?) ON CONFLICT DO NOTHING",
      [joinArtifactUri(this.root, "0"), now, now],
    );
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
    return this.withTags(this.db, await experimentRow(this.db, experimentId));
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
      const row = await experimentRow(tx, experimentId);
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
      const row = await experimentRow(tx, experimentId);
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
      const row = await activeExperiment(tx, experimentId);
      await this.upsertExperimentTag(tx, row.experiment_id, tag);
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await activeExperiment(tx, experimentId);
      const { changes } = await tx.run("DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?", [
        row.experiment_id,
        key,
      ]);
      if (changes === 0) throw notFound(`No tag with name: ${key} in experiment with id ${experimentId}`);
    });
  }
}
