// Every kind of usage error: its code, the message naming the problem, and the column it points at.
import { describe, expect, it } from "vitest";
import { formatUsageError, isUsageError, parseCellMagic, parseLine } from "../../src/magics/index.js";
import type { UsageError } from "../../src/magics/types.js";

const parse = (line: string) => (line.trimStart().startsWith("%%") ? parseCellMagic(line) : parseLine(line));

function errorOf(line: string): UsageError {
  const result = parse(line);
  if (!isUsageError(result))
    throw new Error(`expected a usage error for ${line}, got ${JSON.stringify(result)}`);
  return result;
}

describe("usage errors", () => {
  it.each([
    // line, code, message, column, length
    ["print(1)", "not-a-magic", "not a %track line", 1, 8],
    ["%tracker x", "not-a-magic", "not a %track line", 1, 10],
    ["%track", "missing-command", "missing command after %track", 7, 1],
    ["%track   # just a comment", "missing-command", "missing command after %track", 26, 1],
    ["%track parms lr", "unknown-command", 'unknown command "parms" (did you mean params?)', 8, 5],
    ["%track frobnicate", "unknown-command", 'unknown command "frobnicate"', 8, 10],
    ["%track help frobnicate", "unknown-command", 'no command "frobnicate"', 13, 10],
    ["%track help rnus", "unknown-command", 'no command "rnus" (did you mean runs?)', 13, 4],
    ["%track runs --mx 3", "unknown-option", "unknown option --mx (did you mean --max?)", 13, 4],
    ["%track runs --order 3", "unknown-option", "unknown option --order (did you mean --order-by?)", 13, 7],
    ["%track end --step 3", "unknown-option", "unknown option --step", 12, 6],
    [
      "%track tag --tags x=1",
      "unknown-option",
      "unknown option --tags (this command takes no options)",
      12,
      6,
    ],
    ["%track runs --max", "missing-value", "--max needs a value (N)", 13, 5],
    ["%track runs --max --order-by x", "missing-value", "--max needs a value (N)", 13, 5],
    ["%%track --name -- x", "missing-value", "--name needs a value (NAME)", 9, 6],
    ["%%track --tags", "missing-value", "--tags needs a value (k=v,…)", 9, 6],
    ["%%track --nested=yes", "unexpected-value", "--nested is a flag and takes no value", 9, 12],
    ["%track compare --metrics a --log=1", "unexpected-value", "--log is a flag and takes no value", 28, 7],
    ["%track runs --max 3 --max 4", "duplicate-option", "--max given twice (first at column 13)", 21, 5],
    ["%%track --params a --params b", "duplicate-option", "--params given twice (first at column 9)", 20, 8],
    ["%track experiment", "missing-argument", "missing the experiment NAME", 18, 1],
    ["%track params", "missing-argument", "missing params: give variable names or key=value pairs", 14, 1],
    [
      "%track metrics --step 1",
      "missing-argument",
      "missing metrics: give variable names or key=number pairs",
      24,
      1,
    ],
    ["%track tag", "missing-argument", "missing tags: give key=value pairs", 11, 1],
    ["%track note", "missing-argument", "missing the note text", 12, 1],
    [
      "%track compare --last 2",
      "missing-argument",
      "missing --metrics: which metrics to chart, e.g. --metrics loss,acc",
      24,
      1,
    ],
    [
      "%track experiment my exp",
      "unexpected-argument",
      'unexpected argument "exp": an experiment name with spaces needs quotes, e.g. %track experiment "my experiment"',
      22,
      3,
    ],
    [
      "%%track my run",
      "unexpected-argument",
      'unexpected argument "run": a run name with spaces needs quotes, e.g. %%track "my run"',
      12,
      3,
    ],
    [
      "%track status now",
      "unexpected-argument",
      'unexpected argument "now": %track status takes none',
      15,
      3,
    ],
    [
      "%track end FAILED",
      "unexpected-argument",
      'unexpected argument "FAILED": %track end takes none',
      12,
      6,
    ],
    [
      "%track help runs compare",
      "unexpected-argument",
      'unexpected argument "compare": help takes one command',
      18,
      7,
    ],
    [
      "%track runs metrics.a < 1 --max 3 and metrics.b > 2",
      "unexpected-argument",
      'unexpected argument "and": the filter must be one piece, with options before or after it',
      35,
      3,
    ],
    [
      "%%track a --name b",
      "conflicting-options",
      "the run name is given twice: as an argument and with --name",
      11,
      6,
    ],
    [
      "%track compare a b --last 2 --metrics x",
      "conflicting-options",
      "--last chooses runs itself: give either run names/ids or --last",
      20,
      6,
    ],
    [
      "%track compare --metrics x --kind bar --x time",
      "conflicting-options",
      "--x only applies to curves: --kind curves, or no --kind",
      39,
      3,
    ],
    [
      "%track compare --metrics x --smooth 0.5 --kind parallel",
      "conflicting-options",
      "--smooth only applies to curves: --kind curves, or no --kind",
      28,
      8,
    ],
    [
      "%track compare --metrics x --params lr",
      "conflicting-options",
      "--params only applies to --kind parallel or scatter",
      28,
      8,
    ],
    [
      "%track params a$b=1",
      "bad-key",
      'param key "a$b" contains "$": keys may only contain letters, digits, _ - . / : and spaces',
      15,
      3,
    ],
    ["%track tag =v", "bad-key", "empty tag key", 12, 1],
    [
      "%track metrics /abs=1",
      "bad-key",
      'metric key "/abs" is not a clean relative path (no leading or trailing /, no //, . or .. parts)',
      16,
      4,
    ],
    [
      "%track params a/../b=1",
      "bad-key",
      'param key "a/../b" is not a clean relative path (no leading or trailing /, no //, . or .. parts)',
      15,
      6,
    ],
    [
      "%track tag a//b=1",
      "bad-key",
      'tag key "a//b" is not a clean relative path (no leading or trailing /, no //, . or .. parts)',
      12,
      4,
    ],
    [
      `%track params ${"k".repeat(251)}=1`,
      "bad-key",
      "param key is 251 characters long; the limit is 250",
      15,
      251,
    ],
    [
      "%%track --tags 'a b=1',c!=2",
      "bad-key",
      'tag key "c!" contains "!": keys may only contain letters, digits, _ - . / : and spaces',
      24,
      2,
    ],
    [
      "%track compare --metrics 'lo$s' ",
      "bad-key",
      'metric key "lo$s" contains "$": keys may only contain letters, digits, _ - . / : and spaces',
      27,
      4,
    ],
    [
      "%track compare --metrics x --group-by params.a@b",
      "bad-key",
      'param key "a@b" contains "@": keys may only contain letters, digits, _ - . / : and spaces',
      46,
      3,
    ],
    ["%track params lr lr=2", "duplicate-key", 'param "lr" given twice', 18, 4],
    ["%track metrics a=1 a=2", "duplicate-key", 'metric "a" given twice', 20, 3],
    ["%track tag a=1 'a=2'", "duplicate-key", 'tag "a" given twice', 16, 5],
    ["%%track --tags a=1,a=2", "duplicate-key", 'tag "a" given twice', 20, 3],
    ["%%track --params lr --metrics lr", "duplicate-key", 'variable "lr" given twice', 31, 2],
    ["%track compare --metrics a,a", "duplicate-key", 'metric "a" given twice', 28, 1],
    ["%track runs --max 0", "bad-number", '--max must be an integer from 1 to 50000, got "0"', 19, 1],
    ["%track runs --max 50001", "bad-number", '--max must be an integer from 1 to 50000, got "50001"', 19, 5],
    ["%track runs --max=2.5", "bad-number", '--max must be an integer from 1 to 50000, got "2.5"', 19, 3],
    ["%track runs --max ten", "bad-number", '--max must be an integer from 1 to 50000, got "ten"', 19, 3],
    [
      "%track compare --last 0 --metrics x",
      "bad-number",
      '--last must be a positive integer, got "0"',
      23,
      1,
    ],
    [
      "%track compare --last -2 --metrics x",
      "bad-number",
      '--last must be a positive integer, got "-2"',
      23,
      2,
    ],
    ["%track metrics x --step -1", "bad-number", '--step must be an integer ≥ 0, got "-1"', 25, 2],
    ["%track metrics x --step 1.5", "bad-number", '--step must be an integer ≥ 0, got "1.5"', 25, 3],
    [
      "%track compare --metrics x --smooth 1.5",
      "bad-number",
      '--smooth must be a number from 0 to 1, got "1.5"',
      37,
      3,
    ],
    [
      "%track compare --metrics x --smooth=-0.1",
      "bad-number",
      '--smooth must be a number from 0 to 1, got "-0.1"',
      37,
      4,
    ],
    [
      "%track compare --metrics x --smooth high",
      "bad-number",
      '--smooth must be a number from 0 to 1, got "high"',
      37,
      4,
    ],
    ["%track metrics acc=high", "bad-number", 'metric "acc" needs a number, got "high"', 20, 4],
    ["%track metrics acc=", "bad-number", 'metric "acc" needs a number, got ""', 20, 1],
    ["%track metrics acc=0x10", "bad-number", 'metric "acc" needs a number, got "0x10"', 20, 4],
    [
      "%track end --status DONE",
      "bad-value",
      '--status must be one of FINISHED, FAILED, KILLED, got "DONE"',
      21,
      4,
    ],
    [
      "%track end --status faild",
      "bad-value",
      '--status must be one of FINISHED, FAILED, KILLED, got "faild" (did you mean FAILED?)',
      21,
      5,
    ],
    [
      "%track compare --metrics x --kind pie",
      "bad-value",
      '--kind must be one of auto, curves, bar, scatter, parallel, got "pie"',
      35,
      3,
    ],
    [
      "%track compare --metrics x --x epoch",
      "bad-value",
      '--x must be one of step, time, relative, got "epoch"',
      32,
      5,
    ],
    [
      "%track compare --metrics x --group-by lr",
      "bad-value",
      '--group-by must be params.KEY or tags.KEY, got "lr"',
      39,
      2,
    ],
    [
      "%track params 3lr",
      "bad-value",
      '"3lr" is not a variable name or key=value (letters, digits and _, dots between parts)',
      15,
      3,
    ],
    [
      "%track metrics val-loss",
      "bad-value",
      '"val-loss" is not a variable name or key=number (letters, digits and _, dots between parts)',
      16,
      8,
    ],
    ["%%track --params lr,,epochs", "bad-value", 'empty variable name in the list "lr,,epochs"', 21, 1],
    [
      "%%track --params a.b.",
      "bad-value",
      '"a.b." is not a variable name (letters, digits and _, dots between parts)',
      18,
      4,
    ],
    ["%%track --artifacts a,", "bad-value", 'empty artifact path in the list "a,"', 23, 1],
    ["%track tag novalue", "bad-value", 'expected tag key=value, got "novalue"', 12, 7],
    ["%%track --tags a=1,b", "bad-value", 'expected tag key=value, got "b"', 20, 1],
    ["%track experiment ''", "bad-value", "the experiment name must not be empty", 19, 2],
    [
      `%track experiment ${"e".repeat(501)}`,
      "bad-value",
      "the experiment name is 501 characters long; the limit is 500",
      19,
      501,
    ],
    [
      `%%track ${"r".repeat(251)}`,
      "bad-value",
      "the run name is 251 characters long; the limit is 250",
      9,
      251,
    ],
    ["%track note ' '", "bad-value", "the note must not be empty", 13, 3],
    ["%track note 'oops", "unterminated-quote", "unterminated single quote", 13, 5],
    ['%%track --name "x', "unterminated-quote", "unterminated double quote", 16, 2],
    ["%track params a \\", "trailing-backslash", "a backslash at the end of the line escapes nothing", 17, 1],
  ])("%s → %s", (line, code, message, column, length) => {
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
