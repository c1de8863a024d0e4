// Labtrack's settings (schema/plugin.json), read defensively: the settings editor validates against the
// schema, but a hand-edited overrides.json may not, and a bad value must become a message, not a crash.
// Defaults and limits are the schema's own: it is the one place they are written.
import schema from "../../schema/plugin.json" with { type: "json" };
import { __ } from "./i18n.js";
export interface LabtrackSettings {
  /** Empty: the Jupyter server's MLFLOW_TRACKING_URI. */
  trackingUri: string;
  defaultExperiment: string;
  refreshIntervalS: number;
  requestTimeoutS: number;
}

const { properties } = schema;

export const DEFAULT_SETTINGS: LabtrackSettings = {
  trackingUri: properties.trackingUri.default,
  defaultExperiment: properties.defaultExperiment.default,
  refreshIntervalS: properties.refreshInterval.default,
  requestTimeoutS: properties.requestTimeout.default,
};

/** Why `uri` cannot be a tracking URI for the panel, or null when it can. */
export function trackingUriProblem(uri: string): string | null {
  const text = uri.trim();
  if (text === "") return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return __('"%1" is not a URL: use %2, e.g. %3', text, "http://host:port", "http://127.0.0.1:5000");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:" && !text.includes("//"))
    return __('"%1" has no scheme: write it as %2', text, `http://${text}`);
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return __(
      '"%1" uses %2: Labtrack\'s panel talks to a tracking server over %3 or %4',
      text,
      url.protocol.replace(":", ""),
      "http://",
      "https://",
    );
  if (url.username || url.password)
    return __(
      "Credentials do not belong in the tracking URI: set %1 or %2 where the Jupyter server runs",
      "MLFLOW_TRACKING_USERNAME/PASSWORD",
      "MLFLOW_TRACKING_TOKEN",
    );
  if (url.search || url.hash)
    return __('"%1" has a query or fragment: give only the server\'s base URL', text);
  return null;
}

/** A number setting within its schema's bounds, else the schema's default. */
const number = (
  value: unknown,
  { minimum, maximum, default: fallback }: { minimum: number; maximum: number; default: number },
): number =>
  typeof value === "number" && Number.isFinite(value) && value >= minimum && value <= maximum
    ? value
    : fallback;

/** Settings from the registry's composite value, with the problems found (each already a sentence). */
export function readSettings(composite: Readonly<Record<string, unknown>>): {
  settings: LabtrackSettings;
  problems: string[];
} {
  const problems: string[] = [];
  const uri = typeof composite.trackingUri === "string" ? composite.trackingUri.trim() : "";
  const uriProblem = trackingUriProblem(uri);
  if (uriProblem) problems.push(__("Tracking URI setting ignored: %1", uriProblem));
  const { refreshInterval, requestTimeout } = properties;
  const refresh = number(composite.refreshInterval, refreshInterval);
  if (composite.refreshInterval !== undefined && refresh !== composite.refreshInterval)
    problems.push(
      __(
        "Refresh interval must be a number of seconds between %1 and %2",
        refreshInterval.minimum,
        refreshInterval.maximum,
      ),
    );
  const timeout = number(composite.requestTimeout, requestTimeout);
  if (composite.requestTimeout !== undefined && timeout !== composite.requestTimeout)
    problems.push(
      __(
        "Request timeout must be a number of seconds between %1 and %2",
        requestTimeout.minimum,
        requestTimeout.maximum,
      ),
    );
  return {
    settings: {
      trackingUri: uriProblem ? "" : uri.replace(/\/+$/, ""),
      defaultExperiment:
        typeof composite.defaultExperiment === "string" ? composite.defaultExperiment.trim() : "",
      refreshIntervalS: refresh,
      requestTimeoutS: timeout,
    },
    problems,
  };
}
