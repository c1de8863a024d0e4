// Fields every MLflow search reads the same way.
import { invalidParameter } from "../../store/errors.js";
import { checkMaxResults } from "../../store/rules.js";
import type { Fields } from "../request.js";

/** `experiment_ids`, which these searches require. */
export function requiredExperimentIds(f: Fields): string[] {
  const ids = f.stringList("experiment_ids", { ids: true });
  if (ids.length === 0) {
    throw invalidParameter(
      "Missing value for required parameter 'experiment_ids'. See the API docs for more information about request parameters.",
    );
  }
  return ids;
}

/** `page_token`: where the previous page ended; absent or empty, the first page. */
export const pageTokenOf = (f: Fields): string | undefined => f.optionalString("page_token") || undefined;

/** `max_results`, its default when absent, checked against the search's limit. */
export function maxResultsOf(f: Fields, defaultValue: number, max: number): number {
  const maxResults = f.optionalInt("max_results") ?? defaultValue;
  checkMaxResults(maxResults, max);
  return maxResults;
}
