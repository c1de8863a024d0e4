// The source of the cell that made a run, as a tracked cell uploads it (`cell/source.<py|ts|txt>`), and
// the traceback a failed cell leaves (`error/traceback.txt`): read by run details and Compare through the
// connection's client (the Jupyter proxy in the Lab). No DOM; failures are values, not rejections.
import { RestClient } from "../client/rest.js";
import type { WireFileInfo } from "../client/wire.js";
import { describeError, type Problem } from "./describe-error.js";
import { __ } from "./i18n.js";

export const CELL_SOURCE_DIR = "cell";
export const TRACEBACK_PATH = "error/traceback.txt";
/** A cell bigger than this is not shown (nor diffed): it is a data dump, not code to read. */
export const CELL_SOURCE_MAX_BYTES = 1024 * 1024;

export type CellSource =
  | { kind: "found"; path: string; text: string }
  /** The run has no `cell/source.*`: it was not made by a tracked cell (or its upload failed). */
  | { kind: "none" }
  | { kind: "error"; problem: Problem };

export type ArtifactReader = Pick<RestClient, "listArtifacts" | "downloadArtifact">;

/** What of a run the readers need: its id and where its artifacts live. */
export interface RunArtifacts {
  runId: string;
  artifactUri: string;
}

/** The extension of a cell source's file name ("py", "ts", "txt"), lower case; "" when it has none. */
export function sourceExtension(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

const isCellSource = (f: WireFileInfo): boolean =>
  !f.is_dir && /^source\.[A-Za-z0-9]+$/.test(f.path.slice(f.path.lastIndexOf("/") + 1));

/** Lists `dir`; a folder the run does not have lists as empty (MLflow answers so). */
async function list(client: ArtifactReader, runId: string, dir: string): Promise<WireFileInfo[]> {
  return (await client.listArtifacts(runId, dir)).files;
}

function notServed(uri: string): Problem {
  return {
    summary: __("not served"),
    detail: __(
      "This run's artifacts are stored at %1, which the tracking server does not serve: open them there.",
      uri || __("an unknown place"),
    ),
  };
}

/** The run's cell source, its text read through the client; `trackingUri` words the problems. */
export async function readCellSource(
  client: ArtifactReader,
  run: RunArtifacts,
  trackingUri: string,
): Promise<CellSource> {
  try {
    const file = (await list(client, run.runId, CELL_SOURCE_DIR)).find(isCellSource);
    if (!file) return { kind: "none" };
    if (file.file_size !== undefined && file.file_size > CELL_SOURCE_MAX_BYTES)
      return {
        kind: "error",
        problem: {
          summary: __("too big"),
          detail: __("The cell's source is %1 bytes: it is not shown.", file.file_size),
        },
      };
    const proxyPath = RestClient.proxyPath(run.artifactUri, file.path);
    if (proxyPath === null) return { kind: "error", problem: notServed(run.artifactUri) };
    const text = await (await client.downloadArtifact(proxyPath)).text();
    return { kind: "found", path: file.path, text };
  } catch (e) {
    return { kind: "error", problem: describeError(e, trackingUri) };
  }
}

/** Whether the run kept the traceback of its failed cell; false when it cannot be told. */
export async function hasTraceback(client: ArtifactReader, runId: string): Promise<boolean> {
  try {
    const dir = TRACEBACK_PATH.slice(0, TRACEBACK_PATH.lastIndexOf("/"));
    return (await list(client, runId, dir)).some((f) => f.path === TRACEBACK_PATH && !f.is_dir);
  } catch {
    return false;
  }
}
