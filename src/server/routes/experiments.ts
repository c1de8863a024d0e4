import { parseExperimentFilter, parseExperimentOrderBy } from "../../search/index.js";
import { invalidParameter } from "../../store/errors.js";
import { checkExperimentName, checkExperimentTag, LIMITS } from "../../store/rules.js";
import { VIEW_TYPES } from "../../store/types.js";
import { encodeExperiment, encodePage } from "../encode.js";
import type { Fields } from "../request.js";
import { rpc } from "../rpc.js";
import { checkArtifactLocation, resolveArtifactLocation } from "./artifact-location.js";
import { maxResultsOf, pageTokenOf } from "./search-input.js";

const tags = (f: Fields) =>
  f.messages("tags").map((t) => ({ key: t.string("key"), value: t.optionalString("value") ?? "" }));

export const experimentRoutes = [
  rpc("POST", "/mlflow/experiments/create", async (f, { store }) => {
    const name = f.string("name");
    checkExperimentName(name);
    const given = f.optionalString("artifact_location") || undefined;
    if (given !== undefined) checkArtifactLocation(given);
    const location = given === undefined ? undefined : resolveArtifactLocation(given);
    const experimentTags = tags(f);
    for (const t of experimentTags) checkExperimentTag(t.key, t.value, { atCreation: true });
    return { experiment_id: await store.createExperiment(name, location, experimentTags) };
  }),

  rpc("GET", "/mlflow/experiments/get", async (f, { store }) => ({
    experiment: encodeExperiment(await store.getExperiment(f.id("experiment_id"))),
  })),

  rpc("GET", "/mlflow/experiments/get-by-name", async (f, { store }) => ({
    experiment: encodeExperiment(await store.getExperimentByName(f.string("experiment_name"))),
  })),

  rpc("POST", "/mlflow/experiments/delete", async (f, { store }) => {
    await store.deleteExperiment(f.id("experiment_id"));
    return {};
  }),

  rpc("POST", "/mlflow/experiments/restore", async (f, { store }) => {
    await store.restoreExperiment(f.id("experiment_id"));
    return {};
  }),

  rpc("POST", "/mlflow/experiments/update", async (f, { store }) => {
    const id = f.id("experiment_id");
    const newName = f.string("new_name");
    checkExperimentName(newName);
    await store.renameExperiment(id, newName);
    return {};
  }),

  rpc(["POST", "GET"], "/mlflow/experiments/search", async (f, { store }) => {
    // MLflow fails without max_results; its own client always sends 1000, so that is our default.
    const maxResults = maxResultsOf(f, 1000, LIMITS.searchMaxResults);
    const page = await store.searchExperiments({
      filter: parseExperimentFilter(f.optionalString("filter")),
      orderBy: parseExperimentOrderBy(f.stringList("order_by")),
      viewType: f.optionalEnum("view_type", VIEW_TYPES, VIEW_TYPES) ?? "ACTIVE_ONLY",
      maxResults,
      pageToken: pageTokenOf(f),
    });
    return encodePage("experiments", page.items, encodeExperiment, page.nextPageToken);
  }),

  // The datasets the UI offers as filters (ajax only in MLflow; served under both prefixes here).
  rpc("POST", "/mlflow/experiments/search-datasets", async (f, { store }) => {
    const ids = f.stringList("experiment_ids", { ids: true });
    if (ids.length === 0) {
      throw invalidParameter("SearchDatasets request must specify at least one experiment_id.");
    }
    if (ids.length > LIMITS.searchDatasetsExperiments) {
      throw invalidParameter(
        `SearchDatasets request cannot specify more than ${LIMITS.searchDatasetsExperiments} experiment_ids. Received ${ids.length} experiment_ids.`,
      );
    }
    const summaries = await store.searchDatasets([...new Set(ids)], LIMITS.searchDatasetsResults);
    // An empty repeated field is left out of MLflow's JSON: no datasets answer `{}`.
    if (summaries.length === 0) return {};
    return {
      dataset_summaries: summaries.map((d) => {
        const out: Record<string, string> = { experiment_id: d.experimentId, name: d.name, digest: d.digest };
        if (d.context !== null) out.context = d.context;
        return out;
      }),
    };
  }),

  rpc("POST", "/mlflow/experiments/set-experiment-tag", async (f, { store }) => {
    const id = f.id("experiment_id");
    const key = f.string("key");
    const value = f.optionalString("value") ?? "";
    checkExperimentTag(key, value);
    await store.setExperimentTag(id, { key, value });
    return {};
  }),

  rpc("POST", "/mlflow/experiments/delete-experiment-tag", async (f, { store }) => {
    const id = f.id("experiment_id");
    const key = f.string("key");
    if (key === "") throw invalidParameter("Missing value for required parameter 'key'.");
    await store.deleteExperimentTag(id, key);
    return {};
  }),
];
