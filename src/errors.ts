// MLflow's error codes and the HTTP status each maps to (reference §1.6). Only the names go on the wire.
// One module for every layer that raises them (store, artifacts, auth, server); src/store/errors.ts
// re-exports it for the store's many importers.

export type ErrorCode =
  | "INTERNAL_ERROR"
  | "TEMPORARILY_UNAVAILABLE"
  | "BAD_REQUEST"
  | "INVALID_PARAMETER_VALUE"
  | "ENDPOINT_NOT_FOUND"
  | "RESOURCE_ALREADY_EXISTS"
  | "RESOURCE_DOES_NOT_EXIST"
  | "INVALID_STATE"
  | "PERMISSION_DENIED"
  | "UNAUTHENTICATED"
  | "REQUEST_LIMIT_EXCEEDED"
  | "NOT_IMPLEMENTED";

const STATUS: Record<ErrorCode, number> = {
  INTERNAL_ERROR: 500,
  TEMPORARILY_UNAVAILABLE: 503,
  BAD_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  ENDPOINT_NOT_FOUND: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  // MLflow answers 500 for INVALID_STATE; a client mistake is never a 5xx here, so it is a 400.
  INVALID_STATE: 400,
  PERMISSION_DENIED: 403,
  UNAUTHENTICATED: 401,
  REQUEST_LIMIT_EXCEEDED: 429,
  NOT_IMPLEMENTED: 501,
};

export class MlflowError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, status?: number) {
    super(message);
    this.name = "MlflowError";
    this.code = code;
    this.status = status ?? STATUS[code];
  }
}

export const invalidParameter = (message: string): MlflowError =>
  new MlflowError("INVALID_PARAMETER_VALUE", message);

export const notFound = (message: string): MlflowError => new MlflowError("RESOURCE_DOES_NOT_EXIST", message);
