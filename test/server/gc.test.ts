// `labtrack gc` and `labtrack db …` as operators run them: real `labtrack` processes on the database
// and artifact store of a running server (SQLite, or PostgreSQL under LABTRACK_TEST_BACKEND=postgres),
// with artifacts in a local directory and on a real S3-compatible server.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { psqlAt } from "../helpers/postgres.js";
import { type S3Server, startS3 } from "../helpers/s3.js";
import { api, checkers, type RunningServer, startServer, testBackend } from "../helpers/server.js";

type Body = Record<string, any>;

const BIN = resolve(import.meta.dirname, "../../bin/labtrack.js");
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

/**
 * Runs `labtrack …` to its end. Asynchronously: the S3 server runs in this process and must answer
 * the command meanwhile.
 */
const cli = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", fail);
    child.on("close", (status) => {
      clearTimeout(timer);
      done({ status, stdout, stderr });
    });
  });

let s3: S3Server;
const local = mkdtempSync(join(tmpdir(), "labtrack-gc-"));
beforeAll(async () => {
  s3 = await startS3("labtrack-gc");
});
afterAll(async () => {
  await s3?.stop();
  rmSync(local, { recursive: true, force: true });
});

describe.each([
  { name: "a local directory", destination: () => join(local, "store"), env: () => ({}), isLocal: true },
  { name: "S3", destination: () => "s3://labtrack-gc/team/artifacts", env: () => s3.env, isLocal: false },
])("labtrack gc with artifacts in $name", ({ destination, env, isLocal }) => {
  let server: RunningServer;
  const call = () => api(server.url);
  const { ok, fails } = checkers(call, expect);
  const gc = (...args: string[]) =>
    cli(
      [
        "gc",
        "--backend-store-uri",
        server.backendStoreUri,
        "--artifacts-destination",
        destination(),
        ...args,
      ],
      env(),
    );

  beforeAll(async () => {
    server = await startServer({ args: ["--artifacts-destination", destination()], env: env() });
  });
  afterAll(async () => server?.dispose());

  /** A run with params, metrics, tags, a dataset input and an artifact file, as clients log them. */
  async function fullRun(experimentId: string, name: string): Promise<string> {
    const created = await ok("POST", "/runs/create", { experiment_id: experimentId, run_name: name });
    const runId = created.run.info.run_id as string;
    expect(created.run.info.artifact_uri).toBe(`mlflow-artifacts:/${experimentId}/${runId}/artifacts`);
    await ok("POST", "/runs/log-batch", {
      run_id: runId,
      params: [{ key: "lr", value: "0.1" }],
      metrics: [
        { key: "loss", value: 1, timestamp: 1, step: 0 },
        { key: "loss", value: 0.5, timestamp: 2, step: 1 },
      ],
      tags: [{ key: "team", value: "vision" }],
    });
    await ok("POST", "/runs/log-inputs", {
      run_id: runId,
      datasets: [
        {
          tags: [{ key: "mlflow.data.context", value: "train" }],
          dataset: { name: `data-${name}`, digest: "abc", source_type: "local", source: "/data" },
        },
      ],
    });
    const put = await fetch(
      `${server.url}${ARTIFACTS}/${experimentId}/${runId}/artifacts/model/weights.bin`,
      {
        method: "PUT",
        body: `weights of ${name}`,
      },
    );
    expect(put.status).toBe(200);
    return runId;
  }

  /** The files the server lists in a run's `artifacts/model` directory (S3 or local alike). */
  const artifactFiles = async (experimentId: string, runId: string): Promise<string[]> => {
    const listed = await ok(
      "GET",
      "/artifacts",
      { path: `${experimentId}/${runId}/artifacts/model` },
      "/api/2.0/mlflow-artifacts",
    );
    return ((listed.files ?? []) as { path: string }[]).map((f) => f.path.split("/").at(-1) as string);
  };
  const runDirectory = (experimentId: string, runId: string) => join(destination(), experimentId, runId);

  const deletedRunIds = async (experimentId: string): Promise<string[]> => {
    const found = await ok("POST", "/runs/search", {
      experiment_ids: [experimentId],
      run_view_type: "DELETED_ONLY",
      max_results: 1000,
    });
    return ((found.runs ?? []) as Body[]).map((r) => r.info.run_id as string);
  };

  /** Rows the runs still have in any table a run owns, read from the database itself. */
  async function rowsOf(runIds: string[]): Promise<Record<string, number>> {
    const tables = ["runs", "params", "tags", "metrics", "latest_metrics", "run_inputs", "input_tags"];
    const counts: Record<string, number> = {};
    if (testBackend() === "sqlite") {
      const db = new Database(server.dbFile, { readonly: true });
      for (const table of tables)
        counts[table] = (
          db
            .prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE run_uuid IN (SELECT value FROM json_each(?))`)
            .get(JSON.stringify(runIds)) as { n: number }
        ).n;
      db.close();
      return counts;
    }
    const client = new pg.Client(server.backendStoreUri);
    await client.connect();
    for (const table of tables)
      counts[table] = Number(
        (await client.query(`SELECT COUNT(*) AS n FROM ${table} WHERE run_uuid = ANY($1)`, [runIds])).rows[0]
          .n,
      );
    await client.end();
    return counts;
  }
  const none = { runs: 0, params: 0, tags: 0, metrics: 0, latest_metrics: 0, run_inputs: 0, input_tags: 0 };

  it("removes deleted runs with their rows and artifacts, and nothing of the others", async () => {
    const experimentId = (await ok("POST", "/experiments/create", { name: "gc-runs" }))
      .experiment_id as string;
    const kept = await fullRun(experimentId, "kept");
    const gone = [await fullRun(experimentId, "gone-1"), await fullRun(experimentId, "gone-2")];
    for (const runId of gone) await ok("POST", "/runs/delete", { run_id: runId });
    expect(await artifactFiles(experimentId, gone[0] as string)).toEqual(["weights.bin"]);
    expect(await rowsOf(gone)).toEqual({
      runs: 2,
      params: 2,
      tags: 4,
      metrics: 4,
      latest_metrics: 2,
      run_inputs: 2,
      input_tags: 2,
    });

    // A run that is not deleted, named with a deleted one: MLflow's error, nothing removed.
    const refused = await gc("--run-ids", `${gone[0]},${kept}`);
    expect(refused.status, refused.stdout).not.toBe(0);
    expect(refused.stderr).toContain(`Run ${kept} is not in \`deleted\` lifecycle stage`);
    expect(refused.stdout).not.toContain("permanently deleted");
    expect((await deletedRunIds(experimentId)).sort()).toEqual([...gone].sort());
    expect(await artifactFiles(experimentId, gone[0] as string)).toEqual(["weights.bin"]);

    // Deleted just now: not older than a day.
    const young = await gc("--older-than", "1d");
    expect(young.status, young.stderr).toBe(0);
    expect(young.stdout).toContain("gc: removed 0 runs and 0 experiments");
    const tooYoung = await gc("--older-than", "1d", "--run-ids", gone[0] as string);
    expect(tooYoung.status).not.toBe(0);
    expect(tooYoung.stderr).toContain(`Run ${gone[0]} is not older than the required age`);

    const done = await gc("--older-than", "0s");
    expect(done.status, done.stderr).toBe(0);
    for (const runId of gone)
      expect(done.stdout).toContain(`Run with ID ${runId} has been permanently deleted.`);
    expect(done.stdout).toContain("gc: removed 2 runs and 0 experiments");
    for (const runId of gone) {
      await fails("GET", "/runs/get", { run_id: runId }, 404, "RESOURCE_DOES_NOT_EXIST");
      expect(await artifactFiles(experimentId, runId)).toEqual([]);
      if (isLocal) expect(existsSync(runDirectory(experimentId, runId))).toBe(false);
    }
    expect(await deletedRunIds(experimentId)).toEqual([]);
    expect(await rowsOf(gone)).toEqual(none);

    // The active run keeps everything.
    const run = (await ok("GET", "/runs/get", { run_id: kept })).run;
    expect(run.data.params).toEqual([{ key: "lr", value: "0.1" }]);
    expect(run.data.metrics).toEqual([expect.objectContaining({ key: "loss", value: 0.5, step: 1 })]);
    expect(run.data.tags).toEqual(expect.arrayContaining([{ key: "team", value: "vision" }]));
    expect(run.inputs.dataset_inputs).toHaveLength(1);
    const history = await ok("GET", "/metrics/get-history", { run_id: kept, metric_key: "loss" });
    expect(history.metrics).toHaveLength(2);
    expect(await artifactFiles(experimentId, kept)).toEqual(["weights.bin"]);
    const file = await fetch(`${server.url}${ARTIFACTS}/${experimentId}/${kept}/artifacts/model/weights.bin`);
    expect(await file.text()).toBe("weights of kept");
    // Searching by a param no longer finds rows of the removed runs.
    const byParam = await ok("POST", "/runs/search", {
      experiment_ids: [experimentId],
      filter: "params.lr = '0.1'",
      run_view_type: "ALL",
    });
    expect((byParam.runs as Body[]).map((r) => r.info.run_id)).toEqual([kept]);

    // Nothing left to remove: a second pass removes nothing.
    const again = await gc("--older-than", "0s");
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("gc: removed 0 runs and 0 experiments");
  });

  it("removes a deleted experiment with its runs; refuses an active one", async () => {
    const experimentId = (await ok("POST", "/experiments/create", { name: "gc-experiment" }))
      .experiment_id as string;
    const other = (await ok("POST", "/experiments/create", { name: "gc-other" })).experiment_id as string;
    const runs = [await fullRun(experimentId, "a"), await fullRun(experimentId, "b")];
    const otherRun = await fullRun(other, "other");
    // An MLflow 3 logged model of the experiment, with a file: it goes with the experiment.
    const modelId = (
      await ok("POST", "/logged-models", { experiment_id: experimentId, source_run_id: runs[0] })
    ).model.info.model_id as string;
    const modelFiles = async () =>
      (
        ((
          await ok(
            "GET",
            "/artifacts",
            { path: `${experimentId}/models/${modelId}/artifacts` },
            "/api/2.0/mlflow-artifacts",
          )
        ).files ?? []) as { path: string }[]
      ).map((f) => f.path.split("/").at(-1));
    const put = await fetch(`${server.url}${ARTIFACTS}/${experimentId}/models/${modelId}/artifacts/MLmodel`, {
      method: "PUT",
      body: "flavors: {}\n",
    });
    expect(put.status).toBe(200);
    expect(await modelFiles()).toEqual(["MLmodel"]);

    const refused = await gc("--experiment-ids", other);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain(`Experiments [${other}] are not in the deleted lifecycle stage`);

    await ok("POST", "/experiments/delete", { experiment_id: experimentId });
    const done = await gc("--experiment-ids", experimentId);
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toContain(`Experiment with ID ${experimentId} has been permanently deleted.`);
    for (const runId of runs)
      expect(done.stdout).toContain(`Run with ID ${runId} has been permanently deleted.`);
    expect(done.stdout).toContain("gc: removed 2 runs and 1 experiment");

    await fails("GET", "/experiments/get", { experiment_id: experimentId }, 404, "RESOURCE_DOES_NOT_EXIST");
    expect(await rowsOf(runs)).toEqual(none);
    expect(await modelFiles()).toEqual([]);
    if (isLocal) expect(existsSync(join(destination(), experimentId, "models", modelId))).toBe(false);
    for (const runId of runs) {
      await fails("GET", "/runs/get", { run_id: runId }, 404, "RESOURCE_DOES_NOT_EXIST");
      expect(await artifactFiles(experimentId, runId)).toEqual([]);
      if (isLocal) expect(existsSync(runDirectory(experimentId, runId))).toBe(false);
    }
    const listed = await ok("POST", "/experiments/search", { view_type: "ALL", max_results: 1000 });
    expect((listed.experiments as Body[]).map((e) => e.name)).not.toContain("gc-experiment");
    // Its name is free again, as after MLflow's gc.
    await ok("POST", "/experiments/create", { name: "gc-experiment" });

    // The other experiment is untouched.
    expect((await ok("GET", "/runs/get", { run_id: otherRun })).run.data.params).toHaveLength(1);
    expect(await artifactFiles(other, otherRun)).toEqual(["weights.bin"]);
  });

  it("names the artifacts it could not remove, after removing the rows", async () => {
    // An artifact location no store can open: the run's rows go, its files are left to the operator.
    const experimentId = (
      await ok("POST", "/experiments/create", {
        name: "gc-unreachable",
        artifact_location: "ftp://files.example/exp",
      })
    ).experiment_id as string;
    const runId = (await ok("POST", "/runs/create", { experiment_id: experimentId })).run.info
      .run_id as string;
    await ok("POST", "/runs/delete", { run_id: runId });
    const done = await gc("--run-ids", runId);
    expect(done.status).toBe(1);
    expect(done.stdout).toContain(`Run with ID ${runId} has been permanently deleted.`);
    expect(done.stderr).toContain(
      `the artifacts of run ${runId} at ftp://files.example/exp/${runId}/artifacts were not removed`,
    );
    expect(done.stdout).toContain("1 artifact location(s) left to remove by hand");
    await fails("GET", "/runs/get", { run_id: runId }, 404, "RESOURCE_DOES_NOT_EXIST");
  });
});

describe("labtrack db", () => {
  const dir = mkdtempSync(join(tmpdir(), "labtrack-db-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A database nobody opened yet: a new SQLite file, or a new PostgreSQL database. */
  function freshDatabase(): { uri: string; drop(): void } {
    if (testBackend() === "sqlite")
      return { uri: `sqlite:///${join(dir, "fresh.db")}`, drop: () => undefined };
    const port = inject("pgPort");
    const name = `lt_dbcmd_${process.pid}`;
    psqlAt(port, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    psqlAt(port, `CREATE DATABASE "${name}"`);
    return {
      uri: `postgresql://postgres@127.0.0.1:${port}/${name}`,
      drop: () => psqlAt(port, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
    };
  }

  it("prints the schema version before and after db upgrade", async () => {
    const db = freshDatabase();
    try {
      const before = await cli(["db", "version", "--backend-store-uri", db.uri]);
      expect(before.status, before.stderr).toBe(0);
      const latest = Number(/newest schema version (\d+)/.exec(before.stdout)?.[1]);
      expect(latest).toBeGreaterThan(0);
      expect(before.stdout).toMatch(/: schema version 0\n/);
      expect(before.stdout).toContain("run 'labtrack db upgrade'");
      // Reading the version created nothing.
      if (testBackend() === "sqlite") expect(existsSync(join(dir, "fresh.db"))).toBe(false);

      const upgraded = await cli(["db", "upgrade", "--backend-store-uri", db.uri]);
      expect(upgraded.status, upgraded.stderr).toBe(0);
      expect(upgraded.stdout).toContain(`upgraded the schema from version 0 to ${latest}`);

      const after = await cli(["db", "version", "--backend-store-uri", db.uri]);
      expect(after.status).toBe(0);
      expect(after.stdout).toContain(`: schema version ${latest}\n`);
      expect(after.stdout).toContain("(up to date)");

      const again = await cli(["db", "upgrade", db.uri]);
      expect(again.status).toBe(0);
      expect(again.stdout).toContain(`schema version ${latest}, already up to date`);
    } finally {
      db.drop();
    }
  });

  it.runIf(testBackend() === "sqlite")("backs up a SQLite database while a server writes to it", async () => {
    const server = await startServer();
    try {
      await api(server.url)("POST", "/experiments/create", { name: "in-the-backup" });
      const target = join(dir, "backup.db");
      const backup = await cli([
        "db",
        "backup",
        "--backend-store-uri",
        server.backendStoreUri,
        "--to",
        target,
      ]);
      expect(backup.status, backup.stderr).toBe(0);
      const copy = new Database(target, { readonly: true });
      const names = copy.prepare("SELECT name FROM experiments").all() as { name: string }[];
      copy.close();
      expect(names.map((n) => n.name)).toContain("in-the-backup");
      const version = await cli(["db", "version", target]);
      expect(version.stdout).toContain("(up to date)");
    } finally {
      await server.dispose();
    }
    const pg = await cli([
      "db",
      "backup",
      "--backend-store-uri",
      "postgresql://x@127.0.0.1:1/x",
      "--to",
      "x",
    ]);
    expect(pg.status).not.toBe(0);
    expect(pg.stderr).toContain("pg_dump");
  });
});
