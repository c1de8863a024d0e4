// Where artifact files live. Paths are relative to the store's root and already checked by
// safeArtifactPath; implementations stream, never buffer whole files.
import type { Readable } from "node:stream";

export interface ArtifactEntry {
  /** The entry's name inside the listed directory. */
  name: string;
  isDir: boolean;
  size?: number;
}

export interface MultipartCredential {
  url: string;
  partNumber: number;
  headers: Record<string, string>;
}

export interface ArtifactStore {
  /** One level of a directory; [] when it does not exist. */
  list(dir: string): Promise<ArtifactEntry[]>;
  /** Null when there is no such file. */
  read(path: string): Promise<{ stream: Readable; size: number } | null>;
  write(path: string, body: Readable): Promise<void>;
  /** Removes a file or a whole directory. */
  delete(path: string): Promise<void>;
  /** Direct-to-store multipart uploads; absent when the store cannot do them. */
  multipart?: {
    create(path: string, parts: number): Promise<{ uploadId: string; credentials: MultipartCredential[] }>;
    complete(path: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
    abort(path: string, uploadId: string): Promise<void>;
  };
}

export const joinPath = (...parts: string[]): string => parts.filter((p) => p !== "").join("/");
