// Artifacts in S3 or an S3-compatible store, through the official AWS SDK: the usual AWS environment
// (credentials, region) and MLFLOW_S3_ENDPOINT_URL, as MLflow reads them.
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { MlflowError } from "../errors.js";
import type { ArtifactEntry, ArtifactStore, MultipartCredential } from "./store.js";
import { joinPath } from "./store.js";

export function s3ClientFromEnv(env: NodeJS.ProcessEnv = process.env): S3Client {
  const endpoint = env.MLFLOW_S3_ENDPOINT_URL;
  return new S3Client({
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
  });
}

const isMissing = (e: unknown) => {
  const name = (e as { name?: string }).name;
  return (
    name === "NoSuchKey" ||
    name === "NotFound" ||
    (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
  );
};

/** What the S3 service answered, as an MLflow error the client can act on (never a bare 500). */
function storeError(e: unknown, what: string): MlflowError {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const detail = `${(e as { name?: string }).name ?? "Error"}: ${(e as Error).message}`;
  if (status === 404)
    return new MlflowError("RESOURCE_DOES_NOT_EXIST", `${what}: not found in the artifact store (${detail})`);
  if (status === 405 || status === 501) {
    return new MlflowError(
      "NOT_IMPLEMENTED",
      `${what}: the artifact store does not support this (${detail})`,
    );
  }
  if (status === 403)
    return new MlflowError("PERMISSION_DENIED", `${what}: the artifact store refused access (${detail})`);
  if (status !== undefined && status >= 400 && status < 500) {
    return new MlflowError(
      "INVALID_PARAMETER_VALUE",
      `${what}: the artifact store rejected the request (${detail})`,
    );
  }
  return new MlflowError(
    "TEMPORARILY_UNAVAILABLE",
    `${what}: the artifact store is unavailable (${detail})`,
    503,
  );
}

async function guarded<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof MlflowError) throw e;
    throw storeError(e, what);
  }
}

export class S3ArtifactStore implements ArtifactStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  list(dir: string): Promise<ArtifactEntry[]> {
    return guarded(`Listing '${dir}'`, () => this.listObject(dir));
  }

  read(path: string): Promise<{ stream: Readable; size: number } | null> {
    return guarded(`Reading '${path}'`, () => this.readObject(path));
  }

  write(path: string, body: Readable): Promise<void> {
    return guarded(`Writing '${path}'`, () => this.writeObject(path, body));
  }

  delete(path: string): Promise<void> {
    return guarded(`Deleting '${path}'`, () => this.deleteObject(path));
  }

  private key(path: string): string {
    return joinPath(this.prefix, path);
  }

  private async listObject(dir: string): Promise<ArtifactEntry[]> {
    const prefix = dir === "" && this.prefix === "" ? "" : `${this.key(dir)}/`;
    const out: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          Delimiter: "/",
          ContinuationToken: token,
        }),
      );
      for (const p of page.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? "").slice(prefix.length).replace(/\/$/, "");
        if (name) out.push({ name, isDir: true });
      }
      for (const o of page.Contents ?? []) {
        const name = (o.Key ?? "").slice(prefix.length);
        if (name) out.push({ name, isDir: false, size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  private async readObject(path: string): Promise<{ stream: Readable; size: number } | null> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }),
      );
      return { stream: object.Body as Readable, size: object.ContentLength ?? 0 };
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  private async writeObject(path: string, body: Readable): Promise<void> {
    // lib-storage streams in parts; memory stays bounded by part size × queue size.
    await new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.key(path), Body: body },
      queueSize: 2,
      partSize: 5 * 1024 * 1024,
    }).done();
  }

  private async deleteObject(path: string): Promise<void> {
    const key = this.key(path);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: [{ Key: key }] } }),
      );
      return;
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${key}/`, ContinuationToken: token }),
      );
      const objects = (page.Contents ?? []).map((o) => ({ Key: o.Key as string }));
      if (objects.length > 0) {
        await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: objects } }),
        );
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  multipart = {
    create: (
      path: string,
      parts: number,
    ): Promise<{ uploadId: string; credentials: MultipartCredential[] }> =>
      guarded("Starting a multipart upload", () => this.createMultipart(path, parts)),
    complete: (path: string, uploadId: string, parts: { partNumber: number; etag: string }[]) =>
      guarded("Completing a multipart upload", () => this.completeMultipart(path, uploadId, parts)),
    abort: (path: string, uploadId: string) =>
      guarded("Aborting a multipart upload", async () => {
        await this.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(path), UploadId: uploadId }),
        );
      }),
  };

  private async createMultipart(
    path: string,
    parts: number,
  ): Promise<{ uploadId: string; credentials: MultipartCredential[] }> {
    const key = this.key(path);
    const created = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }),
    );
    const uploadId = created.UploadId as string;
    const credentials: MultipartCredential[] = [];
    for (let partNumber = 1; partNumber <= parts; partNumber++) {
      const url = await getSignedUrl(
        this.client,
        new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber }),
        { expiresIn: 3600 },
      );
      credentials.push({ url, partNumber, headers: {} });
    }
    return { uploadId, credentials };
  }

  private async completeMultipart(
    path: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ) {
    await this.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.key(path),
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
      }),
    );
  }
}
