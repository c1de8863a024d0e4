// Exponential moving average, as TensorBoard's smoothing slider does it.

/** Largest usable weight: at 1 the average would never move. */
export const MAX_SMOOTH = 0.999;

/**
 * TensorBoard-style smoothing: an exponential moving average with weight `weight` (0 = raw values, → 1
 * = flatter), debiased so the first points are not pulled toward 0. Non-finite values pass through
 * unchanged and do not enter the average.
 */
export function smoothEma(values: readonly number[], weight: number): number[] {
  const w = Math.min(MAX_SMOOTH, Math.max(0, Number.isFinite(weight) ? weight : 0));
  if (w === 0) return values.slice();
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    count++;
    return last / (1 - w ** count);
  });
}
