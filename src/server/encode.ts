// Domain objects → MLflow's JSON wire form (reference §1.4): snake_case, int64 as numbers, empty
// repeated fields left out, non-finite doubles as "NaN" / "Infinity" / "-Infinity".
import type {
  DatasetInput,
  Experiment,
  KeyValue,
  LoggedModel,
  LoggedModelMetric,
  Metric,
  MetricWithRunId,
  Run,
  RunInfo,
} from "../store/types.js";

type Wire = Record<string, unknown>;

export const encodeDouble = (v: number): number | string =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";

/** Sets `obj[key]` only for a non-empty list, as proto JSON leaves empty repeated fields out. */
function list<T>(obj: Wire, key: string, items: readonly T[], map: (item: T) => unknown): void {
  if (items.length > 0) obj[key] = items.map(map);
}

const kv = (t: KeyValue): Wire => ({ key: t.key, value: t.value });

export function encodeExperiment(e: Experiment): Wire {
  const out: Wire = {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
  };
  if (e.lastUpdateTime) out.last_update_time = e.lastUpdateTime;
  if (e.creationTime) out.creation_time = e.creationTime;
  list(out, "tags", e.tags, kv);
  return out;
}

export function encodeMetric(m: Metric): Wire {
  const out: Wire = { key: m.key, value: encodeDouble(m.value), timestamp: m.timestamp, step: m.step };
  // MLflow 3: what the value was measured for, only when the point names it.
  if (m.datasetName) out.dataset_name = m.datasetName;
  if (m.datasetDigest) out.dataset_digest = m.datasetDigest;
  if (m.modelId) out.model_id = m.modelId;
  return out;
}

export const encodeMetricWithRunId = (m: MetricWithRunId): Wire => ({ ...encodeMetric(m), run_id: m.runId });

export function encodeRunInfo(info: RunInfo): Wire {
  const out: Wire = {
    run_id: info.runId,
    run_uuid: info.runId,
    run_name: info.runName,
    experiment_id: info.experimentId,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
  };
  if (info.endTime) out.end_time = info.endTime;
  out.artifact_uri = info.artifactUri;
  out.lifecycle_stage = info.lifecycleStage;
  return out;
}

function encodeDatasetInput(d: DatasetInput): Wire {
  const dataset: Wire = {
    name: d.dataset.name,
    digest: d.dataset.digest,
    source_type: d.dataset.sourceType,
    source: d.dataset.source,
  };
  if (d.dataset.schema !== undefined) dataset.schema = d.dataset.schema;
  if (d.dataset.profile !== undefined) dataset.profile = d.dataset.profile;
  const out: Wire = {};
  list(out, "tags", d.tags, kv);
  out.dataset = dataset;
  return out;
}

export function encodeRun(run: Run): Wire {
  const data: Wire = {};
  list(data, "metrics", run.data.metrics, encodeMetric);
  list(data, "params", run.data.params, kv);
  list(data, "tags", run.data.tags, kv);
  const inputs: Wire = {};
  list(inputs, "dataset_inputs", run.inputs.datasetInputs, encodeDatasetInput);
  list(inputs, "model_inputs", run.inputs.modelInputs, (id) => ({ model_id: id }));
  const out: Wire = { info: encodeRunInfo(run.info), data, inputs };
  // MLflow 3's outputs (the logged models a run made); left out when there are none, as before.
  if (run.outputs.modelOutputs.length > 0) {
    out.outputs = {
      model_outputs: run.outputs.modelOutputs.map((o) => ({ model_id: o.modelId, step: o.step })),
    };
  }
  return out;
}

const encodeModelMetric = (m: LoggedModelMetric): Wire => ({ ...encodeMetric(m), run_id: m.runId });

/** An MLflow 3 LoggedModel: `info` (attributes, tags, registrations) and `data` (params, metrics). */
export function encodeLoggedModel(m: LoggedModel): Wire {
  const info: Wire = {
    model_id: m.modelId,
    experiment_id: m.experimentId,
    name: m.name,
    creation_timestamp_ms: m.creationTimestamp,
    last_updated_timestamp_ms: m.lastUpdatedTimestamp,
    artifact_uri: m.artifactLocation,
    status: m.status,
  };
  if (m.modelType !== null) info.model_type = m.modelType;
  if (m.sourceRunId !== null) info.source_run_id = m.sourceRunId;
  if (m.statusMessage !== null) info.status_message = m.statusMessage;
  list(info, "tags", m.tags, kv);
  list(info, "registrations", m.registrations, (r) => ({ name: r.name, version: r.version }));
  const data: Wire = {};
  list(data, "params", m.params, kv);
  list(data, "metrics", m.metrics, encodeModelMetric);
  return { info, data };
}

/** A page of a search: the items under `key` (left out when empty) and the token of the next page. */
export function encodePage<T>(
  key: string,
  items: readonly T[],
  encode: (item: T) => unknown,
  nextPageToken: string | undefined,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (items.length > 0) out[key] = items.map(encode);
  if (nextPageToken) out.next_page_token = nextPageToken;
  return out;
}
