import type { Filter, OrderTerm } from "../../search/ast.js";
import {
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
} from "../../search/index.js";
import { invalidParameter } from "../../store/errors.js";
import {
  type RegistrySearchInput,
  type RegistryStore,
  STAGES,
  type Stage,
} from "../../store/registry-types.js";
import { codePointLength, validateKey } from "../../store/rules.js";
import type { KeyValue, Page } from "../../store/types.js";
import { encodePage } from "../encode.js";
import { encodeModelVersion, encodeRegisteredModel } from "../encode-registry.js";
import type { Fields } from "../request.js";
import { type RpcRoute, rpc } from "../rpc.js";
import { resolveVersionSource } from "./model-source.js";
import { maxResultsOf, pageTokenOf } from "./search-input.js";

const TAG_VALUE_LIMIT = 5000;

function registryTag(f: Fields): KeyValue {
  const key = f.string("key");
  validateKey("tag", key);
  const value = f.optionalString("value");
  if (value === undefined)
    throw invalidParameter(`Missing value for required parameter '${f.path("value")}'.`);
  if (codePointLength(value) > TAG_VALUE_LIMIT) {
    throw invalidParameter(
      `Tag value for key '${key}' had length ${codePointLength(value)}, which exceeded length limit of ${TAG_VALUE_LIMIT}`,
    );
  }
  return { key, value };
}

/** Repeated tags: the last value of a key wins, as in MLflow. */
const registryTags = (f: Fields): KeyValue[] => [
  ...new Map(
    f
      .messages("tags")
      .map((t) => registryTag(t))
      .map((t) => [t.key, t]),
  ).values(),
];

const ALIAS = /^[\p{L}\p{N}\p{M}_-]+$/u;

function checkAlias(alias: string): void {
  if (!ALIAS.test(alias) || codePointLength(alias) > 255) {
    throw invalidParameter(
      `Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores and dashes, and be at most 255 characters.`,
    );
  }
  if (alias.toLowerCase() === "latest") {
    throw invalidParameter("'latest' alias name (case insensitive) is reserved.");
  }
  if (/^[vV]\d+$/.test(alias)) {
    throw invalidParameter(`Version alias name '${alias}' is reserved.`);
  }
}

function stage(text: string): Stage {
  const found = STAGES.find((s) => s.toLowerCase() === text.toLowerCase());
  if (!found)
    throw invalidParameter(
      `Invalid Model Version stage: ${text}. Value must be one of ${STAGES.join(", ")}.`,
    );
  return found;
}

/** `version` may arrive as a string (the proto type) or a number (lenient clients). */
const version = (f: Fields): string => f.id("version");

/**
 * registered-models/search and model-versions/search: the same fields and the same kind of answer,
 * each with its grammar, its store call, its default page size and its limit.
 */
function registrySearch<T>(
  path: string,
  search: {
    defaultMaxResults: number;
    maxResults: number;
    parseFilter: (text: string | undefined) => Filter | null;
    parseOrderBy: (terms: readonly string[]) => OrderTerm[];
    run: (registry: RegistryStore, input: RegistrySearchInput) => Promise<Page<T>>;
    /** The answer's field for the items. */
    field: string;
    encode: (item: T) => unknown;
  },
): RpcRoute {
  return rpc("GET", path, async (f, { registry }) => {
    const maxResults = maxResultsOf(f, search.defaultMaxResults, search.maxResults);
    const result = await search.run(registry, {
      filter: search.parseFilter(f.optionalString("filter")),
      orderBy: search.parseOrderBy(f.stringList("order_by")),
      maxResults,
      pageToken: pageTokenOf(f),
    });
    return encodePage(search.field, result.items, search.encode, result.nextPageToken);
  });
}

export const registryRoutes = [
  rpc("POST", "/mlflow/registered-models/create", async (f, { registry }) => {
    const model = await registry.createRegisteredModel(
      f.string("name"),
      f.optionalString("description") ?? null,
      registryTags(f),
    );
    return { registered_model: encodeRegisteredModel(model) };
  }),

  rpc("GET", "/mlflow/registered-models/get", async (f, { registry }) => ({
    registered_model: encodeRegisteredModel(await registry.getRegisteredModel(f.string("name"))),
  })),

  rpc("POST", "/mlflow/registered-models/rename", async (f, { registry }) => ({
    registered_model: encodeRegisteredModel(
      await registry.renameRegisteredModel(f.string("name"), f.string("new_name")),
    ),
  })),

  rpc("PATCH", "/mlflow/registered-models/update", async (f, { registry }) => ({
    // As in MLflow, an absent description clears it.
    registered_model: encodeRegisteredModel(
      await registry.updateRegisteredModel(f.string("name"), f.optionalString("description") ?? ""),
    ),
  })),

  rpc("DELETE", "/mlflow/registered-models/delete", async (f, { registry }) => {
    await registry.deleteRegisteredModel(f.string("name"));
    return {};
  }),

  registrySearch("/mlflow/registered-models/search", {
    defaultMaxResults: 100,
    maxResults: 1000,
    parseFilter: parseRegisteredModelFilter,
    parseOrderBy: parseRegisteredModelOrderBy,
    run: (registry, input) => registry.searchRegisteredModels(input),
    field: "registered_models",
    encode: encodeRegisteredModel,
  }),

  rpc(["POST", "GET"], "/mlflow/registered-models/get-latest-versions", async (f, { registry }) => {
    const versions = await registry.getLatestVersions(f.string("name"), f.stringList("stages").map(stage));
    return encodePage("model_versions", versions, encodeModelVersion, undefined);
  }),

  rpc("POST", "/mlflow/registered-models/set-tag", async (f, { registry }) => {
    await registry.setRegisteredModelTag(f.string("name"), registryTag(f));
    return {};
  }),

  rpc("DELETE", "/mlflow/registered-models/delete-tag", async (f, { registry }) => {
    await registry.deleteRegisteredModelTag(f.string("name"), f.string("key"));
    return {};
  }),

  rpc("POST", "/mlflow/registered-models/alias", async (f, { registry }) => {
    const alias = f.string("alias");
    checkAlias(alias);
    await registry.setAlias(f.string("name"), alias, version(f));
    return {};
  }),

  rpc("DELETE", "/mlflow/registered-models/alias", async (f, { registry }) => {
    const alias = f.string("alias");
    checkAlias(alias);
    await registry.deleteAlias(f.string("name"), alias);
    return {};
  }),

  rpc("GET", "/mlflow/registered-models/alias", async (f, { registry }) => {
    const alias = f.string("alias");
    checkAlias(alias);
    return { model_version: encodeModelVersion(await registry.getVersionByAlias(f.string("name"), alias)) };
  }),

  rpc("POST", "/mlflow/model-versions/create", async (f, ctx) => {
    const name = f.string("name");
    const source = f.string("source");
    const tags = registryTags(f);
    const { storageLocation, runId, modelId } = await resolveVersionSource(
      source,
      f.optionalString("run_id") || null,
      f.optionalString("model_id") || null,
      ctx,
    );
    const created = await ctx.registry.createModelVersion({
      name,
      source,
      storageLocation,
      modelId,
      runId: runId ?? "",
      runLink: f.optionalString("run_link") ?? null,
      description: f.optionalString("description") ?? null,
      tags,
    });
    return { model_version: encodeModelVersion(created) };
  }),

  rpc("GET", "/mlflow/model-versions/get", async (f, { registry }) => ({
    model_version: encodeModelVersion(await registry.getModelVersion(f.string("name"), version(f))),
  })),

  rpc("PATCH", "/mlflow/model-versions/update", async (f, { registry }) => ({
    model_version: encodeModelVersion(
      await registry.updateModelVersion(
        f.string("name"),
        version(f),
        f.optionalString("description") ?? null,
      ),
    ),
  })),

  rpc("DELETE", "/mlflow/model-versions/delete", async (f, { registry }) => {
    await registry.deleteModelVersion(f.string("name"), version(f));
    return {};
  }),

  registrySearch("/mlflow/model-versions/search", {
    defaultMaxResults: 200_000,
    maxResults: 200_000,
    parseFilter: parseModelVersionFilter,
    parseOrderBy: parseModelVersionOrderBy,
    run: (registry, input) => registry.searchModelVersions(input),
    field: "model_versions",
    encode: encodeModelVersion,
  }),

  rpc("POST", "/mlflow/model-versions/transition-stage", async (f, { registry }) => ({
    model_version: encodeModelVersion(
      await registry.transitionStage(
        f.string("name"),
        version(f),
        stage(f.string("stage")),
        f.optionalBool("archive_existing_versions") ?? false,
      ),
    ),
  })),

  rpc("GET", "/mlflow/model-versions/get-download-uri", async (f, { registry }) => ({
    artifact_uri: await registry.getDownloadUri(f.string("name"), version(f)),
  })),

  rpc("POST", "/mlflow/model-versions/set-tag", async (f, { registry }) => {
    await registry.setModelVersionTag(f.string("name"), version(f), registryTag(f));
    return {};
  }),

  rpc("DELETE", "/mlflow/model-versions/delete-tag", async (f, { registry }) => {
    await registry.deleteModelVersionTag(f.string("name"), version(f), f.string("key"));
    return {};
  }),
];
