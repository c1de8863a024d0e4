// Runs and experiments as the fluent API hands them out: camelCase, and data as plain records (as
// MLflow's Python Run.data.metrics/params/tags dictionaries).
import { fromWireDouble } from "../rest.js";
import type { LifecycleStage, RunStatus, WireExperiment, WireRun } from "../wire.js";

export interface RunInfo {
  runId: string;
  runName: string | undefined;
  experimentId: string;
  userId: string | undefined;
  status: RunStatus;
  startTime: number | undefined;
  endTime: number | undefined;
  artifactUri: string | undefined;
  lifecycleStage: LifecycleStage;
}

export interface Run {
  info: RunInfo;
  data: {
    /** The latest value of each metric. */
    metrics: Record<string, number>;
    params: Record<string, string>;
    tags: Record<string, string>;
  };
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  tags: Record<string, string>;
}

const record = (items: readonly { key: string; value: string }[] | undefined): Record<string, string> =>
  Object.fromEntries((items ?? []).map((t) => [t.key, t.value]));

export function toRun(wire: WireRun): Run {
  const i = wire.info;
  return {
    info: {
      runId: i.run_id,
      runName: i.run_name,
      experimentId: i.experiment_id,
      userId: i.user_id,
      status: i.status,
      startTime: i.start_time,
      endTime: i.end_time,
      artifactUri: i.artifact_uri,
      lifecycleStage: i.lifecycle_stage,
    },
    data: {
      metrics: Object.fromEntries((wire.data.metrics ?? []).map((m) => [m.key, fromWireDouble(m.value)])),
      params: record(wire.data.params),
      tags: record(wire.data.tags),
    },
  };
}

export const toExperiment = (wire: WireExperiment): Experiment => ({
  experimentId: wire.experiment_id,
  name: wire.name,
  artifactLocation: wire.artifact_location,
  lifecycleStage: wire.lifecycle_stage,
  tags: record(wire.tags),
});
