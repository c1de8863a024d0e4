import * as vega from "vega";
import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import { buildChart, type ChartRequest } from "../../src/charts/index.js";
import { datasetChanges, withNamedData } from "../../src/charts/named-data.js";
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

describe("datasetChanges", () => {
  it("removes the rows that changed and inserts their new values, leaving equal rows alone", () => {
    const a = { i: 0, v: [1, 2] };
    const b = { i: 1, v: [3] };
    const b2 = { i: 1, v: [3, 4] };
    const { remove, insert } = datasetChanges([a, b], [{ i: 0, v: [1, 2] }, b2]);
    expect(remove).toEqual([b]);
    expect(remove[0]).toBe(b);
    expect(insert).toEqual([b2]);
  });

  it("counts duplicates and handles empty sides", () => {
    const row = { x: 1 };
    expect(datasetChanges([row, { x: 1 }], [{ x: 1 }])).toEqual({ remove: [{ x: 1 }], insert: [] });
    expect(datasetChanges([], [row])).toEqual({ remove: [], insert: [row] });
    expect(datasetChanges([row], [])).toEqual({ remove: [row], insert: [] });
  });

  it("brings a drawn view to the new data through a changeset", async () => {
    const view = await draw(withNamedData(curves(10)).spec);
    const next = withNamedData(curves(25));
    for (const [name, values] of Object.entries(next.datasets)) {
      const { remove, insert } = datasetChanges(view.data(name) as object[], values as object[]);
      view.change(name, vega.changeset().remove(remove).insert(insert));
    }
    await view.runAsync();
    const lines = marksOf(view, "line").filter((m) => m.items.length > 0);
    expect(lines.map((m) => m.items.length)).toEqual([25, 25, 25, 25, 25, 25]);
    view.finalize();
  });
});
