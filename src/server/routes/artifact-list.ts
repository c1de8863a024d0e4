import { safeArtifactPath } from "../../artifacts/safe-path.js";
import { rpc } from "../rpc.js";
import { resolveRunArtifacts } from "./run-artifacts.js";

export const artifactListRoutes = [
  // Paths in the answer are relative to the run's artifact root and include the requested directory.
  rpc("GET", "/mlflow/artifacts/list", async (f, ctx) => {
    const runId = f.runId();
    const path = safeArtifactPath(f.optionalString("path") ?? "");
    const { store, base, rootUri } = await resolveRunArtifacts(ctx, runId);
    const entries = await store.list([base, path].filter((p) => p).join("/"));
    const files = entries.map((e) => {
      const rel = [path, e.name].filter((p) => p).join("/");
      return e.isDir ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: e.size };
    });
    return files.length > 0 ? { root_uri: rootUri, files } : { root_uri: rootUri };
  }),
];
