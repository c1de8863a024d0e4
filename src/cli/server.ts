// `labtrack server`: the tracking server, with MLflow's flag names.
import cluster from "node:cluster";
import { accessSync, closeSync, constants, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Writable } from "node:stream";
import { type Command, Option } from "commander";
import { openArtifactStore } from "../artifacts/open.js";
import type { ArtifactStore } from "../artifacts/store.js";
import { Authorizer } from "../auth/authorizer.js";
import { PERMISSIONS, type Permission } from "../auth/permissions.js";
import { UserStore } from "../auth/user-store.js";
import { buildApp } from "../server/app.js";
import { defaultAllowedHosts } from "../server/host-guard.js";
import { openAccessLog } from "../server/observe.js";
import { openStores, type Stores } from "../store/open.js";
import { PostgresDriver } from "../store/sql/postgres-driver.js";
import { VERSION } from "../version.js";
import {
  envBoolean,
  nameOf,
  OPTION_ENV,
  type Origins,
  parseDbWait,
  redactUri,
  summaryLines,
  waitForDatabase,
} from "./server-config.js";
import { parseStoreUri, UsageError } from "./store-uri.js";

export interface ServerOptions {
  backendStoreUri?: string | undefined;
  defaultArtifactRoot?: string;
  host: string;
  port: string;
  dataDir: string;
  workers: string;
  artifactsDestination?: string;
  serveArtifacts?: boolean;
  appName?: string;
  auth?: boolean;
  defaultPermission: string;
  allowedHosts?: string;
  corsAllowedOrigins?: string;
  /** Seconds to wait for a database that does not answer at start-up (default 60). */
  dbWait?: string;
  /** One JSON line per request: `-` for stderr, or a file appended to. */
  accessLog?: string;
  /** `/metrics` in Prometheus' format: true, or MLflow's directory argument (accepted, not used). */
  exposePrometheus?: boolean | string;
  /** JupyterLab's base URL, linked from the run page MLflow's "View run at" opens. */
  labUrl?: string;
  /** The options an environment variable set, by name (see server-config.ts); the rest are flags. */
  origins?: Origins;
}

const list = (text: string | undefined): string[] | "*" | undefined =>
  text === undefined
    ? undefined
    : text.trim() === "*"
      ? "*"
      : text
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s);

/** Authentication, when switched on: there is no default password, so an admin must exist first. */
async function openAuth(options: ServerOptions, stores: Stores): Promise<Authorizer | null> {
  const enabled = authEnabled(options);
  if (options.appName !== undefined && options.appName !== "basic-auth") {
    throw new UsageError(`unknown --app-name '${options.appName}': the only one is basic-auth`);
  }
  if (!enabled) return null;
  if (!(PERMISSIONS as readonly string[]).includes(options.defaultPermission)) {
    throw new UsageError(
      `invalid --default-permission '${options.defaultPermission}': one of ${PERMISSIONS.join(", ")}`,
    );
  }
  const users = new UserStore(stores.driver);
  const username = process.env.LABTRACK_ADMIN_USERNAME;
  const password = process.env.LABTRACK_ADMIN_PASSWORD;
  if (username && password && (await users.count(true)) === 0) {
    await users.create(username, password, true).catch(async (e) => {
      if ((e as { code?: string }).code !== "RESOURCE_ALREADY_EXISTS") throw e;
      await users.updateAdmin(username, true);
    });
  } else if (username && password && !(await users.verifyPassword(username, password))) {
    // The environment only creates the first admin: applying it on every start would bring back a
    // password rotated through the API whenever a process restarts with an old environment. Said, so
    // a changed variable is not silently ignored.
    process.stderr.write(
      `labtrack: LABTRACK_ADMIN_PASSWORD is not ${username}'s password in the database and is not applied (it only creates the first admin); to rotate it: labtrack users set-password --username ${username}\n`,
    );
  }
  if ((await users.count(true)) === 0) {
    throw new UsageError(
      "authentication is on but there is no admin: set LABTRACK_ADMIN_USERNAME and LABTRACK_ADMIN_PASSWORD, or run 'labtrack users create-admin --username NAME' once",
    );
  }
  return new Authorizer(users, stores.tracking, {
    defaultPermission: options.defaultPermission as Permission,
  });
}

function parsePort(text: string, origins?: Origins): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535)
    throw new UsageError(`invalid ${nameOf("port", origins)} '${text}': expected 0–65535`);
  return port;
}

/** As MLflow: proxied `mlflow-artifacts:/` when serving artifacts, else the destination itself. */
function defaultArtifactRoot(options: ServerOptions): string {
  if (options.defaultArtifactRoot) return options.defaultArtifactRoot;
  return options.serveArtifacts === false ? artifactsDestination(options) : "mlflow-artifacts:/";
}

const artifactsDestination = (options: ServerOptions): string =>
  options.artifactsDestination ?? resolve(options.dataDir, "artifacts");

async function openArtifacts(options: ServerOptions): Promise<ArtifactStore | null> {
  if (options.serveArtifacts === false) return null;
  try {
    return await openArtifactStore(artifactsDestination(options));
  } catch (e) {
    throw new UsageError(
      `invalid ${nameOf("artifactsDestination", options.origins)}: ${(e as Error).message}`,
    );
  }
}

const DEFAULT_DB_WAIT_S = "60";

/** An http(s) URL without its trailing slash, or a usage error naming the option. */
function parseLabUrl(text: string | undefined, origins?: Origins): string | null {
  if (text === undefined || text === "") return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid ${nameOf("labUrl", origins)} '${text}': expected an http(s) URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`invalid ${nameOf("labUrl", origins)} '${text}': expected an http(s) URL`);
  return url.href.replace(/\/+$/, "");
}

/** The access log's destination, checked writable now so a wrong path is one line at start, not a crash. */
function checkAccessLog(options: ServerOptions): string | null {
  const destination = options.accessLog;
  if (destination === undefined || destination === "") return null;
  if (destination !== "-") {
    try {
      closeSync(openSync(destination, "a"));
    } catch (e) {
      throw new UsageError(
        `cannot write ${nameOf("accessLog", options.origins)} ${destination}: ${(e as Error).message}`,
      );
    }
  }
  return destination;
}

function accessLogOf(options: ServerOptions): Writable | null {
  const destination = checkAccessLog(options);
  return destination === null ? null : openAccessLog(destination);
}

/** `--expose-prometheus` as a flag or with MLflow's directory; LABTRACK_EXPOSE_PROMETHEUS=true|false|DIR. */
function metricsEnabled(options: ServerOptions): boolean {
  if (options.exposePrometheus !== undefined) return options.exposePrometheus !== false;
  const text = process.env.LABTRACK_EXPOSE_PROMETHEUS;
  if (text === undefined) return false;
  try {
    return envBoolean("LABTRACK_EXPOSE_PROMETHEUS", text);
  } catch {
    return true; // a directory, as MLflow's flag takes
  }
}

const PING_TIMEOUT_MS = 5000;

/** `SELECT 1`, failing after a few seconds: a readiness probe must answer even when the database hangs. */
function pingOf(stores: Stores): () => Promise<void> {
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer to SELECT 1 in ${PING_TIMEOUT_MS} ms`)),
        PING_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([stores.driver.get("SELECT 1 AS ok"), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

const backendUri = (options: ServerOptions): string =>
  options.backendStoreUri ?? `sqlite:///${resolve(options.dataDir, "labtrack.db")}`;

/**
 * The stores, migrated. A PostgreSQL database that does not answer is tried again for `--db-wait`
 * seconds (containers start before their database), each attempt logged with the password masked.
 */
export async function open(options: ServerOptions): Promise<Stores> {
  const dbWait = parseDbWait(options.dbWait ?? DEFAULT_DB_WAIT_S, options.origins);
  const location = parseStoreUri(backendUri(options));
  if (location.kind === "sqlite" && location.file !== ":memory:") {
    try {
      mkdirSync(dirname(location.file), { recursive: true });
      accessSync(dirname(location.file), constants.W_OK);
    } catch (e) {
      throw new UsageError(`cannot write the database at ${location.file}: ${(e as Error).message}`);
    }
  }
  const where = location.kind === "sqlite" ? location.file : redactUri(location.uri);
  const connect = () => openStores(location, defaultArtifactRoot(options));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    return location.kind === "sqlite" ? await connect() : await waitForDatabase(where, dbWait, connect, log);
  } catch (e) {
    // Giving up on an unreachable database is an outage (exit 1), not a mistake in the options.
    if (/^cannot open the database at /.test((e as Error).message)) throw e;
    throw new UsageError(`cannot open the database at ${where}: ${(e as Error).message}`);
  }
}

function parseWorkers(text: string, origins?: Origins): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 64)
    throw new UsageError(`invalid ${nameOf("workers", origins)} '${text}': expected 1–64`);
  return n;
}

const authEnabled = (options: ServerOptions): boolean =>
  options.auth === true || options.appName === "basic-auth";

/**
 * "listening at http://…" (tools parse that line: app/launch.mjs, test helpers), then once, in the
 * same write, what this server serves and from where.
 */
const printListening = (options: ServerOptions, workers: number, port: number) => {
  const host = options.host;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  const location = parseStoreUri(backendUri(options));
  const serveArtifacts = options.serveArtifacts !== false;
  const summary = summaryLines({
    version: VERSION,
    backend: location.kind === "sqlite" ? `sqlite:///${location.file}` : redactUri(location.uri),
    shared: location.kind === "postgres",
    serveArtifacts,
    artifactsDestination: artifactsDestination(options),
    defaultArtifactRoot: defaultArtifactRoot(options),
    auth: authEnabled(options) ? `on (default permission ${options.defaultPermission})` : "off",
    workers,
    allowedHosts: list(options.allowedHosts) ?? defaultAllowedHosts(host),
    corsOrigins: list(options.corsAllowedOrigins) ?? [],
    origins: options.origins ?? {},
  });
  const metrics = metricsEnabled(options);
  summary.push(
    `  access log:            ${options.accessLog === "-" ? "stderr" : (options.accessLog ?? "off")}`,
    `  metrics:               ${metrics ? `/metrics${authEnabled(options) ? " (needs a user)" : ""}${workers > 1 ? ", per worker process" : ""}` : "off"}`,
    `  lab URL (run links):   ${parseLabUrl(options.labUrl) ?? "none"}`,
  );
  if (typeof options.exposePrometheus === "string")
    summary.push(
      `  note: --expose-prometheus ${options.exposePrometheus}: the directory is not used (metrics are kept in memory)`,
    );
  process.stdout.write(
    `Labtrack tracking server listening at http://${shownHost}:${port}\n${summary.join("\n")}\n`,
  );
};

/**
 * `--workers N`: N server processes share one listening socket (node:cluster) and one database. The
 * stores are stateless between requests, so any worker can answer any request.
 */
async function runPrimary(options: ServerOptions, workers: number): Promise<void> {
  parsePort(options.port, options.origins);
  // Checked here too: a worker refusing its options would exit, and be forked again, forever.
  parseLabUrl(options.labUrl, options.origins);
  checkAccessLog(options);
  // Migrate once before forking so workers never race on an empty database.
  await (await open(options)).close();
  let announced = false;
  let stopping = false;
  cluster.on("listening", (_worker, address) => {
    if (announced) return;
    announced = true;
    printListening(options, workers, address.port);
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    process.stderr.write(
      `labtrack: worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`,
    );
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Labtrack: ${signal} received, shutting down\n`);
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGTERM");
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  for (let i = 0; i < workers; i++) cluster.fork();
}

export async function runServer(options: ServerOptions): Promise<void> {
  const workers = parseWorkers(options.workers, options.origins);
  if (workers > 1 && cluster.isPrimary) return runPrimary(options, workers);
  const port = parsePort(options.port, options.origins);
  const labUrl = parseLabUrl(options.labUrl, options.origins);
  const accessLog = accessLogOf(options);
  const artifacts = await openArtifacts(options);
  const stores = await open(options);
  let auth: Authorizer | null;
  try {
    auth = await openAuth(options, stores);
  } catch (e) {
    await stores.close();
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
  const app = await buildApp({
    store: stores.tracking,
    registry: stores.registry,
    artifacts,
    auth,
    hostGuard: {
      allowedHosts: list(options.allowedHosts) ?? defaultAllowedHosts(options.host),
      corsOrigins: list(options.corsAllowedOrigins) ?? [],
    },
    accessLog,
    exposeMetrics: metricsEnabled(options),
    labUrl,
    database: {
      ping: pingOf(stores),
      pool:
        stores.driver instanceof PostgresDriver
          ? () => {
              const pool = (stores.driver as PostgresDriver).pool;
              return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
            }
          : undefined,
    },
  });
  try {
    await app.listen({ host: options.host, port });
  } catch (e) {
    await stores.close();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new UsageError(`port ${port} on ${options.host} is already in use; choose another with --port`);
    }
    if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND") {
      throw new UsageError(`cannot listen on host '${options.host}': ${(e as Error).message}`);
    }
    throw e;
  }
  const address = app.server.address();
  if (cluster.isPrimary)
    printListening(options, workers, typeof address === "object" && address ? address.port : port);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    if (cluster.isPrimary) process.stdout.write(`Labtrack: ${signal} received, shutting down\n`);
    await app.close();
    await stores.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

/** `flags` with the environment variable of `key` as its fallback (shown in --help). */
const envOption = (key: keyof typeof OPTION_ENV, flags: string, description: string, value?: string) => {
  const option = new Option(flags, description).env(OPTION_ENV[key]);
  return value === undefined ? option : option.default(value);
};

/** Options an environment variable set, as commander recorded them, plus the booleans read here. */
function originsOf(command: Command, options: ServerOptions): Origins {
  const origins: Origins = {};
  for (const key of Object.keys(OPTION_ENV) as (keyof typeof OPTION_ENV)[])
    if (command.getOptionValueSource(key) === "env") origins[key] = OPTION_ENV[key];
  // commander turns any value of a boolean flag's variable into "on"; MLflow's "false" means off.
  for (const key of ["serveArtifacts", "auth"] as const) {
    const text = process.env[OPTION_ENV[key]];
    if (text === undefined || command.getOptionValueSource(key) === "cli") continue;
    options[key] = envBoolean(OPTION_ENV[key], text);
    origins[key] = OPTION_ENV[key];
  }
  return origins;
}

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description(
      "Run the MLflow-compatible tracking server. Every option can also come from the environment variable shown (MLflow's names); a flag wins over it.",
    )
    .addOption(
      envOption(
        "backendStoreUri",
        "--backend-store-uri <uri>",
        "where runs are stored: sqlite:///path.db (relative), sqlite:////abs/path.db, a file path, or postgresql://user:pass@host:port/db (default: <data-dir>/labtrack.db)",
      ),
    )
    .addOption(
      envOption(
        "defaultArtifactRoot",
        "--default-artifact-root <uri>",
        "root for the artifact locations of new experiments (default: mlflow-artifacts:/)",
      ),
    )
    .addOption(envOption("host", "-h, --host <host>", "network address to listen on", "127.0.0.1"))
    .addOption(envOption("port", "-p, --port <port>", "port to listen on (0 picks a free one)", "5000"))
    .addOption(
      envOption(
        "dataDir",
        "--data-dir <dir>",
        "directory for the default database and artifacts",
        ".labtrack",
      ),
    )
    .addOption(
      envOption(
        "artifactsDestination",
        "--artifacts-destination <uri>",
        "where served artifacts are stored: a directory or s3://bucket/prefix (default: <data-dir>/artifacts)",
      ),
    )
    .option(
      "--serve-artifacts",
      "serve artifacts through this server (mlflow-artifacts:/ URIs) (env: MLFLOW_SERVE_ARTIFACTS=true|false)",
      true,
    )
    .option("--no-serve-artifacts", "do not serve artifacts; clients write to the artifact root themselves")
    .option("--app-name <name>", "basic-auth: require users and permissions (MLflow's spelling of --auth)")
    .option("--auth", "require users and permissions (HTTP Basic or bearer tokens) (env: LABTRACK_AUTH=true)")
    .addOption(
      envOption(
        "defaultPermission",
        "--default-permission <permission>",
        "permission of users on resources nobody granted them",
        "READ",
      ),
    )
    .addOption(
      envOption(
        "allowedHosts",
        "--allowed-hosts <hosts>",
        "Host header names accepted, comma-separated, or * (default: loopback names when bound to loopback)",
      ),
    )
    .addOption(
      envOption(
        "corsAllowedOrigins",
        "--cors-allowed-origins <origins>",
        "browser origins allowed to call the API, comma-separated, or * (default: none)",
      ),
    )
    .addOption(
      envOption(
        "workers",
        "--workers <n>",
        "server processes sharing the port and the database, to use several cores",
        "1",
      ),
    )
    .addOption(
      envOption(
        "dbWait",
        "--db-wait <seconds>",
        "how long to keep trying a PostgreSQL database that does not answer at start-up (0: try once)",
        DEFAULT_DB_WAIT_S,
      ),
    )
    .addOption(
      envOption(
        "accessLog",
        "--access-log <destination>",
        "one JSON line per request (time, method, route, status, duration_ms, user, request_id): - for stderr, or a file (default: off)",
      ),
    )
    .option(
      "--expose-prometheus [directory]",
      "serve Prometheus metrics at /metrics (MLflow's flag; its directory is accepted and not used) (env: LABTRACK_EXPOSE_PROMETHEUS=true|false)",
    )
    .addOption(
      envOption(
        "labUrl",
        "--lab-url <url>",
        "JupyterLab's URL, linked from the page MLflow's 'View run at' links open",
      ),
    )
    .action(async (options: ServerOptions, command: Command) => {
      const origins = originsOf(command, options);
      await runServer({ ...options, origins });
    });
}
