// `labtrack server` configured as containers configure `mlflow server`: MLflow's environment variables,
// flags winning over them, a start-up summary with the database password masked, and a PostgreSQL
// database that is not up yet waited for (logged, with a limit), all with the real process.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type PgCluster, postgresAvailable, startPostgres } from "../helpers/postgres.js";

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");
const dir = mkdtempSync(join(tmpdir(), "labtrack-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The caller's MLflow/Labtrack variables would configure the server too: each test names its own. */
const cleanEnv = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MLFLOW_|LABTRACK_)/.test(k)),
  ) as NodeJS.ProcessEnv;

interface Started {
  child: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; ms: number }>;
}
const started: Started[] = [];
afterEach(() => {
  for (const s of started.splice(0)) if (s.child.exitCode === null) s.child.kill("SIGKILL");
});

function server(args: string[], env: Record<string, string>): Started {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, "server", ...args], {
    cwd: dir,
    env: { ...cleanEnv(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<{ code: number | null; ms: number }>((done) =>
    child.once("exit", (code) => done({ code, ms: Date.now() - t0 })),
  );
  const s = { child, output: () => ({ stdout, stderr }), exited };
  started.push(s);
  return s;
}

async function until<T>(what: string, s: Started, timeoutMs: number, probe: () => T | undefined) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    const { stdout, stderr } = s.output();
    if (s.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`no ${what} (exit ${s.child.exitCode}):\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The URL of the "listening at" line, which tools parse: it stays the first line, as it was. */
const listening = (s: Started) =>
  until(
    "listening line",
    s,
    30_000,
    () => /^Labtrack tracking server listening at (http:\/\/\S+)\n/.exec(s.output().stdout)?.[1],
  );

/** A port nothing listens on. */
const closedPort = () =>
  new Promise<number>((done) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });

describe("labtrack server configured through the environment", () => {
  it("takes the store, artifact, host and port options from MLFLOW_* variables and says so", async () => {
    const db = join(dir, "from-env", "runs.db");
    const artifacts = join(dir, "from-env-artifacts");
    const s = server([], {
      MLFLOW_BACKEND_STORE_URI: `sqlite:///${db}`,
      MLFLOW_ARTIFACTS_DESTINATION: artifacts,
      MLFLOW_HOST: "127.0.0.1",
      MLFLOW_PORT: "0",
      MLFLOW_WORKERS: "1",
      LABTRACK_DATA_DIR: join(dir, "unused-data-dir"),
    });
    const url = await listening(s);
    expect(existsSync(db)).toBe(true);
    const created = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "configured-by-env" }),
    });
    expect(created.status).toBe(200);
    const put = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/0/hello.txt`, {
      method: "PUT",
      body: "hi",
    });
    expect(put.status, await put.clone().text()).toBe(200);
    expect(readFileSync(join(artifacts, "0", "hello.txt"), "utf8")).toBe("hi");
    expect(existsSync(join(dir, "unused-data-dir", "labtrack.db"))).toBe(false);

    const { stdout } = s.output();
    expect(stdout).toContain(`backend store:         sqlite:///${db}  (MLFLOW_BACKEND_STORE_URI)`);
    expect(stdout).toContain(
      `artifacts:             served, stored in ${artifacts}  (MLFLOW_ARTIFACTS_DESTINATION)`,
    );
    expect(stdout).toContain("authentication:        off");
    expect(stdout).toMatch(/version: +\d+\.\d+\.\d+/);
    expect(stdout).toMatch(/allowed hosts: +localhost/);
    // Printed once.
    expect(stdout.match(/listening at/g)).toHaveLength(1);
    expect(stdout.match(/backend store:/g)).toHaveLength(1);
  }, 40_000);

  it("lets a flag win over its variable, reads MLFLOW_SERVE_ARTIFACTS=false, refuses a bad value by name", async () => {
    const s = server(["--port", "0", "--backend-store-uri", join(dir, "flag.db")], {
      MLFLOW_PORT: "not-a-port",
      MLFLOW_BACKEND_STORE_URI: "postgresql://u:secret@127.0.0.1:1/never-used",
      MLFLOW_SERVE_ARTIFACTS: "false",
      MLFLOW_DEFAULT_ARTIFACT_ROOT: join(dir, "client-side"),
    });
    const url = await listening(s);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    expect(existsSync(join(dir, "flag.db"))).toBe(true);
    const { stdout } = s.output();
    expect(stdout).toContain(`backend store:         sqlite:///${join(dir, "flag.db")}\n`);
    expect(stdout).toContain("artifacts:             not served");
    expect(stdout).toContain(
      `default artifact root: ${join(dir, "client-side")}  (MLFLOW_DEFAULT_ARTIFACT_ROOT)`,
    );
    const served = await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/0/x.txt`, {
      method: "PUT",
      body: "x",
    });
    expect(served.status).not.toBe(200);

    const bad = server([], { MLFLOW_PORT: "99999" });
    expect((await bad.exited).code).toBe(2);
    expect(bad.output().stderr).toBe("labtrack: invalid MLFLOW_PORT '99999': expected 0–65535\n");
  }, 40_000);
});

describe("a PostgreSQL database that does not answer at start-up", () => {
  it("is retried with backoff and logged with the password masked, then one line and exit 1 at the limit", async () => {
    const port = await closedPort();
    const uri = `postgresql://u:secret@127.0.0.1:${port}/db`;
    const s = server(["--port", "0"], { MLFLOW_BACKEND_STORE_URI: uri, LABTRACK_DB_WAIT: "3" });
    const { code, ms } = await s.exited;
    const { stdout, stderr } = s.output();
    expect(code).toBe(1);
    // At the limit, not at the 60 s default: the margin is for a busy machine's process start-up.
    expect(ms).toBeLessThan(3000 + 20_000);
    expect(`${stdout}${stderr}`).not.toContain("secret");
    const masked = `postgresql://u:***@127.0.0.1:${port}/db`;
    const lines = stderr.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^labtrack: waiting for the database at ${reEscape(masked)} \\(attempt 1, next in 1 s\\): .*ECONNREFUSED`,
      ),
    );
    expect(lines[1]).toMatch(/\(attempt 2, next in 2 s\)/);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^labtrack: cannot open the database at ${reEscape(masked)}: no answer in 3 s \\(\\d+ attempts\\): .*ECONNREFUSED`,
      ),
    );
    expect(stdout).not.toContain("listening at");
    expect(stderr).not.toMatch(/\n\s+at /);

    // --db-wait on the command line wins over LABTRACK_DB_WAIT: one attempt, at once.
    const once = server(["--port", "0", "--db-wait", "0"], {
      MLFLOW_BACKEND_STORE_URI: uri,
      LABTRACK_DB_WAIT: "600",
    });
    const quick = await once.exited;
    expect(quick.code).toBe(1);
    // Far below the 600 s the variable asks for; the margin is a busy machine's process start-up.
    expect(quick.ms).toBeLessThan(30_000);
    expect(once.output().stderr).toMatch(/no answer in 0 s \(1 attempt\)/);
  }, 90_000);

  describe.skipIf(!postgresAvailable())("and comes up later", () => {
    let cluster: PgCluster | undefined;
    afterAll(() => cluster?.destroy());

    it("is served once it answers; the summary masks the password", async () => {
      cluster = await startPostgres();
      cluster.stop();
      // Trust authentication ignores the password: what matters is that it never shows.
      const uri = `postgresql://postgres:secret@127.0.0.1:${cluster.port}/postgres`;
      const s = server(["--port", "0"], { MLFLOW_BACKEND_STORE_URI: uri, LABTRACK_DB_WAIT: "60" });
      await until("a waiting line", s, 15_000, () =>
        /waiting for the database at postgresql:\/\/postgres:\*\*\*@/.test(s.output().stderr)
          ? true
          : undefined,
      );
      cluster.start();
      const url = await listening(s);
      const created = await fetch(`${url}/api/2.0/mlflow/experiments/create`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "after-the-database" }),
      });
      expect(created.status).toBe(200);
      const { stdout, stderr } = s.output();
      expect(`${stdout}${stderr}`).not.toContain("secret");
      expect(stdout).toContain(
        `backend store:         postgresql://postgres:***@127.0.0.1:${cluster.port}/postgres  (MLFLOW_BACKEND_STORE_URI)`,
      );
      // Served artifacts on this machine's disk while the database may be shared: said at start.
      expect(stdout).toMatch(/note: artifacts go to this machine's .*--artifacts-destination/);
    }, 90_000);
  });
});

function reEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
