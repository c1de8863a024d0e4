// Reading a request's fields the way MLflow decodes them into protobuf messages (reference §1.3):
// GET takes query parameters (repeated keys for lists), other methods a JSON body; int64 accepts
// numbers and decimal strings, doubles accept "NaN"/"Infinity", enums their names or numbers.
import { invalidParameter } from "../store/errors.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

const SEE_DOCS = "See the API docs for more information about request parameters.";

/**
 * The body's text, kept on the decoded object under a symbol (object spread copies it along) so that an
 * error message can quote a number as the client wrote it: JSON.parse turns `9.0` into 9, MLflow's
 * messages say `9.0`, and clients match on them.
 */
const SOURCE_TEXT: unique symbol = Symbol("request body text");
type WithSource = { [SOURCE_TEXT]?: string };

/** Python's `json.dumps(value, sort_keys=True, separators=(",", ":"))`, as MLflow's messages quote values. */
function pythonJson(value: unknown, literal: string | undefined): string {
  if (typeof value === "number") {
    if (literal !== undefined && /[.eE]/.test(literal) && Number.isInteger(value) && Math.abs(value) < 1e16) {
      return `${value}.0`;
    }
    return Number.isFinite(value)
      ? String(value)
      : Number.isNaN(value)
        ? "NaN"
        : value > 0
          ? "Infinity"
          : "-Infinity";
  }
  if (Array.isArray(value)) return `[${value.map((v) => pythonJson(v, undefined)).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${asciiJson(k)}:${pythonJson(v, undefined)}`).join(",")}}`;
  }
  if (typeof value === "string") return asciiJson(value);
  return JSON.stringify(value) ?? String(value);
}

const asciiJson = (s: string): string =>
  JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/** The type name MLflow's hint gives: the Python type its JSON parser produced. */
function pythonType(value: unknown, literal: string | undefined): string {
  if (typeof value === "string") return "str";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return literal !== undefined && /[.eE]/.test(literal) ? "float" : "int";
  if (Array.isArray(value)) return "list";
  if (value === null) return "NoneType";
  return "dict";
}

const missing = (name: string) =>
  invalidParameter(`Missing value for required parameter '${name}'. ${SEE_DOCS}`);

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
  /** The request body's text, when the fields came from one (see SOURCE_TEXT). */
  private readonly text: string | undefined;

  constructor(
    private readonly source: JsonObject,
    private readonly prefix = "",
    text?: string,
  ) {
    this.text = text ?? (source as WithSource)[SOURCE_TEXT];
  }

  /**
   * MLflow's message for a value of the wrong type (`_validate_param_against_schema`): the value as
   * Python's JSON would print it and its Python type, e.g. `Invalid value 9.0 for parameter
   * 'artifact_location' supplied. Hint: Value was of type 'float'.`
   */
  private wrongType(path: string, value: unknown): Error {
    const literal = typeof value === "number" && this.text ? numberLiteralAt(this.text, path) : undefined;
    return invalidParameter(
      `Invalid value ${pythonJson(value, literal)} for parameter '${path}' supplied. Hint: Value was of type '${pythonType(value, literal)}'. ${SEE_DOCS}`,
    );
  }

  /** The field's name as the client sees it, e.g. `metrics[3].key`, for error messages. */
  path(field: string): string {
    return this.prefix ? `${this.prefix}.${field}` : field;
  }

  private raw(field: string): Json | undefined {
    // MLflow's JSON parser reads proto3's camelCase spelling too (`experimentIds`), which clients
    // generated from its protos send; the snake_case one wins when both are there.
    let v = this.source[field];
    if (v === undefined || v === null) v = this.source[camelCase(field)];
    return v === null ? undefined : v;
  }

  /** The field was sent (as anything but null), even empty: `[]` and `""` count. */
  isPresent(field: string): boolean {
    return this.raw(field) !== undefined;
  }

  has(field: string): boolean {
    const v = this.raw(field);
    return v !== undefined && v !== "";
  }

  optionalString(field: string): string | undefined {
    const v = this.raw(field);
    if (v === undefined) return undefined;
    if (typeof v === "string") return checkText(this.path(field), v);
    throw this.wrongType(this.path(field), v);
  }

  string(field: string): string {
    const v = this.optionalString(field);
    if (v === undefined || v === "") throw missing(this.path(field));
    return v;
  }

  /**
   * `run_id`, falling back to the legacy `run_uuid` that the Python client sends alongside; when both are
   * missing, MLflow names `run_id` (the field its schema requires) and clients match on that message.
   */
  runId(): string {
    return this.has("run_id") || !this.has("run_uuid") ? this.string("run_id") : this.string("run_uuid");
  }

  /** A string, number or boolean field as Python's `str()` prints it (`0.1`, `True`). */
  scalarText(field: string): string {
    const v = this.raw(field);
    if (typeof v === "string") return checkText(this.path(field), v);
    if (typeof v === "boolean") return v ? "True" : "False";
    if (typeof v === "number") {
      const literal = this.text ? numberLiteralAt(this.text, this.path(field)) : undefined;
      return pythonJson(v, literal);
    }
    throw this.wrongType(this.path(field), v);
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
    throw this.wrongType(this.path(field), v);
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
    throw this.wrongType(this.path(field), v);
  }

  optionalBool(field: string): boolean | undefined {
    const v = this.raw(field);
    if (v === undefined || v === "") return undefined;
    if (typeof v === "boolean") return v;
    if (v === "true" || v === "false") return v === "true";
    throw this.wrongType(this.path(field), v);
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
      `Invalid value ${pythonJson(v, undefined)} for parameter '${this.path(field)}' supplied. It must be one of ${values.join(", ")}.`,
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
      throw this.wrongType(`${this.path(field)}[${i}]`, item);
    });
  }

  /** A repeated message field, e.g. `metrics` of log-batch. */
  messages(field: string): Fields[] {
    const v = this.raw(field);
    if (v === undefined) return [];
    if (!Array.isArray(v)) throw this.wrongType(this.path(field), v);
    return v.map((item, i) => {
      if (item === null || typeof item !== "object" || Array.isArray(item)) {
        throw this.wrongType(`${this.path(field)}[${i}]`, item);
      }
      return new Fields(item, `${this.path(field)}[${i}]`, this.text);
    });
  }

  message(field: string): Fields {
    const v = this.raw(field);
    if (v === undefined) throw missing(this.path(field));
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw this.wrongType(this.path(field), v);
    return new Fields(v, this.path(field), this.text);
  }
}

/** Field names are a fixed set (the routes' own), so each is converted once, not on every request. */
const camelNames = new Map<string, string>();
const camelCase = (name: string): string => {
  let camel = camelNames.get(name);
  if (camel === undefined) {
    camel = name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    camelNames.set(name, camel);
  }
  return camel;
};

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
  if (text === "" || text.trim() === "") return {};
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
  const object = value as JsonObject & WithSource;
  object[SOURCE_TEXT] = text;
  return object;
}

/**
 * The number literal at `path` (`tags[0].value`, `artifact_location`) in a JSON text, as written, or
 * undefined. A small scanner of the text JSON.parse already accepted; the last of duplicate keys
 * wins, as with JSON.parse.
 */
export function numberLiteralAt(text: string, path: string): string | undefined {
  const segments: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  }
  let at = 0;
  const ws = () => {
    while (at < text.length && " \t\r\n".includes(text[at] as string)) at++;
  };
  const skipString = (): string => {
    const start = at++;
    while (text[at] !== '"') at += text[at] === "\\" ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  // Reads the value at `at`; returns its literal when it is the number the path names.
  const value = (depth: number, onPath: boolean): string | undefined => {
    ws();
    const c = text[at];
    let found: string | undefined;
    if (c === "{" || c === "[") {
      at++;
      for (let index = 0; ; index++) {
        ws();
        if (text[at] === "}" || text[at] === "]") break;
        let member: string | number = index;
        if (c === "{") {
          member = skipString();
          ws();
          at++; // ':'
        }
        const hit = value(depth + 1, onPath && depth < segments.length && segments[depth] === member);
        if (hit !== undefined) found = hit;
        ws();
        if (text[at] === ",") at++;
      }
      at++;
      return found;
    }
    if (c === '"') {
      skipString();
      return undefined;
    }
    const start = at;
    while (at < text.length && !",]} \t\r\n".includes(text[at] as string)) at++;
    const literal = text.slice(start, at);
    return onPath && depth === segments.length && /^-?\d/.test(literal) ? literal : undefined;
  };
  try {
    return value(0, true);
  } catch {
    return undefined;
  }
}
