// barSpec, scatterSpec, parallelSpec, buildChart and the colours shared by all of them.
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ChartRequest, ChartRun } from "../../src/charts/index.js";
import {
  barSpec,
  buildChart,
  curvesSpec,
  parallelSpec,
  RUN_SELECTION,
  runColor,
  runLabels,
  scatterSpec,
  textSummary,
} from "../../src/charts/index.js";
import { makeHistories, makeRuns } from "./fixtures.js";
import { check, itemsOf, marksOf } from "./render.js";

const json = (v: unknown) => JSON.parse(JSON.stringify(v));

/** The colour of each run label in a spec's colour scale, wherever the encoding sits. */
function colorsOf(spec: unknown): Record<string, string> {
  const text = JSON.stringify(spec);
  const found: Record<string, string> = {};
  const walk = (node: any) => {
    if (!node || typeof node !== "object") return;
    if (node.color?.scale?.domain && node.color?.field === "run") {
      node.color.scale.domain.forEach((d: string, i: number) => {
        found[d] = node.color.scale.range[i];
      });
    }
    for (const v of Object.values(node)) walk(v);
  };
  walk(JSON.parse(text));
  return found;
}

/** The dots of a final-values chart (one per run, or group, per metric). */
const dotsOf = (view: Parameters<typeof itemsOf>[0]) =>
  itemsOf(view, "symbol").filter((i) => i.datum?.metric !== undefined && i.datum?.pad === undefined);

describe("barSpec (final values as dots)", () => {
  const runs = makeRuns(4);

  it("draws one dot per run per metric at its final value, the value written beside it", async () => {
    const spec = barSpec({ runs, metrics: ["loss", "acc"] });
    const { view } = await check(spec);
    const dots = dotsOf(view);
    expect(dots).toHaveLength(8);
    for (const b of dots) {
      const run = runs.find((r) => r.runId === b.datum.runId) as ChartRun;
      expect(b.datum.value).toBeCloseTo(run.metrics[b.datum.metric] as number, 5);
      expect(b.fill).toBe(runColor(run.runId));
    }
    const labels = itemsOf(view, "text").map((t) => t.text);
    for (const b of dots) expect(labels).toContain(b.datum.label);
    // Alone, the rows' labels name the runs: no legend repeating them, no legend selection.
    expect(marksOf(view, "group").filter((m) => m.role === "legend")).toHaveLength(0);
    expect(JSON.stringify(spec)).not.toContain(`"bind":"legend"`);
    // Beside curves (the automatic chart), it shares their legend and its selection.
    const shared = json(barSpec({ runs, metrics: ["loss"] }, { sharedLegend: true }));
    expect(shared.spec.layer[1].params[0]).toMatchObject({ name: RUN_SELECTION, bind: "legend" });
  });

  it("skips missing and NaN values, says 'No data' when nothing is left", async () => {
    const odd = makeRuns(3, (i) => ({
      metrics:
        i === 0
          ? { loss: Number.NaN }
          : i === 1
            ? { acc: 0.5 }
            : { loss: 0.2, acc: Number.POSITIVE_INFINITY },
    }));
    const { view } = await check(barSpec({ runs: odd, metrics: ["loss", "acc"] }));
    expect(dotsOf(view)).toHaveLength(2);
    const summary = textSummary({ kind: "bar", runs: odd, metrics: ["loss", "acc"] });
    expect(summary).toContain("loss (lower is better): best run-2");
    expect(summary).toContain("1 NaN/±Infinity value left out");
    expect(summary).toContain("1 run without loss");
    for (const spec of [barSpec({ runs: [] }), barSpec({ runs: odd, metrics: ["nope"] })]) {
      const r = await check(spec);
      expect(itemsOf(r.view, "text")[0].text).toMatch(/^No data/);
    }
  });

  it("groups into a mean dot with a min–max rule", async () => {
    const spec = barSpec({ runs: makeRuns(6), metrics: ["loss"], groupBy: "params.optimizer" });
    const { view } = await check(spec);
    expect(itemsOf(view, "rule").filter((i) => i.datum?.group !== undefined)).toHaveLength(2);
    const bars = dotsOf(view).filter((i) => i.datum?.group !== undefined);
    expect(bars.map((b) => b.datum.group).sort()).toEqual(["optimizer=adam", "optimizer=sgd"]);
    for (const b of bars) {
      expect(b.datum.runIds).toHaveLength(3);
      expect(b.datum.lo).toBeLessThanOrEqual(b.datum.value);
    }
    expect(
      textSummary({ kind: "bar", runs: makeRuns(6), metrics: ["loss"], groupBy: "params.optimizer" }),
    ).toMatch(/best group optimizer=\w+: mean/);
  });

  it("handles 50 runs with long names", async () => {
    const many = makeRuns(50, (i) => ({ runName: `${"x".repeat(80)}-${i}` }));
    const { view } = await check(barSpec({ runs: many, metrics: ["loss"] }));
    expect(dotsOf(view)).toHaveLength(50);
  });
});

describe("scatterSpec", () => {
  const runs = makeRuns(6);

  it("plots one point per run, params coerced to numbers", async () => {
    const spec = scatterSpec({ runs, x: "params.lr", y: "metrics.loss" });
    const { view } = await check(spec);
    const points = itemsOf(view, "symbol").filter((i) => i.datum?.runId);
    expect(points).toHaveLength(6);
    for (const p of points) expect(typeof p.datum.x).toBe("number");
    const s = json(spec);
    expect(s.encoding.x.type).toBe("quantitative");
    expect(s.encoding.x.title).toBe("params.lr");
    expect(s.params[0]).toMatchObject({ name: RUN_SELECTION, bind: "legend" });
    expect(textSummary({ kind: "scatter", runs, x: "params.lr", y: "metrics.loss" })).toMatch(
      /6 of 6 runs plotted · Pearson r = -?\d\.\d\d/,
    );
  });

  it("keeps categories categorical and reads attributes", async () => {
    const spec = scatterSpec({ runs, x: "params.optimizer", y: "status" });
    await check(spec);
    const s = json(spec);
    expect(s.encoding.x.type).toBe("nominal");
    expect(s.encoding.y.type).toBe("nominal");
  });

  it("drops runs without a value, and values ≤ 0 on log axes", async () => {
    const odd = makeRuns(4, (i) => ({
      params: i === 0 ? {} : { lr: i === 1 ? "0" : "0.1" },
      metrics: { loss: i === 3 ? Number.NaN : 0.5 },
    }));
    const spec = scatterSpec({ runs: odd, x: "params.lr", y: "metrics.loss", logX: true });
    const { view } = await check(spec);
    expect(itemsOf(view, "symbol").filter((i) => i.datum?.runId)).toHaveLength(1);
    expect(json(spec).encoding.x.scale.type).toBe("log");
    const summary = textSummary({
      kind: "scatter",
      runs: odd,
      x: "params.lr",
      y: "metrics.loss",
      logX: true,
    });
    expect(summary).toContain("1 of 4 runs plotted");
    expect(summary).toContain("2 runs without both values");
    expect(summary).toContain("1 run with a value ≤ 0 left out (log axis)");
    for (const s of [
      scatterSpec({ runs: [], x: "a", y: "b" }),
      scatterSpec({ runs, x: "params.nope", y: "metrics.loss" }),
    ]) {
      const r = await check(s);
      expect(itemsOf(r.view, "text")[0].text).toMatch(/^No data/);
    }
  });
});

describe("parallelSpec", () => {
  const runs = makeRuns(5);
  const columns = ["params.lr", "params.optimizer", "metrics.loss", "metrics.acc"];

  it("draws one line per run across the axes, normalised to [0, 1], raw values in tooltips", async () => {
    const spec = parallelSpec({ runs, columns });
    const { view } = await check(spec);
    const lines = itemsOf(view, "line").filter((i) => i.datum?.runId);
    expect(lines).toHaveLength(20);
    for (const l of lines) {
      expect(l.datum.n).toBeGreaterThanOrEqual(0);
      expect(l.datum.n).toBeLessThanOrEqual(1);
    }
    const loss = lines.filter((l) => l.datum.column === "metrics.loss");
    expect(Math.min(...loss.map((l) => l.datum.n))).toBe(0);
    expect(Math.max(...loss.map((l) => l.datum.n))).toBe(1);
    const best = loss.find((l) => l.datum.n === 0);
    expect(best.datum.raw).toBe("0.166667");
    expect(json(spec).usermeta.labtrack.columns).toEqual(columns);
    expect(textSummary({ kind: "parallel", runs, columns })).toContain("4 axes");
  });

  it("picks default axes, survives missing values, one run and no runs", async () => {
    const odd = makeRuns(3, (i) => (i === 1 ? { metrics: { loss: 0.3 } } : {}));
    const spec = parallelSpec({ runs: odd });
    await check(spec);
    expect(json(spec).usermeta.labtrack.columns).toEqual([
      "params.lr",
      "params.optimizer",
      "metrics.acc",
      "metrics.loss",
    ]);
    expect(textSummary({ kind: "parallel", runs: odd })).toContain("1 missing value");
    await check(parallelSpec({ runs: runs.slice(0, 1) }));
    const empty = await check(parallelSpec({ runs: [] }));
    expect(itemsOf(empty.view, "text")[0].text).toMatch(/^No data/);
  });

  it("handles 50 runs", async () => {
    const { view } = await check(parallelSpec({ runs: makeRuns(50), columns }));
    expect(itemsOf(view, "line").filter((i) => i.datum?.runId)).toHaveLength(200);
  });
});

describe("all builders", () => {
  const runs = makeRuns(12);
  const histories = makeHistories(runs, 20);
  const requests: ChartRequest[] = [
    { kind: "curves", runs, histories, metrics: ["loss"] },
    { kind: "bar", runs, metrics: ["loss"] },
    { kind: "scatter", runs, x: "params.lr", y: "metrics.acc" },
    { kind: "parallel", runs, columns: ["params.lr", "metrics.loss"] },
  ];

  it("give each run the same colour in every chart, whatever runs are beside it", async () => {
    const labels = runLabels(runs);
    for (const req of [
      ...requests,
      { kind: "auto", runs, histories, metrics: ["loss", "seed"] } as ChartRequest,
    ]) {
      const colors = colorsOf(buildChart(req));
      expect(Object.keys(colors)).toHaveLength(12);
      for (const r of runs) expect(colors[labels.get(r.runId) as string]).toBe(runColor(r.runId));
    }
    // Two charts of overlapping but different sets of runs (other labels: other params differ):
    // the runs in both have the same colour in both, as drawn by vega.
    const a = [runs[5]!, runs[2]!, runs[7]!];
    const b = [runs[2]!, runs[9]!, runs[5]!, runs[0]!];
    const drawnColors = async (req: ChartRequest) => {
      const { view } = await check(buildChart(req));
      const out = new Map<string, string>();
      for (const line of marksOf(view, "line"))
        for (const item of line.items ?? []) if (item.datum?.runId) out.set(item.datum.runId, item.stroke);
      for (const dot of dotsOf(view)) out.set(dot.datum.runId, dot.fill);
      return out;
    };
    const inA = await drawnColors({ kind: "curves", runs: a, histories, metrics: ["loss"] });
    const inB = await drawnColors({ kind: "bar", runs: b, metrics: ["loss"] });
    for (const id of [runs[2]!.runId, runs[5]!.runId]) {
      expect(inA.get(id)).toBe(runColor(id));
      expect(inB.get(id)).toBe(inA.get(id));
    }
  });

  it("name runs in legends by name plus the params that differ among the shown runs", async () => {
    const three = makeRuns(3, (i) => ({
      runName: "logreg",
      params: { lr: ["0.1", "0.03", "0.1"][i] as string, seed: "1", opt: i === 2 ? "sgd" : "adam" },
    }));
    const { view } = await check(
      curvesSpec({ runs: three, histories: makeHistories(three, 5), metrics: ["loss"] }),
    );
    const legend = itemsOf(view, "text")
      .filter((t) => t.mark?.role === "legend-label")
      .map((t) => t.text);
    expect(legend).toEqual(["logreg lr=0.1 opt=adam", "logreg lr=0.03 opt=adam", "logreg lr=0.1 opt=sgd"]);
    // The tooltip names the run and the params that differ.
    const point = itemsOf(view, "symbol").find((i) => i.datum?.runId === three[2]!.runId);
    expect(point.datum.runName).toBe("logreg");
    expect(point.datum.params).toBe("lr=0.1, opt=sgd");
  });

  it("render in light and dark, live and static, and summarise", async () => {
    for (const req of requests) {
      for (const theme of ["light", "dark"] as const) {
        for (const isStatic of [false, true]) await check(buildChart({ ...req, theme, static: isStatic }));
      }
      expect(textSummary(req).length).toBeGreaterThan(10);
      expect(textSummary({ ...req, runs: [] } as ChartRequest)).toBe("No data: 0 runs");
    }
  });

  it("summarise the best run of a curve with its params, value and step", () => {
    const s = textSummary({ kind: "curves", runs, histories, metrics: ["loss", "acc"] });
    expect(s.split("\n")[0]).toBe("Labtrack curves · 12 runs · x=step");
    expect(s).toMatch(
      /^loss \(lower is better\): best run-\d+ lr=[\d.]+ optimizer=\w+ \([\d.]+ at step \d+\)/m,
    );
    expect(s).toMatch(/^acc \(higher is better\): best run-0 /m);
  });
});

describe("src/charts", () => {
  it("loads without vega, the DOM, JupyterLab or Node: vega-lite is imported for its types only", () => {
    const dir = new URL("../../src/charts/", import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const text = readFileSync(new URL(file, dir), "utf8");
      const re = /^(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?["']([^"']+)["']/gm;
      for (const m of text.matchAll(re)) expect(m[1], `${file} imports ${m[1]}`).toMatch(/^\.\/[\w-]+\.js$/);
      expect(text).not.toMatch(/\b(document|window|fetch)\s*[.(]/);
    }
  });
});
