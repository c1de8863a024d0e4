// How `labtrack server` is configured and says so: MLflow's environment variables for its options (so a
// database password need not sit on a command line, visible in `ps`), the one-time start-up summary,
// and waiting for a database that is not up yet (containers start before their database).
import { UsageError } from "./store-uri.js";

/**
 * The environment variable of each option, as `mlflow server` names them (mlflow/cli.py and
 * mlflow/utils/cli_args.py); LABTRACK_* for Labtrack's own. A flag on the command line wins.
 */
export const OPTION_ENV = {
  backendStoreUri: "MLFLOW_BACKEND_STORE_URI",
  defaultArtifactRoot: "MLFLOW_DEFAULT_ARTIFACT_ROOT",
  artifactsDestination: "MLFLOW_ARTIFACTS_DESTINATION",
  serveArtifacts: "MLFLOW_SERVE_ARTIFACTS",
  host: "MLFLOW_HOST",
  port: "MLFLOW_PORT",
  workers: "MLFLOW_WORKERS",
  allowedHosts: "MLFLOW_SERVER_ALLOWED_HOSTS",
  corsAllowedOrigins: "MLFLOW_SERVER_CORS_ALLOWED_ORIGINS",
  dataDir: "LABTRACK_DATA_DIR",
  auth: "LABTRACK_AUTH",
  defaultPermission: "LABTRACK_DEFAULT_PERMISSION",
  dbWait: "LABTRACK_DB_WAIT",
  accessLog: "LABTRACK_ACCESS_LOG",
  labUrl: "LABTRACK_LAB_URL",
} as const;

export type ConfiguredOption = keyof typeof OPTION_ENV;

/** Where a value came from, for messages: the flag, or the environment variable that set it. */
export type Origins = Partial<Record<ConfiguredOption, string>>;

/** What the options are called in messages when they came from the command line. */
const FLAG: Record<ConfiguredOption, string> = {
  backendStoreUri: "--backend-store-uri",
  defaultArtifactRoot: "--default-artifact-root",
  artifactsDestination: "--artifacts-destination",
  serveArtifacts: "--serve-artifacts",
  host: "--host",
  port: "--port",
  workers: "--workers",
  allowedHosts: "--allowed-hosts",
  corsAllowedOrigins: "--cors-allowed-origins",
  dataDir: "--data-dir",
  auth: "--auth",
  defaultPermission: "--default-permission",
  dbWait: "--db-wait",
  accessLog: "--access-log",
  labUrl: "--lab-url",
};

/** The name to put in a message about `option`: its environment variable when that set it. */
export const nameOf = (option: ConfiguredOption, origins: Origins | undefined): string =>
  origins?.[option] ?? FLAG[option];

/** click's spelling of booleans, which MLflow's MLFLOW_SERVE_ARTIFACTS accepts. */
export function envBoolean(name: string, text: string): boolean {
  const value = text.trim().toLowerCase();
  if (["1", "true", "t", "yes", "y", "on"].includes(value)) return true;
  if (["0", "false", "f", "no", "n", "off", ""].includes(value)) return false;
  throw new UsageError(`invalid ${name} '${text}': expected true or false`);
}

/** Hides a database URI's password (in the authority or as a `password=` parameter) in messages. */
export const redactUri = (uri: string): string =>
  uri.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@").replace(/([?&]password=)[^&]*/gi, "$1***");

/** Seconds to keep trying a database that does not answer at start-up. */
export function parseDbWait(text: string, origins?: Origins): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !Number.isFinite(seconds))
    throw new UsageError(`invalid ${nameOf("dbWait", origins)} '${text}': expected seconds (0 tries once)`);
  return seconds;
}

/** Connection-level failures: the database is not there (yet), as opposed to refusing us. */
export function isUnreachable(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  // The PostgreSQL driver reports unreachability as MLflow's TEMPORARILY_UNAVAILABLE (a 503 in requests).
  if (code === "TEMPORARILY_UNAVAILABLE") return true;
  if (typeof code === "string")
    return (
      [
        "ECONNREFUSED",
        "ECONNRESET",
        "ETIMEDOUT",
        "EHOSTUNREACH",
        "ENETUNREACH",
        "ENOTFOUND",
        "EAI_AGAIN",
        "EPIPE",
      ].includes(code) ||
      code.startsWith("08") ||
      code === "57P03" // the database system is starting up
    );
  return e instanceof Error && /Connection terminated|timeout exceeded/i.test(e.message);
}

/** The driver's own words, without the request-level advice it adds for clients. */
const reasonOf = (e: unknown): string => {
  const message = e instanceof Error ? e.message : String(e);
  return /^The database is unavailable \((.*)\); retry the request\.$/.exec(message)?.[1] ?? message;
};

const FIRST_DELAY_S = 1;
const MAX_DELAY_S = 8;

/**
 * Calls `connect` until it succeeds, a failure is not about reachability, or `waitSeconds` have passed:
 * after 1 s, then doubling up to 8 s, each failed attempt logged through `log` with `where` (a URI
 * whose password is already masked). Giving up throws one line, naming the last reason.
 */
export async function waitForDatabase<T>(
  where: string,
  waitSeconds: number,
  connect: () => Promise<T>,
  log: (line: string) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  const deadline = Date.now() + waitSeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await connect();
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      const left = (deadline - Date.now()) / 1000;
      if (left <= 0) {
        const tried = attempt === 1 ? "1 attempt" : `${attempt} attempts`;
        throw new Error(
          `cannot open the database at ${where}: no answer in ${waitSeconds} s (${tried}): ${reasonOf(e)}; is it running? --db-wait (LABTRACK_DB_WAIT) sets how long to wait`,
        );
      }
      const delay = Math.min(FIRST_DELAY_S * 2 ** (attempt - 1), MAX_DELAY_S, left);
      log(
        `labtrack: waiting for the database at ${where} (attempt ${attempt}, next in ${Math.ceil(delay)} s): ${reasonOf(e)}`,
      );
      await sleep(delay * 1000);
    }
  }
}

export interface Summary {
  version: string;
  backend: string;
  serveArtifacts: boolean;
  artifactsDestination: string;
  defaultArtifactRoot: string;
  auth: string;
  workers: number;
  allowedHosts: readonly string[] | "*";
  corsOrigins: readonly string[] | "*";
  origins: Origins;
  /** A database other processes may share (PostgreSQL), unlike a SQLite file. */
  shared: boolean;
}

const fromEnv = (option: ConfiguredOption, origins: Origins) =>
  origins[option] ? `  (${origins[option]})` : "";

const hosts = (list: readonly string[] | "*", none: string) =>
  list === "*" ? "* (any)" : list.length === 0 ? none : [...new Set(list)].join(", ");

/** The lines printed once after "listening at …": what this process serves, and from where. */
export function summaryLines(s: Summary): string[] {
  const o = s.origins;
  const artifacts = s.serveArtifacts
    ? `served, stored in ${s.artifactsDestination}${fromEnv("artifactsDestination", o)}`
    : `not served (clients write to the artifact root themselves)${fromEnv("serveArtifacts", o)}`;
  const lines = [
    `  version:               ${s.version}`,
    `  backend store:         ${s.backend}${fromEnv("backendStoreUri", o)}`,
    `  artifacts:             ${artifacts}`,
    `  default artifact root: ${s.defaultArtifactRoot}${fromEnv("defaultArtifactRoot", o)}`,
    `  authentication:        ${s.auth}`,
    `  workers:               ${s.workers}${fromEnv("workers", o)}`,
    `  allowed hosts:         ${hosts(s.allowedHosts, "none")}${fromEnv("allowedHosts", o)}`,
    `  CORS origins:          ${hosts(s.corsOrigins, "none (same origin only)")}${fromEnv("corsAllowedOrigins", o)}`,
  ];
  // What went wrong silently before: one process of a team writing artifacts to its own disk.
  if (s.shared && s.serveArtifacts && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s.artifactsDestination))
    lines.push(
      `  note: artifacts go to this machine's ${s.artifactsDestination}; servers sharing this database need one shared --artifacts-destination (s3://… or a shared directory)`,
    );
  return lines;
}
