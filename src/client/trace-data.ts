// A trace's data as MLflow writes it (`traces.json`: `{spans, request, response}`), read into a tree of
// spans. MLflow 2.17 and the 3.x clients write each span as `{name, context: {span_id, trace_id},
// parent_id, start_time, end_time (ns), status_code, status_message, attributes}` with every attribute
// value JSON-encoded; OpenTelemetry's own JSON (`span_id`, `parent_span_id`, `start_time_unix_nano`,
// `status: {code, message}`) is read too, since MLflow 3's OTLP exports carry that shape. Pure: no DOM.

export type SpanStatus = "OK" | "ERROR" | "UNSET";

export interface TraceSpan {
  spanId: string;
  parentId: string | null;
  name: string;
  /** MLflow's span type (`LLM`, `CHAIN`, `TOOL`, …), or "". */
  spanType: string;
  /** Nanoseconds since the epoch; null when the span has not ended (or the file lacks it). */
  startNs: number | null;
  endNs: number | null;
  status: SpanStatus;
  statusMessage: string;
  /** The span's inputs and outputs (`mlflow.spanInputs` / `mlflow.spanOutputs`), decoded. */
  inputs: unknown;
  outputs: unknown;
  /** The other attributes, decoded, MLflow's internal ones left out. */
  attributes: Record<string, unknown>;
  /** What happened during the span; MLflow records a raised exception as an `exception` event. */
  events: { name: string; attributes: Record<string, unknown> }[];
  children: TraceSpan[];
}

export interface TraceTree {
  /** Spans without a (known) parent, by start time: usually one. */
  roots: TraceSpan[];
  count: number;
}

const INPUTS = "mlflow.spanInputs";
const OUTPUTS = "mlflow.spanOutputs";
const SPAN_TYPE = "mlflow.spanType";
/** Bookkeeping attributes MLflow repeats on every span: not worth showing. */
const INTERNAL = new Set([INPUTS, OUTPUTS, SPAN_TYPE, "mlflow.traceRequestId", "mlflow.spanFunctionName"]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** MLflow stores attribute values as JSON text; values that are not JSON stay as they are. */
function decode(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function text(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" ? String(v) : "";
}

function nanos(v: unknown): number | null {
  const n = typeof v === "string" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : null;
}

function status(code: unknown): SpanStatus {
  const c = text(code).toUpperCase();
  if (c === "OK" || c === "STATUS_CODE_OK" || c === "1") return "OK";
  if (c === "ERROR" || c === "STATUS_CODE_ERROR" || c === "2") return "ERROR";
  return "UNSET";
}

/** OpenTelemetry JSON lists attributes as `[{key, value: {stringValue|intValue|…}}]`. */
function attributeRecord(raw: unknown): Record<string, unknown> {
  if (isRecord(raw)) return raw;
  if (!Array.isArray(raw)) return {};
  const out: Record<string, unknown> = {};
  for (const item of raw) {
    if (!isRecord(item) || typeof item.key !== "string") continue;
    const value = isRecord(item.value) ? Object.values(item.value)[0] : item.value;
    out[item.key] = value;
  }
  return out;
}

function readSpan(raw: unknown): TraceSpan | null {
  if (!isRecord(raw)) return null;
  const context = isRecord(raw.context) ? raw.context : {};
  const spanId = text(context.span_id ?? raw.span_id);
  if (!spanId) return null;
  const parent = text(raw.parent_id ?? raw.parent_span_id);
  const attrs = attributeRecord(raw.attributes);
  const statusObject = isRecord(raw.status) ? raw.status : {};
  const attributes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attrs)) if (!INTERNAL.has(key)) attributes[key] = decode(value);
  return {
    spanId,
    parentId: parent || null,
    name: text(raw.name) || spanId,
    spanType: text(decode(attrs[SPAN_TYPE])),
    startNs: nanos(raw.start_time ?? raw.start_time_unix_nano),
    endNs: nanos(raw.end_time ?? raw.end_time_unix_nano),
    status: status(raw.status_code ?? statusObject.code),
    statusMessage: text(raw.status_message ?? statusObject.message),
    inputs: decode(attrs[INPUTS]),
    outputs: decode(attrs[OUTPUTS]),
    attributes,
    events: (Array.isArray(raw.events) ? raw.events : []).filter(isRecord).map((e) => ({
      name: text(e.name) || "event",
      attributes: attributeRecord(e.attributes),
    })),
    children: [],
  };
}

const byStart = (a: TraceSpan, b: TraceSpan): number => (a.startNs ?? 0) - (b.startNs ?? 0);

/** Reads a trace's data into its span tree; what is not a span is skipped (never throws). */
export function parseTraceData(data: unknown): TraceTree {
  const raw = isRecord(data) && Array.isArray(data.spans) ? data.spans : [];
  const spans = raw.map(readSpan).filter((s): s is TraceSpan => s !== null);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const roots: TraceSpan[] = [];
  for (const span of spans) {
    const parent = span.parentId === null ? undefined : byId.get(span.parentId);
    // A span that names itself or a missing parent is shown at the top rather than lost.
    if (parent && parent !== span) parent.children.push(span);
    else roots.push(span);
  }
  // Spans whose parents form a loop are reachable from no root: cut the loop and show them at the top.
  const seen = new Set<TraceSpan>();
  const visit = (span: TraceSpan): void => {
    seen.add(span);
    for (const child of span.children) if (!seen.has(child)) visit(child);
  };
  roots.forEach(visit);
  for (const span of spans) {
    if (seen.has(span)) continue;
    const parent = span.parentId === null ? undefined : byId.get(span.parentId);
    if (parent) parent.children = parent.children.filter((c) => c !== span);
    roots.push(span);
    visit(span);
  }
  for (const span of spans) span.children.sort(byStart);
  return { roots: roots.sort(byStart), count: spans.length };
}

/** A span's duration in milliseconds, or null while it runs. */
export function spanDurationMs(span: TraceSpan): number | null {
  return span.startNs === null || span.endNs === null ? null : Math.max(0, (span.endNs - span.startNs) / 1e6);
}

/** Inputs/outputs as readable text: strings as they are, anything else as indented JSON. */
export function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}
