// A typed client for every endpoint of an MLflow-compatible tracking server (ours or MLflow's).
// Isomorphic: only global fetch, no Node imports. Answers are MLflow's wire objects.
import { MlflowApiError } from "./errors.js";
import { followPages, nextPageOf } from "./paging.js";
import { readJson, Transport, type TransportOptions, toQueryString } from "./transport.js";
import type {
  Paged,
  RunStatus,
  Stage,
  ViewType,
  WireDatasetInput,
  WireDouble,
  WireExperiment,
  WireFileInfo,
  WireLoggedModel,
  WireMetric,
  WireMetricWithRunId,
  WireModelVersion,
  WireRegisteredModel,
  WireRun,
  WireRunInfo,
  WireTag,
  WireTraceInfo,
} from "./wire.js";

export interface SearchOptions {
  filter?: string | undefined;
  orderBy?: readonly string[] | undefined;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export const toWireDouble = (v: number): WireDouble =>
  Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";

export const fromWireDouble = (v: WireDouble): number =>
  typeof v === "number" ? v : v === "NaN" ? Number.NaN : v === "Infinity" ? Infinity : -Infinity;

const tags = (record: Record<string, string> | undefined): WireTag[] =>
  Object.entries(record ?? {}).map(([key, value]) => ({ key, value }));

/** Encodes each segment of an artifact path for a URL, keeping the slashes. */
const encodePath = (path: string): string => path.split("/").map(encodeURIComponent).join("/");

export class RestClient {
  readonly transport: Transport;
  private readonly api: string;

  constructor(options: TransportOptions & { apiPrefix?: string }) {
    this.transport = new Transport(options);
    this.api = options.apiPrefix ?? "/api/2.0";
  }

  get trackingUri(): string {
    return this.transport.baseUrl;
  }

  private rpc<T>(
    method: "GET" | "POST" | "PATCH" | "DELETE",
    path: string,
    payload: object = {},
  ): Promise<T> {
    return this.transport.json<T>(method, `${this.api}/mlflow/${path}`, payload);
  }

  // ---------------------------------------------------------------- experiments

  async createExperiment(
    name: string,
    options: { artifactLocation?: string; tags?: Record<string, string> } = {},
  ): Promise<string> {
    const r = await this.rpc<{ experiment_id: string }>("POST", "experiments/create", {
      name,
      artifact_location: options.artifactLocation,
      tags: tags(options.tags),
    });
    return r.experiment_id;
  }

  async getExperiment(experimentId: string): Promise<WireExperiment> {
    return (
      await this.rpc<{ experiment: WireExperiment }>("GET", "experiments/get", {
        experiment_id: experimentId,
      })
    ).experiment;
  }

  /** `null` when no experiment has this name (MLflow's RESOURCE_DOES_NOT_EXIST). */
  async getExperimentByName(name: string): Promise<WireExperiment | null> {
    try {
      return (
        await this.rpc<{ experiment: WireExperiment }>("GET", "experiments/get-by-name", {
          experiment_name: name,
        })
      ).experiment;
    } catch (e) {
      if (e instanceof MlflowApiError && e.errorCode === "RESOURCE_DOES_NOT_EXIST") return null;
      throw e;
    }
  }

  async searchExperiments(
    options: SearchOptions & { viewType?: ViewType | undefined } = {},
  ): Promise<{ experiments: WireExperiment[]; nextPageToken?: string }> {
    const r = await this.rpc<{ experiments?: WireExperiment[] } & Paged>("POST", "experiments/search", {
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults ?? 1000,
      page_token: options.pageToken,
      view_type: options.viewType,
    });
    return {
      experiments: r.experiments ?? [],
      ...nextPageOf(r),
    };
  }

  async renameExperiment(experimentId: string, newName: string): Promise<void> {
    await this.rpc("POST", "experiments/update", { experiment_id: experimentId, new_name: newName });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.rpc("POST", "experiments/delete", { experiment_id: experimentId });
  }

  async restoreExperiment(experimentId: string): Promise<void> {
    await this.rpc("POST", "experiments/restore", { experiment_id: experimentId });
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.rpc("POST", "experiments/set-experiment-tag", { experiment_id: experimentId, key, value });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    await this.rpc("POST", "experiments/delete-experiment-tag", { experiment_id: experimentId, key });
  }

  // ---------------------------------------------------------------- runs

  async createRun(options: {
    experimentId: string;
    runName?: string | undefined;
    startTime?: number | undefined;
    userId?: string | undefined;
    tags?: Record<string, string> | undefined;
  }): Promise<WireRun> {
    const r = await this.rpc<{ run: WireRun }>("POST", "runs/create", {
      experiment_id: options.experimentId,
      run_name: options.runName,
      start_time: options.startTime ?? Date.now(),
      user_id: options.userId,
      tags: tags(options.tags),
    });
    return r.run;
  }

  async getRun(runId: string): Promise<WireRun> {
    return (await this.rpc<{ run: WireRun }>("GET", "runs/get", { run_id: runId })).run;
  }

  async updateRun(
    runId: string,
    update: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<WireRunInfo> {
    const r = await this.rpc<{ run_info: WireRunInfo }>("POST", "runs/update", {
      run_id: runId,
      run_uuid: runId,
      status: update.status,
      end_time: update.endTime,
      run_name: update.runName,
    });
    return r.run_info;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.rpc("POST", "runs/delete", { run_id: runId });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.rpc("POST", "runs/restore", { run_id: runId });
  }

  async logMetric(
    runId: string,
    key: string,
    value: number,
    options: { step?: number; timestamp?: number } = {},
  ) {
    await this.rpc("POST", "runs/log-metric", {
      run_id: runId,
      run_uuid: runId,
      key,
      value: toWireDouble(value),
      timestamp: options.timestamp ?? Date.now(),
      step: options.step ?? 0,
    });
  }

  async logParam(runId: string, key: string, value: string): Promise<void> {
    await this.rpc("POST", "runs/log-parameter", { run_id: runId, run_uuid: runId, key, value });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.rpc("POST", "runs/set-tag", { run_id: runId, run_uuid: runId, key, value });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.rpc("POST", "runs/delete-tag", { run_id: runId, key });
  }

  async logBatch(
    runId: string,
    batch: { metrics?: readonly MetricPoint[]; params?: readonly WireTag[]; tags?: readonly WireTag[] },
  ): Promise<void> {
    await this.rpc("POST", "runs/log-batch", {
      run_id: runId,
      metrics: (batch.metrics ?? []).map((m) => ({ ...m, value: toWireDouble(m.value) })),
      params: batch.params ?? [],
      tags: batch.tags ?? [],
    });
  }

  async logInputs(runId: string, datasets: readonly WireDatasetInput[]): Promise<void> {
    await this.rpc("POST", "runs/log-inputs", { run_id: runId, datasets });
  }

  async logModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.rpc("POST", "runs/log-model", { run_id: runId, model_json: JSON.stringify(model) });
  }

  async searchRuns(
    experimentIds: readonly string[],
    options: SearchOptions & { viewType?: ViewType | undefined } = {},
  ): Promise<{ runs: WireRun[]; nextPageToken?: string }> {
    const r = await this.rpc<{ runs?: WireRun[] } & Paged>("POST", "runs/search", {
      experiment_ids: experimentIds,
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
      run_view_type: options.viewType,
    });
    return { runs: r.runs ?? [], ...nextPageOf(r) };
  }

  // ---------------------------------------------------------------- metrics

  /** The whole history of one metric, following page tokens. */
  async getMetricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    const pages = followPages(async (pageToken) => {
      const r = await this.rpc<{ metrics?: WireMetric[] } & Paged>("GET", "metrics/get-history", {
        run_id: runId,
        run_uuid: runId,
        metric_key: key,
        max_results: 25_000,
        page_token: pageToken,
      });
      return { items: r.metrics ?? [], nextPageToken: r.next_page_token };
    });
    for await (const page of pages)
      for (const m of page) points.push({ ...m, value: fromWireDouble(m.value) });
    return points;
  }

  /** Many runs' histories of one metric in a call, downsampled by the server to ≤ maxResults steps. */
  async getMetricHistoryBulkInterval(
    runIds: readonly string[],
    key: string,
    options: { maxResults?: number; startStep?: number; endStep?: number } = {},
  ): Promise<(MetricPoint & { runId: string })[]> {
    const r = await this.rpc<{ metrics?: WireMetricWithRunId[] }>(
      "GET",
      "metrics/get-history-bulk-interval",
      {
        run_ids: runIds,
        metric_key: key,
        max_results: options.maxResults,
        start_step: options.startStep,
        end_step: options.endStep,
      },
    );
    return (r.metrics ?? []).map((m) => ({
      key: m.key,
      value: fromWireDouble(m.value),
      timestamp: m.timestamp,
      step: m.step,
      runId: m.run_id,
    }));
  }

  // ---------------------------------------------------------------- artifacts

  async listArtifacts(runId: string, path?: string): Promise<{ rootUri?: string; files: WireFileInfo[] }> {
    const r = await this.rpc<{ root_uri?: string; files?: WireFileInfo[] }>("GET", "artifacts/list", {
      run_id: runId,
      run_uuid: runId,
      path,
    });
    return { ...(r.root_uri ? { rootUri: r.root_uri } : {}), files: r.files ?? [] };
  }

  /**
   * The proxy path of a run artifact: `mlflow-artifacts:/1/<run>/artifacts` + `model/MLmodel` →
   * `1/<run>/artifacts/model/MLmodel`. Null when the run's artifacts are not served by the server.
   */
  static proxyPath(artifactUri: string, path: string): string | null {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
    if (!m) return null;
    return [m[1], path]
      .filter((p) => p)
      .join("/")
      .replace(/\/{2,}/g, "/");
  }

  async uploadArtifact(
    proxyPath: string,
    body: BodyInit,
    contentType = "application/octet-stream",
  ): Promise<void> {
    const path = `${this.api}/mlflow-artifacts/artifacts/${encodePath(proxyPath)}`;
    const response = await this.transport.send(path, {
      method: "PUT",
      headers: { "content-type": contentType },
      body,
      // A stream cannot be replayed; only retry bodies we hold in memory.
      retry: typeof body === "string" || body instanceof Uint8Array || body instanceof Blob,
      ...({ duplex: "half" } as object),
    });
    await readJson(response, "PUT", path);
  }

  /** Starts a download; the caller reads the body (a stream). */
  async downloadArtifact(proxyPath: string): Promise<Response> {
    const path = `${this.api}/mlflow-artifacts/artifacts/${encodePath(proxyPath)}`;
    const response = await this.transport.send(path, { method: "GET" });
    if (!response.ok) await readJson(response, "GET", path);
    return response;
  }

  async deleteArtifact(proxyPath: string): Promise<void> {
    const path = `${this.api}/mlflow-artifacts/artifacts/${encodePath(proxyPath)}`;
    await readJson(await this.transport.send(path, { method: "DELETE" }), "DELETE", path);
  }

  async listProxyArtifacts(proxyPath?: string): Promise<WireFileInfo[]> {
    const path = `${this.api}/mlflow-artifacts/artifacts${toQueryString({ path: proxyPath })}`;
    const r = await readJson<{ files?: WireFileInfo[] }>(
      await this.transport.send(path, { method: "GET" }),
      "GET",
      path,
    );
    return r.files ?? [];
  }

  // ---------------------------------------------------------------- MLflow 3 logged models, traces

  async getLoggedModel(modelId: string): Promise<WireLoggedModel> {
    const r = await this.rpc<{ model: WireLoggedModel }>(
      "GET",
      `logged-models/${encodeURIComponent(modelId)}`,
    );
    return r.model;
  }

  async searchLoggedModels(
    experimentIds: readonly string[],
    options: SearchOptions = {},
  ): Promise<{ models: WireLoggedModel[]; nextPageToken?: string }> {
    const r = await this.rpc<{ models?: WireLoggedModel[] } & Paged>("POST", "logged-models/search", {
      experiment_ids: experimentIds,
      filter: options.filter,
      // MLflow 3 orders logged models by `{field_name, ascending}` messages, not order_by strings.
      order_by: options.orderBy?.map((term) => {
        const [field, direction] = term.trim().split(/\s+/);
        return { field_name: field, ascending: direction?.toUpperCase() !== "DESC" };
      }),
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return { models: r.models ?? [], ...nextPageOf(r) };
  }

  /** The files and folders directly under `path` of a logged model's artifacts. */
  async listLoggedModelArtifacts(modelId: string, path?: string): Promise<WireFileInfo[]> {
    const r = await this.rpc<{ files?: WireFileInfo[] }>(
      "GET",
      `logged-models/${encodeURIComponent(modelId)}/artifacts/directories`,
      { artifact_directory_path: path },
    );
    return r.files ?? [];
  }

  /** Starts the download of one file of a logged model; the caller reads the body. */
  async downloadLoggedModelArtifact(modelId: string, path: string): Promise<Response> {
    const url = `${this.api}/mlflow/logged-models/${encodeURIComponent(modelId)}/artifacts/files${toQueryString({ artifact_file_path: path })}`;
    const response = await this.transport.send(url, { method: "GET" });
    if (!response.ok) await readJson(response, "GET", url);
    return response;
  }

  async searchTraces(
    experimentIds: readonly string[],
    options: SearchOptions = {},
  ): Promise<{ traces: WireTraceInfo[]; nextPageToken?: string }> {
    const r = await this.rpc<{ traces?: WireTraceInfo[] } & Paged>("GET", "traces", {
      experiment_ids: experimentIds,
      filter: options.filter,
      order_by: options.orderBy,
      max_results: options.maxResults,
      page_token: options.pageToken,
    });
    return { traces: r.traces ?? [], ...nextPageOf(r) };
  }

  /**
   * A trace's data (`{spans, request, response}`), the artifact MLflow's own UI reads through the
   * ajax route; parse it with `parseTraceData`.
   */
  async getTraceData(requestId: string): Promise<unknown> {
    return this.transport.json<unknown>("GET", "/ajax-api/2.0/mlflow/get-trace-artifact", {
      request_id: requestId,
    });
  }

  // ---------------------------------------------------------------- model registry

  async createRegisteredModel(
    name: string,
    options: { description?: string; tags?: Record<string, string> } = {},
  ): Promise<WireRegisteredModel> {
    return (
      await this.rpc<{ registered_model: WireRegisteredModel }>("POST", "registered-models/create", {
        name,
        description: options.description,
        tags: tags(options.tags),
      })
    ).registered_model;
  }

  async getRegisteredModel(name: string): Promise<WireRegisteredModel> {
    return (
      await this.rpc<{ registered_model: WireRegisteredModel }>("GET", "registered-models/get", { name })
    ).registered_model;
  }

  async renameRegisteredModel(name: string, newName: string): Promise<WireRegisteredModel> {
    return (
      await this.rpc<{ registered_model: WireRegisteredModel }>("POST", "registered-models/rename", {
        name,
        new_name: newName,
      })
    ).registered_model;
  }

  async updateRegisteredModel(name: string, description: string): Promise<WireRegisteredModel> {
    return (
      await this.rpc<{ registered_model: WireRegisteredModel }>("PATCH", "registered-models/update", {
        name,
        description,
      })
    ).registered_model;
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.rpc("DELETE", "registered-models/delete", { name });
  }

  async searchRegisteredModels(
    options: SearchOptions = {},
  ): Promise<{ registeredModels: WireRegisteredModel[]; nextPageToken?: string }> {
    const r = await this.rpc<{ registered_models?: WireRegisteredModel[] } & Paged>(
      "GET",
      "registered-models/search",
      {
        filter: options.filter,
        order_by: options.orderBy,
        max_results: options.maxResults,
        page_token: options.pageToken,
      },
    );
    return {
      registeredModels: r.registered_models ?? [],
      ...nextPageOf(r),
    };
  }

  async getLatestVersions(name: string, stages: readonly Stage[] = []): Promise<WireModelVersion[]> {
    const r = await this.rpc<{ model_versions?: WireModelVersion[] }>(
      "POST",
      "registered-models/get-latest-versions",
      {
        name,
        stages,
      },
    );
    return r.model_versions ?? [];
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.rpc("POST", "registered-models/set-tag", { name, key, value });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.rpc("DELETE", "registered-models/delete-tag", { name, key });
  }

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.rpc("POST", "registered-models/alias", { name, alias, version });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.rpc("DELETE", "registered-models/alias", { name, alias });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<WireModelVersion> {
    return (
      await this.rpc<{ model_version: WireModelVersion }>("GET", "registered-models/alias", { name, alias })
    ).model_version;
  }

  async createModelVersion(
    name: string,
    source: string,
    options: { runId?: string; description?: string; tags?: Record<string, string>; runLink?: string } = {},
  ): Promise<WireModelVersion> {
    return (
      await this.rpc<{ model_version: WireModelVersion }>("POST", "model-versions/create", {
        name,
        source,
        run_id: options.runId,
        description: options.description,
        run_link: options.runLink,
        tags: tags(options.tags),
      })
    ).model_version;
  }

  async getModelVersion(name: string, version: string): Promise<WireModelVersion> {
    return (
      await this.rpc<{ model_version: WireModelVersion }>("GET", "model-versions/get", { name, version })
    ).model_version;
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<WireModelVersion> {
    return (
      await this.rpc<{ model_version: WireModelVersion }>("PATCH", "model-versions/update", {
        name,
        version,
        description,
      })
    ).model_version;
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.rpc("DELETE", "model-versions/delete", { name, version });
  }

  async searchModelVersions(
    options: SearchOptions = {},
  ): Promise<{ modelVersions: WireModelVersion[]; nextPageToken?: string }> {
    const r = await this.rpc<{ model_versions?: WireModelVersion[] } & Paged>(
      "GET",
      "model-versions/search",
      {
        filter: options.filter,
        order_by: options.orderBy,
        max_results: options.maxResults,
        page_token: options.pageToken,
      },
    );
    return {
      modelVersions: r.model_versions ?? [],
      ...nextPageOf(r),
    };
  }

  async transitionModelVersionStage(
    name: string,
    version: string,
    stage: Stage,
    archiveExistingVersions = false,
  ): Promise<WireModelVersion> {
    return (
      await this.rpc<{ model_version: WireModelVersion }>("POST", "model-versions/transition-stage", {
        name,
        version,
        stage,
        archive_existing_versions: archiveExistingVersions,
      })
    ).model_version;
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    return (
      await this.rpc<{ artifact_uri: string }>("GET", "model-versions/get-download-uri", { name, version })
    ).artifact_uri;
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.rpc("POST", "model-versions/set-tag", { name, version, key, value });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.rpc("DELETE", "model-versions/delete-tag", { name, version, key });
  }
}
