/** An error answer of the tracking server: MLflow's `error_code`, the HTTP status and the message. */
export class MlflowApiError extends Error {
  readonly errorCode: string;
  readonly status: number;

  constructor(errorCode: string, status: number, message: string) {
    super(message);
    this.name = "MlflowApiError";
    this.errorCode = errorCode;
    this.status = status;
  }

  override toString(): string {
    return `${this.errorCode} (HTTP ${this.status}): ${this.message}`;
  }
}

/** The server could not be reached (after retries): nothing was acknowledged. */
export class TrackingUnreachableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "TrackingUnreachableError";
  }
}
