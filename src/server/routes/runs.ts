import { Readable } from "node:stream";
import { parseRunFilter, parseRunOrderBy } from "../../search/index.js";
import { invalidParameter } from "../../store/errors.js";
import { checkRunName, checkValueLength, LIMITS, RUN_ID_PATTERN, validateKey } from "../../store/rules.js";
import {
  type DatasetInput,
  type KeyValue,
  type Metric,
  type ModelOutput,
  RUN_STATUSES,
  VIEW_TYPES,
} from "../../store/types.js";
import { encodePage, encodeRun, encodeRunInfo } from "../encode.js";
import type { Fields } from "../request.js";
import { rpc, type ServerContext } from "../rpc.js";
import { resolveRunArtifacts } from "./run-artifacts.js";
import { maxResultsOf, pageTokenOf } from "./search-input.js";

const metric = (f: Fields): Metric => {
  const key = f.string("key");
  validateKey("metric", key);
  const value = f.double("value");
  const timestamp = f.int("timestamp");
  if (timestamp < 0)
    throw invalidParameter(`Invalid timestamp ${timestamp} for metric '${key}': it must be ≥ 0.`);
  const m: Metric = { key, value, timestamp, step: f.optionalInt("step") ?? 0 };
  // MLflow 3: the logged model and dataset the value was measured for.
  const modelId = f.optionalString("model_id");
  const datasetName = f.optionalString("dataset_name");
  const datasetDigest = f.optionalString("dataset_digest");
  if (modelId) m.modelId = modelId;
  if (datasetName) m.datasetName = datasetName;
  if (datasetDigest) m.datasetDigest = datasetDigest;
  if (datasetDigest && !datasetName) {
    throw invalidParameter(`Metric '${key}' names a dataset_digest without a dataset_name.`);
  }
  return m;
};

const modelOutput = (f: Fields): ModelOutput => ({
  modelId: f.string("model_id"),
  step: f.optionalInt("step") ?? 0,
});

const param = (f: Fields): KeyValue => {
  const key = f.string("key");
  validateKey("param", key);
  return { key, value: checkValueLength("param", key, f.optionalString("value") ?? "") };
};

const tag = (f: Fields): KeyValue => {
  const key = f.string("key");
  validateKey("tag", key);
  return { key, value: checkValueLength("tag", key, f.optionalString("value") ?? "") };
};

function checkRunIdFormat(id: string): void {
  if (!RUN_ID_PATTERN.test(id)) throw invalidParameter(`Invalid run ID: '${id}'.`);
}

function checkBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (what: string, n: number, max: number) =>
    invalidParameter(`A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}.`);
  if (metrics > LIMITS.batchMetrics) throw over("metrics", metrics, LIMITS.batchMetrics);
  if (params > LIMITS.batchParams) throw over("params", params, LIMITS.batchParams);
  if (tags > LIMITS.batchTags) throw over("tags", tags, LIMITS.batchTags);
  const total = metrics + params + tags;
  if (total > LIMITS.batchTotal) {
    throw invalidParameter(
      `A batch logging request can contain at most ${LIMITS.batchTotal} metrics, params and tags in total. Got ${total}.`,
    );
  }
}

const DATASET_LIMITS = {
  name: 500,
  digest: 36,
  source_type: 36,
  source: 65_535,
  schema: 1_048_575,
  profile: 16_777_215,
};

function datasetInput(f: Fields): DatasetInput {
  const d = f.message("dataset");
  const field = (name: keyof typeof DATASET_LIMITS, required: boolean): string | undefined => {
    const v = required ? d.string(name) : d.optionalString(name);
    if (v !== undefined && v.length > DATASET_LIMITS[name]) {
      throw invalidParameter(`Dataset ${name} exceeds the maximum length of ${DATASET_LIMITS[name]}.`);
    }
    return v;
  };
  const tags = f.messages("tags").map((t) => {
    const key = t.string("key");
    const value = t.optionalString("value") ?? "";
    if (key.length > 255 || value.length > 500) {
      throw invalidParameter(`Input tag '${key.slice(0, 40)}' exceeds the limits (key 255, value 500).`);
    }
    return { key, value };
  });
  return {
    tags,
    dataset: {
      name: field("name", true) as string,
      digest: field("digest", true) as string,
      sourceType: field("source_type", true) as string,
      source: field("source", true) as string,
      schema: field("schema", false),
      profile: field("profile", false),
    },
  };
}

/** A `[{key, value}]` list of the promptlab request, values as Python's `str()` would give them. */
function promptlabParams(f: Fields, field: string): KeyValue[] {
  return f.messages(field).map((p) => {
    const key = p.string("key");
    validateKey("param", key);
    const raw = p.isPresent("value") ? p.scalarText("value") : "None";
    return { key, value: checkValueLength("param", key, raw) };
  });
}

/**
 * The run MLflow's prompt engineering UI records: params, the tags that mark it, and the evaluation
 * table it shows (`eval_results_table.json`, as MLflow writes it). MLflow also saves a promptlab pyfunc
 * model, which only its gateway can serve; Labtrack does not write that model.
 */
async function createPromptlabRun(f: Fields, ctx: ServerContext): Promise<Record<string, unknown>> {
  const required = (field: string, present: boolean): void => {
    if (!present) throw invalidParameter(`CreatePromptlabRun request must specify ${field}.`);
  };
  required("experiment_id", f.has("experiment_id"));
  const experimentId = f.id("experiment_id");
  required("prompt_template", f.has("prompt_template"));
  const promptTemplate = f.string("prompt_template");
  required("prompt_parameters", f.messages("prompt_parameters").length > 0);
  const promptParameters = promptlabParams(f, "prompt_parameters");
  required("model_route", f.has("model_route"));
  const modelRoute = f.string("model_route");
  const modelParameters = promptlabParams(f, "model_parameters");
  required("model_input", f.has("model_input"));
  const modelInput = f.string("model_input");
  const modelOutput = f.optionalString("model_output") ?? null;
  const outputParameters = promptlabParams(f, "model_output_parameters");
  required("mlflow_version", f.has("mlflow_version"));
  f.string("mlflow_version");
  const runName = f.optionalString("run_name") || undefined;
  if (runName !== undefined) checkRunName(runName);
  const params = [
    ...modelParameters,
    { key: "model_route", value: modelRoute },
    { key: "prompt_template", value: checkValueLength("param", "prompt_template", promptTemplate) },
  ];
  const run = await ctx.store.createRun({
    experimentId,
    userId: f.optionalString("user_id") ?? "unknown",
    runName,
    startTime: f.optionalInt("start_time") ?? Date.now(),
    tags: f.messages("tags").map(tag),
  });
  const runId = run.info.runId;
  let status: "FINISHED" | "FAILED" = "FINISHED";
  try {
    await ctx.store.logBatch(runId, {
      metrics: [],
      params,
      tags: [
        { key: "mlflow.loggedArtifacts", value: '[{"path": "eval_results_table.json", "type": "table"}]' },
        { key: "mlflow.runSourceType", value: "PROMPT_ENGINEERING" },
      ],
    });
    // Python's json.dumps spacing, as MLflow writes the file.
    const cell = (v: string | null) => JSON.stringify(v);
    const columns = [
      ...promptParameters.map((p) => p.key),
      "prompt",
      "output",
      ...outputParameters.map((p) => p.key),
    ];
    const data = [
      ...promptParameters.map((p) => p.value),
      modelInput,
      modelOutput,
      ...outputParameters.map((p) => p.value),
    ];
    const table = `{"columns": [${columns.map(cell).join(", ")}], "data": [[${data.map(cell).join(", ")}]]}`;
    const { store: files, base } = await resolveRunArtifacts(ctx, runId);
    await files.write([base, "eval_results_table.json"].filter((p) => p).join("/"), Readable.from([table]));
  } catch (e) {
    // As MLflow does: the run stays, marked FAILED, and the error is the answer.
    status = "FAILED";
    await ctx.store.updateRun(runId, { status, endTime: Date.now(), runName: undefined });
    throw e;
  }
  await ctx.store.updateRun(runId, { status, endTime: Date.now(), runName: undefined });
  return { run: encodeRun(await ctx.store.getRun(runId)) };
}

export const runRoutes = [
  rpc("POST", "/mlflow/runs/create", async (f, { store }) => {
    const experimentId = f.has("experiment_id") ? f.id("experiment_id") : "0";
    const runName = f.optionalString("run_name") || undefined;
    if (runName !== undefined) checkRunName(runName);
    const tags = f.messages("tags").map(tag);
    const run = await store.createRun({
      experimentId,
      userId: f.optionalString("user_id") ?? "",
      runName,
      startTime: f.optionalInt("start_time") ?? 0,
      tags,
    });
    return { run: encodeRun(run) };
  }),

  rpc("GET", "/mlflow/runs/get", async (f, { store }) => ({ run: encodeRun(await store.getRun(f.runId())) })),

  rpc("POST", "/mlflow/runs/update", async (f, { store }) => {
    const id = f.runId();
    const runName = f.optionalString("run_name") || undefined;
    if (runName !== undefined) checkRunName(runName);
    const info = await store.updateRun(id, {
      status: f.optionalEnum("status", RUN_STATUSES, RUN_STATUSES),
      endTime: f.optionalInt("end_time"),
      runName,
    });
    return { run_info: encodeRunInfo(info) };
  }),

  rpc("POST", "/mlflow/runs/delete", async (f, { store }) => {
    await store.deleteRun(f.string("run_id"));
    return {};
  }),

  rpc("POST", "/mlflow/runs/restore", async (f, { store }) => {
    await store.restoreRun(f.string("run_id"));
    return {};
  }),

  rpc("POST", "/mlflow/runs/log-metric", async (f, { store }) => {
    const id = f.runId();
    await store.logBatch(id, { metrics: [metric(f)], params: [], tags: [] });
    return {};
  }),

  rpc("POST", "/mlflow/runs/log-parameter", async (f, { store }) => {
    const id = f.runId();
    await store.logBatch(id, { metrics: [], params: [param(f)], tags: [] });
    return {};
  }),

  rpc("POST", "/mlflow/runs/set-tag", async (f, { store }) => {
    const id = f.runId();
    await store.logBatch(id, { metrics: [], params: [], tags: [tag(f)] });
    return {};
  }),

  rpc("POST", "/mlflow/runs/delete-tag", async (f, { store }) => {
    await store.deleteTag(f.string("run_id"), f.string("key"));
    return {};
  }),

  rpc("POST", "/mlflow/runs/log-batch", async (f, { store }) => {
    const id = f.string("run_id");
    checkRunIdFormat(id);
    const metricFields = f.messages("metrics");
    const paramFields = f.messages("params");
    const tagFields = f.messages("tags");
    checkBatchLimits(metricFields.length, paramFields.length, tagFields.length);
    const params = paramFields.map(param);
    const seen = new Set<string>();
    for (const p of params) {
      if (seen.has(p.key)) {
        throw invalidParameter(
          `Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`,
        );
      }
      seen.add(p.key);
    }
    // The whole batch is validated before anything is written, and written in one transaction.
    await store.logBatch(id, { metrics: metricFields.map(metric), params, tags: tagFields.map(tag) });
    return {};
  }),

  rpc("POST", "/mlflow/runs/log-inputs", async (f, { store }) => {
    const id = f.string("run_id");
    checkRunIdFormat(id);
    // MLflow requires `datasets` (an empty list will do); MLflow 3 clients logging only model inputs
    // leave it out and send `models`, which is why one of the two suffices here.
    if (!f.isPresent("datasets") && !f.isPresent("models")) {
      throw invalidParameter(
        "Missing value for required parameter 'datasets'. See the API docs for more information about request parameters.",
      );
    }
    await store.logInputs(
      id,
      f.messages("datasets").map(datasetInput),
      f.messages("models").map((m) => m.string("model_id")),
    );
    return {};
  }),

  rpc("POST", "/mlflow/runs/outputs", async (f, { store }) => {
    const id = f.string("run_id");
    checkRunIdFormat(id);
    await store.logOutputs(id, f.messages("models").map(modelOutput));
    return {};
  }),

  rpc("POST", "/mlflow/runs/create-promptlab-run", createPromptlabRun),

  rpc("POST", "/mlflow/runs/log-model", async (f, { store }) => {
    const id = f.string("run_id");
    const text = f.string("model_json");
    let model: unknown;
    try {
      model = JSON.parse(text);
    } catch {
      throw invalidParameter("Malformed model info: 'model_json' is not valid JSON.");
    }
    const required = ["artifact_path", "flavors", "utc_time_created", "run_id"];
    if (model === null || typeof model !== "object" || Array.isArray(model)) {
      throw invalidParameter("Malformed model info: 'model_json' must be a JSON object.");
    }
    const absent = required.filter((k) => !(k in model));
    if (absent.length > 0) {
      throw invalidParameter(`Model json is missing mandatory fields: ${absent.join(", ")}`);
    }
    await store.appendLoggedModel(id, model as Record<string, unknown>);
    return {};
  }),

  rpc("POST", "/mlflow/runs/search", async (f, { store }) => {
    const maxResults = maxResultsOf(f, LIMITS.defaultRunsMaxResults, LIMITS.searchMaxResults);
    const page = await store.searchRuns({
      experimentIds: f.stringList("experiment_ids", { ids: true }),
      filter: parseRunFilter(f.optionalString("filter")),
      orderBy: parseRunOrderBy(f.stringList("order_by")),
      viewType: f.optionalEnum("run_view_type", VIEW_TYPES, VIEW_TYPES) ?? "ACTIVE_ONLY",
      maxResults,
      pageToken: pageTokenOf(f),
    });
    return encodePage("runs", page.items, encodeRun, page.nextPageToken);
  }),
];
