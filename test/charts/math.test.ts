// Smoothing, downsampling, aggregation, colours and labels: the plain functions under the builders.
import { describe, expect, it } from "vitest";
import { DASHES } from "../../src/charts/colors.js";
import {
  aggregateSeries,
  assignRunColors,
  downsample,
  downsampleIndices,
  pointsPerSeries,
  RUN_PALETTE,
  runColor,
  runDashes,
  runLabels,
  smoothEma,
} from "../../src/charts/index.js";
import { makeRuns, runId } from "./fixtures.js";

describe("smoothEma", () => {
  it("is the identity at 0 and a debiased exponential moving average otherwise", () => {
    const v = [1, 2, 3, 10, 0];
    expect(smoothEma(v, 0)).toEqual(v);
    const w = 0.6;
    const out = smoothEma(v, w);
    // Debiased: the first point is the first value, whatever the weight.
    expect(out[0]).toBeCloseTo(1, 12);
    // Closed form: s_n = sum_k (1-w) w^(n-k) v_k / (1 - w^(n+1)).
    v.forEach((_, n) => {
      let acc = 0;
      for (let k = 0; k <= n; k++) acc += (1 - w) * w ** (n - k) * (v[k] as number);
      expect(out[n]).toBeCloseTo(acc / (1 - w ** (n + 1)), 12);
    });
  });

  it("keeps a constant series constant and flattens more with a larger weight", () => {
    expect(smoothEma([5, 5, 5, 5], 0.9).every((x) => Math.abs(x - 5) < 1e-12)).toBe(true);
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 1 : -1));
    const spread = (a: number[]) => Math.max(...a.slice(50)) - Math.min(...a.slice(50));
    expect(spread(smoothEma(noisy, 0.9))).toBeLessThan(spread(smoothEma(noisy, 0.5)));
    expect(spread(smoothEma(noisy, 0.5))).toBeLessThan(spread(noisy));
  });

  it("lets non-finite values through without poisoning the average, and clamps the weight", () => {
    const out = smoothEma([1, Number.NaN, 1, Number.POSITIVE_INFINITY, 1], 0.5);
    expect(out[1]).toBeNaN();
    expect(out[3]).toBe(Number.POSITIVE_INFINITY);
    expect(out[4]).toBeCloseTo(1, 12);
    expect(smoothEma([1, 2], 1).every(Number.isFinite)).toBe(true);
    expect(smoothEma([1, 2], -3)).toEqual([1, 2]);
  });
});

describe("downsample", () => {
  const wave = Array.from({ length: 10_000 }, (_, i) => ({
    step: i,
    timestamp: i,
    value: Math.sin(i / 300) + (i === 7777 ? 50 : 0) - (i === 1234 ? 40 : 0),
  }));

  it("keeps at most maxPoints, in order, with the first, the last and the extremes", () => {
    const out = downsample(wave, 1000);
    expect(out.length).toBeLessThanOrEqual(1000);
    expect(out.length).toBeGreaterThan(900);
    expect(out[0]).toBe(wave[0]);
    expect(out[out.length - 1]).toBe(wave[wave.length - 1]);
    for (let i = 1; i < out.length; i++) expect(out[i]!.step).toBeGreaterThan(out[i - 1]!.step);
    expect(out.some((p) => p.step === 7777)).toBe(true); // the spike
    expect(out.some((p) => p.step === 1234)).toBe(true); // the dip
    const values = out.map((p) => p.value);
    expect(Math.max(...values)).toBe(Math.max(...wave.map((p) => p.value)));
    expect(Math.min(...values)).toBe(Math.min(...wave.map((p) => p.value)));
  });

  it("keeps every local extreme of each bucket even when very small", () => {
    for (const max of [2, 3, 4, 7, 50]) {
      const idx = downsampleIndices(
        wave.map((p) => p.value),
        max,
      );
      expect(idx.length).toBeLessThanOrEqual(max);
      expect(idx[0]).toBe(0);
      expect(idx[idx.length - 1]).toBe(wave.length - 1);
      if (max >= 4) expect(idx).toContain(7777);
    }
  });

  it("returns short series unchanged (a copy) and skips non-finite values as extremes", () => {
    const short = wave.slice(0, 10);
    const out = downsample(short, 1000);
    expect(out).toEqual(short);
    expect(out).not.toBe(short);
    expect(downsample([], 10)).toEqual([]);
    const idx = downsampleIndices([0, Number.NaN, 5, Number.NaN, -5, 1, 2, 3, 4, 0], 4);
    expect(idx).toEqual([0, 4, 2, 9].sort((a, b) => a - b));
  });

  it("takes any accessor", () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ y: i === 50 ? 100 : 0 }));
    expect(downsample(pts, 6, (p) => p.y)).toContain(pts[50]);
  });
});

describe("aggregateSeries and pointsPerSeries", () => {
  it("averages runs on the union of their x values, interpolating inside each run only", () => {
    const agg = aggregateSeries([
      { x: [0, 2, 4], y: [0, 2, 4] },
      { x: [1, 2, 3], y: [10, 10, 10] },
    ]);
    expect(agg.x).toEqual([0, 1, 2, 3, 4]);
    expect(agg.n).toEqual([1, 2, 2, 2, 1]);
    expect(agg.mean).toEqual([0, 5.5, 6, 6.5, 4]);
    expect(agg.lo).toEqual([0, 1, 2, 3, 4]);
    expect(agg.hi).toEqual([0, 10, 10, 10, 4]);
  });

  it("shares the total point budget between series", () => {
    expect(pointsPerSeries(1)).toBe(1000);
    expect(pointsPerSeries(60)).toBe(83);
    expect(pointsPerSeries(60, 50)).toBe(50);
    expect(pointsPerSeries(10_000)).toBe(2);
  });
});

describe("run colours", () => {
  it("come from a fixed palette of at least 10 colours, picked deterministically from the id", () => {
    expect(RUN_PALETTE.length).toBeGreaterThanOrEqual(10);
    expect(new Set(RUN_PALETTE).size).toBe(RUN_PALETTE.length);
    const id = runId(3);
    expect(runColor(id)).toBe(runColor(id));
    expect(RUN_PALETTE).toContain(runColor(id));
    const seen = new Set(Array.from({ length: 200 }, (_, i) => runColor(runId(i))));
    expect(seen.size).toBe(RUN_PALETTE.length);
  });

  it("depend on the run alone, whatever runs are beside it, and honour explicit colours", () => {
    const runs = makeRuns(10);
    const a = assignRunColors(runs);
    for (const r of runs) expect(a.get(r.runId)).toBe(runColor(r.runId));
    const b = assignRunColors([runs[3]!, ...makeRuns(3, (i) => ({ runId: runId(100 + i) }))]);
    expect(b.get(runId(3))).toBe(a.get(runId(3)));
    const custom = assignRunColors(makeRuns(3, (i) => (i === 1 ? { color: "#123456" } : {})));
    expect(custom.get(runId(1))).toBe("#123456");
  });

  it("give the runs of a re-run cell (NAME #N) consecutive palette entries, whatever their ids", () => {
    const runs = makeRuns(10, (i) => ({ runName: `logreg #${i + 1}` }));
    const colors = runs.map((r) => runColor(r));
    expect(new Set(colors).size).toBe(10);
    // The colour depends on the name's number, not on the id or on the other runs.
    expect(runColor({ runId: runId(77), runName: "logreg #3" })).toBe(colors[2]);
    expect(assignRunColors([runs[2]!]).get(runs[2]!.runId)).toBe(colors[2]);
    expect(runDashes(runs)).toBeNull();
    // Not numbered: the id decides.
    expect(runColor({ runId: runId(5), runName: "logreg" })).toBe(runColor(runId(5)));
    expect(runColor({ runId: runId(5), runName: "#3" })).toBe(runColor(runId(5)));
  });

  it("dash the runs of a chart that share a colour: solid first in id order, the same in any order", () => {
    const runs = makeRuns(50);
    const dashes = runDashes(runs) as Map<string, number[]>;
    const byColor = new Map<string, string[]>();
    for (const r of runs)
      byColor.set(runColor(r.runId), [...(byColor.get(runColor(r.runId)) ?? []), r.runId]);
    for (const ids of byColor.values()) {
      const sorted = ids.slice().sort();
      expect(dashes.get(sorted[0]!)).toEqual([1, 0]);
      // Within one colour, the first DASHES.length runs have distinct patterns.
      const patterns = sorted.slice(0, DASHES.length).map((id) => String(dashes.get(id)));
      expect(new Set(patterns).size).toBe(patterns.length);
    }
    expect(Object.fromEntries(runDashes(runs.slice().reverse()) as Map<string, number[]>)).toEqual(
      Object.fromEntries(dashes),
    );
    expect(runDashes(runs.slice(0, 1))).toBeNull();
  });
});

describe("runLabels", () => {
  const run = (i: number, runName: string, params: Record<string, string>) =>
    makeRuns(i + 1, () => ({ runName, params }))[i]!;

  it("are the name plus the params that differ among the shown runs", () => {
    const runs = [run(0, "logreg", { lr: "0.1", seed: "1" }), run(1, "logreg", { lr: "0.03", seed: "1" })];
    expect([...runLabels(runs).values()]).toEqual(["logreg lr=0.1", "logreg lr=0.03"]);
    // Unique names and no differing params: just the names.
    const plain = [run(0, "baseline", { lr: "0.1" }), run(1, "cnn", { lr: "0.1" })];
    expect([...runLabels(plain).values()]).toEqual(["baseline", "cnn"]);
    // A param already in the name is not repeated; a run lacking a differing param just has no pair.
    const named = [run(0, "lr=0.1", { lr: "0.1" }), run(1, "other", {})];
    expect([...runLabels(named).values()]).toEqual(["lr=0.1", "other"]);
    // At most three differing params, unless the labels would collide without the others.
    const wide = [0, 1].map((i) => run(i, "m", { a: String(i), b: String(i), c: String(i), d: String(i) }));
    expect(runLabels(wide).get(runId(0))).toBe("m a=0 b=0 c=0");
    const deep = [0, 1].map((i) => run(i, "m", { a: "1", b: "1", c: "1", z: String(i) }));
    expect(runLabels([...deep, run(2, "m", { a: "2", b: "1", c: "1", z: "0" })]).get(runId(1))).toBe(
      "m a=1 z=1",
    );
  });

  it("use an id fragment only for runs that are otherwise indistinguishable", () => {
    const runs = [run(0, "same", { lr: "1" }), run(1, "same", { lr: "1" }), run(2, "other", { lr: "1" })];
    const labels = [...runLabels(runs).values()];
    expect(labels[0]).toBe(`same (${runId(0).slice(0, 6)})`);
    expect(labels[1]).toBe(`same (${runId(1).slice(0, 6)})`);
    expect(labels[2]).toBe("other");
  });

  it("cut long names in the middle, keep labels unique and short", () => {
    const runs = makeRuns(4, (i) => ({ runName: i < 2 ? "same" : `x${"y".repeat(100)}-${i}` }));
    const labels = [...runLabels(runs).values()];
    expect(new Set(labels).size).toBe(4);
    for (const l of labels) expect(l.length).toBeLessThanOrEqual(40);
    expect(labels[0]).toMatch(/^same lr=/);
    expect(labels[2]).toMatch(/^xyy.*…y*-2 lr=/);
  });
});
