// Finding the experiment a notebook tracks into, creating it when missing (as mlflow.set_experiment).
import { MlflowApiError } from "../client/errors.js";
import type { RestClient } from "../client/rest.js";
import type { WireExperiment } from "../client/wire.js";

/** By name, without a 404 for a missing one (browsers log every failed request in the console). */
async function findByName(client: RestClient, name: string): Promise<WireExperiment | null> {
  if (name.includes("'")) return client.getExperimentByName(name);
  const { experiments } = await client.searchExperiments({
    filter: `name = '${name}'`,
    viewType: "ALL",
    maxResults: 10,
  });
  return experiments.find((e) => e.name === name) ?? null;
}

export async function ensureExperiment(client: RestClient, name: string): Promise<WireExperiment> {
  const existing = await findByName(client, name);
  if (existing) {
    if (existing.lifecycle_stage === "deleted")
      throw new Error(
        `experiment "${name}" is deleted: restore it in the Labtrack panel, or choose another name`,
      );
    return existing;
  }
  try {
    const id = await client.createExperiment(name);
    return await client.getExperiment(id);
  } catch (e) {
    // Another notebook created it between our two requests.
    if (e instanceof MlflowApiError && e.errorCode === "RESOURCE_ALREADY_EXISTS") {
      const again = await findByName(client, name);
      if (again) return again;
    }
    throw e;
  }
}
