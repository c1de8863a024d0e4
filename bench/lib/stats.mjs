export const now = () => performance.now();

export async function time(fn) {
  const start = now();
  await fn();
  return now() - start;
}

/** Runs fn `n` times (after `warmup` unmeasured runs) and returns the sorted durations in ms. */
export async function sample(n, fn, warmup = 3) {
  for (let i = 0; i < warmup; i++) await fn();
  const out = [];
  for (let i = 0; i < n; i++) out.push(await time(fn));
  return out.sort((a, b) => a - b);
}

/**
 * Runs `trial` `n` times and returns its results sorted; a trial does its own set-up and returns the
 * figure it measured (so set-up is not timed).
 */
export async function repeat(n, trial) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await trial(i));
  return out.sort((a, b) => a - b);
}

export const median = (sorted) => {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
export const p95 = (sorted) => sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)];

export const fmtMs = (ms) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

/**
 * Times each named query `n` times through `search(query)`, which answers how many items came back, and
 * returns target rows (median against `targetMs`); an answer without items fails the run.
 */
export async function searchRows(workloads, { n, targetMs, unit, search }) {
  const rows = [];
  for (const [name, query] of workloads) {
    let answered = 0;
    const times = await sample(n, async () => {
      answered = await search(query);
    });
    if (answered === 0) throw new Error(`${name}: no ${unit} answered`);
    const value = median(times);
    rows.push({
      name: `${name}: ${answered} ${unit}`,
      value: fmtMs(value),
      target: `≤ ${targetMs} ms`,
      pass: value <= targetMs,
    });
  }
  return rows;
}
