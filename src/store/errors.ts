// The store's errors are MLflow's, defined once in src/errors.ts (the artifact stores raise them too).
export { type ErrorCode, invalidParameter, MlflowError, notFound } from "../errors.js";
