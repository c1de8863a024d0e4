// The two rows a client's logging benchmark reports — the per-call cost in a tight loop and the time
// until every point is on the server — from its trials, for the TypeScript client and the Python
// module alike, so both are measured and worded the same way.
import { median } from "./stats.mjs";

/**
 * `trials`: objects with `median` and `p99` (µs per call, over chunks of 1,000), `loopMs` and
 * `onServerMs`. `call`: the function's name; `targetUs`: its per-call target; `digits`: decimals of µs;
 * `how`: how the points were sent; `quick`: one trial.
 */
export function loggingRows(trials, { call, targetUs, digits, how, quick }) {
  const pick = (key) => median(trials.map((t) => t[key]).sort((a, b) => a - b));
  const perCall = pick("median");
  const onServerMs = pick("onServerMs");
  const of = quick ? "1 trial" : `median of ${trials.length} trials`;
  return [
    {
      name: `${call} overhead per call, 100,000 calls in a tight loop (median over chunks of 1,000)`,
      target: `≤ ${targetUs} µs`,
      value: `${perCall.toFixed(digits)} µs`,
      pass: perCall <= targetUs,
      note: `p99 of chunks ${pick("p99").toFixed(digits)} µs; whole loop ${pick("loopMs").toFixed(0)} ms; ${of}`,
    },
    {
      name: "100,000 points from the loop's start until all are on the server (flush, history verified)",
      target: "≤ 3 s",
      value: `${(onServerMs / 1000).toFixed(2)} s`,
      pass: onServerMs <= 3000,
      note: `${how}; ${of}`,
    },
  ];
}
