// Where a new model version's files are, and whether the source given is safe (reference §4.2).
// MLflow has had path-traversal CVEs here: sources are decoded repeatedly and must stay normalized.
import { isAbsolute, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { invalidParameter } from "../../store/errors.js";
import type { ServerContext } from "../rpc.js";

/**
 * Python's `urllib.parse.unquote`: each run of `%XX` escapes decoded as UTF-8 (invalid bytes become
 * U+FFFD), and a `%` that starts no escape (`100%`, `%zz`) left as it is, as MLflow leaves it.
 */
const unquote = (text: string): string =>
  text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ""), "hex").toString("utf8"));

function decodeRepeatedly(text: string): string {
  let current = text;
  for (let i = 0; i < 10; i++) {
    const next = unquote(current);
    if (next === current) return current;
    current = next;
  }
  throw invalidParameter(`Invalid model version source '${text}': too many levels of percent-encoding.`);
}

/** MLflow's message for a remote source with relative references, which clients match on. */
const relativeReference = (source: string, why: string) =>
  invalidParameter(
    `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path. (${why})`,
  );

/** MLflow's message for a local path it does not accept, with what was wrong. */
const localPathRefused = (source: string, why: string) =>
  invalidParameter(
    `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id. (${why})`,
  );

function checkRemotePath(source: string, path: string): void {
  const decoded = decodeRepeatedly(path);
  if (decoded.includes("\0")) throw relativeReference(source, "it contains a NUL byte");
  // Stricter than MLflow on Linux, which takes a backslash as a plain character: on Windows it is a
  // separator, so it could hide a `..`.
  if (decoded.includes("\\"))
    throw invalidParameter(`Invalid model version source '${source}': backslashes are not allowed.`);
  if (decoded.split("/").some((s) => s === "..")) throw relativeReference(source, "'..' is not allowed");
  const collapsed = decoded.replace(/\/{2,}/g, "/");
  if (collapsed !== "" && normalize(collapsed) !== collapsed && `${normalize(collapsed)}/` !== collapsed) {
    throw relativeReference(source, "the path is not normalized");
  }
}

const isLocal = (uri: string): boolean => uri.startsWith("file:") || !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri);

/** A `file:` URI naming another host (or no valid one) is no local path: a 400, never a crash. */
function localPath(uri: string): string {
  if (!uri.startsWith("file:")) return uri;
  try {
    return fileURLToPath(uri);
  } catch {
    throw invalidParameter(
      `Invalid model version source '${uri}': it is not a valid remote uri nor a local path of this server. For remote access, use a scheme such as s3:// or smb://<hostname>/<path>.`,
    );
  }
}

/**
 * A version's source when MLflow 3 registers a logged model: `models:/<model_id>` (with or without the
 * `model_id` field), or a location inside that model's artifacts (with it). The files are the model's
 * artifacts and the run is the one that made the model, unless the request names one.
 */
export async function resolveVersionSource(
  source: string,
  runId: string | null,
  modelId: string | null,
  ctx: ServerContext,
): Promise<{ storageLocation: string; runId: string | null; modelId: string | null }> {
  const logged = /^models:\/([^/@]+)\/?$/.exec(source);
  if (logged) {
    const id = logged[1] as string;
    if (modelId !== null && modelId !== id) {
      throw invalidParameter(
        `Invalid model version source '${source}': it names logged model '${id}' but model_id is '${modelId}'.`,
      );
    }
    const model = await ctx.store.getLoggedModel(id);
    return { storageLocation: model.artifactLocation, runId: runId ?? model.sourceRunId, modelId: id };
  }
  if (modelId === null)
    return { storageLocation: await resolveModelSource(source, runId, ctx), runId, modelId };
  const model = await ctx.store.getLoggedModel(modelId);
  const root = model.artifactLocation.replace(/\/+$/, "");
  if (source !== root && !source.startsWith(`${root}/`)) {
    throw invalidParameter(
      `Invalid model version source '${source}': a version of logged model '${modelId}' must come from models:/${modelId} or from its artifact location '${root}'.`,
    );
  }
  checkRemotePath(source, source.slice(root.length));
  return { storageLocation: source, runId: runId ?? model.sourceRunId, modelId };
}

export async function resolveModelSource(
  source: string,
  runId: string | null,
  { store, registry }: ServerContext,
): Promise<string> {
  const runs = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source);
  if (runs) {
    const path = runs[2] ?? "";
    checkRemotePath(source, path);
    const run = await store.getRun(runs[1] as string);
    return path ? `${run.info.artifactUri}/${path}` : run.info.artifactUri;
  }
  const models = /^models:\/([^/@]+)(?:\/(\d+)|@([^/]+))\/?$/.exec(source);
  if (models) {
    const [, name, version, alias] = models as unknown as [
      string,
      string,
      string | undefined,
      string | undefined,
    ];
    if (alias !== undefined)
      return registry.getDownloadUri(name, (await registry.getVersionByAlias(name, alias)).version);
    return registry.getDownloadUri(name, version as string);
  }
  if (source.startsWith("models:")) {
    throw invalidParameter(
      `Invalid model version source '${source}': expected models:/<name>/<version> or models:/<name>@<alias>.`,
    );
  }
  if (isLocal(source)) {
    // A local path is only accepted inside the run's own local artifact directory.
    if (!runId) throw localPathRefused(source, "no run_id was given");
    const run = await store.getRun(runId);
    const root = run.info.artifactUri;
    if (!isLocal(root)) {
      throw localPathRefused(source, `the run's artifacts are not stored locally but at '${root}'`);
    }
    const decoded = decodeRepeatedly(localPath(source));
    if (decoded.includes("\0")) throw localPathRefused(source, "it contains a NUL byte");
    const rel = relative(normalize(localPath(root)), normalize(decoded));
    if (rel === ".." || rel.startsWith("../") || isAbsolute(rel)) {
      throw localPathRefused(source, `it is outside the artifact directory of run ${runId}, '${root}'`);
    }
    return source;
  }
  const schemeEnd = source.indexOf(":");
  checkRemotePath(source, source.slice(schemeEnd + 1).replace(/^\/\/[^/]*/, ""));
  return source;
}
