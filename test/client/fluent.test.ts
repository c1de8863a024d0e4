// Every public method of the fluent API against the real Labtrack server process.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import * as lt from "../../src/client/index.js";
import { RejectedDataError, RestClient, Tracker } from "../../src/client/index.js";
import { type RunningServer, startServer } from "../helpers/server.js";

let server: RunningServer;
let tmp: string;
const trackers: Tracker[] = [];

beforeAll(async () => {
  server = await startServer();
  tmp = mkdtempSync(join(tmpdir(), "labtrack-client-"));
});

afterAll(async () => {
  for (const t of trackers) t.close();
  lt.setDefaultTracker(undefined);
  await server?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

function tracker(env: Record<string, string> = {}, options: ConstructorParameters<typeof Tracker>[0] = {}) {
  const t = new Tracker({
    env: { MLFLOW_TRACKING_URI: server.url, USER: "ada", ...env },
    exitHook: false,
    retries: 2,
    backoffMs: 10,
    ...options,
  });
  trackers.push(t);
  return t;
}

async function download(t: Tracker, runId: string, path: string): Promise<string> {
  const run = await t.getRun(runId);
  const proxy = RestClient.proxyPath(run.info.artifactUri!, path);
  return (await t.client.downloadArtifact(proxy!)).text();
}

async function listing(t: Tracker, runId: string, path?: string) {
  return (await t.client.listArtifacts(runId, path)).files.map((f) => f.path).sort();
}

describe("experiments", () => {
  it("setExperiment creates a missing experiment once, also when two clients race", async () => {
    const a = tracker();
    const b = tracker();
    const [x, y] = await Promise.all([a.setExperiment("race"), b.setExperiment("race")]);
    expect(x.experimentId).toBe(y.experimentId);
    expect((await a.setExperiment("race")).experimentId).toBe(x.experimentId);
    expect((await a.setExperiment({ experimentId: x.experimentId })).name).toBe("race");
    expect(await a.currentExperimentId()).toBe(x.experimentId);
  });

  it("refuses a deleted experiment", async () => {
    const t = tracker();
    const e = await t.setExperiment("to-delete");
    await t.client.deleteExperiment(e.experimentId);
    await expect(t.setExperiment("to-delete")).rejects.toThrow(/deleted/);
  });
});

describe("runs", () => {
  it("startRun sets MLflow's system tags and the run name; endRun finishes it", async () => {
    const t = tracker();
    await t.setExperiment("runs");
    const run = await t.startRun({ runName: "first", tags: { team: "ml" }, description: "a note" });
    expect(t.activeRun()?.info.runId).toBe(run.info.runId);
    expect(run.info.runName).toBe("first");
    expect(run.info.status).toBe("RUNNING");
    const tags = run.data.tags;
    expect(tags["mlflow.user"]).toBe("ada");
    expect(tags["mlflow.source.type"]).toBe("LOCAL");
    expect(tags["mlflow.source.name"]).toBeTruthy();
    expect(tags["mlflow.runName"]).toBe("first");
    expect(tags["mlflow.note.content"]).toBe("a note");
    expect(tags.team).toBe("ml");
    const head = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    expect(tags["mlflow.source.git.commit"]).toBe(head);
    await t.endRun();
    expect(t.activeRun()).toBeUndefined();
    const done = await t.getRun(run.info.runId);
    expect(done.info.status).toBe("FINISHED");
    expect(done.info.endTime).toBeGreaterThan(0);
    await t.endRun(); // no active run: nothing to do
  });

  it("says NOTEBOOK inside a Jupyter kernel", async () => {
    const t = tracker({ JPY_PARENT_PID: "1", JPY_SESSION_NAME: "/home/ada/train.ipynb" });
    const run = await t.startRun();
    expect(run.data.tags["mlflow.source.type"]).toBe("NOTEBOOK");
    expect(run.data.tags["mlflow.source.name"]).toBe("/home/ada/train.ipynb");
    await t.endRun("KILLED");
    expect((await t.getRun(run.info.runId)).info.status).toBe("KILLED");
  });

  it("nests runs only when asked to", async () => {
    const t = tracker();
    const parent = await t.startRun({ runName: "parent" });
    await expect(t.startRun()).rejects.toThrow(/Run with UUID \w+ is already active/);
    const child = await t.startRun({ runName: "child", nested: true });
    expect(child.data.tags["mlflow.parentRunId"]).toBe(parent.info.runId);
    expect(t.activeRun()?.info.runId).toBe(child.info.runId);
    await t.endRun();
    expect(t.activeRun()?.info.runId).toBe(parent.info.runId);
    await t.endRun();
    const other = await t.startRun({ parentRunId: parent.info.runId });
    expect(other.data.tags["mlflow.parentRunId"]).toBe(parent.info.runId);
    await t.endRun();
  });

  it("withRun ends FINISHED, or FAILED and rethrows", async () => {
    const t = tracker();
    const ok = await t.withRun({ runName: "ok" }, async (run) => {
      t.logMetric("m", 1);
      const inner = await t.startRun({ nested: true });
      return [run.info.runId, inner.info.runId] as const;
    });
    expect(t.activeRun()).toBeUndefined();
    expect((await t.getRun(ok[0])).info.status).toBe("FINISHED");
    expect((await t.getRun(ok[1])).info.status).toBe("FINISHED");
    expect((await t.getRun(ok[0])).data.metrics.m).toBe(1);

    let failedId = "";
    await expect(
      t.withRun(async (run) => {
        failedId = run.info.runId;
        throw new Error("diverged");
      }),
    ).rejects.toThrow("diverged");
    expect(t.activeRun()).toBeUndefined();
    expect((await t.getRun(failedId)).info.status).toBe("FAILED");
  });

  it("logs params, metrics, tags and a note, and reads the metric history", async () => {
    const t = tracker();
    const run = await t.startRun();
    const id = run.info.runId;
    t.logParam("lr", 0.01);
    t.logParams({ epochs: 3, optimizer: "adam", shuffle: true });
    for (let step = 0; step < 3000; step++) t.logMetric("loss", 1 / (step + 1), step);
    t.logMetrics({ acc: 0.9, f1: 0.8 }, 7, { timestamp: 1_700_000_000_000 });
    t.setTag("stage", "dev");
    t.setTags({ a: 1, b: false });
    t.setNote("# notes");
    t.setTag("gone", "x");
    await t.deleteTag("gone");
    const got = await t.getRun(id);
    expect(got.data.params).toEqual({ lr: "0.01", epochs: "3", optimizer: "adam", shuffle: "true" });
    expect(got.data.metrics).toMatchObject({ loss: 1 / 3000, acc: 0.9, f1: 0.8 });
    expect(got.data.tags).toMatchObject({
      stage: "dev",
      a: "1",
      b: "false",
      "mlflow.note.content": "# notes",
    });
    expect(got.data.tags.gone).toBeUndefined();
    const history = await t.getMetricHistory(id, "loss");
    expect(history).toHaveLength(3000);
    expect(history.map((p) => p.step)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(await t.getMetricHistory(id, "acc")).toEqual([
      { key: "acc", value: 0.9, step: 7, timestamp: 1_700_000_000_000 },
    ]);
    await t.endRun();
  });

  it("logs to another run by id, and reports a refused param after ending the run", async () => {
    const t = tracker();
    const other = await t.startRun();
    await t.endRun();
    const run = await t.startRun();
    t.logMetric("side", 5, 0, { runId: other.info.runId });
    t.logParam("p", "1");
    t.logParam("p", "2");
    const error = await t.endRun().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RejectedDataError);
    expect((error as RejectedDataError).rejected.params).toBe(1);
    expect(t.activeRun()).toBeUndefined();
    expect((await t.getRun(run.info.runId)).data.params).toEqual({ p: "1" });
    expect((await t.getRun(other.info.runId)).data.metrics.side).toBe(5);
  });
});

describe("artifacts", () => {
  it("logs text, dicts, tables, charts, files and directories", async () => {
    const t = tracker();
    const run = await t.startRun();
    const id = run.info.runId;
    await t.logText("hello\n", "notes/hello.txt");
    await t.logDict({ a: 1, nested: { b: [1, 2] } }, "config.json");
    await t.logDict({ a: 1, nested: { b: [1, 2] } }, "config.yaml");
    const rows = [
      { epoch: 1, loss: 0.5, note: 'said "hi", left' },
      { epoch: 2, loss: 0.25 },
    ];
    await t.logTable(rows, "tables/loss.json");
    await t.logTable(rows, "tables/loss.csv");
    await t.logTable({ x: [1, 2], y: ["a", "b"] }, "tables/cols.json");
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      mark: "line",
      title: "</script>",
    };
    expect(await t.logVegaLite(spec, "charts/loss")).toEqual({
      json: "charts/loss.json",
      html: "charts/loss.html",
    });
    expect(await t.logFigure(spec, "charts/fig.html")).toEqual({
      json: "charts/fig.json",
      html: "charts/fig.html",
    });

    const file = join(tmp, "model.bin");
    writeFileSync(file, Buffer.from([0, 1, 2, 255]));
    expect(await t.logArtifact(file)).toBe("model.bin");
    expect(await t.logArtifact(file, "models/v1")).toBe("models/v1/model.bin");
    const dir = join(tmp, "outputs");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "a.txt"), "A");
    writeFileSync(join(dir, "sub", "b.txt"), "B");
    expect(await t.logArtifacts(dir, "out")).toEqual(["out/a.txt", "out/sub/b.txt"]);
    expect(await t.logArtifacts(dir)).toEqual(["a.txt", "sub/b.txt"]);

    expect(await listing(t, id)).toEqual([
      "a.txt",
      "charts",
      "config.json",
      "config.yaml",
      "model.bin",
      "models",
      "notes",
      "out",
      "sub",
      "tables",
    ]);
    expect(await listing(t, id, "charts")).toEqual([
      "charts/fig.html",
      "charts/fig.json",
      "charts/loss.html",
      "charts/loss.json",
    ]);
    expect(await listing(t, id, "out/sub")).toEqual(["out/sub/b.txt"]);
    expect(await download(t, id, "notes/hello.txt")).toBe("hello\n");
    expect(JSON.parse(await download(t, id, "config.json"))).toEqual({ a: 1, nested: { b: [1, 2] } });
    expect(parseYaml(await download(t, id, "config.yaml"))).toEqual({ a: 1, nested: { b: [1, 2] } });
    expect(JSON.parse(await download(t, id, "tables/loss.json"))).toEqual({
      columns: ["epoch", "loss", "note"],
      data: [
        [1, 0.5, 'said "hi", left'],
        [2, 0.25, null],
      ],
    });
    expect(await download(t, id, "tables/loss.csv")).toBe(
      'epoch,loss,note\r\n1,0.5,"said ""hi"", left"\r\n2,0.25,\r\n',
    );
    expect(JSON.parse(await download(t, id, "tables/cols.json"))).toEqual({
      columns: ["x", "y"],
      data: [
        [1, "a"],
        [2, "b"],
      ],
    });
    expect(JSON.parse(await download(t, id, "charts/loss.json"))).toEqual(spec);
    const html = await download(t, id, "charts/loss.html");
    expect(html).toContain("vega-embed");
    expect(html).not.toContain('</script>"');
    const embedded = /<script type="application\/json" id="spec">(.*)<\/script>/.exec(html)?.[1];
    expect(JSON.parse(embedded!)).toEqual(spec);
    expect(await download(t, id, "out/sub/b.txt")).toBe("B");
    const bin = await (
      await t.client.downloadArtifact(RestClient.proxyPath(run.info.artifactUri!, "model.bin")!)
    ).arrayBuffer();
    expect([...new Uint8Array(bin)]).toEqual([0, 1, 2, 255]);

    await expect(t.logText("x", "../escape.txt")).rejects.toThrow(/"\.\."/);
    await expect(t.logArtifact(dir)).rejects.toThrow(/not a file/);
    await t.endRun();
    await expect(t.logText("x", "late.txt")).rejects.toThrow(/no active run/);
    await t.logText("late", "late.txt", { runId: id });
    expect(await download(t, id, "late.txt")).toBe("late");
  });
});

describe("search", () => {
  it("iterates runs page by page, and gives flat rows", async () => {
    const t = tracker();
    const exp = await t.setExperiment("search");
    for (let i = 0; i < 5; i++) {
      await t.withRun({ runName: `r${i}` }, () => {
        t.logParam("i", i);
        t.logParam("even", i % 2 === 0);
        t.logMetric("score", i * 10);
        t.setTag("kind", "grid");
      });
    }
    const pages: number[] = [];
    for await (const page of t.searchRuns({ orderBy: ["metrics.score DESC"], pageSize: 2 }).pages())
      pages.push(page.length);
    expect(pages).toEqual([2, 2, 1]);
    const names: string[] = [];
    for await (const run of t.searchRuns({ filter: "params.even = 'true'", orderBy: ["metrics.score ASC"] }))
      names.push(run.info.runName!);
    expect(names).toEqual(["r0", "r2", "r4"]);
    const limited = await t
      .searchRuns({ orderBy: ["metrics.score DESC"], maxResults: 3, pageSize: 2 })
      .toArray();
    expect(limited.map((r) => r.info.runName)).toEqual(["r4", "r3", "r2"]);

    const rows = await t.searchRunsRows({
      experimentNames: ["search", "no-such-experiment"],
      filter: "metrics.score >= 30",
      orderBy: ["metrics.score DESC"],
    });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      run_name: "r4",
      experiment_id: exp.experimentId,
      status: "FINISHED",
      "params.i": "4",
      "params.even": "true",
      "metrics.score": 40,
      "tags.kind": "grid",
      "tags.mlflow.runName": "r4",
    });
    expect(rows[0]?.run_id).toMatch(/^[0-9a-f]{32}$/);
    const byId = await t.searchRunsRows({ experimentIds: [exp.experimentId], filter: "params.i = '1'" });
    expect(byId.map((r) => r.run_name)).toEqual(["r1"]);
  });
});

describe("model registry", () => {
  it("registerModel creates the registered model once, then versions", async () => {
    const t = tracker();
    const run = await t.startRun();
    await t.logText("model", "model/MLmodel");
    await t.endRun();
    const v1 = await t.registerModel(`runs:/${run.info.runId}/model`, "clf", { tags: { by: "test" } });
    const v2 = await t.registerModel(`runs:/${run.info.runId}/model`, "clf");
    expect([v1.version, v2.version]).toEqual(["1", "2"]);
    expect(v1.run_id).toBe(run.info.runId);
    expect(v1.source).toBe(`${run.info.artifactUri}/model`);
    expect(v1.tags).toEqual([{ key: "by", value: "test" }]);
    const v3 = await t.registerModel("mlflow-artifacts:/elsewhere/model", "clf");
    expect(v3.source).toBe("mlflow-artifacts:/elsewhere/model");
    expect((await t.client.getRegisteredModel("clf")).name).toBe("clf");
  });
});

describe("configuration", () => {
  it("reads MLFLOW_EXPERIMENT_NAME and MLFLOW_EXPERIMENT_ID", async () => {
    const byName = tracker({ MLFLOW_EXPERIMENT_NAME: "from-env" });
    const run = await byName.startRun();
    await byName.endRun();
    const exp = await byName.client.getExperimentByName("from-env");
    expect(run.info.experimentId).toBe(exp?.experiment_id);

    const byId = tracker({ MLFLOW_EXPERIMENT_ID: exp!.experiment_id });
    expect(await byId.currentExperimentId()).toBe(exp!.experiment_id);
    expect(byId.getTrackingUri()).toBe(server.url);
  });

  it("attaches to MLFLOW_RUN_ID instead of creating a run", async () => {
    const creator = tracker();
    const made = await creator.startRun({ runName: "shared" });
    await creator.endRun();
    const attached = tracker({ MLFLOW_RUN_ID: made.info.runId });
    const run = await attached.startRun({ tags: { via: "env" } });
    expect(run.info.runId).toBe(made.info.runId);
    expect(run.info.status).toBe("RUNNING");
    expect((await attached.getRun(made.info.runId)).info.status).toBe("RUNNING");
    attached.logMetric("later", 1);
    await attached.endRun();
    const after = await attached.getRun(made.info.runId);
    expect(after.info.status).toBe("FINISHED");
    expect(after.data.metrics.later).toBe(1);
    expect(after.data.tags.via).toBe("env");
    // Only the first run of the process attaches; the next one is new.
    const next = await attached.startRun();
    expect(next.info.runId).not.toBe(made.info.runId);
    await attached.endRun();
  });

  it("setTrackingUri points new runs at another server", async () => {
    const t = tracker({ MLFLOW_TRACKING_URI: "http://127.0.0.1:9" });
    expect(t.getTrackingUri()).toBe("http://127.0.0.1:9");
    t.setTrackingUri(`${server.url}/`);
    expect(t.getTrackingUri()).toBe(server.url);
    const run = await t.startRun();
    await t.endRun();
    expect(run.info.experimentId).toBe("0");
    expect(lt.configFromEnv({}).trackingUri).toBe("http://127.0.0.1:5000");
  });
});

describe("process exit", () => {
  it("a Node script that never flushes still gets its data on the server and its run ended", async () => {
    const script = join(tmp, "train.mjs");
    const entry = join(import.meta.dirname, "../../lib/client/index.js");
    writeFileSync(
      script,
      `import { startRun, logMetric, logParam } from ${JSON.stringify(entry)};
const run = await startRun({ runName: "script" });
logParam("p", "1");
for (let i = 0; i < 2500; i++) logMetric("m", i, i);
console.log(run.info.runId);
`,
    );
    const out = execFileSync(process.execPath, [script], {
      encoding: "utf8",
      env: {
        ...process.env,
        MLFLOW_TRACKING_URI: server.url,
        MLFLOW_EXPERIMENT_NAME: "exit",
        MLFLOW_RUN_ID: "",
      },
      timeout: 20_000,
    });
    const runId = out.trim();
    const t = tracker();
    const run = await t.getRun(runId);
    expect(run.info.status).toBe("FINISHED");
    expect(run.data.params).toEqual({ p: "1" });
    expect(run.data.tags["mlflow.source.name"]).toBe(script);
    expect(await t.getMetricHistory(runId, "m")).toHaveLength(2500);
  });
});

describe("module-level functions", () => {
  it("use a default tracker configured from process.env", async () => {
    const saved = { ...process.env };
    process.env.MLFLOW_TRACKING_URI = server.url;
    process.env.MLFLOW_EXPERIMENT_NAME = "module-level";
    delete process.env.MLFLOW_RUN_ID;
    try {
      lt.setDefaultTracker(undefined);
      expect(lt.getTrackingUri()).toBe(server.url);
      lt.setTrackingUri(server.url);
      const exp = await lt.setExperiment("module-level");
      const runId = await lt.withRun({ runName: "fluent" }, async (run) => {
        lt.logParam("a", 1);
        lt.logParams({ b: 2 });
        lt.logMetric("m", 0.5, 1);
        lt.logMetrics({ n: 2 });
        lt.setTag("t", "x");
        lt.setTags({ u: "y" });
        lt.setNote("note");
        lt.setTag("d", "x");
        await lt.deleteTag("d");
        await lt.logText("t", "a.txt");
        await lt.logDict({ k: 1 }, "d.yml");
        await lt.logTable([{ a: 1 }], "t.csv");
        await lt.logVegaLite({ mark: "bar" }, "v");
        await lt.logFigure({ mark: "bar" }, "f");
        const file = join(tmp, "m.txt");
        writeFileSync(file, "m");
        await lt.logArtifact(file);
        await lt.logArtifacts(join(tmp, "outputs"), "dir");
        expect(lt.activeRun()?.info.runId).toBe(run.info.runId);
        await lt.flush();
        return run.info.runId;
      });
      const run = await lt.getRun(runId);
      expect(run.info.experimentId).toBe(exp.experimentId);
      expect(run.data.params).toEqual({ a: "1", b: "2" });
      expect(run.data.metrics).toEqual({ m: 0.5, n: 2 });
      expect(run.data.tags).toMatchObject({ t: "x", u: "y", "mlflow.note.content": "note" });
      expect(run.data.tags.d).toBeUndefined();
      expect((await lt.getMetricHistory(runId, "m"))[0]?.step).toBe(1);
      const files = (await lt.defaultTracker().client.listArtifacts(runId)).files.map((f) => f.path).sort();
      expect(files).toEqual([
        "a.txt",
        "d.yml",
        "dir",
        "f.html",
        "f.json",
        "m.txt",
        "t.csv",
        "v.html",
        "v.json",
      ]);
      const rows = await lt.searchRunsRows();
      expect(rows.map((r) => r.run_id)).toEqual([runId]);
      const all = await lt.searchRuns({ experimentNames: ["module-level"] }).toArray();
      expect(all).toHaveLength(1);
      await lt.startRun();
      await lt.endRun();
      const mv = await lt.registerModel(`runs:/${runId}/dir`, "module-model");
      expect(mv.version).toBe("1");
    } finally {
      process.env = saved;
      lt.setDefaultTracker(undefined);
    }
  });
});
