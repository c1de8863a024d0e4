// Registry objects → MLflow's wire form (reference §2.3).
import type { ModelVersion, RegisteredModel } from "../store/registry-types.js";

type Wire = Record<string, unknown>;

export function encodeModelVersion(v: ModelVersion): Wire {
  const out: Wire = {
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
  };
  if (v.userId !== null) out.user_id = v.userId;
  out.current_stage = v.currentStage;
  if (v.description !== null) out.description = v.description;
  out.source = v.source;
  if (v.runId !== null) out.run_id = v.runId;
  out.status = v.status;
  if (v.statusMessage !== null) out.status_message = v.statusMessage;
  if (v.tags.length > 0) out.tags = v.tags.map(({ key, value }) => ({ key, value }));
  if (v.runLink !== null) out.run_link = v.runLink;
  if (v.aliases.length > 0) out.aliases = v.aliases;
  if (v.modelId !== null) out.model_id = v.modelId;
  return out;
}

export function encodeRegisteredModel(m: RegisteredModel): Wire {
  const out: Wire = { name: m.name, creation_timestamp: m.creationTimestamp };
  if (m.lastUpdatedTimestamp) out.last_updated_timestamp = m.lastUpdatedTimestamp;
  if (m.description) out.description = m.description;
  if (m.latestVersions.length > 0) out.latest_versions = m.latestVersions.map(encodeModelVersion);
  if (m.tags.length > 0) out.tags = m.tags.map(({ key, value }) => ({ key, value }));
  if (m.aliases.length > 0) out.aliases = m.aliases.map(({ alias, version }) => ({ alias, version }));
  return out;
}
