// The chart `%track compare` draws without --kind: curves for metrics logged at several steps, final
// values (dots with their numbers) for metrics logged once, both in one chart, and one line of text
// when nothing can be drawn. Rendered by vega (6, and the 5 JupyterLab uses), marks counted in the
// scenegraph.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { AutoOptions, ChartRun, MetricHistories } from "../../src/charts/index.js";
import {
  autoSpec,
  buildChart,
  paddedDomain,
  planAuto,
  runColor,
  textSummary,
  valueLabels,
} from "../../src/charts/index.js";
import { runId, T0 } from "./fixtures.js";
import { check, itemsOf, marksOf } from "./render.js";

/** The README's `%%track` recipe, run three times with other params: one value per metric per run. */
function recipeRuns(): { runs: ChartRun[]; histories: MetricHistories } {
  const runs: ChartRun[] = [0.1, 0.03, 0.01].map((lr, i) => ({
    runId: runId(i + 1),
    runName: "logreg",
    status: "FINISHED",
    params: { lr: String(lr), epochs: "10" },
    metrics: { accuracy: [0.97, 0.99, 0.975][i] as number, final_loss: [0.21, 0.12, 0.18][i] as number },
  }));
  const histories: MetricHistories = {};
  for (const r of runs) {
    histories[r.runId] = {
      accuracy: [{ step: 0, timestamp: T0, value: r.metrics.accuracy as number }],
      final_loss: [{ step: 0, timestamp: T0, value: r.metrics.final_loss as number }],
    };
  }
  return { runs, histories };
}

/** Per-epoch `loss` (10 steps) besides the one-value metrics. */
function withLoss({ runs, histories }: ReturnType<typeof recipeRuns>) {
  const h: MetricHistories = structuredClone(histories);
  runs.forEach((r, k) => {
    (h[r.runId] as Record<string, unknown>).loss = Array.from({ length: 10 }, (_, step) => ({
      step,
      timestamp: T0 + step,
      value: 1 / (1 + step * (k + 1)),
    }));
  });
  return { runs: runs.map((r) => ({ ...r, metrics: { ...r.metrics, loss: 0.1 } })), histories: h };
}

/** The dots of a final-values chart: one symbol per run per metric, carrying the run. */
const dotsOf = (view: Parameters<typeof itemsOf>[0]) =>
  itemsOf(view, "symbol").filter((i) => i.datum?.runId !== undefined && i.datum?.metric !== undefined);
const linesOf = (view: Parameters<typeof itemsOf>[0]) =>
  marksOf(view, "line").filter((m) => m.items.length > 0 && m.items[0].datum?.runId);

/** With LT_KEEP_SVG=DIR, saves the SVG there for a human to look at. */
function keep(name: string, svg: string) {
  const dir = process.env.LT_KEEP_SVG;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.svg`), svg);
}

describe("the automatic chart", () => {
  it("draws one-value metrics as dots with their values, never empty axes", async () => {
    const { runs, histories } = recipeRuns();
    const opts: AutoOptions = { runs, histories, metrics: ["accuracy", "final_loss"] };
    expect(planAuto(opts)).toEqual({
      curves: [],
      timeCurves: [],
      finals: ["accuracy", "final_loss"],
      missing: [],
    });
    const spec = autoSpec(opts);
    const { view, svg } = await check(spec);
    keep("auto-finals", svg);
    const dots = dotsOf(view);
    expect(dots).toHaveLength(6);
    for (const d of dots) {
      const run = runs.find((r) => r.runId === d.datum.runId) as ChartRun;
      expect(d.datum.value).toBe(run.metrics[d.datum.metric]);
      expect(d.fill).toBe(runColor(run.runId));
    }
    // Each value is written beside its dot.
    const texts = itemsOf(view, "text").map((t) => t.text);
    for (const v of ["0.97", "0.99", "0.975", "0.21", "0.12", "0.18"]) expect(texts).toContain(v);
    expect(textSummary({ kind: "auto", ...opts })).toMatch(
      /accuracy \(higher is better\): best logreg lr=0.03 0\.99/,
    );
    expect((spec as any).usermeta.labtrack).toMatchObject({
      kind: "auto",
      finals: ["accuracy", "final_loss"],
    });
  });

  it("keeps 0.97 and 0.99 apart: the axis fits the values, zero not included", async () => {
    const { runs, histories } = recipeRuns();
    const { view } = await check(autoSpec({ runs, histories, metrics: ["accuracy"] }));
    const dots = dotsOf(view);
    const at = (v: number) => dots.find((d) => d.datum.value === v).x as number;
    // On a zero-based axis of ~360 px, 0.97 and 0.99 would be 7 px apart; fitted, most of the width.
    expect(at(0.99) - at(0.97)).toBeGreaterThan(150);
    expect(paddedDomain([0.97, 0.99])[0]).toBeGreaterThan(0.9);
    expect(paddedDomain([5, 5])).toEqual([4.75, 5.25]);
    expect(paddedDomain([0, 0])).toEqual([-0.5, 0.5]);
    expect(valueLabels([0.9712, 0.9715, 0.9712])).toEqual(["0.9712", "0.9715", "0.9712"]);
    expect(valueLabels([0.97, 0.99])).toEqual(["0.97", "0.99"]);
    expect(valueLabels([1 / 3])).toEqual(["0.3333"]);
    expect(valueLabels([0.97123, 0.97124])).toEqual(["0.97123", "0.97124"]);
  });

  it("draws curves where runs have several steps and dots for the rest, in one chart", async () => {
    const data = withLoss(recipeRuns());
    const opts: AutoOptions = { ...data, metrics: ["loss", "accuracy"] };
    expect(planAuto(opts)).toEqual({ curves: ["loss"], timeCurves: [], finals: ["accuracy"], missing: [] });
    const spec = autoSpec(opts);
    const { view, svg } = await check(spec);
    keep("auto-both", svg);
    expect(linesOf(view)).toHaveLength(3);
    expect(dotsOf(view)).toHaveLength(3);
    // One legend for both parts, naming the runs by name and the param that differs.
    const legend = itemsOf(view, "text")
      .filter((t) => t.mark?.role === "legend-label")
      .map((t) => t.text);
    expect(legend.sort()).toEqual(["logreg lr=0.01", "logreg lr=0.03", "logreg lr=0.1"]);
    // The same colour for a run in its line and in its dot.
    for (const line of linesOf(view)) {
      const dot = dotsOf(view).find((d) => d.datum.runId === line.items[0].datum.runId);
      expect(line.items[0].stroke).toBe(dot.fill);
    }
    const summary = textSummary({ kind: "auto", ...opts });
    expect(summary).toMatch(/^Labtrack curves · 3 runs/);
    expect(summary).toMatch(/Labtrack bars \(final values\)/);
  });

  it("says in one line which metrics the runs lack, and notes lacking ones beside drawn ones", async () => {
    const { runs, histories } = recipeRuns();
    const spec = autoSpec({ runs, histories, metrics: ["val_loss", "f1"] });
    const { view, svg } = await check(spec);
    keep("auto-none", svg);
    expect(marksOf(view, "rect").filter((m) => m.role === "axis-domain")).toHaveLength(0);
    const texts = itemsOf(view, "text").map((t) => t.text);
    expect(texts).toEqual([
      "No data: none of the 3 runs has val_loss or f1 (they have accuracy, final_loss)",
    ]);
    expect(itemsOf(view, "rule")).toHaveLength(0);
    const partial = autoSpec({ runs, histories, metrics: ["accuracy", "f1"] });
    const drawn = await check(partial);
    expect(dotsOf(drawn.view)).toHaveLength(3);
    expect(itemsOf(drawn.view, "text").map((t) => t.text)).toContain(
      "Not drawn: none of the 3 runs has f1 (they have accuracy, final_loss)",
    );
    expect((partial as any).title.text).toBe(
      "Not drawn: none of the 3 runs has f1 (they have accuracy, final_loss)",
    );
    expect(textSummary({ kind: "auto", runs, histories, metrics: ["f1"] })).toBe(
      "No data: none of the 3 runs has f1 (they have accuracy, final_loss)",
    );
    const none = await check(autoSpec({ runs: [], histories: {} }));
    expect(itemsOf(none.view, "text")[0].text).toBe("No data: no runs");
  });

  it("draws values logged again and again at step 0 (no step given) over time, not as a vertical line", async () => {
    const data = withLoss(recipeRuns());
    for (const r of data.runs) {
      (data.histories[r.runId] as Record<string, unknown>).acc = [0.5, 0.6, 0.7].map((value, i) => ({
        step: 0,
        timestamp: T0 + i * 1000,
        value,
      }));
    }
    const opts: AutoOptions = { ...data, metrics: ["loss", "acc", "accuracy"] };
    expect(planAuto(opts)).toEqual({
      curves: ["loss"],
      timeCurves: ["acc"],
      finals: ["accuracy"],
      missing: [],
    });
    expect(planAuto({ ...opts, x: "time" }).curves).toEqual(["loss", "acc"]);
    const { view, svg } = await check(autoSpec(opts));
    keep("auto-three", svg);
    // Three lines per metric drawn as curves, and one dot per run for accuracy.
    expect(linesOf(view)).toHaveLength(6);
    expect(dotsOf(view)).toHaveLength(3);
    const titles = itemsOf(view, "text").map((t) => t.text);
    expect(titles).toContain("relative time (s)");
    expect(textSummary({ kind: "auto", ...opts })).toContain("x=relative");
  });

  it("renders grouped, static and dark, and as a request of buildChart", async () => {
    const data = withLoss(recipeRuns());
    for (const extra of [{ groupBy: "params.epochs" }, { static: true }, { theme: "dark" as const }]) {
      const spec = buildChart({ kind: "auto", ...data, metrics: ["loss", "accuracy"], ...extra });
      await check(spec);
    }
  });
});

describe("run colours of a re-run cell", () => {
  it("come from the tracked cell's tags, so its first run (plain NAME) is NAME #1's neighbour, never its twin", async () => {
    const { runColor } = await import("../../src/charts/colors.js");
    const tagged = (runId: string, runName: string, n: number) => ({
      runId,
      runName,
      tags: { "labtrack.run_base_name": "logreg", "labtrack.run_number": String(n) },
    });
    const colors = [
      runColor(tagged("a", "logreg", 1)),
      runColor(tagged("b", "logreg #2", 2)),
      runColor(tagged("c", "logreg #3", 3)),
      runColor(tagged("d", "logreg #4", 4)),
    ];
    expect(new Set(colors).size).toBe(4);
    // The same run, seen without its tags but with its numbered name, keeps its colour.
    expect(runColor({ runId: "b", runName: "logreg #2" })).toBe(colors[1]);
  });
});
