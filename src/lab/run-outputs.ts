// What a run made besides its own data, as MLflow 3 keeps it: logged models (outside the run's artifact
// tree since MLflow 3) and traces. No DOM: run details renders it, and the unit tests drive it against a
// real server. A server without these endpoints (MLflow 2, or Labtrack before them) is "unsupported",
// which the view shows as a quiet line, not as an error.
import { MlflowApiError } from "../client/errors.js";
import type { RestClient } from "../client/rest.js";
import { parseTraceData, type TraceTree } from "../client/trace-data.js";
import type { WireFileInfo, WireLoggedModel, WireRun, WireTraceInfo } from "../client/wire.js";
import { describeError, type Problem } from "./describe-error.js";

/** What the outputs need of the client: a TrackingConnection's client fits as is. */
export type OutputsClient = Pick<
  RestClient,
  "getLoggedModel" | "searchLoggedModels" | "listLoggedModelArtifacts" | "searchTraces" | "getTraceData"
>;

export type Listing<T> =
  | { kind: "ok"; items: T[]; more: boolean }
  | { kind: "unsupported" }
  | { kind: "error"; problem: Problem };

export type Loaded<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** Logged models and traces shown at most; beyond, the view says there are more. */
export const MAX_MODELS = 100;
export const MAX_TRACES = 100;

/** MLflow's trace tag holding the trace's name (the root span's). */
export const TRACE_NAME_TAG = "mlflow.traceName";

/** The server has no such endpoint: it predates MLflow 3 (logged models) or MLflow 2.14 (traces). */
const unsupported = (e: unknown): boolean =>
  e instanceof MlflowApiError &&
  (e.errorCode === "ENDPOINT_NOT_FOUND" || (e.status === 404 && e.errorCode !== "RESOURCE_DOES_NOT_EXIST"));

const quote = (value: string): string => `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export class RunOutputs {
  constructor(
    private readonly client: OutputsClient,
    private readonly uri: string,
  ) {}

  /**
   * The run's logged models: those it declared as outputs (`runs/outputs`) and those created with it
   * as their source run — MLflow 3's `log_model` does both, other clients may do either.
   */
  async loggedModels(run: WireRun): Promise<Listing<WireLoggedModel>> {
    const runId = run.info.run_id;
    try {
      const { models, nextPageToken } = await this.client.searchLoggedModels([run.info.experiment_id], {
        filter: `source_run_id = ${quote(runId)}`,
        orderBy: ["creation_timestamp ASC"],
        maxResults: MAX_MODELS,
      });
      const found = new Set(models.map((m) => m.info.model_id));
      // Outputs created elsewhere (another run's model evaluated here) are fetched one by one.
      const others = (run.outputs?.model_outputs ?? [])
        .map((o) => o.model_id)
        .filter((id, i, all) => !found.has(id) && all.indexOf(id) === i)
        .slice(0, MAX_MODELS);
      const extra = await Promise.all(
        others.map((id) =>
          this.client.getLoggedModel(id).catch((e: unknown) => {
            // A deleted output is simply not shown; anything else is a problem to report.
            if (e instanceof MlflowApiError && e.errorCode === "RESOURCE_DOES_NOT_EXIST") return null;
            throw e;
          }),
        ),
      );
      const items = [...models, ...extra.filter((m): m is WireLoggedModel => m !== null)];
      return { kind: "ok", items, more: nextPageToken !== undefined };
    } catch (e) {
      if (unsupported(e)) return { kind: "unsupported" };
      return { kind: "error", problem: describeError(e, this.uri) };
    }
  }

  /** The traces recorded under the run (MLflow tags them with `mlflow.sourceRun`), newest first. */
  async traces(run: WireRun): Promise<Listing<WireTraceInfo>> {
    try {
      const { traces, nextPageToken } = await this.client.searchTraces([run.info.experiment_id], {
        filter: `metadata.mlflow.sourceRun = ${quote(run.info.run_id)}`,
        orderBy: ["timestamp_ms DESC"],
        maxResults: MAX_TRACES,
      });
      return { kind: "ok", items: traces, more: nextPageToken !== undefined };
    } catch (e) {
      if (unsupported(e)) return { kind: "unsupported" };
      return { kind: "error", problem: describeError(e, this.uri) };
    }
  }

  /** One trace's spans as a tree (read when the trace is opened). */
  async traceTree(requestId: string): Promise<Loaded<TraceTree>> {
    return this.attempt(async () => parseTraceData(await this.client.getTraceData(requestId)));
  }

  /** The files and folders directly under `path` of a logged model's artifacts, folders first. */
  async modelFiles(modelId: string, path = ""): Promise<Loaded<WireFileInfo[]>> {
    return this.attempt(async () =>
      foldersFirst(await this.client.listLoggedModelArtifacts(modelId, path || undefined)),
    );
  }

  private async attempt<T>(work: () => Promise<T>): Promise<Loaded<T>> {
    try {
      return { ok: true, value: await work() };
    } catch (e) {
      return { ok: false, problem: describeError(e, this.uri) };
    }
  }
}

/** An artifact listing as the browsers show it: folders first, then by path. */
export const foldersFirst = (files: readonly WireFileInfo[]): WireFileInfo[] =>
  [...files].sort(
    (a, b) => Number(Boolean(b.is_dir)) - Number(Boolean(a.is_dir)) || a.path.localeCompare(b.path),
  );

export const traceName = (trace: WireTraceInfo): string =>
  trace.tags?.find((t) => t.key === TRACE_NAME_TAG)?.value || trace.request_id;
