// Completion for the filter box: given the text and the cursor, what could come next in MLflow's filter
// grammar: a key (attributes.*, params.*, metrics.*, tags.* as the table knows them), an operator that
// fits the key, a value of that key seen in the loaded runs, or AND. Pure: text and cursor in,
// suggestions and the span they replace out.
import { quoteKey } from "./columns.js";
import { quoteValue } from "./quick-filters.js";

export type SuggestionKind = "key" | "operator" | "value" | "keyword";

export interface Suggestion {
  kind: SuggestionKind;
  /** What the list shows. */
  label: string;
  /** What replaces the span (from, to) when picked. */
  insert: string;
}

export interface Completion {
  from: number;
  to: number;
  items: Suggestion[];
}

export interface CompletionSource {
  /** Column ids as the grammar names them unquoted: `params.lr`, `metrics.train/acc`, `tags.mlflow.user`. */
  keys: readonly string[];
  /** Values of a `params.`/`tags.`/`attributes.` key seen so far, most frequent first. */
  values(key: string): readonly string[];
}

/** Attributes MLflow can filter on (duration is ours and cannot be). */
export const FILTER_ATTRIBUTES = [
  "attributes.run_name",
  "attributes.status",
  "attributes.start_time",
  "attributes.end_time",
  "attributes.user_id",
  "attributes.run_id",
] as const;

const NUMBER_OPS = ["=", "!=", "<", "<=", ">", ">="];
const STRING_OPS = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];
const ID_OPS = ["=", "!=", "IN", "NOT IN"];

export function operatorsFor(key: string): readonly string[] {
  if (key.startsWith("metrics.") || key === "attributes.start_time" || key === "attributes.end_time")
    return NUMBER_OPS;
  if (key === "attributes.run_id") return ID_OPS;
  return STRING_OPS;
}

/** How a key is written in a filter: the part after the prefix backtick-quoted when it must be. */
export function writeKey(key: string): string {
  const dot = key.indexOf(".");
  return dot < 0 ? key : `${key.slice(0, dot + 1)}${quoteKey(key.slice(dot + 1))}`;
}

/** The key as typed (`params.\`a b\``, `params."a b"`) back to its column id (`params.a b`). */
export function readKey(typed: string): string {
  return typed.replace(/[`"]/g, "");
}

const PREFIXES = ["attributes.", "metrics.", "params.", "tags."];
const SPACE = /\s/;
const SYMBOL = /[=!<>]/;

/** Where the clause holding the cursor starts: after the last AND outside quotes (followed by a space). */
function clauseStart(text: string): number {
  let start = 0;
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === quote) quote = "";
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`") quote = ch;
    else if ((i === 0 || SPACE.test(text[i - 1] as string)) && /^and\s/i.test(text.slice(i, i + 4)) && i > 0)
      start = i + 4;
  }
  return start;
}

function matches(candidate: string, typed: string): boolean {
  return candidate.toLowerCase().startsWith(typed.toLowerCase());
}

function keySuggestions(typed: string, source: CompletionSource, limit: number): Suggestion[] {
  const needle = readKey(typed).toLowerCase();
  const all = [...new Set([...FILTER_ATTRIBUTES, ...source.keys])].filter((k) => k !== "attributes.duration");
  // Prefix matches first (on the whole id or on the key after its prefix), then anything containing it.
  const rank = (k: string) => {
    const lower = k.toLowerCase();
    if (lower.startsWith(needle)) return 0;
    if (lower.slice(lower.indexOf(".") + 1).startsWith(needle)) return 1;
    return lower.includes(needle) ? 2 : 3;
  };
  const picked = all
    .map((k) => ({ k, r: rank(k) }))
    .filter((x) => x.r < 3)
    .sort((a, b) => a.r - b.r)
    .map((x) => x.k);
  // Nothing typed yet: the four prefixes say what kinds there are, before the first keys.
  const head = needle ? [] : PREFIXES.map<Suggestion>((p) => ({ kind: "key", label: p, insert: p }));
  return [
    ...head,
    ...picked.map<Suggestion>((k) => ({ kind: "key", label: k, insert: `${writeKey(k)} ` })),
  ].slice(0, limit);
}

/**
 * Suggestions at `cursor` in `text`, or null when there is nothing to suggest (inside an IN list, after
 * a number, an unknown key's value). `limit` caps the items.
 */
export function complete(
  text: string,
  cursor: number,
  source: CompletionSource,
  limit = 50,
): Completion | null {
  const before = text.slice(0, cursor);
  // The word under the cursor extends to its end, so picking replaces it whole.
  let to = cursor;
  while (to < text.length && !SPACE.test(text[to] as string) && !SYMBOL.test(text[to] as string)) to++;
  const start = clauseStart(before);
  const clause = before.slice(start);
  let i = 0;
  while (i < clause.length && SPACE.test(clause[i] as string)) i++;
  const keyStart = i;
  // The key: identifier characters, with backtick- or double-quoted parts.
  while (i < clause.length) {
    const ch = clause[i] as string;
    if (ch === "`" || ch === '"') {
      const close = clause.indexOf(ch, i + 1);
      i = close < 0 ? clause.length : close + 1;
    } else if (SPACE.test(ch) || SYMBOL.test(ch)) break;
    else i++;
  }
  const typedKey = clause.slice(keyStart, i);
  if (i === clause.length) {
    const items = keySuggestions(typedKey, source, limit);
    return items.length ? { from: start + keyStart, to, items } : null;
  }
  const key = readKey(typedKey);
  const ops = operatorsFor(key);
  while (i < clause.length && SPACE.test(clause[i] as string)) i++;
  const opStart = i;
  if (i < clause.length && SYMBOL.test(clause[i] as string)) {
    while (i < clause.length && SYMBOL.test(clause[i] as string)) i++;
  } else {
    while (i < clause.length && /[A-Za-z]/.test(clause[i] as string)) i++;
    // NOT IN is one operator written as two words.
    if (/^not$/i.test(clause.slice(opStart, i)) && /^\s+[A-Za-z]*/.test(clause.slice(i))) {
      const m = /^\s+[A-Za-z]*/.exec(clause.slice(i)) as RegExpExecArray;
      i += m[0].length;
    }
  }
  const typedOp = clause.slice(opStart, i);
  if (i === clause.length) {
    const items = ops
      .filter((op) => matches(op, typedOp.replace(/\s+/g, " ")))
      .map<Suggestion>((op) => ({ kind: "operator", label: op, insert: `${op} ` }));
    return items.length ? { from: start + opStart, to, items: items.slice(0, limit) } : null;
  }
  const op = typedOp.toUpperCase().replace(/\s+/g, " ");
  while (i < clause.length && SPACE.test(clause[i] as string)) i++;
  const valueStart = i;
  const first = clause[i];
  if (first === "(") return null;
  let typedValue: string;
  let closed = false;
  if (first === "'" || first === '"') {
    let j = i + 1;
    // A doubled quote is a quote inside the value, not its end.
    for (;;) {
      const close = clause.indexOf(first, j);
      if (close < 0) {
        j = -1;
        break;
      }
      if (clause[close + 1] === first) {
        j = close + 2;
        continue;
      }
      j = close;
      break;
    }
    if (j < 0) typedValue = clause.slice(i + 1).replaceAll(first + first, first);
    else {
      closed = true;
      i = j + 1;
      typedValue = "";
    }
  } else {
    while (i < clause.length && !SPACE.test(clause[i] as string)) i++;
    typedValue = clause.slice(valueStart, i);
    closed = i < clause.length;
  }
  if (closed) {
    // After a whole value: only AND can follow.
    const rest = clause.slice(i);
    const m = /^\s+([A-Za-z]*)$/.exec(rest);
    if (!m) return null;
    const word = m[1] as string;
    if (!matches("AND", word)) return null;
    return {
      from: cursor - word.length,
      to,
      items: [{ kind: "keyword", label: "AND", insert: "AND " }],
    };
  }
  if (!operatorsFor(key).includes(op) || op === "IN" || op === "NOT IN") return null;
  if (key.startsWith("metrics.") || key.endsWith("_time")) return null;
  const needle = typedValue.toLowerCase();
  const values = source
    .values(key)
    .filter((v) => v.toLowerCase().includes(needle))
    .sort((a, b) => Number(!a.toLowerCase().startsWith(needle)) - Number(!b.toLowerCase().startsWith(needle)))
    .slice(0, limit);
  if (!values.length) return null;
  return {
    from: start + valueStart,
    to: first === "'" || first === '"' ? Math.max(to, cursor) : to,
    items: values.map<Suggestion>((v) => ({ kind: "value", label: v, insert: `${quoteValue(v)} ` })),
  };
}

/** The text and cursor after picking a suggestion. */
export function applySuggestion(
  text: string,
  completion: Pick<Completion, "from" | "to">,
  item: Suggestion,
): { text: string; cursor: number } {
  let rest = text.slice(completion.to);
  // The inserted text ends with a space; do not double one already there.
  if (item.insert.endsWith(" ") && rest.startsWith(" ")) rest = rest.slice(1);
  const head = text.slice(0, completion.from) + item.insert;
  return { text: head + rest, cursor: head.length };
}
