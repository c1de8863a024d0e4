import type { Comparison, Filter } from "./ast.js";

/** AND / OR trees → SQL, with each comparison compiled by the search's own clause compiler. */
export function compileFilter(filter: Filter, clause: (c: Comparison) => string): string {
  if (filter.kind === "comparison") return clause(filter);
  const parts = filter.clauses.map((f) => compileFilter(f, clause));
  return `(${parts.join(filter.kind === "and" ? " AND " : " OR ")})`;
}
