/** A filter or order_by the server cannot accept. `position` is a 0-based offset in the text, when known. */
export class SearchError extends Error {
  readonly code: "INVALID_PARAMETER_VALUE" | "BAD_REQUEST";
  readonly position: number | undefined;

  constructor(
    message: string,
    options: { position?: number | undefined; code?: "INVALID_PARAMETER_VALUE" | "BAD_REQUEST" } = {},
  ) {
    super(options.position === undefined ? message : `${message} (at position ${options.position})`);
    this.name = "SearchError";
    this.code = options.code ?? "INVALID_PARAMETER_VALUE";
    this.position = options.position;
  }
}
