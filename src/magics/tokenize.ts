// Shell-like words: what users expect from a command line, minus everything that needs a shell
// (no variables, globs, or substitutions — a `$` or `*` is just a character).
//
//   'single'    literal, no escapes
//   "double"    \" \\ \n \t \r are escapes; any other backslash stays (Windows paths survive)
//   \x          outside quotes: x, literally (so `my\ run` is one word)
//   #…          an unquoted # starting a word comments out the rest of the line
//
// Each character of a word remembers where it came from and whether it was quoted, because meaning
// depends on that later: a quoted `--x` is not an option, a quoted comma does not split a list, and an
// error inside `--tags a=1,b` must point at the exact column.
import { fail } from "./errors.js";

export interface Token {
  /** The word after quote removal and escapes. */
  readonly text: string;
  /** `offsets[i]`: 0-based offset in the line of `text[i]`'s source character (for `\\x` and `"\\n"`, the x / n). */
  readonly offsets: readonly number[];
  /** `literal[i]`: `text[i]` was quoted or escaped, so it has no special meaning. */
  readonly literal: readonly boolean[];
  /** The word's span in the line, quotes included: `line.slice(start, end)` is the raw word. */
  readonly start: number;
  readonly end: number;
}

const SPACE = /[ \t\r\n\f\v]/;
const DOUBLE_QUOTE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  n: "\n",
  t: "\t",
  r: "\r",
};

/** The words of `line` from offset `from` on. Throws UsageFailure on an unterminated quote or a trailing `\`. */
export function tokenize(line: string, from = 0): Token[] {
  const tokens: Token[] = [];
  const n = line.length;
  let i = from;
  while (i < n) {
    while (i < n && SPACE.test(line[i] as string)) i++;
    if (i >= n || line[i] === "#") break;
    const start = i;
    let text = "";
    const offsets: number[] = [];
    const literal: boolean[] = [];
    const push = (c: string, at: number, quoted: boolean): void => {
      text += c;
      offsets.push(at);
      literal.push(quoted);
    };
    while (i < n && !SPACE.test(line[i] as string)) {
      const c = line[i] as string;
      if (c === "'") {
        const close = line.indexOf("'", i + 1);
        if (close < 0) fail("unterminated-quote", "unterminated single quote", i, n - i);
        for (let k = i + 1; k < close; k++) push(line[k] as string, k, true);
        i = close + 1;
      } else if (c === '"') {
        const open = i++;
        for (;;) {
          if (i >= n) fail("unterminated-quote", "unterminated double quote", open, n - open);
          const d = line[i] as string;
          if (d === '"') {
            i++;
            break;
          }
          const escaped = d === "\\" ? DOUBLE_QUOTE_ESCAPES[line[i + 1] ?? ""] : undefined;
          if (escaped !== undefined) {
            push(escaped, i + 1, true);
            i += 2;
          } else {
            push(d, i, true);
            i++;
          }
        }
      } else if (c === "\\") {
        if (i + 1 >= n) fail("trailing-backslash", "a backslash at the end of the line escapes nothing", i);
        push(line[i + 1] as string, i + 1, true);
        i += 2;
      } else {
        push(c, i, false);
        i++;
      }
    }
    tokens.push({ text, offsets, literal, start, end: i });
  }
  return tokens;
}

/** `token.text[from, to)` as a token of its own, keeping positions and quoting. */
export function sliceToken(token: Token, from: number, to = token.text.length): Token {
  const start = from < token.offsets.length ? (token.offsets[from] as number) : token.end;
  // Ends after the last character's source, so a closing quote is not underlined with the value.
  const end = to > from ? (token.offsets[to - 1] as number) + 1 : start;
  return {
    text: token.text.slice(from, to),
    offsets: token.offsets.slice(from, to),
    literal: token.literal.slice(from, to),
    start,
    end,
  };
}

/** Whether `text[i]` is `c` typed bare, i.e. with its special meaning. */
export const isBare = (token: Token, i: number, c: string): boolean =>
  token.text[i] === c && token.literal[i] === false;

/** `--name` / `--name=value` typed bare; `--` alone ends the options. */
export const isOptionLike = (token: Token): boolean =>
  isBare(token, 0, "-") && isBare(token, 1, "-") && token.text.length > 2;

export const isEndOfOptions = (token: Token): boolean =>
  token.text === "--" && token.literal.every((q) => !q);

/**
 * Splits a comma list, trimming whitespace at each item's edges. Only bare commas split unless
 * `anyComma`: lists of keys or names, which can never contain a comma, split on quoted ones too so
 * `--metrics "loss, acc"` means what it says.
 */
export function splitList(token: Token, anyComma = false): Token[] {
  const items: Token[] = [];
  let begin = 0;
  for (let i = 0; i <= token.text.length; i++) {
    if (i === token.text.length || (anyComma ? token.text[i] === "," : isBare(token, i, ","))) {
      let a = begin;
      let b = i;
      while (a < b && /\s/.test(token.text[a] as string)) a++;
      while (b > a && /\s/.test(token.text[b - 1] as string)) b--;
      items.push(sliceToken(token, a, b));
      begin = i + 1;
    }
  }
  return items;
}

const SAFE_WORD = /^[\p{L}\p{N}_./:@%+=-]+$/u;

/**
 * The shortest spelling of `word` that `tokenize` reads back as exactly that one word, with no special
 * meaning (never an option, a comment or a list separator): for code that writes magic lines, e.g. the
 * "Track this cell" button inserting a run name.
 */
export function quote(word: string): string {
  if (SAFE_WORD.test(word) && !word.startsWith("-")) return word;
  if (!/['\n\r]/.test(word)) return `'${word}'`;
  const escaped = word.replace(/[\\"\n\r]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : `\\${c}`));
  return `"${escaped}"`;
}
