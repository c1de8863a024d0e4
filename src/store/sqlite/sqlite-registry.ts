// The model registry on SQLite, sharing the tracking store's connection.
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
import type { Db } from "./connection.js";

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
}

/** MLflow's model versions are integers sent as strings. */
export function parseVersion(version: string): number {
  if (!/^-?\d{1,15}$/.test(version.trim())) {
    throw invalidParameter(`Model version must be an integer, got '${version}'.`);
  }
  return Number(version.trim());
}

const groupBy = <T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> => {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
};

const json = (items: readonly unknown[]): string => JSON.stringify(items);

export class SqliteRegistry implements RegistryStore {
  private readonly stmt: ReturnType<SqliteRegistry["prepare"]>;

  constructor(private readonly db: Db) {
    this.stmt = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      model: db.prepare<[string], ModelRow>("SELECT * FROM registered_models WHERE name = ?"),
      insertModel: db.prepare(
        "INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)",
      ),
      touchModel: db.prepare("UPDATE registered_models SET last_updated_time = ? WHERE name = ?"),
      renameModel: db.prepare("UPDATE registered_models SET name = ?, last_updated_time = ? WHERE name = ?"),
      touchAllVersions: db.prepare("UPDATE model_versions SET last_updated_time = ? WHERE name = ?"),
      describeModel: db.prepare(
        "UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?",
      ),
      deleteModel: db.prepare("DELETE FROM registered_models WHERE name = ?"),
      upsertModelTag: db.prepare(
        "INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET value = excluded.value",
      ),
      deleteModelTag: db.prepare("DELETE FROM registered_model_tags WHERE name = ? AND key = ?"),
      version: db.prepare<[string, number], VersionRow>(
        `SELECT * FROM model_versions WHERE name = ? AND version = ? AND current_stage <> '${DELETED}'`,
      ),
      maxVersion: db.prepare<[string], { v: number | null }>(
        "SELECT MAX(version) AS v FROM model_versions WHERE name = ?",
      ),
      insertVersion: db.prepare(
        "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, storage_location, run_id, run_link, status) VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, ?, ?, 'READY')",
      ),
      describeVersion: db.prepare(
        "UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?",
      ),
      setStage: db.prepare(
        "UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?",
      ),
      archiveOthers: db.prepare(
        "UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND current_stage = ? AND version <> ?",
      ),
      softDeleteVersion: db.prepare(
        `UPDATE model_versions SET current_stage = '${DELETED}', source = 'REDACTED-SOURCE-PATH', storage_location = 'REDACTED-SOURCE-PATH', run_id = 'REDACTED-RUN-ID', run_link = 'REDACTED-RUN-LINK', description = NULL, user_id = NULL, status_message = NULL, last_updated_time = ? WHERE name = ? AND version = ?`,
      ),
      deleteVersionAliases: db.prepare("DELETE FROM registered_model_aliases WHERE name = ? AND version = ?"),
      upsertVersionTag: db.prepare(
        "INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
      ),
      deleteVersionTag: db.prepare(
        "DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?",
      ),
      upsertAlias: db.prepare(
        "INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
      ),
      deleteAlias: db.prepare("DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?"),
      alias: db.prepare<[string, string], { version: number }>(
        "SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?",
      ),
    };
  }

  // ---------------------------------------------------------------- loading

  private modelRow(name: string): ModelRow {
    const row = this.stmt.model.get(name);
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  private versionRow(name: string, version: string): VersionRow {
    const row = this.stmt.version.get(name, parseVersion(version));
    if (!row) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return row;
  }

  /** Tags and aliases of many versions in two queries. */
  private loadVersions(rows: readonly VersionRow[], withAliases = true): ModelVersion[] {
    if (rows.length === 0) return [];
    const keys = json(rows.map((r) => [r.name, r.version]));
    const tags = groupBy(
      this.db
        .prepare<[string], { name: string; version: number; key: string; value: string }>(
          `SELECT t.name, t.version, t.key, t.value FROM model_version_tags t
           JOIN json_each(?) k ON t.name = k.value ->> 0 AND t.version = k.value ->> 1`,
        )
        .all(keys),
      (t) => `${t.version}\u0000${t.name}`,
    );
    const aliases = withAliases
      ? groupBy(
          this.db
            .prepare<[string], { name: string; version: number; alias: string }>(
              `SELECT a.name, a.version, a.alias FROM registered_model_aliases a
               WHERE a.name IN (SELECT DISTINCT value ->> 0 FROM json_each(?)) ORDER BY a.alias`,
            )
            .all(keys),
          (a) => `${a.version}\u0000${a.name}`,
        )
      : new Map<string, { alias: string }[]>();
    return rows.map((r) => {
      const id = `${r.version}\u0000${r.name}`;
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
        tags: (tags.get(id) ?? []).map(({ key, value }) => ({ key, value })),
        aliases: (aliases.get(id) ?? []).map((a) => a.alias),
      };
    });
  }

  private loadModels(rows: readonly ModelRow[]): RegisteredModel[] {
    if (rows.length === 0) return [];
    const names = json(rows.map((r) => r.name));
    const tags = groupBy(
      this.db
        .prepare<[string], { name: string; key: string; value: string }>(
          "SELECT name, key, value FROM registered_model_tags WHERE name IN (SELECT value FROM json_each(?))",
        )
        .all(names),
      (t) => t.name,
    );
    const aliases = groupBy(
      this.db
        .prepare<[string], { name: string; alias: string; version: number }>(
          "SELECT name, alias, version FROM registered_model_aliases WHERE name IN (SELECT value FROM json_each(?)) ORDER BY alias",
        )
        .all(names),
      (a) => a.name,
    );
    // Per model and stage, the highest-numbered live version.
    const latestRows = this.db
      .prepare<[string], VersionRow>(
        `SELECT v.* FROM model_versions v
         JOIN (SELECT name, current_stage, MAX(version) AS version FROM model_versions
               WHERE name IN (SELECT value FROM json_each(?)) AND current_stage <> '${DELETED}'
               GROUP BY name, current_stage) m
         ON v.name = m.name AND v.version = m.version`,
      )
      .all(names);
    const latest = groupBy(this.loadVersions(latestRows), (v) => v.name);
    return rows.map((r) => ({
      name: r.name,
      creationTimestamp: r.creation_time,
      lastUpdatedTimestamp: r.last_updated_time,
      description: r.description,
      latestVersions: (latest.get(r.name) ?? []).sort((a, b) => Number(a.version) - Number(b.version)),
      tags: (tags.get(r.name) ?? []).map(({ key, value }) => ({ key, value })),
      aliases: (aliases.get(r.name) ?? []).map((a) => ({ alias: a.alias, version: String(a.version) })),
    }));
  }

  private model(name: string): RegisteredModel {
    return this.loadModels([this.modelRow(name)])[0] as RegisteredModel;
  }

  private versionOf(name: string, version: number): ModelVersion {
    return this.loadVersions([this.versionRow(name, String(version))])[0] as ModelVersion;
  }

  // ---------------------------------------------------------------- registered models

  async createRegisteredModel(
    name: string,
    description: string | null,
    tags: KeyValue[],
  ): Promise<RegisteredModel> {
    return this.db
      .transaction(() => {
        if (this.stmt.model.get(name)) {
          throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
        }
        const now = Date.now();
        this.stmt.insertModel.run(name, now, now, description);
        for (const t of tags) this.stmt.upsertModelTag.run(name, t.key, t.value);
        return this.model(name);
      })
      .immediate();
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.model(name);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    return this.db
      .transaction(() => {
        this.modelRow(name);
        if (newName !== name && this.stmt.model.get(newName)) {
          throw new MlflowError(
            "RESOURCE_ALREADY_EXISTS",
            `Registered Model (name=${newName}) already exists.`,
          );
        }
        const now = Date.now();
        this.stmt.renameModel.run(newName, now, name);
        this.stmt.touchAllVersions.run(now, newName);
        return this.model(newName);
      })
      .immediate();
  }

  async updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel> {
    return this.db
      .transaction(() => {
        this.modelRow(name);
        this.stmt.describeModel.run(description, Date.now(), name);
        return this.model(name);
      })
      .immediate();
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    this.db
      .transaction(() => {
        this.modelRow(name);
        this.stmt.deleteModel.run(name);
      })
      .immediate();
  }

  async searchRegisteredModels(input: RegistrySearchInput): Promise<Page<RegisteredModel>> {
    const offset = decodePageToken(input.pageToken);
    const query = compileRegisteredModelSearch({
      filter: input.filter,
      orderBy: input.orderBy,
      limit: input.maxResults + 1,
      offset,
      dialect: "sqlite",
    });
    const names = this.db
      .prepare<unknown[], { name: string }>(query.sql)
      .all(...query.params)
      .map((r) => r.name);
    const page = names.slice(0, input.maxResults);
    const rows = new Map(
      this.db
        .prepare<[string], ModelRow>(
          "SELECT * FROM registered_models WHERE name IN (SELECT value FROM json_each(?))",
        )
        .all(json(page))
        .map((r) => [r.name, r]),
    );
    return {
      items: this.loadModels(page.map((n) => rows.get(n) as ModelRow)),
      nextPageToken: names.length > input.maxResults ? encodePageToken(offset + input.maxResults) : undefined,
    };
  }

  async getLatestVersions(name: string, stages: Stage[]): Promise<ModelVersion[]> {
    const model = this.model(name);
    const wanted = new Set(stages.length > 0 ? stages : STAGES);
    return model.latestVersions.filter((v) => wanted.has(v.currentStage));
  }

  async setRegisteredModelTag(name: string, tag: KeyValue): Promise<void> {
    this.db
      .transaction(() => {
        this.modelRow(name);
        this.stmt.upsertModelTag.run(name, tag.key, tag.value);
      })
      .immediate();
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    this.db
      .transaction(() => {
        this.modelRow(name);
        this.stmt.deleteModelTag.run(name, key);
      })
      .immediate();
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.versionRow(name, version);
        this.stmt.upsertAlias.run(name, alias, row.version);
      })
      .immediate();
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    this.db
      .transaction(() => {
        this.modelRow(name);
        this.stmt.deleteAlias.run(name, alias);
      })
      .immediate();
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    this.modelRow(name);
    const row = this.stmt.alias.get(name, alias);
    if (!row) throw invalidParameter(`Registered model alias ${alias} not found.`);
    return this.versionOf(name, row.version);
  }

  // ---------------------------------------------------------------- model versions

  async createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion> {
    // IMMEDIATE serializes writers, so MAX(version) + 1 never hands out the same number twice.
    return this.db
      .transaction(() => {
        this.modelRow(input.name);
        const version = (this.stmt.maxVersion.get(input.name)?.v ?? 0) + 1;
        const now = Date.now();
        this.stmt.insertVersion.run(
          input.name,
          version,
          now,
          now,
          input.description,
          input.source,
          input.storageLocation,
          input.runId,
          input.runLink,
        );
        for (const t of input.tags) this.stmt.upsertVersionTag.run(input.name, version, t.key, t.value);
        this.stmt.touchModel.run(now, input.name);
        return this.versionOf(input.name, version);
      })
      .immediate();
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    return this.loadVersions([this.versionRow(name, version)])[0] as ModelVersion;
  }

  async updateModelVersion(name: string, version: string, description: string | null): Promise<ModelVersion> {
    return this.db
      .transaction(() => {
        const row = this.versionRow(name, version);
        this.stmt.describeVersion.run(description, Date.now(), name, row.version);
        return this.versionOf(name, row.version);
      })
      .immediate();
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.versionRow(name, version);
        const now = Date.now();
        this.stmt.softDeleteVersion.run(now, name, row.version);
        this.stmt.deleteVersionAliases.run(name, row.version);
        this.stmt.touchModel.run(now, name);
      })
      .immediate();
  }

  async searchModelVersions(input: RegistrySearchInput): Promise<Page<ModelVersion>> {
    const offset = decodePageToken(input.pageToken);
    const query = compileModelVersionSearch({
      filter: input.filter,
      orderBy: input.orderBy,
      limit: input.maxResults + 1,
      offset,
      dialect: "sqlite",
    });
    const keys = this.db
      .prepare<unknown[], { name: string; version: number }>(query.sql)
      .all(...query.params);
    const page = keys.slice(0, input.maxResults);
    const rows = new Map(
      this.db
        .prepare<[string], VersionRow>(
          `SELECT v.* FROM model_versions v JOIN json_each(?) k ON v.name = k.value ->> 0 AND v.version = k.value ->> 1`,
        )
        .all(json(page.map((k) => [k.name, k.version])))
        .map((r) => [`${r.version}\u0000${r.name}`, r]),
    );
    // MLflow leaves aliases out of model-version search results.
    const items = this.loadVersions(
      page.map((k) => rows.get(`${k.version}\u0000${k.name}`) as VersionRow),
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
    return this.db
      .transaction(() => {
        const row = this.versionRow(name, version);
        const now = Date.now();
        if (archiveExisting) this.stmt.archiveOthers.run(now, name, stage, row.version);
        this.stmt.setStage.run(stage, now, name, row.version);
        this.stmt.touchModel.run(now, name);
        return this.versionOf(name, row.version);
      })
      .immediate();
  }

  async getDownloadUri(name: string, version: string): Promise<string> {
    return this.versionRow(name, version).storage_location;
  }

  async setModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.versionRow(name, version);
        this.stmt.upsertVersionTag.run(name, row.version, tag.key, tag.value);
      })
      .immediate();
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.versionRow(name, version);
        this.stmt.deleteVersionTag.run(name, row.version, key);
      })
      .immediate();
  }
}
