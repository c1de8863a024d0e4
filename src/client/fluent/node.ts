// Node's modules, loaded only when a Node-only helper runs, so that a browser bundle of the client never
// pulls them in. The specifier is hidden from bundlers on purpose (webpackIgnore, and not a literal in
// the import call).
import type * as FsSync from "node:fs";
import type * as FsPromises from "node:fs/promises";
import type * as Path from "node:path";
import type * as Stream from "node:stream";

export interface NodeModules {
  fs: typeof FsPromises;
  path: typeof Path;
  /** A file as a web stream, for uploads too large to hold in memory. */
  openStream(file: string): Promise<ReadableStream<Uint8Array>>;
}

const load = (specifier: string): Promise<unknown> => import(/* webpackIgnore: true */ specifier);

let cached: Promise<NodeModules> | undefined;

export function nodeModules(): Promise<NodeModules> {
  cached ??= (async () => {
    if (!globalThis.process?.versions?.node) {
      throw new Error("this helper reads local files and needs Node.js (it is not available in a browser)");
    }
    const [fs, path] = await Promise.all([load("node:fs/promises"), load("node:path")]);
    const openStream = async (file: string) => {
      const [fsSync, stream] = (await Promise.all([load("node:fs"), load("node:stream")])) as [
        typeof FsSync,
        typeof Stream,
      ];
      return stream.Readable.toWeb(fsSync.createReadStream(file)) as ReadableStream<Uint8Array>;
    };
    return { fs: fs as typeof FsPromises, path: path as typeof Path, openStream };
  })();
  return cached;
}

/** The process environment, or an empty one in a browser. */
export function env(): Record<string, string | undefined> {
  return globalThis.process?.env ?? {};
}
