// Every kind of usage error: its code, the message naming the problem, and the column it points at.
import { describe, expect, it } from "vitest";
import { formatUsageError, isUsageError, parseCellMagic, parseLine } from "../../src/magics/index.js";
import type { UsageError } from "../../src/magics/types.js";
import { USAGE_ERRORS } from "./usage-errors.js";

const parse = (line: string) => (line.trimStart().startsWith("%%") ? parseCellMagic(line) : parseLine(line));

function errorOf(line: string): UsageError {
  const result = parse(line);
  if (!isUsageError(result))
    throw new Error(`expected a usage error for ${line}, got ${JSON.stringify(result)}`);
  return result;
}

describe("usage errors", () => {
  it.each(USAGE_ERRORS)("%s → %s", (line, code, message, column, length) => {
    const error = errorOf(line);
    expect(error).toMatchObject({ kind: "usage-error", code, message, column, length, source: line });
  });

  it("rejects %%track given as a line command", () => {
    expect(parseLine("  %%track x")).toMatchObject({
      code: "misplaced-cell-magic",
      message: "%%track is a cell magic: it must be the first line of a cell",
      column: 3,
      length: 7,
    });
    expect(parseCellMagic("%track x")).toMatchObject({ code: "not-a-magic", message: "not a %%track line" });
  });

  it("carries the usage line of the command it is about", () => {
    expect(errorOf("%track runs --max 0")).toMatchObject({
      topic: "runs",
      usage: "%track runs [FILTER] [--order-by TERM]… [--max N] [--experiment NAME]",
    });
    expect(errorOf("%%track --bad").usage).toMatch(/^%%track \[RUN_NAME\]/);
    expect(errorOf("%%track --bad").topic).toBe("track");
  });

  it("lists the commands when the command itself is wrong", () => {
    const error = errorOf("%track nope");
    expect(error.topic).toBeUndefined();
    expect(error.usage).toBe(
      "%track experiment|start|end|params|metrics|tag|note|runs|compare|status|help …",
    );
  });

  it("ignores a trailing line terminator", () => {
    expect(errorOf("%track runs --max 0\r\n")).toMatchObject({ column: 19, source: "%track runs --max 0" });
  });

  it("formats a caret under the problem", () => {
    expect(formatUsageError(errorOf("%track runs --max 0"))).toBe(
      [
        'UsageError: --max must be an integer from 1 to 50000, got "0" (column 19)',
        "  %track runs --max 0",
        "                    ^",
        "Usage: %track runs [FILTER] [--order-by TERM]… [--max N] [--experiment NAME]",
        'Run "%track help runs" for details.',
      ].join("\n"),
    );
  });

  it("formats multi-line usages and cell line numbers", () => {
    const text = formatUsageError({ ...errorOf("\t%track compare --kind pie --metrics x"), line: 4 });
    expect(text.split("\n").slice(0, 3)).toEqual([
      'UsageError: --kind must be one of auto, curves, bar, scatter, parallel, got "pie" (line 4, column 24)',
      "   %track compare --kind pie --metrics x",
      `  ${" ".repeat(23)}^^^`,
    ]);
    expect(text).toContain("\n               [--x step|time|relative]");
  });

  it("never throws, whatever the input", () => {
    for (const line of [
      "%track runs '",
      "%track \\",
      "%%track '",
      '%track compare "',
      "%track ''",
      '%track "" x',
    ]) {
      expect(isUsageError(parse(line))).toBe(true);
    }
  });
});
