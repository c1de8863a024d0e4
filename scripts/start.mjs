#!/usr/bin/env node
// `npm start` on a fresh clone: installs and builds what is missing, then starts the tracking server
// (SQLite in .labtrack/) and JupyterLab with Labtrack, on the demo notebooks. Ctrl-C stops everything.
//   npm start -- --port 5000 --lab-port 8888 --data-dir .labtrack
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const root = resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "5000" },
    "lab-port": { type: "string", default: "8888" },
    "data-dir": { type: "string", default: join(root, ".labtrack") },
  },
});

const run = (cmd, argv) => {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`labtrack: '${cmd} ${argv.join(" ")}' failed; run it yourself to see why`);
    process.exit(r.status ?? 1);
  }
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

const { APT_PACKAGES, missingPython, startLabtrack } = await import("../app/launch.mjs");
if (missingPython().length > 0) {
  const command = `apt-get update && apt-get install -y ${APT_PACKAGES.join(" ")}`;
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.log(`labtrack: installing Jupyter from Debian (${command})…`);
    run("sh", [
      "-c",
      `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${APT_PACKAGES.join(" ")}`,
    ]);
  } else {
    console.error(
      `labtrack: JupyterLab needs Debian's Jupyter server. Run:\n  sudo ${command.replace("&& ", "&& sudo ")}`,
    );
    process.exit(1);
  }
}

const labtrack = await startLabtrack({
  dataDir: args["data-dir"],
  trackingPort: Number(args.port),
  labPort: Number(args["lab-port"]),
});
console.log(`
  Labtrack is running.
    JupyterLab:       ${labtrack.labUrl}
    Tracking server:  ${labtrack.trackingUri}  (MLflow clients: MLFLOW_TRACKING_URI=${labtrack.trackingUri})
    Notebooks:        ${labtrack.notebookDir}
  Ctrl-C stops everything.
`);
let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log("\nlabtrack: stopping…");
    await labtrack.stop();
    process.exit(0);
  });
}
