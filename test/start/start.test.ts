// `npm start` as a user runs it: scripts/start.mjs with the real tracking server, the real JupyterLab
// and real Python and TypeScript kernels. A signal stops every process it started, kernels included; a
// tracking server that dies comes back on its port and the Lab reaches it again; a taken port is one
// line naming the flag to change. Processes are read from /proc (Linux, as in CI).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
// @ts-expect-error -- plain ESM module without types
import { PortInUseError, startLabtrack } from "../../app/launch.mjs";
import { TrackingConnection } from "../../src/lab/connection.js";
import { Reconnector } from "../../src/lab/reconnect.js";
import { readSettings } from "../../src/lab/settings.js";
import { type RunningServer, startServer } from "../helpers/server.js";

const START = resolve(import.meta.dirname, "../../scripts/start.mjs");

interface Proc {
  pid: number;
  ppid: number;
  sid: number;
  cmdline: string;
}

/** Live processes (zombies are dead: only not reaped yet, which is init's business). */
function processes(): Proc[] {
  const found: Proc[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const [state, ppid, , sid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (state === "Z") continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8").replaceAll("\0", " ");
      found.push({ pid: Number(name), ppid: Number(ppid), sid: Number(sid), cmdline });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

function descendantsOf(root: number, table = processes()): Proc[] {
  const out: Proc[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.pop() as number;
    for (const p of table)
      if (p.ppid === pid) {
        out.push(p);
        queue.push(p.pid);
      }
  }
  return out;
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>,
) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Launched {
  child: ChildProcess;
  dataDir: string;
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const launched: Launched[] = [];

/** The caller's MLflow variables would point the Lab elsewhere: each test names the ones it means. */
const withoutMlflow = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MLFLOW_TRACKING_")));

/** `node scripts/start.mjs …` in a session of its own, as a terminal runs `npm start`. */
function launch(args: string[], env: Record<string, string> = {}): Launched {
  const dataDir = mkdtempSync(join(tmpdir(), "labtrack-start-"));
  const child = spawn(process.execPath, [START, "--data-dir", dataDir, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    // Start what is built: this checkout may be mid-edit, and the test must not rebuild it.
    env: { ...withoutMlflow(), LABTRACK_START_NO_BUILD: "1", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  const run = { child, dataDir, output: () => ({ stdout, stderr }), exited };
  launched.push(run);
  return run;
}

/** Waits for the banner; the Lab's address and token, the tracking server's. */
async function running(run: Launched) {
  const m = await waitFor("the banner", 90_000, () => {
    const { stdout, stderr } = run.output();
    if (run.child.exitCode !== null) throw new Error(`npm start exited:\n${stdout}\n${stderr}`);
    return (
      /JupyterLab: +(http:\/\/127\.0\.0\.1:\d+)\/lab\?token=(\w+)[\s\S]*Tracking server: +(http:\/\/\S+)/.exec(
        stdout,
      ) ?? undefined
    );
  });
  const [, labBase, token, trackingUri] = m as unknown as [string, string, string, string];
  const authFetch: typeof fetch = (input, init = {}) =>
    fetch(input, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `token ${token}` },
    });
  return { labBase, token, trackingUri, fetch: authFetch };
}

/** Every live process that names the data directory: servers, kernels (their connection files). */
const mentioning = (dataDir: string) => processes().filter((p) => p.cmdline.includes(dataDir));

afterEach(async () => {
  for (const run of launched.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      try {
        process.kill(-(run.child.pid as number), "SIGKILL");
      } catch {
        // gone
      }
    }
    // A failed test must not leave its servers behind for the next one.
    for (const p of mentioning(run.dataDir)) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(run.dataDir, { recursive: true, force: true });
  }
});

async function startKernel(lab: Awaited<ReturnType<typeof running>>, name: string): Promise<string> {
  const r = await lab.fetch(`${lab.labBase}/api/kernels`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(r.status, await r.clone().text()).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

describe.skipIf(!existsSync("/proc/self/stat"))("npm start", () => {
  it("stops the servers and every kernel when the process group gets SIGINT (Ctrl-C)", async () => {
    // Exported for a team's `labtrack server`, it must not move the local server's data elsewhere.
    const run = launch(["--port", "0", "--lab-port", "0"], {
      MLFLOW_BACKEND_STORE_URI: "postgresql://u:secret@127.0.0.1:1/elsewhere",
    });
    const lab = await running(run);
    expect(existsSync(join(run.dataDir, "labtrack.db"))).toBe(true);
    const ids = [await startKernel(lab, "python3"), await startKernel(lab, "tslab")];
    const pid = run.child.pid as number;
    // Both kernels are processes of their own, in sessions of their own, below the Lab.
    const tree = await waitFor("both kernels' processes", 60_000, () => {
      const below = descendantsOf(pid);
      const kernels = below.filter((p) => ids.some((id) => p.cmdline.includes(`kernel-${id}.json`)));
      return kernels.length === 2 ? below : undefined;
    });
    const kernelProcs = tree.filter((p) => ids.some((id) => p.cmdline.includes(`kernel-${id}.json`)));
    expect(kernelProcs.some((p) => p.cmdline.includes("ipykernel_launcher"))).toBe(true);
    expect(kernelProcs.some((p) => p.cmdline.includes("tslab kernel"))).toBe(true);
    expect(kernelProcs.every((p) => p.sid === p.pid)).toBe(true);
    expect(tree.some((p) => p.cmdline.includes("labtrack.js server"))).toBe(true);
    expect(tree.some((p) => p.cmdline.includes("app/main.py"))).toBe(true);
    const sessions = new Set(tree.map((p) => p.sid));

    process.kill(-pid, "SIGINT");
    const { code } = await Promise.race([
      run.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`not stopped in 40 s:\n${run.output().stderr}`)), 40_000),
      ),
    ]);
    expect(code).toBe(0);
    expect(run.output().stdout).toMatch(/stopping/);
    const pids = new Set(tree.map((p) => p.pid));
    const left = processes().filter((p) => pids.has(p.pid) || sessions.has(p.sid));
    expect(left.map((p) => `${p.pid} ${p.cmdline}`)).toEqual([]);
    expect(mentioning(run.dataDir).map((p) => `${p.pid} ${p.cmdline}`)).toEqual([]);
  }, 180_000);

  it("brings a killed tracking server back on its port; the Lab's status recovers; SIGTERM to the launcher alone stops all", async () => {
    const run = launch(["--port", "0", "--lab-port", "0"]);
    const lab = await running(run);
    await startKernel(lab, "tslab");
    const pid = run.child.pid as number;
    const connection = new TrackingConnection({ proxyBase: `${lab.labBase}/labtrack`, fetch: lab.fetch });
    const { settings } = readSettings({ requestTimeout: 5 });
    connection.configure(settings);
    expect((await connection.check()).state).toBe("connected");
    const reconnector = new Reconnector(connection, 300);
    try {
      const server = descendantsOf(pid).find((p) => p.cmdline.includes("labtrack.js server"));
      expect(server).toBeDefined();
      process.kill((server as Proc).pid, "SIGKILL");
      // Restarting waits 0.5 s first, then the server needs to boot: it is down now.
      const down = await connection.check();
      expect(down.state).toBe("error");
      expect(down.uri).toBe(lab.trackingUri);

      const back = `labtrack: the tracking server is back at ${lab.trackingUri}`;
      await waitFor("the tracking server to be back", 30_000, () => run.output().stderr.includes(back));
      expect(run.output().stderr).toContain(
        "labtrack: the tracking server exited (signal SIGKILL); restarting…",
      );
      const health = await fetch(`${lab.trackingUri}/health`);
      expect(await health.text()).toBe("OK");
      const again = descendantsOf(pid).find((p) => p.cmdline.includes("labtrack.js server"));
      expect(again?.pid).not.toBe((server as Proc).pid);
      // Nobody calls check(): the status turns green by itself.
      await waitFor("the status to recover", 15_000, () => connection.status.state === "connected");
      const { experiments } = await connection.client.searchExperiments();
      expect(experiments.map((e) => e.name)).toContain("Default");
    } finally {
      reconnector.dispose();
    }

    const tree = descendantsOf(pid);
    process.kill(pid, "SIGTERM");
    const { code } = await Promise.race([
      run.exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`not stopped in 40 s:\n${run.output().stderr}`)), 40_000),
      ),
    ]);
    expect(code).toBe(0);
    const sessions = new Set(tree.map((p) => p.sid));
    const left = processes().filter((p) => sessions.has(p.sid));
    expect(left.map((p) => `${p.pid} ${p.cmdline}`)).toEqual([]);
    expect(mentioning(run.dataDir)).toEqual([]);
  }, 180_000);

  describe("a port that is taken", () => {
    let holder: Server;
    let port: number;
    const hold = () =>
      new Promise<void>((done) => {
        holder = createServer();
        holder.listen(0, "127.0.0.1", () => {
          port = (holder.address() as { port: number }).port;
          done();
        });
      });
    afterEach(() => new Promise<void>((done) => holder.close(() => done())));

    for (const [flag, args] of [
      ["--port", (p: number) => ["--port", String(p), "--lab-port", "0"]],
      ["--lab-port", (p: number) => ["--port", "0", "--lab-port", String(p)]],
    ] as const) {
      it(`is one line on stderr naming ${flag}, and a non-zero exit`, async () => {
        await hold();
        const run = launch(args(port));
        const { code } = await run.exited;
        const { stdout, stderr } = run.output();
        expect(code).not.toBe(0);
        expect(stdout).toBe("");
        const lines = stderr.trimEnd().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(`port ${port} is in use`);
        expect(lines[0]).toMatch(new RegExp(`npm start -- ${flag} \\d+$`));
      }, 30_000);
    }

    // Taken between the check and the start: the server itself fails, and the launcher says which.
    it("when the tracking server or the Lab fails to listen, rejects with PortInUseError and leaves nothing", async () => {
      await hold();
      for (const [which, options] of [
        ["tracking", { trackingPort: port, labPort: 0 }],
        ["lab", { trackingPort: 0, labPort: port }],
      ] as const) {
        const dataDir = mkdtempSync(join(tmpdir(), "labtrack-start-"));
        try {
          const error = await startLabtrack({ dataDir, quiet: true, ...options }).then(
            () => null,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(PortInUseError);
          expect(error).toMatchObject({ which, port });
          expect(mentioning(dataDir)).toEqual([]);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    }, 90_000);
  });

  describe("pointed at a tracking server of its own (--tracking-uri, MLFLOW_TRACKING_URI)", () => {
    const ADMIN = { user: "admin", password: "team-secret-123" };
    let server: RunningServer;
    const basic = `Basic ${Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString("base64")}`;
    const credentials = { MLFLOW_TRACKING_USERNAME: ADMIN.user, MLFLOW_TRACKING_PASSWORD: ADMIN.password };

    // A team server with authentication on, and an experiment of its own for the Lab to find.
    const startTeamServer = async () => {
      server = await startServer({
        args: ["--auth"],
        env: { LABTRACK_ADMIN_USERNAME: ADMIN.user, LABTRACK_ADMIN_PASSWORD: ADMIN.password },
      });
      const created = await fetch(`${server.url}/api/2.0/mlflow/experiments/create`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: basic },
        body: JSON.stringify({ name: "team-experiment" }),
      });
      expect(created.status, await created.clone().text()).toBe(200);
    };
    afterEach(async () => {
      await server?.dispose();
    });

    /** The Lab uses that server through its proxy, with the credentials from the environment. */
    const usesTheServer = async (run: Launched) => {
      const lab = await running(run);
      expect(lab.trackingUri).toBe(server.url);
      expect(run.output().stdout).toContain("none was started here");
      expect(run.output().stdout).toContain(`answers (user ${ADMIN.user})`);
      const tree = descendantsOf(run.child.pid as number);
      expect(tree.some((p) => p.cmdline.includes("app/main.py"))).toBe(true);
      expect(tree.filter((p) => p.cmdline.includes("labtrack.js server"))).toEqual([]);
      expect(
        processes().filter(
          (p) => p.cmdline.includes("labtrack.js server") && p.cmdline.includes(run.dataDir),
        ),
      ).toEqual([]);

      const config = await (await lab.fetch(`${lab.labBase}/labtrack/config`)).json();
      expect(config).toMatchObject({ trackingUri: server.url, fromEnvironment: true, credentials: true });
      const searched = await lab.fetch(`${lab.labBase}/labtrack/proxy/api/2.0/mlflow/experiments/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ max_results: 10 }),
      });
      expect(searched.status, await searched.clone().text()).toBe(200);
      const { experiments } = (await searched.json()) as { experiments: { name: string }[] };
      expect(experiments.map((e) => e.name)).toContain("team-experiment");
      // What the status bar does: the connection checks through the proxy, with the server's auth on.
      const connection = new TrackingConnection({ proxyBase: `${lab.labBase}/labtrack`, fetch: lab.fetch });
      connection.configure(readSettings({ requestTimeout: 5 }).settings);
      expect(await connection.check()).toMatchObject({ state: "connected", uri: server.url });
      // Without the Lab's credentials the server refuses: the proxy is what authenticated.
      const anonymous = await fetch(`${server.url}/api/2.0/mlflow/experiments/search`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(anonymous.status).toBe(401);
    };

    it("--tracking-uri starts only JupyterLab, using that server with the environment's credentials; it wins over MLFLOW_TRACKING_URI", async () => {
      await startTeamServer();
      const run = launch(["--tracking-uri", `${server.url}/`, "--lab-port", "0"], {
        ...credentials,
        MLFLOW_TRACKING_URI: "http://127.0.0.1:1",
      });
      await usesTheServer(run);
      expect(run.output().stdout).toContain("(from --tracking-uri; none was started here)");
    }, 120_000);

    it("an exported MLFLOW_TRACKING_URI does the same", async () => {
      await startTeamServer();
      const run = launch(["--lab-port", "0"], { ...credentials, MLFLOW_TRACKING_URI: server.url });
      await usesTheServer(run);
      expect(run.output().stdout).toContain("(from MLFLOW_TRACKING_URI; none was started here)");
    }, 120_000);
  });

  it("an unknown flag prints the usage on stderr and exits 2, without a stack trace; --help prints it", async () => {
    const run = launch(["--tracking-url", "http://127.0.0.1:5000"]);
    const { code } = await run.exited;
    const { stdout, stderr } = run.output();
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.split("\n")[0]).toBe("labtrack: unknown option '--tracking-url'");
    expect(stderr).toContain("usage: npm start -- [options]");
    expect(stderr).toContain("--tracking-uri URL");
    expect(stderr).not.toMatch(/\n\s+at |ERR_PARSE_ARGS/);
    expect(stderr.trimEnd().split("\n").length).toBeLessThan(12);

    const help = launch(["--help"]);
    expect((await help.exited).code).toBe(0);
    expect(help.output().stdout).toContain("usage: npm start -- [options]");
    expect(help.output().stderr).toBe("");
  }, 30_000);
});
