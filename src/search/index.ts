// MLflow's search grammar: filters and order_by parsed to an AST, compiled to SQL with bound
// parameters for SQLite or PostgreSQL.
import type { Filter, OrderTerm } from "./ast.js";
import { parseFilter, parseOrderBy } from "./parser.js";
import { EXPERIMENTS, LOGGED_MODELS, MODEL_VERSIONS, REGISTERED_MODELS, RUNS } from "./schemas.js";
import { SQLITE_LOWER } from "./sql.js";

export type * from "./ast.js";
export {
  compileLoggedModelSearch,
  compileMetricPointCount,
  LOGGED_MODEL_ORDER_ATTRIBUTES,
  type LoggedModelOrderTerm,
  type LoggedModelSearchQuery,
  requiredMetricComparisons,
} from "./compile-logged-models.js";
export {
  compileExperimentSearch,
  compileModelVersionSearch,
  compileRegisteredModelSearch,
} from "./compile-others.js";
export {
  compileEqualityCount,
  compileFirstValueAmong,
  compileGroupBound,
  compileRunCount,
  compileRunSearch,
  compileWalkBound,
  type GroupWalk,
  groupWalkable,
  type RunSearchQuery,
  type RunWalk,
  requiredEqualities,
  requiredMetricClauses,
  walkTerm,
} from "./compile-runs.js";
export {
  compileKeyedCount,
  compileTraceSearch,
  parseTraceFilter,
  parseTraceOrderBy,
  requiredKeyedEqualities,
  TRACES,
  type TraceSearchQuery,
} from "./compile-traces.js";
export { SearchError } from "./errors.js";
export { decodePageToken, encodePageToken } from "./page-token.js";

export const parseRunFilter = (text: string | undefined): Filter | null => parseFilter(text, RUNS);
export const parseRunOrderBy = (items: readonly string[] | undefined): OrderTerm[] =>
  parseOrderBy(items, RUNS);
export const parseExperimentFilter = (text: string | undefined): Filter | null =>
  parseFilter(text, EXPERIMENTS);
export const parseExperimentOrderBy = (items: readonly string[] | undefined): OrderTerm[] =>
  parseOrderBy(items, EXPERIMENTS);
export const parseRegisteredModelFilter = (text: string | undefined): Filter | null =>
  parseFilter(text, REGISTERED_MODELS);
export const parseRegisteredModelOrderBy = (items: readonly string[] | undefined): OrderTerm[] =>
  parseOrderBy(items, REGISTERED_MODELS);
export const parseModelVersionFilter = (text: string | undefined): Filter | null =>
  parseFilter(text, MODEL_VERSIONS);
export const parseModelVersionOrderBy = (items: readonly string[] | undefined): OrderTerm[] =>
  parseOrderBy(items, MODEL_VERSIONS);
export const parseLoggedModelFilter = (text: string | undefined): Filter | null =>
  parseFilter(text, LOGGED_MODELS);

interface FunctionHost {
  function(name: string, options: { deterministic: boolean }, fn: (value: unknown) => unknown): unknown;
}

/** SQL functions the compiled SQLite queries call: a Unicode-aware lower() for ILIKE. */
export function registerSqliteFunctions(db: FunctionHost): void {
  db.function(SQLITE_LOWER, { deterministic: true }, (value) =>
    typeof value === "string" ? value.toLowerCase() : value,
  );
}
