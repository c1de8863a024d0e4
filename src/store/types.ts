// Domain types of the tracking store, shared by every implementation and by the HTTP layer.
import type { Filter, OrderTerm } from "../search/ast.js";
import type { TraceStore } from "./trace-types.js";

export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
export type LifecycleStage = "active" | "deleted";

export const RUN_STATUSES: readonly RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
export const VIEW_TYPES: readonly ViewType[] = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"];

export interface KeyValue {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number | null;
  lastUpdateTime: number | null;
  tags: KeyValue[];
}

export interface Metric {
  key: string;
  /** May be NaN or ±Infinity. */
  value: number;
  timestamp: number;
  step: number;
  /** MLflow 3: the logged model and the dataset the value was measured for, when named. */
  modelId?: string | undefined;
  datasetName?: string | undefined;
  datasetDigest?: string | undefined;
}

export interface MetricWithRunId extends Metric {
  runId: string;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string | undefined;
  profile?: string | undefined;
}

export interface DatasetInput {
  tags: KeyValue[];
  dataset: Dataset;
}

export interface ModelOutput {
  modelId: string;
  step: number;
}

export interface Run {
  info: RunInfo;
  data: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] };
  inputs: { datasetInputs: DatasetInput[]; modelInputs: string[] };
  outputs: { modelOutputs: ModelOutput[] };
}

// ---------------------------------------------------------------- MLflow 3 logged models

export type LoggedModelStatus = "LOGGED_MODEL_PENDING" | "LOGGED_MODEL_READY" | "LOGGED_MODEL_UPLOAD_FAILED";
export const LOGGED_MODEL_STATUSES: readonly LoggedModelStatus[] = [
  "LOGGED_MODEL_PENDING",
  "LOGGED_MODEL_READY",
  "LOGGED_MODEL_UPLOAD_FAILED",
];

/** A metric linked to a logged model: the run it was logged in comes with it. */
export interface LoggedModelMetric extends Metric {
  runId: string;
}

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactLocation: string;
  status: LoggedModelStatus;
  statusMessage: string | null;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  modelType: string | null;
  sourceRunId: string | null;
  tags: KeyValue[];
  params: KeyValue[];
  metrics: LoggedModelMetric[];
  /** Registered model versions made from this model (from its `mlflow.modelVersions` tag). */
  registrations: { name: string; version: string }[];
}

export interface CreateLoggedModelInput {
  experimentId: string;
  name: string | undefined;
  modelType: string | undefined;
  sourceRunId: string | undefined;
  params: KeyValue[];
  tags: KeyValue[];
}

export interface LoggedModelOrder {
  /** An attribute (`name`, `creation_timestamp`, …) or a metric key when `metric` is true. */
  key: string;
  metric: boolean;
  ascending: boolean;
  datasetName: string | undefined;
  datasetDigest: string | undefined;
}

export interface SearchLoggedModelsInput {
  experimentIds: string[];
  filter: Filter | null;
  /** Metric comparisons and orderings only count values measured on one of these datasets. */
  datasets: { name: string; digest: string | undefined }[];
  orderBy: LoggedModelOrder[];
  maxResults: number;
  pageToken: string | undefined;
}

export interface Page<T> {
  items: T[];
  nextPageToken?: string | undefined;
}

export interface CreateRunInput {
  experimentId: string;
  userId: string;
  runName: string | undefined;
  startTime: number;
  tags: KeyValue[];
}

export interface UpdateRunInput {
  status?: RunStatus | undefined;
  endTime?: number | undefined;
  runName?: string | undefined;
}

export interface LogBatchInput {
  metrics: Metric[];
  params: KeyValue[];
  tags: KeyValue[];
}

export interface SearchRunsInput {
  experimentIds: string[];
  filter: Filter | null;
  orderBy: OrderTerm[];
  viewType: ViewType;
  maxResults: number;
  pageToken: string | undefined;
}

export interface SearchExperimentsInput {
  filter: Filter | null;
  orderBy: OrderTerm[];
  viewType: ViewType;
  maxResults: number;
  pageToken: string | undefined;
}

export interface HistoryInput {
  runId: string;
  key: string;
  maxResults: number | undefined;
  pageToken: string | undefined;
}

export interface BulkHistoryInput {
  runIds: string[];
  key: string;
  maxResults: number;
}

/** One dataset an experiment's runs used, with the context (`mlflow.data.context` input tag) it had. */
export interface DatasetSummary {
  experimentId: string;
  name: string;
  digest: string;
  context: string | null;
}

export interface BulkIntervalInput {
  runIds: string[];
  key: string;
  startStep: number | undefined;
  endStep: number | undefined;
  maxResults: number;
}

/** What a purge removed from the database and left in the artifact store, for the caller to remove. */
export interface PurgedRun {
  runId: string;
  artifactUri: string;
}

export interface PurgedExperiment {
  experimentId: string;
  runs: PurgedRun[];
  /** The experiment's logged models, whose artifacts are the caller's too. */
  models: { modelId: string; artifactLocation: string }[];
  /** The experiment's traces, whose data files (`…/traces/<id>/artifacts`) are the caller's too. */
  traces: { requestId: string; artifactLocation: string }[];
}

/**
 * The storage interface. SQLite and PostgreSQL implement it with the same behaviour down to ordering
 * and error codes; every method that writes does so in one transaction (all or nothing).
 */
export interface TrackingStore extends TraceStore {
  createExperiment(name: string, artifactLocation: string | undefined, tags: KeyValue[]): Promise<string>;
  getExperiment(experimentId: string): Promise<Experiment>;
  getExperimentByName(name: string): Promise<Experiment>;
  deleteExperiment(experimentId: string): Promise<void>;
  restoreExperiment(experimentId: string): Promise<void>;
  renameExperiment(experimentId: string, newName: string): Promise<void>;
  setExperimentTag(experimentId: string, tag: KeyValue): Promise<void>;
  deleteExperimentTag(experimentId: string, key: string): Promise<void>;
  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>>;

  createRun(input: CreateRunInput): Promise<Run>;
  getRun(runId: string): Promise<Run>;
  /** The experiment a run belongs to, without loading the run (used for permission checks). */
  getRunExperimentId(runId: string): Promise<string>;
  updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo>;
  deleteRun(runId: string): Promise<void>;
  restoreRun(runId: string): Promise<void>;
  logBatch(runId: string, input: LogBatchInput): Promise<void>;
  deleteTag(runId: string, key: string): Promise<void>;
  /** Appends a logged model to the run's `mlflow.log-model.history` tag, atomically. */
  appendLoggedModel(runId: string, model: Record<string, unknown>): Promise<void>;
  /** Dataset inputs and (MLflow 3) logged models the run used. */
  logInputs(runId: string, inputs: DatasetInput[], modelInputs?: string[]): Promise<void>;
  /** MLflow 3: the logged models a run produced, each at a step. */
  logOutputs(runId: string, outputs: ModelOutput[]): Promise<void>;
  searchRuns(input: SearchRunsInput): Promise<Page<Run>>;

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel>;
  /** Deleted models are not found unless `allowDeleted`. */
  getLoggedModel(modelId: string, allowDeleted?: boolean): Promise<LoggedModel>;
  /** The experiment a logged model belongs to, deleted or not (used for permission checks). */
  getLoggedModelExperimentId(modelId: string): Promise<string>;
  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel>;
  deleteLoggedModel(modelId: string): Promise<void>;
  setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void>;
  deleteLoggedModelTag(modelId: string, key: string): Promise<void>;
  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void>;
  searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>>;

  getMetricHistory(input: HistoryInput): Promise<Page<Metric>>;
  getMetricHistoryBulkInterval(input: BulkIntervalInput): Promise<MetricWithRunId[]>;
  /** The whole history of a metric in several runs, by run id, then timestamp, step and value. */
  getMetricHistoryBulk(input: BulkHistoryInput): Promise<MetricWithRunId[]>;
  /** The distinct (dataset, context) pairs that runs of these experiments used, at most `limit`. */
  searchDatasets(experimentIds: string[], limit: number): Promise<DatasetSummary[]>;

  /**
   * Garbage collection (`labtrack gc`, MLflow's `gc`): runs deleted at or before `before` (ms since
   * the epoch) and deleted experiments last updated at or before it; every deleted one when null.
   */
  listDeleted(before: number | null): Promise<{ runIds: string[]; experimentIds: string[] }>;
  /** Removes a deleted run and every row it owns, in one transaction; its artifacts are the caller's. */
  purgeRun(runId: string): Promise<PurgedRun>;
  /** Removes a deleted experiment with its runs, logged models, traces and datasets, in one transaction. */
  purgeExperiment(experimentId: string): Promise<PurgedExperiment>;

  close(): Promise<void>;
}
