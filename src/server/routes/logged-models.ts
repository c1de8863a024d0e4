// MLflow 3's LoggedModel API (`/mlflow/logged-models…`): what `mlflow.<flavor>.log_model` calls to
// create a model, upload its files under `<experiment root>/models/<id>/artifacts`, and finalize it.
import { safeArtifactPath } from "../../artifacts/safe-path.js";
import { LOGGED_MODEL_ORDER_ATTRIBUTES, parseLoggedModelFilter } from "../../search/index.js";
import { invalidParameter } from "../../store/errors.js";
import { checkLoggedModelName, checkValueLength, validateKey } from "../../store/rules.js";
import {
  type KeyValue,
  LOGGED_MODEL_STATUSES,
  type LoggedModelOrder,
  type SearchLoggedModelsInput,
} from "../../store/types.js";
import { encodeLoggedModel, encodePage } from "../encode.js";
import type { Fields } from "../request.js";
import { rpc } from "../rpc.js";
import { resolveLoggedModelArtifacts } from "./run-artifacts.js";
import { maxResultsOf, pageTokenOf, requiredExperimentIds } from "./search-input.js";

const SEARCH_DEFAULT_MAX_RESULTS = 100;
const SEARCH_MAX_RESULTS = 1000;

const keyValue =
  (kind: "param" | "tag") =>
  (f: Fields): KeyValue => {
    const key = f.string("key");
    validateKey(kind, key);
    return { key, value: checkValueLength(kind, key, f.optionalString("value") ?? "") };
  };
const param = keyValue("param");
const tag = keyValue("tag");

/** The id in the path; MLflow clients repeat it in the body, where the path wins. */
const modelId = (f: Fields): string => f.string("model_id");

function orderTerm(f: Fields): LoggedModelOrder {
  const field = f.optionalString("field_name");
  if (field === undefined || field === "") {
    throw invalidParameter("`field_name` in the `order_by` clause must be specified.");
  }
  const datasetName = f.optionalString("dataset_name") || undefined;
  const datasetDigest = f.optionalString("dataset_digest") || undefined;
  if (datasetDigest !== undefined && datasetName === undefined) {
    throw invalidParameter("`dataset_digest` can only be specified if `dataset_name` is also specified.");
  }
  const ascending = f.optionalBool("ascending") ?? true;
  const dot = field.indexOf(".");
  if (dot >= 0) {
    const entity = field.slice(0, dot);
    const key = field.slice(dot + 1);
    if (entity !== "metrics" || key === "") {
      throw invalidParameter(`Invalid order by field name: ${entity}, only \`metrics.<name>\` is allowed.`);
    }
    return { key, metric: true, ascending, datasetName, datasetDigest };
  }
  const trimmed = field.trim();
  const key =
    trimmed === "creation_time"
      ? "creation_timestamp"
      : trimmed === "last_updated_time"
        ? "last_updated_timestamp"
        : trimmed;
  if (!LOGGED_MODEL_ORDER_ATTRIBUTES.includes(key)) {
    throw invalidParameter(
      `Invalid order by field name: ${field}. Valid ones are metrics.<name> and ${LOGGED_MODEL_ORDER_ATTRIBUTES.join(", ")}.`,
    );
  }
  return { key, metric: false, ascending, datasetName, datasetDigest };
}

function searchInput(f: Fields): SearchLoggedModelsInput {
  const experimentIds = requiredExperimentIds(f);
  const maxResults = maxResultsOf(f, SEARCH_DEFAULT_MAX_RESULTS, SEARCH_MAX_RESULTS);
  return {
    experimentIds,
    filter: parseLoggedModelFilter(f.optionalString("filter")),
    datasets: f.messages("datasets").map((d) => ({
      name: d.string("dataset_name"),
      digest: d.optionalString("dataset_digest") || undefined,
    })),
    orderBy: f.messages("order_by").map(orderTerm),
    maxResults,
    pageToken: pageTokenOf(f),
  };
}

export const loggedModelRoutes = [
  rpc("POST", "/mlflow/logged-models", async (f, { store }) => {
    const experimentId = f.id("experiment_id");
    const name = f.optionalString("name") || undefined;
    if (name !== undefined) checkLoggedModelName(name);
    const model = await store.createLoggedModel({
      experimentId,
      name,
      modelType: f.optionalString("model_type") || undefined,
      sourceRunId: f.optionalString("source_run_id") || undefined,
      params: f.messages("params").map(param),
      tags: f.messages("tags").map(tag),
    });
    return { model: encodeLoggedModel(model) };
  }),

  rpc("POST", "/mlflow/logged-models/search", async (f, { store }) => {
    const page = await store.searchLoggedModels(searchInput(f));
    return encodePage("models", page.items, encodeLoggedModel, page.nextPageToken);
  }),

  rpc("GET", "/mlflow/logged-models/:model_id", async (f, { store }) => ({
    model: encodeLoggedModel(
      await store.getLoggedModel(modelId(f), f.optionalBool("allow_deleted") ?? false),
    ),
  })),

  rpc("PATCH", "/mlflow/logged-models/:model_id", async (f, { store }) => {
    const status = f.optionalEnum("status", LOGGED_MODEL_STATUSES, LOGGED_MODEL_STATUSES);
    if (status === undefined) {
      throw invalidParameter(
        "Missing value for required parameter 'status'. See the API docs for more information about request parameters.",
      );
    }
    return { model: encodeLoggedModel(await store.finalizeLoggedModel(modelId(f), status)) };
  }),

  rpc("DELETE", "/mlflow/logged-models/:model_id", async (f, { store }) => {
    await store.deleteLoggedModel(modelId(f));
    return {};
  }),

  rpc("PATCH", "/mlflow/logged-models/:model_id/tags", async (f, { store }) => {
    await store.setLoggedModelTags(modelId(f), f.messages("tags").map(tag));
    return {};
  }),

  rpc("DELETE", "/mlflow/logged-models/:model_id/tags/:tag_key", async (f, { store }) => {
    await store.deleteLoggedModelTag(modelId(f), f.string("tag_key"));
    return {};
  }),

  rpc("POST", "/mlflow/logged-models/:model_id/params", async (f, { store }) => {
    await store.logLoggedModelParams(modelId(f), f.messages("params").map(param));
    return {};
  }),

  // Paths in the answer are relative to the model's artifact root, as for runs/artifacts/list.
  rpc("GET", "/mlflow/logged-models/:model_id/artifacts/directories", async (f, ctx) => {
    const id = modelId(f);
    const path = safeArtifactPath(f.optionalString("artifact_directory_path") ?? "");
    const { store, base, rootUri } = await resolveLoggedModelArtifacts(ctx, id);
    const entries = await store.list([base, path].filter((p) => p).join("/"));
    const files = entries.map((e) => {
      const rel = [path, e.name].filter((p) => p).join("/");
      return e.isDir ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: e.size };
    });
    return files.length > 0 ? { root_uri: rootUri, files } : { root_uri: rootUri };
  }),
];
