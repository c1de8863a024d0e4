// MLflow's JSON wire types, as the server sends them (snake_case, proto2 presence: optional fields may
// be absent, empty lists are left out).

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
export type LifecycleStage = "active" | "deleted";
/** Non-finite doubles travel as strings. */
export type WireDouble = number | "NaN" | "Infinity" | "-Infinity";

export interface WireTag {
  key: string;
  value: string;
}

export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: LifecycleStage;
  last_update_time?: number;
  creation_time?: number;
  tags?: WireTag[];
}

export interface WireMetric {
  key: string;
  value: WireDouble;
  timestamp: number;
  step: number;
}

export interface WireMetricWithRunId extends WireMetric {
  run_id: string;
}

export interface WireRunInfo {
  run_id: string;
  run_uuid?: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage: LifecycleStage;
}

export interface WireDataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface WireDatasetInput {
  tags?: WireTag[];
  dataset: WireDataset;
}

export interface WireRun {
  info: WireRunInfo;
  data: { metrics?: WireMetric[]; params?: WireTag[]; tags?: WireTag[] };
  inputs?: { dataset_inputs?: WireDatasetInput[] };
  /** MLflow 3: the logged models the run made (`runs/outputs`). */
  outputs?: { model_outputs?: { model_id: string; step?: number }[] };
}

export type LoggedModelStatus =
  | "LOGGED_MODEL_PENDING"
  | "LOGGED_MODEL_READY"
  | "LOGGED_MODEL_UPLOAD_FAILED"
  | "LOGGED_MODEL_STATUS_UNSPECIFIED";

/** A metric logged against a logged model (MLflow 3), possibly on a dataset. */
export interface WireModelMetric extends WireMetric {
  run_id?: string;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

/** MLflow 3's LoggedModel: a model with its own id and artifact root, outside the run's artifact tree. */
export interface WireLoggedModel {
  info: {
    model_id: string;
    experiment_id: string;
    name: string;
    artifact_uri?: string;
    status?: LoggedModelStatus;
    status_message?: string;
    creation_timestamp_ms?: number;
    last_updated_timestamp_ms?: number;
    source_run_id?: string;
    model_type?: string;
    tags?: WireTag[];
    registrations?: { name: string; version: string }[];
  };
  data?: { params?: WireTag[]; metrics?: WireModelMetric[] };
}

export type TraceStatus = "OK" | "ERROR" | "IN_PROGRESS" | "TRACE_STATUS_UNSPECIFIED";

/** MLflow 2's TraceInfo (`/mlflow/traces`): a trace's summary; its spans are the trace-data artifact. */
export interface WireTraceInfo {
  request_id: string;
  experiment_id: string;
  timestamp_ms?: number;
  execution_time_ms?: number;
  status?: TraceStatus;
  request_metadata?: WireTag[];
  tags?: WireTag[];
}

export interface WireFileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: number;
}

export type Stage = "None" | "Staging" | "Production" | "Archived";

export interface WireModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage?: Stage;
  description?: string;
  source?: string;
  run_id?: string;
  status?: "PENDING_REGISTRATION" | "FAILED_REGISTRATION" | "READY";
  status_message?: string;
  tags?: WireTag[];
  run_link?: string;
  aliases?: string[];
  /** MLflow 3: the logged model this version was registered from (`source: models:/<id>`). */
  model_id?: string;
}

export interface WireRegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  description?: string;
  latest_versions?: WireModelVersion[];
  tags?: WireTag[];
  aliases?: { alias: string; version: string }[];
}

export interface Paged {
  next_page_token?: string;
}
