import type { UsageError, UsageErrorCode } from "./types.js";

/**
 * Thrown deep inside the parser and caught once at the public boundary, which knows the command and so can
 * attach its usage line; the public API never throws.
 */
export class UsageFailure extends Error {
  constructor(
    readonly code: UsageErrorCode,
    message: string,
    /** 0-based UTF-16 offset in the line. */
    readonly offset: number,
    readonly length = 1,
  ) {
    super(message);
    this.name = "UsageFailure";
  }
}

export function fail(code: UsageErrorCode, message: string, offset: number, length = 1): never {
  throw new UsageFailure(code, message, offset, Math.max(1, length));
}

export function isUsageError(value: unknown): value is UsageError {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "usage-error";
}

/** Quotes a user's word inside a message so empty strings and spaces stay visible. */
export const show = (word: string): string => JSON.stringify(word);

/** Edit distance counting a swap of neighbours as one edit, the commonest typo ("rnus"). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** " (did you mean X?)" for a likely typo, or "" — a wrong guess is worse than none, so stay close. */
export function didYouMean(word: string, candidates: readonly string[], prefix = ""): string {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const candidate = c.toLowerCase();
    const d = candidate.startsWith(lower) && lower.length >= 2 ? 0.5 : distance(lower, candidate);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(1, Math.floor(lower.length / 3));
  return best !== undefined && bestDistance <= limit ? ` (did you mean ${prefix}${best}?)` : "";
}

/**
 * The error as a terminal-style block for a cell's error output:
 *
 *     UsageError: --max must be a positive integer, got "0" (line 2, column 19)
 *       %track runs --max 0
 *                         ^
 *     Usage: %track runs [FILTER] [--order-by TERM]… [--max N] [--experiment NAME]
 *     Run "%track help runs" for details.
 */
export function formatUsageError(error: UsageError): string {
  const where = error.line === undefined ? "" : `line ${error.line}, `;
  const marker = `${" ".repeat(error.column - 1)}${"^".repeat(Math.min(error.length, 80))}`;
  // Tabs would shift the marker; spaces keep it under the offending text.
  const source = error.source.replace(/\t/g, " ");
  const helpHint =
    error.topic === undefined
      ? 'Run "%track help" for details.'
      : `Run "%track help ${error.topic}" for details.`;
  return [
    `UsageError: ${error.message} (${where}column ${error.column})`,
    `  ${source}`,
    `  ${marker}`,
    `Usage: ${error.usage.split("\n").join("\n       ")}`,
    helpHint,
  ].join("\n");
}
