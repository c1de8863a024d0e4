// The quick filters above the table (status, start time range, "mine") as clauses of MLflow's filter
// grammar, joined to the typed filter with AND (the grammar has no OR and no parentheses).
import type { RunStatus } from "../../client/wire.js";
import { __ } from "../i18n.js";

export type TimeRange = "" | "1h" | "24h" | "7d" | "30d";

// Labels are getters: translated when the toolbar is built, not when this module loads.
export const TIME_RANGES: ReadonlyArray<{ value: TimeRange; label: string; ms: number }> = [
  {
    value: "1h",
    get label() {
      return __("Last hour");
    },
    ms: 3_600_000,
  },
  {
    value: "24h",
    get label() {
      return __("Last 24 hours");
    },
    ms: 86_400_000,
  },
  {
    value: "7d",
    get label() {
      return __("Last 7 days");
    },
    ms: 7 * 86_400_000,
  },
  {
    value: "30d",
    get label() {
      return __("Last 30 days");
    },
    ms: 30 * 86_400_000,
  },
];

export interface QuickFilters {
  status: RunStatus | "";
  timeRange: TimeRange;
  /** The user whose runs "Mine" keeps; null when the filter is off (or the user unknown). */
  user: string | null;
}

/** A string literal of the grammar: single quotes, inner ones doubled. */
export function quoteValue(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function quickClauses(q: QuickFilters, now: number): string[] {
  const clauses: string[] = [];
  if (q.status) clauses.push(`attributes.status = '${q.status}'`);
  const range = TIME_RANGES.find((r) => r.value === q.timeRange);
  // Rounded to the minute so that reloads within a minute send the same filter.
  if (range) clauses.push(`attributes.start_time >= ${Math.floor((now - range.ms) / 60_000) * 60_000}`);
  if (q.user !== null) clauses.push(`tags.mlflow.user = ${quoteValue(q.user)}`);
  return clauses;
}

export function combineFilter(typed: string, clauses: readonly string[]): string {
  return [typed.trim(), ...clauses].filter((p) => p).join(" AND ");
}
