// An artifact store from a URI: a local path, file:///path, or s3://bucket/prefix. The AWS SDK is
// loaded only when an S3 store is opened (it costs ~23 MB of memory otherwise).
import { fileURLToPath } from "node:url";
import { LocalArtifactStore } from "./local.js";
import type { ArtifactStore } from "./store.js";

export async function openArtifactStore(uri: string): Promise<ArtifactStore> {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (s3) {
    const { S3ArtifactStore, s3ClientFromEnv } = await import("./s3.js");
    return new S3ArtifactStore(s3ClientFromEnv(), s3[1] as string, (s3[2] as string).replace(/\/+$/, ""));
  }
  if (uri.startsWith("file:")) return new LocalArtifactStore(fileURLToPath(uri));
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(uri)) {
    throw new Error(
      `unsupported artifact store '${uri}': use a directory, file:///dir or s3://bucket/prefix`,
    );
  }
  return new LocalArtifactStore(uri);
}
