// MLflow's tracing API (`/mlflow/traces…`, MLflow 2.17): what `@mlflow.trace`, `mlflow.start_span` and
// the GenAI autologgers call to record a trace (start, end), read it back (info, search) and manage it
// (tags, delete). The spans travel as the file `traces.json` through the artifact proxy, into the
// trace's `mlflow.artifactLocation` (`<experiment root>/traces/<request id>/artifacts`).
import { parseTraceFilter, parseTraceOrderBy } from "../../search/index.js";
import { invalidParameter } from "../../store/errors.js";
import { checkValueLength, LIMITS, validateKey } from "../../store/rules.js";
import { type DeleteTracesInput, TRACE_STATUSES, type TraceInfo } from "../../store/trace-types.js";
import type { KeyValue } from "../../store/types.js";
import { encodePage } from "../encode.js";
import type { Fields } from "../request.js";
import { rpc, type ServerContext } from "../rpc.js";
import { maxResultsOf, pageTokenOf, requiredExperimentIds } from "./search-input.js";

const SEARCH_DEFAULT_MAX_RESULTS = 100;
const SEARCH_MAX_RESULTS = 500;
/** MLflow answers keys and values of a trace's tags and metadata cut to 250 characters. */
const ANSWER_CHARS = 250;

const cut = (text: string): string =>
  text.length <= ANSWER_CHARS ? text : Array.from(text).slice(0, ANSWER_CHARS).join("");

const encodePairs = (items: readonly KeyValue[]) =>
  items.map((i) => ({ key: cut(i.key), value: cut(i.value) }));

export function encodeTraceInfo(t: TraceInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    request_id: t.requestId,
    experiment_id: t.experimentId,
    timestamp_ms: t.timestampMs,
    // The proto's default while the trace is in progress, as MLflow answers.
    execution_time_ms: t.executionTimeMs ?? 0,
    status: t.status,
  };
  if (t.requestMetadata.length > 0) out.request_metadata = encodePairs(t.requestMetadata);
  if (t.tags.length > 0) out.tags = encodePairs(t.tags);
  return out;
}

/**
 * Tags and request metadata given with start / end trace. MLflow takes any key here (clients write
 * `mlflow.*` keys and users theirs); a key must still be there and fit in the store's key column.
 */
function pairs(f: Fields, field: "tags" | "request_metadata"): KeyValue[] {
  return f.messages(field).map((m) => {
    const key = m.string("key");
    if (Array.from(key).length > LIMITS.keyLength) {
      throw invalidParameter(
        `Trace ${field === "tags" ? "tag" : "request metadata"} key '${key.slice(0, 250)}' had length ${Array.from(key).length}, which exceeded length limit of ${LIMITS.keyLength}`,
      );
    }
    return { key, value: checkValueLength("tag", key, m.optionalString("value") ?? "") };
  });
}

const requestId = (f: Fields): string => f.string("request_id");

function deleteInput(f: Fields): DeleteTracesInput {
  const experimentId = f.id("experiment_id");
  const maxTimestampMillis = f.optionalInt("max_timestamp_millis");
  const maxTraces = f.optionalInt("max_traces");
  const requestIds = f.stringList("request_ids");
  // MLflow's rules and words (its abstract store's delete_traces).
  if (maxTimestampMillis === undefined && requestIds.length === 0) {
    throw invalidParameter("Either `max_timestamp_millis` or `request_ids` must be specified.");
  }
  if (maxTimestampMillis !== undefined && requestIds.length > 0) {
    throw invalidParameter("Only one of `max_timestamp_millis` and `request_ids` can be specified.");
  }
  if (requestIds.length > 0 && maxTraces !== undefined) {
    throw invalidParameter("`max_traces` can't be specified if `request_ids` is specified.");
  }
  if (maxTraces !== undefined && maxTraces <= 0) {
    throw invalidParameter(`\`max_traces\` must be a positive integer, received ${maxTraces}.`);
  }
  return maxTimestampMillis === undefined
    ? { experimentId, requestIds }
    : { experimentId, maxTimestampMillis, maxTraces };
}

/**
 * Deleted traces lose their data files too (MLflow leaves them behind, where nothing would find them
 * again). Only once their rows are gone, and only what this server's own artifact store holds; a file
 * that cannot be removed stays, as MLflow's would, and the delete has still happened.
 */
async function removeTraceData(ctx: ServerContext, locations: readonly string[]): Promise<void> {
  for (const location of locations) {
    const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)\/artifacts$/.exec(location);
    if (!proxied || !ctx.artifacts || !proxied[1]) continue;
    await ctx.artifacts.delete(proxied[1]).catch(() => undefined);
  }
}

export const traceRoutes = [
  rpc("POST", "/mlflow/traces", async (f, { store }) => {
    const info = await store.startTrace({
      experimentId: f.id("experiment_id"),
      timestampMs: f.optionalInt("timestamp_ms") ?? 0,
      requestMetadata: pairs(f, "request_metadata"),
      tags: pairs(f, "tags"),
    });
    return { trace_info: encodeTraceInfo(info) };
  }),

  rpc("GET", "/mlflow/traces", async (f, { store }) => {
    const experimentIds = requiredExperimentIds(f);
    const maxResults = maxResultsOf(f, SEARCH_DEFAULT_MAX_RESULTS, SEARCH_MAX_RESULTS);
    const page = await store.searchTraces({
      experimentIds,
      filter: parseTraceFilter(f.optionalString("filter")),
      orderBy: parseTraceOrderBy(f.stringList("order_by")),
      maxResults,
      pageToken: pageTokenOf(f),
    });
    return encodePage("traces", page.items, encodeTraceInfo, page.nextPageToken);
  }),

  rpc("POST", "/mlflow/traces/delete-traces", async (f, ctx) => {
    const { deleted, artifactLocations } = await ctx.store.deleteTraces(deleteInput(f));
    await removeTraceData(ctx, artifactLocations);
    return { traces_deleted: deleted };
  }),

  rpc("PATCH", "/mlflow/traces/:request_id", async (f, { store }) => {
    const status = f.optionalEnum("status", TRACE_STATUSES, TRACE_STATUSES);
    if (status === undefined) {
      throw invalidParameter(
        "Missing value for required parameter 'status'. See the API docs for more information about request parameters.",
      );
    }
    const info = await store.endTrace(requestId(f), {
      timestampMs: f.int("timestamp_ms"),
      status,
      requestMetadata: pairs(f, "request_metadata"),
      tags: pairs(f, "tags"),
    });
    return { trace_info: encodeTraceInfo(info) };
  }),

  rpc("GET", "/mlflow/traces/:request_id/info", async (f, { store }) => ({
    trace_info: encodeTraceInfo(await store.getTraceInfo(requestId(f))),
  })),

  rpc("PATCH", "/mlflow/traces/:request_id/tags", async (f, { store }) => {
    const key = f.string("key");
    validateKey("tag", key);
    await store.setTraceTag(requestId(f), {
      key,
      value: checkValueLength("tag", key, f.optionalString("value") ?? ""),
    });
    return {};
  }),

  rpc("DELETE", "/mlflow/traces/:request_id/tags", async (f, { store }) => {
    await store.deleteTraceTag(requestId(f), f.string("key"));
    return {};
  }),
];

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The shape MLflow's clients write and read back as a trace's `traces.json` (`TraceData.to_dict`):
 * `{"spans": [...], "request": …, "response": …}`, each span with a name, its context (span and
 * trace ids), parent, times in nanoseconds, status, attributes and events. Anything else would fail
 * the client that reads it later, so the upload is refused with what is wrong.
 */
export function checkTraceData(text: string): void {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw invalidParameter(`Invalid trace data: not JSON (${(e as Error).message}).`);
  }
  if (!isObject(data) || !Array.isArray(data.spans)) {
    throw invalidParameter("Invalid trace data: expected an object with a list of `spans`.");
  }
  const ids = new Set<string>();
  data.spans.forEach((span: unknown, i) => {
    const bad = (what: string) => invalidParameter(`Invalid trace data: spans[${i}] ${what}.`);
    if (!isObject(span)) throw bad("is not an object");
    if (typeof span.name !== "string") throw bad("has no string `name`");
    const context = span.context;
    if (!isObject(context) || typeof context.span_id !== "string" || typeof context.trace_id !== "string") {
      throw bad("needs a `context` with string `span_id` and `trace_id`");
    }
    if (ids.has(context.span_id)) throw bad(`repeats span_id '${context.span_id}'`);
    ids.add(context.span_id);
    if (span.parent_id !== undefined && span.parent_id !== null && typeof span.parent_id !== "string") {
      throw bad("has a `parent_id` that is neither a string nor null");
    }
    if (!Number.isInteger(span.start_time)) throw bad("needs an integer `start_time` (nanoseconds)");
    if (span.end_time !== undefined && span.end_time !== null && !Number.isInteger(span.end_time)) {
      throw bad("has an `end_time` that is neither an integer nor null");
    }
    if (span.attributes !== undefined && !isObject(span.attributes)) throw bad("has non-object `attributes`");
    if (span.events !== undefined && !Array.isArray(span.events)) throw bad("has non-list `events`");
  });
}
