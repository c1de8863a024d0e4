// Where a run's artifacts are: `mlflow-artifacts:/…` URIs live in the server's own artifact store;
// any other artifact URI (a directory, s3://…) is opened as a store of its own.
import { openArtifactStore } from "../../artifacts/open.js";
import { safeArtifactPath } from "../../artifacts/safe-path.js";
import type { ArtifactStore } from "../../artifacts/store.js";
import { invalidParameter, MlflowError, notFound } from "../../store/errors.js";
import { TRACE_ARTIFACT_LOCATION_TAG } from "../../store/trace-types.js";
import type { ServerContext } from "../rpc.js";

export async function resolveRunArtifacts(
  ctx: ServerContext,
  runId: string,
): Promise<{ store: ArtifactStore; base: string; rootUri: string }> {
  const run = await ctx.store.getRun(runId);
  return resolveArtifactRoot(ctx, run.info.artifactUri, `run ${runId}`);
}

/** The same for an MLflow 3 logged model, whose files live at `<experiment root>/models/<id>/artifacts`. */
export async function resolveLoggedModelArtifacts(
  ctx: ServerContext,
  modelId: string,
): Promise<{ store: ArtifactStore; base: string; rootUri: string }> {
  const model = await ctx.store.getLoggedModel(modelId);
  return resolveArtifactRoot(ctx, model.artifactLocation, `logged model ${modelId}`);
}

/** The same for a registered model version: its storage location (`get-download-uri`). */
export async function resolveModelVersionArtifacts(
  ctx: ServerContext,
  name: string,
  version: string,
): Promise<{ store: ArtifactStore; base: string; rootUri: string }> {
  const location = await ctx.registry.getDownloadUri(name, version);
  return resolveArtifactRoot(ctx, location, `version ${version} of model '${name}'`);
}

/** The same for a trace's data (`traces.json`), in its `mlflow.artifactLocation`. */
export async function resolveTraceArtifacts(
  ctx: ServerContext,
  requestId: string,
): Promise<{ store: ArtifactStore; base: string; rootUri: string }> {
  const info = await ctx.store.getTraceInfo(requestId);
  const location = info.tags.find((t) => t.key === TRACE_ARTIFACT_LOCATION_TAG)?.value;
  if (location === undefined)
    throw notFound(`Trace with request_id '${requestId}' has no artifact location.`);
  return resolveArtifactRoot(ctx, location, `trace ${requestId}`);
}

async function resolveArtifactRoot(
  ctx: ServerContext,
  rootUri: string,
  owner: string,
): Promise<{ store: ArtifactStore; base: string; rootUri: string }> {
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(rootUri);
  if (proxied) {
    if (!ctx.artifacts) {
      throw new MlflowError(
        "TEMPORARILY_UNAVAILABLE",
        "This server does not serve artifacts (--no-serve-artifacts).",
        503,
      );
    }
    return { store: ctx.artifacts, base: safeArtifactPath(proxied[1] as string), rootUri };
  }
  try {
    return { store: await openArtifactStore(rootUri), base: "", rootUri };
  } catch (e) {
    throw invalidParameter(`Cannot read the artifacts of ${owner}: ${(e as Error).message}`);
  }
}
