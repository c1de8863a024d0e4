// The fluent tracking API: a current experiment, a stack of active runs (nested runs push), and
// logging that never waits on the network (see queue.ts).
import { MlflowApiError } from "../errors.js";
import { type MetricPoint, RestClient } from "../rest.js";
import type { TransportOptions } from "../transport.js";
import type { RunStatus, WireModelVersion } from "../wire.js";
import { RunArtifacts, type TableInput } from "./artifacts.js";
import { configFromEnv, type EnvConfig } from "./config.js";
import { NoActiveRunError } from "./errors.js";
import { registerForExit, unregisterForExit } from "./exit.js";
import { env } from "./node.js";
import { BatchQueue, Entry, METRIC, PARAM, TAG } from "./queue.js";
import { type Experiment, type Run, toExperiment, toRun } from "./run.js";
import { type RunRow, RunSearch, type SearchRunsOptions } from "./search.js";
import { systemTags, TAG_NOTE, TAG_PARENT_RUN_ID, TAG_RUN_NAME, TAG_USER } from "./system-tags.js";

export interface TrackerOptions extends Partial<TransportOptions> {
  experimentName?: string | undefined;
  experimentId?: string | undefined;
  /** Where MLFLOW_* settings are read from. Default: the process environment (none in a browser). */
  env?: Record<string, string | undefined> | undefined;
  /** Queue length that starts a send right away. Default 1000. */
  flushAt?: number | undefined;
  /** Longest time a logged value waits before it is sent. Default 200 ms. */
  flushIntervalMs?: number | undefined;
  /** Pause after a failed background send (doubling up to 30 s). Default 2 s. */
  retryDelayMs?: number | undefined;
  /** Flush and end active runs when a Node process is about to exit. Default true. */
  exitHook?: boolean | undefined;
}

export interface StartRunOptions {
  runName?: string | undefined;
  tags?: Record<string, string> | undefined;
  /** Start the run as a child of the active run. */
  nested?: boolean | undefined;
  /** Parent run to record (mlflow.parentRunId), active or not. */
  parentRunId?: string | undefined;
  /** Stored as the run's note (mlflow.note.content). */
  description?: string | undefined;
  /** Attach to this existing run instead of creating one (as MLFLOW_RUN_ID does). */
  runId?: string | undefined;
  experimentId?: string | undefined;
}

export interface LogOptions {
  /** Log to this run instead of the active one. */
  runId?: string | undefined;
}

export interface MetricOptions extends LogOptions {
  /** Milliseconds since the epoch. Default: now. */
  timestamp?: number | undefined;
}

type Scalar = string | number | boolean;

export class Tracker {
  private restClient: RestClient;
  private readonly options: TrackerOptions;
  private readonly config: EnvConfig;
  private readonly queue: BatchQueue;
  private readonly stack: Run[] = [];
  /** The server each run lives on, so queued data follows its run across setTrackingUri. */
  private readonly runClients = new Map<string, RestClient>();
  private experimentId: string | undefined;
  private envRunIdUsed = false;

  constructor(options: TrackerOptions = {}) {
    this.options = options;
    this.config = configFromEnv(options.env ?? env());
    this.restClient = this.makeClient(options.trackingUri ?? this.config.trackingUri);
    this.experimentId = options.experimentId;
    this.queue = new BatchQueue({
      send: (runId, batch) => (this.runClients.get(runId) ?? this.restClient).logBatch(runId, batch),
      flushAt: options.flushAt,
      intervalMs: options.flushIntervalMs,
      retryDelayMs: options.retryDelayMs,
    });
  }

  /** The REST client behind this tracker, for everything the fluent API does not cover. */
  get client(): RestClient {
    return this.restClient;
  }

  getTrackingUri(): string {
    return this.restClient.trackingUri;
  }

  /** Points new runs at another server; the current experiment is forgotten (ids are per server). */
  setTrackingUri(uri: string): void {
    this.restClient = this.makeClient(uri);
    this.experimentId = undefined;
  }

  private makeClient(trackingUri: string): RestClient {
    const { env: _env, experimentId: _id, experimentName: _name, ...transport } = this.options;
    return new RestClient({ ...transport, trackingUri, auth: transport.auth ?? this.config.auth });
  }

  // ---------------------------------------------------------------- experiments

  /** Makes an experiment current, creating it when no experiment has this name. */
  async setExperiment(
    target: string | { experimentName?: string; experimentId?: string },
  ): Promise<Experiment> {
    const { experimentName, experimentId } = typeof target === "string" ? { experimentName: target } : target;
    let experiment: Experiment;
    if (experimentId !== undefined) {
      experiment = toExperiment(await this.restClient.getExperiment(experimentId));
    } else if (experimentName) {
      experiment = await this.getOrCreateExperiment(experimentName);
    } else {
      throw new Error("setExperiment needs an experiment name or id");
    }
    if (experiment.lifecycleStage === "deleted") {
      throw new Error(
        `experiment "${experiment.name}" (${experiment.experimentId}) is deleted; restore it or use another name`,
      );
    }
    this.experimentId = experiment.experimentId;
    return experiment;
  }

  private async getOrCreateExperiment(name: string): Promise<Experiment> {
    const found = await this.restClient.getExperimentByName(name);
    if (found) return toExperiment(found);
    try {
      return toExperiment(await this.restClient.getExperiment(await this.restClient.createExperiment(name)));
    } catch (e) {
      // Another process created it between our read and our create: use theirs.
      if (!(e instanceof MlflowApiError && e.errorCode === "RESOURCE_ALREADY_EXISTS")) throw e;
      const again = await this.restClient.getExperimentByName(name);
      if (!again) throw e;
      return toExperiment(again);
    }
  }

  /** The experiment new runs go to: set explicitly, else MLFLOW_EXPERIMENT_ID/_NAME, else "0". */
  async currentExperimentId(): Promise<string> {
    if (this.experimentId !== undefined) return this.experimentId;
    if (this.config.experimentId)
      return (await this.setExperiment({ experimentId: this.config.experimentId })).experimentId;
    const name = this.options.experimentName ?? this.config.experimentName;
    if (name) return (await this.setExperiment(name)).experimentId;
    return "0";
  }

  // ---------------------------------------------------------------- runs

  activeRun(): Run | undefined {
    return this.stack[this.stack.length - 1];
  }

  /**
   * Starts a run (or attaches to `runId` / MLFLOW_RUN_ID) and makes it active. While a run is active,
   * only a nested run may start.
   */
  async startRun(options: StartRunOptions = {}): Promise<Run> {
    const active = this.activeRun();
    if (active && !options.nested) {
      throw new Error(
        `Run with UUID ${active.info.runId} is already active. To start a new run, first end the current ` +
          "run with endRun(). To start a nested run, call startRun({ nested: true })",
      );
    }
    // MLFLOW_RUN_ID names the run of the process: the first top-level run attaches to it.
    const envRunId = !active && !this.envRunIdUsed ? this.config.runId : undefined;
    const attachTo = options.runId ?? envRunId;
    const run = attachTo ? await this.attach(attachTo) : await this.create(options, active);
    if (attachTo && attachTo === envRunId) this.envRunIdUsed = true;
    this.runClients.set(run.info.runId, this.restClient);
    this.stack.push(run);
    registerForExit(this);
    if (attachTo) {
      if (options.tags) this.setTags(options.tags);
      if (options.description !== undefined) this.setNote(options.description);
    }
    return run;
  }

  private async attach(runId: string): Promise<Run> {
    const run = toRun(await this.restClient.getRun(runId));
    if (run.info.lifecycleStage === "deleted")
      throw new Error(`run ${runId} is deleted; it cannot be resumed`);
    if (run.info.status !== "RUNNING") {
      await this.restClient.updateRun(runId, { status: "RUNNING" });
      run.info.status = "RUNNING";
      run.info.endTime = undefined;
    }
    return run;
  }

  private async create(options: StartRunOptions, active: Run | undefined): Promise<Run> {
    const experimentId = options.experimentId ?? (await this.currentExperimentId());
    const tags: Record<string, string> = { ...(await systemTags(this.options.env ?? env())) };
    const parentRunId = options.parentRunId ?? (options.nested ? active?.info.runId : undefined);
    if (parentRunId) tags[TAG_PARENT_RUN_ID] = parentRunId;
    if (options.runName) tags[TAG_RUN_NAME] = options.runName;
    if (options.description !== undefined) tags[TAG_NOTE] = options.description;
    Object.assign(tags, options.tags);
    return toRun(
      await this.restClient.createRun({
        experimentId,
        runName: options.runName ?? tags[TAG_RUN_NAME],
        userId: tags[TAG_USER],
        tags,
      }),
    );
  }

  /**
   * Sends what is queued, then ends the active run (FINISHED by default). When the data cannot be sent
   * the run stays active and the UnsentDataError propagates, so that endRun() can be called again.
   */
  async endRun(status: RunStatus = "FINISHED"): Promise<void> {
    const run = this.activeRun();
    if (!run) return;
    let rejected: unknown;
    try {
      await this.queue.flush();
    } catch (e) {
      if (!(e instanceof Error && e.name === "RejectedDataError")) throw e;
      rejected = e;
    }
    await (this.runClients.get(run.info.runId) ?? this.restClient).updateRun(run.info.runId, {
      status,
      endTime: Date.now(),
    });
    this.stack.pop();
    if (!this.queue.hasRun(run.info.runId)) this.runClients.delete(run.info.runId);
    if (rejected) throw rejected;
  }

  /**
   * Runs `fn` inside a new run, which ends FINISHED when `fn` resolves and FAILED when it throws (the
   * error is rethrown). Nested runs `fn` left open are ended with it.
   */
  async withRun<T>(fn: (run: Run) => T | Promise<T>): Promise<T>;
  async withRun<T>(options: StartRunOptions, fn: (run: Run) => T | Promise<T>): Promise<T>;
  async withRun<T>(
    a: StartRunOptions | ((run: Run) => T | Promise<T>),
    b?: (run: Run) => T | Promise<T>,
  ): Promise<T> {
    const [options, fn] = typeof a === "function" ? [{}, a] : [a, b];
    if (!fn) throw new Error("withRun needs a function");
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await fn(run);
    } catch (e) {
      await this.endThrough(run, "FAILED").catch(() => undefined);
      throw e;
    }
    await this.endThrough(run, "FINISHED");
    return result;
  }

  private async endThrough(run: Run, status: RunStatus): Promise<void> {
    if (!this.stack.includes(run)) return;
    while (this.stack.includes(run)) await this.endRun(status);
  }

  // ---------------------------------------------------------------- logging (queued)

  private envSource(): Record<string, string | undefined> | undefined {
    return this.options.env ?? env();
  }

  private runIdFor(what: string, runId: string | undefined): string {
    if (runId !== undefined) return runId;
    const run = this.stack[this.stack.length - 1];
    if (run) return run.info.runId;
    // Inside a %%track cell (or any process given MLFLOW_RUN_ID), logging without startRun() goes to
    // that run, as mlflow.log_metric does. Read live: the magic sets it per cell.
    const fromEnv = this.envSource()?.MLFLOW_RUN_ID?.trim();
    if (fromEnv) return fromEnv;
    throw new NoActiveRunError(what);
  }

  /** Queues one metric point; returns at once (the hot path of a training loop). */
  logMetric(key: string, value: number, step = 0, options?: MetricOptions): void {
    const runId = this.runIdFor("logMetric", options?.runId);
    if (typeof value !== "number")
      throw new TypeError(`metric ${key}: value must be a number, got ${typeof value}`);
    this.queue.push(new Entry(METRIC, runId, key, value, "", options?.timestamp ?? Date.now(), step));
  }

  logMetrics(metrics: Record<string, number>, step = 0, options?: MetricOptions): void {
    const timestamp = options?.timestamp ?? Date.now();
    for (const [key, value] of Object.entries(metrics))
      this.logMetric(key, value, step, { ...options, timestamp });
  }

  logParam(key: string, value: Scalar, options?: LogOptions): void {
    this.queue.push(new Entry(PARAM, this.runIdFor("logParam", options?.runId), key, 0, String(value), 0, 0));
  }

  logParams(params: Record<string, Scalar>, options?: LogOptions): void {
    for (const [key, value] of Object.entries(params)) this.logParam(key, value, options);
  }

  setTag(key: string, value: Scalar, options?: LogOptions): void {
    this.queue.push(new Entry(TAG, this.runIdFor("setTag", options?.runId), key, 0, String(value), 0, 0));
  }

  setTags(tags: Record<string, Scalar>, options?: LogOptions): void {
    for (const [key, value] of Object.entries(tags)) this.setTag(key, value, options);
  }

  /** The run's description, shown as its note in MLflow's UI. */
  setNote(text: string, options?: LogOptions): void {
    this.setTag(TAG_NOTE, text, options);
  }

  async deleteTag(key: string, options?: LogOptions): Promise<void> {
    const runId = this.runIdFor("deleteTag", options?.runId);
    await this.queue.flush();
    await this.clientFor(runId).deleteTag(runId, key);
  }

  /** Sends everything queued; see BatchQueue.flush for the errors. */
  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Values logged but not yet acknowledged by the server. */
  get pending(): number {
    return this.queue.size;
  }

  // ---------------------------------------------------------------- artifacts

  private clientFor(runId: string): RestClient {
    return this.runClients.get(runId) ?? this.restClient;
  }

  private async artifacts(what: string, runId: string | undefined): Promise<RunArtifacts> {
    const id = this.runIdFor(what, runId);
    const active = this.stack.find((r) => r.info.runId === id);
    const uri = active?.info.artifactUri ?? (await this.clientFor(id).getRun(id)).info.artifact_uri;
    if (!uri) throw new Error(`run ${id} has no artifact location`);
    return new RunArtifacts(this.clientFor(id), id, uri);
  }

  async logText(text: string, artifactFile: string, options?: LogOptions): Promise<void> {
    await (await this.artifacts("logText", options?.runId)).logText(text, artifactFile);
  }

  /** JSON, or YAML when `artifactFile` ends in .yaml/.yml. */
  async logDict(dict: unknown, artifactFile: string, options?: LogOptions): Promise<void> {
    await (await this.artifacts("logDict", options?.runId)).logDict(dict, artifactFile);
  }

  /** CSV when `artifactFile` ends in .csv, else MLflow's table JSON ({columns, data}). */
  async logTable(table: TableInput, artifactFile: string, options?: LogOptions): Promise<void> {
    await (await this.artifacts("logTable", options?.runId)).logTable(table, artifactFile);
  }

  /** A Vega-Lite chart as `<name>.json` plus a `<name>.html` page that renders it. */
  async logVegaLite(
    spec: object,
    artifactFile: string,
    options?: LogOptions,
  ): Promise<{ json: string; html: string }> {
    return (await this.artifacts("logVegaLite", options?.runId)).logVegaLite(spec, artifactFile);
  }

  /** MLflow's log_figure for TypeScript: the figure is a Vega-Lite spec. */
  logFigure(
    spec: object,
    artifactFile: string,
    options?: LogOptions,
  ): Promise<{ json: string; html: string }> {
    return this.logVegaLite(spec, artifactFile, options);
  }

  /** Node only: uploads a local file as `<artifactPath>/<its name>`; returns the artifact path. */
  async logArtifact(localPath: string, artifactPath?: string, options?: LogOptions): Promise<string> {
    return (await this.artifacts("logArtifact", options?.runId)).logArtifact(localPath, artifactPath);
  }

  /** Node only: uploads every file under a local directory; returns the artifact paths. */
  async logArtifacts(localDir: string, artifactPath?: string, options?: LogOptions): Promise<string[]> {
    return (await this.artifacts("logArtifacts", options?.runId)).logArtifacts(localDir, artifactPath);
  }

  // ---------------------------------------------------------------- reading

  /** Reads a run, after sending what is queued for it (so it shows what was logged). */
  async getRun(runId: string): Promise<Run> {
    if (this.queue.hasRun(runId)) await this.queue.flush();
    return toRun(await this.clientFor(runId).getRun(runId));
  }

  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    if (this.queue.hasRun(runId)) await this.queue.flush();
    return this.clientFor(runId).getMetricHistory(runId, key);
  }

  /** Runs matching a filter, lazily, page by page (queued data is sent first). */
  searchRuns(options: SearchRunsOptions = {}): RunSearch {
    return new RunSearch(
      this.restClient,
      async () => {
        if (this.queue.size > 0) await this.queue.flush();
        return this.resolveExperiments(options);
      },
      options,
    );
  }

  /** The matching runs as flat rows with `params.*`, `metrics.*` and `tags.*` columns. */
  searchRunsRows(options: SearchRunsOptions = {}): Promise<RunRow[]> {
    return this.searchRuns(options).rows();
  }

  private async resolveExperiments(options: SearchRunsOptions): Promise<string[]> {
    const ids = [...(options.experimentIds ?? [])];
    for (const name of options.experimentNames ?? []) {
      const experiment = await this.restClient.getExperimentByName(name);
      if (experiment) ids.push(experiment.experiment_id);
    }
    if (options.experimentIds === undefined && options.experimentNames === undefined)
      ids.push(await this.currentExperimentId());
    return [...new Set(ids)];
  }

  // ---------------------------------------------------------------- model registry

  /**
   * Registers a model version from `modelUri` (`runs:/<run id>/<path>` or any artifact URI), creating
   * the registered model when it does not exist yet.
   */
  async registerModel(
    modelUri: string,
    name: string,
    options: { tags?: Record<string, string>; description?: string } = {},
  ): Promise<WireModelVersion> {
    try {
      await this.restClient.createRegisteredModel(name);
    } catch (e) {
      if (!(e instanceof MlflowApiError && e.errorCode === "RESOURCE_ALREADY_EXISTS")) throw e;
    }
    let source = modelUri;
    let runId: string | undefined;
    const m = /^runs:\/([^/]+)\/?(.*)$/.exec(modelUri);
    if (m) {
      runId = m[1] as string;
      const run = await this.getRun(runId);
      if (!run.info.artifactUri) throw new Error(`run ${runId} has no artifact location`);
      source = [run.info.artifactUri.replace(/\/+$/, ""), m[2]].filter(Boolean).join("/");
    }
    return this.restClient.createModelVersion(name, source, {
      ...(runId ? { runId } : {}),
      ...options,
    });
  }

  // ---------------------------------------------------------------- lifecycle

  /** Called before a Node process exits: sends what is queued and ends the active runs FINISHED. */
  async shutdown(): Promise<void> {
    while (this.activeRun()) await this.endRun("FINISHED");
    await this.queue.flush();
  }

  /** Stops background sending and exit handling. Queued data stays; flush() still sends it. */
  close(): void {
    this.queue.stop();
    unregisterForExit(this);
  }

  get wantsExitHook(): boolean {
    return this.options.exitHook !== false;
  }

  get hasWork(): boolean {
    return this.stack.length > 0 || this.queue.size > 0;
  }
}
