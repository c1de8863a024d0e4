// What the authorizer and the route rules read from a request. Declared here, on auth's side of the
// seam, so auth needs nothing from the server: the server's decoded request (`Fields` in
// src/server/request.ts) has these methods, with MLflow's decoding and error messages behind them.
export interface RequestFields {
  /** The field was sent and is not empty. */
  has(field: string): boolean;
  /** A required string (MLflow's "Missing value for required parameter" when absent). */
  string(field: string): string;
  /** An id sent as a number or a string, as text. */
  id(field: string): string;
  /** A repeated string field; `ids` accepts numbers too. */
  stringList(field: string, options?: { ids?: boolean }): string[];
}
