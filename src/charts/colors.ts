// Run colours: ONE function, `runColor`, gives a run its colour from the run alone, so a run has the
// same colour in every chart kind, in the live chart, in the Compare view, in the saved static SVG and
// after a reload, whatever other runs are shown beside it.
//
// The colour comes from a hash of the run id — except for the runs of one re-run cell (`NAME`,
// `NAME #2`, …: the tags the tracked cell writes, or any name `NAME #N`): those take consecutive
// palette entries from a hash of NAME, so the runs one compares first — the same cell run with other params — never share a colour
// (up to the palette's size). Other runs may still hash to the same colour (a colour cannot both depend
// on the run alone and avoid every other run): such lines are told apart by their dash pattern
// (`runDashes`), which may depend on the chart's runs because nothing else uses it.
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

/** What a run's colour depends on: its own colour if it has one, else its name's number or its id. */
export type ColorKey = Pick<ChartRun, "runId"> & Partial<Pick<ChartRun, "runName" | "color" | "tags">>;

/**
 * Tags a tracked cell writes on each of its runs: the name as typed and the execution's number. The
 * first run of a cell is plain `NAME` (number 1), so the tags, not the display name, say which runs
 * belong together.
 */
const BASE_NAME_TAG = "labtrack.run_base_name";
const NUMBER_TAG = "labtrack.run_number";

/** `NAME #N` → NAME and N. */
const NUMBERED = /^(.*\S)\s+#(\d{1,9})$/;

/**
 * The colour of a run (a run, or just its id): its own `color`; for `NAME #N` the palette entry N
 * after a hash of NAME; otherwise the entry a hash of its id picks. The one place run colours come from.
 */
export function runColor(run: ColorKey | string, palette: readonly string[] = RUN_PALETTE): string {
  const key: ColorKey = typeof run === "string" ? { runId: run } : run;
  if (key.color) return key.color;
  const base = key.tags?.[BASE_NAME_TAG];
  const number = Number(key.tags?.[NUMBER_TAG] ?? 1);
  const numbered = key.runName ? NUMBERED.exec(key.runName) : null;
  const at =
    base && Number.isSafeInteger(number)
      ? hashString(base) + number
      : numbered
        ? hashString(numbered[1] as string) + Number(numbered[2])
        : hashString(key.runId);
  return palette[at % palette.length] as string;
}

/**
 * The colour of each run (keyed by `runId`): `runColor` of each. It never depends on the other runs,
 * so the colour of a run is the same in two charts of different sets of runs.
 */
export function assignRunColors(
  runs: readonly ColorKey[],
  palette: readonly string[] = RUN_PALETTE,
): Map<string, string> {
  return new Map(runs.map((r) => [r.runId, runColor(r, palette)]));
}

/** Dash patterns for the runs that share a colour with another run of the same chart. Solid first. */
export const DASHES: readonly (readonly number[])[] = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
  [12, 4],
];

/**
 * The stroke dash of each run of a chart (keyed by `runId`), or null when every run has a colour of its
 * own (the lines are then all solid, and the spec has no dash encoding). Among the runs of one colour,
 * the first in id order is solid and the others get the next patterns: deterministic for a set of runs,
 * independent of the order the runs were listed in.
 */
export function runDashes(
  runs: readonly ColorKey[],
  colors: ReadonlyMap<string, string> = assignRunColors(runs),
): Map<string, number[]> | null {
  const byColor = new Map<string, string[]>();
  for (const r of runs) {
    const c = colors.get(r.runId) ?? runColor(r);
    const same = byColor.get(c) ?? [];
    if (!same.includes(r.runId)) same.push(r.runId);
    byColor.set(c, same);
  }
  if ([...byColor.values()].every((ids) => ids.length === 1)) return null;
  const out = new Map<string, number[]>();
  for (const ids of byColor.values()) {
    ids.sort();
    ids.forEach((id, i) => {
      out.set(id, [...(DASHES[i % DASHES.length] as number[])]);
    });
  }
  return out;
}

/**
 * Colours of keys that are not runs (e.g. the groups of `--group-by`): the hash's choice unless another
 * key already has it, then the next free palette entry. Keys are visited in sorted order, so the result
 * does not depend on the order they are listed in; with more keys than colours the palette wraps evenly.
 */
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
