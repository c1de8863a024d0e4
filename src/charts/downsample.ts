// Downsampling long metric series so a chart (and the notebook that saves it) stays small.

/**
 * Indices of the points to keep out of `values` (in order), at most `maxPoints` of them: the first and
 * the last point, and in each of the equal-width buckets in between, the smallest and the largest value
 * (min/max per bucket, so spikes and the global extremes always survive). Non-finite values are never
 * picked as a bucket's min or max unless the whole bucket is non-finite.
 */
export function downsampleIndices(values: ArrayLike<number>, maxPoints: number): number[] {
  const n = values.length;
  const max = Math.max(2, Math.floor(maxPoints));
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const inner = n - 2;
  if (max === 2) return [0, n - 1];
  if (max === 3) {
    // Room for one more point: the one farthest from the ends' average.
    const mid = ((values[0] as number) + (values[n - 1] as number)) / 2;
    let far = 1;
    for (let i = 1; i < n - 1; i++) {
      const v = values[i] as number;
      if (Number.isFinite(v) && !(Math.abs(v - mid) <= Math.abs((values[far] as number) - mid))) far = i;
    }
    return [0, far, n - 1];
  }
  const buckets = Math.floor((max - 2) / 2);
  const out: number[] = [0];
  for (let b = 0; b < buckets; b++) {
    const from = 1 + Math.floor((b * inner) / buckets);
    const to = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (to <= from) continue;
    let lo = -1;
    let hi = -1;
    for (let i = from; i < to; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) continue;
      if (lo < 0 || v < (values[lo] as number)) lo = i;
      if (hi < 0 || v > (values[hi] as number)) hi = i;
    }
    if (lo < 0) {
      out.push(from);
      continue;
    }
    if (lo === hi) out.push(lo);
    else if (lo < hi) out.push(lo, hi);
    else out.push(hi, lo);
  }
  out.push(n - 1);
  return out;
}

/**
 * At most `maxPoints` of `points`, in order, keeping the first, the last and the extremes (min and max of
 * each bucket). `value` reads the y of a point (default: its `value` field).
 */
export function downsample<T>(
  points: readonly T[],
  maxPoints: number,
  value: (p: T) => number = (p) => (p as { value: number }).value,
): T[] {
  if (points.length <= Math.max(2, Math.floor(maxPoints))) return points.slice();
  const values = points.map(value);
  return downsampleIndices(values, maxPoints).map((i) => points[i] as T);
}
