// The public client entry: the REST client, its errors and wire types, and the fluent `mlflow.*`-style
// API. Browser-safe: nothing imported from here loads a node:* module until a Node-only helper
// (logArtifact, logArtifacts, git commit detection) runs.
//
// Exit: queued data is sent, and active runs are ended, when Node's event loop runs dry
// ("beforeExit"). `process.exit()` cannot wait for that: `await flush()` or `await endRun()` first.
export { MlflowApiError, TrackingUnreachableError } from "./errors.js";
export * from "./fluent/index.js";
export { fromWireDouble, type MetricPoint, RestClient, type SearchOptions, toWireDouble } from "./rest.js";
export { parseTraceData, spanDurationMs, type TraceSpan, type TraceTree, valueText } from "./trace-data.js";
export { type Auth, authHeader, Transport, type TransportOptions } from "./transport.js";
export type * from "./wire.js";
