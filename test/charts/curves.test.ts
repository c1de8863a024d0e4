// curvesSpec: every spec compiled with vega-lite (6 and the 5 JupyterLab renders with) and rendered to SVG.
import { describe, expect, it } from "vitest";
import type { ChartRun, CurvesOptions, MetricHistories } from "../../src/charts/index.js";
import {
  curvesSpec,
  RUN_PALETTE,
  RUN_SELECTION,
  runColor,
  runDashes,
  smoothEma,
  THEME_COLORS,
  textSummary,
} from "../../src/charts/index.js";
import { makeHistories, makeRuns, T0 } from "./fixtures.js";
import { check, itemsOf, marksOf } from "./render.js";

const json = (v: unknown) => JSON.parse(JSON.stringify(v));

describe("curvesSpec", () => {
  const runs = makeRuns(3);
  const histories = makeHistories(runs, 100);

  it("draws one line per run per metric, with the run on every datum", async () => {
    const spec = curvesSpec({ runs, histories, metrics: ["loss", "acc"] });
    const { view } = await check(spec);
    const lines = marksOf(view, "line").filter((m) => m.items.length > 0);
    expect(lines).toHaveLength(6);
    const ids = new Set(runs.map((r) => r.runId));
    for (const line of lines) {
      expect(line.items).toHaveLength(100);
      for (const item of line.items) expect(ids.has(item.datum.runId)).toBe(true);
    }
    const points = itemsOf(view, "symbol").filter((i) => i.datum?.m !== undefined);
    expect(points).toHaveLength(600);
    for (const p of points) {
      expect(ids.has(p.datum.runId)).toBe(true);
      expect(p.datum.runName).toMatch(/^run-/);
      expect(p.datum.params).toMatch(/lr=/);
    }
    // Inline data: one row per run per metric, arrays flattened by the spec.
    const values = (spec as any).data.values as any[];
    expect(values).toHaveLength(6);
    expect(values[0].x).toHaveLength(100);
    expect(JSON.stringify(spec)).not.toContain("NaN");
  });

  it("has a legend-bound selection that dims the other runs, a tooltip and explicit colours", () => {
    const spec = json(curvesSpec({ runs, histories, metrics: ["loss"] }));
    const main = spec.spec.layer[0];
    expect(main.params[0]).toEqual({
      name: RUN_SELECTION,
      select: { type: "point", fields: ["run"] },
      bind: "legend",
    });
    expect(main.encoding.opacity.condition.param).toBe(RUN_SELECTION);
    const color = spec.spec.encoding.color;
    expect(color.scale.domain).toEqual([
      "run-0 lr=0.1 optimizer=adam",
      "run-1 lr=0.01 optimizer=sgd",
      "run-2 lr=0.001 optimizer=adam",
    ]);
    expect(color.scale.range).toHaveLength(3);
    const tooltip = spec.spec.layer[1].encoding.tooltip.map((t: any) => t.title);
    expect(tooltip).toEqual(expect.arrayContaining(["run", "params", "step", "value"]));
    expect(spec.usermeta.labtrack).toMatchObject({ kind: "curves", runIds: runs.map((r) => r.runId) });
  });

  it("smooths in TypeScript and keeps the raw values as a faint line", async () => {
    const spec = curvesSpec({ runs, histories, metrics: ["loss"], smooth: 0.7 });
    await check(spec);
    const row = (spec as any).data.values[0];
    const raw = histories[runs[0]!.runId]!.loss!.map((p) => p.value);
    const expected = smoothEma(raw, 0.7);
    row.v.forEach((v: number, i: number) => {
      expect(v).toBeCloseTo(expected[i] as number, 5);
    });
    row.r.forEach((v: number, i: number) => {
      expect(v).toBeCloseTo(raw[i] as number, 5);
    });
    expect((spec as any).spec.layer).toHaveLength(3);
  });

  it("plots against time and relative time", async () => {
    for (const x of ["time", "relative"] as const) {
      const spec = curvesSpec({ runs, histories, metrics: ["acc"], x });
      const { view } = await check(spec);
      const xs = itemsOf(view, "symbol")
        .filter((i) => i.datum?.runId === runs[1]!.runId)
        .map((i) => i.datum.X);
      if (x === "time") expect(xs[0]).toBe(T0 + 60_000);
      else expect(xs[0]).toBe(0);
      expect((spec as any).spec.encoding.x.type).toBe(x === "time" ? "temporal" : "quantitative");
    }
    const rel = json(curvesSpec({ runs, histories, metrics: ["acc"], x: "relative" }));
    expect(rel.spec.encoding.x.title).toBe("relative time (min)");
  });

  it("drops NaN and ±Infinity from the lines and counts them", async () => {
    const h: MetricHistories = structuredClone(histories);
    const pts = h[runs[0]!.runId]!.loss!;
    pts[3]!.value = Number.NaN;
    pts[4]!.value = Number.POSITIVE_INFINITY;
    pts[5]!.value = Number.NEGATIVE_INFINITY;
    const spec = curvesSpec({ runs, histories: h, metrics: ["loss"] });
    const { view } = await check(spec);
    const line = marksOf(view, "line").find((m) => m.items[0]?.datum.runId === runs[0]!.runId);
    expect(line.items).toHaveLength(97);
    expect((spec as any).usermeta.labtrack.dropped.nonFinite).toBe(3);
    expect(textSummary({ kind: "curves", runs, histories: h, metrics: ["loss"] })).toContain(
      "3 NaN/±Infinity values dropped",
    );
  });

  it("leaves out values ≤ 0 on a log scale and says so", async () => {
    const opts: CurvesOptions = { runs, histories, metrics: ["lr"], log: true };
    const spec = curvesSpec(opts);
    const { view } = await check(spec);
    expect((spec as any).spec.layer[0].encoding.y.scale.type).toBe("log");
    for (const i of itemsOf(view, "line")) expect(i.datum.v).toBeGreaterThan(0);
    // lr = step - 1: steps 0 and 1 give -1 and 0, for each of the 3 runs.
    expect((spec as any).usermeta.labtrack.dropped.nonPositive).toBe(6);
    expect(textSummary({ kind: "curves", ...opts })).toContain("6 values ≤ 0 dropped (log scale)");
  });

  it("renders a run with a single point and a run missing a metric", async () => {
    const h: MetricHistories = structuredClone(histories);
    h[runs[1]!.runId]!.loss = [{ step: 7, timestamp: T0, value: 0.5 }];
    delete h[runs[2]!.runId]!.acc;
    const spec = curvesSpec({ runs, histories: h, metrics: ["loss", "acc"] });
    const { view } = await check(spec);
    const lines = marksOf(view, "line").filter((m) => m.items.length > 0);
    expect(lines).toHaveLength(5);
    expect(lines.map((l) => l.items.length).sort((a, b) => a - b)[0]).toBe(1);
    // A line through one point draws nothing: that run's point is a visible dot of its colour.
    for (const isStatic of [false, true]) {
      const drawn = await check(
        curvesSpec({ runs, histories: h, metrics: ["loss", "acc"], static: isStatic }),
      );
      // (Live charts also have the invisible hover point there.)
      const dots = itemsOf(drawn.view, "symbol").filter((i) => i.datum?.one === 1 && i.opacity !== 0);
      expect(dots).toHaveLength(1);
      expect(dots[0].datum.runId).toBe(runs[1]!.runId);
      expect(dots[0].opacity ?? 1).toBe(1);
      expect(dots[0].fill).toBe(runColor(runs[1]!.runId));
    }
    const summary = textSummary({ kind: "curves", runs, histories: h, metrics: ["loss", "acc"] });
    expect(summary).toContain("1 run without acc");
  });

  it("says 'No data' for 0 runs, unknown metrics and metrics that are all NaN", async () => {
    const nan: MetricHistories = {
      [runs[0]!.runId]: { loss: [{ step: 0, timestamp: T0, value: Number.NaN }] },
    };
    for (const opts of [
      { runs: [] as ChartRun[], histories: {} },
      { runs, histories, metrics: ["nope"] },
      { runs: runs.slice(0, 1), histories: nan, metrics: ["loss"] },
      { runs, histories: {} },
    ] as CurvesOptions[]) {
      const spec = curvesSpec(opts);
      const { view } = await check(spec);
      expect((spec as any).mark.type).toBe("text");
      const texts = itemsOf(view, "text").map((i) => i.text);
      expect(texts[0]).toMatch(/^No data/);
    }
    expect(textSummary({ kind: "curves", runs: [], histories: {} })).toBe("No data: 0 runs");
  });

  it("groups runs into a mean line with a min–max band", async () => {
    const spec = curvesSpec({
      runs: makeRuns(6),
      histories: makeHistories(makeRuns(6), 50),
      groupBy: "params.lr",
    });
    const { view } = await check(spec);
    const meta = (spec as any).usermeta.labtrack;
    expect(meta.groups).toBe(3);
    expect(meta.metrics).toEqual(["acc", "loss", "lr"]);
    // 3 groups × 3 metrics: one band and one mean line each.
    expect(marksOf(view, "area").filter((m) => m.items.length > 0)).toHaveLength(9);
    expect(marksOf(view, "line").filter((m) => m.items.length > 0)).toHaveLength(9);
    for (const a of itemsOf(view, "area")) {
      expect(a.datum.lo).toBeLessThanOrEqual(a.datum.v);
      expect(a.datum.hi).toBeGreaterThanOrEqual(a.datum.v);
      expect(a.datum.runIds).toHaveLength(2);
    }
    const s = textSummary({
      kind: "curves",
      runs: makeRuns(6),
      histories: makeHistories(makeRuns(6), 50),
      groupBy: "params.lr",
    });
    expect(s).toMatch(/loss \(lower is better\): best group lr=0\.1: final mean [\d.]+ \(2 runs\)/);
  });

  it("tells apart runs that share a colour by their dash, one legend showing both", async () => {
    // Ten runs over a palette of ten: some hash to the same colour.
    const many = makeRuns(10);
    const dashes = runDashes(many);
    expect(dashes).not.toBeNull();
    const spec = curvesSpec({ runs: many, histories: makeHistories(many, 5), metrics: ["loss"] });
    const { view } = await check(spec);
    const strokes = new Map<string, string>();
    for (const line of marksOf(view, "line").filter((m) => m.items.length > 0)) {
      const item = line.items[0];
      strokes.set(`${item.stroke} ${String(item.strokeDash)}`, item.datum.runId);
      expect(item.stroke).toBe(runColor(item.datum.runId));
    }
    // Colour and dash together are distinct for every run.
    expect(strokes.size).toBe(10);
    expect(marksOf(view, "group").filter((m) => m.role === "legend")).toHaveLength(1);
    // Distinct colours: no dash encoding at all.
    const distinct = many.filter(
      (r, i) => many.findIndex((o) => runColor(o.runId) === runColor(r.runId)) === i,
    );
    expect(runDashes(distinct)).toBeNull();
    expect(
      JSON.stringify(curvesSpec({ runs: distinct, histories: makeHistories(distinct, 5) })),
    ).not.toContain("strokeDash");
    expect(RUN_PALETTE).toContain(runColor(many[0]!.runId));
  });

  it("handles 50 runs with long names", async () => {
    const many = makeRuns(50, (i) => ({ runName: `${"very-long-experiment-name-".repeat(4)}${i}` }));
    const spec = curvesSpec({ runs: many, histories: makeHistories(many, 30), metrics: ["loss"] });
    const { view } = await check(spec);
    expect(marksOf(view, "line").filter((m) => m.items.length > 0)).toHaveLength(50);
    const domain = (spec as any).spec.encoding.color.scale.domain as string[];
    expect(new Set(domain).size).toBe(50);
    for (const l of domain) expect(l.length).toBeLessThanOrEqual(40);
    // Cut in the middle: the end of the name, where these runs differ, stays.
    expect(domain[12]).toMatch(/^very-long-exp.*….*-12 lr=/);
  });

  it("has a static variant without hover points and selections", async () => {
    const spec = curvesSpec({ runs, histories, metrics: ["loss"], smooth: 0.5, static: true });
    const { svg } = await check(spec);
    const text = JSON.stringify(spec);
    expect(text).not.toContain('"params":[');
    expect(text).not.toContain("hover");
    const live = await check(curvesSpec({ runs, histories, metrics: ["loss"], smooth: 0.5 }));
    expect(svg.length).toBeLessThan(live.svg.length);
  });

  it("follows the theme and lets the config override colours", () => {
    const dark = json(curvesSpec({ runs, histories, metrics: ["loss"], theme: "dark" }));
    expect(dark.config.background).toBe("transparent");
    expect(dark.config.axis.labelColor).toBe(THEME_COLORS.dark.muted);
    const light = json(curvesSpec({ runs, histories, metrics: ["loss"] }));
    expect(light.config.axis.labelColor).toBe(THEME_COLORS.light.muted);
    const custom = json(
      curvesSpec({
        runs,
        histories,
        metrics: ["loss"],
        theme: "dark",
        config: { axis: { labelColor: "red" } },
      }),
    );
    expect(custom.config.axis.labelColor).toBe("red");
    expect(custom.config.axis.gridColor).toBe(THEME_COLORS.dark.grid);
  });
});

describe("points that answer the pointer", () => {
  it("are every point of small charts, every k-th point per series of big ones (all lines stay whole)", async () => {
    const few = makeRuns(3);
    const small = await check(
      curvesSpec({ runs: few, histories: makeHistories(few, 100), metrics: ["loss"] }),
    );
    const hover = (view: any) => itemsOf(view, "symbol").filter((i) => i.datum?.m !== undefined);
    expect(hover(small.view)).toHaveLength(300);
    const many = makeRuns(20);
    const big = curvesSpec({
      runs: many,
      histories: makeHistories(many, 400),
      metrics: ["loss", "acc", "lr"],
    });
    const { view } = await check(big);
    const lines = marksOf(view, "line").filter((m) => m.items.length > 0);
    const drawn = lines.reduce((n, m) => n + m.items.length, 0);
    expect(drawn).toBeGreaterThan(60 * 80);
    const answering = hover(view);
    expect(answering.length).toBeLessThanOrEqual(2500);
    expect(answering.length).toBeGreaterThanOrEqual(2000);
    // Every series still answers, from its first point on.
    expect(new Set(answering.map((p: any) => `${p.datum.runId}/${p.datum.m}`)).size).toBe(60);
    expect(answering.some((p: any) => p.datum.x === 0)).toBe(true);
  });
});

describe("size of the inlined data", () => {
  it("keeps 20 runs × 3 metrics × 10,000 steps under 200 kB", async () => {
    const runs = makeRuns(20);
    const histories = makeHistories(runs, 10_000);
    const started = performance.now();
    const spec = curvesSpec({ runs, histories, metrics: ["loss", "acc", "lr"] });
    const buildMs = performance.now() - started;
    const size = JSON.stringify(spec).length;
    const smoothed = JSON.stringify(
      curvesSpec({ runs, histories, metrics: ["loss", "acc", "lr"], smooth: 0.6 }),
    ).length;
    const grouped = JSON.stringify(
      curvesSpec({ runs, histories, metrics: ["loss", "acc", "lr"], groupBy: "params.lr" }),
    ).length;
    const staticSpec = curvesSpec({ runs, histories, metrics: ["loss", "acc", "lr"], static: true });
    const { svg } = await check(staticSpec);
    console.log(
      `20×3×10,000: spec ${size} B, smoothed ${smoothed} B, grouped ${grouped} B, static SVG ${svg.length} B, built in ${buildMs.toFixed(0)} ms`,
    );
    expect(size).toBeLessThanOrEqual(200_000);
    expect(smoothed).toBeLessThanOrEqual(200_000);
    expect(grouped).toBeLessThanOrEqual(200_000);
    expect(svg.length).toBeLessThanOrEqual(200_000);
    const values = (spec as any).data.values as any[];
    expect(values).toHaveLength(60);
    for (const row of values) {
      expect(row.x.length).toBeLessThanOrEqual(83);
      expect(row.x[0]).toBe(0);
      expect(row.x[row.x.length - 1]).toBe(9999);
    }
    expect(buildMs).toBeLessThan(1000);
  });
});
