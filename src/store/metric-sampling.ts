// Step selection for get-history-bulk-interval (reference §3.3): evenly spaced steps across the range,
// always the last one, plus each run's own first and last step inside the range.

export function bulkIntervalSteps(
  distinctSteps: readonly number[],
  runRanges: readonly { min_step: number; max_step: number }[],
  start: number,
  end: number,
  maxResults: number,
): number[] {
  const chosen = new Set<number>();
  if (distinctSteps.length <= maxResults) {
    for (const s of distinctSteps) chosen.add(s);
  } else {
    const stride = distinctSteps.length / maxResults;
    for (let i = 0; i < maxResults; i++) chosen.add(distinctSteps[Math.floor(i * stride)] as number);
    chosen.add(distinctSteps[distinctSteps.length - 1] as number);
  }
  for (const r of runRanges) {
    if (r.min_step >= start && r.min_step <= end) chosen.add(r.min_step);
    if (r.max_step >= start && r.max_step <= end) chosen.add(r.max_step);
  }
  return [...chosen].sort((a, b) => a - b);
}
