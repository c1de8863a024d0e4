// The tracking store on any SQL database behind SqlDriver (SQLite, PostgreSQL): one implementation,
// so both behave the same down to ordering and error codes. Every write is one transaction. This class
// is the seam (`TrackingStore`) and only delegates: each concern lives in its own part under
// `tracking/` (experiments, runs, logging, search, histories, purge), MLflow 3's logged models in
// `logged-models.ts` and MLflow's traces in `traces.ts`.
import type {
  DeleteTracesInput,
  EndTraceInput,
  SearchTracesInput,
  StartTraceInput,
  TraceInfo,
} from "../trace-types.js";
import type {
  BulkHistoryInput,
  BulkIntervalInput,
  CreateLoggedModelInput,
  CreateRunInput,
  DatasetInput,
  DatasetSummary,
  Experiment,
  HistoryInput,
  KeyValue,
  LogBatchInput,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  MetricWithRunId,
  ModelOutput,
  Page,
  PurgedExperiment,
  PurgedRun,
  Run,
  RunInfo,
  SearchExperimentsInput,
  SearchLoggedModelsInput,
  SearchRunsInput,
  TrackingStore,
  UpdateRunInput,
} from "../types.js";
import type { SqlDriver } from "./driver.js";
import { SqlLoggedModels } from "./logged-models.js";
import { SqlTraces } from "./traces.js";
import { SqlExperiments } from "./tracking/experiments.js";
import { SqlHistories } from "./tracking/histories.js";
import { SqlLogging } from "./tracking/logging.js";
import { SqlPurge } from "./tracking/purge.js";
import { joinArtifactUri } from "./tracking/rows.js";
import { SqlRuns } from "./tracking/runs.js";
import { SqlSearch } from "./tracking/search.js";
import { PlannerStatistics } from "./tracking/statistics.js";

export { joinArtifactUri };

export class SqlTrackingStore implements TrackingStore {
  /** MLflow 3's logged models, over the same database (shared with the registry's create). */
  readonly loggedModels: SqlLoggedModels;
  /** MLflow's traces, over the same database. */
  readonly traces: SqlTraces;
  private readonly experiments: SqlExperiments;
  private readonly runs: SqlRuns;
  private readonly logging: SqlLogging;
  private readonly search: SqlSearch;
  private readonly histories: SqlHistories;
  private readonly purge: SqlPurge;

  constructor(
    private readonly db: SqlDriver,
    root: string,
  ) {
    this.loggedModels = new SqlLoggedModels(db, joinArtifactUri);
    this.traces = new SqlTraces(db, joinArtifactUri);
    // Run creation and logging count their writes towards one refresh of the planner's statistics.
    const statistics = new PlannerStatistics(db);
    this.experiments = new SqlExperiments(db, root);
    this.logging = new SqlLogging(db, this.loggedModels, statistics);
    this.runs = new SqlRuns(db, this.loggedModels, this.logging, statistics);
    this.search = new SqlSearch(db, this.runs);
    this.histories = new SqlHistories(db);
    this.purge = new SqlPurge(db, this.traces);
  }

  /** Creates the Default experiment "0" of a fresh store. */
  async init(): Promise<this> {
    await this.experiments.createDefault();
    return this;
  }

  // ---------------------------------------------------------------- experiments

  createExperiment(name: string, artifactLocation: string | undefined, tags: KeyValue[]): Promise<string> {
    return this.experiments.createExperiment(name, artifactLocation, tags);
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.experiments.getExperiment(experimentId);
  }

  getExperimentByName(name: string): Promise<Experiment> {
    return this.experiments.getExperimentByName(name);
  }

  deleteExperiment(experimentId: string): Promise<void> {
    return this.experiments.deleteExperiment(experimentId);
  }

  restoreExperiment(experimentId: string): Promise<void> {
    return this.experiments.restoreExperiment(experimentId);
  }

  renameExperiment(experimentId: string, newName: string): Promise<void> {
    return this.experiments.renameExperiment(experimentId, newName);
  }

  setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    return this.experiments.setExperimentTag(experimentId, tag);
  }

  deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    return this.experiments.deleteExperimentTag(experimentId, key);
  }

  // ---------------------------------------------------------------- runs

  createRun(input: CreateRunInput): Promise<Run> {
    return this.runs.createRun(input);
  }

  getRunExperimentId(runId: string): Promise<string> {
    return this.runs.getRunExperimentId(runId);
  }

  getRun(runId: string): Promise<Run> {
    return this.runs.getRun(runId);
  }

  updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    return this.runs.updateRun(runId, input);
  }

  deleteRun(runId: string): Promise<void> {
    return this.runs.deleteRun(runId);
  }

  restoreRun(runId: string): Promise<void> {
    return this.runs.restoreRun(runId);
  }

  // ---------------------------------------------------------------- logging

  logBatch(runId: string, input: LogBatchInput): Promise<void> {
    return this.logging.logBatch(runId, input);
  }

  appendLoggedModel(runId: string, model: Record<string, unknown>): Promise<void> {
    return this.logging.appendLoggedModel(runId, model);
  }

  deleteTag(runId: string, key: string): Promise<void> {
    return this.logging.deleteTag(runId, key);
  }

  logOutputs(runId: string, outputs: ModelOutput[]): Promise<void> {
    return this.logging.logOutputs(runId, outputs);
  }

  logInputs(runId: string, inputs: DatasetInput[], modelInputs: string[] = []): Promise<void> {
    return this.logging.logInputs(runId, inputs, modelInputs);
  }

  // ---------------------------------------------------------------- search

  searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    return this.search.searchExperiments(input);
  }

  searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    return this.search.searchRuns(input);
  }

  searchDatasets(experimentIds: string[], limit: number): Promise<DatasetSummary[]> {
    return this.search.searchDatasets(experimentIds, limit);
  }

  // ---------------------------------------------------------------- logged models (MLflow 3)

  createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    return this.loggedModels.create(input);
  }

  getLoggedModel(modelId: string, allowDeleted = false): Promise<LoggedModel> {
    return this.loggedModels.get(modelId, allowDeleted);
  }

  getLoggedModelExperimentId(modelId: string): Promise<string> {
    return this.loggedModels.experimentId(modelId);
  }

  finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    return this.loggedModels.finalize(modelId, status);
  }

  deleteLoggedModel(modelId: string): Promise<void> {
    return this.loggedModels.delete(modelId);
  }

  setLoggedModelTags(modelId: string, tags: KeyValue[]): Promise<void> {
    return this.loggedModels.setTags(modelId, tags);
  }

  deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    return this.loggedModels.deleteTag(modelId, key);
  }

  logLoggedModelParams(modelId: string, params: KeyValue[]): Promise<void> {
    return this.loggedModels.logParams(modelId, params);
  }

  searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    return this.loggedModels.search(input);
  }

  // ---------------------------------------------------------------- traces

  startTrace(input: StartTraceInput): Promise<TraceInfo> {
    return this.traces.startTrace(input);
  }

  endTrace(requestId: string, input: EndTraceInput): Promise<TraceInfo> {
    return this.traces.endTrace(requestId, input);
  }

  getTraceInfo(requestId: string): Promise<TraceInfo> {
    return this.traces.getTraceInfo(requestId);
  }

  getTraceExperimentId(requestId: string): Promise<string> {
    return this.traces.getTraceExperimentId(requestId);
  }

  searchTraces(input: SearchTracesInput): Promise<Page<TraceInfo>> {
    return this.traces.searchTraces(input);
  }

  deleteTraces(input: DeleteTracesInput): Promise<{ deleted: number; artifactLocations: string[] }> {
    return this.traces.deleteTraces(input);
  }

  setTraceTag(requestId: string, tag: KeyValue): Promise<void> {
    return this.traces.setTraceTag(requestId, tag);
  }

  deleteTraceTag(requestId: string, key: string): Promise<void> {
    return this.traces.deleteTraceTag(requestId, key);
  }

  // ---------------------------------------------------------------- metric histories

  getMetricHistory(input: HistoryInput): Promise<Page<Metric>> {
    return this.histories.getMetricHistory(input);
  }

  getMetricHistoryBulkInterval(input: BulkIntervalInput): Promise<MetricWithRunId[]> {
    return this.histories.getMetricHistoryBulkInterval(input);
  }

  getMetricHistoryBulk(input: BulkHistoryInput): Promise<MetricWithRunId[]> {
    return this.histories.getMetricHistoryBulk(input);
  }

  // ---------------------------------------------------------------- garbage collection

  listDeleted(before: number | null): Promise<{ runIds: string[]; experimentIds: string[] }> {
    return this.purge.listDeleted(before);
  }

  purgeRun(runId: string): Promise<PurgedRun> {
    return this.purge.purgeRun(runId);
  }

  purgeExperiment(experimentId: string): Promise<PurgedExperiment> {
    return this.purge.purgeExperiment(experimentId);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
