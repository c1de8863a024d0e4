import * as vega from "vega";
import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import { buildChart, type ChartRequest } from "../../src/charts/index.js";
import { withNamedData } from "../../src/charts/named-data.js";
import { makeHistories, makeRuns } from "./fixtures.js";
import { marksOf } from "./render.js";

const runs = makeRuns(3);
const curves = (steps: number, extra: Partial<ChartRequest> = {}) =>
  buildChart({
    kind: "curves",
    runs,
    histories: makeHistories(runs, steps),
    metrics: ["loss", "acc"],
    ...extra,
  } as ChartRequest);

async function draw(spec: ReturnType<typeof withNamedData>["spec"]) {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  await view.runAsync();
  return view;
}

describe("withNamedData", () => {
  it("moves every inline dataset (main and lookups) into named datasets", () => {
    const named = withNamedData(curves(10));
    const text = JSON.stringify(named.spec);
    expect(Object.keys(named.datasets)).toEqual(["lt_data_0", "lt_data_1"]);
    expect(text).not.toMatch(/"data":\{"values"/);
    expect((named.spec as { usermeta?: unknown }).usermeta).toBeDefined();
    expect(named.shape).not.toContain('"values"');
  });

  it("gives the same shape to specs that differ only in data, another shape otherwise", () => {
    expect(withNamedData(curves(10)).shape).toBe(withNamedData(curves(20)).shape);
    expect(withNamedData(curves(10)).shape).not.toBe(withNamedData(curves(10, { log: true })).shape);
    expect(withNamedData(curves(10)).shape).not.toBe(
      withNamedData(curves(10, { metrics: ["loss"] } as Partial<ChartRequest>)).shape,
    );
  });

  it("draws the same marks as the inline spec, and takes new data in place", async () => {
    const first = withNamedData(curves(10));
    const view = await draw(first.spec);
    const inline = await draw(withNamedData(curves(10)).spec);
    const counts = (v: vega.View) =>
      marksOf(v, "line")
        .filter((m) => m.items.length > 0)
        .map((m) => m.items.length);
    expect(counts(view)).toEqual(counts(inline));
    expect(counts(view)).toEqual([10, 10, 10, 10, 10, 10]);

    const next = withNamedData(curves(40));
    expect(next.shape).toBe(first.shape);
    for (const [name, values] of Object.entries(next.datasets)) view.data(name, values);
    await view.runAsync();
    expect(counts(view)).toEqual([40, 40, 40, 40, 40, 40]);
    view.finalize();
    inline.finalize();
  });

  it("keeps the datasets a spec already names", () => {
    const named = withNamedData({
      datasets: { given: [{ a: 1 }] },
      data: { name: "given" },
      mark: "point",
      encoding: { x: { field: "a", type: "quantitative" } },
    });
    expect(named.datasets).toEqual({ given: [{ a: 1 }] });
  });
});
