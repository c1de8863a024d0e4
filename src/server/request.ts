// Reading a request's fields the way MLflow decodes them into protobuf messages (reference §1.3):
// GET takes query parameters (repeated keys for lists), other methods a JSON body; int64 accepts
// numbers and decimal strings, doubles accept "NaN"/"Infinity", enums their names or numbers.
import { invalidParameter } from "../store/errors.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const HINT = "Hint: Value was of type";

const describe = (v: unknown): string => JSON.stringify(v) ?? String(v);
const missing = (name: string) =>
  invalidParameter(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
const wrongType = (name: string, value: unknown, expected: string) =>
  invalidParameter(
    `Invalid value ${describe(value)} for parameter '${name}' supplied. ${HINT} '${typeof value}'. Expected ${expected}.`,
  );

const NON_FINITE: Record<string, number> = { NaN: Number.NaN, Infinity: Infinity, "-Infinity": -Infinity };

/** Text with a NUL character cannot be stored alike by every database (PostgreSQL refuses it). */
function checkText(name: string, value: string): string {
  if (value.includes("\u0000")) {
    throw invalidParameter(`Invalid value for parameter '${name}': it contains a NUL character.`);
  }
  return value;
}

/** A typed view of one JSON object (the body, the query, or a nested message such as a metric). */
export class Fields {
  constructor(
    private readonly source: JsonObject,
    private readonly prefix = "",
  ) {}

  /** The field's name as the client sees it, e.g. `metrics[3].key`, for error messages. */
  path(field: string): string {
    return this.prefix ? `${this.prefix}.${field}` : field;
  }

  private raw(field: string): Json | undefined {
    // MLflow's JSON parser reads proto3's camelCase spelling too (`experimentIds`), which clients
    // generated from its protos send; the snake_case one wins when both are there.
    const v = this.source[field] ?? this.source[camelCase(field)];
    return v === null ? undefined : v;
  }

  has(field: string): boolean {
    const v = this.raw(field);
    return v !== undefined && v !== "";
  }

  optionalString(field: string): string | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v === "string") return checkText(this.path(field), v);
    throw wrongType(this.path(field), v, "a string");
  }

  string(field: string): string {
    const v = this.optionalString(field);
    if (v === undefined || v === "") throw missing(this.path(field));
    return v;
  }

  /** Experiment ids: MLflow stringifies numbers before parsing (`{"experiment_id": 3}` works). */
  id(field: string): string {
    const v = this.raw(field);
    if (typeof v === "number" && Number.isInteger(v)) return String(v);
    return this.string(field);
  }

  optionalInt(field: string): number | undefined {
    const v = this.raw(field);
    if (v === undefined || v === "") return undefined;
    if (typeof v === "number" && Number.isSafeInteger(v)) return v;
    if (typeof v === "string" && /^-?\d{1,16}$/.test(v.trim())) {
      const n = Number(v.trim());
      if (Number.isSafeInteger(n)) return n;
    }
    throw wrongType(this.path(field), v, "an integer");
  }

  int(field: string): number {
    const v = this.optionalInt(field);
    if (v === undefined) throw missing(this.path(field));
    return v;
  }

  double(field: string): number {
    const v = this.raw(field);
    if (v === undefined || v === "") throw missing(this.path(field));
    if (typeof v === "number") return v;
    if (typeof v === "string") {
      const special = NON_FINITE[v];
      if (special !== undefined) return special;
      const s = v.trim();
      if (s !== "" && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return Number(s);
    }
    throw wrongType(this.path(field), v, "a number");
  }

  optionalBool(field: string): boolean | undefined {
    const v = this.raw(field);
    if (v === undefined || v === "") return undefined;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    throw wrongType(this.path(field), v, "a boolean");
  }

  optionalEnum<T extends string>(field: string, values: readonly T[], numbers?: readonly T[]): T | undefined {
    const v = this.raw(field);
    if (v === undefined || v === "") return undefined;
    if (typeof v === "string" && (values as readonly string[]).includes(v)) return v as T;
    if (numbers && (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v)))) {
      const byNumber = numbers[Number(v) - 1];
      if (byNumber) return byNumber;
    }
    throw invalidParameter(
      `Invalid value ${describe(v)} for parameter '${this.path(field)}' supplied. It must be one of ${values.join(", ")}.`,
    );
  }

  /** A repeated string field. A single string is taken as a one-element list (query parameters). */
  stringList(field: string, { ids = false } = {}): string[] {
    const v = this.raw(field);
    if (v === undefined) return [];
    const list = Array.isArray(v) ? v : [v];
    return list.map((item, i) => {
      if (typeof item === "string") return checkText(`${this.path(field)}[${i}]`, item);
      if (ids && typeof item === "number" && Number.isInteger(item)) return String(item);
      throw wrongType(`${this.path(field)}[${i}]`, item, "a string");
    });
  }

  /** A repeated message field, e.g. `metrics` of log-batch. */
  messages(field: string): Fields[] {
    const v = this.raw(field);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw wrongType(this.path(field), v, "a list");
    return v.map((item, i) => {
      if (item === null || typeof item !== "object" || Array.isArray(item)) {
        throw wrongType(`${this.path(field)}[${i}]`, item, "an object");
      }
      return new Fields(item, `${this.path(field)}[${i}]`);
    });
  }

  message(field: string): Fields {
    const v = this.raw(field);
    if (v === undefined) throw missing(this.path(field));
    if (v === null || typeof v !== "object" || Array.isArray(v))
      throw wrongType(this.path(field), v, "an object");
    return new Fields(v, this.path(field));
  }
}

const camelCase = (name: string): string => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Query string → object: repeated keys become arrays; single keys stay strings. */
export function queryToObject(query: string): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}

/**
 * Body text → object. MLflow silently treats a missing or unparseable body as `{}` and then fails on the
 * required fields; we say what is wrong instead, which is the same status with a clearer message.
 */
export function parseJsonBody(text: string): JsonObject {
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
    // Old clients double-encoded their bodies.
    if (typeof value === "string") value = JSON.parse(value);
  } catch (e) {
    throw invalidParameter(`Malformed JSON in the request body: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidParameter("The request body must be a JSON object.");
  }
  return value as JsonObject;
}
