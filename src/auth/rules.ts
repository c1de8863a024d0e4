// Who may call each route: one rule per RPC path. The app refuses to start when a route has no rule,
// and the authorization matrix test walks this table.
import type { RequestFields } from "./request-fields.js";

export type Level = "READ" | "EDIT" | "MANAGE";

export type Rule =
  | { kind: "authenticated"; grantCreator?: "experiment" | "model" }
  | { kind: "admin" }
  | { kind: "self-or-admin" }
  | { kind: "experiment"; level: Level }
  | { kind: "run"; level: Level }
  /** Every run a list names (`run_ids`, or the repeated `run_id` of get-history-bulk). */
  | { kind: "runs"; level: Level; field?: "run_ids" | "run_id" }
  /** Every experiment of `experiment_ids`. */
  | { kind: "experiments"; level: Level }
  | { kind: "model"; level: Level }
  /** MLflow 3 logged models inherit the permission on their experiment, as runs do. */
  | { kind: "logged-model"; level: Level }
  /** Traces too: the permission on the trace's experiment. */
  | { kind: "trace"; level: Level }
  | {
      kind: "filtered";
      resource: "experiments" | "runs" | "models" | "versions" | "logged-models" | "traces";
    };

const exp = (level: Level): Rule => ({ kind: "experiment", level });
const run = (level: Level): Rule => ({ kind: "run", level });
const model = (level: Level): Rule => ({ kind: "model", level });
const loggedModel = (level: Level): Rule => ({ kind: "logged-model", level });
const trace = (level: Level): Rule => ({ kind: "trace", level });

export const RULES: Readonly<Record<string, Rule>> = {
  "/mlflow/experiments/create": { kind: "authenticated", grantCreator: "experiment" },
  "/mlflow/experiments/get": exp("READ"),
  "/mlflow/experiments/get-by-name": exp("READ"),
  "/mlflow/experiments/delete": exp("MANAGE"),
  "/mlflow/experiments/restore": exp("MANAGE"),
  "/mlflow/experiments/update": exp("EDIT"),
  "/mlflow/experiments/search": { kind: "filtered", resource: "experiments" },
  "/mlflow/experiments/set-experiment-tag": exp("EDIT"),
  "/mlflow/experiments/delete-experiment-tag": exp("EDIT"),
  "/mlflow/runs/create": exp("EDIT"),
  "/mlflow/runs/get": run("READ"),
  "/mlflow/runs/update": run("EDIT"),
  "/mlflow/runs/delete": run("MANAGE"),
  "/mlflow/runs/restore": run("MANAGE"),
  "/mlflow/runs/log-metric": run("EDIT"),
  "/mlflow/runs/log-parameter": run("EDIT"),
  "/mlflow/runs/set-tag": run("EDIT"),
  "/mlflow/runs/delete-tag": run("EDIT"),
  "/mlflow/runs/log-batch": run("EDIT"),
  "/mlflow/runs/log-inputs": run("EDIT"),
  "/mlflow/runs/log-model": run("EDIT"),
  "/mlflow/runs/create-promptlab-run": exp("EDIT"),
  "/mlflow/runs/outputs": run("EDIT"),
  "/mlflow/runs/search": { kind: "filtered", resource: "runs" },
  "/mlflow/metrics/get-history": run("READ"),
  "/mlflow/metrics/get-history-bulk-interval": { kind: "runs", level: "READ" },
  "/mlflow/metrics/get-history-bulk": { kind: "runs", level: "READ", field: "run_id" },
  "/mlflow/experiments/search-datasets": { kind: "experiments", level: "READ" },
  "/mlflow/artifacts/list": run("READ"),
  "/mlflow/logged-models": exp("EDIT"),
  "/mlflow/logged-models/search": { kind: "filtered", resource: "logged-models" },
  // GET reads, PATCH finalizes, DELETE deletes: see ruleFor.
  "/mlflow/logged-models/:model_id": loggedModel("EDIT"),
  "/mlflow/logged-models/:model_id/tags": loggedModel("EDIT"),
  "/mlflow/logged-models/:model_id/tags/:tag_key": loggedModel("EDIT"),
  "/mlflow/logged-models/:model_id/params": loggedModel("EDIT"),
  "/mlflow/logged-models/:model_id/artifacts/directories": loggedModel("READ"),
  // POST starts a trace in the experiment; GET searches: see ruleFor.
  "/mlflow/traces": exp("EDIT"),
  "/mlflow/traces/delete-traces": exp("EDIT"),
  "/mlflow/traces/:request_id": trace("EDIT"),
  "/mlflow/traces/:request_id/info": trace("READ"),
  "/mlflow/traces/:request_id/tags": trace("EDIT"),
  "/mlflow/registered-models/create": { kind: "authenticated", grantCreator: "model" },
  "/mlflow/registered-models/get": model("READ"),
  "/mlflow/registered-models/rename": model("MANAGE"),
  "/mlflow/registered-models/update": model("EDIT"),
  "/mlflow/registered-models/delete": model("MANAGE"),
  "/mlflow/registered-models/search": { kind: "filtered", resource: "models" },
  "/mlflow/registered-models/get-latest-versions": model("READ"),
  "/mlflow/registered-models/set-tag": model("EDIT"),
  "/mlflow/registered-models/delete-tag": model("EDIT"),
  "/mlflow/registered-models/alias": model("EDIT"),
  "/mlflow/model-versions/create": model("EDIT"),
  "/mlflow/model-versions/get": model("READ"),
  "/mlflow/model-versions/update": model("EDIT"),
  "/mlflow/model-versions/delete": model("MANAGE"),
  "/mlflow/model-versions/search": { kind: "filtered", resource: "versions" },
  "/mlflow/model-versions/transition-stage": model("EDIT"),
  "/mlflow/model-versions/get-download-uri": model("READ"),
  "/mlflow/model-versions/set-tag": model("EDIT"),
  "/mlflow/model-versions/delete-tag": model("EDIT"),
  "/mlflow/users/create": { kind: "admin" },
  "/mlflow/users/get": { kind: "self-or-admin" },
  "/mlflow/users/update-password": { kind: "self-or-admin" },
  "/mlflow/users/update-admin": { kind: "admin" },
  "/mlflow/users/delete": { kind: "admin" },
  "/mlflow/users/unlock": { kind: "admin" },
  "/mlflow/users/tokens/delete": { kind: "self-or-admin" },
  "/mlflow/experiments/permissions/create": exp("MANAGE"),
  "/mlflow/experiments/permissions/get": exp("MANAGE"),
  "/mlflow/experiments/permissions/update": exp("MANAGE"),
  "/mlflow/experiments/permissions/delete": exp("MANAGE"),
  "/mlflow/registered-models/permissions/create": model("MANAGE"),
  "/mlflow/registered-models/permissions/get": model("MANAGE"),
  "/mlflow/registered-models/permissions/update": model("MANAGE"),
  "/mlflow/registered-models/permissions/delete": model("MANAGE"),
};

/**
 * GET on registered-models/alias reads; setting and deleting an alias edits. A logged model is read
 * with GET, finalized (edited) with PATCH and deleted with DELETE, which needs MANAGE as for runs.
 * GET on traces searches them (filtered); POST starts one.
 */
export function ruleFor(path: string, method: string): Rule | undefined {
  if (path === "/mlflow/registered-models/alias" && method === "GET") return model("READ");
  if (path === "/mlflow/traces" && method === "GET") return { kind: "filtered", resource: "traces" };
  if (path === "/mlflow/logged-models/:model_id") {
    if (method === "GET") return loggedModel("READ");
    if (method === "DELETE") return loggedModel("MANAGE");
  }
  return RULES[path];
}

export const runIdOf = (f: RequestFields): string =>
  f.has("run_id") ? f.string("run_id") : f.string("run_uuid");
