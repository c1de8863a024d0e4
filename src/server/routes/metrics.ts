import { invalidParameter } from "../../store/errors.js";
import { checkMaxResults, LIMITS } from "../../store/rules.js";
import { encodeMetric, encodeMetricWithRunId, encodePage } from "../encode.js";
import { rpc } from "../rpc.js";

export const metricRoutes = [
  rpc("GET", "/mlflow/metrics/get-history", async (f, { store }) => {
    const runId = f.has("run_id") ? f.string("run_id") : f.string("run_uuid");
    const maxResults = f.optionalInt("max_results");
    if (maxResults !== undefined) checkMaxResults(maxResults, Number.MAX_SAFE_INTEGER);
    const page = await store.getMetricHistory({
      runId,
      key: f.string("metric_key"),
      maxResults,
      pageToken: f.optionalString("page_token") || undefined,
    });
    return encodePage("metrics", page.items, encodeMetric, page.nextPageToken);
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
    const startStep = f.optionalInt("start_step");
    const endStep = f.optionalInt("end_step");
    if ((startStep === undefined) !== (endStep === undefined)) {
      throw invalidParameter("If either start step or end step are specified, both must be specified.");
    }
    if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
      throw invalidParameter("End step must be greater than start step.");
    }
    const maxResults = f.optionalInt("max_results") ?? LIMITS.bulkIntervalMaxResults;
    checkMaxResults(maxResults, LIMITS.bulkIntervalMaxResults);
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
