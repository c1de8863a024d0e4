// An artifact store from a URI: a local path, file:///path, or s3://bucket/prefix.
import { fileURLToPath } from "node:url";
import { LocalArtifactStore } from "./local.js";
import { S3ArtifactStore, s3ClientFromEnv } from "./s3.js";
import type { ArtifactStore } from "./store.js";

export function openArtifactStore(uri: string): ArtifactStore {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (s3)
    return new S3ArtifactStore(s3ClientFromEnv(), s3[1] as string, (s3[2] as string).replace(/\/+$/, ""));
  if (uri.startsWith("file:")) return new LocalArtifactStore(fileURLToPath(uri));
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(uri)) {
    throw new Error(
      `unsupported artifact store '${uri}': use a directory, file:///dir or s3://bucket/prefix`,
    );
  }
  return new LocalArtifactStore(uri);
}
