// The shell-like word reader: quoting, escapes, comments, positions, and quote() as its inverse.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageFailure } from "../../src/magics/errors.js";
import { quote } from "../../src/magics/index.js";
import { isOptionLike, splitList, tokenize } from "../../src/magics/tokenize.js";

const words = (line: string): string[] => tokenize(line).map((t) => t.text);

describe("tokenize", () => {
  it.each([
    ["a b  c", ["a", "b", "c"]],
    ["\ta\t b ", ["a", "b"]],
    ["", []],
    ["   ", []],
    ["'a b' c", ["a b", "c"]],
    ["'it''s'", ["its"]],
    ["'a\\nb'", ["a\\nb"]],
    ['"a b"', ["a b"]],
    ['"say \\"hi\\""', ['say "hi"']],
    ['"back\\\\slash"', ["back\\slash"]],
    ['"line\\nbreak\\ttab"', ["line\nbreak\ttab"]],
    ['"C:\\data\\x"', ["C:\\data\\x"]],
    ["my\\ run", ["my run"]],
    ["\\'quoted\\'", ["'quoted'"]],
    ["a\\#b", ["a#b"]],
    ['k="a b"', ["k=a b"]],
    ["pre'mid dle'post", ["premid dlepost"]],
    ["''", [""]],
    ['""', [""]],
    ["a # comment 'unterminated", ["a"]],
    ["# all comment", []],
    ["a#b", ["a#b"]],
    ["'#not' comment", ["#not", "comment"]],
    ["$HOME *.py", ["$HOME", "*.py"]],
    ["ünïcödé 'ß x'", ["ünïcödé", "ß x"]],
  ])("%j → %j", (line, expected) => {
    expect(words(line)).toEqual(expected);
  });

  it("records spans and per-character positions", () => {
    const [first, second] = tokenize(`ab "c d"\\e`);
    expect(first).toMatchObject({ text: "ab", start: 0, end: 2, offsets: [0, 1], literal: [false, false] });
    expect(second).toMatchObject({ text: "c de", start: 3, end: 10, offsets: [4, 5, 6, 9] });
    expect(second?.literal).toEqual([true, true, true, true]);
  });

  it("starts reading at the given offset", () => {
    expect(tokenize("%track a b", 6).map((t) => [t.text, t.start])).toEqual([
      ["a", 7],
      ["b", 9],
    ]);
  });

  it.each([
    ["'abc", "unterminated-quote", "unterminated single quote", 0],
    ['x "abc', "unterminated-quote", "unterminated double quote", 2],
    ['"abc\\"', "unterminated-quote", "unterminated double quote", 0],
    ["abc \\", "trailing-backslash", "a backslash at the end of the line escapes nothing", 4],
  ])("%j fails with %s", (line, code, message, offset) => {
    try {
      tokenize(line);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageFailure);
      expect(error).toMatchObject({ code, message, offset });
    }
  });

  it.each([
    ["--max", true],
    ["--max=3", true],
    ["'--max'", false],
    ["\\--max", false],
    ["-x", false],
    ["-0.5", false],
    ["--", false],
  ])("%j is option-like: %s", (line, expected) => {
    expect(isOptionLike(tokenize(line)[0]!)).toBe(expected);
  });

  it.each([
    ["a,b,c", ["a", "b", "c"]],
    ["'a,b',c", ["a,b", "c"]],
    ["a\\,b,c", ["a,b", "c"]],
    ['"a, b"', ["a, b"]],
    ["a,\\ b", ["a", "b"]],
    ["a,,b", ["a", "", "b"]],
    ["a,", ["a", ""]],
  ])("splitList(%j) → %j", (line, expected) => {
    expect(splitList(tokenize(line)[0]!).map((t) => t.text)).toEqual(expected);
  });

  it("keeps list item positions", () => {
    const [, second] = splitList(tokenize("xx aa,\\ bb")[1]!);
    expect(second).toMatchObject({ text: "bb", start: 8 });
  });
});

describe("quote", () => {
  it.each([
    ["simple", "simple"],
    ["a/b.c:d@e%f+g=h-i_j", "a/b.c:d@e%f+g=h-i_j"],
    ["", "''"],
    ["a b", "'a b'"],
    ["--x", "'--x'"],
    ["-1", "'-1'"],
    ["#tag", "'#tag'"],
    ["a,b", "'a,b'"],
    ["it's", `"it's"`],
    ['it\'s "x" \\', `"it's \\"x\\" \\\\"`],
    ["two\nlines", '"two\\nlines"'],
  ])("quote(%j) = %j", (word, expected) => {
    expect(quote(word)).toBe(expected);
  });

  it("round-trips any list of words through tokenize (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "binary", maxLength: 12 }), { maxLength: 6 }), (list) => {
        const line = list.map(quote).join(" ");
        const tokens = tokenize(line);
        expect(tokens.map((t) => t.text)).toEqual(list);
        // Quoted words never turn into options or list separators.
        for (const t of tokens) expect(isOptionLike(t)).toBe(false);
        for (const t of tokens) expect(splitList(t).length).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
