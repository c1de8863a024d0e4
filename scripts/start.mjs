#!/usr/bin/env node
// `npm start` on a fresh clone: installs and builds what is missing, then starts the tracking server
// (SQLite in .labtrack/) and JupyterLab with Labtrack, on the demo notebooks, and looks after them:
// a tracking server that dies is started again on its port; Ctrl-C, SIGTERM or SIGHUP stop everything,
// kernels included; a busy port is one line naming the flag to change.
//   npm start -- --port 5000 --lab-port 8888 --data-dir .labtrack      (port 0 picks a free one)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { APT_PACKAGES, missingPython, PortInUseError, portIsFree, startLabtrack } from "../app/launch.mjs";

const root = resolve(import.meta.dirname, "..");
const USAGE = "npm start -- [--port 5000] [--lab-port 8888] [--data-dir DIR]";

const fail = (message, code = 1) => {
  process.stderr.write(`labtrack: ${message}\n`);
  process.exit(code);
};

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      port: { type: "string", default: "5000" },
      "lab-port": { type: "string", default: "8888" },
      "data-dir": { type: "string", default: join(root, ".labtrack") },
    },
  }));
} catch (e) {
  fail(`${e.message}; usage: ${USAGE}`, 2);
}
const portArg = (flag) => {
  const text = args[flag];
  if (!/^\d+$/.test(text) || Number(text) > 65535)
    fail(`--${flag} wants a port number (0–65535; 0 picks a free one), not '${text}'`, 2);
  return Number(text);
};
const trackingPort = portArg("port");
const labPort = portArg("lab-port");
if (trackingPort !== 0 && trackingPort === labPort) fail(`--port and --lab-port are both ${labPort}`, 2);

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
  ["tracking", trackingPort],
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
      join(root, "app", "build", "static", "main.js"),
      "app/index.js",
      "app/bootstrap.js",
      "app/extensions.js",
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

try {
  labtrack = await startLabtrack({
    dataDir: args["data-dir"],
    trackingPort,
    labPort,
    restartTracking: true,
    signal: starting.signal,
  });
} catch (e) {
  if (starting.signal.aborted) process.exit(0);
  if (e instanceof PortInUseError) await portInUse(e.which, e.port);
  fail(e.message);
}
console.log(`
  Labtrack is running.
    JupyterLab:       ${labtrack.labUrl}
    Tracking server:  ${labtrack.trackingUri}  (MLflow clients: MLFLOW_TRACKING_URI=${labtrack.trackingUri})
    Notebooks:        ${labtrack.notebookDir}
  Ctrl-C stops everything.
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
