// `mlflow.*` for TypeScript: module-level functions bound to one default Tracker, created on first use
// from the MLFLOW_* environment. Create your own `new Tracker({...})` for anything else.
import type { MetricPoint } from "../rest.js";
import type { RunStatus, WireModelVersion } from "../wire.js";
import type { TableInput } from "./artifacts.js";
import type { Experiment, Run } from "./run.js";
import type { RunRow, RunSearch, SearchRunsOptions } from "./search.js";
import { type LogOptions, type MetricOptions, type StartRunOptions, Tracker } from "./tracker.js";

let current: Tracker | undefined;

// Labtrack's %%track magic ends a cell's run right after the code; it first calls this hook so that
// points the cell's code logged through the default tracker are on the server before the run ends.
(globalThis as { __labtrackFlush?: () => Promise<void> }).__labtrackFlush = () =>
  current ? current.flush() : Promise.resolve();

/** The tracker the module-level functions use. */
export function defaultTracker(): Tracker {
  current ??= new Tracker();
  return current;
}

/** Replaces the default tracker (undefined: a fresh one from the environment on next use). */
export function setDefaultTracker(tracker: Tracker | undefined): void {
  current?.close();
  current = tracker;
}

type Scalar = string | number | boolean;

export const setTrackingUri = (uri: string): void => defaultTracker().setTrackingUri(uri);
export const getTrackingUri = (): string => defaultTracker().getTrackingUri();
export const setExperiment = (
  target: string | { experimentName?: string; experimentId?: string },
): Promise<Experiment> => defaultTracker().setExperiment(target);
export const startRun = (options?: StartRunOptions): Promise<Run> => defaultTracker().startRun(options);
export const endRun = (status?: RunStatus): Promise<void> => defaultTracker().endRun(status);
export const activeRun = (): Run | undefined => defaultTracker().activeRun();

export function withRun<T>(fn: (run: Run) => T | Promise<T>): Promise<T>;
export function withRun<T>(options: StartRunOptions, fn: (run: Run) => T | Promise<T>): Promise<T>;
export function withRun<T>(
  a: StartRunOptions | ((run: Run) => T | Promise<T>),
  b?: (run: Run) => T | Promise<T>,
): Promise<T> {
  return typeof a === "function"
    ? defaultTracker().withRun(a)
    : defaultTracker().withRun(a, b as (run: Run) => T);
}

export function logMetric(key: string, value: number, step?: number, options?: MetricOptions): void {
  (current ?? defaultTracker()).logMetric(key, value, step, options);
}
export const logMetrics = (metrics: Record<string, number>, step?: number, options?: MetricOptions): void =>
  defaultTracker().logMetrics(metrics, step, options);
export const logParam = (key: string, value: Scalar, options?: LogOptions): void =>
  defaultTracker().logParam(key, value, options);
export const logParams = (params: Record<string, Scalar>, options?: LogOptions): void =>
  defaultTracker().logParams(params, options);
export const setTag = (key: string, value: Scalar, options?: LogOptions): void =>
  defaultTracker().setTag(key, value, options);
export const setTags = (tags: Record<string, Scalar>, options?: LogOptions): void =>
  defaultTracker().setTags(tags, options);
export const setNote = (text: string, options?: LogOptions): void => defaultTracker().setNote(text, options);
export const deleteTag = (key: string, options?: LogOptions): Promise<void> =>
  defaultTracker().deleteTag(key, options);
export const flush = (): Promise<void> => defaultTracker().flush();

export const logText = (text: string, artifactFile: string, options?: LogOptions): Promise<void> =>
  defaultTracker().logText(text, artifactFile, options);
export const logDict = (dict: unknown, artifactFile: string, options?: LogOptions): Promise<void> =>
  defaultTracker().logDict(dict, artifactFile, options);
export const logTable = (table: TableInput, artifactFile: string, options?: LogOptions): Promise<void> =>
  defaultTracker().logTable(table, artifactFile, options);
export const logVegaLite = (spec: object, artifactFile: string, options?: LogOptions) =>
  defaultTracker().logVegaLite(spec, artifactFile, options);
export const logFigure = (spec: object, artifactFile: string, options?: LogOptions) =>
  defaultTracker().logFigure(spec, artifactFile, options);
export const logArtifact = (
  localPath: string,
  artifactPath?: string,
  options?: LogOptions,
): Promise<string> => defaultTracker().logArtifact(localPath, artifactPath, options);
export const logArtifacts = (
  localDir: string,
  artifactPath?: string,
  options?: LogOptions,
): Promise<string[]> => defaultTracker().logArtifacts(localDir, artifactPath, options);

export const getRun = (runId: string): Promise<Run> => defaultTracker().getRun(runId);
export const getMetricHistory = (runId: string, key: string): Promise<MetricPoint[]> =>
  defaultTracker().getMetricHistory(runId, key);
export const searchRuns = (options?: SearchRunsOptions): RunSearch => defaultTracker().searchRuns(options);
export const searchRunsRows = (options?: SearchRunsOptions): Promise<RunRow[]> =>
  defaultTracker().searchRunsRows(options);
export const registerModel = (
  modelUri: string,
  name: string,
  options?: { tags?: Record<string, string>; description?: string },
): Promise<WireModelVersion> => defaultTracker().registerModel(modelUri, name, options);

export type { TableInput } from "./artifacts.js";
export { configFromEnv, DEFAULT_TRACKING_URI, type EnvConfig } from "./config.js";
export {
  type DataCounts,
  NoActiveRunError,
  RejectedDataError,
  type Rejection,
  UnsentDataError,
} from "./errors.js";
export { type BatchLimits, MLFLOW_BATCH_LIMITS } from "./queue.js";
export type { Experiment, Run, RunInfo } from "./run.js";
export { type RunRow, RunSearch, type SearchRunsOptions, toRow } from "./search.js";
export { gitCommit, insideKernel, systemTags } from "./system-tags.js";
export {
  type LogOptions,
  type MetricOptions,
  type StartRunOptions,
  Tracker,
  type TrackerOptions,
} from "./tracker.js";
