// The model registry on any SQL database behind SqlDriver. Renames cascade through foreign keys.
import {
  compileModelVersionSearch,
  compileRegisteredModelSearch,
  decodePageToken,
  encodePageToken,
} from "../../search/index.js";
import { invalidParameter, MlflowError, notFound } from "../errors.js";
import type {
  CreateModelVersionInput,
  ModelVersion,
  RegisteredModel,
  RegistrySearchInput,
  RegistryStore,
  Stage,
} from "../registry-types.js";
import { STAGES } from "../registry-types.js";
import type { KeyValue, Page } from "../types.js";
import { inList, listParam, type SqlDriver, type SqlExecutor } from "./driver.js";
import { groupBy } from "./group.js";
import type { SqlLoggedModels } from "./logged-models.js";

const DELETED = "Deleted_Internal";

interface ModelRow {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
}

interface VersionRow {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  user_id: string | null;
  current_stage: string;
  source: string;
  storage_location: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  model_id: string | null;
}

/** MLflow's model versions are integers sent as strings. */
export function parseVersion(version: string): number {
  if (!/^-?\d{1,15}$/.test(version.trim())) {
    throw invalidParameter(`Model version must be an integer, got '${version}'.`);
  }
  return Number(version.trim());
}

const versionKey = (name: string, version: number) => `${version}\u0000${name}`;
const kv = ({ key, value }: { key: string; value: string }): KeyValue => ({ key, value });

export class SqlRegistryStore implements RegistryStore {
  constructor(
    private readonly db: SqlDriver,
    private readonly loggedModels: SqlLoggedModels,
  ) {}

  private get dialect() {
    return this.db.dialect;
  }

  // ---------------------------------------------------------------- loading

  private async modelRow(q: SqlExecutor, name: string): Promise<ModelRow> {
    const row = await q.get<ModelRow>("SELECT * FROM registered_models WHERE name = ?", [name]);
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  private async versionRow(q: SqlExecutor, name: string, version: string): Promise<VersionRow> {
    const row = await q.get<VersionRow>(
      `SELECT * FROM model_versions WHERE name = ? AND version = ? AND current_stage <> '${DELETED}'`,
      [name, parseVersion(version)],
    );
    if (!row) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return row;
  }

  /** Tags and aliases of many versions in two queries. */
  private async loadVersions(
    q: SqlExecutor,
    rows: readonly VersionRow[],
    withAliases = true,
  ): Promise<ModelVersion[]> {
    if (rows.length === 0) return [];
    const names = listParam(this.dialect, [...new Set(rows.map((r) => r.name))]);
    const inNames = inList(this.dialect, "name", "text");
    const tags = groupBy(
      await q.all<{ name: string; version: number; key: string; value: string }>(
        `SELECT name, version, key, value FROM model_version_tags WHERE ${inNames} ORDER BY key`,
        [names],
      ),
      (t) => versionKey(t.name, t.version),
    );
    const aliases = withAliases
      ? groupBy(
          await q.all<{ name: string; version: number; alias: string }>(
            `SELECT name, version, alias FROM registered_model_aliases WHERE ${inNames} ORDER BY alias`,
            [names],
          ),
          (a) => versionKey(a.name, a.version),
        )
      : new Map<string, { alias: string }[]>();
    return rows.map((r) => {
      const id = versionKey(r.name, r.version);
      return {
        name: r.name,
        version: String(r.version),
        creationTimestamp: r.creation_time,
        lastUpdatedTimestamp: r.last_updated_time,
        userId: r.user_id,
        currentStage: r.current_stage as Stage,
        description: r.description,
        source: r.source,
        runId: r.run_id,
        runLink: r.run_link,
        status: "READY",
        statusMessage: r.status_message,
        tags: (tags.get(id) ?? []).map(kv),
        aliases: (aliases.get(id) ?? []).map((a) => a.alias),
        modelId: r.model_id ?? null,
      };
    });
  }

  private async loadModels(q: SqlExecutor, rows: readonly ModelRow[]): Promise<RegisteredModel[]> {
    if (rows.length === 0) return [];
    const names = listParam(
      this.dialect,
      rows.map((r) => r.name),
    );
    const inNames = inList(this.dialect, "name", "text");
    const tags = groupBy(
      await q.all<{ name: string; key: string; value: string }>(
        `SELECT name, key, value FROM registered_model_tags WHERE ${inNames} ORDER BY key`,
        [names],
      ),
      (t) => t.name,
    );
    const aliases = groupBy(
      await q.all<{ name: string; alias: string; version: number }>(
        `SELECT name, alias, version FROM registered_model_aliases WHERE ${inNames} ORDER BY alias`,
        [names],
      ),
      (a) => a.name,
    );
    // Per model and stage, the highest-numbered live version.
    const latestRows = await q.all<VersionRow>(
      `SELECT v.* FROM model_versions v
       JOIN (SELECT name, current_stage, MAX(version) AS version FROM model_versions
             WHERE ${inNames} AND current_stage <> '${DELETED}'
             GROUP BY name, current_stage) m
       ON v.name = m.name AND v.version = m.version
       ORDER BY v.version`,
      [names],
    );
    const latest = groupBy(await this.loadVersions(q, latestRows), (v) => v.name);
    return rows.map((r) => ({
      name: r.name,
      creationTimestamp: r.creation_time,
      lastUpdatedTimestamp: r.last_updated_time,
      description: r.description,
      latestVersions: latest.get(r.name) ?? [],
      tags: (tags.get(r.name) ?? []).map(kv),
      aliases: (aliases.get(r.name) ?? []).map((a) => ({ alias: a.alias, version: String(a.version) })),
    }));
  }

  private async model(q: SqlExecutor, name: string): Promise<RegisteredModel> {
    return (await this.loadModels(q, [await this.modelRow(q, name)]))[0] as RegisteredModel;
  }

  private async version(q: SqlExecutor, name: string, version: string): Promise<ModelVersion> {
    return (await this.loadVersions(q, [await this.versionRow(q, name, version)]))[0] as ModelVersion;
  }

  private touchModel(q: SqlExecutor, name: string, now: number) {
    return q.run("UPDATE registered_models SET last_updated_time = ? WHERE name = ?", [now, name]);
  }

  // ---------------------------------------------------------------- registered models

  async createRegisteredModel(
    name: string,
    description: string | null,
    tags: KeyValue[],
  ): Promise<RegisteredModel> {
    return this.db.transaction(async (tx) => {
      const now = Date.now();
      const inserted = await tx.run(
        "INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [name, now, now, description],
      );
      if (inserted.changes === 0) {
        throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
      }
      for (const t of tags) await this.upsertModelTag(tx, name, t);
      return this.model(tx, name);
    });
  }

  private upsertModelTag(q: SqlExecutor, name: string, tag: KeyValue) {
    return q.run(
      "INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET value = excluded.value",
      [name, tag.key, tag.value],
    );
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.model(this.db, name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      if (
        newName !== name &&
        (await tx.get("SELECT name FROM registered_models WHERE name = ?", [newName]))
      ) {
        throw new MlflowError(
          "RESOURCE_ALREADY_EXISTS",
          `Registered Model (name=${newName}) already exists.`,
        );
      }
      const now = Date.now();
      await tx.run("UPDATE registered_models SET name = ?, last_updated_time = ? WHERE name = ?", [
        newName,
        now,
        name,
      ]);
      await tx.run("UPDATE model_versions SET last_updated_time = ? WHERE name = ?", [now, newName]);
      return this.model(tx, newName);
    });
  }

  async updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel> {
    return this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await tx.run("UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?", [
        description,
        Date.now(),
        name,
      ]);
      return this.model(tx, name);
    });
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await tx.run("DELETE FROM registered_models WHERE name = ?", [name]);
    });
  }

  async searchRegisteredModels(input: RegistrySearchInput): Promise<Page<RegisteredModel>> {
    const offset = decodePageToken(input.pageToken);
    const query = compileRegisteredModelSearch({
      filter: input.filter,
      orderBy: input.orderBy,
      limit: input.maxResults + 1,
      offset,
      dialect: this.dialect,
    });
    const names = (await this.db.all<{ name: string }>(query.sql, query.params)).map((r) => r.name);
    const page = names.slice(0, input.maxResults);
    const rows = new Map(
      (
        await this.db.all<ModelRow>(
          `SELECT * FROM registered_models WHERE ${inList(this.dialect, "name", "text")}`,
          [listParam(this.dialect, page)],
        )
      ).map((r) => [r.name, r]),
    );
    return {
      items: await this.loadModels(
        this.db,
        page.map((n) => rows.get(n) as ModelRow),
      ),
      nextPageToken: names.length > input.maxResults ? encodePageToken(offset + input.maxResults) : undefined,
    };
  }

  async getLatestVersions(name: string, stages: Stage[]): Promise<ModelVersion[]> {
    const model = await this.model(this.db, name);
    const wanted = new Set(stages.length > 0 ? stages : STAGES);
    return model.latestVersions.filter((v) => wanted.has(v.currentStage));
  }

  async setRegisteredModelTag(name: string, tag: KeyValue): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await this.upsertModelTag(tx, name, tag);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await tx.run("DELETE FROM registered_model_tags WHERE name = ? AND key = ?", [name, key]);
    });
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.versionRow(tx, name, version);
      await tx.run(
        "INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
        [name, alias, row.version],
      );
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.modelRow(tx, name);
      await tx.run("DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?", [name, alias]);
    });
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    await this.modelRow(this.db, name);
    const row = await this.db.get<{ version: number }>(
      "SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?",
      [name, alias],
    );
    if (!row) throw invalidParameter(`Registered model alias ${alias} not found.`);
    return this.version(this.db, name, String(row.version));
  }

  // ---------------------------------------------------------------- model versions

  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    return this.db.transaction(async (tx) => {
      const now = Date.now();
      // Updating the model row first locks it (PostgreSQL) or holds the write lock (SQLite), so
      // concurrent creates take turns and MAX(version) + 1 never repeats.
      const { changes } = await this.touchModel(tx, input.name, now);
      if (changes === 0) throw notFound(`Registered Model with name=${input.name} not found`);
      const max = await tx.get<{ v: number | null }>(
        "SELECT MAX(version) AS v FROM model_versions WHERE name = ?",
        [input.name],
      );
      const version = (max?.v ?? 0) + 1;
      // The model must still be there when the version is written; its tag lists the version.
      if (input.modelId !== null) {
        await this.loggedModels.row(tx, input.modelId);
        await this.loggedModels.addRegistration(tx, input.modelId, input.name, version);
      }
      await tx.run(
        "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, storage_location, run_id, run_link, status, model_id) VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, ?, ?, 'READY', ?)",
        [
          input.name,
          version,
          now,
          now,
          input.description,
          input.source,
          input.storageLocation,
          input.runId,
          input.runLink,
          input.modelId,
        ],
      );
      for (const t of input.tags) await this.upsertVersionTag(tx, input.name, version, t);
      return this.version(tx, input.name, String(version));
    });
  }

  private upsertVersionTag(q: SqlExecutor, name: string, version: number, tag: KeyValue) {
    return q.run(
      "INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
      [name, version, tag.key, tag.value],
    );
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.version(this.db, name, version);
  }

  async updateModelVersion(name: string, version: string, description: string | null): Promise<ModelVersion> {
    return this.db.transaction(async (tx) => {
      const row = await this.versionRow(tx, name, version);
      await tx.run(
        "UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?",
        [description, Date.now(), name, row.version],
      );
      return this.version(tx, name, version);
    });
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.versionRow(tx, name, version);
      const now = Date.now();
      await tx.run(
        `UPDATE model_versions SET current_stage = '${DELETED}', source = 'REDACTED-SOURCE-PATH',
           storage_location = 'REDACTED-SOURCE-PATH', run_id = 'REDACTED-RUN-ID', run_link = 'REDACTED-RUN-LINK',
           description = NULL, user_id = NULL, status_message = NULL, last_updated_time = ?
         WHERE name = ? AND version = ?`,
        [now, name, row.version],
      );
      await tx.run("DELETE FROM registered_model_aliases WHERE name = ? AND version = ?", [
        name,
        row.version,
      ]);
      await this.touchModel(tx, name, now);
    });
  }

  async searchModelVersions(input: RegistrySearchInput): Promise<Page<ModelVersion>> {
    const offset = decodePageToken(input.pageToken);
    const query = compileModelVersionSearch({
      filter: input.filter,
      orderBy: input.orderBy,
      limit: input.maxResults + 1,
      offset,
      dialect: this.dialect,
    });
    const keys = await this.db.all<{ name: string; version: number }>(query.sql, query.params);
    const page = keys.slice(0, input.maxResults);
    const names = [...new Set(page.map((k) => k.name))];
    const rows = new Map(
      (
        await this.db.all<VersionRow>(
          `SELECT * FROM model_versions WHERE ${inList(this.dialect, "name", "text")}`,
          [listParam(this.dialect, names)],
        )
      ).map((r) => [versionKey(r.name, r.version), r]),
    );
    // MLflow leaves aliases out of model-version search results.
    const items = await this.loadVersions(
      this.db,
      page.map((k) => rows.get(versionKey(k.name, k.version)) as VersionRow),
      false,
    );
    return {
      items,
      nextPageToken: keys.length > input.maxResults ? encodePageToken(offset + input.maxResults) : undefined,
    };
  }

  async transitionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExisting: boolean,
  ): Promise<ModelVersion> {
    if (archiveExisting && stage !== "Staging" && stage !== "Production") {
      throw invalidParameter(
        `Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging and Production.`,
      );
    }
    return this.db.transaction(async (tx) => {
      const row = await this.versionRow(tx, name, version);
      const now = Date.now();
      if (archiveExisting) {
        await tx.run(
          "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND current_stage = ? AND version <> ?",
          [now, name, stage, row.version],
        );
      }
      await tx.run(
        "UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?",
        [stage, now, name, row.version],
      );
      await this.touchModel(tx, name, now);
      return this.version(tx, name, version);
    });
  }

  async getDownloadUri(name: string, version: string): Promise<string> {
    return (await this.versionRow(this.db, name, version)).storage_location;
  }

  async setModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.versionRow(tx, name, version);
      await this.upsertVersionTag(tx, name, row.version, tag);
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.versionRow(tx, name, version);
      await tx.run("DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?", [
        name,
        row.version,
        key,
      ]);
    });
  }
}
