// What each search accepts: entity prefixes, attribute keys with their types and aliases, which keys
// allow IN lists, and which keys can be ordered by (reference §8.2–§8.6).
import type { Comparator, Entity } from "./ast.js";

export type ValueType = "string" | "number";

export interface AttributeSpec {
  type: ValueType;
  /** IN / NOT IN allowed (run_id, model-version run_id). */
  list?: boolean;
  /** NOT IN allowed too (false for model versions, where MLflow only has IN). */
  notIn?: boolean;
  /** A number may also be written quoted (`version_number = '1'`), as MLflow accepts it there. */
  quotedNumber?: boolean;
}

export interface SearchSchema {
  readonly name: string;
  /** Lower-cased prefix → entity. A key without a prefix is an attribute. */
  readonly prefixes: Readonly<Record<string, Entity>>;
  /** Canonical attribute key → spec. */
  readonly attributes: Readonly<Record<string, AttributeSpec>>;
  /** Alias (exact spelling) → canonical attribute key. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Entities other than attribute whose values are strings (params, tags, dataset fields). */
  readonly stringEntities: readonly Entity[];
  readonly numberEntities: readonly Entity[];
  readonly datasetKeys?: readonly string[];
  /** Attribute keys that may appear in order_by (after aliasing). */
  readonly orderAttributes: readonly string[];
  /** Entities whose keys may all be ordered by (e.g. metrics, params, tags for runs). */
  readonly orderEntities: readonly Entity[];
  /** Comparator names are matched case-insensitively except where MLflow is strict. */
  readonly comparatorsCaseSensitive?: boolean;
}

export const STRING_COMPARATORS: readonly Comparator[] = ["=", "!=", "LIKE", "ILIKE"];
export const NUMBER_COMPARATORS: readonly Comparator[] = ["=", "!=", "<", "<=", ">", ">="];

const RUN_NAME_ALIASES = { "run name": "run_name", "Run name": "run_name", "Run Name": "run_name" };

export const RUNS: SearchSchema = {
  name: "runs",
  prefixes: {
    metric: "metric",
    metrics: "metric",
    param: "param",
    params: "param",
    parameter: "param",
    parameters: "param",
    tag: "tag",
    tags: "tag",
    attribute: "attribute",
    attributes: "attribute",
    attr: "attribute",
    run: "attribute",
    dataset: "dataset",
    datasets: "dataset",
  },
  attributes: {
    run_id: { type: "string", list: true, notIn: true },
    run_name: { type: "string" },
    user_id: { type: "string" },
    status: { type: "string" },
    artifact_uri: { type: "string" },
    start_time: { type: "number" },
    end_time: { type: "number" },
  },
  aliases: { ...RUN_NAME_ALIASES, created: "start_time", Created: "start_time" },
  stringEntities: ["param", "tag", "dataset"],
  numberEntities: ["metric"],
  datasetKeys: ["name", "digest", "context"],
  orderAttributes: ["run_id", "run_name", "user_id", "status", "start_time", "end_time", "artifact_uri"],
  orderEntities: ["metric", "param", "tag"],
};

export const EXPERIMENTS: SearchSchema = {
  name: "experiments",
  prefixes: { attribute: "attribute", attributes: "attribute", tag: "tag", tags: "tag" },
  attributes: {
    name: { type: "string" },
    creation_time: { type: "number" },
    last_update_time: { type: "number" },
  },
  aliases: {},
  stringEntities: ["tag"],
  numberEntities: [],
  orderAttributes: ["name", "experiment_id", "creation_time", "last_update_time"],
  orderEntities: [],
};

export const REGISTERED_MODELS: SearchSchema = {
  name: "registered models",
  prefixes: { attribute: "attribute", attributes: "attribute", tag: "tag", tags: "tag" },
  attributes: { name: { type: "string" } },
  aliases: {},
  stringEntities: ["tag"],
  numberEntities: [],
  // Both timestamp keys sort by the last update, as in MLflow's SQL store.
  orderAttributes: ["name", "timestamp", "last_updated_timestamp"],
  orderEntities: [],
};

export const MODEL_VERSIONS: SearchSchema = {
  name: "model versions",
  prefixes: { attribute: "attribute", attributes: "attribute", tag: "tag", tags: "tag" },
  attributes: {
    name: { type: "string" },
    source_path: { type: "string" },
    run_id: { type: "string", list: true, notIn: false },
    version_number: { type: "number", quotedNumber: true },
  },
  aliases: {},
  stringEntities: ["tag"],
  numberEntities: [],
  orderAttributes: ["name", "version_number", "creation_timestamp", "last_updated_timestamp"],
  orderEntities: [],
};

/** MLflow 3's logged-models/search: attributes of the model, its params and tags, the metrics linked to it. */
export const LOGGED_MODELS: SearchSchema = {
  name: "logged models",
  prefixes: {
    metric: "metric",
    metrics: "metric",
    param: "param",
    params: "param",
    tag: "tag",
    tags: "tag",
    attribute: "attribute",
    attributes: "attribute",
    attr: "attribute",
  },
  attributes: {
    name: { type: "string", list: true, notIn: true },
    model_id: { type: "string", list: true, notIn: true },
    model_type: { type: "string", list: true, notIn: true },
    status: { type: "string", list: true, notIn: true },
    source_run_id: { type: "string", list: true, notIn: true },
    creation_timestamp: { type: "number" },
    last_updated_timestamp: { type: "number" },
  },
  aliases: { creation_time: "creation_timestamp", last_updated_time: "last_updated_timestamp" },
  stringEntities: ["param", "tag"],
  numberEntities: ["metric"],
  orderAttributes: [
    "name",
    "model_id",
    "model_type",
    "status",
    "source_run_id",
    "creation_timestamp",
    "last_updated_timestamp",
  ],
  orderEntities: ["metric"],
};
