// A spec's inline data moved into named datasets, so that a drawn chart can take new data in place
// (vega's view.data) instead of being compiled, parsed and laid out again: what keeps a live chart's
// update cycle short. `shape` is everything that decides how the chart is drawn except its data; two
// specs with the same shape differ only in their datasets.
import type { TopLevelSpec } from "vega-lite";
import { isPlainObject } from "./common.js";

export interface NamedData {
  spec: TopLevelSpec;
  datasets: Record<string, unknown[]>;
  shape: string;
}

const PREFIX = "lt_data_";

export function withNamedData(spec: TopLevelSpec): NamedData {
  const datasets: Record<string, unknown[]> = {};
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isPlainObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "data" && isPlainObject(value) && Array.isArray(value.values)) {
        const name = `${PREFIX}${Object.keys(datasets).length}`;
        datasets[name] = value.values;
        const { values: _values, ...rest } = value;
        out[key] = { ...rest, name };
      } else out[key] = visit(value);
    }
    return out;
  };
  const {
    usermeta,
    datasets: given,
    ...drawn
  } = spec as TopLevelSpec & {
    usermeta?: unknown;
    datasets?: Record<string, unknown[]>;
  };
  const body = visit(drawn) as Record<string, unknown>;
  const shape = JSON.stringify({ body, given: given ? Object.keys(given) : [] });
  const all = { ...given, ...datasets };
  return {
    spec: { ...body, ...(usermeta === undefined ? {} : { usermeta }), datasets: all } as TopLevelSpec,
    datasets: all,
    shape,
  };
}

/**
 * What turns the rows a view holds into `next`: the rows to remove (the view's own objects) and those to
 * insert. Rows are compared by value, so a live update touches only the series that changed (the
 * running runs') and vega redoes only their share of the dataflow.
 */
export function datasetChanges<T extends object>(
  current: readonly T[],
  next: readonly T[],
): { remove: T[]; insert: T[] } {
  const held = new Map<string, T[]>();
  for (const row of current) {
    const key = JSON.stringify(row);
    const same = held.get(key);
    if (same) same.push(row);
    else held.set(key, [row]);
  }
  const insert: T[] = [];
  for (const row of next) {
    const same = held.get(JSON.stringify(row));
    if (same?.length) same.pop();
    else insert.push(row);
  }
  return { remove: [...held.values()].flat(), insert };
}
