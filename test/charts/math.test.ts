// Smoothing, downsampling, aggregation, colours and labels: the plain functions under the builders.
import { describe, expect, it } from "vitest";
import {
  aggregateSeries,
  assignRunColors,
  downsample,
  downsampleIndices,
  pointsPerSeries,
  RUN_PALETTE,
  runColor,
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

  it("are distinct within a chart of up to 10 runs, whatever the order, and honour explicit colours", () => {
    const runs = makeRuns(10);
    const a = assignRunColors(runs);
    expect(new Set(a.values()).size).toBe(10);
    const b = assignRunColors(runs.slice().reverse());
    expect([...b.entries()].sort()).toEqual([...a.entries()].sort());
    // A run whose preferred colour is free keeps it.
    const two = assignRunColors(makeRuns(1));
    expect(two.get(runId(0))).toBe(runColor(runId(0)));
    const custom = assignRunColors(makeRuns(3, (i) => (i === 1 ? { color: "#123456" } : {})));
    expect(custom.get(runId(1))).toBe("#123456");
  });

  it("wrap evenly and deterministically for 50 runs", () => {
    const runs = makeRuns(50);
    const a = assignRunColors(runs);
    const counts = new Map<string, number>();
    for (const c of a.values()) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(RUN_PALETTE.length);
    expect([...counts.values()].every((n) => n === 5)).toBe(true);
    const shuffled = runs.slice().sort((x, y) => (x.runName < y.runName ? 1 : -1));
    expect(Object.fromEntries(assignRunColors(shuffled))).toEqual(Object.fromEntries(a));
  });
});

describe("runLabels", () => {
  it("cuts long names and keeps labels unique", () => {
    const runs = makeRuns(4, (i) => ({ runName: i < 2 ? "same" : `x${"y".repeat(100)}` }));
    const labels = [...runLabels(runs).values()];
    expect(new Set(labels).size).toBe(4);
    for (const l of labels) expect(l.length).toBeLessThanOrEqual(32);
    expect(labels[0]).toMatch(/^same \(/);
    expect(labels[2]).toMatch(/…/);
  });
});
