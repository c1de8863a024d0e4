// Opaque page tokens in MLflow's own format (base64 of `{"offset": N}`), so tokens from either server
// behave the same for clients that store them.
import { SearchError } from "./errors.js";

export function encodePageToken(offset: number): string {
  return btoa(JSON.stringify({ offset }).replace(":", ": "));
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  let offset: unknown;
  try {
    offset = (JSON.parse(atob(token)) as { offset?: unknown }).offset;
  } catch {
    throw new SearchError(
      `Invalid page token, could not base64-decode and JSON-parse it: '${token.slice(0, 80)}'`,
    );
  }
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset <= 0) {
    throw new SearchError(
      `Invalid page token: its offset must be a positive integer, got ${JSON.stringify(offset)}`,
    );
  }
  return offset;
}
