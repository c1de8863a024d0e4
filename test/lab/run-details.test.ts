// The run details model against a real tracking server: the run and its sections, sparklines and
// history charts downsampled by the server, tag and note edits that reach it, artifacts listed and
// downloaded through the mlflow-artifacts API, live refresh while RUNNING, and failures as state.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestClient } from "../../src/client/rest.js";
import {
  CHART_POINTS,
  RunDetailsModel,
  type RunDetailsSource,
  SPARK_POINTS,
  TAG,
} from "../../src/lab/run-details/model.js";
import { type RunningServer, startServer } from "../helpers/server.js";

let server: RunningServer;
let client: RestClient;
let experimentId: string;
let runId: string;
const STEPS = 5000;

const source = (refreshIntervalS = 5): RunDetailsSource & { reports: unknown[] } => {
  const reports: unknown[] = [];
  return {
    client,
    uri: server.url,
    settings: { refreshIntervalS },
    reports,
    report: (e) => reports.push(e),
  };
};

const pick = (c: RestClient): RunDetailsSource["client"] => ({
  getRun: (...a) => c.getRun(...a),
  setTag: (...a) => c.setTag(...a),
  deleteTag: (...a) => c.deleteTag(...a),
  getMetricHistoryBulkInterval: (...a) => c.getMetricHistoryBulkInterval(...a),
  listArtifacts: (...a) => c.listArtifacts(...a),
  downloadArtifact: (...a) => c.downloadArtifact(...a),
  getLoggedModel: (...a) => c.getLoggedModel(...a),
  searchLoggedModels: (...a) => c.searchLoggedModels(...a),
  listLoggedModelArtifacts: (...a) => c.listLoggedModelArtifacts(...a),
  searchTraces: (...a) => c.searchTraces(...a),
  getTraceData: (...a) => c.getTraceData(...a),
});

const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** A loopback URL where nothing listens. */
async function closedUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
  const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((done) => probe.close(() => done()));
  return url;
}

beforeAll(async () => {
  server = await startServer();
  client = new RestClient({ trackingUri: server.url });
  experimentId = await client.createExperiment("run-details");
  const run = await client.createRun({
    experimentId,
    runName: "resnet-1",
    startTime: Date.now() - 60_000,
    tags: {
      [TAG.user]: "ada",
      [TAG.notebook]: "train.ipynb",
      [TAG.cellId]: "cell-1",
      [TAG.gitCommit]: "0123456789abcdef",
      [TAG.note]: "# Notes\n*good*",
      team: "vision",
    },
  });
  runId = run.info.run_id;
  await client.logBatch(runId, {
    params: [
      { key: "lr", value: "0.1" },
      { key: "batch", value: "64" },
    ],
  });
  const t0 = Date.now() - 50_000;
  for (let start = 0; start < STEPS; start += 1000)
    await client.logBatch(runId, {
      metrics: Array.from({ length: 1000 }, (_, i) => ({
        key: "loss",
        value: 1 / (start + i + 1),
        timestamp: t0 + start + i,
        step: start + i,
      })),
    });
  await client.logMetric(runId, "acc", 0.9, { step: 3 });
  const uri = (await client.getRun(runId)).info.artifact_uri ?? "";
  const put = (path: string, body: string) =>
    client.uploadArtifact(RestClient.proxyPath(uri, path) as string, body);
  await put("report.html", "<p>hi</p>");
  await put("plots/data.csv", "a,b\n1,2\n");
  await put("plots/deep/x.txt", "deep");
}, 60_000);

afterAll(async () => {
  await server?.dispose();
});

describe("RunDetailsModel", () => {
  it("loads the run: header facts, params, latest metrics, user and system tags, note", async () => {
    const s = source();
    const m = new RunDetailsModel(s, runId);
    await m.start();
    expect(m.state).toBe("ready");
    expect(m.error).toBeNull();
    expect(m.name).toBe("resnet-1");
    expect(m.status).toBe("RUNNING");
    expect(m.running).toBe(true);
    expect(m.durationMs()).toBeGreaterThanOrEqual(59_000);
    expect(m.user).toBeTruthy();
    expect(m.tag(TAG.cellId)).toBe("cell-1");
    expect(m.params).toEqual([
      { key: "batch", value: "64" },
      { key: "lr", value: "0.1" },
    ]);
    expect(m.metrics.map((x) => [x.key, x.value, x.step])).toEqual([
      ["acc", 0.9, 3],
      ["loss", 1 / STEPS, STEPS - 1],
    ]);
    expect(m.userTags).toEqual([{ key: "team", value: "vision" }]);
    expect(m.systemTags.map((t) => t.key)).toContain(TAG.gitCommit);
    expect(m.systemTags.map((t) => t.key)).not.toContain(TAG.note);
    expect(m.note).toBe("# Notes\n*good*");
    expect(s.reports.every((r) => r === null)).toBe(true);
    m.dispose();
  });

  it("has sparklines downsampled by the server, and a full history of at most CHART_POINTS steps", async () => {
    const m = new RunDetailsModel(source(), runId);
    await m.start();
    const loss = m.sparklines.get("loss") ?? [];
    expect(loss.length).toBeGreaterThan(10);
    expect(loss.length).toBeLessThanOrEqual(SPARK_POINTS + 2);
    expect(loss[0]?.step).toBe(0);
    expect(m.sparklines.get("acc")).toEqual([{ step: 3, value: 0.9 }]);
    const history = await m.history("loss");
    if (!history.ok) throw new Error(history.problem.detail);
    expect(history.value.length).toBeGreaterThan(SPARK_POINTS);
    expect(history.value.length).toBeLessThanOrEqual(CHART_POINTS + 2);
    expect(history.value.at(-1)?.step).toBe(STEPS - 1);
    m.dispose();
  });

  it("fetches again only the sparklines of metrics that moved", async () => {
    let bulk = 0;
    const counting: RunDetailsSource = {
      ...source(),
      client: {
        ...pick(client),
        getMetricHistoryBulkInterval: (...a) => {
          bulk++;
          return client.getMetricHistoryBulkInterval(...a);
        },
      },
    };
    const run = await client.createRun({ experimentId, runName: "many" });
    const id = run.info.run_id;
    await client.logBatch(id, {
      metrics: ["a", "b", "c"].map((key) => ({ key, value: 1, step: 0, timestamp: 1000 })),
    });
    const m = new RunDetailsModel(counting, id);
    await m.start();
    expect(bulk).toBe(3);
    await m.reload();
    expect(bulk).toBe(3);
    await client.logMetric(id, "b", 2, { step: 1, timestamp: 2000 });
    await m.reload();
    expect(bulk).toBe(4);
    expect(m.sparklines.get("b")).toEqual([
      { step: 0, value: 1 },
      { step: 1, value: 2 },
    ]);
    m.dispose();
  });

  it("sets, changes and deletes tags and the note on the server", async () => {
    const m = new RunDetailsModel(source(), runId);
    await m.start();
    expect(await m.setTag("stage", "<b>beta</b>")).toBe(true);
    expect(m.userTags).toContainEqual({ key: "stage", value: "<b>beta</b>" });
    expect(await m.setTag("stage", "gamma")).toBe(true);
    expect(await m.setNote("new **note**")).toBe(true);
    const run = await client.getRun(runId);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    expect(tags.stage).toBe("gamma");
    expect(tags[TAG.note]).toBe("new **note**");
    expect(m.note).toBe("new **note**");
    expect(await m.deleteTag("stage")).toBe(true);
    expect((await client.getRun(runId)).data.tags?.some((t) => t.key === "stage")).toBe(false);
    expect(m.userTags.some((t) => t.key === "stage")).toBe(false);
    m.dispose();
  });

  it("lists artifacts folder by folder and downloads their bytes", async () => {
    const m = new RunDetailsModel(source(), runId);
    await m.start();
    const root = await m.listArtifacts();
    if (!root.ok) throw new Error(root.problem.detail);
    expect(root.value.map((f) => [f.path, Boolean(f.is_dir)])).toEqual([
      ["plots", true],
      ["report.html", false],
    ]);
    const plots = await m.listArtifacts("plots");
    if (!plots.ok) throw new Error(plots.problem.detail);
    expect(plots.value.map((f) => f.path)).toEqual(["plots/deep", "plots/data.csv"]);
    const csv = await m.downloadArtifact("plots/data.csv");
    if (!csv.ok) throw new Error(csv.problem.detail);
    expect(await csv.value.text()).toBe("a,b\n1,2\n");
    const missing = await m.downloadArtifact("nope.txt");
    expect(missing.ok).toBe(false);
    m.dispose();
  });

  it("follows a running run at the refresh interval and stops when it ends", async () => {
    const run = await client.createRun({ experimentId, runName: "live" });
    const id = run.info.run_id;
    await client.logMetric(id, "loss", 1, { step: 0 });
    let gets = 0;
    const counting: RunDetailsSource = {
      ...source(0.2),
      client: {
        ...pick(client),
        getRun: (runId: string) => {
          gets++;
          return client.getRun(runId);
        },
      },
    };
    const m = new RunDetailsModel(counting, id);
    await m.start();
    expect(m.metrics[0]?.step).toBe(0);
    await client.logMetric(id, "loss", 0.5, { step: 1 });
    await until(() => m.metrics[0]?.step === 1);
    await until(() => (m.sparklines.get("loss") ?? []).length === 2);
    await client.updateRun(id, { status: "FINISHED", endTime: Date.now() });
    await until(() => m.status === "FINISHED");
    const after = gets;
    await new Promise((r) => setTimeout(r, 700));
    expect(gets).toBe(after);
    m.dispose();
  });

  it("shows a deleted or unknown run as gone, not as an exception", async () => {
    const run = await client.createRun({ experimentId, runName: "doomed" });
    await client.deleteRun(run.info.run_id);
    const deleted = new RunDetailsModel(source(), run.info.run_id);
    await deleted.start();
    expect(deleted.gone).toBe(true);
    expect(deleted.error?.detail).toMatch(/trash/);
    const unknown = new RunDetailsModel(source(), "0".repeat(32));
    await unknown.start();
    expect(unknown.state).toBe("error");
    expect(unknown.gone).toBe(true);
    expect(unknown.error?.summary).toBe("not found");
    deleted.dispose();
    unknown.dispose();
  });

  it("reports an unreachable server as a problem and keeps the last run shown", async () => {
    const down = new RestClient({ trackingUri: await closedUrl(), retries: 0 });
    const s: RunDetailsSource & { reports: unknown[] } = { ...source(), client: down };
    const m = new RunDetailsModel(s, runId);
    await m.start();
    expect(m.state).toBe("error");
    expect(m.error?.summary).toBe("unreachable");
    expect(s.reports.at(-1)).not.toBeNull();
    expect(await m.setTag("x", "y")).toBe(false);
    expect(m.actionError?.summary).toBe("unreachable");
    const listed = await m.listArtifacts();
    expect(listed.ok).toBe(false);
    m.dispose();
  });
});
