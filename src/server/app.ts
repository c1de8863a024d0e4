// The HTTP application: MLflow's RPC routes under both API prefixes, health and version, and one error
// shape for everything that goes wrong.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { Duplex, Writable } from "node:stream";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import type { ArtifactStore } from "../artifacts/store.js";
import { LoginLockedError } from "../auth/authenticator.js";
import type { Authorizer } from "../auth/authorizer.js";
import { type Rule, ruleFor } from "../auth/rules.js";
import { SearchError } from "../search/index.js";
import { MlflowError } from "../store/errors.js";
import type { RegistryStore } from "../store/registry-types.js";
import type { TrackingStore } from "../store/types.js";
import { VERSION } from "../version.js";
import { HOME_CSP, homePage } from "./home-page.js";
import { type HostGuardOptions, installHostGuard } from "./host-guard.js";
import { installObservability, noteCause, type PoolStats } from "./observe.js";
import { Fields, parseJsonBody, queryToObject } from "./request.js";
import { artifactListRoutes } from "./routes/artifact-list.js";
import { registerArtifactRoutes } from "./routes/artifacts.js";
import { experimentRoutes } from "./routes/experiments.js";
import { loggedModelRoutes } from "./routes/logged-models.js";
import { metricRoutes } from "./routes/metrics.js";
import { registryRoutes } from "./routes/registry.js";
import { runRoutes } from "./routes/runs.js";
import { traceRoutes } from "./routes/traces.js";
import { userRoutes } from "./routes/users.js";
import type { HttpMethod, RpcRoute, ServerContext } from "./rpc.js";

const MAX_HEADER_BYTES = 256 * 1024;

/** Requests Node refuses before they reach a route (headers too big, too slow) still get MLflow's shape. */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [431, `Request headers are larger than ${MAX_HEADER_BYTES} bytes.`]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "The request took too long to arrive."]
        : [400, "Malformed HTTP request."];
  const body = JSON.stringify({
    error_code: status === 408 ? "REQUEST_LIMIT_EXCEEDED" : "BAD_REQUEST",
    message,
  });
  socket.end(
    `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request"}\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

export const API_PREFIXES = ["/api/2.0", "/ajax-api/2.0"] as const;
const ALL_METHODS: readonly HttpMethod[] = ["GET", "POST", "PATCH", "DELETE"];

export interface AppOptions {
  store: TrackingStore;
  registry: RegistryStore;
  artifacts?: ArtifactStore | null;
  auth?: Authorizer | null;
  hostGuard?: HostGuardOptions;
  /** Largest accepted request body, in bytes. */
  bodyLimit?: number;
  logger?: boolean;
  /** One JSON line per request (`--access-log`); none when absent. */
  accessLog?: Writable | null;
  /** Where the error line of every answer of 500 and more goes (default stderr). */
  errorLog?: Writable;
  /** Serve Prometheus' `GET /metrics` (`--expose-prometheus`). */
  exposeMetrics?: boolean;
  /** The database, for `/health/ready` and the pool's metrics. */
  database?: { ping(): Promise<void>; pool?: (() => PoolStats) | undefined };
  /** JupyterLab's base URL (`--lab-url`): the run page links to it. */
  labUrl?: string | null;
}

export const RPC_ROUTES: readonly RpcRoute[] = [
  ...experimentRoutes,
  ...runRoutes,
  ...metricRoutes,
  ...registryRoutes,
  ...artifactListRoutes,
  ...loggedModelRoutes,
  ...traceRoutes,
  ...userRoutes,
];

// A route without an authorization rule would be open to everyone once auth is on: refuse to start.
for (const route of RPC_ROUTES) {
  for (const method of route.methods) {
    if (!ruleFor(route.path, method)) throw new Error(`no authorization rule for ${method} ${route.path}`);
  }
}

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type("application/json").send({ error_code: code, message });
}

/** JSON content type check for POST and PUT, as MLflow does it (reference §1.3). */
function checkContentType(request: FastifyRequest): void {
  if (request.method !== "POST") return;
  const header = request.headers["content-type"];
  // What every client sends: no need to split and lower-case it.
  if (header === "application/json") return;
  if (header === undefined) {
    throw new MlflowError("INVALID_PARAMETER_VALUE", "Bad Request. Content-Type header is missing.");
  }
  const mediaType = header.split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `Bad Request. Content-Type must be "application/json", got "${header}".`,
    );
  }
}

/**
 * The request's fields. `withParams`: the route has path parameters (`/logged-models/:model_id`), which
 * are fields like the others and win over the body; the other routes skip the copy.
 */
function decode(request: FastifyRequest, withParams: boolean): Fields {
  const queryAt = request.url.indexOf("?");
  if (request.method === "GET" && queryAt >= 0 && queryAt < request.url.length - 1) {
    const query = queryToObject(request.url.slice(queryAt + 1));
    return new Fields(withParams ? { ...query, ...(request.params as Record<string, string>) } : query);
  }
  checkContentType(request);
  const body = parseJsonBody(typeof request.body === "string" ? request.body : "");
  return new Fields(withParams ? { ...body, ...(request.params as Record<string, string>) } : body);
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 32 * 1024 * 1024,
    // Clients keep connections alive between calls; keep them open longer than typical client pools.
    keepAliveTimeout: 75_000,
    return503OnClosing: true,
    // MLflow clients send long query strings (run id lists, filters): accept 64 kB and more.
    serverFactory: (handler) => {
      const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, handler);
      server.on("clientError", answerClientError);
      return server;
    },
    // Unique across processes, so that a line of one worker's log is never confused with another's.
    genReqId: () => randomUUID(),
    // Repeated slashes are one, as in MLflow's router (Werkzeug merges them: leading ones silently,
    // inner ones by a redirect to the merged path); MLflow's own tests call `//model-versions/…`.
    routerOptions: { ignoreDuplicateSlashes: true, ignoreTrailingSlash: false, maxParamLength: 1000 },
  });
  const ctx: ServerContext = {
    store: options.store,
    registry: options.registry,
    artifacts: options.artifacts ?? null,
    auth: options.auth ?? null,
  };
  if (options.hostGuard) installHostGuard(app, options.hostGuard);

  // Bodies are read as text and decoded per route, so that a wrong or missing Content-Type gets
  // MLflow's error instead of a generic 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => done(null, body));

  const metrics = installObservability(app, {
    accessLog: options.accessLog ?? null,
    errorLog: options.errorLog,
    metrics: options.exposeMetrics,
    pool: options.database?.pool,
    userOf: (request) => ctx.auth?.callerOf(request)?.username,
  });

  app.setErrorHandler((error: FastifyError | MlflowError | SearchError, request, reply) => {
    // The error line (observe.ts) of a 5xx says why; a 4xx is the caller's and has its answer.
    noteCause(request, error);
    if (error instanceof MlflowError || error instanceof SearchError) {
      const status = error instanceof MlflowError ? error.status : 400;
      if (error.code === "UNAUTHENTICATED") reply.header("www-authenticate", 'Basic realm="Labtrack"');
      if (error instanceof LoginLockedError) reply.header("retry-after", String(error.retryAfter));
      return sendError(reply, status, error.code, error.message);
    }
    const status = (error as FastifyError).statusCode;
    if (status === 413) {
      return sendError(reply, 413, "INVALID_PARAMETER_VALUE", `Request body is too large: ${error.message}`);
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return sendError(reply, status, "BAD_REQUEST", error.message);
    }
    const code = (error as { code?: string }).code;
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
      return sendError(reply, 503, "TEMPORARILY_UNAVAILABLE", "The database is busy; retry the request.");
    }
    return sendError(reply, 500, "INTERNAL_ERROR", `Internal error: ${error.message}`);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      404,
      "ENDPOINT_NOT_FOUND",
      `No API endpoint ${request.method} ${request.url.split("?")[0]}`,
    ),
  );

  // Liveness and readiness are open to everyone (load balancers and probes do not log in): they say
  // only whether the process is up and whether its database answers; the cause goes to the error log.
  app.get("/health", async (_req, reply) => reply.type("text/plain").send("OK"));
  const database = options.database;
  app.get("/health/ready", async (request, reply) => {
    if (database) {
      try {
        await database.ping();
      } catch (e) {
        noteCause(request, e);
        return reply
          .code(503)
          .type("application/json")
          .send({ status: "unavailable", reason: "the database does not answer" });
      }
    }
    return reply.type("application/json").send({ status: "ready" });
  });
  // Metrics reveal no data, but their routes and rates are the server's business: with authentication
  // on they need a user (Prometheus' basic_auth or bearer), whatever address the server is bound to,
  // since a reverse proxy on the same host would otherwise publish a loopback-only exception.
  if (metrics) {
    app.get("/metrics", async (request, reply) => {
      if (ctx.auth) await ctx.auth.authenticate(request);
      return reply.type("text/plain; version=0.0.4; charset=utf-8").send(metrics.render());
    });
  }
  // MLflow's "View run at <uri>/#/experiments/…/runs/…". With authentication on, the page itself asks
  // for a user, so the browser's Basic prompt comes on navigation and its credentials then go with
  // the page's same-origin requests.
  const page = homePage({ version: VERSION, apiBase: "ajax-api/2.0/mlflow", labUrl: options.labUrl ?? null });
  app.get("/", async (request, reply) => {
    if (ctx.auth) await ctx.auth.authenticate(request);
    return reply
      .header("content-security-policy", HOME_CSP)
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "no-referrer")
      .header("cache-control", "no-cache")
      .type("text/html; charset=utf-8")
      .send(page);
  });
  app.get("/version", async (_req, reply) => reply.type("text/plain").send(VERSION));

  for (const prefix of API_PREFIXES) registerRpc(app, prefix, RPC_ROUTES, ctx);
  registerArtifactRoutes(app, ctx, API_PREFIXES);
  return app;
}

function registerRpc(
  app: FastifyInstance,
  prefix: string,
  routes: readonly RpcRoute[],
  ctx: ServerContext,
): void {
  const methodsByPath = new Map<string, Set<HttpMethod>>();
  for (const route of routes) {
    const url = prefix + route.path;
    const withParams = route.path.includes(":");
    // Looked up once per route and method, not per request.
    const rules = new Map(route.methods.map((m) => [m as string, ruleFor(route.path, m) as Rule]));
    app.route({
      method: [...route.methods],
      url,
      handler: async (request, reply) => {
        if (!ctx.auth) {
          return reply.type("application/json").send(await route.handler(decode(request, withParams), ctx));
        }
        // Who is asking comes first: an anonymous caller learns nothing, not even about its input.
        const user = await ctx.auth.authenticate(request);
        const fields = decode(request, withParams);
        const rule = rules.get(request.method) as Rule;
        await ctx.auth.check(rule, user, fields);
        const result = await ctx.auth.after(rule, user, await route.handler(fields, ctx));
        return reply.type("application/json").send(result);
      },
    });
    const methods = methodsByPath.get(url) ?? new Set();
    for (const m of route.methods) methods.add(m);
    methodsByPath.set(url, methods);
  }
  // One path may serve several RPCs (e.g. registered-models/alias); the others get a JSON 405.
  for (const [url, methods] of methodsByPath) {
    const allowed = [...methods];
    const others = ALL_METHODS.filter((m) => !methods.has(m));
    if (others.length === 0) continue;
    app.route({
      method: others,
      url,
      handler: async (request, reply) =>
        sendError(
          reply.header("allow", allowed.join(", ")),
          405,
          "ENDPOINT_NOT_FOUND",
          `Method ${request.method} is not allowed for ${url}; use ${allowed.join(" or ")}.`,
        ),
    });
  }
}
