// MLflow's validation rules and limits (reference §7), shared by the HTTP layer and every store.
import { invalidParameter } from "./errors.js";

export const LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentTagValueLength: 5000,
  experimentNameLength: 500,
  runNameLength: 250,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  searchMaxResults: 50_000,
  defaultRunsMaxResults: 1000,
  bulkIntervalRuns: 100,
  bulkIntervalMaxResults: 2500,
  bulkIntervalPointsPerRun: 25_000,
  bulkHistoryRuns: 100,
  bulkHistoryPoints: 25_000,
  searchDatasetsExperiments: 20,
  searchDatasetsResults: 1000,
} as const;

export const RUN_NAME_TAG = "mlflow.runName";
export const PARENT_RUN_TAG = "mlflow.parentRunId";

/** Python's `len` counts code points; JavaScript's `.length` counts UTF-16 units. */
export const codePointLength = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

const truncateCodePoints = (s: string, max: number): string => {
  if (s.length <= max) return s;
  return codePointLength(s) <= max ? s : Array.from(s).slice(0, max).join("");
};

const KEY_CHARS = /^[\p{L}\p{N}\p{M}_/.\- :]*$/u;

/** Metric, param and tag keys: MLflow's character set, length, and "is a normalized relative path". */
export function validateKey(
  kind: "metric" | "param" | "tag",
  key: string,
  { anyCharacters = false } = {},
): void {
  if (VALID_KEYS.has(key)) return;
  if (!anyCharacters && !KEY_CHARS.test(key)) {
    throw invalidParameter(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
  if (!isNormalizedRelativePath(key)) {
    throw invalidParameter(
      `Invalid ${kind} name: '${key}'. Names cannot be empty, contain '..' or '.' segments, start with '/' or end with '/'.`,
    );
  }
  if (codePointLength(key) > LIMITS.keyLength) {
    throw invalidParameter(
      `${capitalize(kind)} key '${key.slice(0, 40)}…' had length ${codePointLength(key)}, which exceeded length limit of ${LIMITS.keyLength}`,
    );
  }
  // A key accepted only for its characters' sake (anyCharacters) is not one the strict check passed.
  if (!anyCharacters) rememberValid(key);
}

/**
 * Keys that passed every check (whatever their kind: the rules are the same). A log-batch of 1,000
 * points names a few keys many times, and a training loop the same keys at every step: each is checked
 * once (the Unicode character class, the path test and the length were ~0.6 ms of such a batch).
 * Bounded: emptied when full.
 */
const VALID_KEYS = new Set<string>();
const VALID_KEYS_KEPT = 10_000;

function rememberValid(key: string): void {
  if (VALID_KEYS.size >= VALID_KEYS_KEPT) VALID_KEYS.clear();
  VALID_KEYS.add(key);
}

function isNormalizedRelativePath(key: string): boolean {
  if (key === "" || key === "." || key.startsWith("/") || key.startsWith("..")) return false;
  const parts = key.split("/");
  return parts.every((p) => p !== "" && p !== "." && p !== "..");
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * MLflow truncates long param and tag values unless MLFLOW_TRUNCATE_LONG_VALUES=false, in which case the
 * request fails. We follow it so that clients written against MLflow keep working.
 */
export function checkValueLength(kind: "param" | "tag", key: string, value: string): string {
  const max = kind === "param" ? LIMITS.paramValueLength : LIMITS.tagValueLength;
  if (value.length <= max || codePointLength(value) <= max) return value;
  if (process.env.MLFLOW_TRUNCATE_LONG_VALUES?.toLowerCase() === "false") {
    throw invalidParameter(
      `${capitalize(kind)} value for key '${key}' had length ${codePointLength(value)}, which exceeded length limit of ${max}`,
    );
  }
  return truncateCodePoints(value, max);
}

/**
 * `atCreation`: the tags of experiments/create, which MLflow stores without its key character rule
 * (`owner's team` is taken there, refused by set-experiment-tag); the other rules still apply.
 */
export function checkExperimentTag(key: string, value: string, { atCreation = false } = {}): void {
  validateKey("tag", key, { anyCharacters: atCreation });
  if (codePointLength(value) > LIMITS.experimentTagValueLength) {
    throw invalidParameter(
      `Tag value for key '${key}' had length ${codePointLength(value)}, which exceeded length limit of ${LIMITS.experimentTagValueLength}`,
    );
  }
}

export function checkExperimentName(name: string): void {
  if (name === "") throw invalidParameter("Invalid experiment name: ''. The name must not be empty.");
  if (codePointLength(name) > LIMITS.experimentNameLength) {
    throw invalidParameter(
      `Experiment name had length ${codePointLength(name)}, which exceeded length limit of ${LIMITS.experimentNameLength}`,
    );
  }
}

export function checkRunName(name: string): void {
  if (codePointLength(name) > LIMITS.runNameLength) {
    throw invalidParameter(
      `Run name had length ${codePointLength(name)}, which exceeded length limit of ${LIMITS.runNameLength}`,
    );
  }
}

export function checkMaxResults(value: number, max: number, name = "max_results"): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidParameter(
      `Invalid value ${value} for parameter '${name}' supplied. It must be a positive integer at most ${max}`,
    );
  }
}

export const RUN_ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,255}$/;

/**
 * MLflow's SQL store keeps NaN as 0 plus a flag and clamps ±Infinity to the largest finite doubles;
 * clients see exactly that, so we store the same.
 */
export function storedMetricValue(value: number): { value: number; isNan: 0 | 1 } {
  if (Number.isNaN(value)) return { value: 0, isNan: 1 };
  return { value: Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, value)), isNan: 0 };
}

const MODEL_NAME_FORBIDDEN = ["/", ":", ".", "%", '"', "'"] as const;

/** MLflow 3's rule for logged model names: they become path segments and URI parts. */
export function checkLoggedModelName(name: string): void {
  if (name === "" || MODEL_NAME_FORBIDDEN.some((c) => name.includes(c))) {
    throw invalidParameter(
      `Invalid model name ('${name}') provided. Model name must be a non-empty string and cannot contain the following characters: ${MODEL_NAME_FORBIDDEN.map((c) => `'${c}'`).join(", ")}`,
    );
  }
  if (codePointLength(name) > LIMITS.experimentNameLength) {
    throw invalidParameter(
      `Model name had length ${codePointLength(name)}, which exceeded length limit of ${LIMITS.experimentNameLength}`,
    );
  }
}
