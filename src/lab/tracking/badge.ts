// The badge on a tracked cell: the status of its last run, kept in the cell's metadata so it is there
// when the notebook is reopened. Clicking it shows the run, and the cell's history, in the panel.
import type { Cell } from "@jupyterlab/cells";
import { readCell } from "../../tracking/notebook-state.js";

export type ShowRun = (run: { runId: string; experimentId: string; cellId: string; label: string }) => void;

export function renderBadge(cell: Cell, index: number, show: ShowRun): void {
  if (cell.isDisposed || cell.model.type !== "code") return;
  const tracking = readCell(cell.model);
  const host = cell.inputArea?.node;
  if (!host) return;
  let badge = host.querySelector<HTMLButtonElement>(":scope > .lt-CellBadge");
  if (!tracking) {
    badge?.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement("button");
    badge.className = "lt-CellBadge";
    host.append(badge);
  }
  const target = badge;
  target.textContent = tracking.lastStatus;
  target.dataset.status = tracking.lastStatus;
  target.title = `Labtrack: last run ${tracking.lastRunId} ${tracking.lastStatus}. Click to see it and this cell's earlier runs in the panel.`;
  target.onclick = () =>
    show({
      runId: tracking.lastRunId,
      experimentId: tracking.experimentId,
      cellId: cell.model.sharedModel.getId(),
      label: `cell ${index + 1}`,
    });
}
