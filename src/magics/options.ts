// GNU-style long options over tokens, and the value checks commands share. Only long options exist, so a
// word starting with a single dash (`-0.5` in a filter) is always an argument.
import { didYouMean, fail, show } from "./errors.js";
import { isEndOfOptions, isOptionLike, sliceToken, splitList, type Token } from "./tokenize.js";
import type { KeyValue, VariableRef } from "./types.js";

export interface OptionSpec {
  /** Without the dashes. */
  readonly name: string;
  /** Placeholder for the value in help text; absent for a flag. */
  readonly metavar?: string;
  /** May be given more than once (values accumulate); otherwise a second one is an error. */
  readonly repeatable?: boolean;
  readonly help: string;
}

export interface OptionUse {
  /** The `--name` word (for `--name=value`, the whole word). */
  readonly option: Token;
  /** The value; null for a flag. */
  readonly value: Token | null;
}

export interface Args {
  /** Runs of consecutive arguments, split wherever an option sits between them. */
  readonly argumentGroups: readonly (readonly Token[])[];
  readonly options: ReadonlyMap<string, readonly OptionUse[]>;
  /** Where the line ends, for "missing …" errors. */
  readonly end: number;
}

export const positionals = (args: Args): Token[] => args.argumentGroups.flat();

/** Splits tokens into arguments and options by `specs`. Throws UsageFailure. */
export function parseArgs(tokens: readonly Token[], specs: readonly OptionSpec[], end: number): Args {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const groups: Token[][] = [];
  const options = new Map<string, OptionUse[]>();
  let group: Token[] = [];
  let optionsEnded = false;
  const closeGroup = (): void => {
    if (group.length > 0) groups.push(group);
    group = [];
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (!optionsEnded && isEndOfOptions(token)) {
      optionsEnded = true;
      continue;
    }
    if (optionsEnded || !isOptionLike(token)) {
      group.push(token);
      continue;
    }
    const eq = token.text.indexOf("=");
    const name = token.text.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    const nameLength = 2 + name.length;
    if (spec === undefined) {
      const known = specs.map((s) => s.name);
      const hint = known.length === 0 ? " (this command takes no options)" : didYouMean(name, known, "--");
      fail("unknown-option", `unknown option --${name}${hint}`, token.start, nameLength);
    }
    let value: Token | null = null;
    if (spec.metavar === undefined) {
      if (eq >= 0)
        fail(
          "unexpected-value",
          `--${name} is a flag and takes no value`,
          token.start,
          token.end - token.start,
        );
    } else if (eq >= 0) {
      value = sliceToken(token, eq + 1);
    } else {
      const next = tokens[i + 1];
      if (next === undefined || isOptionLike(next) || isEndOfOptions(next)) {
        fail("missing-value", `--${name} needs a value (${spec.metavar})`, token.start, nameLength);
      }
      value = next;
      i++;
    }
    const previous = options.get(name);
    if (previous !== undefined && !spec.repeatable) {
      const first = previous[0] as OptionUse;
      fail(
        "duplicate-option",
        `--${name} given twice (first at column ${first.option.start + 1})`,
        token.start,
        nameLength,
      );
    }
    closeGroup();
    options.set(name, [...(previous ?? []), { option: token, value }]);
  }
  closeGroup();
  return { argumentGroups: groups, options, end };
}

/** The value of a single-valued option. */
export function optionValue(args: Args, name: string): Token | undefined {
  return args.options.get(name)?.[0]?.value ?? undefined;
}

export function optionValues(args: Args, name: string): Token[] {
  return (args.options.get(name) ?? []).flatMap((use) => (use.value === null ? [] : [use.value]));
}

export const flag = (args: Args, name: string): boolean => args.options.has(name);

export function optionWord(args: Args, name: string): Token | undefined {
  return args.options.get(name)?.[0]?.option;
}

const span = (token: Token): number => token.end - token.start;

/** A comma list without empty items; `what` names one item in messages. See splitList for `anyComma`. */
export function list(token: Token, what: string, anyComma = false): Token[] {
  const items = splitList(token, anyComma);
  for (const item of items) {
    if (item.text === "") fail("bad-value", `empty ${what} in the list ${show(token.text)}`, item.start);
  }
  return items;
}

export const codePointLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

export const LIMITS = {
  keyLength: 250,
  runNameLength: 250,
  experimentNameLength: 500,
  maxResults: 50_000,
} as const;

// The tracking server's rules (src/store/rules.ts), repeated here because this module runs in the
// browser: catching a bad key before the cell runs beats a half-tracked run.
const KEY_CHARS = /^[\p{L}\p{N}\p{M}_/.\- :]*$/u;

export function checkKey(token: Token, kind: "metric" | "param" | "tag"): string {
  const key = token.text;
  if (key === "") fail("bad-key", `empty ${kind} key`, token.start, span(token));
  const bad = [...key].find((c) => !KEY_CHARS.test(c));
  if (bad !== undefined) {
    fail(
      "bad-key",
      `${kind} key ${show(key)} contains ${show(bad)}: keys may only contain letters, digits, _ - . / : and spaces`,
      token.start,
      span(token),
    );
  }
  if (
    key.startsWith("/") ||
    key.endsWith("/") ||
    key.split("/").some((p) => p === "" || p === "." || p === "..")
  ) {
    fail(
      "bad-key",
      `${kind} key ${show(key)} is not a clean relative path (no leading or trailing /, no //, . or .. parts)`,
      token.start,
      span(token),
    );
  }
  const length = codePointLength(key);
  if (length > LIMITS.keyLength) {
    fail(
      "bad-key",
      `${kind} key is ${length} characters long; the limit is ${LIMITS.keyLength}`,
      token.start,
      span(token),
    );
  }
  return key;
}

// Dotted identifiers: every kernel language we know of reads them, and they are valid MLflow keys as is.
// `$` is left out because it is not a key character.
const VARIABLE = /^[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*$/u;

export const isVariableName = (text: string): boolean => VARIABLE.test(text);

export function variable(token: Token, what = "variable name"): VariableRef {
  if (!isVariableName(token.text)) {
    fail(
      "bad-value",
      `${show(token.text)} is not a ${what} (letters, digits and _, dots between parts)`,
      token.start,
      span(token),
    );
  }
  if (codePointLength(token.text) > LIMITS.keyLength) {
    fail(
      "bad-key",
      `variable name is longer than the ${LIMITS.keyLength}-character key limit`,
      token.start,
      span(token),
    );
  }
  return { kind: "variable", name: token.text };
}

/** `key=value` → its two halves. `=` splits even when quoted (keys cannot contain it), like `env 'A=b c'`. */
export function splitPair(token: Token): { key: Token; value: Token } | null {
  const eq = token.text.indexOf("=");
  if (eq < 0) return null;
  return { key: sliceToken(token, 0, eq), value: sliceToken(token, eq + 1) };
}

export function keyValue(token: Token, kind: "param" | "tag"): KeyValue {
  const pair = splitPair(token);
  if (pair === null)
    fail("bad-value", `expected ${kind} key=value, got ${show(token.text)}`, token.start, span(token));
  return { key: checkKey(pair.key, kind), value: pair.value.text };
}

/** Rejects a key seen before in the same command: MLflow refuses to change a param, and two values in one
 * line for the same metric or tag is surely a slip. */
export function uniqueKeys(keys: readonly { key: string; token: Token }[], kind: string): void {
  const seen = new Set<string>();
  for (const { key, token } of keys) {
    if (seen.has(key)) fail("duplicate-key", `${kind} ${show(key)} given twice`, token.start, span(token));
    seen.add(key);
  }
}

const INTEGER = /^\+?[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

export function positiveInt(token: Token, option: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = INTEGER.test(token.text) ? Number(token.text) : Number.NaN;
  if (!(value >= 1 && value <= max)) {
    const range = max === Number.MAX_SAFE_INTEGER ? "a positive integer" : `an integer from 1 to ${max}`;
    fail("bad-number", `${option} must be ${range}, got ${show(token.text)}`, token.start, span(token));
  }
  return value;
}

export function nonNegativeInt(token: Token, option: string): number {
  const value = INTEGER.test(token.text) ? Number(token.text) : Number.NaN;
  if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER)) {
    fail("bad-number", `${option} must be an integer ≥ 0, got ${show(token.text)}`, token.start, span(token));
  }
  return value;
}

export function unitInterval(token: Token, option: string): number {
  const value = DECIMAL.test(token.text) ? Number(token.text) : Number.NaN;
  if (!(value >= 0 && value <= 1)) {
    fail(
      "bad-number",
      `${option} must be a number from 0 to 1, got ${show(token.text)}`,
      token.start,
      span(token),
    );
  }
  return value;
}

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = {
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  "+inf": Number.POSITIVE_INFINITY,
  "-inf": Number.NEGATIVE_INFINITY,
  infinity: Number.POSITIVE_INFINITY,
  "+infinity": Number.POSITIVE_INFINITY,
  "-infinity": Number.NEGATIVE_INFINITY,
};

/** A metric value: a decimal number, or nan / inf / -inf as Python prints them. */
export function metricNumber(token: Token, key: string): number {
  const special = SPECIAL_NUMBERS[token.text.toLowerCase()];
  if (special !== undefined) return special;
  const value = DECIMAL.test(token.text) ? Number(token.text) : Number.NaN;
  if (Number.isNaN(value)) {
    fail(
      "bad-number",
      `metric ${show(key)} needs a number, got ${show(token.text)}`,
      token.start,
      span(token),
    );
  }
  return value;
}

/** One of `choices`, case-insensitively; returns the canonical spelling. */
export function choice<T extends string>(token: Token, option: string, choices: readonly T[]): T {
  const found = choices.find((c) => c.toLowerCase() === token.text.toLowerCase());
  if (found === undefined) {
    fail(
      "bad-value",
      `${option} must be one of ${choices.join(", ")}, got ${show(token.text)}${didYouMean(token.text, choices)}`,
      token.start,
      span(token),
    );
  }
  return found;
}

export function nonEmpty(token: Token, what: string): string {
  if (token.text.trim() === "") fail("bad-value", `${what} must not be empty`, token.start, span(token));
  return token.text;
}

export function limitedName(token: Token, what: string, limit: number): string {
  const text = nonEmpty(token, what);
  const length = codePointLength(text);
  if (length > limit)
    fail(
      "bad-value",
      `${what} is ${length} characters long; the limit is ${limit}`,
      token.start,
      span(token),
    );
  return text;
}
