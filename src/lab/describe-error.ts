// One sentence for the user about why a request to the tracking server failed, whatever failed:
// the proxy, the network, a server that is not MLflow's, credentials, permissions.
import { MlflowApiError, TrackingUnreachableError } from "../client/errors.js";

export interface Problem {
  /** Short, for the status bar. */
  summary: string;
  /** What happened and what to do, for the panel. */
  detail: string;
}

export function describeError(error: unknown, uri: string): Problem {
  if (error instanceof TrackingUnreachableError)
    return {
      summary: "unreachable",
      detail: `Cannot reach the Jupyter server's Labtrack proxy: ${error.message}`,
    };
  if (error instanceof MlflowApiError) {
    const where = uri || "the tracking server";
    if (error.errorCode === "MALFORMED_RESPONSE" || /non-JSON body/.test(error.message))
      return {
        summary: `not a tracking server (HTTP ${error.status})`,
        detail: `${where} answered HTTP ${error.status} with something that is not JSON (an HTML page?). Is the tracking URI the base URL of an MLflow or Labtrack server?`,
      };
    if (error.status === 401)
      return {
        summary: "needs credentials (401)",
        detail: `${where} asks who you are (401: ${error.message}). Set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, in the environment of the Jupyter server and restart it.`,
      };
    if (error.status === 403)
      return {
        summary: "permission denied (403)",
        detail: `${where} refuses this (403): ${error.message}. Ask an admin of the tracking server for READ permission.`,
      };
    if (error.status === 404 && error.errorCode === "ENDPOINT_NOT_FOUND")
      return {
        summary: "no MLflow API (404)",
        detail: `${where} has no MLflow REST API at /api/2.0/mlflow (404). Check the tracking URI, including its path.`,
      };
    if (error.errorCode === "TEMPORARILY_UNAVAILABLE" || error.status === 502 || error.status === 504)
      return { summary: error.status === 504 ? "timed out" : "unreachable", detail: error.message };
    return { summary: `${error.errorCode} (HTTP ${error.status})`, detail: error.message };
  }
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return { summary: "timed out", detail: `${uri || "The tracking server"} did not answer in time.` };
  const message = error instanceof Error ? error.message : String(error);
  return { summary: "error", detail: message };
}
