#!/usr/bin/env node
// `npm start` on a fresh clone: installs and builds what is missing, then starts the tracking server
// (SQLite in .labtrack/) and JupyterLab with Labtrack, on the demo notebooks, and looks after them:
// a tracking server that dies is started again on its port; Ctrl-C, SIGTERM or SIGHUP stop everything,
// kernels included; a busy port is one line naming the flag to change. With --tracking-uri (or an
// exported MLFLOW_TRACKING_URI) only JupyterLab starts, pointed at that server.
//   npm start -- --port 5000 --lab-port 8888 --data-dir .labtrack      (port 0 picks a free one)
//   npm start -- --tracking-uri https://mlflow.example.com             (no local tracking server)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { APT_PACKAGES, missingPython, PortInUseError, portIsFree, startLabtrack } from "../app/launch.mjs";

const root = resolve(import.meta.dirname, "..");
const USAGE = `usage: npm start -- [options]
  --port N            port of the local tracking server (default 5000; 0 picks a free one)
  --lab-port N        port of JupyterLab (default 8888; 0 picks a free one)
  --data-dir DIR      runs, artifacts, notebooks and Lab state (default .labtrack)
  --tracking-uri URL  use this Labtrack or MLflow server; none is started here
                      (default: $MLFLOW_TRACKING_URI; credentials: $MLFLOW_TRACKING_TOKEN, or
                      $MLFLOW_TRACKING_USERNAME and $MLFLOW_TRACKING_PASSWORD)
  --help              show this
`;

const fail = (message, code = 1) => {
  process.stderr.write(`labtrack: ${message}\n`);
  process.exit(code);
};

/** parseArgs' own messages are long and name its internals; one line in our words, then the usage. */
function usageError(e) {
  const named = /'([^']+)'/.exec(e.message)?.[1] ?? "";
  const problem =
    e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
      ? `unknown option '${named}'`
      : e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
        ? `${named.replace(/ <value>$/, "")} needs a value`
        : e.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
          ? `unexpected argument '${named}' (options start with --)`
          : e.message;
  process.stderr.write(`labtrack: ${problem}\n${USAGE}`);
  process.exit(2);
}

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: "string" },
      "lab-port": { type: "string", default: "8888" },
      "data-dir": { type: "string", default: join(root, ".labtrack") },
      "tracking-uri": { type: "string" },
      help: { type: "boolean" },
    },
  }));
} catch (e) {
  if (typeof e?.code !== "string" || !e.code.startsWith("ERR_PARSE_ARGS_")) throw e;
  usageError(e);
}
if (args.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

/**
 * The server the Lab is pointed at instead of a local one: --tracking-uri, else an exported
 * MLFLOW_TRACKING_URI (what MLflow's clients read). `null`: start a local tracking server.
 */
function remoteTracking() {
  const fromFlag = args["tracking-uri"] !== undefined;
  const text = (fromFlag ? args["tracking-uri"] : (process.env.MLFLOW_TRACKING_URI ?? "")).trim();
  const source = fromFlag ? "--tracking-uri" : "MLFLOW_TRACKING_URI";
  if (!text) {
    if (fromFlag) fail("--tracking-uri needs a URL such as http://tracking.example.com:5000", 2);
    return null;
  }
  let url;
  try {
    url = new URL(text);
  } catch {
    fail(`${source} '${text}' is not a URL; expected http://host:port or https://host`, 2);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    fail(
      `${source} must be an http:// or https:// tracking server, not '${url.protocol}' (database and file URIs are for 'labtrack server --backend-store-uri')`,
      2,
    );
  // The Lab's proxy refuses them too: credentials in a URI end up in logs and in the browser's settings.
  if (url.username || url.password)
    fail(
      `${source} must not hold credentials: export MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN) instead`,
      2,
    );
  return { uri: `${url.origin}${url.pathname.replace(/\/+$/, "")}`, source };
}
const remote = remoteTracking();
if (remote && args.port !== undefined)
  fail(
    `--port is the port of a local tracking server, and none is started with ${remote.source}${remote.source === "MLFLOW_TRACKING_URI" ? " (run 'MLFLOW_TRACKING_URI= npm start' to start one)" : ""}`,
    2,
  );
args.port ??= "5000";
const portArg = (flag) => {
  const text = args[flag];
  if (!/^\d+$/.test(text) || Number(text) > 65535)
    fail(`--${flag} wants a port number (0–65535; 0 picks a free one), not '${text}'`, 2);
  return Number(text);
};
const trackingPort = portArg("port");
const labPort = portArg("lab-port");
if (!remote && trackingPort !== 0 && trackingPort === labPort)
  fail(`--port and --lab-port are both ${labPort}`, 2);

const PORT_FLAGS = {
  tracking: { flag: "port", who: "is MLflow or another Labtrack running?" },
  lab: { flag: "lab-port", who: "is another JupyterLab or Labtrack running?" },
};
/** One line, no stack trace: which port, who may hold it, and the flag with a port that is free now. */
async function portInUse(which, port) {
  const { flag, who } = PORT_FLAGS[which];
  let next = port + 1;
  while (next < Math.min(port + 100, 65535) && !(await portIsFree(next).catch(() => false))) next++;
  fail(`port ${port} is in use (${who}); choose another with npm start -- --${flag} ${next}`);
}
// Before installing or building anything: the user learns at once, and nothing is started in vain.
for (const [which, port] of [
  ["tracking", remote ? 0 : trackingPort],
  ["lab", labPort],
]) {
  if (port === 0) continue;
  const free = await portIsFree(port).catch((e) => fail(`cannot listen on port ${port}: ${e.message}`));
  if (!free) await portInUse(which, port);
}

const run = (cmd, argv) => {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) fail(`'${cmd} ${argv.join(" ")}' failed; run it yourself to see why`, r.status ?? 1);
};

const newest = (path) => {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = 0;
  for (const entry of readdirSync(path)) t = Math.max(t, newest(join(path, entry)));
  return t;
};
const stale = (output, ...inputs) =>
  !existsSync(output) || Math.max(...inputs.map((i) => newest(join(root, i)))) > statSync(output).mtimeMs;

if (!existsSync(join(root, "node_modules", ".package-lock.json"))) {
  console.log("labtrack: installing dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}
// The process tests start what is built: a checkout being edited must not be rebuilt under them.
if (process.env.LABTRACK_START_NO_BUILD !== "1") {
  if (stale(join(root, "lib", "cli", "main.js"), "src")) run("npm", ["run", "build:lib"]);
  const labextension = join(root, "python", "labtrack_jupyter", "labextension", "package.json");
  if (stale(labextension, "lib", "style", "schema")) run("npm", ["run", "build:labextension"]);
  if (
    stale(
      // Written by app/build.cjs once the bundle is there (the entry script's name is hashed).
      join(root, "app", "build", "templates", "index.html"),
      "app/index.js",
      "app/bootstrap.js",
      "app/extensions.js",
      "app/templates",
      "app/rspack.config.cjs",
      "app/build.cjs",
    )
  )
    run("npm", ["run", "build:app"]);
}

if (missingPython().length > 0) {
  const command = `apt-get update && apt-get install -y ${APT_PACKAGES.join(" ")}`;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.log(`labtrack: installing Jupyter from Debian (${command})…`);
    run("sh", [
      "-c",
      `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${APT_PACKAGES.join(" ")}`,
    ]);
  } else {
    fail(`JupyterLab needs Debian's Jupyter server. Run:\n  sudo ${command.replace("&& ", "&& sudo ")}`);
  }
}

// The servers run in sessions of their own, so a signal reaches them only through here, in order.
const starting = new AbortController();
let labtrack = null;
let stopping = null;
let firstSignalAt = 0;
const onSignal = () => {
  if (stopping || starting.signal.aborted) {
    // `npm start` forwards the terminal's Ctrl-C to us, which the terminal sent us too: one keypress
    // arrives twice. Only a later signal means "now".
    if (Date.now() - firstSignalAt < 1000) return;
    process.stderr.write("labtrack: stopping now\n");
    labtrack?.kill();
    process.exit(1);
  }
  firstSignalAt = Date.now();
  if (!labtrack) return starting.abort();
  console.log("\nlabtrack: stopping…");
  stopping = labtrack.stop().then(() => process.exit(0));
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, onSignal);
// SIGTERM to `npm start` alone reaches npm's `sh -c`, which dies of it without passing it on: we only
// see that our parent is gone. Stop then, as for a signal.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent && !stopping) {
    process.stderr.write("labtrack: the process that started us is gone; stopping\n");
    onSignal();
  }
}, 500).unref();

/** The credentials the Lab's proxy sends (python/labtrack_jupyter/target.py), described, and as a header. */
function credentials(env = process.env) {
  if (env.MLFLOW_TRACKING_TOKEN)
    return { what: "MLFLOW_TRACKING_TOKEN", header: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` };
  const user = env.MLFLOW_TRACKING_USERNAME;
  if (user && env.MLFLOW_TRACKING_PASSWORD !== undefined)
    return {
      what: `user ${user}`,
      header: `Basic ${Buffer.from(`${user}:${env.MLFLOW_TRACKING_PASSWORD}`).toString("base64")}`,
    };
  return { what: "no credentials", header: null };
}

/** One line on whether the remote server answers the Lab's first question, with the Lab's credentials. */
async function probe(uri) {
  const { what, header } = credentials();
  try {
    const r = await fetch(`${uri}/api/2.0/mlflow/experiments/search`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(header ? { authorization: header } : {}) },
      body: JSON.stringify({ max_results: 1 }),
      signal: AbortSignal.timeout(10_000),
    });
    await r.body?.cancel();
    if (r.ok) return `answers (${what})`;
    if (r.status === 401)
      return `refuses ${what} (HTTP 401): export MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN`;
    if (r.status === 403) return `answers, but ${what} may not list experiments (HTTP 403)`;
    return `answers HTTP ${r.status} to an experiment search: is it a tracking server?`;
  } catch (e) {
    const hint =
      remote.source === "MLFLOW_TRACKING_URI"
        ? "; to start a local one instead: MLFLOW_TRACKING_URI= npm start"
        : "; the Lab's status bar shows when it does";
    return `does not answer now (${e.cause?.code ?? e.cause?.message ?? e.message})${hint}`;
  }
}

try {
  labtrack = await startLabtrack({
    dataDir: args["data-dir"],
    trackingPort,
    labPort,
    trackingUri: remote?.uri,
    restartTracking: true,
    signal: starting.signal,
  });
} catch (e) {
  if (starting.signal.aborted) process.exit(0);
  if (e instanceof PortInUseError) await portInUse(e.which, e.port);
  fail(e.message);
}
const trackingLines = remote
  ? `    Tracking server:  ${labtrack.trackingUri}  (from ${remote.source}; none was started here)
                      ${await probe(labtrack.trackingUri)}`
  : `    Tracking server:  ${labtrack.trackingUri}  (MLflow clients: MLFLOW_TRACKING_URI=${labtrack.trackingUri})`;
console.log(`
  Labtrack is running.
    JupyterLab:       ${labtrack.labUrl}
${trackingLines}
    Notebooks:        ${labtrack.notebookDir}
  Ctrl-C stops ${remote ? "JupyterLab and its kernels" : "everything"}.
`);
labtrack.labExited.then(async ({ code, signal }) => {
  if (stopping) return;
  process.stderr.write(
    `labtrack: JupyterLab exited (${signal ? `signal ${signal}` : `code ${code}`}); stopping the rest\n`,
  );
  stopping = labtrack.stop();
  await stopping;
  process.exit(1);
});
