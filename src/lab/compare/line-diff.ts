// A line diff of two texts (two runs' cell sources) for Compare: jsdiff's shortest edit script
// (Myers' algorithm) over the lines, numbered on both sides, then unchanged stretches collapsed around
// the changes as a unified diff shows them. Pure.
import { diffArrays } from "diff";

export type DiffOp = "same" | "removed" | "added";

export interface DiffLine {
  op: DiffOp;
  text: string;
  /** 1-based line number in the old text ("same" and "removed" lines). */
  oldNo?: number;
  /** 1-based line number in the new text ("same" and "added" lines). */
  newNo?: number;
}

/** Unchanged lines left out of a collapsed diff. */
export interface SkippedLines {
  op: "skipped";
  count: number;
}

export type DiffRow = DiffLine | SkippedLines;

/** Edits beyond which the two texts are shown as wholly replaced: cheap, and as readable. */
export const MAX_EDITS = 4000;

/** The lines of a text: "\r\n" as "\n", and no empty last line for a final newline. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** The lines of `a` and `b` as same, removed and added ones, in order: a shortest edit script. */
export function lineDiff(a: readonly string[], b: readonly string[], maxEdits = MAX_EDITS): DiffLine[] {
  // Past maxEdits jsdiff gives up (undefined): the texts are then shown as wholly replaced.
  const changes = diffArrays([...a], [...b], { maxEditLength: maxEdits }) ?? [
    { value: [...a], removed: true, added: false, count: a.length },
    { value: [...b], added: true, removed: false, count: b.length },
  ];
  const out: DiffLine[] = [];
  let oldNo = 1;
  let newNo = 1;
  for (const change of changes) {
    for (const text of change.value) {
      if (change.added) out.push({ op: "added", text, newNo: newNo++ });
      else if (change.removed) out.push({ op: "removed", text, oldNo: oldNo++ });
      else out.push({ op: "same", text, oldNo: oldNo++, newNo: newNo++ });
    }
  }
  return out;
}

/**
 * The diff as a unified diff shows it: `context` unchanged lines around each change, longer unchanged
 * stretches as one SkippedLines row. Stretches shorter than three lines are not worth hiding.
 */
export function collapse(lines: readonly DiffLine[], context = 3): DiffRow[] {
  const keep = lines.map((l) => l.op !== "same");
  const changed = keep.slice();
  for (let i = 0; i < lines.length; i++) {
    if (!changed[i]) continue;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) keep[j] = true;
  }
  const rows: DiffRow[] = [];
  for (let i = 0; i < lines.length; ) {
    if (keep[i]) {
      rows.push(lines[i] as DiffLine);
      i++;
      continue;
    }
    let j = i;
    while (j < lines.length && !keep[j]) j++;
    if (j - i >= 3) rows.push({ op: "skipped", count: j - i });
    else for (let k = i; k < j; k++) rows.push(lines[k] as DiffLine);
    i = j;
  }
  return rows;
}

export interface DiffStats {
  added: number;
  removed: number;
}

export function diffStats(lines: readonly DiffLine[]): DiffStats {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.op === "added") added++;
    else if (l.op === "removed") removed++;
  }
  return { added, removed };
}
