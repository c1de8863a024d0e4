// Every artifact path a client sends is relative to an artifact root and must stay inside it. MLflow
// has had CVEs for each of these shapes: `..`, absolute paths, encoded and double-encoded traversal,
// backslashes, NUL bytes (symlinks are checked by the local store, which can see them).
import { invalidParameter } from "../errors.js";

const MAX_DECODES = 10;

function decodeFully(path: string): string {
  let current = path;
  for (let i = 0; i < MAX_DECODES; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      throw invalidParameter(`Invalid artifact path '${path}': malformed percent-encoding.`);
    }
    if (next === current) return current;
    current = next;
  }
  throw invalidParameter(`Invalid artifact path '${path}': too many levels of percent-encoding.`);
}

/**
 * Checks a relative artifact path (already URL-decoded once by the caller if it came from a URL) and
 * returns it normalised: no leading or trailing slash, no empty segments. "" is the root.
 */
export function safeArtifactPath(path: string): string {
  const decoded = decodeFully(path);
  const bad = (why: string) => invalidParameter(`Invalid artifact path '${path}': ${why}.`);
  // What MLflow refuses too gets MLflow's exact message ("Invalid path"), which clients compare whole;
  // what only Labtrack refuses says why.
  const mlflowRefuses = () => invalidParameter("Invalid path");
  if (decoded.includes("\0")) throw bad("it contains a NUL byte");
  if (decoded.includes("\\")) throw bad("backslashes are not allowed");
  if (decoded.startsWith("/") || /^[a-zA-Z]:/.test(decoded)) throw mlflowRefuses();
  if (decoded.includes("#")) throw mlflowRefuses();
  const segments = decoded.split("/").filter((s) => s !== "");
  if (segments.includes("..")) throw mlflowRefuses();
  // A final `.` is the directory itself: MLflow 3 clients list `…/artifacts/.` to download a model.
  if (segments.at(-1) === ".") segments.pop();
  if (segments.includes(".")) throw bad("'.' segments are not allowed");
  // The checks ran on the fully decoded text; the path used from here on is that same text.
  return segments.join("/");
}
