// Starts Labtrack as a user runs it: the tracking server (SQLite in a data directory) and JupyterLab
// (app/main.py under Debian's python3) with the Labtrack extension, the Python and TypeScript kernels,
// and a notebook folder seeded with the demo notebooks. Used by `npm start`, the UI tests and the
// page-load benchmark, so all three run the same thing.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");
export const PYTHON = "/usr/bin/python3";
const PY_MODULES = ["jupyter_server", "jupyterlab_server", "ipykernel"];
export const APT_PACKAGES = ["python3-jupyter-server", "python3-jupyterlab-server", "python3-ipykernel"];

/** Which of the Python modules the Lab needs are missing from Debian's python3 (all, if no python3). */
export function missingPython() {
  if (!existsSync(PYTHON)) return PY_MODULES;
  const probe = PY_MODULES.map((m) => `\ntry:\n import ${m}\nexcept ImportError:\n print("${m}")`).join("");
  const r = spawnSync(PYTHON, ["-c", probe], { encoding: "utf8" });
  return r.stdout.split("\n").filter(Boolean);
}

/** Registers tslab's TypeScript and JavaScript kernels under `jupyterDir` (absolute tslab path). */
export function ensureTslabKernels(jupyterDir) {
  const tslab = join(ROOT, "node_modules", ".bin", "tslab");
  const spec = join(jupyterDir, "share", "jupyter", "kernels", "tslab", "kernel.json");
  if (existsSync(spec) && readFileSync(spec, "utf8").includes(tslab)) return;
  const r = spawnSync(
    tslab,
    ["install", `--python=${PYTHON}`, `--binary=${tslab}`, `--prefix=${jupyterDir}`],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`tslab install failed:\n${r.stdout}${r.stderr}`);
}

/** Copies the demo notebooks that are not there yet, and makes `import … from "labtrack"` resolve. */
export function prepareNotebooks(dir) {
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  const demo = join(ROOT, "demo");
  for (const name of readdirSync(demo)) {
    if (!existsSync(join(dir, name))) copyFileSync(join(demo, name), join(dir, name));
  }
  // tslab type-checks with classic node resolution: the package must be in node_modules, as it is in a
  // user's project after `npm install labtrack`.
  const link = join(dir, "node_modules", "labtrack");
  if (!existsSync(link)) symlinkSync(ROOT, link, "dir");
}

/** A port nothing listens on right now (jupyter-server 1.x cannot be asked for port 0). */
export function freePort() {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function waitForLine(child, pattern, what, timeoutMs) {
  let output = "";
  return new Promise((resolveMatch, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start in ${timeoutMs / 1000} s:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk) => {
      output += chunk.toString();
      const m = pattern.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveMatch(m);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready:\n${output}`));
    });
  });
}

function stopper(child) {
  return () =>
    new Promise((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => {
        clearTimeout(kill);
        done();
      });
      child.kill("SIGTERM");
    });
}

/**
 * Starts the tracking server and the Lab. `trackingPort`/`labPort` 0 pick free ports.
 * `trackingUri` points the Lab at an existing server instead of starting one.
 */
export async function startLabtrack(options = {}) {
  const dataDir = resolve(options.dataDir ?? join(ROOT, ".labtrack"));
  const notebookDir = resolve(options.notebookDir ?? join(dataDir, "notebooks"));
  const jupyterDir = join(dataDir, "jupyter");
  const quiet = options.quiet ?? false;
  const pipe = (child, prefix) => {
    if (quiet) return;
    for (const stream of [child.stdout, child.stderr])
      stream.on("data", (d) => process.stderr.write(String(d).replace(/^(?=.)/gm, prefix)));
  };
  mkdirSync(dataDir, { recursive: true });
  ensureTslabKernels(jupyterDir);
  prepareNotebooks(notebookDir);

  const stops = [];
  let trackingUri = options.trackingUri;
  let tracking = null;
  try {
    if (!trackingUri) {
      tracking = spawn(
        process.execPath,
        [
          join(ROOT, "bin", "labtrack.js"),
          "server",
          "--host",
          "127.0.0.1",
          "--port",
          String(options.trackingPort ?? 5000),
          "--data-dir",
          dataDir,
        ],
        { stdio: ["ignore", "pipe", "pipe"] },
      );
      stops.push(stopper(tracking));
      const m = await waitForLine(tracking, /listening at (http:\/\/\S+)/, "The tracking server", 20_000);
      trackingUri = m[1];
      pipe(tracking, "[tracking] ");
    }
    const token = options.token ?? randomBytes(16).toString("hex");
    const labPort = options.labPort === 0 ? await freePort() : (options.labPort ?? 8888);
    const lab = spawn(
      PYTHON,
      [
        join(ROOT, "app", "main.py"),
        "--ip=127.0.0.1",
        `--port=${labPort}`,
        "--port-retries=0",
        "--no-browser",
        `--ServerApp.token=${token}`,
        `--ServerApp.root_dir=${notebookDir}`,
        ...(options.labArgs ?? []),
      ],
      {
        cwd: notebookDir,
        stdio: ["ignore", "pipe", "pipe"],
        env: {
          ...process.env,
          ...options.env,
          MLFLOW_TRACKING_URI: trackingUri,
          // Kernels inherit it: `import labtrack` (python/labtrack) works in every Python notebook.
          PYTHONPATH: [join(ROOT, "python"), options.env?.PYTHONPATH ?? process.env.PYTHONPATH]
            .filter(Boolean)
            .join(":"),
          JUPYTER_PATH: join(jupyterDir, "share", "jupyter"),
          JUPYTER_CONFIG_DIR: join(jupyterDir, "config"),
          JUPYTER_RUNTIME_DIR: join(jupyterDir, "runtime"),
          LABTRACK_LAB_SETTINGS: join(dataDir, "lab", "user-settings"),
          LABTRACK_LAB_WORKSPACES: join(dataDir, "lab", "workspaces"),
        },
      },
    );
    stops.push(stopper(lab));
    const m = await waitForLine(lab, /(http:\/\/127\.0\.0\.1:\d+\/)lab\?token=/, "JupyterLab", 60_000);
    pipe(lab, "[lab] ");
    const labBase = m[1];
    return {
      trackingUri,
      labBase,
      token,
      labUrl: `${labBase}lab?token=${token}`,
      notebookDir,
      dataDir,
      stop: () => Promise.all(stops.reverse().map((s) => s())),
    };
  } catch (e) {
    await Promise.all(stops.map((s) => s()));
    throw e;
  }
}
