// What the tracking engine needs from a front end: a cell, its notebook, a kernel and a tracking
// server. JupyterLab's cells and session (src/lab/tracking) and `labtrack run`'s kernel over ZeroMQ
// (src/cli/run) both adapt to these; the engine itself never sees either.
import type { RestClient } from "../client/rest.js";
import type { OpenRun } from "./notebook-state.js";

/** One nbformat 4 output, as a notebook file holds it. */
export type Output =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | {
      output_type: "display_data";
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
    }
  | {
      output_type: "execute_result";
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
      execution_count: number | null;
    }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

/** Something with a notebook's metadata (a notebook, a cell): Labtrack keeps its state under one key. */
export interface MetadataHolder {
  getMetadata(key: string): unknown;
  setMetadata(key: string, value: unknown): void;
}

/** The request and reply of Jupyter's `execute_request`, as far as the engine reads them. */
export interface ExecuteContent {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  allow_stdin?: boolean;
  stop_on_error?: boolean;
  user_expressions?: Record<string, string>;
}

export interface ExecuteReply {
  status: "ok" | "error" | "aborted";
  execution_count: number | null;
  user_expressions?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** An iopub message caused by a request: its type and content. */
export interface IOPubMessage {
  msg_type: string;
  content: Record<string, unknown>;
}

/** A running Jupyter kernel. */
export interface TrackingKernel {
  readonly id: string;
  /** The kernelspec's name (`python3`, `tslab`). */
  readonly name: string;
  /** language_info.name from the kernel's kernel_info. */
  language(): Promise<string | undefined>;
  /**
   * Sends an execute_request at once, before returning, so a request sent next runs after it (a
   * kernel runs requests in order); resolves with the reply once the kernel is idle again.
   */
  execute(content: ExecuteContent, onIOPub?: (msg: IOPubMessage) => void): Promise<ExecuteReply>;
  /** Calls back once the kernel restarts or dies: what was installed in it is gone. */
  onReset(callback: () => void): void;
}

/** How a cell's code ended. */
export type ExecutionOutcome =
  | { kind: "ok"; reply: ExecuteReply }
  | { kind: "error"; reply: ExecuteReply; ename: string; evalue: string; traceback: string[] }
  | { kind: "aborted"; reply?: ExecuteReply | undefined }
  /** The kernel went away (restart, death, shutdown) before it answered. */
  | { kind: "lost"; reason: string };

/** A code cell: its source, its outputs, its execution count and metadata. */
export interface TrackedCell extends MetadataHolder {
  readonly id: string;
  source(): string;
  executionCount: number | null;
  /** True once the cell is gone (deleted in the Lab): its model must not be written any more. */
  readonly isDisposed: boolean;
  readonly outputs: { add(output: Output): unknown };
  /**
   * Runs `code` (the cell's source with its magic lines blanked) in the kernel as the cell's own
   * execution: outputs into the cell, its execution count set. `userExpressions` ride along.
   */
  execute(code: string, userExpressions: Record<string, string>): Promise<ExecutionOutcome>;
}

/** The notebook a cell belongs to. */
export interface TrackedNotebook extends MetadataHolder {
  /**
   * The notebook's path: relative to the Jupyter server's root in the Lab; headless, to the root of the
   * notebook's git work tree (else its folder, or `--root-dir`), so both name a notebook alike.
   */
  readonly path: string;
}

/** Where runs go, and how to speak about it. */
export interface TrackingTarget {
  readonly client: RestClient;
  /** The tracking URI as the user configured it ("" when none). */
  readonly uri: string;
  /** The experiment when the notebook names none ("" or undefined: Default). */
  readonly defaultExperiment: string | undefined;
  /** A failed request as a short summary and a detail sentence. */
  describeError(e: unknown): { summary: string; detail: string };
  /** `%track status`'s first line: the server and whether it answers. */
  statusLine(): Promise<string>;
  /** The theme charts are drawn for. */
  theme(): "light" | "dark";
}

/** Everything a tracked cell runs with. */
export interface MagicContext {
  cell: TrackedCell;
  notebook: TrackedNotebook;
  target: TrackingTarget;
  /** The notebook's kernel; started when `start` and there is none. Null when there is none. */
  kernel(start: boolean): Promise<TrackingKernel | null>;
  user?: string | undefined;
  /** Reads a file (relative to the front end's root) for `--artifacts`. */
  readFile(path: string): Promise<{ text: string | Uint8Array; contentType: string } | null>;
  listDir(path: string): Promise<string[] | null>;
  /** Tags every run this cell starts gets too (`labtrack run`: how it was executed). */
  extraTags?: Record<string, string> | undefined;
  /**
   * `labtrack run`'s run of the whole execution: `%%track` cells' runs are nested under it, and lines
   * that log with no run of their own (no `%%track`, no `%track start`) log to it. None in the Lab.
   */
  parentRun?: OpenRun | undefined;
  /**
   * A `%%track` cell's code may start before the check of its run's guessed number is sent (see
   * CellRunOptions.checkNumberLater): the run's name is settled before the run ends, and nothing the
   * code does reads it. Both front ends do; without it the check is awaited before the code runs.
   */
  checkNumberLater?: boolean | undefined;
}
