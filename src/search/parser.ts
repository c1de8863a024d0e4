// MLflow's filter and order_by grammar, read straight from the text (quoting is context-sensitive:
// "x" is a key in identifier position and a string in value position). Produces the AST of ast.ts.
// Beyond MLflow: OR and parentheses, AND binding tighter than OR.
import type { Comparator, Comparison, Entity, Filter, OrderTerm, Value } from "./ast.js";
import { SearchError } from "./errors.js";
import { NUMBER_COMPARATORS, type SearchSchema, STRING_COMPARATORS } from "./schemas.js";

const BARE = /[\p{L}\p{N}_.]/u;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/;

interface Identifier {
  entity: Entity;
  key: string;
  position: number;
}

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? "";
  }

  error(message: string, position = this.pos): SearchError {
    return new SearchError(message, { position });
  }

  /** A keyword (case-insensitive) followed by a non-word character. */
  keyword(word: string): boolean {
    this.skipSpace();
    const slice = this.text.slice(this.pos, this.pos + word.length);
    if (slice.toUpperCase() !== word) return false;
    const after = this.text[this.pos + word.length] ?? "";
    if (BARE.test(after)) return false;
    this.pos += word.length;
    return true;
  }

  /**
   * Text between `quote` characters. A doubled quote and a backslash-escaped one (`'it\'s'`) do not end
   * it, and both are kept as written: MLflow's tokenizer (sqlparse) reads them so and then only trims
   * the outer quotes, so `'it\'s'` matches the value `it\'s`.
   */
  quoted(quote: string): string {
    const start = this.pos;
    let end = this.pos + 1;
    for (;;) {
      const c = this.text[end];
      if (c === undefined)
        throw this.error(`Unterminated ${quote === "`" ? "backtick" : "quoted"} text`, start);
      if (quote !== "`" && c === "\\" && end + 1 < this.text.length) end += 2;
      else if (quote !== "`" && c === quote && this.text[end + 1] === quote) end += 2;
      else if (c === quote) break;
      else end++;
    }
    const value = this.text.slice(start + 1, end);
    this.pos = end + 1;
    return value;
  }

  bare(): string {
    const start = this.pos;
    while (this.pos < this.text.length && BARE.test(this.text[this.pos] as string)) this.pos++;
    return this.text.slice(start, this.pos);
  }
}

export class FilterParser {
  private readonly s: Scanner;

  constructor(
    text: string,
    private readonly schema: SearchSchema,
  ) {
    this.s = new Scanner(text);
  }

  parse(): Filter | null {
    if (this.s.atEnd()) return null;
    const filter = this.orExpr();
    if (!this.s.atEnd()) {
      throw this.s.error(
        `Invalid clause(s) in filter string: unexpected '${this.s.text.slice(this.s.pos, this.s.pos + 20)}'`,
      );
    }
    return filter;
  }

  private orExpr(): Filter {
    const clauses = [this.andExpr()];
    while (this.s.keyword("OR")) clauses.push(this.andExpr());
    return clauses.length === 1 ? (clauses[0] as Filter) : { kind: "or", clauses };
  }

  private andExpr(): Filter {
    const clauses = [this.primary()];
    while (this.s.keyword("AND")) clauses.push(this.primary());
    return clauses.length === 1 ? (clauses[0] as Filter) : { kind: "and", clauses };
  }

  private primary(): Filter {
    this.s.skipSpace();
    if (this.s.peek() === "(") {
      const open = this.s.pos;
      this.s.pos++;
      const inner = this.orExpr();
      this.s.skipSpace();
      if (this.s.peek() !== ")") throw this.s.error("Missing ')' to close the '(' opened", open);
      this.s.pos++;
      return inner;
    }
    if (this.s.atEnd()) throw this.s.error("Invalid filter: a comparison is missing");
    for (const word of ["NOT", "OR", "AND"]) {
      const at = this.s.pos;
      if (this.s.keyword(word))
        throw this.s.error(`Invalid clause(s) in filter string: '${word}' is not supported here`, at);
    }
    return this.comparison();
  }

  private comparison(): Comparison {
    const id = readIdentifier(this.s, this.schema);
    this.s.skipSpace();
    const opAt = this.s.pos;
    const comparator = this.comparator();
    if (!comparator) {
      const rest = this.s.text.slice(opAt, opAt + 20);
      throw this.s.error(
        rest
          ? `Invalid comparator '${rest.split(/\s/)[0]}' after '${id.key}'`
          : `Expected a comparator after '${id.key}'`,
        opAt,
      );
    }
    this.s.skipSpace();
    const valueAt = this.s.pos;
    const type = valueType(this.schema, id);
    checkComparator(this.schema, id, type, comparator, opAt);
    let value: Value;
    if (comparator === "IN" || comparator === "NOT IN") {
      value = this.list(id);
    } else {
      value = this.value(id, type, valueAt);
    }
    return { kind: "comparison", entity: id.entity, key: id.key, comparator, value };
  }

  private comparator(): Comparator | null {
    const s = this.s;
    // The whole run of operator characters, so `>>` or `==` is named as the operator it is rather
    // than read as `>` followed by a bad value.
    const symbols = /^[<>=!]+/.exec(s.text.slice(s.pos))?.[0];
    if (symbols) {
      const known = (["!=", "<=", ">=", "=", "<", ">"] as const).find((op) => op === symbols);
      if (!known) {
        const hint =
          symbols === "==" ? " (did you mean '='?)" : symbols === "<>" ? " (did you mean '!='?)" : "";
        throw s.error(
          `Unknown operator '${symbols}'${hint}: use one of =, !=, <, <=, >, >=, LIKE, ILIKE, IN`,
        );
      }
      s.pos += known.length;
      return known;
    }
    const start = s.pos;
    const word = s.bare();
    const upper = word.toUpperCase();
    if (upper === "LIKE" || upper === "ILIKE" || upper === "IN") return upper as Comparator;
    if (upper === "NOT" && s.keyword("IN")) return "NOT IN";
    s.pos = start;
    return null;
  }

  private value(id: Identifier, type: "string" | "number", at: number): string | number {
    const s = this.s;
    const ch = s.peek();
    if (type === "number" && (ch === "'" || ch === '"') && this.quotedNumberAllowed(id)) {
      // MLflow compares `version_number = '1'` as the number it spells.
      const text = s.quoted(ch);
      if (/^\s*-?\d{1,15}\s*$/.test(text)) return Number(text);
      throw s.error(
        `Expected numeric value type for ${describe(id)}, got '${s.text.slice(at, at + 20)}'`,
        at,
      );
    }
    if (type === "number") {
      const m = NUMBER.exec(s.text.slice(s.pos));
      if (!m || BARE.test(s.text[s.pos + m[0].length] ?? "")) {
        throw s.error(
          `Expected numeric value type for ${describe(id)}, got '${s.text.slice(at, at + 20)}'`,
          at,
        );
      }
      s.pos += m[0].length;
      return Number(m[0]);
    }
    if (ch === "'" || ch === '"') return s.quoted(ch);
    throw s.error(
      `Expected a quoted string value for ${describe(id)} (e.g. ${id.key} = 'value'), got '${s.text.slice(at, at + 20) || "nothing"}'`,
      at,
    );
  }

  private quotedNumberAllowed(id: Identifier): boolean {
    return id.entity === "attribute" && this.schema.attributes[id.key]?.quotedNumber === true;
  }

  private list(id: Identifier): string[] {
    const s = this.s;
    s.skipSpace();
    if (s.peek() !== "(") {
      throw new SearchError(
        `While parsing a list in the query, expected a parenthesized list of quoted strings after IN for ${describe(id)}`,
        { position: s.pos, code: "BAD_REQUEST" },
      );
    }
    s.pos++;
    const items: string[] = [];
    for (;;) {
      s.skipSpace();
      if (s.peek() !== "'") {
        throw s.error(`Expected a single-quoted string in the IN list for ${describe(id)}`);
      }
      items.push(s.quoted("'"));
      s.skipSpace();
      if (s.peek() === ",") {
        s.pos++;
        continue;
      }
      if (s.peek() === ")") {
        s.pos++;
        return items;
      }
      throw s.error("Expected ',' or ')' in the IN list");
    }
  }
}

/** How the identifier is written in a filter (`params.`, `tags.`, … or nothing for attributes). */
const PREFIX: Record<Entity, string> = {
  attribute: "",
  metric: "metrics.",
  param: "params.",
  tag: "tags.",
  dataset: "dataset.",
  metadata: "request_metadata.",
};
const prefixOf = (id: Identifier): string => PREFIX[id.entity];

function describe(id: Identifier): string {
  return id.entity === "attribute" ? `attribute '${id.key}'` : `${id.entity} '${id.key}'`;
}

function readIdentifier(s: Scanner, schema: SearchSchema): Identifier {
  s.skipSpace();
  const start = s.pos;
  let first: string;
  let quoted = false;
  const ch = s.peek();
  if (ch === "`" || ch === '"') {
    first = s.quoted(ch);
    quoted = true;
  } else {
    first = s.bare();
    if (first === "")
      throw s.error(`Invalid filter: expected a key such as metrics.x or params.y, got '${ch}'`);
  }
  let prefix: string | null = null;
  let key: string;
  if (quoted) {
    if (s.peek() === ".") {
      s.pos++;
      prefix = first;
      key = readKeyPart(s);
    } else {
      key = first;
    }
  } else {
    const dot = first.indexOf(".");
    if (dot < 0) {
      key = first;
    } else {
      prefix = first.slice(0, dot);
      key = first.slice(dot + 1);
      if (key === "") key = readKeyPart(s);
    }
  }
  if (prefix === null) return attribute(schema, key, start, s);
  const entity = schema.prefixes[prefix.toLowerCase()];
  if (!entity) {
    const allowed = Object.keys(schema.prefixes).join(", ");
    throw s.error(
      `Invalid entity type '${prefix}' in the ${label(schema)}. Valid prefixes are: ${allowed}`,
      start,
    );
  }
  if (key === "") throw s.error(`Missing key after '${prefix}.'`, start);
  if (entity === "attribute") return attribute(schema, key, start, s);
  if (entity === "dataset" && !schema.datasetKeys?.includes(key)) {
    throw s.error(
      `Invalid dataset attribute '${key}'. Valid ones are: ${schema.datasetKeys?.join(", ")}`,
      start,
    );
  }
  return { entity, key, position: start };
}

const label = (schema: SearchSchema) =>
  schema.name.endsWith("order_by") ? schema.name : `${schema.name} filter`;

function readKeyPart(s: Scanner): string {
  const ch = s.peek();
  if (ch === "`" || ch === '"') return s.quoted(ch);
  return s.bare();
}

function attribute(schema: SearchSchema, raw: string, position: number, s: Scanner): Identifier {
  const key = schema.aliases[raw] ?? raw;
  if (!schema.attributes[key]) {
    const valid = [...Object.keys(schema.attributes), ...Object.keys(schema.aliases)].join(", ");
    throw s.error(
      `Invalid attribute key '${raw}' in the ${label(schema)}. Valid keys are: ${valid}`,
      position,
    );
  }
  return { entity: "attribute", key, position };
}

function valueType(schema: SearchSchema, id: Identifier): "string" | "number" {
  if (id.entity === "attribute") return schema.attributes[id.key]?.type ?? "string";
  return schema.numberEntities.includes(id.entity) ? "number" : "string";
}

function checkComparator(
  schema: SearchSchema,
  id: Identifier,
  type: "string" | "number",
  comparator: Comparator,
  at: number,
): void {
  if (comparator === "IN" || comparator === "NOT IN") {
    const spec = id.entity === "attribute" ? schema.attributes[id.key] : undefined;
    const allowed =
      id.entity === "dataset" || (spec?.list === true && (comparator === "IN" || spec.notIn === true));
    if (!allowed) {
      // Labtrack accepts OR (MLflow does not), so a list of alternatives can still be written.
      const hint =
        comparator === "IN" && id.entity !== "metric" && type === "string"
          ? `; write the alternatives with OR instead: (${prefixOf(id)}${id.key} = 'a' OR ${prefixOf(id)}${id.key} = 'b')`
          : "";
      throw new SearchError(`${comparator} is not supported for ${describe(id)}${hint}`, { position: at });
    }
    return;
  }
  const valid = type === "number" ? NUMBER_COMPARATORS : STRING_COMPARATORS;
  if (!valid.includes(comparator)) {
    throw new SearchError(
      `Invalid comparator '${comparator}' for ${describe(id)}: use one of ${valid.join(", ")}`,
      { position: at },
    );
  }
}

/** No database stores NUL in text the same way (PostgreSQL refuses it), so no filter may contain one. */
function refuseNul(text: string): void {
  const at = text.indexOf("\u0000");
  if (at >= 0) throw new SearchError("Invalid filter: it contains a NUL character", { position: at });
}

export function parseFilter(text: string | undefined, schema: SearchSchema): Filter | null {
  if (text === undefined) return null;
  refuseNul(text);
  return new FilterParser(text, schema).parse();
}

/** Each order_by element: `<identifier> [ASC|DESC]`. */
export function parseOrderBy(items: readonly string[] | undefined, schema: SearchSchema): OrderTerm[] {
  const terms: OrderTerm[] = [];
  const seen = new Set<string>();
  for (const item of items ?? []) {
    if (item.trim() === "") continue;
    refuseNul(item);
    const s = new Scanner(item);
    const id = readIdentifier(s, orderSchema(schema));
    let ascending = true;
    if (s.keyword("DESC")) ascending = false;
    else s.keyword("ASC");
    if (!s.atEnd()) throw s.error(`Invalid order_by clause '${item}': expected '<key> [ASC|DESC]'`);
    if (id.entity === "attribute" && !schema.orderAttributes.includes(id.key)) {
      throw new SearchError(
        `Invalid order_by key '${id.key}' for ${schema.name}. Valid keys are: ${schema.orderAttributes.join(", ")}`,
      );
    }
    if (id.entity !== "attribute" && !schema.orderEntities.includes(id.entity)) {
      throw new SearchError(`Cannot order ${schema.name} by ${id.entity} keys`);
    }
    const field = `${id.entity}.${id.key}`;
    if (seen.has(field)) throw new SearchError(`order_by contains duplicate fields: ${item}`);
    seen.add(field);
    terms.push({ entity: id.entity, key: id.key, ascending });
  }
  return terms;
}

/** Order keys are attributes of their own (e.g. `timestamp`), not only the filterable ones. */
function orderSchema(schema: SearchSchema): SearchSchema {
  const attributes = { ...schema.attributes };
  for (const key of schema.orderAttributes) attributes[key] ??= { type: "string" };
  return { ...schema, name: `${schema.name} order_by`, attributes };
}
