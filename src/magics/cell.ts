// A cell → its magic lines and the code the kernel should get. Every cell the user runs passes through
// here, so a cell without magics must cost one regex scan and nothing else.
import { TRACK_CELL } from "./commands.js";
import { isUsageError } from "./errors.js";
import { CELL_MAGIC, LINE_MAGIC, parseCellMagic, parseLine } from "./parse.js";
import type { CellParse, LineCommandAt, TrackCellCommand, UsageError } from "./types.js";

const PLAIN: CellParse = Object.freeze({ kind: "plain" });

// `$` with /m stops before "\n" but not before "\r", hence the explicit \r.
const ANY_MAGIC = /^[ \t]*%%?track(?:[ \t\r]|$)/m;

/**
 * Finds the magic lines of a cell: `%%track` on line 1, `%track` on any line (first non-blank text).
 * Lines are split on "\n" and a "\r" before it is not part of the line, so CRLF sources work; `code`
 * keeps every terminator, and every non-magic line byte for byte.
 */
export function parseCell(source: string): CellParse {
  if (!source.includes("%track") || !ANY_MAGIC.test(source)) return PLAIN;
  let cellMagic: TrackCellCommand | undefined;
  const lineCommands: LineCommandAt[] = [];
  const errors: UsageError[] = [];
  let code = "";
  let line = 0;
  for (let pos = 0; pos <= source.length; ) {
    line++;
    const newline = source.indexOf("\n", pos);
    const end = newline < 0 ? source.length : newline;
    const contentEnd = end > pos && source[end - 1] === "\r" ? end - 1 : end;
    const text = source.slice(pos, contentEnd);
    const terminator = source.slice(contentEnd, newline < 0 ? end : end + 1);
    if (CELL_MAGIC.test(text)) {
      const parsed = parseCellMagic(text);
      if (line !== 1) {
        const at = text.indexOf("%");
        errors.push({
          kind: "usage-error",
          code: "misplaced-cell-magic",
          message: "%%track must be the first line of the cell",
          column: at + 1,
          length: 7,
          line,
          topic: "track",
          usage: TRACK_CELL.usage,
          source: text,
        });
      } else if (isUsageError(parsed)) errors.push({ ...parsed, line });
      else cellMagic = parsed;
      code += terminator;
    } else if (LINE_MAGIC.test(text)) {
      const parsed = parseLine(text);
      if (isUsageError(parsed)) errors.push({ ...parsed, line });
      else lineCommands.push({ line, command: parsed });
      code += terminator;
    } else {
      code += text + terminator;
    }
    if (newline < 0) break;
    pos = newline + 1;
  }
  if (cellMagic === undefined && lineCommands.length === 0 && errors.length === 0) return PLAIN;
  return { kind: "magic", ...(cellMagic && { cellMagic }), lineCommands, code, errors };
}
