// One sentence for the user about why a request to the tracking server failed, whatever failed:
// the proxy, the network, a server that is not MLflow's, credentials, permissions.
import { MlflowApiError, TrackingUnreachableError } from "../client/errors.js";
import { __ } from "./i18n.js";

export interface Problem {
  /** Short, for the status bar. */
  summary: string;
  /** What happened and what to do, for the panel. */
  detail: string;
}

export function describeError(error: unknown, uri: string): Problem {
  if (error instanceof TrackingUnreachableError)
    return {
      summary: __("unreachable"),
      detail: __("Cannot reach the Jupyter server's Labtrack proxy: %1", error.message),
    };
  if (error instanceof MlflowApiError) {
    const where = uri || __("the tracking server");
    if (error.errorCode === "MALFORMED_RESPONSE" || /non-JSON body/.test(error.message))
      return {
        summary: __("not a tracking server (HTTP %1)", error.status),
        detail: __(
          "%1 answered HTTP %2 with something that is not JSON (an HTML page?). Is the tracking URI the base URL of an MLflow or Labtrack server?",
          where,
          error.status,
        ),
      };
    if (error.status === 401)
      return {
        summary: __("needs credentials (401)"),
        detail: __(
          "%1 asks who you are (401: %2). Set %3, or %4 and %5, in the environment of the Jupyter server and restart it.",
          where,
          error.message,
          "MLFLOW_TRACKING_TOKEN",
          "MLFLOW_TRACKING_USERNAME",
          "MLFLOW_TRACKING_PASSWORD",
        ),
      };
    if (error.status === 403)
      return {
        summary: __("permission denied (403)"),
        detail: __(
          "%1 refuses this (403): %2. Ask an admin of the tracking server for READ permission.",
          where,
          error.message,
        ),
      };
    if (error.status === 404 && error.errorCode === "ENDPOINT_NOT_FOUND")
      return {
        summary: __("no MLflow API (404)"),
        detail: __(
          "%1 has no MLflow REST API at %2 (404). Check the tracking URI, including its path.",
          where,
          "/api/2.0/mlflow",
        ),
      };
    if (error.errorCode === "TEMPORARILY_UNAVAILABLE" || error.status === 502 || error.status === 504)
      return { summary: error.status === 504 ? __("timed out") : __("unreachable"), detail: error.message };
    return { summary: `${error.errorCode} (HTTP ${error.status})`, detail: error.message };
  }
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError"))
    return {
      summary: __("timed out"),
      detail: __("%1 did not answer in time.", uri || __("The tracking server")),
    };
  const message = error instanceof Error ? error.message : String(error);
  return { summary: __("error"), detail: message };
}
