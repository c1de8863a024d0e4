// `--backend-store-uri` as MLflow spells it: `sqlite:///relative.db`, `sqlite:////abs/path.db`, or a bare path.
import { isAbsolute, resolve } from "node:path";

import type { StoreLocation } from "../store/open.js";

export class UsageError extends Error {}

export function parseStoreUri(uri: string, cwd = process.cwd()): StoreLocation {
  if (/^postgres(ql)?:\/\//i.test(uri)) return { kind: "postgres", uri };
  if (uri.startsWith("sqlite:")) {
    const m = /^sqlite:\/\/\/(.*)$/.exec(uri);
    if (!m || m[1] === "") {
      throw new UsageError(
        `invalid --backend-store-uri '${uri}': expected sqlite:///relative/path.db or sqlite:////absolute/path.db`,
      );
    }
    const path = m[1] as string;
    return { kind: "sqlite", file: path === ":memory:" ? path : resolve(cwd, path) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new UsageError(
      `unsupported --backend-store-uri '${uri}': use sqlite:///path.db, a file path, or postgresql://user:pass@host:port/db`,
    );
  }
  return { kind: "sqlite", file: isAbsolute(uri) ? uri : resolve(cwd, uri) };
}
