// One magic line → a command or a UsageError. The only place that catches UsageFailure: from here on
// callers get values, never exceptions.
import { COMMAND_LIST, type CommandSpec, findCommand, suggestCommand, TRACK_CELL } from "./commands.js";
import { fail, show, UsageFailure } from "./errors.js";
import { usageOf } from "./help.js";
import { parseArgs } from "./options.js";
import { type Token, tokenize } from "./tokenize.js";
import type { HelpTopic, LineCommand, TrackCellCommand, UsageError } from "./types.js";

// `%track` must be a whole word: `%tracker` is somebody else's magic.
export const LINE_MAGIC = /^[ \t]*%track(?=[ \t\r\n]|$)/;
export const CELL_MAGIC = /^[ \t]*%%track(?=[ \t\r\n]|$)/;

const isHelpFlag = (t: Token): boolean => t.text === "--help" && t.literal.every((q) => !q);

function toUsageError(error: unknown, source: string, spec?: CommandSpec<unknown>): UsageError {
  if (!(error instanceof UsageFailure)) throw error;
  const topic: HelpTopic | undefined = spec?.topic;
  return {
    kind: "usage-error",
    code: error.code,
    message: error.message,
    column: error.offset + 1,
    length: error.length,
    ...(topic !== undefined && { topic }),
    usage: spec === undefined ? COMMAND_LIST : usageOf(spec as CommandSpec<LineCommand>),
    source,
  };
}

/** Strips one trailing line terminator: callers may pass a line straight out of a CRLF file. */
const chomp = (text: string): string => text.replace(/\r?\n$|\r$/, "");

/** Parses one `%track …` line (leading spaces allowed). Never throws. */
export function parseLine(text: string): LineCommand | UsageError {
  const line = chomp(text);
  let spec: CommandSpec<LineCommand> | undefined;
  try {
    const magic = LINE_MAGIC.exec(line);
    if (magic === null) {
      const cell = CELL_MAGIC.exec(line);
      if (cell !== null) {
        const at = cell[0].indexOf("%");
        fail("misplaced-cell-magic", "%%track is a cell magic: it must be the first line of a cell", at, 7);
      }
      fail("not-a-magic", "not a %track line", 0, line.length);
    }
    const tokens = tokenize(line, magic[0].length);
    const word = tokens[0];
    if (word === undefined) fail("missing-command", "missing command after %track", line.length);
    if (isHelpFlag(word)) return { command: "help" };
    spec = findCommand(word.text);
    if (spec === undefined) {
      fail(
        "unknown-command",
        `unknown command ${show(word.text)}${suggestCommand(word.text)}`,
        word.start,
        word.end - word.start,
      );
    }
    const rest = tokens.slice(1);
    if (rest.some(isHelpFlag)) return { command: "help", topic: spec.topic };
    return spec.build(parseArgs(rest, spec.options, line.length), line);
  } catch (error) {
    return toUsageError(error, line, spec);
  }
}

/** Parses a `%%track …` line (leading spaces allowed). Never throws. */
export function parseCellMagic(text: string): TrackCellCommand | UsageError {
  const line = chomp(text);
  try {
    const magic = CELL_MAGIC.exec(line);
    if (magic === null) {
      fail("not-a-magic", "not a %%track line", 0, line.length);
    }
    const tokens = tokenize(line, magic[0].length);
    return TRACK_CELL.build(parseArgs(tokens, TRACK_CELL.options, line.length), line);
  } catch (error) {
    return toUsageError(error, line, TRACK_CELL);
  }
}
