// The Compare view's pure tables (differences, best values, column lists) and its model against a real
// tracking server: runs read by id, unknown ids reported, histories read downsampled by the server
// (bulk interval, never whole histories), options that only rebuild the spec, stale answers dropped.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChartRun } from "../../src/charts/index.js";
import { buildChart, runColor } from "../../src/charts/index.js";
import { RestClient } from "../../src/client/rest.js";
import { CompareModel } from "../../src/lab/compare/model.js";
import { runIdsOf } from "../../src/lab/compare/run-ids.js";
import {
  chartColumns,
  defaultCurveMetrics,
  defaultParallel,
  defaultScatter,
  metricRows,
  paramRows,
  visibleRows,
} from "../../src/lab/compare/tables.js";
import { parseLine } from "../../src/magics/index.js";
import { compareCellSource, compareChart, renderSvg } from "../../src/tracking/compare.js";
import { check, itemsOf } from "../charts/render.js";
import { type RunningServer, startServer } from "../helpers/server.js";

const run = (runId: string, params: Record<string, string>, metrics: Record<string, number>): ChartRun => ({
  runId,
  runName: runId,
  status: "FINISHED",
  params,
  metrics,
});

describe("comparison tables", () => {
  const runs = [
    run("a", { lr: "0.1", opt: "adam", seed: "1" }, { loss: 0.5, accuracy: 0.8, steps: 10 }),
    run("b", { lr: "0.01", opt: "adam", seed: "1" }, { loss: 0.2, accuracy: 0.9, steps: 10 }),
    run("c", { lr: "0.1", opt: "adam" }, { loss: 0.2, accuracy: Number.NaN }),
  ];

  it("lays params side by side, sorted, a missing value counting as a difference", () => {
    const rows = paramRows(runs);
    expect(rows.map((r) => r.key)).toEqual(["lr", "opt", "seed"]);
    expect(rows.map((r) => r.differs)).toEqual([true, false, true]);
    expect(rows[2]?.values).toEqual(["1", "1", undefined]);
    expect(visibleRows(rows, true).map((r) => r.key)).toEqual(["lr", "seed"]);
    expect(visibleRows(rows, false)).toHaveLength(3);
  });

  it("marks the best value per metric by its goal, ties included, NaN never best", () => {
    const rows = metricRows(runs);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(byKey.loss?.goal).toBe("min");
    expect(byKey.loss?.best).toEqual([1, 2]);
    expect(byKey.accuracy?.goal).toBe("max");
    expect(byKey.accuracy?.best).toEqual([1]);
    expect(byKey.steps?.differs).toBe(true);
    expect(byKey.steps?.best).toEqual([0, 1]);
    expect(metricRows(runs, { loss: "max" }).find((r) => r.key === "loss")?.best).toEqual([0]);
    // Two NaN runs do not differ.
    const nan = metricRows([run("x", {}, { m: Number.NaN }), run("y", {}, { m: Number.NaN })]);
    expect(nan[0]).toMatchObject({ differs: false, best: [] });
  });

  it("lists chart columns (differing params first) and picks sensible defaults", () => {
    const columns = chartColumns(runs);
    expect(columns).toEqual([
      "params.lr",
      "params.seed",
      "params.opt",
      "metrics.accuracy",
      "metrics.loss",
      "metrics.steps",
    ]);
    expect(defaultScatter(columns)).toEqual({ x: "params.lr", y: "metrics.accuracy" });
    expect(defaultScatter(["metrics.a", "metrics.b"])).toEqual({ x: "metrics.a", y: "metrics.b" });
    expect(defaultScatter(["metrics.a"])).toBeNull();
    expect(defaultParallel(runs)).toEqual([
      "params.lr",
      "params.seed",
      "metrics.accuracy",
      "metrics.loss",
      "metrics.steps",
    ]);
    const many = Array.from({ length: 10 }, (_, i) =>
      run(`r${i}`, Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`p${k}`, String(i)])), {
        m1: i,
        m2: i,
      }),
    );
    const axes = defaultParallel(many, 8);
    expect(axes).toHaveLength(8);
    expect(axes.slice(-2)).toEqual(["metrics.m1", "metrics.m2"]);
    expect(defaultCurveMetrics(runs)).toEqual(["loss", "accuracy", "steps"]);
    expect(defaultCurveMetrics(runs, 1)).toEqual(["loss"]);
  });

  it("takes run ids from command args: strings only, each once", () => {
    expect(runIdsOf({ runIds: ["a", "b", "a", 3, "", " "] })).toEqual(["a", "b"]);
    expect(runIdsOf({})).toEqual([]);
    expect(runIdsOf(null)).toEqual([]);
  });
});

const STEPS = 3000;
let server: RunningServer;
let runIds: string[] = [];

/** A RestClient that counts what the model asks for. */
class CountingClient extends RestClient {
  bulk: number[] = [];
  full = 0;
  override async getMetricHistoryBulkInterval(
    ...args: Parameters<RestClient["getMetricHistoryBulkInterval"]>
  ): ReturnType<RestClient["getMetricHistoryBulkInterval"]> {
    this.bulk.push(args[2]?.maxResults ?? 0);
    return super.getMetricHistoryBulkInterval(...args);
  }
  override async getMetricHistory(...args: Parameters<RestClient["getMetricHistory"]>) {
    this.full++;
    return super.getMetricHistory(...args);
  }
}

beforeAll(async () => {
  server = await startServer();
  const client = new RestClient({ trackingUri: server.url });
  const experimentId = await client.createExperiment("compare");
  const start = Date.parse("2024-01-01T00:00:00Z");
  runIds = await Promise.all(
    [0, 1, 2, 3].map(async (i) => {
      const r = await client.createRun({ experimentId, runName: `run-${i}`, startTime: start });
      const id = r.info.run_id;
      await client.logBatch(id, {
        params: [
          { key: "lr", value: String(0.1 / 10 ** i) },
          { key: "opt", value: "adam" },
        ],
      });
      for (let from = 0; from < STEPS; from += 500) {
        const metrics = [];
        for (let s = from; s < from + 500; s++) {
          metrics.push({ key: "loss", value: 1 / (s + 1 + i), timestamp: start + s * 100, step: s });
          metrics.push({ key: "acc", value: 1 - 1 / (s + 1 + i), timestamp: start + s * 100, step: s });
        }
        await client.logBatch(id, { metrics });
      }
      await client.updateRun(id, { status: "FINISHED", endTime: start + STEPS * 100 });
      return id;
    }),
  );
}, 120_000);

afterAll(async () => {
  await server?.dispose();
});

function source(client = new CountingClient({ trackingUri: server.url })) {
  const reports: unknown[] = [];
  return { client, uri: server.url, reports, report: (e: unknown) => reports.push(e) };
}

describe("CompareModel against a tracking server", () => {
  it("reads the runs, their tables and downsampled histories of the default metrics", async () => {
    const src = source();
    const model = new CompareModel(src, [...runIds, "0123456789abcdef0123456789abcdef"]);
    let changes = 0;
    model.changed.connect(() => changes++);
    await model.load();
    expect(model.state).toBe("ready");
    expect(model.runs.map((r) => r.runName)).toEqual(["run-0", "run-1", "run-2", "run-3"]);
    expect(model.missing).toEqual(["0123456789abcdef0123456789abcdef"]);
    expect(model.paramRows.map((r) => [r.key, r.differs])).toEqual([
      ["lr", true],
      ["opt", false],
    ]);
    const loss = model.metricRows.find((r) => r.key === "loss");
    expect(loss?.best).toEqual([3]);
    expect(model.colors.size).toBe(4);
    expect(model.curves.metrics).toEqual(["loss", "acc"]);
    expect(model.historiesState).toBe("ready");
    // One bulk-interval request per metric, never a whole history.
    expect(src.client.bulk).toHaveLength(2);
    expect(src.client.full).toBe(0);
    for (const id of runIds) {
      const points = model.histories?.[id]?.loss ?? [];
      expect(points.length).toBeGreaterThan(100);
      expect(points.length).toBeLessThan(STEPS);
    }
    expect(model.scatter).toEqual({ x: "params.lr", y: "metrics.acc" });
    expect(model.parallelColumns).toEqual(["params.lr", "metrics.acc", "metrics.loss"]);
    expect(changes).toBeGreaterThan(2);
    expect(src.reports.every((r) => r === null)).toBe(true);
    model.dispose();
  });

  it("rebuilds the chart without reading again when only x, smoothing or log scale change", async () => {
    const src = source();
    const model = new CompareModel(src, runIds);
    await model.load();
    const read = src.client.bulk.length;
    model.setCurveX("relative");
    model.setSmooth(1.5);
    model.setLog(true);
    expect(model.curves).toMatchObject({ x: "relative", smooth: 0.99, log: true });
    const request = model.curvesRequest("dark");
    expect(request).toMatchObject({ kind: "curves", x: "relative", smooth: 0.99, log: true, theme: "dark" });
    expect(src.client.bulk.length).toBe(read);
    await model.setCurveMetrics(["acc"]);
    expect(src.client.bulk.length).toBe(read + 1);
    expect(model.curvesRequest("light")).toMatchObject({ metrics: ["acc"] });
    await model.setCurveMetrics([]);
    expect(model.curvesRequest("light")).toBeNull();
    model.setScatter("params.lr", "metrics.loss");
    expect(model.scatterRequest("light")).toMatchObject({
      kind: "scatter",
      x: "params.lr",
      y: "metrics.loss",
    });
    model.setParallelColumns(["params.lr", "metrics.loss"]);
    expect(model.parallelRequest("light")).toMatchObject({ columns: ["params.lr", "metrics.loss"] });
    model.setOnlyDifferences(true);
    expect(model.onlyDifferences).toBe(true);
    model.dispose();
  });

  it("keeps only the latest metric choice when answers come back out of order", async () => {
    const client = new CountingClient({ trackingUri: server.url });
    const slow = client.getMetricHistoryBulkInterval.bind(client);
    let first = true;
    client.getMetricHistoryBulkInterval = async (...args) => {
      if (first && args[1] === "loss") {
        first = false;
        await new Promise((done) => setTimeout(done, 300));
      }
      return slow(...args);
    };
    const model = new CompareModel(source(client), runIds);
    await model.load();
    const a = model.setCurveMetrics(["loss"]);
    const b = model.setCurveMetrics(["acc"]);
    await Promise.all([a, b]);
    expect(model.curves.metrics).toEqual(["acc"]);
    expect(Object.keys(model.histories?.[runIds[0] as string] ?? {})).toEqual(["acc"]);
    model.dispose();
  });

  it("turns an unreachable server into state, not a rejection", async () => {
    const closed = new RestClient({ trackingUri: "http://127.0.0.1:9", retries: 0 });
    const src = { client: closed, uri: "http://127.0.0.1:9" };
    const model = new CompareModel(src, runIds);
    await model.load();
    expect(model.state).toBe("error");
    expect(model.error?.summary).toBeTruthy();
    model.dispose();
  });
});

describe("%track compare and Compare in notebook against a tracking server", () => {
  /** The README's `%%track` recipe run three times (one value per metric), two runs sharing a name. */
  let recipe: { experimentId: string; ids: Record<string, string> };

  beforeAll(async () => {
    const client = new RestClient({ trackingUri: server.url });
    const experimentId = await client.createExperiment("first hour");
    const ids: Record<string, string> = {};
    const runs: [string, string, number, number][] = [
      ["logreg #1", "0.1", 0.97, 0.21],
      ["logreg #2", "0.03", 0.99, 0.12],
      ["logreg #3", "0.01", 0.975, 0.18],
      ["dup", "0.1", 0.5, 0.9],
      ["dup", "0.2", 0.6, 0.8],
    ];
    for (const [i, [name, lr, accuracy, finalLoss]] of runs.entries()) {
      const r = await client.createRun({ experimentId, runName: name, startTime: Date.now() + i });
      await client.logBatch(r.info.run_id, {
        params: [{ key: "lr", value: lr }],
        metrics: [
          { key: "accuracy", value: accuracy, timestamp: Date.now(), step: 0 },
          { key: "final_loss", value: finalLoss, timestamp: Date.now(), step: 0 },
        ],
      });
      await client.updateRun(r.info.run_id, { status: "FINISHED", endTime: Date.now() });
      ids[name === "dup" ? `dup${i}` : name] = r.info.run_id;
    }
    recipe = { experimentId, ids };
  }, 60_000);

  const command = (line: string) => {
    const c = parseLine(line);
    if (c.command !== "compare") throw new Error(`not a compare line: ${line}`);
    return c;
  };

  it("draws one-value metrics without --kind as dots, one per run per metric", async () => {
    const client = new RestClient({ trackingUri: server.url });
    const c = command("%track compare 'logreg #1' 'logreg #2' 'logreg #3' --metrics accuracy,final_loss");
    const chart = await compareChart(client, c, recipe.experimentId, "light");
    expect(chart.request.kind).toBe("auto");
    const { view } = await check(buildChart(chart.request));
    const dots = itemsOf(view, "symbol").filter((i) => i.datum?.runId && i.datum?.metric);
    expect(dots).toHaveLength(6);
    const legendOrAxis = itemsOf(view, "text").map((t) => t.text);
    // Rows named by run name and the param that differs.
    expect(legendOrAxis).toEqual(
      expect.arrayContaining(["logreg #1 lr=0.1", "logreg #2 lr=0.03", "logreg #3 lr=0.01", "0.99"]),
    );
    expect(chart.summary).toMatch(/accuracy \(higher is better\): best logreg #2/);
    // The static SVG of the notebook output is drawn too, with the same colours.
    const svg = await renderSvg(chart.request);
    expect(svg).toContain(runColor({ runId: recipe.ids["logreg #2"] as string, runName: "logreg #2" }));
    // The runs of one re-run cell (NAME #N) have distinct colours.
    const colors = chart.request.runs.map((r) => runColor(r));
    expect(new Set(colors).size).toBe(3);
  });

  it("says which metrics the runs lack instead of drawing empty axes", async () => {
    const client = new RestClient({ trackingUri: server.url });
    const chart = await compareChart(
      client,
      command("%track compare --metrics val_loss"),
      recipe.experimentId,
      "light",
    );
    const { view } = await check(buildChart(chart.request));
    expect(itemsOf(view, "text").map((t) => t.text)).toEqual([
      "No data: none of the 5 runs has val_loss (they have accuracy, final_loss)",
    ]);
  });

  it("writes a cell that names the runs, with the metrics they have, and draws them", async () => {
    const client = new RestClient({ trackingUri: server.url });
    const selected = [recipe.ids["logreg #2"], recipe.ids["logreg #3"], recipe.ids.dup3] as string[];
    const line = await compareCellSource(client, {
      experimentId: recipe.experimentId,
      runIds: selected,
      // A shown column the runs lack is left out.
      shownMetrics: ["loss", "final_loss"],
    });
    expect(line).toBe(
      `%track compare 'logreg #2' 'logreg #3' ${recipe.ids.dup3} --metrics final_loss --experiment 'first hour'`,
    );
    // Without shown columns: the metrics every selected run has.
    const all = await compareCellSource(client, { experimentId: recipe.experimentId, runIds: selected });
    expect(all).toContain("--metrics accuracy,final_loss");
    // Read back by the magic, it charts exactly those runs.
    const chart = await compareChart(client, command(all), recipe.experimentId, "light");
    expect(chart.query.runIds).toEqual(selected);
    const { view } = await check(buildChart(chart.request));
    expect(itemsOf(view, "symbol").filter((i) => i.datum?.runId && i.datum?.metric)).toHaveLength(6);
    await expect(
      compareCellSource(client, { experimentId: recipe.experimentId, runIds: [] }),
    ).rejects.toThrow(/no runs/);
  });
});
