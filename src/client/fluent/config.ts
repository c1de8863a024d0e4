// Configuration the way MLflow users know it: explicit options first, then MLFLOW_* variables.
import type { Auth } from "../transport.js";
import { env } from "./node.js";

export const DEFAULT_TRACKING_URI = "http://127.0.0.1:5000";

export interface EnvConfig {
  trackingUri: string;
  experimentName?: string | undefined;
  experimentId?: string | undefined;
  runId?: string | undefined;
  auth?: Auth | undefined;
}

/** Reads MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME/_ID, MLFLOW_RUN_ID and the credentials. */
export function configFromEnv(vars: Record<string, string | undefined> = env()): EnvConfig {
  const value = (name: string) => {
    const v = vars[name]?.trim();
    return v ? v : undefined;
  };
  const token = value("MLFLOW_TRACKING_TOKEN");
  const username = value("MLFLOW_TRACKING_USERNAME");
  const password = vars.MLFLOW_TRACKING_PASSWORD;
  const auth: Auth | undefined = token
    ? { token }
    : username && password !== undefined
      ? { username, password }
      : undefined;
  return {
    trackingUri: value("MLFLOW_TRACKING_URI") ?? DEFAULT_TRACKING_URI,
    experimentName: value("MLFLOW_EXPERIMENT_NAME"),
    experimentId: value("MLFLOW_EXPERIMENT_ID"),
    runId: value("MLFLOW_RUN_ID"),
    auth,
  };
}
