// Stable run colours: a run's colour comes from its id, so it is the same in every chart, in the panel
// and after a reload, whatever the order or the filter the runs were listed with.
import type { ChartRun } from "./types.js";

/** Tableau 10: readable on light and dark backgrounds, distinguishable for most colour-blind readers. */
export const RUN_PALETTE: readonly string[] = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#76b7b2",
  "#59a14f",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#bab0ac",
];

/** FNV-1a, 32 bits: a small, well-spread, platform-independent string hash. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The preferred colour of a run: a palette entry picked by a hash of its id. */
export function runColor(runId: string, palette: readonly string[] = RUN_PALETTE): string {
  return palette[hashString(runId) % palette.length] as string;
}

/**
 * Colours of a set of runs (keyed by `runId`), the same in every chart built from that set. A run's own
 * `color` wins; otherwise it gets `runColor(runId)` unless another run of the set already has that colour,
 * in which case the next free palette entry is taken. Runs are visited in id order, so the result does
 * not depend on the order they are listed in. With more runs than colours, each colour is used at most
 * ceil(runs / colours) times: the palette wraps evenly and deterministically.
 */
export function assignRunColors(
  runs: readonly Pick<ChartRun, "runId" | "color">[],
  palette: readonly string[] = RUN_PALETTE,
): Map<string, string> {
  return assignColors(
    runs.map((r) => ({ key: r.runId, color: r.color })),
    palette,
  );
}

/** `assignRunColors` for any keys (e.g. group labels). */
export function assignColors(
  items: readonly { key: string; color?: string | undefined }[],
  palette: readonly string[] = RUN_PALETTE,
): Map<string, string> {
  const out = new Map<string, string>();
  const unique = [...new Map(items.map((i) => [i.key, i])).values()];
  const auto = unique.filter((i) => !i.color).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const used = new Array<number>(palette.length).fill(0);
  for (const i of unique) {
    if (!i.color) continue;
    out.set(i.key, i.color);
    const at = palette.indexOf(i.color);
    if (at >= 0) used[at] = (used[at] as number) + 1;
  }
  const capacity = Math.max(1, Math.ceil(unique.length / palette.length));
  for (const i of auto) {
    const start = hashString(i.key) % palette.length;
    let pick = start;
    for (let k = 0; k < palette.length; k++) {
      const c = (start + k) % palette.length;
      if ((used[c] as number) < capacity) {
        pick = c;
        break;
      }
    }
    used[pick] = (used[pick] as number) + 1;
    out.set(i.key, palette[pick] as string);
  }
  return out;
}
