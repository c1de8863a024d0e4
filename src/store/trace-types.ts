// MLflow's traces (the tracing API of MLflow 2.17): the part of the tracking store that keeps each
// trace's info, tags and request metadata. The spans are a file (`traces.json`) in the artifact store,
// under the trace's `mlflow.artifactLocation` tag.
import type { Filter, OrderTerm } from "../search/ast.js";
import type { KeyValue, Page } from "./types.js";

export type TraceStatus = "OK" | "ERROR" | "IN_PROGRESS";
/** The statuses a client may end a trace with, in the proto's enum order (1, 2, 3). */
export const TRACE_STATUSES: readonly TraceStatus[] = ["OK", "ERROR", "IN_PROGRESS"];

/** Where MLflow keeps the URI of a trace's data: `<experiment root>/traces/<request id>/artifacts`. */
export const TRACE_ARTIFACT_LOCATION_TAG = "mlflow.artifactLocation";
/** The request metadata naming the run a trace was recorded in. */
export const TRACE_SOURCE_RUN = "mlflow.sourceRun";
/** The tag holding a trace's name (its root span's). */
export const TRACE_NAME_TAG = "mlflow.traceName";
/** The file of a trace's spans, in its artifact location. */
export const TRACE_DATA_FILE = "traces.json";

export interface TraceInfo {
  requestId: string;
  experimentId: string;
  timestampMs: number;
  /** Null while the trace is in progress. */
  executionTimeMs: number | null;
  status: TraceStatus;
  requestMetadata: KeyValue[];
  tags: KeyValue[];
}

export interface StartTraceInput {
  experimentId: string;
  timestampMs: number;
  requestMetadata: KeyValue[];
  tags: KeyValue[];
}

export interface EndTraceInput {
  /** When the trace ended: its execution time is this minus its start. */
  timestampMs: number;
  status: TraceStatus;
  /** Merged into what the trace has (a key given again takes the new value). */
  requestMetadata: KeyValue[];
  tags: KeyValue[];
}

export interface SearchTracesInput {
  experimentIds: string[];
  filter: Filter | null;
  orderBy: OrderTerm[];
  maxResults: number;
  pageToken: string | undefined;
}

/** Either request ids, or the oldest traces up to a time (at most `maxTraces` of them, when given). */
export type DeleteTracesInput =
  | { experimentId: string; requestIds: string[] }
  | { experimentId: string; maxTimestampMillis: number; maxTraces: number | undefined };

export interface TraceStore {
  startTrace(input: StartTraceInput): Promise<TraceInfo>;
  endTrace(requestId: string, input: EndTraceInput): Promise<TraceInfo>;
  getTraceInfo(requestId: string): Promise<TraceInfo>;
  /** The experiment a trace belongs to (used for permission checks). */
  getTraceExperimentId(requestId: string): Promise<string>;
  searchTraces(input: SearchTracesInput): Promise<Page<TraceInfo>>;
  /** How many were deleted. Their data files are the caller's (see the answer's locations). */
  deleteTraces(input: DeleteTracesInput): Promise<{ deleted: number; artifactLocations: string[] }>;
  setTraceTag(requestId: string, tag: KeyValue): Promise<void>;
  deleteTraceTag(requestId: string, key: string): Promise<void>;
}
