// The model registry's domain types and storage interface (reference §2.3, §4, §11).
import type { Filter, OrderTerm } from "../search/ast.js";
import type { KeyValue, Page } from "./types.js";

export type Stage = "None" | "Staging" | "Production" | "Archived";
export const STAGES: readonly Stage[] = ["None", "Staging", "Production", "Archived"];

export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId: string | null;
  currentStage: Stage;
  description: string | null;
  source: string;
  runId: string | null;
  runLink: string | null;
  status: "READY";
  statusMessage: string | null;
  tags: KeyValue[];
  aliases: string[];
  /** MLflow 3: the logged model the version was registered from. */
  modelId: string | null;
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string | null;
  latestVersions: ModelVersion[];
  tags: KeyValue[];
  aliases: { alias: string; version: string }[];
}

export interface CreateModelVersionInput {
  name: string;
  source: string;
  /** Where the files really are: `source` resolved (runs:/ and models:/ URIs). */
  storageLocation: string;
  runId: string | null;
  runLink: string | null;
  description: string | null;
  tags: KeyValue[];
  /** MLflow 3: the logged model registered; its `mlflow.modelVersions` tag gets the new version. */
  modelId: string | null;
}

export interface RegistrySearchInput {
  filter: Filter | null;
  orderBy: OrderTerm[];
  maxResults: number;
  pageToken: string | undefined;
}

export interface RegistryStore {
  createRegisteredModel(name: string, description: string | null, tags: KeyValue[]): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string | null): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  searchRegisteredModels(input: RegistrySearchInput): Promise<Page<RegisteredModel>>;
  getLatestVersions(name: string, stages: Stage[]): Promise<ModelVersion[]>;
  setRegisteredModelTag(name: string, tag: KeyValue): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  deleteAlias(name: string, alias: string): Promise<void>;
  getVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  createModelVersion(input: CreateModelVersionInput): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  updateModelVersion(name: string, version: string, description: string | null): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string): Promise<void>;
  searchModelVersions(input: RegistrySearchInput): Promise<Page<ModelVersion>>;
  transitionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExisting: boolean,
  ): Promise<ModelVersion>;
  getDownloadUri(name: string, version: string): Promise<string>;
  setModelVersionTag(name: string, version: string, tag: KeyValue): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;
}
