// The experiment a new logged model or trace goes into: it must exist and be active, with MLflow's
// errors when not. Shared by the parts of the tracking store that create things in an experiment.
import { invalidParameter, notFound } from "../errors.js";
import type { SqlExecutor } from "./driver.js";

/** Parses an experiment id as MLflow's SQL store does: an integer, else it cannot exist. */
export const experimentIdNumber = (id: string): number | null =>
  /^-?\d{1,15}$/.test(id) ? Number(id) : null;

export async function activeExperimentRow(
  tx: SqlExecutor,
  experimentId: string,
): Promise<{ experiment_id: number; artifact_location: string }> {
  const id = experimentIdNumber(experimentId);
  const experiment =
    id === null
      ? undefined
      : await tx.get<{ experiment_id: number; artifact_location: string; lifecycle_stage: string }>(
          "SELECT experiment_id, artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = ?",
          [id],
        );
  if (!experiment) throw notFound(`No Experiment with id=${experimentId} exists`);
  if (experiment.lifecycle_stage !== "active") {
    throw invalidParameter(
      `The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycle_stage}.`,
    );
  }
  return experiment;
}
