// Cells: which lines are magic, what the kernel gets, and that plain cells are left alone cheaply.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCell } from "../../src/magics/index.js";
import { USAGE_ERRORS } from "./usage-errors.js";

const magic = (source: string) => {
  const parsed = parseCell(source);
  if (parsed.kind !== "magic") throw new Error(`expected magic lines in ${JSON.stringify(source)}`);
  return parsed;
};

describe("plain cells", () => {
  it.each([
    "",
    "x = 1",
    "print('%track runs')",
    "x = 1  # %track params x",
    "s = '''\n%tracker on\n'''",
    "%%time\nx = 1",
    "%trackx params a",
    "%%tracking\nfoo",
    "  % track params a",
    "a\n\n\n",
  ])("%j → plain", (source) => {
    expect(parseCell(source)).toEqual({ kind: "plain" });
  });

  it("is fast on a large cell without magics", () => {
    const big = "x = compute(x)  # not %track-ed\n".repeat(20_000);
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) expect(parseCell(big).kind).toBe("plain");
    expect((performance.now() - t0) / 20).toBeLessThan(20);
  });
});

describe("tracked cells", () => {
  it("parses a %%track cell with line commands and blanks the magic lines", () => {
    const source =
      "%%track baseline --params lr\nlr = 0.1\n%track tag model=cnn\nfit(lr)\n  %track metrics loss --step 3\n";
    const parsed = magic(source);
    expect(parsed.cellMagic).toEqual({
      command: "track",
      name: "baseline",
      nested: false,
      tags: [],
      params: ["lr"],
      metrics: [],
      artifacts: [],
    });
    expect(parsed.lineCommands).toEqual([
      { line: 3, command: { command: "tag", tags: [{ key: "model", value: "cnn" }] } },
      { line: 5, command: { command: "metrics", items: [{ kind: "variable", name: "loss" }], step: 3 } },
    ]);
    expect(parsed.code).toBe("\nlr = 0.1\n\nfit(lr)\n\n");
    expect(parsed.errors).toEqual([]);
  });

  it("accepts line commands alone (no cell magic)", () => {
    const parsed = magic("%track experiment mnist");
    expect(parsed.cellMagic).toBeUndefined();
    expect(parsed.lineCommands).toEqual([{ line: 1, command: { command: "experiment", name: "mnist" } }]);
    expect(parsed.code).toBe("");
  });

  it("accepts an indented %%track on line 1", () => {
    expect(magic("  %%track\nx").cellMagic?.command).toBe("track");
  });

  it("keeps CRLF terminators and untouched lines byte for byte", () => {
    const source = "%%track r\r\nx = 1\r\n%track params x\r\ny = 'a\\r'\r\n";
    const parsed = magic(source);
    expect(parsed.cellMagic?.name).toBe("r");
    expect(parsed.lineCommands).toEqual([
      { line: 3, command: { command: "params", items: [{ kind: "variable", name: "x" }] } },
    ]);
    expect(parsed.code).toBe("\r\nx = 1\r\n\r\ny = 'a\\r'\r\n");
  });

  it("handles a CRLF source whose magic line ends right before \\r", () => {
    expect(magic("x\r\n%track status\r\n").lineCommands).toEqual([
      { line: 2, command: { command: "status" } },
    ]);
    expect(magic("%track status\r\nx").code).toBe("\r\nx");
  });

  it("reports a %%track that is not on line 1, and still blanks it", () => {
    const parsed = magic("x = 1\n%%track late\ny = 2");
    expect(parsed.cellMagic).toBeUndefined();
    expect(parsed.errors).toEqual([
      expect.objectContaining({
        code: "misplaced-cell-magic",
        message: "%%track must be the first line of the cell",
        line: 2,
        column: 1,
        length: 7,
        topic: "track",
        source: "%%track late",
      }),
    ]);
    expect(parsed.code).toBe("x = 1\n\ny = 2");
  });

  it("reports a blank first line before %%track as misplaced", () => {
    expect(magic("\n%%track").errors[0]).toMatchObject({ code: "misplaced-cell-magic", line: 2 });
  });

  it("collects every malformed line with its line number, keeping the good ones", () => {
    const parsed = magic("%%track --max 3\n%track params lr\n\t%track bogus\n%track runs --max 0");
    expect(parsed.cellMagic).toBeUndefined();
    expect(parsed.lineCommands).toHaveLength(1);
    expect(parsed.errors.map((e) => [e.line, e.code, e.column])).toEqual([
      [1, "unknown-option", 9],
      [3, "unknown-command", 9],
      [4, "bad-number", 19],
    ]);
    expect(parsed.code).toBe("\n\n\n");
  });

  it("treats only the first non-blank text of a line as magic", () => {
    const parsed = magic("x = '%track params a'\n%track params b");
    expect(parsed.lineCommands.map((c) => c.line)).toEqual([2]);
    expect(parsed.code).toBe("x = '%track params a'\n");
  });

  it("turns a bare %track into a missing-command error", () => {
    expect(magic("%track").errors[0]).toMatchObject({ code: "missing-command", line: 1, column: 7 });
  });

  // Lines that are no magic at all (not-a-magic) are plain code in a cell.
  const magicCases = USAGE_ERRORS.filter(([, code]) => code !== "not-a-magic");

  it.each(magicCases)(
    "reports %s at its line, with the error it gives alone (%s)",
    (line, code, message, column, length) => {
      // %%track belongs on line 1; a line command goes between code lines.
      const cell = line.trimStart().startsWith("%%")
        ? `${line}
x = 1`
        : `x = 1
${line}
y = 2`;
      const at = line.trimStart().startsWith("%%") ? 1 : 2;
      const parsed = magic(cell);
      expect(parsed.errors).toHaveLength(1);
      expect(parsed.errors[0]).toMatchObject({ code, message, column, length, line: at, source: line });
    },
  );
});

describe("blanking invariants (property)", () => {
  const magicLine = fc.constantFrom(
    "%track params lr",
    "  %track metrics loss --step 1",
    "\t%track runs metrics.a < 1",
    "%%track x",
    ...USAGE_ERRORS.map(([line]) => line),
  );
  const codeLine = fc.string({ maxLength: 20 }).filter((s) => !/[\r\n]/.test(s));
  const terminator = fc.constantFrom("\n", "\r\n");

  it("keeps the line count, empties magic lines, and leaves every other line as it was", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.oneof(magicLine, codeLine), terminator), { maxLength: 12 }),
        fc.oneof(magicLine, codeLine),
        (lines, last) => {
          const source = lines.map(([l, t]) => l + t).join("") + last;
          const parsed = parseCell(source);
          if (parsed.kind === "plain") {
            expect(source).not.toMatch(/^[ \t]*%%?track(?:[ \t\r]|$)/m);
            return;
          }
          const all = [...lines, [last, ""] as const];
          const expected = all.map(([l, t]) => (/^[ \t]*%%?track(?:[ \t]|$)/.test(l) ? "" : l) + t).join("");
          expect(parsed.code).toBe(expected);
          expect(parsed.code.split("\n").length).toBe(source.split("\n").length);
          // Every magic line is accounted for exactly once: as a command, the cell magic, or an error.
          const magicCount = all.filter(([l]) => /^[ \t]*%%?track(?:[ \t]|$)/.test(l)).length;
          const accounted = parsed.lineCommands.length + (parsed.cellMagic ? 1 : 0) + parsed.errors.length;
          expect(accounted).toBe(magicCount);
        },
      ),
      { numRuns: 300 },
    );
  });
});
