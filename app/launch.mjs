// Starts Labtrack as a user runs it: the tracking server (SQLite in a data directory) and JupyterLab
// (app/main.py under Debian's python3) with the Labtrack extension, the Python and TypeScript kernels,
// and a notebook folder seeded with the demo notebooks. Used by `npm start`, the UI tests and the
// page-load benchmark, so all three run the same thing. It also looks after them: see "sessions" below.
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

/** Whether 127.0.0.1:`port` can be listened on right now, as both servers will. */
export function portIsFree(port) {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once("error", (e) => (e.code === "EADDRINUSE" ? done(false) : reject(e)));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/** Another program holds a port one of Labtrack's servers (`which`: "tracking" or "lab") wanted. */
export class PortInUseError extends Error {
  constructor(which, port) {
    super(`port ${port} is in use`);
    this.name = "PortInUseError";
    this.which = which;
    this.port = port;
  }
}

/**
 * The live processes of this machine: pid → { ppid, pgid, sid }. Zombies are left out: they are dead,
 * only not reaped yet. Linux reads /proc; elsewhere `ps` (sessions then count as process groups).
 */
export function processTable() {
  const table = new Map();
  if (existsSync("/proc/self/stat")) {
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      let stat;
      try {
        stat = readFileSync(`/proc/${name}/stat`, "utf8");
      } catch {
        continue; // gone meanwhile
      }
      // "pid (comm) state ppid pgrp session …": comm may hold spaces and parentheses, so the fields
      // are counted from the last ")".
      const [state, ppid, pgid, sid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state !== "Z")
        table.set(Number(name), { ppid: Number(ppid), pgid: Number(pgid), sid: Number(sid) });
    }
    return table;
  }
  const ps = spawnSync("ps", ["-A", "-o", "pid=,ppid=,pgid=,stat="], { encoding: "utf8" });
  for (const line of ps.stdout.split("\n")) {
    const [pid, ppid, pgid, stat] = line.trim().split(/\s+/);
    if (pid && !stat?.startsWith("Z"))
      table.set(Number(pid), { ppid: Number(ppid), pgid: Number(pgid), sid: Number(pgid) });
  }
  return table;
}

/** `roots` and every process below them in `table`. */
export function descendants(table, roots) {
  const children = new Map();
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const found = new Set();
  const queue = roots.filter((pid) => table.has(pid));
  while (queue.length > 0) {
    const pid = queue.pop();
    if (found.has(pid)) continue;
    found.add(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

// The servers run in sessions of their own (spawn's `detached`), so the terminal's Ctrl-C reaches only
// the launcher, which stops them in order: the Lab first, which shuts its kernels down, then whatever
// is left of every session involved. Kernels have sessions of their own too (jupyter_client starts
// them with setsid), and a tslab kernel's node children stay in its session: a session is what a
// kernel and everything it started share even after the Lab is gone and they were re-parented.
// If the launcher dies without stopping them (kill -9), Linux's parent-death signal, armed by this
// wrapper before it execs the server, sends them SIGTERM; the Lab then shuts its kernels down.
const PARENT_DEATH_SIGNAL = `
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except (AttributeError, OSError):
    pass  # not Linux: the server runs without it
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)  # the launcher died before the signal was armed
os.execv(sys.argv[2], sys.argv[2:])
`;

function spawnServer(command, args, options) {
  const [file, argv] = existsSync(PYTHON)
    ? [PYTHON, ["-c", PARENT_DEATH_SIGNAL, String(process.pid), command, ...args]]
    : [command, args];
  return spawn(file, argv, { ...options, stdio: ["ignore", "pipe", "pipe"], detached: true });
}

const hasExited = (child) => child.exitCode !== null || child.signalCode !== null;

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch (e) {
    if (e.code !== "ESRCH") throw e;
  }
}

/** SIGTERM to the child's process group; SIGKILL after `graceMs`. Resolves once the child is gone. */
function terminate(child, graceMs) {
  return new Promise((done) => {
    if (hasExited(child)) return done();
    const kill = setTimeout(() => signalGroup(child, "SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(kill);
      done();
    });
    signalGroup(child, "SIGTERM");
  });
}

/** The sessions of `children` and of everything they started (kernels), never the caller's own. */
function sessionsOf(children) {
  const table = processTable();
  const sessions = new Set(children.map((c) => c.pid));
  for (const pid of descendants(
    table,
    children.map((c) => c.pid),
  ))
    sessions.add(table.get(pid).sid);
  sessions.delete(table.get(process.pid)?.sid);
  return sessions;
}

/** SIGKILL to every process of `sessions` until none is left (at most ~2 s). */
async function sweep(sessions) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const left = [...processTable()].filter(([pid, p]) => sessions.has(p.sid) && pid !== process.pid);
    if (left.length === 0) return;
    for (const [pid] of left) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Resolves with the first match of `pattern` in the child's output; rejects with the output so far
 * (`error.output`) if the child exits first or takes longer than `timeoutMs`.
 */
function waitForLine(child, pattern, what, timeoutMs) {
  let output = "";
  return new Promise((resolveMatch, reject) => {
    const settle = (finish, value) => {
      clearTimeout(timer);
      child.stdout.off("data", onData);
      child.stderr.off("data", onData);
      child.off("exit", onExit);
      finish(value);
    };
    // `reason` is the short why, for one line of output; the message carries the child's output.
    const fail = (reason) =>
      settle(reject, Object.assign(new Error(`${what} ${reason}:\n${output}`), { output, reason }));
    const timer = setTimeout(() => fail(`did not start in ${timeoutMs / 1000} s`), timeoutMs);
    const onData = (chunk) => {
      output += chunk.toString();
      const m = pattern.exec(output);
      if (m) settle(resolveMatch, m);
    };
    const onExit = (code, signal) =>
      fail(`exited (${signal ? `signal ${signal}` : `code ${code}`}) before it was ready`);
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", onExit);
  });
}

// `labtrack server` reads MLflow's server variables (MLFLOW_BACKEND_STORE_URI…) when no flag is given: a
// shell that exported them for a team server must not move this local server's data out of dataDir.
const SERVER_ENV =
  /^(MLFLOW_(BACKEND_STORE_URI|DEFAULT_ARTIFACT_ROOT|ARTIFACTS_DESTINATION|SERVE_ARTIFACTS|WORKERS|SERVER_.*)|LABTRACK_(DATA_DIR|AUTH|DEFAULT_PERMISSION|DB_WAIT))$/;
const localServerEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !SERVER_ENV.test(k)));

// A tracking server that dies is started again on the same port (the Lab's MLFLOW_TRACKING_URI names
// it): after 0.5 s, doubling up to 8 s, at most 5 times in a minute, so a server that cannot run does
// not spin.
const RESTART_FIRST_DELAY_MS = 500;
const RESTART_MAX_DELAY_MS = 8000;
const RESTART_WINDOW_MS = 60_000;
const RESTART_MAX = 5;

/**
 * Starts the tracking server and the Lab. `trackingPort`/`labPort` 0 pick free ports.
 * `trackingUri` points the Lab at an existing server instead of starting one.
 * `restartTracking`: start the tracking server again when it dies, saying so through `log`.
 * `log(line)`: Labtrack's own messages (default: stderr, nothing when `quiet`).
 * `signal`: an AbortSignal that cancels a start under way (what was started is stopped).
 * Throws a PortInUseError when a port is taken.
 *
 * Returns where things are, `stop()` (graceful: the Lab shuts its kernels down, then every process of
 * their sessions is killed), `kill()` (SIGKILL to all of it, synchronous) and `labExited`, a promise
 * settled with { code, signal } if the Lab exits without `stop()`.
 */
export async function startLabtrack(options = {}) {
  const dataDir = resolve(options.dataDir ?? join(ROOT, ".labtrack"));
  const notebookDir = resolve(options.notebookDir ?? join(dataDir, "notebooks"));
  const jupyterDir = join(dataDir, "jupyter");
  const quiet = options.quiet ?? false;
  const log = options.log ?? (quiet ? () => {} : (line) => process.stderr.write(`${line}\n`));
  const pipe = (child, prefix) => {
    for (const stream of [child.stdout, child.stderr]) {
      if (quiet) stream.resume();
      else stream.on("data", (d) => process.stderr.write(String(d).replace(/^(?=.)/gm, prefix)));
    }
  };
  mkdirSync(dataDir, { recursive: true });
  ensureTslabKernels(jupyterDir);
  prepareNotebooks(notebookDir);

  let tracking = null;
  let lab = null;
  let stopping = null;
  let restartTimer = null;
  const exits = [];
  const running = () => [lab, tracking].filter((c) => c !== null && !hasExited(c));
  // If this process exits without stop() (an uncaught error, process.exit), the servers must not
  // outlive it: the Lab shuts its kernels down on SIGTERM.
  const onProcessExit = () => {
    for (const child of running()) signalGroup(child, "SIGTERM");
  };
  process.on("exit", onProcessExit);

  // The sessions a stop under way found: kill() during it still reaches kernels the Lab has let go of.
  let stopSessions = new Set();
  const stop = () => {
    stopping ??= (async () => {
      clearTimeout(restartTimer);
      const sessions = sessionsOf(running());
      stopSessions = sessions;
      // Jupyter answers SIGTERM by shutting its kernels down (a shutdown request, then SIGKILL to each
      // kernel's process group after 5 s); what is left afterwards is swept.
      await Promise.all([lab && terminate(lab, 15_000), tracking && terminate(tracking, 5000)]);
      await sweep(sessions);
      process.off("exit", onProcessExit);
    })();
    return stopping;
  };
  const kill = () => {
    stopping ??= Promise.resolve();
    clearTimeout(restartTimer);
    const sessions = new Set([...stopSessions, ...sessionsOf(running())]);
    for (const [pid, p] of processTable())
      if (sessions.has(p.sid) && pid !== process.pid) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // exited meanwhile
        }
      }
  };
  const aborted = () => void stop();
  options.signal?.addEventListener("abort", aborted, { once: true });

  const startTracking = async (port) => {
    tracking = spawnServer(
      process.execPath,
      [
        join(ROOT, "bin", "labtrack.js"),
        "server",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--data-dir",
        dataDir,
      ],
      { env: localServerEnv() },
    );
    const child = tracking;
    try {
      const m = await waitForLine(child, /listening at (http:\/\/\S+)/, "The tracking server", 20_000);
      pipe(child, "[tracking] ");
      return m[1];
    } catch (e) {
      await terminate(child, 2000);
      if (/already in use/.test(e.output ?? "")) throw new PortInUseError("tracking", port);
      throw e;
    }
  };
  const superviseTracking = (port) => {
    const child = tracking;
    child.once("exit", (code, signal) => {
      if (stopping || child !== tracking) return;
      restartTracking(port, `exited (${signal ? `signal ${signal}` : `code ${code}`})`);
    });
  };
  const restartTracking = (port, why) => {
    const now = Date.now();
    exits.push(now);
    while (exits[0] < now - RESTART_WINDOW_MS) exits.shift();
    if (exits.length > RESTART_MAX) {
      log(
        `labtrack: the tracking server ${why}, ${exits.length} times in ${RESTART_WINDOW_MS / 1000} s; not restarting it again (its output above starts with [tracking])`,
      );
      return;
    }
    log(`labtrack: the tracking server ${why}; restarting…`);
    const delay = Math.min(RESTART_FIRST_DELAY_MS * 2 ** (exits.length - 1), RESTART_MAX_DELAY_MS);
    restartTimer = setTimeout(async () => {
      if (stopping) return;
      try {
        const uri = await startTracking(port);
        if (stopping) return;
        log(`labtrack: the tracking server is back at ${uri}`);
        superviseTracking(port);
      } catch (e) {
        if (stopping) return;
        // Its output is shown once it is up; a server that never came up shows it here.
        const output = e.output?.trimEnd();
        if (output) log(output.replace(/^/gm, "[tracking] "));
        restartTracking(
          port,
          e instanceof PortInUseError
            ? `could not listen: port ${port} is now taken by another program`
            : (e.reason ?? `could not start (${e.message})`),
        );
      }
    }, delay);
  };

  try {
    let trackingUri = options.trackingUri;
    if (!trackingUri) {
      trackingUri = await startTracking(options.trackingPort ?? 5000);
      if (options.restartTracking) superviseTracking(Number(new URL(trackingUri).port));
    }
    const token = options.token ?? randomBytes(16).toString("hex");
    const labPort = options.labPort === 0 ? await freePort() : (options.labPort ?? 8888);
    options.signal?.throwIfAborted();
    lab = spawnServer(
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
    const labChild = lab;
    let m;
    try {
      m = await waitForLine(labChild, /(http:\/\/127\.0\.0\.1:\d+\/)lab\?token=/, "JupyterLab", 60_000);
    } catch (e) {
      if (/The port \d+ is already in use/.test(e.output ?? "")) throw new PortInUseError("lab", labPort);
      throw e;
    }
    pipe(labChild, "[lab] ");
    const labExited = new Promise((done) =>
      labChild.once("exit", (code, signal) => {
        if (!stopping) done({ code, signal });
      }),
    );
    options.signal?.removeEventListener("abort", aborted);
    const labBase = m[1];
    return {
      trackingUri,
      labBase,
      token,
      labUrl: `${labBase}lab?token=${token}`,
      notebookDir,
      dataDir,
      stop,
      kill,
      labExited,
    };
  } catch (e) {
    options.signal?.removeEventListener("abort", aborted);
    await stop();
    throw options.signal?.aborted ? options.signal.reason : e;
  }
}
