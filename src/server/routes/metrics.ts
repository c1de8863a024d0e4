import { invalidParameter } from "../../store/errors.js";
import { checkMaxResults, LIMITS } from "../../store/rules.js";
import { encodeMetric, encodeMetricWithRunId, encodePage } from "../encode.js";
import { rpc } from "../rpc.js";
import { pageTokenOf } from "./search-input.js";

export const metricRoutes = [
  rpc("GET", "/mlflow/metrics/get-history", async (f, { store }) => {
    const runId = f.runId();
    const maxResults = f.optionalInt("max_results");
    if (maxResults !== undefined) checkMaxResults(maxResults, Number.MAX_SAFE_INTEGER);
    const page = await store.getMetricHistory({
      runId,
      key: f.string("metric_key"),
      maxResults,
      pageToken: pageTokenOf(f),
    });
    return encodePage("metrics", page.items, encodeMetric, page.nextPageToken);
  }),

  // The UI's chart of several runs (ajax only in MLflow; served under both prefixes here, like the rest).
  rpc("GET", "/mlflow/metrics/get-history-bulk", async (f, { store }) => {
    const runIds = f.stringList("run_id");
    if (runIds.length === 0) {
      throw invalidParameter("GetMetricHistoryBulk request must specify at least one run_id.");
    }
    if (runIds.length > LIMITS.bulkHistoryRuns) {
      throw invalidParameter(
        `GetMetricHistoryBulk request cannot specify more than ${LIMITS.bulkHistoryRuns} run_ids. Received ${runIds.length} run_ids.`,
      );
    }
    const key = f.optionalString("metric_key");
    if (key === undefined) throw invalidParameter("GetMetricHistoryBulk request must specify a metric_key.");
    // MLflow caps max_results at 25000 rather than refusing more (a non-integer is its 500).
    const maxResults = Math.min(
      f.optionalInt("max_results") ?? LIMITS.bulkHistoryPoints,
      LIMITS.bulkHistoryPoints,
    );
    if (maxResults < 0) {
      throw invalidParameter(
        `Invalid value ${maxResults} for parameter 'max_results' supplied. It must not be negative.`,
      );
    }
    const metrics = await store.getMetricHistoryBulk({ runIds: [...new Set(runIds)], key, maxResults });
    return { metrics: metrics.map(encodeMetricWithRunId) };
  }),

  rpc("GET", "/mlflow/metrics/get-history-bulk-interval", async (f, { store }) => {
    const runIds = f.stringList("run_ids");
    if (runIds.length === 0) {
      throw invalidParameter(
        "Missing value for required parameter 'run_ids'. See the API docs for more information about request parameters.",
      );
    }
    if (runIds.length > LIMITS.bulkIntervalRuns) {
      throw invalidParameter(
        `GetMetricHistoryBulkInterval request must specify at most ${LIMITS.bulkIntervalRuns} run_ids. Received ${runIds.length} run_ids.`,
      );
    }
    const key = f.string("metric_key");
    const maxResults = f.optionalInt("max_results") ?? LIMITS.bulkIntervalMaxResults;
    if (maxResults < 1 || maxResults > LIMITS.bulkIntervalMaxResults) {
      throw invalidParameter(`max_results must be between 1 and ${LIMITS.bulkIntervalMaxResults}.`);
    }
    const startStep = f.optionalInt("start_step");
    const endStep = f.optionalInt("end_step");
    if ((startStep === undefined) !== (endStep === undefined)) {
      throw invalidParameter("If either start step or end step are specified, both must be specified.");
    }
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw invalidParameter(
        `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
      );
    }
    const metrics = await store.getMetricHistoryBulkInterval({
      runIds: [...new Set(runIds)],
      key,
      startStep,
      endStep,
      maxResults,
    });
    return encodePage("metrics", metrics, encodeMetricWithRunId, undefined);
  }),
];
