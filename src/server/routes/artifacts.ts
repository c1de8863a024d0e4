// The mlflow-artifacts proxy (reference §5) and the UI's download/upload helpers (§6): files stream
// straight between the client and the artifact store, never buffered whole.
import { Readable, Transform } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { lookup } from "mime-types";
import { safeArtifactPath } from "../../artifacts/safe-path.js";
import type { ArtifactStore } from "../../artifacts/store.js";
import { invalidParameter, MlflowError, notFound } from "../../store/errors.js";
import { TRACE_DATA_FILE } from "../../store/trace-types.js";
import { Fields, parseJsonBody, queryToObject } from "../request.js";
import type { ServerContext } from "../rpc.js";
import {
  resolveLoggedModelArtifacts,
  resolveModelVersionArtifacts,
  resolveRunArtifacts,
  resolveTraceArtifacts,
} from "./run-artifacts.js";
import { checkTraceData } from "./traces.js";

const UI_UPLOAD_LIMIT = 10 * 1024 * 1024;
/** A trace's spans as MLflow's clients upload them: `<experiment>/traces/<request id>/artifacts/traces.json`. */
const TRACE_DATA_PATH = /^(\d+)\/traces\/([^/]+)\/artifacts\/traces\.json$/;
/** Trace data is checked whole before it is stored (spans carry LLM prompts and answers: allow many). */
const TRACE_DATA_LIMIT = 64 * 1024 * 1024;

function notServing(): MlflowError {
  return new MlflowError(
    "TEMPORARILY_UNAVAILABLE",
    "This server does not serve artifacts (started with --no-serve-artifacts); clients write to the artifact store directly.",
    503,
  );
}

const markerPatterns = new Map<string, RegExp>();

/**
 * The artifact path after `marker` (the route's fixed part, `…/artifacts/`) in the URL. The router
 * merges repeated slashes, so the fixed part may have them too; the path after it is taken as sent, so
 * `artifacts//etc/x` stays the absolute path it looks like and is refused.
 */
function requirePath(request: FastifyRequest, marker: string): string {
  let pattern = markerPatterns.get(marker);
  if (!pattern) {
    const parts = marker.split("/").filter((p) => p !== "");
    pattern = new RegExp(`^/+${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("/+")}/`);
    markerPatterns.set(marker, pattern);
  }
  const url = (request.raw.url ?? "").split("?")[0] ?? "";
  const found = pattern.exec(url);
  return safeArtifactPath(found ? url.slice(found[0].length) : "");
}

type Level = "READ" | "EDIT";

/**
 * Proxied paths are `<experiment id>/<run id>/artifacts/…` (or, MLflow 3, `<experiment id>/models/
 * <model id>/artifacts/…`; a trace's data, `<experiment id>/traces/<request id>/artifacts/…`): the
 * caller needs the permission on the experiment the path names and, below it, on the run, model or
 * trace (an id under another experiment's folder does not lend that experiment's rights). Anything
 * else is for admins.
 */
async function authorizePath(
  ctx: ServerContext,
  request: FastifyRequest,
  path: string,
  level: Level,
): Promise<void> {
  if (!ctx.auth) return;
  const user = await ctx.auth.authenticate(request);
  if (user.isAdmin) return;
  const [experiment, run, model] = path.split("/");
  if (!experiment || !/^\d+$/.test(experiment)) {
    throw new MlflowError(
      "PERMISSION_DENIED",
      "Permission denied: only admins may access the artifact root.",
    );
  }
  await ctx.auth.requireExperiment(user, experiment, level);
  if (run === "traces" && model) {
    // The third segment is a trace's request id here; traces have no permissions of their own.
    if ((await ctx.store.getTraceExperimentId(model).catch(() => null)) !== experiment) {
      throw new MlflowError(
        "PERMISSION_DENIED",
        `Permission denied: ${model} is not a trace of experiment ${experiment}.`,
      );
    }
  } else if (run === "models" && model) {
    if ((await ctx.store.getLoggedModelExperimentId(model).catch(() => null)) !== experiment) {
      throw new MlflowError(
        "PERMISSION_DENIED",
        `Permission denied: ${model} is not a logged model of experiment ${experiment}.`,
      );
    }
  } else if (run) {
    if ((await ctx.store.getRunExperimentId(run).catch(() => null)) !== experiment) {
      throw new MlflowError(
        "PERMISSION_DENIED",
        `Permission denied: ${run} is not a run of experiment ${experiment}.`,
      );
    }
    await ctx.auth.requireRun(user, run, level);
  }
}

async function authorizeRun(
  ctx: ServerContext,
  request: FastifyRequest,
  runId: string,
  level: Level,
): Promise<void> {
  if (!ctx.auth) return;
  const user = await ctx.auth.authenticate(request);
  await ctx.auth.requireRun(user, runId, level);
}

function query(request: FastifyRequest): Fields {
  const url = request.raw.url ?? "";
  const q = url.indexOf("?");
  return new Fields(queryToObject(q >= 0 ? url.slice(q + 1) : ""));
}

/** Content headers that let the UI preview safely: a real type, no sniffing, HTML sandboxed. */
export function sendFile(reply: FastifyReply, path: string, file: { stream: Readable; size: number }) {
  const name = path.split("/").at(-1) ?? "artifact";
  const type = lookup(name) || "application/octet-stream";
  const textual = type.startsWith("text/") || type === "application/json" || type.endsWith("+json");
  reply
    .header("content-type", textual ? `${type}; charset=utf-8` : type)
    .header("content-length", String(file.size))
    .header(
      "content-disposition",
      `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    )
    .header("x-content-type-options", "nosniff");
  if (type === "text/html" || type === "image/svg+xml") reply.header("content-security-policy", "sandbox");
  return reply.send(file.stream);
}

/** Counts bytes as they pass and fails the stream beyond a limit. */
function limit(bytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > bytes) done(invalidParameter(`Uploads through this route are limited to ${bytes} bytes.`));
      else done(null, chunk);
    },
  });
}

export function registerArtifactRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  prefixes: readonly string[],
): void {
  app.register(async (scope) => {
    // Raw bodies: uploads stream from the request into the store.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser("*", (_request, _payload, done) => done(null));

    const store = (): ArtifactStore => {
      if (!ctx.artifacts) throw notServing();
      return ctx.artifacts;
    };

    for (const prefix of prefixes) {
      const base = `${prefix}/mlflow-artifacts`;
      const marker = `${base}/artifacts/`;

      scope.get(`${base}/artifacts/*`, async (request, reply) => {
        const path = requirePath(request, marker);
        await authorizePath(ctx, request, path, "READ");
        const file = await store().read(path);
        if (!file) throw notFound(`Artifact '${path}' not found`);
        return sendFile(reply, path, file);
      });

      scope.put(`${base}/artifacts/*`, async (request, reply) => {
        const path = requirePath(request, marker);
        if (path === "") throw invalidParameter("A file path is required to upload an artifact.");
        await authorizePath(ctx, request, path, "EDIT");
        const trace = TRACE_DATA_PATH.exec(path);
        if (trace) {
          // A trace's spans: only for a trace of that experiment, and only well-formed, so that no
          // client later reads back what it cannot parse.
          const text = await readText(request.raw, TRACE_DATA_LIMIT);
          const [, experiment, requestId] = trace as unknown as [string, string, string];
          if ((await ctx.store.getTraceExperimentId(requestId)) !== experiment) {
            throw notFound(`Trace with request_id '${requestId}' not found in experiment ${experiment}.`);
          }
          checkTraceData(text);
          await store().write(path, Readable.from([Buffer.from(text, "utf8")]));
        } else {
          await store().write(path, request.raw);
        }
        return reply.type("application/json").send({});
      });

      scope.delete(`${base}/artifacts/*`, async (request, reply) => {
        const path = requirePath(request, marker);
        if (path === "") throw invalidParameter("Refusing to delete the whole artifact root.");
        await authorizePath(ctx, request, path, "EDIT");
        await store().delete(path);
        return reply.type("application/json").send({});
      });

      scope.get(`${base}/artifacts`, async (request, reply) => {
        const path = safeArtifactPath(query(request).optionalString("path") ?? "");
        await authorizePath(ctx, request, path, "READ");
        const entries = await store().list(path);
        const files = entries.map((e) =>
          e.isDir ? { path: e.name, is_dir: true } : { path: e.name, is_dir: false, file_size: e.size },
        );
        return reply.type("application/json").send(files.length > 0 ? { files } : {});
      });

      for (const action of ["create", "complete", "abort"] as const) {
        scope.post(`${base}/mpu/${action}/*`, async (request, reply) => {
          const dir = requirePath(request, `${base}/mpu/${action}/`);
          await authorizePath(ctx, request, dir, "EDIT");
          const multipart = store().multipart;
          if (!multipart) {
            throw new MlflowError(
              "NOT_IMPLEMENTED",
              "Multipart upload is not supported for the current artifact repository",
            );
          }
          const body = new Fields(parseJsonBody(await readText(request.raw, 1024 * 1024)));
          const file = safeArtifactPath([dir, body.string("path")].filter((p) => p).join("/"));
          if (action === "create") {
            const parts = body.optionalInt("num_parts") ?? 1;
            if (parts < 1 || parts > 10_000) throw invalidParameter("num_parts must be between 1 and 10000.");
            const created = await multipart.create(file, parts);
            return reply.type("application/json").send({
              upload_id: created.uploadId,
              credentials: created.credentials.map((c) => ({
                url: c.url,
                part_number: c.partNumber,
                headers: c.headers,
              })),
            });
          }
          const uploadId = body.string("upload_id");
          if (action === "abort") await multipart.abort(file, uploadId);
          else {
            const parts = body
              .messages("parts")
              .map((p) => ({ partNumber: p.int("part_number"), etag: p.string("etag") }));
            await multipart.complete(file, uploadId, parts);
          }
          return reply.type("application/json").send({});
        });
      }
    }

    // A file of an MLflow 3 logged model (what MLflow's UI downloads), under both API prefixes.
    for (const prefix of prefixes) {
      scope.get(`${prefix}/mlflow/logged-models/:model_id/artifacts/files`, async (request, reply) => {
        const modelId = (request.params as { model_id: string }).model_id;
        const path = safeArtifactPath(query(request).string("artifact_file_path"));
        if (ctx.auth) {
          const user = await ctx.auth.authenticate(request);
          await ctx.auth.requireLoggedModel(user, modelId, "READ");
        }
        const { store: modelStore, base } = await resolveLoggedModelArtifacts(ctx, modelId);
        const file = await modelStore.read([base, path].filter((p) => p).join("/"));
        if (!file) throw notFound(`Artifact '${path}' not found in logged model ${modelId}`);
        return sendFile(reply, path, file);
      });
    }

    // The spans of a trace, as MLflow's UI downloads them (`get-trace-artifact?request_id=…`).
    for (const prefix of prefixes) {
      scope.get(`${prefix}/mlflow/get-trace-artifact`, async (request, reply) => {
        const requestId = query(request).string("request_id");
        if (ctx.auth) {
          const user = await ctx.auth.authenticate(request);
          await ctx.auth.requireTrace(user, requestId, "READ");
        }
        const { store: traceStore, base } = await resolveTraceArtifacts(ctx, requestId);
        const file = await traceStore.read([base, TRACE_DATA_FILE].filter((p) => p).join("/"));
        if (!file) throw notFound(`Trace data of request_id '${requestId}' not found.`);
        // MLflow's exact headers (its REST tests compare the disposition as a string).
        return reply
          .header("content-type", "application/octet-stream")
          .header("content-length", String(file.size))
          .header("content-disposition", `attachment; filename=${TRACE_DATA_FILE}`)
          .header("x-content-type-options", "nosniff")
          .send(file.stream);
      });
    }

    // The UI's helpers: download a run's artifact, upload a small file to a run.
    scope.get("/get-artifact", async (request, reply) => {
      const q = query(request);
      const runId = q.has("run_id") ? q.string("run_id") : q.string("run_uuid");
      const path = safeArtifactPath(q.string("path"));
      await authorizeRun(ctx, request, runId, "READ");
      const { store: runStore, base } = await resolveRunArtifacts(ctx, runId);
      const file = await runStore.read([base, path].filter((p) => p).join("/"));
      if (!file) throw notFound(`Artifact '${path}' not found in run ${runId}`);
      return sendFile(reply, path, file);
    });

    // A file of a registered model version, from its storage location (MLflow's UI downloads it). As in
    // MLflow, the path is checked before the version is looked up (an anonymous caller is refused first).
    scope.get("/model-versions/get-artifact", async (request, reply) => {
      const user = ctx.auth ? await ctx.auth.authenticate(request) : null;
      const q = query(request);
      const path = safeArtifactPath(q.string("path"));
      const name = q.optionalString("name");
      if (!name) throw invalidParameter("Registered model name cannot be empty.");
      const version = q.id("version");
      if (ctx.auth && user) await ctx.auth.requireModel(user, name, "READ");
      const { store: versionStore, base } = await resolveModelVersionArtifacts(ctx, name, version);
      const file = await versionStore.read([base, path].filter((p) => p).join("/"));
      if (!file) throw notFound(`Artifact '${path}' not found in version ${version} of model '${name}'`);
      return sendFile(reply, path, file);
    });

    scope.post("/ajax-api/2.0/mlflow/upload-artifact", async (request, reply) => {
      // MLflow's messages, in MLflow's order: the UI shows them as they are.
      const q = query(request);
      const runId = q.optionalString("run_uuid");
      if (!runId) throw invalidParameter("Request must specify run_uuid.");
      const given = q.optionalString("path");
      if (!given) throw invalidParameter("Request must specify path.");
      const path = safeArtifactPath(given);
      if (path === "") throw invalidParameter("Request must specify path.");
      const declared = Number(request.headers["content-length"] ?? "0");
      if (declared > UI_UPLOAD_LIMIT) throw invalidParameter("Artifact size is too large. Max size is 10MB.");
      if (!(declared > 0)) throw invalidParameter("Request must specify data.");
      await authorizeRun(ctx, request, runId, "EDIT");
      const { store: runStore, base } = await resolveRunArtifacts(ctx, runId);
      await runStore.write([base, path].filter((p) => p).join("/"), request.raw.pipe(limit(UI_UPLOAD_LIMIT)));
      return reply.type("application/json").send({});
    });
  });
}

async function readText(stream: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) throw invalidParameter(`The request body is larger than ${max} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
