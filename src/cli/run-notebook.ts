// One headless execution of a notebook: its kernel started over ZeroMQ, the parameters injected after
// the `parameters` cell, every code cell run in order — magic cells through the same MagicCell as in
// JupyterLab, nested under one parent run — the outputs kept as nbformat 4, and the executed notebook
// logged as the parent's artifact. The kernel is shut down whatever happens.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve, sep } from "node:path";
import { MlflowApiError, TrackingUnreachableError } from "../client/errors.js";
import { gitCommit } from "../client/fluent/system-tags.js";
import { fromWireDouble, type RestClient } from "../client/rest.js";
import type { RunStatus } from "../client/wire.js";
import { parseCell } from "../magics/index.js";
import { CellRun, learnRunNumbers, TAGS } from "../tracking/cell-run.js";
import { ensureExperiment } from "../tracking/experiments.js";
import { kernelFamily } from "../tracking/kernel-language.js";
import { MagicCell } from "../tracking/magic-cell.js";
import { readCell, readNotebook, writeNotebook } from "../tracking/notebook-state.js";
import { outcomeOf } from "../tracking/outcome.js";
import type {
  ExecutionOutcome,
  IOPubMessage,
  MagicContext,
  Output,
  TrackedCell,
  TrackedNotebook,
  TrackingTarget,
} from "../tracking/types.js";
import { KernelLostError, type KernelSpec, ZmqKernel } from "./run-kernel.js";
import { injectedSource, type ParamValue, paramText } from "./run-params.js";

/** Tags of a headless execution's parent run. */
export const RUN_TAGS = {
  execution: "labtrack.execution",
  executedNotebook: "labtrack.executed_notebook",
  cells: "labtrack.cells.executed",
  failedCell: "labtrack.failed_cell",
} as const;

/** The CI identifiers a parent run is tagged with when present (GitHub, GitLab, Jenkins, Buildkite, generic). */
const CI_VARIABLES = [
  "GITHUB_RUN_ID",
  "GITHUB_RUN_ATTEMPT",
  "GITHUB_WORKFLOW",
  "GITHUB_REPOSITORY",
  "GITHUB_SHA",
  "GITHUB_REF",
  "CI_PIPELINE_ID",
  "CI_JOB_ID",
  "CI_PROJECT_PATH",
  "CI_COMMIT_SHA",
  "BUILD_NUMBER",
  "BUILD_URL",
  "JOB_NAME",
  "BUILDKITE_BUILD_ID",
  "BUILDKITE_JOB_ID",
];

export interface NbCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Output[] | Record<string, unknown>[];
  execution_count?: number | null;
  attachments?: unknown;
}

export interface NbFile {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NbCell[];
}

export const joinSource = (s: string | string[] | undefined): string =>
  Array.isArray(s) ? s.join("") : (s ?? "");

/** A notebook file read and checked: nbformat 4 with a list of cells. Throws a sentence otherwise. */
export function readNotebookFile(path: string): NbFile {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new Error("it is a directory");
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === "ENOENT" ? `${path}: no such file` : `${path}: ${(e as Error).message}`);
  }
  let nb: unknown;
  try {
    nb = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not a notebook: not JSON`);
  }
  const file = nb as Partial<NbFile> | null;
  if (!file || typeof file !== "object" || !Array.isArray(file.cells) || typeof file.nbformat !== "number")
    throw new Error(`${path} is not a notebook: no nbformat and cells`);
  if (file.nbformat !== 4)
    throw new Error(`${path} is nbformat ${file.nbformat}: labtrack run reads nbformat 4`);
  for (const c of file.cells)
    if (!c || typeof c !== "object" || !["code", "markdown", "raw"].includes(String(c.cell_type)))
      throw new Error(`${path} is not a notebook: a cell has no valid cell_type`);
  return { ...(file as NbFile), metadata: file.metadata ?? {} };
}

/** The kernelspec name a notebook asks for (`--kernel` overrides it). */
export function notebookKernelName(nb: NbFile): string | undefined {
  const spec = nb.metadata.kernelspec as { name?: unknown } | undefined;
  return typeof spec?.name === "string" && spec.name ? spec.name : undefined;
}

// nbformat writes multi-line strings as lists of lines (source, stream text, text/* and SVG data).
const splitLines = (s: string): string[] => s.match(/[^\n]*\n|[^\n]+$/g) ?? [];
const SPLIT_MIMES = new Set(["application/javascript", "image/svg+xml"]);

function serializeOutput(o: Output): Record<string, unknown> {
  if (o.output_type === "stream") return { ...o, text: splitLines(o.text) };
  if (o.output_type === "error") return { ...o };
  const data = Object.fromEntries(
    Object.entries(o.data).map(([k, v]) => [
      k,
      typeof v === "string" && (k.startsWith("text/") || SPLIT_MIMES.has(k)) ? splitLines(v) : v,
    ]),
  );
  return { ...o, data };
}

/** The notebook as nbformat 4 JSON, the way Jupyter writes it (one-space indent, sorted cells keys kept). */
export function serializeNotebook(nb: NbFile): string {
  const cells = nb.cells.map((c) => {
    const source = splitLines(joinSource(c.source));
    if (c.cell_type !== "code") return { ...c, source };
    return {
      ...c,
      source,
      outputs: ((c.outputs ?? []) as Output[]).map(serializeOutput),
      execution_count: c.execution_count ?? null,
    };
  });
  return `${JSON.stringify({ ...nb, cells }, null, 1)}\n`;
}

/** A code cell of the notebook being executed: outputs come from the kernel's iopub messages. */
class HeadlessCell implements TrackedCell {
  private clearOnNext = false;
  /** Outputs shown under a display id (update_display_data replaces them in place). */
  private displays = new Map<string, number[]>();

  constructor(
    private readonly cell: NbCell,
    private readonly kernel: () => ZmqKernel,
    /** --allow-errors: a failing cell must not abort the requests that follow it (as nbclient). */
    private readonly allowErrors = false,
  ) {
    cell.outputs = [];
    cell.execution_count = null;
  }

  get id(): string {
    return this.cell.id as string;
  }

  source(): string {
    return joinSource(this.cell.source);
  }

  get executionCount(): number | null {
    return this.cell.execution_count ?? null;
  }

  set executionCount(count: number | null) {
    this.cell.execution_count = count;
  }

  readonly isDisposed = false;

  private get list(): Output[] {
    return this.cell.outputs as Output[];
  }

  readonly outputs = {
    add: (output: Output): void => {
      if (this.clearOnNext) {
        this.cell.outputs = [];
        this.displays.clear();
        this.clearOnNext = false;
      }
      const last = this.list[this.list.length - 1];
      // Consecutive text of one stream is one output, as in JupyterLab and nbclient.
      if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name)
        last.text += output.text;
      else this.list.push(output);
    },
  };

  getMetadata(key: string): unknown {
    return this.cell.metadata[key];
  }

  setMetadata(key: string, value: unknown): void {
    this.cell.metadata[key] = value;
  }

  private onIOPub(msg: IOPubMessage): void {
    const c = msg.content;
    switch (msg.msg_type) {
      case "stream":
        this.outputs.add({
          output_type: "stream",
          name: c.name === "stderr" ? "stderr" : "stdout",
          text: String(c.text ?? ""),
        });
        return;
      case "display_data":
      case "execute_result": {
        const data = (c.data ?? {}) as Record<string, unknown>;
        const metadata = (c.metadata ?? {}) as Record<string, unknown>;
        const output: Output =
          msg.msg_type === "execute_result"
            ? {
                output_type: "execute_result",
                data,
                metadata,
                execution_count: (c.execution_count as number) ?? null,
              }
            : { output_type: "display_data", data, metadata };
        this.outputs.add(output);
        const displayId = (c.transient as { display_id?: string } | undefined)?.display_id;
        if (displayId)
          this.displays.set(displayId, [...(this.displays.get(displayId) ?? []), this.list.length - 1]);
        return;
      }
      case "update_display_data": {
        const displayId = (c.transient as { display_id?: string } | undefined)?.display_id;
        for (const i of displayId ? (this.displays.get(displayId) ?? []) : []) {
          const o = this.list[i];
          if (o && o.output_type !== "stream" && o.output_type !== "error") {
            o.data = (c.data ?? {}) as Record<string, unknown>;
            o.metadata = (c.metadata ?? {}) as Record<string, unknown>;
          }
        }
        return;
      }
      case "error":
        this.outputs.add({
          output_type: "error",
          ename: String(c.ename ?? ""),
          evalue: String(c.evalue ?? ""),
          traceback: (c.traceback as string[]) ?? [],
        });
        return;
      case "clear_output":
        if (c.wait) this.clearOnNext = true;
        else {
          this.cell.outputs = [];
          this.displays.clear();
        }
        return;
    }
  }

  async execute(code: string, userExpressions: Record<string, string>): Promise<ExecutionOutcome> {
    const tags = this.cell.metadata.tags;
    // As Jupyter: a "raises-exception" cell does not stop the queue; with --allow-errors no cell does.
    // (A failing request with stop_on_error makes ipykernel abort what reaches it until its event
    // loop's next turn: the next cell, sent at once, was sometimes aborted, its outputs lost.)
    const stopOnError = !this.allowErrors && !(Array.isArray(tags) && tags.includes("raises-exception"));
    try {
      const reply = await this.kernel().execute(
        { code, stop_on_error: stopOnError, user_expressions: userExpressions },
        (m) => this.onIOPub(m),
      );
      this.cell.execution_count = reply.execution_count;
      return outcomeOf(reply);
    } catch (e) {
      if (e instanceof KernelLostError) return { kind: "lost", reason: e.message };
      throw e;
    }
  }
}

export interface ExecuteOptions {
  /** The notebook file (absolute). */
  file: string;
  notebook: NbFile;
  spec: KernelSpec;
  params: Record<string, ParamValue>;
  client: RestClient;
  trackingUri: string;
  experiment?: string | undefined;
  runName?: string | undefined;
  /** Where the kernel runs (default: the notebook's folder). */
  cwd: string;
  /**
   * The folder the runs' notebook path is relative to (default: the notebook's git work tree, else
   * its folder; see notebookRoot).
   */
  rootDir?: string | undefined;
  timeoutMs?: number | undefined;
  allowErrors: boolean;
  /** Where the executed notebook is written, if anywhere. */
  output?: string | undefined;
  /** Aborted on Ctrl-C: the current cell is interrupted, its run and the parent KILLED. */
  signal: AbortSignal;
  /** Aborted on a second Ctrl-C: the kernel is killed at once instead of waiting for the interrupt. */
  killSignal?: AbortSignal | undefined;
  /** Progress and messages (one line each, no newline). */
  say(line: string): void;
  /** A live progress line on a terminal (null: plain lines only). */
  progress: ((line: string | null) => void) | null;
  /** Added to the kernel's environment (PYTHONPATH for `import labtrack`). */
  kernelEnv: Record<string, string>;
}

export interface RunSummary {
  runId: string;
  name: string;
  status: RunStatus;
  metrics: Record<string, number>;
}

export interface ExecuteResult {
  status: RunStatus;
  parent: RunSummary;
  experimentId: string;
  children: RunSummary[];
  /** 0 success, 1 a cell failed, was killed, or the kernel could not start. */
  exitCode: number;
  /** Why it did not succeed. */
  problem?: string | undefined;
  /**
   * Wall time of the whole execution, of the kernel's start, and of the wait for the kernel to exit
   * once everything else was done (the benchmark subtracts both).
   */
  timings: { totalMs: number; kernelStartMs: number; kernelStopMs: number };
}

/** A failed request as the Lab's magics say it, without the Lab's translations. */
export function describeTrackingError(e: unknown, uri: string): { summary: string; detail: string } {
  if (e instanceof TrackingUnreachableError)
    return { summary: "unreachable", detail: `cannot reach the tracking server at ${uri}: ${e.message}` };
  if (e instanceof MlflowApiError) return { summary: `${e.errorCode} (${e.status})`, detail: e.message };
  return { summary: "error", detail: e instanceof Error ? e.message : String(e) };
}

export function headlessTarget(client: RestClient, uri: string, defaultExperiment?: string): TrackingTarget {
  return {
    client,
    uri,
    defaultExperiment,
    describeError: (e) => describeTrackingError(e, uri),
    async statusLine() {
      try {
        await client.searchExperiments({ maxResults: 1 });
        return `${uri} — connected`;
      } catch (e) {
        return `${uri} — ${describeTrackingError(e, uri).detail}`;
      }
    },
    theme: () => "light",
  };
}

/**
 * What a notebook's path is relative to when no --root-dir says: the root of the git work tree holding
 * it, else its own folder. The Lab records the path relative to the Jupyter server's root, which is
 * where `jupyter lab` was started — for a project, usually its repository's root; so the same
 * notebook gets the same `labtrack.notebook.path` (and its runs one `NAME #N` numbering) from the
 * Lab, from `labtrack run` started in any folder, and from any CI checkout of the repository.
 */
export function notebookRoot(file: string): string {
  const folder = dirname(resolve(file));
  for (let dir = folder; ; dir = dirname(dir)) {
    // A folder or, in a linked work tree or submodule, a file naming the git directory.
    if (existsSync(join(dir, ".git"))) return dir;
    if (dirname(dir) === dir) return folder;
  }
}

/** Reads files for `%%track --artifacts`: paths are relative to the notebook's path's root (`root`). */
function fileAccess(root: string): Pick<MagicContext, "readFile" | "listDir"> {
  return {
    async readFile(path) {
      try {
        const bytes = readFileSync(resolve(root, path));
        const text = /\.(txt|csv|json|md|py|ts|yaml|yml|log|tsv|html|svg)$/i.test(path);
        return text
          ? { text: bytes.toString("utf8"), contentType: "text/plain" }
          : { text: new Uint8Array(bytes), contentType: "application/octet-stream" };
      } catch {
        return null;
      }
    },
    async listDir(path) {
      const full = resolve(root, path);
      try {
        if (!statSync(full).isDirectory()) return null;
      } catch {
        return null;
      }
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else files.push(relative(root, p));
        }
      };
      walk(full);
      return files;
    },
  };
}

/**
 * The experiment a notebook names with `%track experiment NAME` before its first tracked cell: the
 * parent run goes there, so it and its cell runs share the experiment the notebook asks for (and
 * `%track compare` in it finds them), as in the Lab, where that line runs before the cells.
 */
function firstExperimentLine(nb: NbFile): string | undefined {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    const parsed = parseCell(joinSource(cell.source));
    if (parsed.kind !== "magic") continue;
    const line = parsed.lineCommands.find((l) => l.command.command === "experiment");
    if (line?.command.command === "experiment") return line.command.name;
    if (parsed.cellMagic) return undefined;
  }
  return undefined;
}

/**
 * The names of the `%%track` cells whose runs go to the execution's experiment (those naming another
 * experiment or nesting under a `%track start` run are numbered when they run).
 */
function cellRunNames(nb: NbFile): string[] {
  const names: string[] = [];
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    const parsed = parseCell(joinSource(cell.source));
    const magic = parsed.kind === "magic" ? parsed.cellMagic : undefined;
    if (magic?.name && !magic.experiment && !magic.nested) names.push(magic.name);
  }
  return names;
}

/**
 * An interrupt that reaches the kernel while the cell's run is still being set up (before its code)
 * comes back as an error, and the cell ends its run FAILED; but the user (or --timeout) stopped it:
 * this execution's run of that cell is KILLED, with the reason.
 */
async function killedNotFailed(
  client: RestClient,
  runId: string | undefined,
  parentRunId: string,
  reason: string,
): Promise<void> {
  if (!runId) return;
  try {
    const run = await client.getRun(runId);
    const parent = run.data.tags?.find((t) => t.key === "mlflow.parentRunId")?.value;
    if (run.info.status !== "FAILED" || parent !== parentRunId) return;
    await client.updateRun(runId, { status: "KILLED" });
    await client.setTag(runId, TAGS.killedReason, reason);
  } catch {
    // The run keeps FAILED: the summary still says the execution was interrupted.
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Executes one notebook; never throws for what happens in the notebook (see ExecuteResult). */
export async function executeNotebook(o: ExecuteOptions): Promise<ExecuteResult> {
  const begun = performance.now();
  let kernelStartMs = 0;
  const nb: NbFile = structuredClone(o.notebook);
  const client = o.client;
  const root = o.rootDir ?? notebookRoot(o.file);
  const notebookPath = relative(root, o.file).split(sep).join("/") || basename(o.file);
  const stem = basename(o.file, extname(o.file));
  // Cell ids (nbformat 4.5) name each cell's runs, as in the Lab.
  for (const c of nb.cells) if (!c.id) c.id = randomBytes(4).toString("hex");
  nb.nbformat_minor = Math.max(nb.nbformat_minor ?? 0, 5);

  const experimentName =
    o.experiment ??
    readNotebook(nbMetadata(nb)).experiment ??
    firstExperimentLine(nb) ??
    process.env.MLFLOW_EXPERIMENT_NAME;
  // The experiment and the git commit at once: the kernel starts only once the parent run exists (its
  // id is in the kernel's environment), so everything before counts in the execution's time.
  const [experiment, commit] = await Promise.all([
    experimentName
      ? ensureExperiment(client, experimentName)
      : { experiment_id: process.env.MLFLOW_EXPERIMENT_ID || "0", name: "" },
    gitCommit(dirname(o.file)).catch(() => undefined),
  ]);
  const ci = Object.fromEntries(
    CI_VARIABLES.filter((v) => process.env[v]).map((v) => [
      `labtrack.ci.${v.toLowerCase()}`,
      process.env[v] as string,
    ]),
  );
  const user = process.env.LOGNAME || process.env.USER || undefined;
  const paramValues = Object.fromEntries(Object.entries(o.params).map(([k, v]) => [k, paramText(v)]));
  const parent = await CellRun.start(client, {
    experimentId: experiment.experiment_id,
    runName: o.runName ?? stem,
    notebookPath,
    kernelName: o.spec.name,
    user,
    tags: {
      [RUN_TAGS.execution]: "headless",
      ...(commit ? { "mlflow.source.git.commit": commit } : {}),
      ...ci,
    },
  });
  const parentRun = {
    runId: parent.runId,
    experimentId: parent.experimentId,
    artifactUri: parent.artifactUri,
    name: parent.runName,
  };
  o.say(
    `run "${parent.runName}" (${parent.runId}) in experiment ${experiment.name || experiment.experiment_id}`,
  );

  let kernel: ZmqKernel | null = null;
  let status: RunStatus = "FINISHED";
  let problem: string | undefined;
  const endTags: Record<string, string> = {};
  let executed = 0;
  let stopping: Promise<unknown> = Promise.resolve(null);
  let prepared: Promise<unknown> = Promise.resolve();
  const codeCells = nb.cells.filter((c) => c.cell_type === "code");
  for (const c of codeCells) {
    c.outputs = [];
    c.execution_count = null;
  }
  try {
    if (o.signal.aborted) throw new InterruptedError();
    o.say(`starting kernel ${o.spec.name} (${o.spec.display_name})`);
    const started = ZmqKernel.start(o.spec, {
      cwd: o.cwd,
      env: {
        ...o.kernelEnv,
        MLFLOW_TRACKING_URI: o.trackingUri,
        MLFLOW_EXPERIMENT_ID: parent.experimentId,
        MLFLOW_RUN_ID: parent.runId,
        JPY_SESSION_NAME: o.file,
      },
    });
    const kernelAsked = performance.now();
    // While the kernel starts: the parameters logged, and the numbers the cells' runs will take
    // learnt, so that each cell's run is created at once (see learnRunNumbers).
    prepared = Promise.all([
      Object.keys(paramValues).length > 0 ? parent.log({ params: paramValues }) : undefined,
      learnRunNumbers(client, parent.experimentId, notebookPath, cellRunNames(nb)),
    ]);
    // Awaited below, or by the recording when the kernel does not start.
    prepared.catch(() => undefined);
    kernel = await started;
    kernelStartMs = performance.now() - kernelAsked;
    await prepared;
    const k = kernel;
    const family = kernelFamily(await k.language());
    injectParameters(nb, o.params, family, o.say);
    const cells = nb.cells.filter((c) => c.cell_type === "code");
    const notebook: TrackedNotebook = {
      path: notebookPath,
      getMetadata: (key) => nb.metadata[key],
      setMetadata: (key, value) => {
        nb.metadata[key] = value;
      },
    };
    const target = headlessTarget(client, o.trackingUri, experiment.name || undefined);
    const files = fileAccess(root);
    for (const [i, cell] of cells.entries()) {
      if (o.signal.aborted) throw new InterruptedError();
      const source = joinSource(cell.source);
      const headless = new HeadlessCell(cell, () => k, o.allowErrors);
      const parsed = parseCell(source);
      const label = `[${i + 1}/${cells.length}]`;
      const started = Date.now();
      const first =
        source
          .split("\n")
          .find((l) => l.trim() !== "")
          ?.trim() ?? "";
      const name = first.length > 60 ? `${first.slice(0, 59)}…` : first;
      let timer: ReturnType<typeof setInterval> | undefined;
      if (o.progress) {
        const tick = () => o.progress?.(`${label} ${name}  ${seconds(Date.now() - started)}`);
        tick();
        timer = setInterval(tick, 1000);
      } else o.say(`${label} ${name}`);
      let timedOut = false;
      const watchdog = watch(k, o.timeoutMs, o.signal, o.killSignal, () => {
        timedOut = true;
      });
      let ok: boolean;
      try {
        if (source.trim() === "") ok = true;
        else if (parsed.kind === "plain") {
          const outcome = await headless.execute(source, {});
          ok = outcome.kind === "ok" || (outcome.kind === "error" && !stopsOnError(cell));
        } else {
          ok = await new MagicCell(
            {
              cell: headless,
              notebook,
              target,
              kernel: async () => k,
              user,
              ...files,
              extraTags: { [RUN_TAGS.execution]: "headless" },
              parentRun,
              // The cells' numbers are guessed (learnRunNumbers): their checks need not delay the code.
              checkNumberLater: true,
            },
            parsed,
          ).run();
        }
      } finally {
        watchdog.stop();
        if (timer !== undefined) clearInterval(timer);
        o.progress?.(null);
      }
      executed++;
      const took = seconds(Date.now() - started);
      if (timedOut || o.signal.aborted) {
        status = "KILLED";
        problem = timedOut
          ? `cell ${i + 1} did not finish within ${o.timeoutMs ? o.timeoutMs / 1000 : 0} s: interrupted`
          : `interrupted (Ctrl-C) in cell ${i + 1}`;
        endTags[TAGS.killedReason] = problem;
        endTags[RUN_TAGS.failedCell] = String(i + 1);
        await killedNotFailed(client, readCell(headless)?.lastRunId, parent.runId, problem);
        o.say(`${label} ${timedOut ? "timed out" : "interrupted"} after ${took}`);
        break;
      }
      if (!ok) {
        const error = (cell.outputs as Output[]).find((x) => x.output_type === "error");
        const text = error?.output_type === "error" ? `${error.ename}: ${error.evalue}` : "the cell failed";
        o.say(`${label} failed after ${took}: ${text}`);
        if (!o.allowErrors) {
          status = "FAILED";
          problem = `cell ${i + 1} failed: ${text}`;
          endTags[TAGS.errorName] = error?.output_type === "error" ? error.ename : "CellError";
          endTags[TAGS.errorMessage] = text.slice(0, 5000);
          endTags[RUN_TAGS.failedCell] = String(i + 1);
          break;
        }
      } else if (!o.progress) o.say(`${label} done in ${took}`);
    }
  } catch (e) {
    if (e instanceof InterruptedError) {
      status = "KILLED";
      problem = "interrupted (Ctrl-C)";
      endTags[TAGS.killedReason] = problem;
    } else {
      status = "FAILED";
      problem = e instanceof Error ? e.message : String(e);
      endTags[TAGS.errorName] = "LabtrackError";
      endTags[TAGS.errorMessage] = problem.slice(0, 5000);
    }
  } finally {
    // ipykernel takes about a second to exit: the execution is recorded meanwhile, and the kernel's
    // exit awaited last (a failure to stop it still reported, after the runs are ended).
    stopping = kernel
      ? kernel.shutdown().then(
          () => null,
          (e: unknown) => e,
        )
      : Promise.resolve(null);
  }
  // Never returns (nor throws) with the kernel still running: its exit is awaited after this.
  const recording = (async () => {
    // The parameters are on the parent before it ends, even when the kernel did not start.
    await prepared.catch(() => undefined);
    endTags[RUN_TAGS.cells] = `${executed}/${codeCells.length}`;

    // A run the notebook opened with %track start and never ended ends with the execution.
    const open = readNotebook(nbMetadata(nb)).openRun;
    if (open) {
      await client.updateRun(open.runId, { status, endTime: Date.now() }).catch(() => undefined);
      writeNotebook(nbMetadata(nb), { openRun: undefined });
    }

    // The nested runs have all ended: the summary is read while the executed notebook is uploaded.
    const summary = summarize(client, parent.experimentId, parent.runId, status);
    const artifact = basename(o.file);
    const text = serializeNotebook(nb);
    if (o.output) {
      mkdirSync(dirname(o.output), { recursive: true });
      writeFileSync(o.output, text);
    }
    try {
      if (await parent.uploadText(artifact, text, "application/x-ipynb+json"))
        endTags[RUN_TAGS.executedNotebook] = artifact;
      else o.say("the tracking server does not serve artifacts: the executed notebook was not logged");
    } catch (e) {
      o.say(`the executed notebook could not be logged: ${describeTrackingError(e, o.trackingUri).detail}`);
    }
    await parent.end(status, endTags);
    return summary;
  })();
  const [recorded] = await Promise.allSettled([recording]);
  const waited = performance.now();
  const stopFailure = await stopping;
  const kernelStopMs = performance.now() - waited;
  if (recorded.status === "rejected") throw recorded.reason;
  if (stopFailure) throw stopFailure;
  const { children, parentSummary } = recorded.value;
  return {
    status,
    parent: parentSummary ?? { runId: parent.runId, name: parent.runName, status, metrics: {} },
    experimentId: parent.experimentId,
    children,
    exitCode: status === "FINISHED" ? 0 : 1,
    problem,
    timings: { totalMs: performance.now() - begun, kernelStartMs, kernelStopMs },
  };
}

class InterruptedError extends Error {}

function stopsOnError(cell: NbCell): boolean {
  const tags = cell.metadata.tags;
  return !(Array.isArray(tags) && tags.includes("raises-exception"));
}

/** The notebook's metadata as the engine's metadata holder. */
function nbMetadata(nb: NbFile) {
  return {
    getMetadata: (key: string) => nb.metadata[key],
    setMetadata: (key: string, value: unknown) => {
      nb.metadata[key] = value;
    },
  };
}

/**
 * Interrupts the kernel when the cell runs longer than `timeoutMs` or on Ctrl-C; a kernel that does
 * not stop within 10 s of that is killed (its pending requests then end as "lost": KILLED runs).
 */
function watch(
  kernel: ZmqKernel,
  timeoutMs: number | undefined,
  signal: AbortSignal,
  killSignal: AbortSignal | undefined,
  onTimeout: () => void,
) {
  const kill = () => void kernel.shutdown({ force: true });
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const interrupt = () => {
    kernel.interrupt();
    killTimer ??= setTimeout(() => void kernel.shutdown({ force: true }), 10_000);
  };
  const timer =
    timeoutMs && timeoutMs > 0
      ? setTimeout(() => {
          onTimeout();
          interrupt();
        }, timeoutMs)
      : undefined;
  signal.addEventListener("abort", interrupt);
  killSignal?.addEventListener("abort", kill);
  if (signal.aborted) interrupt();
  if (killSignal?.aborted) kill();
  return {
    stop() {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      signal.removeEventListener("abort", interrupt);
      killSignal?.removeEventListener("abort", kill);
    },
  };
}

/**
 * Papermill's injection: a cell tagged `injected-parameters` right after the cell tagged `parameters`
 * (replacing one injected before), or at the top with a warning when the notebook has none.
 */
export function injectParameters(
  nb: NbFile,
  params: Record<string, ParamValue>,
  family: ReturnType<typeof kernelFamily>,
  say: (line: string) => void,
): void {
  if (Object.keys(params).length === 0) return;
  const tagged = (c: NbCell, tag: string) => Array.isArray(c.metadata.tags) && c.metadata.tags.includes(tag);
  nb.cells = nb.cells.filter((c) => !tagged(c, "injected-parameters"));
  const at = nb.cells.findIndex((c) => tagged(c, "parameters"));
  if (at < 0)
    say('warning: the notebook has no cell tagged "parameters": the parameters are injected at the top');
  const cell: NbCell = {
    cell_type: "code",
    id: randomBytes(4).toString("hex"),
    source: injectedSource(family, params),
    metadata: { tags: ["injected-parameters"] },
    outputs: [],
    execution_count: null,
  };
  nb.cells.splice(at + 1, 0, cell);
}

/**
 * The parent and its nested runs as the server has them now: names, statuses, final metrics; the
 * parent's status is `status`, the one it is being ended with.
 */
async function summarize(
  client: RestClient,
  experimentId: string,
  parentId: string,
  status: RunStatus,
): Promise<{ children: RunSummary[]; parentSummary: RunSummary | undefined }> {
  const toSummary = (r: Awaited<ReturnType<RestClient["getRun"]>>): RunSummary => ({
    runId: r.info.run_id,
    name: r.info.run_name || r.info.run_id,
    status: r.info.status,
    metrics: Object.fromEntries((r.data.metrics ?? []).map((m) => [m.key, fromWireDouble(m.value)])),
  });
  try {
    const [parent, nested] = await Promise.all([
      client.getRun(parentId),
      client.searchRuns([experimentId], {
        filter: `tags.\`mlflow.parentRunId\` = '${parentId}'`,
        orderBy: ["attributes.start_time ASC"],
        maxResults: 1000,
      }),
    ]);
    return { parentSummary: { ...toSummary(parent), status }, children: nested.runs.map(toSummary) };
  } catch {
    return { parentSummary: undefined, children: [] };
  }
}
