// Nested runs (MLflow's mlflow.parentRunId tag) as a tree over the loaded runs: children under their
// parent when the parent is loaded, else at the top level; siblings keep the server's order. Pure.
import type { TableRow } from "./rows.js";

export const PARENT_TAG = "mlflow.parentRunId";

export interface TreeItem {
  row: TableRow;
  depth: number;
  /** Loaded children of this run. */
  childCount: number;
  expanded: boolean;
}

/** Each loaded run's loaded parent, with links that would close a cycle dropped. */
export function parentLinks(rows: readonly TableRow[]): Map<string, string> {
  const loaded = new Set(rows.map((r) => r.runId));
  const parent = new Map<string, string>();
  for (const row of rows) {
    const p = row.tags[PARENT_TAG];
    if (p && p !== row.runId && loaded.has(p)) parent.set(row.runId, p);
  }
  // A run that is its own ancestor (bad data) becomes a top-level run, so nothing disappears.
  for (const id of [...parent.keys()]) {
    const seen = new Set([id]);
    let at = parent.get(id);
    while (at !== undefined) {
      if (seen.has(at)) {
        parent.delete(id);
        break;
      }
      seen.add(at);
      at = parent.get(at);
    }
  }
  return parent;
}

/** The visible rows of the tree: top-level runs, and the children of expanded runs under them. */
export function buildTree(rows: readonly TableRow[], expanded: ReadonlySet<string>): TreeItem[] {
  const parent = parentLinks(rows);
  const children = new Map<string, TableRow[]>();
  for (const row of rows) {
    const p = parent.get(row.runId);
    if (p === undefined) continue;
    const list = children.get(p);
    if (list) list.push(row);
    else children.set(p, [row]);
  }
  const out: TreeItem[] = [];
  const visit = (row: TableRow, depth: number) => {
    const kids = children.get(row.runId);
    const open = kids !== undefined && expanded.has(row.runId);
    out.push({ row, depth, childCount: kids?.length ?? 0, expanded: open });
    if (open) for (const kid of kids) visit(kid, depth + 1);
  };
  for (const row of rows) if (!parent.has(row.runId)) visit(row, 0);
  return out;
}
