// Deterministic runs and histories for the chart tests.
import type { ChartRun, MetricHistories, MetricPoint } from "../../src/charts/index.js";

export const T0 = Date.UTC(2025, 0, 1);

/** A 32-hex-digit run id from a number, like the server's. */
export function runId(i: number): string {
  return (i * 2654435761 + 12345).toString(16).padStart(8, "0").repeat(4).slice(0, 32);
}

export function makeRuns(n: number, extra: (i: number) => Partial<ChartRun> = () => ({})): ChartRun[] {
  return Array.from({ length: n }, (_, i) => ({
    runId: runId(i),
    runName: `run-${i}`,
    status: i === 0 ? "RUNNING" : "FINISHED",
    params: { lr: String([0.1, 0.01, 0.001][i % 3]), optimizer: i % 2 === 0 ? "adam" : "sgd", seed: "42" },
    metrics: { loss: 1 / (i + 2), acc: 0.5 + i / (4 * n) },
    ...extra(i),
  }));
}

/** `steps` points of loss (decaying, noisy), acc (rising) and lr (≤ 0 at the start) for each run. */
export function makeHistories(
  runs: readonly ChartRun[],
  steps: number,
  metrics = ["loss", "acc", "lr"],
): MetricHistories {
  const out: MetricHistories = {};
  runs.forEach((run, k) => {
    const byMetric: Record<string, MetricPoint[]> = {};
    for (const m of metrics) {
      const pts: MetricPoint[] = [];
      for (let s = 0; s < steps; s++) {
        const noise = Math.sin(s * 12.9898 + k * 78.233) * 0.05;
        const value =
          m === "loss"
            ? 2 / (1 + s / 50) + 0.1 * k + noise
            : m === "acc"
              ? 1 - 1 / (1 + s / 40) - 0.01 * k
              : s - 1;
        pts.push({ step: s, timestamp: T0 + k * 60_000 + s * 1500, value });
      }
      byMetric[m] = pts;
    }
    out[run.runId] = byMetric;
  });
  return out;
}
