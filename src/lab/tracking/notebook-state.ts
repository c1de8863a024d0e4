// Labtrack's state kept in the notebook itself (metadata), so it travels with the file: the notebook's
// experiment, a run opened with `%track start`, and each cell's last run (for history and badges).
import type { ICellModel } from "@jupyterlab/cells";
import type { INotebookModel } from "@jupyterlab/notebook";
import type { RunStatus } from "../../client/wire.js";

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

export function readNotebook(model: INotebookModel): NotebookTracking {
  const value = model.getMetadata(KEY) as NotebookTracking | undefined;
  return value && typeof value === "object" ? value : {};
}

export function writeNotebook(model: INotebookModel, patch: Partial<NotebookTracking>): void {
  const next: NotebookTracking = { ...readNotebook(model), ...patch };
  for (const k of Object.keys(next) as (keyof NotebookTracking)[]) if (next[k] === undefined) delete next[k];
  model.setMetadata(KEY, next as never);
}

export function readCell(model: ICellModel): CellTracking | undefined {
  const value = model.getMetadata(KEY) as CellTracking | undefined;
  return value && typeof value === "object" && typeof value.lastRunId === "string" ? value : undefined;
}

export function writeCell(model: ICellModel, value: CellTracking): void {
  model.setMetadata(KEY, value as never);
}
