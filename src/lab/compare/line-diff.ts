// A line diff of two texts (two runs' cell sources): Myers' O((N+M)·D) shortest edit script, after the
// common head and tail are set aside, then unchanged stretches collapsed around the changes as a
// unified diff shows them. Pure.
//
// No diff library is among the dependencies (neither `diff` nor `@codemirror/merge` is installed), and
// a cell is short: the classic algorithm, tested against its invariants, is enough.

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
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ op: "same", text: a[i] as string, oldNo: i + 1, newNo: i + 1 });
  const middle = myers(a.slice(head, a.length - tail), b.slice(head, b.length - tail), maxEdits);
  for (const line of middle)
    out.push({
      ...line,
      ...(line.oldNo !== undefined ? { oldNo: line.oldNo + head } : {}),
      ...(line.newNo !== undefined ? { newNo: line.newNo + head } : {}),
    });
  for (let i = tail; i > 0; i--)
    out.push({
      op: "same",
      text: a[a.length - i] as string,
      oldNo: a.length - i + 1,
      newNo: b.length - i + 1,
    });
  return out;
}

/** Myers' greedy algorithm with the furthest-reaching paths of each round kept for the way back. */
function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffLine[] {
  // Lines as small integers: comparisons in the inner loop are then cheap whatever the line lengths.
  const ids = new Map<string, number>();
  const id = (line: string) => {
    const known = ids.get(line);
    if (known !== undefined) return known;
    ids.set(line, ids.size);
    return ids.size - 1;
  };
  const A = Int32Array.from(a, id);
  const B = Int32Array.from(b, id);
  const n = A.length;
  const m = B.length;
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d]: v[k] for k in [-d-1, d+1] before round d, stored at k + d + 1.
  const trace: Int32Array[] = [];
  let edits = -1;
  search: for (let d = 0; d <= Math.min(max, maxEdits); d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && (v[off + k - 1] as number) < (v[off + k + 1] as number))
          ? (v[off + k + 1] as number)
          : (v[off + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && A[x] === B[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        edits = d;
        break search;
      }
    }
  }
  if (edits < 0)
    return [
      ...a.map((text, i): DiffLine => ({ op: "removed", text, oldNo: i + 1 })),
      ...b.map((text, i): DiffLine => ({ op: "added", text, newNo: i + 1 })),
    ];
  const reversed: DiffLine[] = [];
  let x = n;
  let y = m;
  const same = () => {
    reversed.push({ op: "same", text: a[x - 1] as string, oldNo: x, newNo: y });
    x--;
    y--;
  };
  for (let d = edits; d > 0; d--) {
    const before = trace[d] as Int32Array;
    const at = (k: number) => before[k + d + 1] as number;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) same();
    if (x === prevX) {
      reversed.push({ op: "added", text: b[y - 1] as string, newNo: y });
      y--;
    } else {
      reversed.push({ op: "removed", text: a[x - 1] as string, oldNo: x });
      x--;
    }
  }
  while (x > 0 && y > 0) same();
  return reversed.reverse();
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
