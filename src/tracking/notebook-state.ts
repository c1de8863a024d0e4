// Labtrack's state kept in the notebook itself (metadata), so it travels with the file: the notebook's
// experiment, a run opened with `%track start`, and each cell's last run (for history and badges).
import type { RunStatus } from "../client/wire.js";
import type { MetadataHolder } from "./types.js";

export interface OpenRun {
  runId: string;
  experimentId: string;
  artifactUri?: string | undefined;
  name: string;
}

export interface NotebookTracking {
  experiment?: string | undefined;
  openRun?: OpenRun | undefined;
}

export interface CellTracking {
  lastRunId: string;
  lastStatus: RunStatus;
  experimentId: string;
}

const KEY = "labtrack";

export function readNotebook(model: MetadataHolder): NotebookTracking {
  const value = model.getMetadata(KEY) as NotebookTracking | undefined;
  return value && typeof value === "object" ? value : {};
}

export function writeNotebook(model: MetadataHolder, patch: Partial<NotebookTracking>): void {
  const next: NotebookTracking = { ...readNotebook(model), ...patch };
  for (const k of Object.keys(next) as (keyof NotebookTracking)[]) if (next[k] === undefined) delete next[k];
  model.setMetadata(KEY, next);
}

export function readCell(model: MetadataHolder): CellTracking | undefined {
  const value = model.getMetadata(KEY) as CellTracking | undefined;
  return value && typeof value === "object" && typeof value.lastRunId === "string" ? value : undefined;
}

export function writeCell(model: MetadataHolder, value: CellTracking): void {
  model.setMetadata(KEY, value);
}
