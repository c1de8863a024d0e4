import { resolve } from "node:path";
import { invalidParameter } from "../../store/errors.js";

const decodeRepeatedly = (s: string): string => {
  let current = s;
  for (let i = 0; i < 10; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
};

/** MLflow's checks on a user-supplied experiment artifact location (reference §3.1.1). */
export function checkArtifactLocation(location: string): void {
  if (location.includes("#")) {
    throw invalidParameter(`Invalid artifact location '${location}': it must not contain a fragment ('#').`);
  }
  if (location.startsWith("runs:/")) {
    throw invalidParameter(`Invalid artifact location '${location}': 'runs:/' URIs are not allowed.`);
  }
  const queryAt = location.indexOf("?");
  if (queryAt >= 0 && decodeRepeatedly(location.slice(queryAt)).includes("..")) {
    throw invalidParameter(`Invalid artifact location '${location}': its query must not contain '..'.`);
  }
  if (location.includes("\0")) {
    throw invalidParameter("Invalid artifact location: it must not contain NUL bytes.");
  }
}

/**
 * A relative local location is resolved against the server's working directory, as MLflow's
 * `resolve_uri_if_local` does (`my_location` → `<cwd>/my_location`, `file:rel` → `file://<cwd>/rel`):
 * stored relative, it would mean a different folder for every process that reads it.
 */
export function resolveArtifactLocation(location: string): string {
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(location)) {
    return location.startsWith("/") ? location : resolve(location);
  }
  const file = /^file:(?!\/)([^?]*)(\?.*)?$/.exec(location);
  if (file) return `file://${resolve(file[1] as string)}${file[2] ?? ""}`;
  return location;
}
